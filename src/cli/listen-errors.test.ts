/** `askfirst serve` and `askfirst env serve` on a busy port or a foreign --host: an error that says what to fix, not "unexpected error … please report it". */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { generateSuite } from '../suite/generate.js';
import { writeSuite } from '../suite/io.js';
import { tmpDir } from '../testing/tmp.js';
import { main } from './main.js';

async function cli(...args: string[]): Promise<{ code: number; err: string }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    process.exitCode = 0;
    await main(['node', 'askfirst', ...args]);
    return { code: Number(process.exitCode ?? 0), err: lines.join('\n') };
  } finally {
    spy.mockRestore();
    log.mockRestore();
    process.exitCode = 0;
  }
}

describe('servers that cannot listen', () => {
  it('serve and env serve on a busy port name the port and the flag to change', async () => {
    const d = tmpDir('af-cli-busy');
    await writeSuite(d, generateSuite({ episodes: 1, seed: 3, kinds: ['camera'] }));
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = String((blocker.address() as AddressInfo).port);
    try {
      for (const args of [['serve', '--policy', 'random'], ['env', 'serve', '--data', d]]) {
        const r = await cli(...args, '--port', port);
        expect(r.code).toBe(1);
        expect(r.err).toMatch(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use.*choose another --port`));
        expect(r.err).not.toMatch(/unexpected error|please report/);
      }
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('a --host that is not an address of this machine says to check --host', async () => {
    const d = tmpDir('af-cli-host');
    await writeSuite(join(d, 's'), generateSuite({ episodes: 1, seed: 3, kinds: ['camera'] }));
    for (const args of [['serve', '--policy', 'random'], ['env', 'serve', '--data', join(d, 's')]]) {
      const r = await cli(...args, '--host', '999.1.1.1', '--port', '0');
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/cannot listen on 999\.1\.1\.1: not an address of this machine; check --host/);
      expect(r.err).not.toMatch(/unexpected error|please report/);
    }
  });
});
