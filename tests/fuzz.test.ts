/**
 * Property-based fuzzing (fast-check, fixed seeds: the same cases on every machine) of what reads
 * untrusted bytes: the PNG/JPEG decoders, the safetensors reader, the episodes readers (askfirst
 * suites and ProactiveBench files) and the HTTP endpoints (`serve` and the workbench). Random
 * bytes and mutated valid files; each case must end in a result or a clear askfirst error (never
 * a TypeError, a hang or a 5xx), and memory must stay bounded over the whole run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RandomPolicy } from '../src/agents/baselines/random.js';
import { OraclePolicy } from '../src/agents/baselines/oracle.js';
import { formatPrompt } from '../src/episode/prompt.js';
import { openDb } from '../src/feedback/db.js';
import { createDemoProject } from '../src/feedback/importer.js';
import { FeedbackStore } from '../src/feedback/store.js';
import { decodeSafetensors, encodeSafetensors } from '../src/nn/safetensors.js';
import { decodeImage, encodeJPEG, encodePNG } from '../src/scenes/codec.js';
import { DEFAULT_MAX_IMAGE_PIXELS, setImageLimits } from '../src/scenes/image-limits.js';
import { createImage } from '../src/scenes/image.js';
import { pngDataUrl } from '../src/scenes/png.js';
import { createOpenAIApp } from '../src/server/openai/server.js';
import { createApp } from '../src/server/workbench/app.js';
import { generateSuite } from '../src/suite/generate.js';
import { readSuite, writeSuite } from '../src/suite/io.js';
import { loadProactiveBench } from '../src/suite/proactivebench/read.js';
import { namedPipe } from '../src/testing/named-pipe.js';
import { tmpDir } from '../src/testing/tmp.js';
import { AskfirstError } from '../src/util/errors.js';

const SEED = 20;

/** Edits applied to a valid file: flip bytes, overwrite runs, truncate, insert. */
const edits = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  ),
  { minLength: 1, maxLength: 6 },
);
type Edit =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; bytes: Uint8Array }
  | { kind: 'cut'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array };

function mutate(valid: Uint8Array, es: readonly Edit[]): Uint8Array {
  let b = Uint8Array.from(valid);
  for (const e of es) {
    if (!b.length) break;
    const at = e.at % b.length;
    if (e.kind === 'flip') b[at] ^= 1 << e.bit;
    else if (e.kind === 'set') b.set(e.bytes.subarray(0, b.length - at), at);
    else if (e.kind === 'cut') b = b.slice(0, at);
    else b = Uint8Array.from([...b.subarray(0, at), ...e.bytes, ...b.subarray(at)]);
  }
  return b;
}

/** The call returns, or throws an askfirst error with a message. */
function clearOrOk(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof AskfirstError)) throw new Error(`not a clear error: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
    expect(e.message.length).toBeGreaterThan(10);
  }
}
async function clearOrOkAsync(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof AskfirstError)) throw new Error(`not a clear error: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
    expect(e.message.length).toBeGreaterThan(10);
  }
}

let rssBefore = 0;
beforeAll(() => {
  rssBefore = process.memoryUsage().rss;
  setImageLimits({ maxPixels: 1 << 20 }); // each case decodes at most a megapixel
});
afterAll(() => {
  setImageLimits({ maxPixels: DEFAULT_MAX_IMAGE_PIXELS });
});

const scene = createImage(24, 16);
for (let i = 0; i < scene.data.length; i++) scene.data[i] = (i * 31) % 251;
const validPNG = Uint8Array.from(encodePNG(scene));
const validJPEG = Uint8Array.from(encodeJPEG(scene, 80));

describe('fuzz: image decoders', () => {
  it('random bytes (with PNG/JPEG magic or none)', () => {
    const magic = fc.constantFrom([], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], [0xff, 0xd8], [0xff, 0xd8, 0xff, 0xc0]);
    fc.assert(
      fc.property(magic, fc.uint8Array({ maxLength: 600 }), (m, rest) => clearOrOk(() => decodeImage(Uint8Array.from([...m, ...rest]), 'fuzz.img'))),
      { seed: SEED, numRuns: 400 },
    );
  });
  it('mutated valid PNG and JPEG files', () => {
    fc.assert(
      fc.property(fc.boolean(), edits, (png, es) => clearOrOk(() => {
        const img = decodeImage(mutate(png ? validPNG : validJPEG, es), 'fuzz.img');
        expect(img.data.length).toBe(img.width * img.height * 3);
      })),
      { seed: SEED, numRuns: 600 },
    );
  });
});

describe('fuzz: safetensors reader', () => {
  const valid = encodeSafetensors([
    ['a', { data: Float32Array.from({ length: 12 }, (_, i) => i / 3), shape: [3, 4] }],
    ['b.bias', { data: Float32Array.of(1, -1), shape: [2] }],
  ], { note: 'fuzz' });
  it('random bytes and mutated valid files', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => clearOrOk(() => decodeSafetensors(b, 'fuzz.safetensors'))), { seed: SEED, numRuns: 300 });
    fc.assert(fc.property(edits, (es) => clearOrOk(() => decodeSafetensors(mutate(valid, es), 'fuzz.safetensors'))), { seed: SEED, numRuns: 600 });
  });
  it('hand-written headers with random JSON', () => {
    const header = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 });
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 64 }), (h, data) => {
        const json = Buffer.from(JSON.stringify(h));
        const b = Buffer.alloc(8 + json.length + data.length);
        b.writeBigUInt64LE(BigInt(json.length), 0);
        json.copy(b, 8);
        Buffer.from(data).copy(b, 8 + json.length);
        clearOrOk(() => decodeSafetensors(b, 'fuzz.safetensors'));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe('fuzz: episodes readers', () => {
  it('askfirst suites: mutated episodes.jsonl lines and random JSON', async () => {
    const dir = tmpDir('af-fuzz-suite');
    await writeSuite(dir, generateSuite({ episodes: 1, seed: 5, kinds: ['camera', 'occlusion'] }));
    const { readFileSync } = await import('node:fs');
    const valid = new Uint8Array(readFileSync(join(dir, 'episodes.jsonl')));
    const file = join(dir, 'episodes.jsonl');
    await fc.assert(
      fc.asyncProperty(fc.oneof(edits.map((es) => mutate(valid, es)), fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v) + '\n'))), async (bytes) => {
        writeFileSync(file, bytes);
        await clearOrOkAsync(() => readSuite(dir));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('askfirst suites edited by hand: one line naming the file, the field and its value as written; a folder where a file goes says so', async () => {
    const dir = tmpDir('af-fuzz-hand');
    await writeSuite(dir, generateSuite({ episodes: 1, seed: 5, kinds: ['camera'] }));
    const { readFileSync, renameSync, rmSync } = await import('node:fs');
    const file = join(dir, 'episodes.jsonl');
    const good = readFileSync(file, 'utf8');
    const refused = async (edit: (ep: Record<string, unknown>) => void) => {
      const ep = JSON.parse(good) as Record<string, unknown>;
      edit(ep);
      writeFileSync(file, JSON.stringify(ep) + '\n');
      const e = await readSuite(dir).then(() => null, (x: unknown) => x);
      expect(e).toBeInstanceOf(AskfirstError);
      const msg = (e as Error).message;
      expect(msg.split('\n'), msg).toHaveLength(1); // was "is invalid:" and the problems on lines of their own
      return msg;
    };
    expect(await refused((ep) => delete ep.answer)).toMatch(/episodes\.jsonl:1: episode "camera-00000" is invalid: answer is missing \(it must be a category index \(0\.\.3\)\)$/); // was "answer undefined is not …"
    expect(await refused((ep) => (ep.answer = '2'))).toMatch(/answer "2" is not a category index/); // was "answer 2 is not …", as if 2 were wrong
    expect(await refused((ep) => ((ep.firstView = 99), (ep.referenceView = null)))).toMatch(/is invalid: firstView 99 is not a view index \(0\.\.\d+\); referenceView null is not a view index/);
    writeFileSync(file, good);
    // a view's image that is a folder: refused when the suite is read (it failed only when the view was shown, with Node's EISDIR)
    const view = join(dir, (JSON.parse(good) as { views: { path: string }[] }).views[1].path);
    rmSync(view);
    mkdirSync(view);
    await expect(readSuite(dir)).rejects.toThrow(/episodes\.jsonl:1: episode "camera-00000": image of views\[1\] is a folder, not an image file: .*camera-00000_v1\.png$/);
    // a named pipe there is said as one (it was called a folder)
    rmSync(view, { recursive: true });
    namedPipe(view);
    await expect(readSuite(dir)).rejects.toThrow(/episodes\.jsonl:1: episode "camera-00000": image of views\[1\] is a named pipe, not an image file: .*camera-00000_v1\.png$/);
    // episodes.jsonl that is a folder: said so (was Node's EISDIR, which names no path: "unexpected error" in the CLI)
    renameSync(file, join(dir, 'kept.jsonl'));
    mkdirSync(file);
    const e = await readSuite(dir).then(() => null, (x: unknown) => x);
    expect(e).toBeInstanceOf(AskfirstError);
    expect((e as Error).message).toMatch(/^no suite at .*: .*episodes\.jsonl is a folder, not the suite's episode file/);
  });

  it('ProactiveBench files: every entry is read or skipped with a reason; nothing throws', async () => {
    const dir = tmpDir('af-fuzz-pb');
    mkdirSync(join(dir, 'QD'));
    for (const i of [0, 1, 2]) writeFileSync(join(dir, 'QD', `000${i}.png`), encodePNG(createImage(4, 4, [i, 0, 0])));
    const good = { id: 0, image_template: 'QD/{image}.png', first_image: 0, num_images: 3, reference_image: 2, prompt: 'What is it?', options: ['Add more details to the drawing.', 'I cannot answer this question.'], categories: ['a', 'b'], answer: 'a' };
    const field = fc.constantFrom(...Object.keys(good), 'strong_occlusions', 'askfirst', 'valid_images');
    const entry = fc.array(fc.tuple(field, fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined))), { maxLength: 3 }).map((changes) => {
      const e: Record<string, unknown> = { ...good };
      for (const [k, v] of changes) e[k] = v;
      return JSON.stringify(e);
    });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(entry, fc.string({ maxLength: 40 })), { minLength: 1, maxLength: 5 }), async (lines) => {
        writeFileSync(join(dir, 'QuickDraw_preprocessed.jsonl'), lines.join('\n') + '\n');
        const { episodes, skipped } = await loadProactiveBench(dir, { filter: false });
        for (const s of skipped) expect(s.reason).toMatch(/QuickDraw_preprocessed\.jsonl:\d+: /);
        expect(episodes.length + skipped.length).toBeLessThanOrEqual(lines.length);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe('fuzz: HTTP endpoints', () => {
  it('serve: random and mutated chat-completions requests get 2xx/4xx, never 5xx, with an error message', async () => {
    const app = createOpenAIApp({ policy: new RandomPolicy(1), modelName: 'm', log: () => undefined, maxBodyBytes: 256 * 1024 });
    const valid = {
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: pngDataUrl(createImage(4, 4, [1, 2, 3])) } }, { type: 'text', text: formatPrompt('Q?', ['a', 'b']) }] }],
      logprobs: true,
    };
    const validBytes = Buffer.from(JSON.stringify(valid));
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      edits.map((es) => mutate(validBytes, es)),
      fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v))),
      fc.record({ messages: fc.jsonValue({ maxDepth: 4 }), logprobs: fc.jsonValue(), top_logprobs: fc.jsonValue(), temperature: fc.jsonValue(), stream: fc.jsonValue() }).map((v) => Buffer.from(JSON.stringify(v))),
    );
    const headers = fc.dictionary(fc.constantFrom('x-askfirst-episode', 'x-askfirst-turn', 'x-askfirst-history', 'x-askfirst-interventions', 'x-askfirst-view', 'content-type'), fc.string({ maxLength: 30 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')), { maxKeys: 3 });
    await fc.assert(
      fc.asyncProperty(body, headers, async (b, h) => {
        const r = await app.request('/v1/chat/completions', { method: 'POST', body: b, headers: h });
        expect(r.status).toBeLessThan(500);
        if (r.status >= 400) expect(((await r.json()) as { error: { message: string } }).error.message.length).toBeGreaterThan(5);
        else await r.text();
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

});

describe('fuzz: memory', () => {
  it('stays bounded over the decoder, reader and serve cases above', () => {
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(384 * 2 ** 20);
  });
});

// Last: the workbench's in-memory database (PGlite, WebAssembly) keeps its memory after closing.
describe('fuzz: workbench endpoints', () => {
  it('workbench: random labels and bodies get 2xx/4xx, never 5xx', async () => {
    const store = await FeedbackStore.open(await openDb());
    try {
      const { project } = await createDemoProject(store, 'fuzz', join(tmpDir('af-fuzz-wb'), 'images'), 3, 1);
      const a = await store.addAnnotator('fuzzer');
      const app = createApp({ store, playPolicy: async (ep) => new OraclePolicy([ep]), log: () => undefined });
      const call = (path: string, init: RequestInit = {}) => app.request(path, { ...init, headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' } });
      const types = ['rationale', 'ask', 'preference', 'play'];
      let n = 0;
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...types), fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.string({ maxLength: 40 })), fc.boolean(), async (type, label, raw) => {
          const next = await call(`/api/projects/${project.id}/next?type=${type}`);
          expect(next.status).toBeLessThan(500);
          const j = (await next.json()) as { assignment?: { id: number } | null };
          const aid = j.assignment?.id ?? 1;
          const body = raw && typeof label === 'string' ? label : JSON.stringify({ submissionId: `fuzz-submission-${n++}`, label });
          const r = await call(`/api/assignments/${aid}/annotation`, { method: 'POST', body });
          expect(r.status).toBeLessThan(500);
          await r.text();
        }),
        { seed: SEED, numRuns: 40 },
      );
    } finally {
      await store.close();
    }
  }, 300_000); // the in-memory database starts slowly on a busy machine
});
