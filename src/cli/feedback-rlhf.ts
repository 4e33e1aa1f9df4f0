/**
 * `askfirst feedback pairs|simulate|demo`: preference pairs from real plays, simulated annotators
 * over the workbench's HTTP API, and the feedback demo (src/demo/feedback.ts).
 *   pairs     import trajectory pairs into a project from a suite and one or more results.jsonl
 *   simulate  serve the workbench and let N simulated annotators label a project's pairs over HTTP
 *   demo      the whole loop: pairs → labels over HTTP → reward models → RLHF and DPO → report
 *   demo-aggregate  fold several seeds' demos into aggregate.json (mean, 95 % interval)
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { z } from 'zod';
import { runFeedbackDemo, FeedbackDemoConfigSchema, goldReward } from '../demo/feedback.js';
import { aggregateFeedback } from '../demo/feedback-seeds.js';
import { labelsPerPair, pairOfItem, pairToItem, pairsFromRecords } from '../feedback/pairs.js';
import { SimulateConfigSchema, simulateAnnotators } from '../feedback/simulate.js';
import type { EpisodeRecord } from '../episode/types.js';
import { startServer } from '../server/workbench/workbench.js';
import { readSuite } from '../suite/io.js';
import { InputError } from '../util/errors.js';
import { readJsonl } from '../util/jsonl.js';
import { addSchemaOptions, commandGroup, configFromOptions } from './options.js';
import { openStore } from '../feedback/open-store.js';
import { projectForImages } from '../feedback/importer.js';
import { announceOpening, dbFields, toStderr, type Note } from './feedback.js';

export const PairsSchema = z.object({
  ...dbFields,
  project: z.string().min(1).describe('project name (created if missing; its image folder is the suite directory, so an existing project must come from the same suite)'),
  suite: z.string().min(1).describe('the suite the results were made on (episodes.jsonl + images/)'),
  results: z.array(z.string()).min(1).describe('results.jsonl files (askfirst eval --out DIR: DIR/proactive/results.jsonl), comma-separated; plays of one episode id become pairs'),
  perEpisode: z.number().int().min(1).default(1).describe('pairs per episode at most'),
  labelsPerItem: z.number().int().min(1).max(50).default(1).describe('annotators per pair'),
  seed: z.number().int().min(0).default(0).describe('seed of the A/B order'),
});

export async function runPairs(raw: Record<string, unknown>, print = console.log, note: Note = () => undefined): Promise<number> {
  const cfg = configFromOptions(PairsSchema, raw, 'feedback pairs');
  const dir = resolve(cfg.suite);
  const episodes = (await readSuite(dir)).map((ep) => ({
    ...ep,
    views: ep.views.map((v, i) => {
      if (!('path' in v) || v.crop) throw new InputError(`episode ${ep.id} view ${i}: only plain image-path views can be shown in the workbench`);
      return v.path;
    }),
  }));
  const records: { record: EpisodeRecord; source: string }[] = [];
  for (const f of cfg.results) for (const l of (await readJsonl<EpisodeRecord>(f)).lines) records.push({ record: l.value, source: `${f}:${l.line}` });
  const pairs = pairsFromRecords(episodes, records, { seed: cfg.seed, perEpisode: cfg.perEpisode });
  if (!pairs.length) throw new InputError(`no pairs: no episode has two different plays in ${cfg.results.join(', ')} (give results of two policies, or of one policy sampled twice)`);
  const store = await openStore(cfg.dbDir, announceOpening('feedback pairs', note));
  try {
    const project = await projectForImages(store, cfg.project, dir, cfg.labelsPerItem, (d) => `--suite ${d}`);
    const added = await store.addItems(project.id, pairs.map(pairToItem));
    print(`project ${project.name}: ${added} new trajectory pairs (${pairs.length - added} already there) from ${records.length} records`);
    return added;
  } finally {
    await store.close();
  }
}

export const SimulateSchema = SimulateConfigSchema.extend({
  ...dbFields,
  project: z.string().min(1).describe('project whose trajectory pairs to label'),
  annotators: z.number().int().min(1).max(100).default(3).describe('simulated annotators (each gets its own token)'),
  host: z.string().default('127.0.0.1').describe('interface of the workbench it serves'),
  port: z.number().int().min(0).max(65535).default(0).describe('port of the workbench it serves (0 = any free port)'),
});

/** The names of the annotators `feedback simulate` makes start with this. */
export const SIM_PREFIX = 'sim-';

export async function runSimulate(raw: Record<string, unknown>, print = console.log, note: Note = () => undefined) {
  const cfg = configFromOptions(SimulateSchema, raw, 'feedback simulate');
  const store = await openStore(cfg.dbDir, { create: false, ...announceOpening('feedback simulate', note) }); // it labels pairs `feedback pairs` imported
  try {
    const project = await store.project(cfg.project);
    const pairs = new Map((await store.items(project.id)).flatMap((it) => (it.meta.kind === 'trajectory-pair' ? [[it.externalId, pairOfItem(it)] as const] : [])));
    if (!pairs.size) throw new InputError(`project "${project.name}" has no trajectory pairs: import some with \`askfirst feedback pairs\``);
    // A run stopped between taking a pair and labelling it left the pair held by an annotator
    // no later run can sign in as (a new one is made each time): give those pairs back.
    await store.releaseOpenOf(project.id, SIM_PREFIX);
    const server = await startServer({ store, host: cfg.host, port: cfg.port, playPolicy: 'oracle' });
    try {
      const people = [];
      for (let k = 0; k < cfg.annotators; k++) people.push(await store.addAnnotator(`${SIM_PREFIX}${cfg.bias}-${k + 1}-${Date.now().toString(36)}`));
      const r = await simulateAnnotators(server.url, project.id, people, pairs, goldReward, cfg, undefined, await labelsPerPair(store, project.id));
      print(`${r.labels} labels by ${people.length} simulated annotators over ${server.url} (noise ${cfg.noise}, bias ${cfg.bias})`);
      return r;
    } finally {
      await server.close();
    }
  } finally {
    await store.close();
  }
}

export function register(program: Command): void {
  const g = commandGroup(program, 'feedback', 'the human-feedback workbench: serve, import, export, agreement, ILLUME');
  addSchemaOptions(g.command('pairs').description('import pairs of plays of the same episode (from results.jsonl files) as preference items'), PairsSchema).action(async (raw) => {
    await runPairs(raw, console.log, toStderr);
  });
  addSchemaOptions(g.command('simulate').description('simulated annotators label trajectory pairs over the workbench HTTP API (noise, biases)'), SimulateSchema).action(async (raw) => {
    await runSimulate(raw, console.log, toStderr);
  });
  const AggSchema = z.object({ out: z.string().min(1).describe('the folder holding seed-<n>/feedback.json'), seeds: z.array(z.coerce.number().int().min(0)).min(1).describe('seeds to fold, comma-separated') });
  addSchemaOptions(g.command('demo-aggregate').description('fold finished feedback demos (<out>/seed-<n>/) into <out>/aggregate.json: mean and 95 % interval per figure'), AggSchema).action(async (raw) => {
    const cfg = configFromOptions(AggSchema, raw, 'feedback demo-aggregate');
    await aggregateFeedback(cfg.out, cfg.seeds);
    console.log(`aggregate: ${resolve(cfg.out, 'aggregate.json')}`);
  });
  addSchemaOptions(
    g.command('demo').description('the feedback loop end to end: pairs → simulated labels over HTTP → reward models → RLHF and DPO → evaluation → report.html'),
    FeedbackDemoConfigSchema,
  ).action(async (raw) => {
    const cfg = configFromOptions(FeedbackDemoConfigSchema, raw, 'feedback demo');
    const r = await runFeedbackDemo(cfg, { startWorkbench: (store) => startServer({ store, host: '127.0.0.1', port: 0, playPolicy: 'oracle' }) }, (s) => console.error(s));
    const pct = (x: number | null) => (x === null || !Number.isFinite(x) ? '–' : `${(100 * x).toFixed(1)}%`);
    console.log(`\nfeedback demo finished in ${(r.wallSeconds / 60).toFixed(1)} min`);
    for (const p of r.policies) console.log(`  ${p.name.padEnd(28)} gap closed train ${pct(p.gapClosed.train)} unseen ${pct(p.gapClosed.unseen)}  over-asking ${pct(p.overAsking)}  guess ${pct(p.guessRate)}`);
    for (const m of r.rewardModels) console.log(`  RM ${m.name.padEnd(25)} held-out accuracy ${pct(m.heldOut.accuracy)} (gold ${pct(m.heldOut.goldAccuracy)}), ECE ${m.heldOut.ece.toFixed(3)}`);
    console.log(`  report: ${resolve(cfg.out, 'report.html')}`);
  });
}
