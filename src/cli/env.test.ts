/** `askfirst env serve`'s guard options reach the server: --allow-host, --max-body-bytes, --max-message-bytes, --max-reward-items, the plain-HTTP warning. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { generateSuite } from '../suite/generate.js';
import { writeSuite } from '../suite/io.js';
import { requestWithHost } from '../testing/host-request.js';
import { tmpDir } from '../testing/tmp.js';
import { envServeAction, runEnvServe } from './env.js';
import { EnvServeSchema } from './env-schema.js';

async function suite(): Promise<string> {
  const dir = tmpDir('askfirst-env-cli');
  await writeSuite(dir, generateSuite({ episodes: 1, seed: 3, size: 32 }));
  return dir;
}

describe('env serve options', () => {
  it('a wrongly typed value in --reward-config is named as that file\'s setting, not as a flag the user did not type', async () => {
    const d = tmpDir('askfirst-env-reward-config');
    const file = join(d, 'reward.json');
    writeFileSync(file, JSON.stringify({ reward: 'proactivebench', rp: 'high' }));
    // it said "--rp: must be a number (got "high")"
    await expect(envServeAction({ data: join(d, 'nowhere'), rewardConfig: file })).rejects.toThrow(`rp in --reward-config ${file}: must be a number (got "high")`);
  });
  it('an unknown key or reward weight name in --reward-config: commander\'s "(Did you mean …?)" for each close one', async () => {
    const d = tmpDir('askfirst-env-reward-names');
    const file = join(d, 'reward.json');
    writeFileSync(file, JSON.stringify({ reward: 'askfirst', weigths: {} }));
    await expect(envServeAction({ data: join(d, 'nowhere'), rewardConfig: file })).rejects.toThrow(`--reward-config ${file}: unknown key(s) weigths (Did you mean weights?); known: reward, weights`);
    writeFileSync(file, JSON.stringify({ reward: 'askfirst', weights: { corect: 1, nope: 2 } }));
    await expect(envServeAction({ data: join(d, 'nowhere'), rewardConfig: file })).rejects.toThrow('unknown name(s) corect (Did you mean correct?), nope; known: correct');
  });
  it('--allow-host, --max-body-bytes and --max-message-bytes are applied', async () => {
    const srv = await runEnvServe(EnvServeSchema.parse({ data: await suite(), port: 0, allowHost: ['proxy.example.org'], maxBodyBytes: 2048, maxMessageBytes: 2048 }));
    try {
      expect((await requestWithHost(`${srv.url}/health`, 'evil.example')).status).toBe(403);
      expect((await requestWithHost(`${srv.url}/health`, 'proxy.example.org')).status).toBe(200);
      const big = await fetch(`${srv.url}/get_reward`, { method: 'POST', body: JSON.stringify({ query: ['x'.repeat(4096)], prompts: ['p'], labels: ['l'] }) });
      expect(big.status).toBe(413);
      const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/ws`);
      await new Promise((r) => ws.once('open', r));
      const code = new Promise<number>((r) => ws.once('close', (c) => r(c)));
      ws.send(JSON.stringify({ type: 'reset', data: { pad: 'x'.repeat(4096) } }));
      expect(await code).toBe(1009);
    } finally {
      await srv.close();
    }
  });

  it('--max-reward-items is applied', async () => {
    const srv = await runEnvServe(EnvServeSchema.parse({ data: await suite(), port: 0, maxRewardItems: 1 }));
    try {
      const r = await fetch(`${srv.url}/get_reward`, { method: 'POST', body: JSON.stringify({ query: ['A.', 'B.'], prompts: ['', ''], labels: ['l', 'l'] }) });
      expect(r.status).toBe(413);
      expect(((await r.json()) as { detail: string }).detail).toMatch(/2 items, over the limit of 1 .*--max-reward-items/);
    } finally {
      await srv.close();
    }
  });

  it('warns on a non-loopback --host that it is plain HTTP, and refuses --allow-host there', async () => {
    const warned: string[] = [];
    const srv = await runEnvServe(EnvServeSchema.parse({ data: await suite(), port: 0, host: '0.0.0.0' }), (m) => warned.push(m));
    await srv.close();
    expect(warned).toEqual([expect.stringMatching(/^--host 0\.0\.0\.0 serves plain HTTP: .*TLS-terminating reverse proxy/)]);
    await expect(envServeAction({ data: 'nowhere', host: '0.0.0.0', allowHost: ['proxy.example.org'] })).rejects.toThrow(/--allow-host does not apply with --host 0\.0\.0\.0: it is read with a loopback --host only/);
  });
});
