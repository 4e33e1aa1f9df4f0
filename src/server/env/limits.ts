/** `askfirst env serve`'s default limits (light: its --help shows them without loading the server; docs/hardening.md). */

/** 16 MiB: uvicorn's default WebSocket message limit (`ws_max_size`), which OpenEnv's servers run with. */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** 16 MiB for an HTTP body: an OpenRLHF /get_reward batch of a few thousand long replies fits. */
export const DEFAULT_ENV_MAX_BODY_BYTES = 16 * 1024 * 1024;
/**
 * 32: uvicorn's default `ws_max_queue`, which OpenEnv's servers run with. A session with this many
 * messages received and not yet answered stops reading its socket until one is answered (TCP
 * backpressure, as uvicorn does), so a client sending faster than the server steps holds at most
 * about this many messages (each up to the message limit) in the server's memory.
 */
export const DEFAULT_MAX_QUEUED_MESSAGES = 32;
/**
 * 16 MiB of one session's messages waiting to be answered (their bytes as received), the other bound on the same
 * backpressure: at it the socket is not read until one is answered. The count alone let 32 messages of up to the
 * message limit wait, about 0.5 GiB a session (measured: a client sending 16 MiB `state` messages and reading nothing
 * took the server from 76 to 702 MB resident); now at most about this plus one message and the rest of one socket
 * read. A trainer's messages are kilobytes: it never reaches this before the count.
 */
export const DEFAULT_MAX_QUEUED_BYTES = 16 * 1024 * 1024;
/**
 * 1 MiB for one step's reply (UTF-8): a VLM's answer is a few hundred bytes, a reasoning model's 32k tokens
 * about 128 KiB. A session keeps its episode's replies (up to its turn limit, 17 in the synthetic suite) until
 * the next reset, and answers with the last one: with the message limit alone (16 MiB) that was about 272 MiB a
 * session, times --max-sessions (64 sessions holding 5 replies of 1 MiB each took the server from 84 to 547 MB
 * resident); now at most about 17 MiB a session.
 */
export const DEFAULT_MAX_REPLY_BYTES = 1024 * 1024;
/**
 * 16,384 items per POST /get_reward: about 0.5 s of the server's one thread (30 µs an item measured);
 * a 16 MiB batch of short items (285,000) took 8.6 s, during which every session and /health waited.
 */
export const DEFAULT_MAX_REWARD_ITEMS = 16_384;
/**
 * 32 HTTP POSTs handled at once; more wait, unread, for a slot (nothing is refused: verl replays turns
 * with many concurrent stateless /step calls and does not retry a refusal). One step is a few ms of
 * the one thread, so the limit is not for time but for bodies in memory: 64 concurrent 12 MiB /step
 * bodies took the server to 720 MB resident; now at most 32 bodies (each up to the body limit) are read at once.
 */
export const DEFAULT_ENV_MAX_CONCURRENT = 32;
