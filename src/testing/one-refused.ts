/**
 * A chat-completions server for "one request fails for good while others back off" (the HTTP client's halt,
 * `ActOptions.halt`): it answers the first three requests 503 (retried after the client's backoff) and the fourth 400
 * (not retried: vLLM's refusal of a prompt longer than the context), any later one 503; closed when the test ends.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';

export const REFUSAL = 'the prompt is longer than the context';

/** The server's base URL, and how many requests it has received. */
export async function oneRefused(): Promise<{ url: string; requests: () => number }> {
  let n = 0;
  const s = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const refused = n++ === 3;
      res.writeHead(refused ? 400 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: refused ? REFUSAL : 'overloaded' } }));
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  onTestFinished(
    () =>
      new Promise<void>((r) => {
        s.closeAllConnections();
        s.close(() => r());
      }),
  );
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/v1`, requests: () => n };
}
