/**
 * `askfirst feedback demo` stopped by Ctrl-C or SIGTERM (the real command in a child process, signalled once its
 * stderr shows the phase in question): it says what is kept, exits 130 (143), leaves no lock, and the same command
 * resumes to what an uninterrupted run gives. Before, it died by the signal without a word, holding its database's lock,
 * and a demo stopped in the over-optimisation regime resumed to other figures.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { newBuiltin, saveBuiltin } from '../agents/builtin/build.js';
import { playEpisode } from '../testing/play-episode.js';
import { generateSuite } from '../suite/generate.js';
import { writeSuite } from '../suite/io.js';
import { tmpDir } from '../testing/tmp.js';
import { runSignalled } from '../testing/child.js';

let dir: string;
let init: string;
/** A quick demo: a few labels and updates; the over-optimisation regime in three segments of two updates. */
const demo = (out: string) => [
  'feedback', 'demo', '--init', init, '--out', out, '--labels', '10', '--annotators', '1', '--rl-updates', '1', '--episodes-per-update', '4', '--rl-episodes', '10',
  '--eval-episodes', '5', '--dpo-steps', '1', '--rm-steps', '2', '--routing-budgets', '0.5', '--routing-rounds', '1', '--routing-committee', '2',
  '--gao-labels', '10', '--gao-updates', '6', '--gao-eval-every', '2',
];
/** What a finished demo wrote, to compare: feedback.json without its times and --out, the regime's points, the evaluation and the weights (their SHA-256). */
function outputs(out: string): Record<string, string> {
  const j = JSON.parse(readFileSync(join(out, 'feedback.json'), 'utf8')) as Record<string, unknown>;
  for (const k of ['timings', 'createdAt', 'wallSeconds', 'command', 'config']) delete j[k];
  const files: Record<string, string> = { 'feedback.json': JSON.stringify(j) };
  for (const name of readdirSync(join(out, 'rl'))) {
    files[`rl/${name}/final`] = sha256(join(out, 'rl', name, 'final', 'model.safetensors'));
    if (existsSync(join(out, 'rl', name, 'gao-eval.json'))) files[`rl/${name}/gao-eval.json`] = readFileSync(join(out, 'rl', name, 'gao-eval.json'), 'utf8');
  }
  for (const name of readdirSync(join(out, 'eval'))) files[`eval/${name}`] = sha256(join(out, 'eval', name, 'results.jsonl'));
  return files;
}
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const left = (out: string) => ({ runLock: existsSync(join(out, '.lock')), dbLock: existsSync(join(out, 'feedback-db', 'askfirst.lock')) });

beforeAll(() => {
  dir = tmpDir('af-fb-interrupt');
  init = join(dir, 'sup');
  saveBuiltin(init, newBuiltin(generateSuite({ episodes: 1, kinds: ['camera'] }))); // an untrained guesser: the demo only needs one
});

describe('feedback demo stopped by a signal', () => {
  it('Ctrl-C while its new database is made: stops at once (no half-made database, no lock) and exits 130', { timeout: 120_000 }, async () => {
    const out = join(dir, 'new-db');
    // making a PGlite database takes 10-30 s of WebAssembly; it ran on the thread the handler needs, so the demo stopped only once it was made
    const r = await runSignalled(demo(out), /opening the feedback database/, 'SIGINT');
    expect({ code: r.code, killedBy: r.killedBy }).toEqual({ code: 130, killedBy: null });
    expect(r.stderr).toContain('askfirst: interrupted; ');
    expect(r.stderr).toContain('run the same command again to continue');
    expect(existsSync(join(out, 'feedback-db', 'PG_VERSION'))).toBe(false);
    expect(existsSync(out) ? readdirSync(out).filter((n) => n.includes('creating') || n === '.lock') : []).toEqual([]);
  });

  it('SIGTERM while labelling, then Ctrl-C in the over-optimisation regime: each says what is kept, exits 143 / 130 and leaves no lock; run again, the demo ends as an uninterrupted one', { timeout: 600_000 }, async () => {
    const straight = join(dir, 'straight');
    expect((await runSignalled(demo(straight), undefined, 'SIGINT')).code).toBe(0);
    const out = join(dir, 'stopped');
    const labelling = await runSignalled(demo(out), /simulated annotators \(pairs-honest\): 1\//, 'SIGTERM');
    expect({ code: labelling.code, killedBy: labelling.killedBy }).toEqual({ code: 143, killedBy: null });
    expect(labelling.stderr).toContain('askfirst: stopping: closing the feedback database after the current label');
    expect(labelling.stderr).toContain('askfirst: interrupted; the labels');
    expect(left(out)).toEqual({ runLock: false, dbLock: false });
    // the regime's third segment: its first two are evaluated and final/ holds update 4's weights
    const regime = await runSignalled(demo(out), /resumed from .*gao-plain.* at update 4/, 'SIGINT');
    expect({ code: regime.code, killedBy: regime.killedBy }).toEqual({ code: 130, killedBy: null });
    expect(left(out)).toEqual({ runLock: false, dbLock: false });
    expect((await runSignalled(demo(out), undefined, 'SIGINT')).code).toBe(0);
    expect(outputs(out)).toEqual(outputs(straight));
  });
});

describe('feedback simulate stopped by a signal', () => {
  it('Ctrl-C: stops after the labels in progress, closes the workbench and its database (no lock), exits 130; the same command labels the rest', { timeout: 180_000 }, async () => {
    const suite = join(dir, 'suite');
    const eps = generateSuite({ episodes: 4, seed: 5, kinds: ['sketch', 'camera'], controlShare: 0 });
    await writeSuite(suite, eps);
    const files = [0, 1].map((k) => join(dir, `plays-${k}.jsonl`)); // two plays differing on every episode: 8 pairs
    for (const [k, f] of files.entries()) await writeFile(f, eps.map((ep) => JSON.stringify(playEpisode(ep, 'proactive', () => ep.categories[(ep.answer + k) % ep.categories.length])) + '\n').join(''));
    const db = join(dir, 'db');
    expect((await runSignalled(['feedback', 'pairs', '--db-dir', db, '--project', 'p', '--suite', suite, '--results', files.join(','), '--no-progress'], undefined, 'SIGINT')).code).toBe(0);
    const simulate = ['feedback', 'simulate', '--db-dir', db, '--project', 'p', '--annotators', '1'];
    const r = await runSignalled(simulate, /opening the feedback database/, 'SIGINT'); // while it opens: the annotators stop before their first label
    expect({ code: r.code, killedBy: r.killedBy }).toEqual({ code: 130, killedBy: null });
    expect(r.stderr).toContain('askfirst: stopping: closing the workbench and its database after the labels in progress');
    expect(r.stderr).toContain('askfirst: interrupted; the labels given are saved in the project; run the same command again to label the rest');
    expect(existsSync(join(db, 'askfirst.lock'))).toBe(false);
    const again = await runSignalled(simulate, undefined, 'SIGINT');
    expect(again.code).toBe(0);
    const labels = (out: string) => Number(/^(\d+) labels by 1 simulated annotators/m.exec(out)?.[1] ?? 0);
    expect(labels(r.stdout) + labels(again.stdout)).toBe(8); // every pair labelled once, none twice
  });
});
