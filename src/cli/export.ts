/**
 * `askfirst export --format trl`: episodes as a dataset external trainers load (TRL's
 * conversational prompt-only format with images, JSONL + PNG files and Parquet, and a dataset
 * card); see src/environment/trl-export.ts and docs/train-a-real-vlm.md. `--format lmms-eval`: their first turns
 * as the docs of the lmms-eval task in integrations/lmms_eval (src/environment/lmms-eval-export.ts).
 */
import { checkExportOut, checkFormatTurns, exportTrl } from '../environment/trl-export.js';
import { openData } from '../suite/open.js';
import { refuseMountPoint, removeOwnPartialDirs } from '../util/fsx.js';
import { progress, withBar, type Progress } from '../util/progress.js';
import { configFromOptions } from './options.js';
import { guardRun } from './run-guard.js';
import { refuseOthersOutput } from '../outputs/out-owner.js';
import { ExportSchema, type ExportConfig } from './export-schema.js';

export async function runExport(cfg: ExportConfig) {
  // read and checked once (reading a large suite takes seconds: a bar), then read again a line at a time as the rows are
  // written: no episode is held (suite/open.ts openData; docs/hardening.md, "Memory on large data")
  const data = await openData(cfg.data, { kinds: cfg.kinds, limit: cfg.limit, progress: cfg.progress });
  const bar = progress('exporting', data.count, { enabled: cfg.progress, unit: 'episodes' });
  // each episode's images and rows are written as it comes (exportTrl), so the 'exporting' bar covers the writing too;
  // it stops at the last episode, and a 'saving' bar covers what is left (the last Parquet row group, syncing the images,
  // the rename into place: 0.8 s at 560 episodes), so the last line comes once the export is in --out
  const stage: { saving?: Progress } = {};
  try {
    const r = await withBar(bar, () =>
      exportTrl(data, data.loader, {
        out: cfg.out,
        format: cfg.format,
        turns: turnsOf(cfg),
        mode: cfg.mode,
        parquet: cfg.parquet,
        absolutePaths: cfg.absolutePaths,
        source: cfg.data,
        overwrite: cfg.overwrite,
        onEpisode: () => bar.tick(),
        onSaving: (steps) => {
          bar.stop();
          stage.saving = progress('saving', steps, { enabled: cfg.progress, unit: 'steps' });
        },
        onSaveStep: () => stage.saving?.tick(),
      }),
    );
    stage.saving?.stop();
    return r;
  } catch (e) {
    stage.saving?.fail(); // the export failed while saving: not left at N/M as if done
    throw e;
  }
}

/** The rows an export holds: --turns, else its format's default. */
const turnsOf = (cfg: ExportConfig) => cfg.turns ?? (cfg.format === 'lmms-eval' ? 'first' : 'path');

/** What Ctrl-C during an export leaves: the folder is replaced as a whole (writeDirAtomic), so only a complete export ever appears in --out. */
export function exportInterruptedHint(out: string): string {
  return `an export appears in ${out} only once it is complete, and an earlier one there stays until then (the partial one is removed); run the same command again to export`;
}

/** The action of `askfirst export` (export-command.ts). */
export async function exportAction(raw: Record<string, unknown>): Promise<void> {
  const cfg = configFromOptions(ExportSchema, raw, 'export');
  // what the options and --out alone refuse, refused before the data is read (reading a large suite takes seconds)
  checkFormatTurns(cfg.format, turnsOf(cfg));
  refuseMountPoint(cfg.out, '--out', 'export'); // before the work: the export is renamed onto --out (writeDirAtomic)
  refuseOthersOutput([cfg.out], 'export'); // before the data is read
  await checkExportOut(cfg.out, cfg.overwrite); // an earlier export without --overwrite, or any other file there (exportTrl asks again, once the data is read)
  const t0 = Date.now();
  // one export at a time into --out; stopped part-way (Ctrl-C, SIGTERM), the folder it was filling beside --out goes too
  const r = await guardRun(cfg.out, 'askfirst export', () => exportInterruptedHint(cfg.out), (_orderly, unlessDone) => {
    unlessDone(() => removeOwnPartialDirs(cfg.out));
    return runExport(cfg);
  });
  // an earlier export there is replaced as a whole, with --overwrite only (--out's help): said all the same
  const replaced = r.replaced ? ', replacing the earlier export there' : '';
  process.stderr.write(`wrote ${r.rows} rows (${r.images} images) to ${cfg.out}${replaced}: ${r.files.join(', ')} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}
