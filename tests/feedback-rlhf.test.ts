/**
 * End-to-end: preference pairs from two policies' results.jsonl → the workbench → a person in
 * Chromium (playwright-core) labels them, seeing each play's views and replies → `train --stage
 * reward` reads exactly those rows and trains. Bad input stops with a clear error and trains
 * nothing: a record whose episode is missing, a pair item that lost its episode, a project with no
 * labels, a label for an item that is not a pair, a label for an unknown assignment.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { newBuiltin, saveBuiltin } from '../src/agents/builtin/build.js';
import { runPairs, runSimulate } from '../src/cli/feedback-rlhf.js';
import { labelledExamples, learnedReward, runDpoStage, runRewardStage } from '../src/cli/train-feedback.js';
import { cliInProcess } from '../src/testing/cli-in-process.js';
import { createViewLoader } from '../src/suite/loader.js';
import { DPOStageOptions, RewardStageOptions } from '../src/cli/train-schema.js';
import { playEpisode } from '../src/testing/play-episode.js';
import type { Episode } from '../src/episode/types.js';
import { openDb } from '../src/feedback/db.js';
import { createDemoProject } from '../src/feedback/importer.js';
import { readLabelledPairs } from '../src/feedback/pairs.js';
import { FeedbackStore } from '../src/feedback/store.js';
import { RunDir } from '../src/nn/run-dir.js';
import { findUiDir } from '../src/server/workbench/static.js';
import { startServer } from '../src/server/workbench/workbench.js';
import { generateSuite } from '../src/suite/generate.js';
import { writeSuite } from '../src/suite/io.js';
import { tmpDir } from '../src/testing/tmp.js';
import { captureConsole } from '../src/testing/console.js';
import { CHROMIUM, launchChromium, requireDep } from '../src/testing/system-deps.js';

const skip = requireDep(existsSync(CHROMIUM), 'Chromium (/usr/bin/chromium)');

let dir: string;
let suiteDir: string;
let dbDir: string;
let initDir: string;
let browser: BrowserContext | undefined;

/** Play every episode twice — asking along valid interventions then answering right, and guessing the first category at once. */
async function writeResults(eps: readonly Episode<unknown>[]): Promise<[string, string]> {
  const asker = eps.map((ep) =>
    playEpisode(ep, 'proactive', (t) => {
      const st = ep.steps[t.view];
      const valid = st.offered.find((k) => st.next[k] !== undefined);
      return ep.informative?.[t.view] || valid === undefined ? ep.categories[ep.answer] : ep.interventions[valid];
    }),
  );
  const guesser = eps.map((ep) => playEpisode(ep, 'proactive', () => ep.categories[(ep.answer + 1) % ep.categories.length]));
  const a = join(dir, 'asker.jsonl');
  const b = join(dir, 'guesser.jsonl');
  await writeFile(a, asker.map((r) => JSON.stringify(r) + '\n').join(''));
  await writeFile(b, guesser.map((r) => JSON.stringify(r) + '\n').join(''));
  return [a, b];
}

beforeAll(async () => {
  dir = tmpDir('af-rlhf');
  suiteDir = join(dir, 'suite');
  dbDir = join(dir, 'db');
  const eps = generateSuite({ episodes: 2, seed: 5, kinds: ['sketch', 'camera'], controlShare: 0 });
  await writeSuite(suiteDir, eps);
  initDir = join(dir, 'init');
  saveBuiltin(initDir, newBuiltin(eps, { imageSize: 32, channels: [4, 8] }), { stage: 'test' });
  const [a, b] = await writeResults(eps);
  expect(await runPairs({ dbDir, project: 'pairs', suite: suiteDir, results: [a, b], seed: 1 }, () => undefined)).toBe(4);
  expect(await runPairs({ dbDir, project: 'unlabelled', suite: suiteDir, results: [a, b], seed: 1 }, () => undefined)).toBe(4);
});

afterAll(async () => {
  await browser?.close();
});

describe('feedback → reward model, bad input', () => {
  it('a record whose episode is not in the suite is refused, naming it', async () => {
    const f = join(dir, 'stray.jsonl');
    const eps = generateSuite({ episodes: 1, seed: 99, kinds: ['sketch'], controlShare: 0 }).map((e) => ({ ...e, id: 'nowhere-1' }));
    const r = playEpisode(eps[0], 'proactive', (t) => t.options[t.numInterventions]);
    await writeFile(f, JSON.stringify(r) + '\n');
    await expect(runPairs({ dbDir, project: 'stray', suite: suiteDir, results: [f] }, () => undefined)).rejects.toThrow(/"nowhere-1", which is not in the suite/);
  });

  it('plays of another suite are refused in a project made from the first one, and nothing is added', async () => {
    // Same episode ids and image paths (another seed), other scenes: the project would show and train on the first suite's images.
    const other = join(dir, 'other-suite');
    const eps = generateSuite({ episodes: 2, seed: 6, kinds: ['sketch', 'camera'], controlShare: 0 });
    await writeSuite(other, eps);
    const f = join(dir, 'other-plays.jsonl');
    // four different plays an episode: pairs #pair0 (an id the project holds) and #pair1 (one it does not)
    await writeFile(f, eps.flatMap((ep) => [0, 1, 2, 3].map((k) => JSON.stringify(playEpisode(ep, 'proactive', () => ep.categories[k])) + '\n')).join(''));
    await expect(runPairs({ dbDir, project: 'unlabelled', suite: other, results: [f], perEpisode: 2 }, () => undefined)).rejects.toThrow(
      `project "unlabelled" takes its images from ${suiteDir}, not ${other} (its items' image paths are relative to that folder): give --suite ${suiteDir} to add to it, or use another --project for these episodes`,
    );
    const store = await FeedbackStore.open(await openDb({ dataDir: dbDir }));
    try {
      expect(await store.items((await store.project('unlabelled')).id)).toHaveLength(4);
    } finally {
      await store.close();
    }
  });

  it('an empty label set stops the reward stage before it writes anything', async () => {
    const out = join(dir, 'rm-empty');
    await expect(runRewardStage(RewardStageOptions.parse({ init: initDir, project: 'unlabelled', dbDir, out, steps: 5, progress: false }))).rejects.toThrow(/no preference labels yet/);
    expect(existsSync(out)).toBe(false);
  });

  it('a label on an item that is not a trajectory pair, or a pair that lost its episode, is an error', async () => {
    const store = await FeedbackStore.open(await openDb({ dataDir: dbDir }));
    try {
      const { project } = await createDemoProject(store, 'not-pairs', join(dir, 'demo-images'), 1, 1, { types: ['preference'] });
      const who = await store.addAnnotator('carol');
      const a = (await store.next(project.id, who.id))!;
      await store.submit(who.id, a.id, 'sub-not-a-pair-1', { lessHallucination: 0, moreHelpful: 0 });
      await expect(readLabelledPairs(store, project)).rejects.toThrow(/is not a trajectory pair/);
      // A pair item whose stored episode went missing.
      const p = await store.project('unlabelled');
      const item = (await store.items(p.id))[0];
      await store.db.query(`UPDATE items SET meta = meta - 'episode' WHERE id = $1`, [item.id]);
      const t = (await store.tasks(p.id))[0];
      const b = (await store.next(p.id, who.id))!;
      expect(b.task.id).toBe(t.id);
      await store.submit(who.id, b.id, 'sub-lost-episode-1', { lessHallucination: 1, moreHelpful: 1 });
      await expect(readLabelledPairs(store, p)).rejects.toThrow(/its episode is missing/);
    } finally {
      await store.close();
    }
    const out = join(dir, 'rm-broken');
    await expect(runRewardStage(RewardStageOptions.parse({ init: initDir, project: 'unlabelled', dbDir, out, steps: 5, progress: false }))).rejects.toThrow(/episode is missing/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('feedback simulate started again', () => {
  it('labels the pairs an annotator of the stopped run had taken but not labelled', async () => {
    const [a, b] = await writeResults(generateSuite({ episodes: 2, seed: 5, kinds: ['sketch', 'camera'], controlShare: 0 }));
    expect(await runPairs({ dbDir, project: 'sim-again', suite: suiteDir, results: [a, b], seed: 1 }, () => undefined)).toBe(4);
    // the first run: its annotator took a pair, then the run stopped
    const store = await FeedbackStore.open(await openDb({ dataDir: dbDir }));
    try {
      const p = await store.project('sim-again');
      const gone = await store.addAnnotator('sim-none-1-stopped');
      expect(await store.next(p.id, gone.id)).not.toBeNull();
    } finally {
      await store.close();
    }
    const r = await runSimulate({ dbDir, project: 'sim-again', annotators: 1 }, () => undefined);
    expect(r.labels).toBe(4);
    const again = await FeedbackStore.open(await openDb({ dataDir: dbDir }));
    try {
      const pr = await again.progress((await again.project('sim-again')).id);
      expect({ labels: pr.labels, needed: pr.needed }).toEqual({ labels: 4, needed: 4 });
    } finally {
      await again.close();
    }
  });
});

describe('feedback simulate', () => {
  it('shows a progress bar of the labels it gives, as the feedback demo does', async () => {
    const [a, b] = await writeResults(generateSuite({ episodes: 2, seed: 5, kinds: ['sketch', 'camera'], controlShare: 0 }));
    expect(await runPairs({ dbDir, project: 'sim-bar', suite: suiteDir, results: [a, b], seed: 1, progress: false }, () => undefined)).toBe(4);
    const said: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: unknown) => (said.push(String(s)), true));
    try {
      expect((await runSimulate({ dbDir, project: 'sim-bar', annotators: 2 }, () => undefined)).labels).toBe(4);
    } finally {
      spy.mockRestore();
    }
    // before, nothing between "opening the feedback database" and the last line (69 labels: 11 s of silence on a loaded machine; it grows with the labels)
    expect(said.filter((l) => /^simulated annotators\b.*\b4\/4 labels/.test(l))).not.toEqual([]);
  });
});

describe('train reward', () => {
  it('says its held-out metrics once', async () => {
    const [a, b] = await writeResults(generateSuite({ episodes: 2, seed: 5, kinds: ['sketch', 'camera'], controlShare: 0 }));
    expect(await runPairs({ dbDir, project: 'rm-once', suite: suiteDir, results: [a, b], seed: 1, progress: false }, () => undefined)).toBe(4);
    expect((await runSimulate({ dbDir, project: 'rm-once', annotators: 1, progress: false }, () => undefined)).labels).toBe(4);
    const said: string[] = [];
    const out = captureConsole('log', (s) => void said.push(s));
    const err = captureConsole('error', (s) => void said.push(s));
    try {
      await runRewardStage(RewardStageOptions.parse({ init: initDir, project: 'rm-once', dbDir, out: join(dir, 'rm-once'), steps: 5, heldOut: 0.5, progress: false }));
    } finally {
      out.restore();
      err.restore();
    }
    // before, the training library said them too: "reward model (fact): 4 labels on 4 pairs; held-out accuracy …" above the closing line
    expect(said.filter((l) => /held-out/.test(l))).toEqual([expect.stringMatching(/^reward model \(fact\) from 4 labels on 4 pairs: (held-out accuracy|no held-out pairs).*; model: .*rm-once\/final, metrics: /)]);
  });
});

describe('train rl --reward rm:DIR', () => {
  it('refuses a reward model whose encoder folder holds other weights than it was trained through', async () => {
    const [a, b] = await writeResults(generateSuite({ episodes: 2, seed: 5, kinds: ['sketch', 'camera'], controlShare: 0 }));
    expect(await runPairs({ dbDir, project: 'rm-encoder', suite: suiteDir, results: [a, b], seed: 1, progress: false }, () => undefined)).toBe(4);
    expect((await runSimulate({ dbDir, project: 'rm-encoder', annotators: 1, progress: false }, () => undefined)).labels).toBe(4);
    const eps = generateSuite({ episodes: 2, seed: 5, kinds: ['sketch', 'camera'], controlShare: 0 });
    const enc = join(dir, 'rm-encoder-init');
    saveBuiltin(enc, newBuiltin(eps, { imageSize: 32, channels: [4, 8] }), { stage: 'supervised' });
    const rm = join(dir, 'rm-encoder');
    const r = await cliInProcess('train', 'reward', '--init', enc, '--project', 'rm-encoder', '--db-dir', dbDir, '--out', rm, '--steps', '5', '--no-progress');
    expect(r).toMatchObject({ code: 0 });
    const loader = createViewLoader(suiteDir);
    expect(() => learnedReward(`rm:${rm}`, loader)).not.toThrow(); // the same weights: taken
    // the supervised folder trained again (here: another initialisation saved over it)
    saveBuiltin(enc, newBuiltin(eps, { imageSize: 32, channels: [4, 8], seed: 7 }), { stage: 'supervised' });
    for (const spec of [`rm:${rm}`, `rm:${join(rm, 'final')}`]) {
      expect(() => learnedReward(spec, loader)).toThrow(/was trained reading plays through the model in .*rm-encoder-init \(sha256:[0-9a-f]{12}…\), which holds other weights now \(sha256:[0-9a-f]{12}…\).*askfirst train reward --init .*rm-encoder-init --out .*rm-encoder --overwrite/);
    }
  }, 60_000);
});

describe('train dpo --resume', () => {
  it('stops when the labels changed since the run started, and resumes on the same ones', async () => {
    const [a, b] = await writeResults(generateSuite({ episodes: 2, seed: 5, kinds: ['sketch', 'camera'], controlShare: 0 }));
    expect(await runPairs({ dbDir, project: 'dpo-again', suite: suiteDir, results: [a, b], seed: 1 }, () => undefined)).toBe(4);
    const label = async (n: number) => {
      const store = await FeedbackStore.open(await openDb({ dataDir: dbDir }));
      try {
        const p = await store.project('dpo-again');
        const who = await store.addAnnotator(`dpo-${n}-${Date.now()}`);
        for (let k = 0; k < n; k++) {
          const x = (await store.next(p.id, who.id))!;
          await store.submit(who.id, x.id, `dpo-again-${n}-${k}`, { lessHallucination: 0, moreHelpful: 0 });
        }
      } finally {
        await store.close();
      }
    };
    await label(3);
    const out = join(dir, 'dpo-again');
    const opts = (resume: boolean, updates: number) => DPOStageOptions.parse({ init: initDir, project: 'dpo-again', dbDir, out, updates, checkpointEvery: 1, evalEvery: 100, pairsPerStep: 2, resume, progress: false });
    await runDpoStage(opts(false, 2), () => undefined);
    await runDpoStage(opts(true, 3), () => undefined); // the same labels: it resumes
    await label(1); // a fourth label comes in
    await expect(runDpoStage(opts(true, 4), () => undefined)).rejects.toThrow(
      `${out} was started on 3 labels of project "dpo-again" from ${initDir}, and would resume on 4 labels of project "dpo-again" from ${initDir}: the rest of the run would train on other data`,
    );
    expect(new RunDir(out).completeSteps().at(-1)).toBe(3);
  });
});

describe('train dpo, its closing line', () => {
  it('counts the labels it learned from: a pair whose play ends on a reply naming no option is left out ("steps on 4 labels" where it trained on 3)', async () => {
    const eps = generateSuite({ episodes: 2, seed: 5, kinds: ['sketch', 'camera'], controlShare: 0 });
    const [a, b] = await writeResults(eps);
    // the first episode's second play mumbles (an openai: VLM's reply naming no option), the others guess
    const mumbler = join(dir, 'mumbler.jsonl');
    const lines = readFileSync(b, 'utf8').trim().split('\n');
    lines[0] = JSON.stringify(playEpisode(eps[0], 'proactive', () => 'hmm, hard to say'));
    await writeFile(mumbler, lines.map((l) => `${l}\n`).join(''));
    expect(await runPairs({ dbDir, project: 'dpo-mumble', suite: suiteDir, results: [a, mumbler], seed: 1 }, () => undefined)).toBe(4);
    expect((await runSimulate({ dbDir, project: 'dpo-mumble', annotators: 1, progress: false }, () => undefined)).labels).toBe(4);
    const out = captureConsole('log');
    const opts = DPOStageOptions.parse({ init: initDir, project: 'dpo-mumble', dbDir, out: join(dir, 'dpo-mumble'), updates: 2, evalEvery: 100, pairsPerStep: 2, progress: false });
    await runDpoStage(opts, () => undefined);
    expect(out.lines).toEqual([expect.stringMatching(/^dpo: 2 steps on 3 of 4 labels \(1 left out\); last: dpo\/loss=/)]);
  }, 60_000);

  it('a --init holding no model stops it in one line before it writes anything (it left OUT/labels.json naming that --init)', async () => {
    const out = join(dir, 'dpo-bad-init');
    const opts = DPOStageOptions.parse({ init: join(dir, 'no-model-here'), project: 'dpo-mumble', dbDir, out, updates: 1, evalEvery: 100, pairsPerStep: 2, progress: false });
    await expect(runDpoStage(opts, () => undefined)).rejects.toThrow(/no model checkpoint in .*no-model-here/);
    expect(existsSync(out)).toBe(false);
  }, 60_000);
});

describe.skipIf(!!skip)('Chromium labels trajectory pairs; the reward stage reads exactly those rows', () => {
  it('labels pairs in the browser, then trains on them', async () => {
    const uiDir = findUiDir();
    if (!existsSync(join(uiDir, 'index.html'))) {
      const { build } = await import('vite');
      await build({ configFile: join(uiDir, '..', '..', 'web', 'vite.config.ts'), logLevel: 'warn' });
    }
    const store = await FeedbackStore.open(await openDb({ dataDir: dbDir }));
    const who = await store.addAnnotator('dana');
    const server = await startServer({ store, host: '127.0.0.1', port: 0, playPolicy: 'oracle', log: () => undefined });
    const clicked = new Map<string, number>();
    try {
      // A label for an assignment that does not exist is refused over HTTP.
      const res = await fetch(`${server.url}/api/assignments/999999/annotation`, { method: 'POST', headers: { authorization: `Bearer ${who.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ submissionId: 'sub-unknown-item-1', label: { lessHallucination: 0, moreHelpful: 0 } }) });
      expect(res.status).toBe(404);

      browser = await launchChromium(dir, { width: 1200, height: 900 });
      const page = await browser.newPage();
      // A slow fetch of the next task keeps the labelled task on screen after its label is stored
      // (the window a loaded machine opens by chance): the loop below must not act on it.
      await page.route('**/api/projects/*/next*', async (route) => {
        await new Promise((r) => setTimeout(r, 400));
        await route.continue();
      });
      await page.goto(server.url);
      await page.fill('#token', who.token);
      await page.click('button[type=submit]');
      const project = await store.project('pairs');
      // Choose the project of pairs if the UI lists several.
      const pick = page.locator('select');
      if (await pick.count()) await pick.first().selectOption({ label: 'pairs' }).catch(() => undefined);
      let shown: string | null = null;
      for (let k = 0; k < 3; k++) {
        // The server stores a label before the page has fetched the next task, so the submitted
        // task can still be on screen here: wait for a task other than the one just labelled.
        const task = page.locator(shown === null ? '[data-testid=task-preference]' : `[data-testid=task-preference]:not([data-assignment="${shown}"])`);
        await task.waitFor();
        shown = await task.getAttribute('data-assignment');
        // Every turn of both plays shows its view and its reply; the views arrive one by one.
        await task.getByTestId('turns-0').waitFor();
        await expect.poll(() => task.locator('[data-testid^=turns-] [data-testid=task-image]').count()).toBeGreaterThanOrEqual(2);
        const choice = k % 2;
        await task.getByTestId(`less-${choice}`).click();
        await task.getByTestId(`helpful-${choice}`).click();
        const mine = (await store.myAnnotations(who.id, project.id)).length;
        await task.getByTestId('submit').click();
        await expect.poll(async () => (await store.myAnnotations(who.id, project.id)).length).toBe(mine + 1);
        const last = (await store.myAnnotations(who.id, project.id))[0];
        clicked.set(last.externalId, choice);
      }
    } finally {
      await server.close();
      await store.close();
    }
    expect(clicked.size).toBe(3);
    const { examples } = await labelledExamples(dbDir, 'pairs');
    expect(new Map(examples.map((e) => [e.pairId, e.preferred]))).toEqual(clicked);
    const out = join(dir, 'rm');
    await runRewardStage(RewardStageOptions.parse({ init: initDir, project: 'pairs', dbDir, out, steps: 20, heldOut: 0, progress: false, variant: 'fact' }), () => undefined);
    const metrics = JSON.parse(await (await import('node:fs/promises')).readFile(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.labels).toBe(3);
    expect(metrics.pairs).toBe(3);
    expect(existsSync(join(out, 'final', 'model.safetensors'))).toBe(true);
  }, 120_000);
});
