import { describe, expect, it } from 'vitest';
import { HttpPolicy } from '../agents/http/policy.js';
import { evaluate } from '../eval/evaluate.js';
import { tmpDir } from '../testing/tmp.js';
import { generateSuite } from '../suite/generate.js';
import { directoryViewLoader, readProactiveBench, writeProactiveBench } from '../suite/proactivebench/read.js';
import { buildProgram } from './main.js';
import { runServe, ServeSchema } from './serve.js';

describe('askfirst serve', () => {
  it('is registered, with options from its schema', async () => {
    const program = await buildProgram();
    const cmd = program.commands.find((c) => c.name() === 'serve');
    expect(cmd).toBeDefined();
    const flags = cmd!.options.map((o) => o.long);
    for (const k of ['--policy', '--port', '--host', '--data', '--max-batch']) expect(flags).toContain(k);
  });

  it('refuses the oracle without --data', async () => {
    await expect(runServe(ServeSchema.parse({ policy: 'oracle', port: 0 }))).rejects.toThrow(/--data/);
  });

  it('serves the oracle over a ProactiveBench-layout directory; the HTTP client solves every episode', async () => {
    const dir = tmpDir('askfirst-serve');
    await writeProactiveBench(dir, generateSuite({ episodes: 1, seed: 9 }));
    const srv = await runServe(ServeSchema.parse({ policy: 'oracle', port: 0, data: `proactivebench:${dir}` }));
    try {
      expect(await (await fetch(`${srv.url}/models`)).json()).toMatchObject({ data: [{ id: 'oracle' }] });
      const eps = await readProactiveBench(dir);
      const res = await evaluate({ episodes: eps, loader: directoryViewLoader(dir), policy: new HttpPolicy({ baseUrl: srv.url, model: 'oracle', askfirstHeaders: true }, {}), modes: ['proactive'] });
      expect(res.summaries.proactive!.accuracy).toBe(1);
    } finally {
      await srv.close();
    }
  });
});
