/**
 * A slow client for the servers' slow-client limits (src/server/timeouts.ts): connects, sends
 * `head`, then `drip` every 50 ms until the server closes the connection; returns what the server
 * sent and how long it took to close.
 */
import { connect } from 'node:net';

/**
 * How soon a test expects the server to cut the slow client, with the tests' limits (headersTimeout 300 ms,
 * requestTimeout 600 ms, checked every 50 ms). Not the limits' size, which a loaded machine stretches (2 s
 * bounds were 3x the limit): without them Node cuts only after its defaults, 60 s (headers) or 300 s (request).
 */
export const CUT_WITHIN_MS = 15_000;

export async function slowClient(port: number, head: string, drip: string): Promise<{ got: string; ms: number }> {
  const sock = connect(port, '127.0.0.1');
  let got = '';
  sock.setEncoding('utf8').on('data', (d: string) => (got += d));
  await new Promise((r) => sock.once('connect', r));
  sock.write(head);
  const timer = setInterval(() => sock.write(drip), 50);
  const t0 = Date.now();
  await new Promise((r) => sock.once('close', r));
  clearInterval(timer);
  return { got, ms: Date.now() - t0 };
}
