/**
 * Large suites for the tests that check a command holds no episode whole (docs/hardening.md, "Memory on large data":
 * src/cli/eval-heap.test.ts, src/cli/export-heap.test.ts): 512 episodes of a small generated suite, each of its 7 (one
 * per kind) again under a new id, their views the same image files, `padded` with 256 KiB in each episode's `meta`
 * (read by no pass, written to no output): 128 MB that holding every episode needs in the heap.
 */
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSuite } from '../suite/generate.js';
import { writeSuite } from '../suite/io.js';
import { writeProactiveBench } from '../suite/proactivebench/read.js';

const PAD = 2 ** 18;

/**
 * The askfirst suites `dir`/plain and `dir`/padded (`which` of them), as above (`copies` episodes, each padded with `pad`
 * bytes: the same 128 MB in more, smaller episodes for a reader that holds a few hundred at once). Their episodes' ids, in order.
 */
export async function paddedSuites(dir: string, which: readonly ('plain' | 'padded')[] = ['plain', 'padded'], { copies: n = 512, pad: bytes = PAD } = {}): Promise<string[]> {
  const episodes = await writeSuite(join(dir, 'small'), generateSuite({ episodes: 1, seed: 2, size: 32 }));
  const copies = Array.from({ length: n }, (_, i) => ({ ...episodes[i % 7], id: `${episodes[i % 7].id}-copy${i}` }));
  const pad = 'x'.repeat(bytes);
  for (const name of which) {
    const eps = name === 'plain' ? copies : copies.map((e) => ({ ...e, meta: { ...e.meta, padding: pad } }));
    cpSync(join(dir, 'small', 'images'), join(dir, name, 'images'), { recursive: true });
    writeFileSync(join(dir, name, 'episodes.jsonl'), eps.map((e) => JSON.stringify(e) + '\n').join(''));
  }
  return copies.map((e) => e.id);
}

/**
 * The same in ProactiveBench's layout (askfirst-written index files, their lines carrying the episodes): `dir`/pb-plain
 * and `dir`/pb-padded, 74 copies of each entry (7 × 74 = 518 episodes), the copies' views the same image files.
 */
export async function paddedProactiveBenchSuites(dir: string): Promise<void> {
  await writeProactiveBench(join(dir, 'pb-small'), generateSuite({ episodes: 1, seed: 2, size: 32 }));
  const pad = 'x'.repeat(PAD);
  const files = readdirSync(join(dir, 'pb-small')).filter((f) => f.endsWith('_preprocessed.jsonl'));
  for (const name of ['plain', 'padded']) {
    cpSync(join(dir, 'pb-small'), join(dir, `pb-${name}`), { recursive: true });
    for (const f of files) {
      const entries = readFileSync(join(dir, 'pb-small', f), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { askfirst: { id: string; meta?: object } });
      const copies = Array.from({ length: 74 }, (_, i) => entries.map((e) => ({ ...e, askfirst: { ...e.askfirst, id: `${e.askfirst.id}-copy${i}`, ...(name === 'padded' ? { meta: { ...e.askfirst.meta, padding: pad } } : {}) } }))).flat();
      writeFileSync(join(dir, `pb-${name}`, f), copies.map((e) => JSON.stringify(e) + '\n').join(''));
    }
  }
}
