import { readFileSync, appendFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { OraclePolicy } from '../agents/baselines/oracle.js';
import { chainEpisode } from '../testing/chain-episode.js';
import { tmpDir } from '../testing/tmp.js';
import type { SuiteEpisode } from '../suite/types.js';
import { runEpisodes } from '../agents/runner.js';
import { openResults } from './store.js';

// every file read whole (readFile): results.jsonl must never be one of them (a string holds at most ~512 MB)
const wholeReads = vi.hoisted(() => ({ files: [] as string[] }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...real,
    readFile: (async (path: Parameters<typeof real.readFile>[0], ...rest: unknown[]) => {
      wholeReads.files.push(String(path));
      return (real.readFile as (...a: unknown[]) => unknown)(path, ...rest);
    }) as typeof real.readFile,
  };
});

const loader = async (ref: SuiteEpisode['views'][number]) => ('image' in ref ? ref.image : Promise.reject(new Error('path')));

describe('results store', () => {
  const eps = Array.from({ length: 10 }, (_, i) => chainEpisode(`e${i}`, 3, i % 3));
  const run = { policy: 'oracle', data: 'mem', mode: 'proactive' };

  it('resumes: skips finished episodes, drops a cut-short line, never duplicates', async () => {
    const dir = tmpDir('askfirst-store');
    const s1 = await openResults(dir, run);
    await runEpisodes(eps.slice(0, 4), new OraclePolicy(eps), { mode: 'proactive', loader, onRecord: (r) => s1.append(r) });
    s1.close();
    appendFileSync(join(dir, 'results.jsonl'), '{"id":"e4","kind":"occ'); // a crash mid-write
    const s2 = await openResults(dir, run);
    expect(s2.repairedTail).toBe(true);
    expect([...s2.doneIds].sort()).toEqual(['e0', 'e1', 'e2', 'e3']);
    await runEpisodes(eps, new OraclePolicy(eps), { mode: 'proactive', loader, skip: s2.doneIds, onRecord: (r) => s2.append(r) });
    s2.close();
    const ids = readFileSync(join(dir, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).id);
    expect(ids.sort()).toEqual(eps.map((e) => e.id).sort());
  });

  it('a last record whose newline was cut off: the resumed run writes the next record on a line of its own', async () => {
    const dir = tmpDir('askfirst-store');
    const file = join(dir, 'results.jsonl');
    const s1 = await openResults(dir, run);
    await runEpisodes(eps.slice(0, 2), new OraclePolicy(eps), { mode: 'proactive', loader, onRecord: (r) => s1.append(r) });
    s1.close();
    writeFileSync(file, readFileSync(file, 'utf8').replace(/\n$/, '')); // killed after the record, before its newline
    const s2 = await openResults(dir, run);
    expect([...s2.doneIds].sort()).toEqual(['e0', 'e1']);
    await runEpisodes(eps.slice(0, 4), new OraclePolicy(eps), { mode: 'proactive', loader, skip: s2.doneIds, onRecord: (r) => s2.append(r) });
    s2.close();
    const s3 = await openResults(dir, run); // it said "results.jsonl:2: malformed JSON": two records on one line
    expect([...s3.doneIds].sort()).toEqual(['e0', 'e1', 'e2', 'e3']);
    s3.close();
  });

  it('refuses to mix a different run into the same directory', async () => {
    const dir = tmpDir('askfirst-store');
    const s = await openResults(dir, run);
    s.append({ id: 'e0' } as never);
    s.close();
    await expect(openResults(dir, { ...run, policy: 'random' })).rejects.toThrow(/holds results of a different run .*policy: "oracle" before, "random" now/);
    (await openResults(dir, { ...run, policy: 'random' }, { overwrite: true })).close();
  });

  it("an older askfirst's run.json (no version, a setting it did not write) resumes; a newer one's is refused in one line", async () => {
    const dir = tmpDir('askfirst-store');
    const s = await openResults(dir, { ...run, limit: null });
    s.append({ id: 'e0' } as never);
    s.close();
    const runJson = join(dir, 'run.json');
    writeFileSync(runJson, JSON.stringify(run)); // as an older askfirst wrote it: no format, no `limit` (not kept then)
    const again = await openResults(dir, { ...run, limit: null }); // it said "limit: (absent) before, null now"
    expect([...again.doneIds]).toEqual(['e0']);
    again.close();
    expect(JSON.parse(readFileSync(runJson, 'utf8'))).toMatchObject({ format: 'askfirst-results-run', version: 1 });
    // a newer askfirst's: refused as such (it was "a different run — format: … before, (absent) now"), the file left as it was
    const newer = JSON.stringify({ format: 'askfirst-results-run', version: 2, ...run, limit: null });
    writeFileSync(runJson, newer);
    const err = (await openResults(dir, { ...run, limit: null }).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe(
      `${runJson}: written by a newer askfirst (askfirst-results-run version 2; this askfirst reads version 1 and older): upgrade askfirst to read it, or add --overwrite to start this directory afresh, or use another --out`,
    );
    expect(readFileSync(runJson, 'utf8')).toBe(newer);
  });

  it('an earlier run that finished no episode is replaced without --overwrite: there is nothing to lose', async () => {
    const dir = tmpDir('askfirst-store');
    (await openResults(dir, run)).close(); // e.g. stopped on a view that did not load
    const s = await openResults(dir, { ...run, data: 'fixed' });
    expect(s.doneIds).toEqual(new Set());
    s.append({ id: 'e0' } as never);
    s.close();
    expect(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'))).toEqual({ format: 'askfirst-results-run', version: 1, ...run, data: 'fixed' });
    await expect(openResults(dir, run)).rejects.toThrow(/holds results of a different run/);
    // a run.json damaged before any episode finished is no obstacle either
    const dir2 = tmpDir('askfirst-store');
    (await openResults(dir2, run)).close();
    writeFileSync(join(dir2, 'run.json'), '{"poli');
    (await openResults(dir2, run)).close();
    expect(JSON.parse(readFileSync(join(dir2, 'run.json'), 'utf8'))).toEqual({ format: 'askfirst-results-run', version: 1, ...run });
  });

  it('reads results.jsonl a line at a time on resume, never whole, and keeps what the resume did', async () => {
    const dir = tmpDir('askfirst-store');
    const file = join(dir, 'results.jsonl');
    const s1 = await openResults(dir, run);
    await runEpisodes(eps.slice(0, 3), new OraclePolicy(eps), { mode: 'proactive', loader, onRecord: (r) => s1.append(r) });
    s1.close();
    const played = readFileSync(file, 'utf8');
    const [first] = played.split('\n');
    // a repeated record and a torn last line: the first kept, the torn one dropped, the file rewritten to the played bytes
    appendFileSync(file, `${first}\n{"id":"e3","kind":"occ`);
    wholeReads.files.length = 0;
    const s2 = await openResults(dir, run, { check: (v) => ((v as { kind?: unknown }).kind === 'bad' ? 'a bad record' : null) });
    s2.close();
    expect(wholeReads.files.filter((f) => f.endsWith('results.jsonl'))).toEqual([]);
    expect(s2.repairedTail).toBe(true);
    expect([...s2.doneIds]).toEqual(['e0', 'e1', 'e2']);
    expect(readFileSync(file, 'utf8')).toBe(played);
    // a file that needs no repair is left as it is; the check still names the line it refuses
    const s3 = await openResults(dir, run);
    s3.close();
    expect(s3.repairedTail).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe(played);
    writeFileSync(file, played.replace(/"kind":"[^"]*"/, '"kind":"bad"'));
    await expect(openResults(dir, run, { check: (v) => ((v as { kind?: unknown }).kind === 'bad' ? 'a bad record' : null) })).rejects.toThrow(/results\.jsonl:1.*a bad record; delete that line/);
    // whitespace only: nothing to lose, started afresh even under other settings
    writeFileSync(file, '\n  \n');
    (await openResults(dir, { ...run, policy: 'random' })).close();
    expect(readFileSync(file, 'utf8')).toBe('');
  });
  it('finish refuses a record whose line was rewritten in place while it put them in order, never writes it as the one read', async () => {
    const dir = tmpDir('askfirst-store');
    const file = join(dir, 'results.jsonl');
    const s = await openResults(dir, run);
    await runEpisodes(eps.slice(0, 4), new OraclePolicy(eps), { mode: 'proactive', loader, batchSize: 1, onRecord: (r) => s.append(r) });
    const when = Math.floor(statSync(file).mtimeMs / 1000) - 60; // a whole second, which utimes puts back exactly
    utimesSync(file, when, when);
    const played = readFileSync(file, 'utf8');
    expect(played.split('\n')[0]).toContain('"id":"e0"');
    // the records in the other order: e3 read again first, e0 last; once e3 is, e0's line gets another id of its length
    const order = new Map(['e3', 'e2', 'e1', 'e0'].map((id, i) => [id, i]));
    const each = (r: { id: string }) => {
      if (r.id !== 'e3') return;
      writeFileSync(file, played.replace('"id":"e0"', '"id":"e9"'));
      utimesSync(file, when, when);
    };
    await expect(s.finish(order, each)).rejects.toThrow(/results\.jsonl:1: the line was changed since it was read: it may no longer hold what it held then; run the command again on data no one is writing$/);
    expect(readFileSync(file, 'utf8')).toBe(played.replace('"id":"e0"', '"id":"e9"')); // as it was made: not replaced by one holding it as e0's record
  });
});
