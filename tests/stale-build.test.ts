/** bin/askfirst.js in a source checkout warns, in one line, when a source file is newer than dist/ (it runs the old build). */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../src/testing/tmp.js';

const repo = dirname(dirname(fileURLToPath(import.meta.url)));

/** A checkout with bin/ as in this repository, a dist/ whose main() says it ran, and the given sources, each at its age in seconds. */
function checkout(sources: Record<string, number>, distAge = 100): string {
  const root = tmpDir('af-stale');
  mkdirSync(join(root, 'bin'));
  for (const f of ['askfirst.js', 'stale-build.js']) copyFileSync(join(repo, 'bin', f), join(root, 'bin', f));
  const now = Date.now() / 1000;
  const put = (rel: string, text: string, age: number) => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
    utimesSync(join(root, rel), now - age, now - age);
  };
  put('dist/cli/main.js', 'export async function main() { console.log("ran"); }\n', distAge);
  for (const [rel, age] of Object.entries(sources)) put(rel, '// a source\n', age);
  return root;
}

function runBoth(root: string): { out: string; err: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'askfirst.js'), '--version'], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  return { out: r.stdout, err: r.stderr };
}

describe('bin/askfirst.js and a stale dist/', () => {
  it('says nothing when dist/ is newer than every source', () => {
    const r = runBoth(checkout({ 'src/cli/main.ts': 200, 'web/src/App.tsx': 300 }));
    expect(r).toEqual({ out: 'ran\n', err: '' });
  });

  it('names the newest source changed after the build, in one line, and still runs', () => {
    const root = checkout({ 'src/cli/main.ts': 200, 'src/cli/eval.ts': 50, 'src/util/config.ts': 10, 'web/src/App.tsx': 30 });
    const r = runBoth(root);
    expect(r.out).toBe('ran\n');
    expect(r.err).toBe(`askfirst: warning: ${join('src', 'util', 'config.ts')} changed after dist/ was built, so this runs the old build; run \`npm run build\` (in ${root})\n`);
    expect((runBoth(checkout({ 'web/src/App.tsx': 30 }))).err).toMatch(/web\/src\/App\.tsx changed after dist\/ was built/);
  });

  it('ignores what the build leaves out (tests, src/testing/) and an installed package without sources', () => {
    expect((runBoth(checkout({ 'src/cli/main.ts': 200, 'src/cli/main.test.ts': 5, 'src/testing/tmp.ts': 5 }))).err).toBe('');
    expect((runBoth(checkout({}))).err).toBe('');
  });
});
