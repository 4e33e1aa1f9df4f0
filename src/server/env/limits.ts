/** `askfirst env serve`'s default limits (light: its --help shows them without loading the server; docs/hardening.md). */

/** 16 MiB: uvicorn's default WebSocket message limit (`ws_max_size`), which OpenEnv's servers run with. */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** 16 MiB for an HTTP body: an OpenRLHF /get_reward batch of a few thousand long replies fits. */
export const DEFAULT_ENV_MAX_BODY_BYTES = 16 * 1024 * 1024;
