import { spawn } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { exited, stopChild } from '../testing/child.js';
import { whenWritten, type Flushable } from './exit-after-output.js';

/** A stream whose pending bytes the test sets. */
const stream = (writableLength: number, destroyed = false): Flushable & { writableLength: number; destroyed: boolean } => ({ writableLength, destroyed });

const settled = async (p: Promise<void>, ms: number) => Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

describe('whenWritten: what an exit waits for', () => {
  it('nothing pending: resolves at once', async () => {
    expect(await settled(whenWritten([stream(0), stream(0)]), 5)).toBe(true);
  });

  it('waits while a stream still holds output, resolves once it is written', async () => {
    const out = stream(4096);
    const p = whenWritten([out, stream(0)]);
    expect(await settled(p, 50)).toBe(false);
    out.writableLength = 0;
    expect(await settled(p, 100)).toBe(true);
  });

  it('a stream whose reader has gone (destroyed by EPIPE) is not waited for', async () => {
    expect(await settled(whenWritten([stream(4096, true), stream(0)]), 5)).toBe(true);
  });

  it('a reader that takes nothing for the stall limit is given up; one that takes some keeps the wait going', async () => {
    let t = 0;
    const out = stream(3 * 4096);
    const p = whenWritten([out], 1000, () => t);
    t = 900;
    out.writableLength -= 4096; // it read a chunk: the limit counts from here
    await new Promise((r) => setTimeout(r, 30));
    t = 1800;
    expect(await settled(p, 30)).toBe(false);
    t = 1950;
    expect(await settled(p, 50)).toBe(true);
  });

  it('a reader that takes one big write slowly but steadily is waited for: progress is bytes taken, not whole writes', { timeout: 30_000 }, async () => {
    // a child reading 16 KiB every 50 ms (about 3.2 s for 1 MiB) from a pipe given one 1 MiB write: Node counts that
    // write pending (writableLength) whole until its last byte is taken, so by that alone the reader took nothing for
    // 3.2 s, and a stall limit of 1.5 s gave the write up with all of it left; libuv's queue shows it going out
    // (in steps of about 180 KiB here, some 0.5 s apart: a Node child's stdin is a UNIX socket pair, which wakes its
    // writer only once three quarters of its send buffer is read; a shell's pipe does at each 4 KiB page)
    const reader = spawn(process.execPath, ['-e', `
      let n = 0;
      process.stdin.on('readable', function take() {
        let b;
        while ((b = process.stdin.read(16384)) !== null) {
          n += b.length;
          process.stdin.off('readable', take);
          return setTimeout(() => { process.stdin.on('readable', take); take(); }, 50);
        }
      });
      process.stdin.on('end', () => process.stdout.write(String(n)));
      process.stdout.write('ready ');
    `], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      let said = '';
      const ready = new Promise<void>((resolve) => reader.stdout.on('data', (b: Buffer) => (said += b.toString()).startsWith('ready ') && resolve()));
      await ready;
      const big = Buffer.alloc(1 << 20, 46);
      reader.stdin.write(big);
      await whenWritten([reader.stdin], 1500);
      const left = reader.stdin.writableLength;
      reader.stdin.end();
      await exited(reader);
      expect(left).toBe(0);
      expect(said).toBe(`ready ${big.length}`);
    } finally {
      await stopChild(reader);
    }
  });

  it('bytes taken from a write under way (libuv\'s queue going down) restart the stall limit; a queue that stands still does not', async () => {
    let t = 0;
    const out = { writableLength: 1 << 20, destroyed: false, _handle: { writeQueueSize: 900_000 } };
    const p = whenWritten([out], 1000, () => t);
    t = 900;
    out._handle.writeQueueSize = 700_000; // the reader took 200,000 bytes of the one write: writableLength unchanged
    await new Promise((r) => setTimeout(r, 30));
    t = 1800;
    expect(await settled(p, 30)).toBe(false);
    t = 1950;
    expect(await settled(p, 50)).toBe(true);
  });
});

describe('onSignalUnlessExiting: how every handler but exitAfterOutput\'s listens for Ctrl-C and SIGTERM', () => {
  it('calls its handler with the signal until an exit began; then leaves the signal to exitAfterOutput, which exits at once', async () => {
    vi.resetModules(); // a module of its own: the exit this test begins stays begun
    const m = await import('./exit-after-output.js');
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const savedCode = process.exitCode;
    const before = [process.listeners('SIGINT'), process.listeners('SIGTERM')];
    const seen: string[] = [];
    const stop = m.onSignalUnlessExiting((sig) => seen.push(sig));
    try {
      process.emit('SIGINT');
      process.emit('SIGTERM');
      expect(seen).toEqual(['SIGINT', 'SIGTERM']);
      const out = stream(4096); // output still waiting: the exit waits for it
      m.exitAfterOutput(141, [out]);
      expect(m.isExiting()).toBe(true);
      expect(exit).not.toHaveBeenCalled();
      process.emit('SIGINT');
      process.emit('SIGTERM');
      expect(seen).toEqual(['SIGINT', 'SIGTERM']); // not called once the exit began
      expect(exit).toHaveBeenCalledWith(141); // exitAfterOutput's own listener: at once
      stop();
      expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual([before[0].length + 1, before[1].length + 1]); // exitAfterOutput's
      out.writableLength = 0; // its wait ends (process.exit mocked)
      await new Promise((r) => setTimeout(r, 30));
    } finally {
      stop();
      for (const sig of ['SIGINT', 'SIGTERM'] as const) for (const l of process.listeners(sig)) if (!before[sig === 'SIGINT' ? 0 : 1].includes(l)) process.off(sig, l);
      process.exitCode = savedCode;
      exit.mockRestore();
      vi.resetModules();
    }
  });
});
