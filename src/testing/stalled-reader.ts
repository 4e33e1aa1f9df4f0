/**
 * A client that stops reading (src/server/write-stall.ts): connects, sends `request` `times` times on one
 * connection (HTTP/1.1 pipelining, so that the answers pile up past the socket buffers) and never reads a byte.
 * Being paused, it does not see the server close the connection either: a test watches the server's side
 * (its connections, its requests in flight). `end` destroys the socket (a test's cleanup).
 */
import { connect, type Socket } from 'node:net';

export interface StalledReader {
  socket: Socket;
  end(): void;
}

export async function stalledReader(port: number, request: string, times = 1): Promise<StalledReader> {
  const socket = connect(port, '127.0.0.1');
  socket.pause(); // never read: the answers stay in the server's buffers (and the kernel's)
  socket.on('error', () => undefined); // a reset when the server cuts it is an expected end
  await new Promise((r) => socket.once('connect', r));
  socket.write(request.repeat(times));
  return { socket, end: () => socket.destroy() };
}

/** Poll `done` every 50 ms until it holds or `ms` pass; returns whether it held. */
export async function within(ms: number, done: () => boolean | Promise<boolean>): Promise<boolean> {
  for (const t0 = Date.now(); Date.now() - t0 < ms; await new Promise((r) => setTimeout(r, 50))) if (await done()) return true;
  return done();
}
