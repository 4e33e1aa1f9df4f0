/**
 * A judge endpoint that records the most requests it held at once. It holds each request until every one the judge's
 * client has in flight (the slots its semaphore has given out, watched through Semaphore.prototype) has come, then
 * answers them all: the client's bound, whatever it is, is reached and seen, and nothing waits on a timer. Call it in
 * a test whose afterEach restores mocks (vi.restoreAllMocks): it spies on Semaphore.prototype.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { vi } from 'vitest';
import { Semaphore } from '../util/semaphore.js';

export interface HeldJudge {
  /** most: the most requests held at once; requests: those that came; semaphores: the clients' semaphores seen. */
  seen: { most: number; requests: number; semaphores: Set<Semaphore> };
  /** The endpoint's base URL (…/v1), for `openai:URL#MODEL`. */
  url: string;
  /** Clears `seen` for the next run against the same endpoint. */
  reset(): void;
  close(): Promise<unknown>;
}

export async function heldJudge(): Promise<HeldJudge> {
  const seen = { most: 0, requests: 0, semaphores: new Set<Semaphore>() };
  let held: ServerResponse[] = [];
  const active = () => [...seen.semaphores].reduce((a, s) => a + (s as unknown as { active: number }).active, 0);
  const answerWhenAllCame = () => {
    if (!held.length || held.length < active()) return;
    for (const res of held.splice(0)) {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: 'VERDICT: 1' } }] }));
    }
  };
  const { acquire, release } = Semaphore.prototype;
  vi.spyOn(Semaphore.prototype, 'acquire').mockImplementation(function (this: Semaphore) {
    seen.semaphores.add(this);
    return acquire.call(this);
  });
  vi.spyOn(Semaphore.prototype, 'release').mockImplementation(function (this: Semaphore) {
    release.call(this);
    answerWhenAllCame(); // a slot freed: the requests still held may be all the client has out
  });
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.requests++;
      held.push(res);
      seen.most = Math.max(seen.most, held.length);
      answerWhenAllCame();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  const reset = () => {
    Object.assign(seen, { most: 0, requests: 0 });
    seen.semaphores.clear();
  };
  const close = () => {
    held = [];
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  };
  return { seen, url, reset, close };
}
