/**
 * A slow client for the servers' slow-client limits (src/server/timeouts.ts): connects, sends
 * `head`, then `drip` every 50 ms until the server closes the connection; returns what the server
 * sent and how long it took to close.
 */
import { connect } from 'node:net';

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
