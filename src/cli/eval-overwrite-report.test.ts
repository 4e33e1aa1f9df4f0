/**
 * `askfirst eval --overwrite` with several --policy: the comparison report (OUT/report.html, OUT/report.md) of the runs it
 * discards goes before any is played. Kept, an overwrite stopped part-way (here the second policy's server gives up)
 * left the earlier report — its policies, episodes and figures — beside the new runs, as if it described them.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFaultServer } from '../testing/fault-server.js';
import { tmpDir } from '../testing/tmp.js';
import { generateSuite } from '../suite/generate.js';
import { writeSuite } from '../suite/io.js';
import { UpstreamError } from '../util/errors.js';
import { runEval } from './eval.js';
import { EvalCommandSchema } from './eval-schema.js';

describe('eval --overwrite with several --policy', () => {
  it('removes the comparison report of the discarded runs before playing: a run stopped part-way leaves none', async () => {
    const d = tmpDir('askfirst-eval-overwrite-report');
    await writeSuite(join(d, 's'), generateSuite({ episodes: 2, seed: 3, kinds: ['occlusion'] }));
    let down = false;
    const vlm = await startFaultServer({ refuse: () => (down ? { status: 503, error: { message: 'no healthy upstream' } } : undefined) });
    try {
      const out = join(d, 'out');
      const cfg = (more: Record<string, unknown> = {}) =>
        EvalCommandSchema.parse({ policy: ['oracle', `openai:${vlm.url}#vlm`], data: join(d, 's'), out, mode: ['proactive'], concurrency: 1, batchSize: 1, retries: 0, progress: false, json: true, ...more });
      await runEval(cfg(), () => undefined);
      const [html, md] = [join(out, 'report.html'), join(out, 'report.md')];
      expect(readFileSync(html, 'utf8')).toContain('vlm');
      expect(existsSync(md)).toBe(true);

      // started afresh: the oracle plays again, then the model's server gives up
      down = true;
      await expect(runEval(cfg({ overwrite: true }), () => undefined)).rejects.toBeInstanceOf(UpstreamError);
      expect(existsSync(html)).toBe(false); // was the discarded runs' comparison
      expect(existsSync(md)).toBe(false);

      // a report.md askfirst did not write is not removed (the finished run replaces it, as before)
      writeFileSync(md, '# our notes\n');
      await expect(runEval(cfg({ overwrite: true }), () => undefined)).rejects.toBeInstanceOf(UpstreamError);
      expect(readFileSync(md, 'utf8')).toBe('# our notes\n');

      // once the server answers, the overwrite finishes and writes its own report
      down = false;
      await runEval(cfg({ overwrite: true }), () => undefined);
      expect(readFileSync(html, 'utf8')).toContain('vlm');
    } finally {
      await vlm.close();
    }
  }, 60_000);
});
