/**
 * A content-addressed response cache on disk: the key is the SHA-256 of the canonical JSON of
 * the request (endpoint + body, keys sorted; never headers, so never the API key), the value
 * the parsed reply. Entries live at `DIR/ab/abcdef….json`, written atomically, so a crashed run
 * leaves only whole entries and a repeated evaluation costs no requests.
 *
 * Bounded in bytes (`maxBytes`, DEFAULT_CACHE_MAX_BYTES unless set): an entry grows with its reply — one that keeps a
 * proxy's token logprobs (ChatResult.tokenLogprobs, `askfirst serve --policy openai:…`) holds every token of a
 * reasoning model's reply with its alternatives, about 1 KB a token at top_logprobs 20, so megabytes an entry — and
 * before, nothing bounded their sum: the folder grew with every new request. Once a write takes the entries past the
 * bound, those used longest ago (written or read: a hit touches its file, so the order survives a restart) are deleted
 * until it holds again; an entry larger than the bound alone is not kept. The sizes are read from the folder at the
 * first write. Processes sharing one folder each keep their own account of it, so together they may exceed the bound
 * until the next process starts.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/fsx.js';

/** The default bound of a response cache folder's entries, in bytes (1 GiB). */
export const DEFAULT_CACHE_MAX_BYTES = 1024 ** 3;

/** JSON with object keys sorted at every level (arrays keep their order). */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(v as object)
    .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
}

export function requestKey(endpoint: string, body: unknown): string {
  return createHash('sha256').update(canonicalJson({ endpoint, body })).digest('hex');
}

const ENTRY = /^[0-9a-f]{64}\.json$/;

export class ResponseCache<T> {
  hits = 0;
  misses = 0;
  /** Every entry's size in bytes, the one used longest ago first (read from the folder at the first write). */
  private sizes?: Promise<Map<string, number>>;
  /** The sum of `sizes`. */
  private bytes = 0;

  constructor(
    readonly dir: string,
    readonly maxBytes: number = DEFAULT_CACHE_MAX_BYTES,
  ) {}

  private path(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  async get(key: string): Promise<T | undefined> {
    try {
      const v = JSON.parse(await readFile(this.path(key), 'utf8')) as { key: string; value: T };
      if (v.key !== key) throw new Error('key mismatch');
      this.hits++;
      await this.used(key);
      return v.value;
    } catch {
      // Absent or unreadable (treated as absent and overwritten on the next put).
      this.misses++;
      return undefined;
    }
  }

  async put(key: string, value: T): Promise<void> {
    const text = JSON.stringify({ key, value });
    const size = Buffer.byteLength(text);
    if (size > this.maxBytes) return; // it alone is over the bound
    const sizes = await this.entries();
    await writeFileAtomic(this.path(key), text);
    this.bytes += size - (sizes.get(key) ?? 0);
    sizes.delete(key);
    sizes.set(key, size); // the newest
    const gone: string[] = [];
    for (const [k, n] of sizes) {
      if (this.bytes <= this.maxBytes) break;
      if (k === key) continue;
      sizes.delete(k);
      this.bytes -= n;
      gone.push(k);
    }
    await Promise.all(gone.map((k) => rm(this.path(k), { force: true })));
  }

  /** The total size in bytes of the entries this cache accounts for (those in the folder at its first write, and its own since). */
  async size(): Promise<number> {
    await this.entries();
    return this.bytes;
  }

  /** A hit is a use: its entry moves to the newest, and its file's time with it (the order a later process reads). */
  private async used(key: string): Promise<void> {
    const now = new Date();
    await utimes(this.path(key), now, now).catch(() => undefined);
    if (!this.sizes) return;
    const sizes = await this.sizes;
    const n = sizes.get(key);
    if (n === undefined) return;
    sizes.delete(key);
    sizes.set(key, n);
  }

  private entries(): Promise<Map<string, number>> {
    this.sizes ??= this.scan();
    return this.sizes;
  }

  /** The entries in the folder, by the time of their last use (oldest first). */
  private async scan(): Promise<Map<string, number>> {
    const found: { key: string; size: number; at: number }[] = [];
    const shards = await readdir(this.dir).catch(() => [] as string[]);
    for (const shard of shards.filter((s) => /^[0-9a-f]{2}$/.test(s))) {
      const files = await readdir(join(this.dir, shard)).catch(() => [] as string[]);
      for (const f of files.filter((name) => ENTRY.test(name))) {
        const st = await stat(join(this.dir, shard, f)).catch(() => undefined);
        if (st?.isFile()) found.push({ key: f.slice(0, 64), size: st.size, at: st.mtimeMs });
      }
    }
    found.sort((a, b) => a.at - b.at);
    this.bytes = found.reduce((n, e) => n + e.size, 0);
    return new Map(found.map((e) => [e.key, e.size]));
  }
}
