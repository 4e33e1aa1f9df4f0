import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { exited, spawnTsx } from '../testing/child.js';
import { tmpDir } from '../testing/tmp.js';
import { createPgliteDir, hasPgliteDb, pgliteTemplateDir } from './pglite-create.js';

const needTemplate = () => expect(existsSync(join(pgliteTemplateDir(), 'VERSION')), 'build/pglite-template is missing: run `npm run build`').toBe(true);

it.runIf(process.platform === 'linux')('a new database is the build\'s template copied: no initdb (0.85 GB and 4–6 s of CPU in WebAssembly), a fraction of the memory', { timeout: 180_000 }, async () => {
  needTemplate();
  const d = tmpDir('af-pglite-rss');
  const script = join(d, 'create.mjs');
  const module = fileURLToPath(new URL('./pglite-create.ts', import.meta.url));
  writeFileSync(
    script,
    `const { createPgliteDir } = await import(${JSON.stringify(module)});
await createPgliteDir(process.argv[2]);
const { readFileSync } = await import('node:fs');
console.log(/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);`,
  );
  const child = spawnTsx(script, [join(d, 'db')], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  expect(await exited(child)).toBe(0);
  expect(hasPgliteDb(join(d, 'db'))).toBe(true);
  const peakMb = Number(out.trim()) / 1024;
  expect(peakMb, `peak RSS of a process making a database: ${peakMb.toFixed(0)} MB`).toBeLessThan(400); // initdb: 0.85 GB; the copy: about 60 MB beside tsx
});

it('a creation stopped while the template is copied leaves no database and no hidden folder, and rejects with the reason', async () => {
  needTemplate();
  const d = tmpDir('af-pglite-stop');
  const ac = new AbortController();
  const made = createPgliteDir(join(d, 'db'), ac.signal);
  ac.abort(new Error('stopped'));
  await expect(made).rejects.toThrow('stopped');
  expect(readdirSync(d)).toEqual([]);
  await createPgliteDir(join(d, 'db')); // the same again, not stopped
  expect(readdirSync(d)).toEqual(['db']);
  expect(hasPgliteDb(join(d, 'db'))).toBe(true);
});
