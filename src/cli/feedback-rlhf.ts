/**
 * The work of `askfirst feedback pairs|simulate|demo|demo-aggregate` (feedback-rlhf-command.ts
 * registers them and loads this file only when one runs): preference pairs from real plays,
 * simulated annotators over the workbench's HTTP API, and the feedback demo (src/demo/feedback.ts).
 * The demo, its aggregate, the simulator and the workbench server are loaded (`await import()`) by the commands that
 * use them only, so `feedback pairs` does not pay for them (docs/architecture.md §1, floor 9).
 */
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { FeedbackDemoConfigSchema } from '../demo/feedback-config.js';
import { PairPicker, labelsPerPair, pairToItem, storedPair, trajectoryKey } from '../feedback/pairs.js';
import type { EpisodeRecord } from '../episode/types.js';
import type { z } from 'zod';
import { recordProblem } from '../episode/validate.js';
import { SuiteIndex } from '../suite/episode-index.js';
import type { SuiteEpisode } from '../suite/types.js';
import type { Episode } from '../episode/types.js';
import { countSplitLines } from '../util/text-file.js';
import { DataError, InputError } from '../util/errors.js';
import { jsonlOpenError, readJsonlLineAt, streamJsonl } from '../util/jsonl.js';
import { progress, withBar } from '../util/progress.js';
import type { SimulatedAnnotator } from '../feedback/simulate.js';
import { configFromOptions, refuseUnread } from './options.js';
import { openStore } from '../feedback/open-store.js';
import { projectForImages } from '../feedback/importer.js';
import { announceOpening, toStderr, type Note } from './feedback-notes.js';
import { inStore } from './feedback-store.js';
import { DemoAggregateSchema, PairsSchema, SimulateSchema } from './feedback-rlhf-schema.js';
import { percent as pct } from '../util/percent.js';
import type { FeedbackStore } from '../feedback/store.js';
import { guardRun } from './run-guard.js';
import { refuseOthersOutput } from '../outputs/out-owner.js';
import { StoppableJob, stoppable } from './signals.js';

/**
 * Where `feedback pairs` reads a play again (the `file`-th results file, its line's bytes and their lineCheck: a line
 * rewritten in place with the same length is refused, not paired as the play read before), and which play it was.
 */
interface RecordAt {
  file: number;
  line: number;
  offset: number;
  bytes: number;
  check: number;
  key: string;
}

/**
 * `feedback pairs`. `job` (the CLI's, `pairsAction`): the database is open inside its `orderly` section, so Ctrl-C there
 * stops after the pairs' transaction (or before it, when it has not begun), closes the database and says what is kept.
 */
export async function runPairs(raw: Record<string, unknown>, print = console.log, note: Note = () => undefined, job = new StoppableJob('')): Promise<number> {
  const cfg = configFromOptions(PairsSchema, raw, 'feedback pairs');
  const dir = resolve(cfg.suite);
  // where each episode is, not the episodes (0.45 GB at 130k): a record's episode is read again as the record is checked,
  // a pair's as it goes in
  const suite = await SuiteIndex.open(dir, { progress: cfg.progress, each: (ep) => void workbenchViews(ep) });
  try {
    return await pairsOf(cfg, dir, suite, print, note, job);
  } finally {
    await suite.close();
  }
}

/** An episode's views as the workbench shows them (plain image paths), or an InputError naming the first that is not one. */
function workbenchViews(ep: SuiteEpisode): Episode<string> {
  return {
    ...ep,
    views: ep.views.map((v, i) => {
      if (!('path' in v) || v.crop) throw new InputError(`episode ${ep.id} view ${i}: only plain image-path views can be shown in the workbench`);
      return v.path;
    }),
  };
}

async function pairsOf(cfg: z.output<typeof PairsSchema>, dir: string, suite: SuiteIndex, print: (s: string) => void, note: Note, job: StoppableJob): Promise<number> {
  const episode = async (id: string) => {
    const ep = await suite.get(id);
    return ep && workbenchViews(ep);
  };
  // a line at a time (a results.jsonl was read whole into one string: one of over 512 MB, some 600,000 records, is more
  // than a string holds), with a bar over the lines of every file; each record is checked as it comes and only where the
  // plays that make pairs are is kept (every record held took 2.1 GB at 259k): a pair's two are read again as it goes in
  const lines: number[] = [];
  if (cfg.progress) for (const f of cfg.results) lines.push(await countSplitLines(f).catch((e: unknown) => Promise.reject(jsonlOpenError(e, f))));
  const bar = progress('reading results', lines.reduce((a, b) => a + b, 0), { enabled: cfg.progress, unit: 'lines' });
  const picker = new PairPicker<RecordAt>(cfg.perEpisode);
  let records = 0;
  await withBar(bar, async () => {
    for (const [k, f] of cfg.results.entries()) {
      let at = 0;
      for await (const l of streamJsonl<EpisodeRecord>(f, { check: true })) {
        bar.tick(l.line - at);
        at = l.line;
        const problem = recordProblem(l.value); // a damaged line would be shown to annotators (and learned from) as it is
        if (problem) throw new DataError(`${problem}; give the results.jsonl an askfirst eval wrote, or delete that line`, { file: f, line: l.line });
        records++;
        const ep = l.value.mode === 'proactive' ? await episode(l.value.id) : undefined; // a reference-mode play is not paired
        picker.add(l.value, ep, `${f}:${l.line}`, { file: k, line: l.line, offset: l.offset, bytes: l.bytes, check: l.check, key: trajectoryKey(l.value) });
      }
      if (lines[k] > at) bar.tick(lines[k] - at); // blank lines at the end
    }
  });
  const pairs = picker.pairs(cfg.seed);
  if (!pairs.length) throw new InputError(`no pairs: no episode has two different plays in ${cfg.results.join(', ')} (give results of two policies, or of one policy sampled twice)`);
  return inStore(job, { dbDir: cfg.dbDir, command: 'feedback pairs', note, doing: 'closing the feedback database (after the transaction of pairs, if it has begun)' }, async (store, signal) => {
    const project = await projectForImages(store, cfg.project, dir, cfg.labelsPerItem, (d) => `--suite ${d}`);
    signal.throwIfAborted(); // stopped before the transaction: no pair was added
    const files = await Promise.all(cfg.results.map((f) => open(f, 'r')));
    try {
      const read = async (r: RecordAt) => {
        const f = cfg.results[r.file];
        const record = await readJsonlLineAt<EpisodeRecord>(files[r.file], f, r);
        // the play read before (the file was not replaced meanwhile), still a whole record
        if (recordProblem(record) || trajectoryKey(record) !== r.key) throw new DataError('the record is not the one read before: the file was changed meanwhile; run the command again', { file: f, line: r.line });
        return record;
      };
      // each pair's item made as it goes in; a new iteration for each run of the transaction (PostgreSQL may retry it)
      const items = {
        async *[Symbol.asyncIterator]() {
          for (const p of pairs) yield pairToItem({ id: p.id, episode: (await episode(p.episodeId))!, a: await read(p.a), b: await read(p.b), source: p.source });
        },
      };
      // one transaction (all pairs or none), which takes a while for thousands: a bar over its inserts
      const bar = progress('inserting pairs', pairs.length, { enabled: cfg.progress, unit: 'pairs' });
      let shown = 0;
      // failed if the transaction is rolled back (withBar): no pair was inserted, so the bar must not end at N/M as if done
      const added = await withBar(bar, () =>
        store.addItems(project.id, items, (done) => {
          if (done > shown) bar.tick(done - shown); // a retried transaction (PostgreSQL) counts again from 1: shown once
          shown = Math.max(shown, done);
        }),
      );
      job.kept = `all ${pairs.length} pairs are in project ${project.name} (${added} new); nothing is left to add`;
      print(`project ${project.name}: ${added} new trajectory pairs (${pairs.length - added} already there) from ${records} records`);
      return added;
    } finally {
      await Promise.all(files.map((fh) => fh.close()));
    }
  });
}

/** The names of the annotators `feedback simulate` makes start with this. */
export const SIM_PREFIX = 'sim-';

/** The kind of item `feedback simulate` labels (`feedback pairs` imports them; pairs.ts `PairMeta`). */
const PAIR_KIND = 'trajectory-pair';

/** Why `left` labels on a project's other items are still to give: simulate labels trajectory pairs only. */
function notPairs(left: number): string {
  return `${left} ${left === 1 ? 'is' : 'are'} on items that are not trajectory pairs, which simulate does not label: they are for people, in the workbench (askfirst feedback serve)`;
}

/** `signal`: stop after the labels in progress (Ctrl-C, simulateAction), closing the server and the database. */
export async function runSimulate(raw: Record<string, unknown>, print = console.log, note: Note = () => undefined, signal?: AbortSignal) {
  const cfg = configFromOptions(SimulateSchema, raw, 'feedback simulate');
  if (cfg.bias === 'none') refuseUnread(SimulateSchema, raw, { keys: ['biasRate'], readBy: 'read with --bias confident only (the share of ask-vs-answer pairs the bias decides)' }, `with --bias none${raw.bias === undefined ? ' (the default)' : ''}`, 'add --bias confident');
  const store = await openStore(cfg.dbDir, { create: false, ...announceOpening('feedback simulate', note) }); // it labels pairs `feedback pairs` imported
  try {
    const project = await store.project(cfg.project);
    // an item's pair is read when it is assigned (storedPair): reading and checking every item first took 132 s and 2 GB at 115k
    if (!(await store.hasItemOfKind(project.id, PAIR_KIND))) throw new InputError(`project "${project.name}" has no trajectory pairs: import some with \`askfirst feedback pairs\``);
    // A run stopped between taking a pair and labelling it left the pair held by an annotator
    // no later run can sign in as (a new one is made each time): give those pairs back.
    await store.releaseOpenOf(project.id, SIM_PREFIX);
    // Was: on a project whose every label is in, "0 labels by 3 simulated annotators", as if the run had failed to label.
    // Was, on a project whose pairs were all labelled but whose other items were not: a workbench started, annotators
    // made, "0 labels by 3 simulated annotators", and a reason that was not the reason. It labels pairs only: their labels count.
    const open = await store.progressOfKind(project.id, PAIR_KIND);
    if (open.labels >= open.needed) {
      const all = await store.progress(project.id);
      if (all.labels >= all.needed) print(`project "${project.name}" is already complete: all ${open.needed} labels are in (${project.labelsPerItem} a pair), so there is nothing to simulate; import more pairs with \`askfirst feedback pairs\` to label more`);
      else print(`project "${project.name}": all ${open.needed} labels of its trajectory pairs are in, so there is nothing to simulate; ${notPairs(all.needed - all.labels)}`);
      return { labels: 0, byAnnotator: {}, skipped: 0 };
    }
    const [{ startServer }, { simulateAnnotators }, { goldReward }] = await Promise.all([import('../server/workbench/workbench.js'), import('../feedback/simulate.js'), import('../demo/feedback.js')]);
    const server = await startServer({ store, host: cfg.host, port: cfg.port, playPolicy: 'oracle' });
    try {
      const people: SimulatedAnnotator[] = [];
      for (let k = 0; k < cfg.annotators; k++) people.push(await store.addAnnotator(`${SIM_PREFIX}${cfg.bias}-${k + 1}-${Date.now().toString(36)}`));
      const held = await labelsPerPair(store, project.id);
      const bar = progress('simulated annotators', open.needed - open.labels, { enabled: cfg.progress, unit: 'labels' }); // as the feedback demo shows it
      const r = await withBar(bar, () => simulateAnnotators(server.url, project.id, people, storedPair(store, project.id), goldReward, cfg, { onLabel: () => bar.tick(), held, signal }));
      print(`${r.labels} labels by ${people.length} simulated annotators over ${server.url} (noise ${cfg.noise}, bias ${cfg.bias})`);
      // Was: that line alone, so a project of N labels a pair left with fewer annotators than N read as labelled (8 labels
      // of 24 with --labels-per-item 3 and --annotators 1: "8 labels by 1 simulated annotators", then nothing).
      // Was: labels left on items that are not pairs (left for people) were said to be "held by annotators in the workbench".
      const after = await store.progress(project.id);
      const left = after.needed - after.labels;
      if (left > 0 && !signal?.aborted) {
        const pairs = await store.progressOfKind(project.id, PAIR_KIND);
        const pairsLeft = pairs.needed - pairs.labels;
        const n = project.labelsPerItem;
        const why =
          cfg.annotators < n
            ? `each pair takes ${n} labels from different annotators, and the ${cfg.annotators} of this run gave one each at most: run it again (each run makes new annotators), or with --annotators ${n}`
            : cfg.maxLabels !== undefined && r.labels >= cfg.maxLabels
              ? `--max-labels ${cfg.maxLabels} was reached: run it again to label the rest`
              : 'the rest are held by annotators in the workbench (askfirst feedback annotator --list)';
        const reasons = [pairsLeft > 0 ? (pairsLeft < left ? `${pairsLeft} on its trajectory pairs: ${why}` : why) : undefined, pairsLeft < left ? notPairs(left - pairsLeft) : undefined];
        print(`project "${project.name}": ${left} of ${after.needed} labels still to give: ${reasons.filter(Boolean).join('; ')}`);
      }
      return r;
    } finally {
      await server.close();
    }
  } finally {
    await store.close();
  }
}

/**
 * `feedback pairs`: its notes to stderr; Ctrl-C or SIGTERM stops it at once while no database is open, else after the
 * transaction of pairs in progress (all pairs or none), closing the database (no lock left); it ends by the signal (130 / 143 to a shell).
 */
export async function pairsAction(raw: Record<string, unknown>): Promise<void> {
  const kept = 'no pair was added (they go in as one transaction, all or none); run the same command again to add them';
  await stoppable(kept, (job) => runPairs(raw, console.log, toStderr, job));
}

/**
 * `feedback simulate`: its notes to stderr; Ctrl-C or SIGTERM stops it after the labels in progress, closes the server
 * and the database (no lock left) and ends by the signal (130 / 143 to a shell); the same command labels the rest.
 */
export async function simulateAction(raw: Record<string, unknown>): Promise<void> {
  const hint = () => 'the labels given are saved in the project; run the same command again to label the rest';
  await stoppable(hint, (job) => job.orderly('closing the workbench and its database after the labels in progress', (signal) => runSimulate(raw, console.log, toStderr, signal)));
}

/** `feedback demo-aggregate`. */
export async function demoAggregateAction(raw: Record<string, unknown>): Promise<void> {
  const cfg = configFromOptions(DemoAggregateSchema, raw, 'feedback demo-aggregate');
  // an eval's, a suite's, a training run's --out…: refused before a missing seed's folder inside it is suggested to a feedback demo
  refuseOthersOutput([cfg.out], 'feedback demo', 'feedback demo-aggregate');
  const { aggregateFeedback, feedbackAggregateText } = await import('../demo/feedback-seeds.js');
  const agg = await aggregateFeedback(cfg.out, cfg.seeds);
  console.log(`${feedbackAggregateText(agg)}\n  aggregate: ${resolve(cfg.out, 'aggregate.json')}`);
}

/**
 * What Ctrl-C during `feedback demo` keeps in `out` and what running it again does (docs/hardening.md, "Training runs and
 * the demo"): only the RL runs resume part-way; the rest is redone from what is kept, to the same numbers.
 */
export function feedbackDemoInterruptedHint(out: string): string {
  return `the labels, the finished RL runs and their checkpoints in ${out} are kept; run the same command again to continue (a run in progress resumes from its latest checkpoint; the suites, the pairs of a project not fully labelled, the reward models, the evaluation and the routing are computed again, to the same numbers)`;
}

/** `feedback demo`: one run at a time into --out; Ctrl-C stops it at once, or after the current label while its database is open. */
export async function feedbackDemoAction(raw: Record<string, unknown>): Promise<void> {
  const cfg = configFromOptions(FeedbackDemoConfigSchema, raw, 'feedback demo');
  refuseOthersOutput([cfg.out], 'feedback demo'); // a suite's, a training run's, an export's --out…: not written into, before anything loads
  const [{ runFeedbackDemo }, { startServer }, { describeHeldOut }] = await Promise.all([import('../demo/feedback.js'), import('../server/workbench/workbench.js'), import('../rl/reward-model.js')]);
  const startWorkbench = (store: FeedbackStore) => startServer({ store, host: '127.0.0.1', port: 0, playPolicy: 'oracle' });
  const r = await guardRun(cfg.out, 'askfirst feedback demo', () => feedbackDemoInterruptedHint(cfg.out), (whileOpen, unlessDone) => runFeedbackDemo(cfg, { startWorkbench, whileOpen, unlessDone }, (s) => console.error(s)));
  console.log(`\nfeedback demo finished in ${(r.wallSeconds / 60).toFixed(1)} min`);
  for (const p of r.policies) console.log(`  ${p.name.padEnd(28)} gap closed train ${pct(p.gapClosed.train)} unseen ${pct(p.gapClosed.unseen)}  over-asking ${pct(p.overAsking)} (controls abstained on ${pct(p.controlAbstain)})  guess ${pct(p.guessRate)}`);
  // as train reward says it (describeHeldOut): no held-out pair (10 labels at --held-out 0.2 can leave none) printed 'ECE NaN'
  for (const m of r.rewardModels) console.log(`  RM ${m.name.padEnd(25)} ${describeHeldOut(m.heldOut)}`);
  console.log(`  report: ${resolve(cfg.out, 'report.html')}`);
}
