import { describe, expect, it, vi } from 'vitest';

let exiting = false;
vi.mock('./exit-after-output.js', () => ({ isExiting: () => exiting }));
const { yieldToEventLoop } = await import('./yield.js');

const settles = (p: Promise<void>) => Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 50))]);

describe('yieldToEventLoop', () => {
  it('resolves after a turn of the event loop; once the process is exiting (its output still on its way), never: the work stands still', async () => {
    expect(await settles(yieldToEventLoop())).toBe(true);
    exiting = true;
    expect(await settles(yieldToEventLoop())).toBe(false);
  });
});
