/**
 * `askfirst export` holds no suite whole (docs/hardening.md, "Memory on large data"): the data is read and checked once,
 * then read again a line at a time as each episode's rows are written (suite/open.ts openData), in both layouts. It held
 * every episode (loadData) before.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { paddedProactiveBenchSuites, paddedSuites } from '../testing/padded-suites.js';
import { tmpDir } from '../testing/tmp.js';
import { packageRoot } from '../util/package-root.js';
import { runExport } from './export.js';
import { ExportSchema } from './export-schema.js';

/** `askfirst export ARGS` in a child process whose heap is 64 MB. */
const exportIn64MB = (args: string[]) => promisify(execFile)(process.execPath, ['--max-old-space-size=64', join(packageRoot(), 'bin', 'askfirst.js'), 'export', '--no-progress', ...args]);

/** Every file of the export `out` (relative path → bytes), its dataset card with the `--data` it names (`data`) as DATA. */
function exported(out: string, data: string): Map<string, string | Buffer> {
  const files = new Map<string, string | Buffer>();
  for (const f of readdirSync(out, { recursive: true, withFileTypes: true })) {
    if (!f.isFile()) continue;
    const rel = join(f.parentPath, f.name).slice(out.length + 1);
    files.set(rel, rel === 'README.md' ? readFileSync(join(out, rel), 'utf8').replaceAll(data, 'DATA') : readFileSync(join(out, rel)));
  }
  return files;
}

describe('askfirst export at scale', () => {
  it('reads the episodes a line at a time: 128 MB of episodes go through a 64 MB heap, the export the same bytes', async () => {
    const dir = tmpDir('askfirst-export-heap');
    await paddedSuites(dir);
    const padded = join(dir, 'padded');
    const plain = join(dir, 'plain');
    await exportIn64MB(['--data', padded, '--out', join(dir, 'out-padded')]); // --turns path, with train.parquet: 2,000 rows and more
    await runExport(ExportSchema.parse({ data: plain, out: join(dir, 'out-plain'), progress: false }));
    const got = exported(join(dir, 'out-padded'), padded);
    expect(readFileSync(join(dir, 'out-padded', 'train.jsonl'), 'utf8').split('\n').length).toBeGreaterThan(2000);
    expect(got).toEqual(exported(join(dir, 'out-plain'), plain));
  }, 120_000);

  it("reads ProactiveBench's layout a line at a time too (lmms-eval, whole episodes): 128 MB through a 64 MB heap, the same bytes", async () => {
    const dir = tmpDir('askfirst-export-heap-pb');
    await paddedProactiveBenchSuites(dir);
    const padded = join(dir, 'pb-padded');
    const plain = join(dir, 'pb-plain');
    await exportIn64MB(['--format', 'lmms-eval', '--turns', 'episode', '--data', padded, '--out', join(dir, 'out-padded')]);
    await runExport(ExportSchema.parse({ format: 'lmms-eval', turns: 'episode', data: plain, out: join(dir, 'out-plain'), progress: false }));
    const got = exported(join(dir, 'out-padded'), padded);
    expect(readFileSync(join(dir, 'out-padded', 'train.jsonl'), 'utf8').split('\n').length).toBe(7 * 74 + 1);
    expect(got).toEqual(exported(join(dir, 'out-plain'), plain));
  }, 120_000);
});
