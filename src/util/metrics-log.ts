/**
 * A training stage's metrics log: one JSONL line per logged step (the source of truth, cut back
 * to the checkpoint on resume by RunDir.truncateLog), and beside it, as `--report-to` asks,
 * TensorBoard event files (`<out>/tensorboard/`, tfevents.ts) and a long-format CSV
 * (`<out>/<name>.csv`: step,tag,value — one row per metric, so metrics logged only at some
 * steps need no empty cells). The CSV is rebuilt from the JSONL when the log opens, so a resumed
 * run's CSV matches its JSONL.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { JsonlAppender, writeFileAtomicSync } from './fsx.js';
import { EventFileWriter } from './tfevents.js';

export const REPORT_TARGETS = ['tensorboard', 'csv', 'none'] as const;
export type ReportTarget = (typeof REPORT_TARGETS)[number];

/** The config field every training stage shares. */
export const reportToField = z
  .array(z.enum(REPORT_TARGETS))
  .refine((ts) => ts.length === 1 || !ts.includes('none'), { error: 'none means the JSONL log alone: give none by itself, or the targets without it' })
  .default(['tensorboard', 'csv'])
  .describe('where metrics go besides the JSONL log: tensorboard (event files in OUT/tensorboard/), csv (OUT/<log>.csv), or none alone');

const csvCell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

function csvRows(row: Record<string, unknown>, stepKey: string): string {
  const step = row[stepKey];
  return Object.entries(row)
    .filter(([k, v]) => k !== stepKey && typeof v === 'number')
    .map(([k, v]) => `${String(step)},${csvCell(k)},${Number.isFinite(v as number) ? String(v) : ''}\n`)
    .join('');
}

export class MetricsLog {
  private readonly jsonl: JsonlAppender;
  private readonly tb?: EventFileWriter;
  private readonly csv?: JsonlAppender;

  /**
   * @param out the run directory; the log is `<out>/<name>.jsonl`
   * @param stepKey the row field holding the step ("step", "update")
   * @param resumeStep the step resumed from (after truncateLog), if any
   */
  constructor(
    readonly out: string,
    readonly name: string,
    readonly stepKey: string,
    reportTo: readonly ReportTarget[],
    resumeStep?: number,
  ) {
    const jsonlPath = join(out, `${name}.jsonl`);
    if (reportTo.includes('csv')) {
      const prior = existsSync(jsonlPath)
        ? readFileSync(jsonlPath, 'utf8')
            .split('\n')
            .filter((l) => l.trim())
            .map((l) => csvRows(JSON.parse(l) as Record<string, unknown>, stepKey))
            .join('')
        : '';
      const csvPath = join(out, `${name}.csv`);
      writeFileAtomicSync(csvPath, `step,tag,value\n${prior}`);
      this.csv = new JsonlAppender(csvPath);
    }
    // A fresh run (no resume step) starts its event files over too.
    if (resumeStep === undefined) rmSync(join(out, 'tensorboard'), { recursive: true, force: true });
    if (reportTo.includes('tensorboard')) this.tb = new EventFileWriter(join(out, 'tensorboard'), { resumeStep });
    this.jsonl = new JsonlAppender(jsonlPath);
  }

  append(row: Record<string, number>): void {
    this.jsonl.append(row);
    const step = row[this.stepKey];
    const rest = Object.fromEntries(Object.entries(row).filter(([k]) => k !== this.stepKey));
    this.tb?.scalars(step, rest);
    this.csv?.appendRaw(csvRows(row, this.stepKey));
  }

  close(): void {
    this.jsonl.close();
    this.tb?.close();
    this.csv?.close();
  }
}
