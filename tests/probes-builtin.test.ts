/**
 * End to end: the built-in model answers the probes. A small built-in model is trained briefly,
 * `train --stage presence`'s trainer adds a presence head beside an unchanged copy of it, and
 * the hallucination and injection probes give the same scores in process and through
 * `askfirst serve` + `openai:` (the served model sees only the prompt text and the PNG).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPolicy } from '../src/agents/registry.js';
import { BuiltinPolicy } from '../src/agents/builtin/policy.js';
import { trainSupervised, resolveSupervisedConfig } from '../src/rl/supervised.js';
import { trainPresence } from '../src/rl/presence.js';
import { supervisedSuite } from '../src/suite/splits.js';
import { startOpenAIServer } from '../src/server/openai/server.js';
import { hallucinationItems, runHallucination } from '../src/probes/hallucination.js';
import { HallucinationConfigSchema, InjectionConfigSchema } from '../src/probes/config.js';
import { injectionItems, runInjection } from '../src/probes/injection.js';
import { runEpisodes } from '../src/agents/runner.js';
import { memoryLoader } from '../src/suite/loader.js';
import { generateSuite } from '../src/suite/generate.js';
import { resolveConfig } from '../src/util/config.js';
import { tmpDir } from '../src/testing/tmp.js';

describe('the built-in model on the probes', () => {
  it('a presence head changes nothing else, learns presence, and served scores equal in-process scores', async () => {
    const dir = tmpDir('probe-builtin');
    const sup = join(dir, 'sup');
    await trainSupervised(resolveSupervisedConfig({ out: sup, steps: 120, warmupSteps: 5, batchSize: 32, progress: false, seed: 3 }), supervisedSuite({ episodes: 8, seed: 3 }));
    const pres = join(dir, 'pres');
    const r = await trainPresence({ out: pres, scenes: 48, heldOut: 32, steps: 80, batchSize: 16, size: 96, progress: false }, sup);
    // it learned: the held-out loss fell below the untrained head's (the tiny model's categories
    // are weak, so its F1 is not asserted here; the demo-scale figure is in docs/probes.md)
    expect(r.heldOutLossAfter).toBeLessThan(r.heldOutLossBefore - 0.01);

    // the model's own weights are the input checkpoint's, byte for byte, and it plays episodes alike
    expect(Buffer.compare(readFileSync(join(sup, 'final', 'model.safetensors')), readFileSync(join(pres, 'final', 'model.safetensors')))).toBe(0);
    const eps = generateSuite({ seed: 5, episodes: 2 });
    const before = await runEpisodes(eps, BuiltinPolicy.load(sup), { mode: 'proactive', loader: memoryLoader });
    const after = await runEpisodes(eps, BuiltinPolicy.load(pres), { mode: 'proactive', loader: memoryLoader });
    expect(after.map((x) => x.replies)).toEqual(before.map((x) => x.replies));

    // hallucination: in process vs served through openai:
    const cfg = resolveConfig(HallucinationConfigSchema, { scenes: 6, unseenScenes: 6, size: 96, openScenes: 0 }, 'test');
    const items = await hallucinationItems(cfg);
    const local = await runHallucination({ cfg, policy: BuiltinPolicy.load(pres), episodes: items, run: {} });
    expect(local.items.every((i) => i.answer !== 'invalid')).toBe(true); // every reply is one of the three answers
    const srv = await startOpenAIServer({ policy: BuiltinPolicy.load(pres), modelName: 'probe' });
    try {
      const remote = await createPolicy(`openai:${srv.url}#probe`, { episodes: items, seed: 0, options: { concurrency: 2, retries: 3, timeoutMs: 300_000, askfirstHeaders: true } }); // askfirst serve needs its headers to know the probe item's options
      const served = await runHallucination({ cfg, policy: remote, episodes: items, run: {} });
      expect(served.items.map((i) => i.answer)).toEqual(local.items.map((i) => i.answer));
      expect({ ...served.summary, policy: '' }).toEqual({ ...local.summary, policy: '' });

      // injection: the same, on a few attacked episodes
      const icfg = resolveConfig(InjectionConfigSchema, { episodes: 1, kinds: ['occlusion', 'camera', 'sketch'], sizes: ['large'], contrasts: ['high'] }, 'test');
      const inj = await injectionItems(icfg);
      const a = await runInjection({ items: inj, policy: BuiltinPolicy.load(pres), run: {} });
      const b = await runInjection({ items: inj, policy: remote, run: {} });
      expect({ ...b.summary, policy: '' }).toEqual({ ...a.summary, policy: '' });
      await remote.close?.();
    } finally {
      await srv.close();
    }
  }, 600_000);
});
