/**
 * `system_fingerprint` (fingerprint.ts): the same for two servers whose replies to a request and seed are the same (one
 * checkpoint's weights, wherever its files lie), another when they could differ (other weights, another `serve --seed`);
 * in a reply and in every streamed chunk, as OpenAI sends it.
 */
import { cpSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { newBuiltin, saveBuiltin } from '../../agents/builtin/build.js';
import { BuiltinPolicy } from '../../agents/builtin/policy.js';
import { ScriptedPolicy } from '../../agents/baselines/scripted.js';
import { HttpPolicy } from '../../agents/http/policy.js';
import type { Policy } from '../../agents/policy.js';
import { formatPrompt } from '../../episode/prompt.js';
import { createImage } from '../../scenes/image.js';
import { pngDataUrl } from '../../scenes/png.js';
import { generateSuite } from '../../suite/generate.js';
import { tmpDir } from '../../testing/tmp.js';
import { startOpenAIServer } from './server.js';

const messages = [{ role: 'user' as const, content: [{ type: 'image_url' as const, image_url: { url: pngDataUrl(createImage(8, 8, [1, 2, 3])) } }, { type: 'text' as const, text: formatPrompt('Q?', ['a', 'b', 'c']) }] }];

/** The fingerprint of a server over `policy`: of a reply, and of each chunk of a streamed one (all must agree). */
async function fingerprintOf(policy: Policy, seed = 0): Promise<string> {
  const srv = await startOpenAIServer({ policy, modelName: 'm', seed, log: () => undefined });
  try {
    const client = new OpenAI({ baseURL: srv.url, apiKey: 'unused', maxRetries: 0 });
    const reply = await client.chat.completions.create({ model: 'm', messages });
    const chunks: (string | null | undefined)[] = [];
    for await (const k of await client.chat.completions.create({ model: 'm', messages, stream: true, stream_options: { include_usage: true } })) chunks.push(k.system_fingerprint);
    expect(chunks).toEqual([reply.system_fingerprint, reply.system_fingerprint]); // the choice's chunk and the usage chunk
    expect(reply.system_fingerprint).toMatch(/^fp_[0-9a-f]{10}$/);
    return reply.system_fingerprint!;
  } finally {
    await srv.close();
  }
}

describe('system_fingerprint', () => {
  it('is the same for one checkpoint, wherever it lies, and another for other weights or another serve --seed', async () => {
    const p = newBuiltin(generateSuite({ episodes: 1, seed: 1, kinds: ['camera'] }), { imageSize: 32, channels: [4], hidden: 8 });
    const root = tmpDir('af-fingerprint');
    saveBuiltin(join(root, 'a'), p);
    cpSync(join(root, 'a'), join(root, 'copy'), { recursive: true }); // the same weights under another path (another spec)
    p.model.catProj.weight.data[0] += 0.5; // one weight changed
    saveBuiltin(join(root, 'b'), p);
    const a = await fingerprintOf(BuiltinPolicy.load(join(root, 'a')));
    expect(await fingerprintOf(BuiltinPolicy.load(join(root, 'a')))).toBe(a); // a restart over the same checkpoint
    expect(await fingerprintOf(BuiltinPolicy.load(join(root, 'copy')))).toBe(a);
    expect(await fingerprintOf(BuiltinPolicy.load(join(root, 'b')))).not.toBe(a);
    expect(await fingerprintOf(BuiltinPolicy.load(join(root, 'a')), 1)).not.toBe(a);
  });

  it("is a scripted:FILE policy's by its file's contents, not its path", async () => {
    // before, it was the spec's: two scripts written in turn at one path answered under one fingerprint
    const root = tmpDir('af-fingerprint-scripted');
    const [file, copy] = [join(root, 'replies.jsonl'), join(root, 'copy.jsonl')];
    writeFileSync(file, '{"episode_id": "e1", "replies": ["A."]}\n');
    cpSync(file, copy);
    const a = await fingerprintOf(await ScriptedPolicy.fromFile(file));
    expect(await fingerprintOf(await ScriptedPolicy.fromFile(copy))).toBe(a);
    writeFileSync(file, '{"episode_id": "e1", "replies": ["B."]}\n');
    expect(await fingerprintOf(await ScriptedPolicy.fromFile(file))).not.toBe(a);
  });

  it("is a proxy's folded with its upstream's own system_fingerprint, when the upstream sends one", async () => {
    // before, a proxy's was its spec's: a client comparing fingerprints saw no change when the model behind it changed
    let upstreamFp: string | undefined;
    const up = createServer((req, res) => {
      req.resume().on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ id: 'x', object: 'chat.completion', model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'A.' }, finish_reason: 'stop' }], system_fingerprint: upstreamFp }));
      });
    });
    await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
    const made: HttpPolicy[] = [];
    const proxy = () => {
      made.push(new HttpPolicy({ baseUrl: `http://127.0.0.1:${(up.address() as AddressInfo).port}/v1`, model: 'm', retries: 0 }, {}));
      return made.at(-1)!;
    };
    try {
      const none = await fingerprintOf(proxy()); // an upstream that sends none (vLLM): the proxy's own, as before
      upstreamFp = 'fp_upstream1';
      const one = await fingerprintOf(proxy());
      expect(one).not.toBe(none);
      expect(await fingerprintOf(proxy())).toBe(one); // the same upstream configuration
      upstreamFp = 'fp_upstream2'; // the upstream's model changed
      expect(await fingerprintOf(proxy())).not.toBe(one);
      upstreamFp = undefined;
      expect(await fingerprintOf(proxy())).toBe(none);
    } finally {
      for (const p of made) await p.close();
      await new Promise((r) => up.close(r));
    }
  });
});
