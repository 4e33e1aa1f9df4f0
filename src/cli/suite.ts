/**
 * `askfirst suite generate`: write a synthetic suite of the seven scenario kinds
 * (docs/architecture.md §3) to a directory, in askfirst's own format (episodes.jsonl + images/) or in
 * ProactiveBench's layout. Options come from the generator's config schema.
 */
import { suiteEpisodes } from '../suite/generate.js';
import { resolveSuiteConfig } from '../suite/suite-config.js';
import type { SuiteEpisode } from '../suite/types.js';
import { yieldToEventLoop } from '../util/yield.js';
import { STAGING_DIR, writeSuite } from '../suite/io.js';
import { join } from 'node:path';
import { KIND_TO_DATASET, writeProactiveBench } from '../suite/proactivebench/read.js';
import { InputError } from '../util/errors.js';
import { progress, type Progress } from '../util/progress.js';
import { configFromOptions } from './options.js';
import { guardRun } from './run-guard.js';
import { refuseOtherLayout, refuseOthersOutput } from '../outputs/out-owner.js';
import { SuiteGenerateSchema, type SuiteGenerateConfig } from './suite-schema.js';

/** What `suite generate` wrote: episodes, their views, and the image files moved into place (one per view in the own format; ProactiveBench's layout adds copies, writeProactiveBench). */
export interface SuiteGenerated {
  episodes: number;
  views: number;
  images: number;
  out: string;
  /** Episodes generated but not written (the ProactiveBench layout has no dataset for their kind), their views, and why (one reason per kind). */
  skipped?: { episodes: number; views: number; reasons: string[] };
}

export async function runSuiteGenerate(cfg: SuiteGenerateConfig, onWriting: () => void = () => {}): Promise<SuiteGenerated> {
  const gen = resolveSuiteConfig({ episodes: cfg.episodes, kinds: cfg.kinds, seed: cfg.seed, size: cfg.size, controlShare: cfg.controlShare });
  const total = gen.episodes * gen.kinds.length;
  const bar = progress('generating', total, { enabled: cfg.progress, unit: 'episodes' });
  // each episode is written as it is generated (both writers stage its files until the last one), so only one episode's
  // pixels are held at a time, not the whole suite's
  let views = 0;
  const viewsOf = new Map<string, number>(); // per episode id: what a skipped one takes off the count
  async function* generated(): AsyncGenerator<SuiteEpisode> {
    for (const ep of suiteEpisodes(gen)) {
      views += ep.views.length;
      if (cfg.format === 'proactivebench') viewsOf.set(ep.id, ep.views.length);
      yield ep;
      await yieldToEventLoop();
    }
  }
  const moving: { bar?: Progress; images: number } = { images: 0 };
  const streaming = {
    onEpisode: (ep: SuiteEpisode) => bar.tick(1, { kind: ep.kind }),
    onReplacing: (images: number) => {
      bar.stop();
      onWriting();
      moving.images = images;
      moving.bar = progress('moving into place', images, { enabled: cfg.progress, unit: 'images' });
    },
    onImageMoved: () => moving.bar?.tick(),
  };
  if (cfg.format === 'proactivebench') {
    const res = await writeProactiveBench(cfg.out, generated(), streaming);
    moving.bar?.stop();
    const episodes = res.files.reduce((n, f) => n + f.episodes, 0);
    if (!res.skipped.length) return { episodes, views, images: moving.images, out: cfg.out };
    const skippedViews = res.skipped.reduce((n, s) => n + (viewsOf.get(s.id) ?? 0), 0);
    const reasons = [...new Set(res.skipped.map((s) => s.reason))];
    return { episodes, views: views - skippedViews, images: moving.images, out: cfg.out, skipped: { episodes: res.skipped.length, views: skippedViews, reasons } };
  }
  const written = await writeSuite(cfg.out, generated(), { manifest: { generator: gen }, ...streaming });
  moving.bar?.stop();
  return { episodes: written.length, views, images: moving.images, out: cfg.out };
}

/**
 * What Ctrl-C during `suite generate` leaves in `out`: while generating, the suite already there as it was (the new one's
 * images wait in a staging folder, removed by the next run); while replacing it, no complete suite (an earlier one's episode
 * list was moved aside first and the new one is written last, so nothing reads the folder as a suite; the next run removes
 * the earlier images the set-aside list names, suite/replacing.ts).
 */
export function suiteInterruptedHint(out: string, writing: boolean): string {
  if (!writing) return `no suite was written to ${out} yet (a suite already there is as it was; the episodes generated so far, staged in ${join(out, STAGING_DIR)}, are removed by the next run); run the same command again to generate it`;
  return `${out} holds no complete suite now (its episode list is written last, so nothing reads the half-written folder as a suite); run the same command again to write the whole one (the same seed gives the same suite; the earlier suite's images it does not use are removed then)`;
}

/**
 * The closing line of `suite generate`. Its views are the episodes' (each one image file in the own format); the
 * ProactiveBench layout also writes copies of some where its own loaders look for them (MVP-N's informative folder,
 * coco2014's full photo), so it moves more files than there are views, and says both.
 */
export function generatedLine(r: SuiteGenerated, seconds: number): string {
  const copies = r.images - r.views;
  const files = copies > 0 ? ` in ${r.images} image files: the ProactiveBench layout keeps ${copies} copies of views where its own loaders look for them` : '';
  const s = r.skipped;
  const skipped = s ? `; skipped ${s.episodes} episode${s.episodes === 1 ? '' : 's'} (${s.views} views) the ProactiveBench layout cannot hold: ${s.reasons.join('; ')}` : '';
  return `wrote ${r.episodes} episode${r.episodes === 1 ? '' : 's'} (${r.views} views${files}) to ${r.out} in ${seconds.toFixed(1)} s${skipped}`;
}

/**
 * Refuse, before anything is written, a ProactiveBench-layout suite none of whose kinds has a dataset there: every episode
 * would be skipped (was: "wrote 0 episodes (0 views) to OUT", an empty folder made).
 */
export function checkWritableKinds(cfg: Pick<SuiteGenerateConfig, 'format' | 'kinds'>): void {
  if (cfg.format !== 'proactivebench' || cfg.kinds.some((k) => Object.hasOwn(KIND_TO_DATASET, k))) return;
  const known = Object.keys(KIND_TO_DATASET).join(', ');
  throw new InputError(`--format proactivebench: no kind in --kinds ${cfg.kinds.join(',')} has a ProactiveBench dataset (kinds that have one: ${known}); give one of those in --kinds, or --format own`);
}

/** The action of `askfirst suite generate` (suite-command.ts). */
export async function suiteGenerateAction(raw: Record<string, unknown>): Promise<void> {
  const cfg = configFromOptions(SuiteGenerateSchema, raw, 'suite generate');
  checkWritableKinds(cfg);
  refuseOthersOutput([cfg.out], 'suite generate'); // an eval's or a training run's --out: no suite written beside it
  // a suite in the other layout: not written beside it (--data would read one of the two)
  refuseOtherLayout(cfg.out, cfg.format === 'proactivebench' ? 'proactivebench suite' : 'own suite', 'suite generate', (held) => `choose another --out, or give --format ${held.layout === 'own suite' ? 'own' : 'proactivebench'} to replace that suite`);
  const t0 = Date.now();
  let writing = false;
  const r = await guardRun(cfg.out, 'askfirst suite generate', () => suiteInterruptedHint(cfg.out, writing), () => runSuiteGenerate(cfg, () => (writing = true))); // one run at a time into --out
  process.stderr.write(`${generatedLine(r, (Date.now() - t0) / 1000)}\n`);
}
