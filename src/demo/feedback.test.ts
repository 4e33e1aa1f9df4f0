import { describe, expect, it, vi } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pairsProject, regimeExamples, regimeRm, rlRegime, runFeedbackDemo } from './feedback.js';
import { newBuiltin, saveBuiltin } from '../agents/builtin/build.js';
import { tmpDir } from '../testing/tmp.js';
import { FeedbackDemoConfigSchema } from './feedback-config.js';
import { playEpisode } from '../testing/play-episode.js';
import { openDb } from '../feedback/db.js';
import { pairsFromRecords } from '../feedback/pairs.js';
import { FeedbackStore } from '../feedback/store.js';
import { generateSuite } from '../suite/generate.js';
import type { EpisodeRecord } from '../episode/types.js';
import { BaseRLConfigSchema } from '../rl/configs.js';

describe('feedback demo: RL regimes', () => {
  it('RLHF on a learned reward pulls harder to the start than RL on the gold reward', () => {
    const cfg = FeedbackDemoConfigSchema.parse({});
    const goldKl = BaseRLConfigSchema.parse({ out: 'x', ...rlRegime(cfg, 'gold') }).klCoef;
    const rlhfKl = BaseRLConfigSchema.parse({ out: 'x', ...rlRegime(cfg, 'learned') }).klCoef;
    expect(goldKl).toBe(BaseRLConfigSchema.parse({ out: 'x' }).klCoef); // gold RL: the RL stage's own default
    expect(rlhfKl).toBe(0.2); // chosen on development seeds 10–12 (docs/feedback-rlhf.md)
    expect(rlhfKl).toBeGreaterThan(goldKl);
  });
  it('--rlhf-kl-coef reaches the RLHF runs only', () => {
    const cfg = FeedbackDemoConfigSchema.parse({ rlhfKlCoef: 0.7 });
    expect(rlRegime(cfg, 'learned')).toEqual({ klCoef: 0.7 });
    expect(rlRegime(cfg, 'gold')).toEqual({});
  });
});

describe('feedback demo: the over-optimisation regime', () => {
  it('gives both reward models enough labels to tell them apart, no KL, and runs long enough to fall', () => {
    const cfg = FeedbackDemoConfigSchema.parse({});
    // With 30 labels neither reward model was accurate on held-out pairs and the regime said
    // nothing; with 300, no KL and 120 updates the plain one's gold fell on every development
    // seed and the fact-augmented one's did not (docs/feedback-rlhf.md).
    expect(cfg.gaoLabels).toBe(300);
    expect(cfg.gaoKlCoef).toBe(0);
    expect(cfg.gaoUpdates).toBe(120);
    expect(cfg.gaoEvalEvery).toBe(20);
    expect(cfg.labels).toContain(cfg.gaoLabels); // its fact-augmented reward model is the label curve's
  });
});

describe('feedback demo: the pair pool', () => {
  it('adds a tenth as many pairs again that hold a play asking on a view that shows enough', () => {
    // Without them almost no play of the pool asked on an answerable view (no play of a training
    // episode can run out of turns), and the regime's no-KL policies learned to ask on and on
    // (chosen on development seeds 10–12, docs/feedback-rlhf.md).
    expect(FeedbackDemoConfigSchema.parse({}).askForeverShare).toBe(0.1);
  });
});

describe('feedback demo: the over-optimisation regime\'s labels', () => {
  const rec = (outcome: EpisodeRecord['outcome'], informative: boolean[], ask: boolean): EpisodeRecord => ({
    id: 'e', kind: 'camera', mode: 'proactive', control: false, success: outcome === 'correct', outcome, turns: informative.length, interventions: ask ? 1 : 0,
    ps: 0, minInterventions: 1, guessed: !ask, replies: [], views: informative.map((_, i) => i), informative,
    actions: ask ? [{ type: 'intervention', option: 0, intervention: 0, valid: true }, { type: 'category', option: 1, category: 0, correct: true }] : [{ type: 'category', option: 1, category: 0, correct: outcome === 'correct' }],
  });
  const common = { a: { record: rec('correct', [false, true], true) }, b: { record: rec('wrong-category', [false], false) } };
  const rare = { a: { record: rec('correct', [true, true], true) }, b: { record: rec('correct', [true], false) } };
  const ex = [common, common, common, rare];

  it('takes the first gaoLabels pairs in sampling order, or every kind of play first (coverage)', () => {
    expect(regimeExamples({ gaoLabels: 2, gaoLabelOrder: 'sampled', labelOrder: 'coverage' }, ex)).toEqual([common, common]);
    expect(regimeExamples({ gaoLabels: 2, gaoLabelOrder: 'coverage', labelOrder: 'sampled' }, ex)).toContain(rare);
    // unset: as --label-order
    expect(regimeExamples({ gaoLabels: 2, labelOrder: 'sampled' }, ex)).toEqual([common, common]);
    expect(regimeExamples({ gaoLabels: 2, labelOrder: 'coverage' }, ex)).toContain(rare);
  });
  it('names its reward models apart from the label curve\'s when its order differs', () => {
    expect(regimeRm({ gaoLabels: 300, gaoLabelOrder: 'coverage', labelOrder: 'coverage' }, 'plain')).toBe('plain-300');
    expect(regimeRm({ gaoLabels: 300, gaoLabelOrder: 'sampled', labelOrder: 'coverage' }, 'fact')).toBe('fact-300-sampled');
    expect(regimeRm({ gaoLabels: 300, labelOrder: 'sampled' }, 'fact')).toBe('fact-300');
  });
});

describe('feedback demo: the project of labelled pairs', () => {
  it('is created with all its pairs or not at all, so a run stopped while filling it completes it when run again', async () => {
    const eps = generateSuite({ episodes: 2, seed: 3, kinds: ['sketch'], controlShare: 0 }).map((ep) => ({ ...ep, views: ep.views.map((_, v) => `images/${ep.id}_v${v}.png`) }));
    const records = eps.flatMap((ep) => [0, 1].map((k) => ({ record: playEpisode(ep, 'proactive', () => ep.categories[k]), source: 'test' })));
    const pairs = pairsFromRecords(eps, records, { seed: 0 });
    expect(pairs).toHaveLength(2);
    const store = await FeedbackStore.open(await openDb());
    try {
      // the second pair cannot be stored (text PostgreSQL refuses): filling the project fails part-way
      const broken = [pairs[0], { ...pairs[1], episode: { ...pairs[1].episode, question: 'what is this?\u0000' } }];
      await expect(pairsProject(store, 'pairs-honest', '/suite', broken)).rejects.toThrow(/text the database cannot store/);
      // run again: the project is filled with every pair
      const project = await pairsProject(store, 'pairs-honest', '/suite', pairs);
      expect((await store.items(project.id)).map((it) => it.externalId).sort()).toEqual(pairs.map((p) => p.id).sort());
      expect((await store.progress(project.id)).needed).toBe(2);
    } finally {
      await store.close();
    }
  });
});

describe('feedback demo: its first step', () => {
  it('shows a progress bar while it generates its suites', async () => {
    const dir = tmpDir('askfirst-feedback-demo-generating');
    saveBuiltin(join(dir, 'sup'), newBuiltin(generateSuite({ episodes: 1, kinds: ['camera'] })));
    mkdirSync(join(dir, 'out'));
    writeFileSync(join(dir, 'out', 'feedback-db'), 'a file, not a database folder'); // the demo stops where it opens its database, after the suites
    const said: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: unknown) => (said.push(String(s)), true));
    try {
      const deps = { startWorkbench: () => Promise.reject(new Error('not reached')) };
      await expect(runFeedbackDemo({ out: join(dir, 'out'), init: join(dir, 'sup'), rlEpisodes: 10, evalEpisodes: 5 }, deps, () => undefined)).rejects.toThrow(/feedback-db/);
    } finally {
      spy.mockRestore();
    }
    // before, nothing at all before the database's line: with the defaults (1,660 episodes) about 45 s on two idle cores
    expect(said.filter((l) => /^generate suites\b.*\b95\/95 episodes/.test(l))).not.toEqual([]); // (10 + 20 validation) × 2 training kinds + 5 × 7 kinds
  }, 120_000);
});

describe('feedback demo: a re-run over files a newer askfirst wrote', () => {
  it('is refused in one line naming the file before any suite is drawn: an RL run\'s state.json or final config.json, the --init model\'s config.json', async () => {
    const dir = tmpDir('askfirst-feedback-demo-newer');
    saveBuiltin(join(dir, 'sup'), newBuiltin(generateSuite({ episodes: 1, kinds: ['camera'] })));
    const out = join(dir, 'out');
    mkdirSync(out);
    writeFileSync(join(out, 'feedback-db'), 'a file, not a database folder'); // without the check, it stops where it opens its database, after the suites
    const write = (file: string, value: unknown) => (mkdirSync(join(file, '..'), { recursive: true }), writeFileSync(file, JSON.stringify(value)));
    const newer = (file: string, format: string) => `${file}: written by a newer askfirst (${format} version 2; this askfirst reads version 1 and older)`;
    const said: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: unknown) => (said.push(String(s)), true));
    const deps = { startWorkbench: () => Promise.reject(new Error('not reached')) };
    const run = (init = join(dir, 'sup')) => runFeedbackDemo({ out, init, rlEpisodes: 10, evalEpisodes: 5 }, deps, (s) => void said.push(s));
    try {
      const state = join(out, 'rl', 'gold', 'checkpoints', 'step-0000002', 'state.json'); // a run in progress: resumed at its stage
      write(state, { format: 'askfirst-checkpoint-state', version: 2, update: 2 });
      await expect(run()).rejects.toThrow(newer(state, 'askfirst-checkpoint-state'));
      write(state, { update: 2 });
      const final = join(out, 'rl', 'dpo-1000', 'final', 'config.json'); // a finished run: its model loaded at its stage
      write(final, { format: 'askfirst-checkpoint', version: 2 });
      await expect(run()).rejects.toThrow(newer(final, 'askfirst-checkpoint'));
      write(final, {});
      const init = join(dir, 'newer-sup');
      write(join(init, 'config.json'), { format: 'askfirst-checkpoint', version: 2 });
      await expect(run(init)).rejects.toThrow(newer(join(init, 'config.json'), 'askfirst-checkpoint'));
    } finally {
      spy.mockRestore();
    }
    expect(said).toEqual([]); // was: 'generate suites … 95/95 episodes', the database's line, then the refusal (or the database's error)
  }, 120_000);
});

describe('feedback demo: into a folder whose feedback.json a newer askfirst wrote', () => {
  it('is refused in one line naming it, before any work, leaving it as it was; a damaged one is written again', async () => {
    const dir = tmpDir('askfirst-feedback-demo-newer-results');
    saveBuiltin(join(dir, 'sup'), newBuiltin(generateSuite({ episodes: 1, kinds: ['camera'] })));
    const out = join(dir, 'out');
    mkdirSync(out);
    writeFileSync(join(out, 'feedback-db'), 'a file, not a database folder'); // without the check, it stops where it opens its database, after the suites
    const file = join(out, 'feedback.json');
    writeFileSync(file, JSON.stringify({ format: 'askfirst-feedback-results', version: 2, wallSeconds: 318 }));
    const bytes = readFileSync(file, 'utf8');
    const said: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: unknown) => (said.push(String(s)), true));
    const deps = { startWorkbench: () => Promise.reject(new Error('not reached')) };
    const run = () => runFeedbackDemo({ out, init: join(dir, 'sup'), rlEpisodes: 10, evalEpisodes: 5 }, deps, (s) => void said.push(s));
    try {
      // was: never read, and written over once the whole demo had run
      await expect(run()).rejects.toThrow(`${file}: written by a newer askfirst (askfirst-feedback-results version 2; this askfirst reads version 1 and older): upgrade askfirst to read it, or give the demo another --out`);
      expect(said).toEqual([]);
      expect(existsSync(join(out, 'run.json'))).toBe(false);
      expect(readFileSync(file, 'utf8')).toBe(bytes);
      // a damaged one (its version not a number) is not refused: the demo goes on (here to its database) and writes it again
      writeFileSync(file, JSON.stringify({ format: 'askfirst-feedback-results', version: 'x' }));
      await expect(run()).rejects.toThrow(/feedback-db/);
    } finally {
      spy.mockRestore();
    }
  }, 120_000);
});

describe('feedback demo: a re-run under other settings', () => {
  it('is refused before any work, in one line naming each flag that differs and how to start over (it took up the other run’s stages)', async () => {
    const dir = tmpDir('askfirst-feedback-demo-settings');
    saveBuiltin(join(dir, 'sup'), newBuiltin(generateSuite({ episodes: 1, kinds: ['camera'] }), { seed: 0 }));
    saveBuiltin(join(dir, 'other'), newBuiltin(generateSuite({ episodes: 1, kinds: ['camera'] }), { seed: 1 }));
    const out = join(dir, 'out');
    class Stopped extends Error {}
    const deps = { startWorkbench: () => Promise.reject(new Error('not reached')) };
    const stopAtFirstLine = () => {
      throw new Stopped('stopped at its first line'); // where it opens its database, after the suites: the settings are kept by then
    };
    const run = (o: Record<string, unknown>) => runFeedbackDemo({ out, init: join(dir, 'sup'), rlEpisodes: 10, evalEpisodes: 5, progress: false, ...o }, deps, stopAtFirstLine);
    await expect(run({})).rejects.toThrow(Stopped);
    await expect(run({ seed: 1 })).rejects.toThrow(
      `${out} holds a feedback demo run started with other settings: --seed 0 → 1; resuming would go on under settings it did not start with. Resume with its settings (--seed 0, as kept in ${join(out, 'run.json')}), remove ${out} to start over with these, or use another --out`,
    );
    await expect(run({ init: join(dir, 'other'), labels: [100, 300] })).rejects.toThrow(/started with other settings: --labels 100,300,1000 → 100,300, --init .*other;/);
  }, 120_000);
});
