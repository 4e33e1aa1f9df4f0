/**
 * `askfirst suite show`: render episodes as contact-sheet PNGs a person can look at (every view,
 * its markers and moves, the question and the lettered options). Reads `--data` as eval does: an askfirst suite
 * (episodes.jsonl + images/) or ProactiveBench's layout, named by `suite:DIR`, `proactivebench:DIR` or the folder alone.
 */
import { join, resolve } from 'node:path';
import { renderContactSheet } from '../suite/contact-sheet.js';
import { readSuite } from '../suite/io.js';
import { createViewLoader } from '../suite/loader.js';
import { dataSpec, type LoadedData } from '../suite/open.js';
import { directoryViewLoader, loadProactiveBench, type SkippedEntry } from '../suite/proactivebench/read.js';
import type { SuiteEpisode, ViewLoader } from '../suite/types.js';
import { InputError, NotFoundError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fsx.js';
import { configFromOptions, refuseUnread } from './options.js';
import { refuseToOverwrite } from './overwrite.js';
import { SuiteShowSchema, type SuiteShowConfig } from './suite-show-schema.js';

/**
 * The episodes of `--data` and their view loader, read as `eval --data` reads them (suite/open.ts: the spec through
 * `dataSpec`, so `suite:DIR`, `proactivebench:DIR` and a folder alone are all read, and anything else is refused in the
 * same words; each format by the same reader, with its progress bars), except that ProactiveBench's images are checked
 * when a sheet draws them, not all up front, and `filter` (--no-filter) can keep every entry. Entries eval would skip
 * are skipped (returned, so a sheet asked for by one says why).
 */
export async function loadSuiteForShow(
  data: string,
  opts: { filter?: boolean; progress?: boolean } = {},
): Promise<{ format: LoadedData['format']; episodes: SuiteEpisode[]; loader: ViewLoader; skipped: SkippedEntry[] }> {
  const { format, dir } = dataSpec(data);
  if (format === 'suite') return { format, episodes: await readSuite(dir, { progress: opts.progress ?? false }), loader: createViewLoader(dir), skipped: [] };
  const { episodes, skipped } = await loadProactiveBench(dir, { filter: opts.filter === false ? false : 'auto', checkImages: 'lazy', progress: opts.progress ?? false });
  return { format, episodes, loader: directoryViewLoader(dir), skipped };
}

/** Pick the episodes to draw, by id, by kind + index, or one per kind. */
export function pickEpisodes(episodes: readonly SuiteEpisode[], cfg: SuiteShowConfig, skipped: readonly SkippedEntry[] = []): SuiteEpisode[] {
  const chosen = [cfg.episode !== undefined, cfg.kind !== undefined, cfg.allKinds].filter(Boolean).length;
  if (chosen !== 1) throw new InputError('say which episode to show: exactly one of --episode ID, --kind K [--index N], or --all-kinds');
  const kinds = [...new Set(episodes.map((e) => e.kind))];
  if (cfg.episode !== undefined) {
    const ep = episodes.find((e) => e.id === cfg.episode);
    if (!ep) {
      const bad = skipped.find((x) => x.id === cfg.episode);
      if (bad) throw new NotFoundError(`episode "${cfg.episode}" in ${cfg.data} could not be read (askfirst eval leaves it out too): ${bad.reason}`);
      const sample = episodes.slice(0, 3).map((e) => e.id).join(', ');
      throw new NotFoundError(`no episode "${cfg.episode}" in ${cfg.data} (${episodes.length} episodes, e.g. ${sample})`);
    }
    return [ep];
  }
  if (cfg.kind !== undefined) {
    const ofKind = episodes.filter((e) => e.kind === cfg.kind);
    if (ofKind.length === 0) throw new NotFoundError(`no episode of kind "${cfg.kind}" in ${cfg.data} (kinds: ${kinds.join(', ')})`);
    if (cfg.index >= ofKind.length) throw new InputError(`--index ${cfg.index} is out of range: ${cfg.data} has ${ofKind.length} ${cfg.kind} episodes (0..${ofKind.length - 1})`);
    return [ofKind[cfg.index]];
  }
  return kinds.map((k) => episodes.find((e) => e.kind === k && !e.control) ?? episodes.find((e) => e.kind === k)!);
}

function fileName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/**
 * Render the chosen sheets; returns the files written. A sheet file that exists already is refused before any is drawn,
 * unless --overwrite (it was replaced silently: an image of another episode, or any file given as --out), as `train`
 * refuses to replace a run and `eval` to discard results without it.
 */
export async function runSuiteShow(cfg: SuiteShowConfig): Promise<string[]> {
  const { episodes, loader, skipped } = await loadSuiteForShow(cfg.data, { filter: cfg.filter, progress: cfg.progress });
  if (episodes.length === 0) throw new NotFoundError(`${cfg.data} holds no episodes${skipped.length ? ` that could be read (${skipped.length} skipped), e.g.: ${skipped[0].reason}` : ''}`);
  const picked = pickEpisodes(episodes, cfg, skipped);
  const sheets = picked.map((ep) => ({ ep, out: cfg.allKinds ? join(cfg.out ?? 'sheets', `${fileName(ep.kind)}.png`) : (cfg.out ?? `sheet-${fileName(ep.id)}.png`) }));
  refuseToOverwrite(sheets.map((s) => s.out), cfg.overwrite);
  const written: string[] = [];
  for (const { ep, out } of sheets) {
    const png = await renderContactSheet(ep, loader, { tile: cfg.tile, maxViews: cfg.maxViews });
    await writeFileAtomic(out, png);
    written.push(resolve(out));
  }
  return written;
}

/**
 * Options `suite show` would not read, refused before the data is read: --index without --kind (it picks among that
 * kind's episodes), --no-filter on an askfirst suite (it filters ProactiveBench's entries to the ids the paper
 * evaluates; the format is the one `--data` names or its files tell, as eval reads it).
 */
export function refuseUnreadShow(cfg: SuiteShowConfig, given: Readonly<Record<string, unknown>>): void {
  const picked = cfg.episode !== undefined ? 'with --episode' : cfg.allKinds ? 'with --all-kinds' : 'without --kind';
  if (cfg.kind === undefined) refuseUnread(SuiteShowSchema, given, { keys: ['index'], readBy: 'read with --kind only (which episode of that kind)' }, picked, 'give --kind K with it');
  if (dataSpec(cfg.data).format === 'suite') {
    refuseUnread(SuiteShowSchema, given, { keys: ['filter'], readBy: "read for ProactiveBench's layout only (--data proactivebench:DIR or its folder: the ids the paper evaluates)" }, `to an askfirst suite (--data ${cfg.data})`);
  }
}

/** The action of `askfirst suite show` (suite-show-command.ts). */
export async function suiteShowAction(raw: Record<string, unknown>): Promise<void> {
  const cfg = configFromOptions(SuiteShowSchema, raw, 'suite show');
  refuseUnreadShow(cfg, raw);
  for (const f of await runSuiteShow(cfg)) console.log(f);
}
