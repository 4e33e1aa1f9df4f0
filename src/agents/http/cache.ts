/**
 * A content-addressed response cache on disk: the key is the SHA-256 of the canonical JSON of
 * the request (endpoint + body, keys sorted; never headers, so never the API key), the value
 * the parsed reply. Entries live at `DIR/ab/abcdef….json`, written atomically, so a crashed run
 * leaves only whole entries and a repeated evaluation costs no requests.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/fsx.js';

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

export class ResponseCache<T> {
  hits = 0;
  misses = 0;
  constructor(readonly dir: string) {}

  private path(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  async get(key: string): Promise<T | undefined> {
    try {
      const v = JSON.parse(await readFile(this.path(key), 'utf8')) as { key: string; value: T };
      if (v.key !== key) throw new Error('key mismatch');
      this.hits++;
      return v.value;
    } catch {
      // Absent or unreadable (treated as absent and overwritten on the next put).
      this.misses++;
      return undefined;
    }
  }

  async put(key: string, value: T): Promise<void> {
    await writeFileAtomic(this.path(key), JSON.stringify({ key, value }));
  }
}
