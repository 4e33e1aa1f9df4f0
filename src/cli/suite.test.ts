import { Command } from 'commander';
import { readdir } from 'node:fs/promises';
import { describe, expect, it, vi } from 'vitest';
import { readSuite } from '../suite/io.js';
import { tmpDir } from '../testing/tmp.js';
import { register, runSuiteGenerate, SuiteGenerateSchema } from './suite.js';

describe('askfirst suite generate', () => {
  it('writes a readable suite with N episodes per kind', async () => {
    const dir = tmpDir('askfirst-cli-suite');
    const program = new Command().exitOverride();
    register(program);
    await program.parseAsync(['node', 'askfirst', 'suite', 'generate', '--out', dir, '--episodes', '2', '--kinds', 'sketch,camera', '--seed', '3', '--no-progress']);
    const eps = await readSuite(dir);
    expect(eps.map((e) => e.kind).sort()).toEqual(['camera', 'camera', 'sketch', 'sketch']);
  });

  it('counts what it wrote in words that agree with the number', async () => {
    const dir = tmpDir('askfirst-cli-suite1');
    const program = new Command().exitOverride();
    register(program);
    const said: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (said.push(String(s)), true));
    try {
      await program.parseAsync(['node', 'askfirst', 'suite', 'generate', '--out', dir, '--episodes', '1', '--kinds', 'camera', '--no-progress']);
    } finally {
      spy.mockRestore();
    }
    expect(said.join('')).toMatch(/wrote 1 episode \(/);
  });

  it('writes the ProactiveBench layout', async () => {
    const dir = tmpDir('askfirst-cli-pb');
    const cfg = SuiteGenerateSchema.parse({ out: dir, episodes: 1, kinds: ['occlusion', 'corruption'], format: 'proactivebench', progress: false });
    const r = await runSuiteGenerate(cfg);
    expect(r.episodes).toBe(2);
    const files = await readdir(dir);
    expect(files.filter((f) => f.endsWith('_preprocessed.jsonl'))).toHaveLength(2);
  });

  it('rejects bad options by name', async () => {
    const program = new Command().exitOverride();
    register(program);
    await expect(program.parseAsync(['node', 'askfirst', 'suite', 'generate', '--out', '/tmp/x', '--size', '8'])).rejects.toThrow(/size/);
  });
});
