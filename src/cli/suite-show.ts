/**
 * `askfirst suite show`: render episodes as contact-sheet PNGs a person can look at (every view,
 * its markers and moves, the question and the lettered options). Reads an askfirst suite
 * directory (episodes.jsonl + images/) or ProactiveBench's layout (`--data proactivebench:DIR`).
 */
import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { renderContactSheet } from '../suite/contact-sheet.js';
import { readProactiveBench } from '../suite/proactivebench/read.js';
import { directoryViewLoader } from '../suite/proactivebench/views.js';
import type { SuiteEpisode } from '../suite/types.js';
import { InputError, NotFoundError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fsx.js';
import { addSchemaOptions, commandGroup, configFromOptions } from './options.js';

export const SuiteShowSchema = z.object({
  data: z.string().min(1).describe("suite directory (askfirst format), or proactivebench:DIR for ProactiveBench's layout"),
  episode: z.string().optional().describe('id of the episode to show'),
  kind: z.string().optional().describe('show the --index-th episode of this kind instead of --episode'),
  index: z.number().int().min(0).default(0).describe('with --kind: which episode of that kind (0 = the first)'),
  allKinds: z.boolean().default(false).describe('write one sheet per kind (its first non-control episode) into the --out folder'),
  out: z.string().optional().describe('output PNG file (a folder with --all-kinds); default sheet-<episode>.png, or sheets/'),
  tile: z.number().int().min(32).max(1024).default(256).describe('longest side of each view in the sheet, in pixels'),
  maxViews: z.number().int().min(1).max(1000).default(24).describe('draw at most this many views of an episode'),
  filter: z.boolean().default(true).describe("ProactiveBench data: show only the ids the paper evaluates (off: every entry)"),
});
export type SuiteShowConfig = z.output<typeof SuiteShowSchema>;

const PB_PREFIX = 'proactivebench:';

/** Load the episodes of `--data` and the directory their view paths are relative to. */
export async function loadSuiteForShow(data: string, filter: boolean): Promise<{ dir: string; episodes: SuiteEpisode[] }> {
  if (data.startsWith(PB_PREFIX)) {
    const dir = data.slice(PB_PREFIX.length);
    if (!dir) throw new InputError('--data proactivebench:DIR needs a directory after the colon');
    return { dir, episodes: await readProactiveBench(dir, { filter: filter ? 'auto' : false, checkImages: 'lazy' }) };
  }
  // askfirst's own format (suite/io.ts), loaded lazily so this command does not depend on it at startup.
  const spec = '../suite/io.js';
  let io: { readSuite?: (dir: string) => Promise<SuiteEpisode[] | { episodes: SuiteEpisode[] }> };
  try {
    io = (await import(spec)) as typeof io;
  } catch (e) {
    throw new NotFoundError(`reading askfirst suite directories is not available in this build (${(e as Error).message}); use --data proactivebench:DIR`, { cause: e });
  }
  if (typeof io.readSuite !== 'function') throw new NotFoundError('suite/io.js has no readSuite; use --data proactivebench:DIR');
  const got = await io.readSuite(data);
  return { dir: data, episodes: Array.isArray(got) ? got : got.episodes };
}

/** Pick the episodes to draw, by id, by kind + index, or one per kind. */
export function pickEpisodes(episodes: readonly SuiteEpisode[], cfg: SuiteShowConfig): SuiteEpisode[] {
  const chosen = [cfg.episode !== undefined, cfg.kind !== undefined, cfg.allKinds].filter(Boolean).length;
  if (chosen !== 1) throw new InputError('say which episode to show: exactly one of --episode ID, --kind K [--index N], or --all-kinds');
  const kinds = [...new Set(episodes.map((e) => e.kind))];
  if (cfg.episode !== undefined) {
    const ep = episodes.find((e) => e.id === cfg.episode);
    if (!ep) {
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

/** Render the chosen sheets; returns the files written. */
export async function runSuiteShow(cfg: SuiteShowConfig): Promise<string[]> {
  const { dir, episodes } = await loadSuiteForShow(cfg.data, cfg.filter);
  if (episodes.length === 0) throw new NotFoundError(`${cfg.data} holds no episodes`);
  const picked = pickEpisodes(episodes, cfg);
  const loader = directoryViewLoader(dir);
  const written: string[] = [];
  for (const ep of picked) {
    const png = await renderContactSheet(ep, loader, { tile: cfg.tile, maxViews: cfg.maxViews });
    const out = cfg.allKinds ? join(cfg.out ?? 'sheets', `${fileName(ep.kind)}.png`) : (cfg.out ?? `sheet-${fileName(ep.id)}.png`);
    await writeFileAtomic(out, png);
    written.push(resolve(out));
  }
  return written;
}

export function register(program: Command): void {
  const suite = commandGroup(program, 'suite', 'generate, inspect and convert scenario suites');
  const cmd = suite
    .command('show')
    .description("render an episode's views, moves and options as one PNG contact sheet")
    .addHelpText(
      'after',
      '\nExamples:\n  askfirst suite show --data suite/ --episode occlusion-00003 --out occ.png\n  askfirst suite show --data suite/ --all-kinds --out sheets/\n  askfirst suite show --data proactivebench:ProactiveBench/test --kind corruption --index 5',
    );
  addSchemaOptions(cmd, SuiteShowSchema);
  cmd.action(async (raw: Record<string, unknown>) => {
    const cfg = configFromOptions(SuiteShowSchema, raw, 'suite show');
    for (const f of await runSuiteShow(cfg)) console.log(f);
  });
}
