/**
 * A full disk under a command that writes files: the write that fails with ENOSPC (and every one after it to that file:
 * the disk stays full) comes at a chosen moment (src/testing/fs-fault.ts, preloaded into the real command: no root, no
 * small file system needed). The command ends with one line naming the file, saying the disk is full, what is kept and
 * how to go on (no "unexpected error … please report it", no stack trace), exit 1; what it leaves holds no partial file
 * that looks complete; the same command run again once space is freed leaves the bytes of an uninterrupted run (of
 * summary.json, all but its wall time and provenance; of a training run, the weights). docs/hardening.md, "A full disk".
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runCliWithFault, treeHashes, type FsFault } from '../src/testing/cli-kill.js';
import { tmpDir } from '../src/testing/tmp.js';
import { generateSuite } from '../src/suite/generate.js';
import { writeSuite } from '../src/suite/io.js';

/** Run `args` in `cwd` with the disk full at `at`: its one line of stderr, checked for the shape every command shares. */
async function fullDisk(args: readonly string[], cwd: string, at: Omit<FsFault, 'fault'>): Promise<string> {
  const r = await runCliWithFault(args, cwd, { ...at, fault: 'enospc' });
  expect(r.code, r.stderr).toBe(1);
  const said = r.stderr.split('\n').filter((l) => l.startsWith('askfirst'));
  expect(said, r.stderr).toHaveLength(1);
  expect(r.stderr).not.toMatch(/unexpected error|please report|\n\s+at /);
  return said[0];
}

/** summary.json without its wall time and provenance (date, command line: docs/evaluation.md). */
function summaryBody(out: string): unknown {
  const { wallSeconds: _w, provenance: _p, ...rest } = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;
  return rest;
}

/** `whole` and `full` (the same command, from their own folders), each a new folder in a temp folder. */
function twoDirs(name: string): { root: string; whole: string; full: string } {
  const root = tmpDir(name);
  const [whole, full] = [join(root, 'whole'), join(root, 'full')];
  mkdirSync(whole);
  mkdirSync(full);
  return { root, whole, full };
}

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).length;

describe('a full disk under askfirst eval', () => {
  it('at its 30th record: says the file, that the disk is full and that finished episodes are kept; the re-run resumes to the bytes of an uninterrupted run', { timeout: 240_000 }, async () => {
    const { root, whole, full } = twoDirs('askfirst-full-eval');
    const data = join(root, 'suite');
    await writeSuite(data, generateSuite({ episodes: 10, seed: 3, size: 32 })); // 70 episodes
    const args = ['eval', '--policy', 'random:1', '--data', data, '--out', 'out', '--no-progress'];
    expect((await runCli(args, whole)).code).toBe(0);

    const said = await fullDisk(args, full, { op: 'write', path: join('proactive', 'results.jsonl'), nth: 30 });
    expect(said).toBe(
      `askfirst: cannot write ${join('out', 'proactive', 'results.jsonl')}: no space left on the device (or quota exceeded); free some space or choose another disk; finished episodes are saved; re-run the same command to resume`,
    );
    expect(lines(join(full, 'out', 'proactive', 'results.jsonl'))).toBe(29); // whole lines only
    expect(existsSync(join(full, 'out', 'summary.json'))).toBe(false);
    expect(existsSync(join(full, 'out', 'proactive', '.lock'))).toBe(false); // released

    const again = await runCli(args, full);
    expect(again.code, again.stderr).toBe(0);
    const [a, b] = [treeHashes(join(whole, 'out')), treeHashes(join(full, 'out'))];
    delete a['summary.json'];
    delete b['summary.json'];
    expect(b).toEqual(a);
    expect(summaryBody(join(full, 'out'))).toEqual(summaryBody(join(whole, 'out')));
  });

  it('while taking its lock: says so, nothing is left behind (no temporary lock file), and the re-run evaluates', { timeout: 120_000 }, async () => {
    const root = tmpDir('askfirst-full-lock');
    const data = join(root, 'suite');
    await writeSuite(data, generateSuite({ episodes: 1, seed: 3, size: 32 }));
    const args = ['eval', '--policy', 'random:1', '--data', data, '--out', 'out', '--no-progress'];
    const said = await fullDisk(args, root, { op: 'write', path: `${sep}.` }); // a lock's temporary file: out/<mode>/..lock.PID.HEX.tmp
    expect(said).toMatch(/^askfirst: cannot write out[\\/]\w+[\\/]\.lock: no space left on the device \(or quota exceeded\); free some space or choose another disk; finished episodes are saved; re-run the same command to resume$/);
    const left = Object.keys(treeHashes(join(root, 'out')));
    expect(left.filter((p) => !p.endsWith('/'))).toEqual([]); // folders only: no lock, no temporary file
    const again = await runCli(args, root);
    expect(again.code, again.stderr).toBe(0);
  });
});

describe('a full disk under askfirst suite generate', () => {
  it('over an earlier suite, while staging images: that suite stays as it was; the re-run writes the bytes of an uninterrupted run', { timeout: 240_000 }, async () => {
    const { whole, full } = twoDirs('askfirst-full-suite');
    const base = ['suite', 'generate', '--size', '32', '--out', 'out', '--no-progress'];
    const args = [...base, '--episodes', '2', '--seed', '0'];
    for (const dir of [whole, full]) expect((await runCli([...base, '--episodes', '3', '--seed', '1'], dir)).code).toBe(0); // the suite the run replaces
    const earlier = treeHashes(full);
    expect((await runCli(args, whole)).code).toBe(0);

    const said = await fullDisk(args, full, { op: 'write', path: `${sep}.writing${sep}`, nth: 5 });
    expect(said).toMatch(new RegExp(`^askfirst: cannot write ${join('out', '.writing', 'images')}${sep}[^ ]+\\.png: no space left on the device \\(or quota exceeded\\); free some space or choose another disk; no suite was written to out yet \\(a suite already there is as it was;`));
    expect(said).toMatch(/; run the same command again to generate it$/);
    const left = treeHashes(full);
    for (const k of Object.keys(left)) if (k.startsWith('out/.writing/')) delete left[k]; // the staged episodes: removed by the next run
    expect(left).toEqual(earlier);

    const again = await runCli(args, full);
    expect(again.code, again.stderr).toBe(0);
    expect(treeHashes(full)).toEqual(treeHashes(whole));
  });
});

describe('a full disk under askfirst export', () => {
  it('over an earlier export, while writing train.parquet: the earlier export stays; the re-run leaves the bytes of an uninterrupted run', { timeout: 240_000 }, async () => {
    const { root, whole, full } = twoDirs('askfirst-full-export');
    const data = join(root, 'suite');
    await writeSuite(data, generateSuite({ episodes: 4, seed: 3, size: 32 }));
    const args = ['export', '--data', data, '--out', 'out', '--no-progress', '--overwrite']; // over the earlier export
    for (const dir of [whole, full]) expect((await runCli([...args, '--turns', 'first', '--limit', '2'], dir)).code).toBe(0); // the export the run replaces
    const earlier = treeHashes(full);
    expect((await runCli(args, whole)).code).toBe(0);

    const said = await fullDisk(args, full, { op: 'write', path: 'train.parquet' });
    expect(said).toBe(
      `askfirst: cannot write ${join(full, 'out', 'train.parquet')}: no space left on the device (or quota exceeded); free some space or choose another disk; an export appears in out only once it is complete, and an earlier one there stays until then (the partial one is removed); run the same command again to export`,
    );
    expect(treeHashes(full)).toEqual(earlier); // no partial export beside it either: removed on the error

    const again = await runCli(args, full);
    expect(again.code, again.stderr).toBe(0);
    expect(treeHashes(full)).toEqual(treeHashes(whole));
  });
});

describe('a full disk under askfirst train supervised', () => {
  it('while writing its second checkpoint: the first is kept and named, with --resume; resumed, it ends with the weights of an uninterrupted run', { timeout: 240_000 }, async () => {
    const { whole, full } = twoDirs('askfirst-full-train');
    const args = ['train', 'supervised', '--out', 'run', '--steps', '15', '--warmup-steps', '2', '--checkpoint-every', '5', '--batch-size', '8', '--episodes', '2', '--size', '32', '--no-progress'];
    expect((await runCli(args, whole)).code).toBe(0);

    const said = await fullDisk(args, full, { op: 'write', path: `${sep}step-0000010${sep}` });
    expect(said).toBe(
      `askfirst: cannot write ${join('run', 'checkpoints', 'step-0000010', 'model.safetensors')}: no space left on the device (or quota exceeded); free some space or choose another disk; run keeps the run up to its latest checkpoint (${join('checkpoints', 'step-0000005')}); run the same command with --resume to continue from there`,
    );
    expect(readdirSync(join(full, 'run', 'checkpoints', 'step-0000010'))).toEqual([]); // no weights file that looks written, no state.json
    expect(existsSync(join(full, 'run', 'final'))).toBe(false);

    const again = await runCli([...args, '--resume'], full);
    expect(again.code, again.stderr).toBe(0);
    const weights = (dir: string) => treeHashes(join(dir, 'run', 'final'))['model.safetensors'];
    expect(weights(full)).toEqual(weights(whole));
  });
});

describe('a full disk under askfirst feedback import (PGlite)', () => {
  it('as the database grows: says the database folder, that the disk is full and that nothing was added; the re-run adds every item', { timeout: 240_000 }, async () => {
    const root = tmpDir('askfirst-full-feedback');
    const data = join(root, 'suite');
    await writeSuite(data, generateSuite({ episodes: 2, seed: 3, size: 32 }));
    const db = join(root, 'db');
    const args = ['feedback', 'import', '--db-dir', db, '--suite', data, '--project', 'p'];
    expect((await runCli([...args, '--limit', '2'], root)).code).toBe(0); // the database, with 2 items

    const said = await fullDisk(args, root, { op: 'write', path: `${sep}base${sep}` }); // PostgreSQL's tables
    expect(said).toBe(
      `askfirst: cannot write the feedback database ${db}: no space left on the device (or quota exceeded); free some space or choose another disk; no item was added (they go in by transactions, each all or none; a suite's 1000 episodes at a time); run the same command again to add them`,
    );
    const again = await runCli(args, root);
    expect(again.code, again.stderr).toBe(0);
    const status = await runCli(['feedback', 'status', '--db-dir', db], root);
    expect(status.code, status.stderr).toBe(0);
  });
});
