/**
 * askfirst installed as a package (docs/library.md): `npm pack` of this checkout's build, installed from the tarball
 * into a new project, runs `askfirst --help` and a plugin registering a kind of its own through the package's exports (`askfirst --plugin
 * FILE suite generate`), and docs/library.md's example type-checks against the installed
 * declarations (through package.json "exports") and runs. The tarball holds what an installation runs and nothing of
 * the sources or tests; `require('askfirst')` from CommonJS gives the same module where Node can require() an ES module,
 * and one line saying to import() it where it cannot (package.json's "require" condition, src/api/require.cts). The
 * example is type-checked without skipLibCheck: the installed declarations themselves are checked. Packs with --ignore-scripts: it packs the build in dist/ (`npm run build` first, as every test
 * that runs the command needs), which `npm pack`'s own "prepare" would rebuild for a minute.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../src/testing/tmp.js';

const repo = resolve(import.meta.dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The TypeScript block after `<!-- library-example -->` in docs/library.md. */
function libraryExample(): string {
  const doc = readFileSync(join(repo, 'docs', 'library.md'), 'utf8');
  const m = /<!-- library-example -->\s*```ts\n([\s\S]*?)```/.exec(doc);
  if (!m) throw new Error('docs/library.md has no ```ts block after <!-- library-example -->');
  return m[1];
}

describe('askfirst as an installed package', () => {
  it('packs the build without sources or tests; the installed tarball runs --help and the docs example', () => {
    expect(existsSync(join(repo, 'dist', 'api', 'index.d.ts')), 'dist/ is not built with declarations: run `npm run build`').toBe(true);
    const work = tmpDir('askfirst-package');
    const spawn = (cmd: string, args: string[], cwd: string) => spawnSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const run = (cmd: string, args: string[], cwd: string): string => {
      const r = spawn(cmd, args, cwd);
      if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stdout}${r.stderr}`);
      return r.stdout;
    };

    const [packed] = JSON.parse(run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], repo)) as { filename: string; files: { path: string }[] }[];
    const files = packed.files.map((f) => f.path);
    for (const needed of ['bin/askfirst.js', 'dist/cli/main.js', 'dist/api/index.js', 'dist/api/index.d.ts', 'dist/api/require.cjs', 'build/kernels.wasm', 'dist/web/index.html', 'build/pglite-template/VERSION', 'package.json']) {
      expect(files, needed).toContain(needed);
    }
    expect(files.filter((f) => /^(src|tests|bench|web|\.ci)\/|\.test\.|^dist\/.*\.map$|^integrations\/tests\//.test(f))).toEqual([]);

    const project = join(work, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'uses-askfirst', private: true, type: 'module' }));
    run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(work, packed.filename)], project);

    expect(run(join(project, 'node_modules', '.bin', 'askfirst'), ['--help'], project)).toMatch(/^Usage: askfirst /);
    // a new feedback database is the packed build/pglite-template copied: npm pack leaves out its 14 empty folders,
    // without which PostgreSQL does not start ("PGlite failed to initialize properly"); the copy makes them again
    expect(run(join(project, 'node_modules', '.bin', 'askfirst'), ['feedback', 'import', '--demo', '2', '--project', 'p', '--db-dir', 'db'], project)).toMatch(/^project p: 2 new demo items/);

    // a kind of your own registered through the installed package's exports, by a plugin the installed bin loads: the
    // plugin's `askfirst` and the command's are one module, so the kind it registers is the one `--kinds` takes
    writeFileSync(
      join(project, 'low-light.mjs'),
      `import { ABSTAIN_TEXT, ladderSteps, registerKind } from 'askfirst';
registerKind({
  name: 'low-light',
  generate: ({ size, rng, category }) => ({
    views: [rng.range(0.02, 0.08), 1].map((l) => ({ width: size, height: size, data: new Uint8Array(size * size * 3).fill(Math.round(l * (60 + 12 * category))) })),
    scores: [0, 1], firstView: 0, interventions: ['Turn on the light.', ABSTAIN_TEXT], abstain: [1], steps: ladderSteps(2, [0], [0, 1]),
    question: 'What object is in the room?', hint: 'Hint: more light could help.',
  }),
});
`,
    );
    run(join(project, 'node_modules', '.bin', 'askfirst'), ['--plugin', 'low-light.mjs', 'suite', 'generate', '--kinds', 'low-light', '--episodes', '2', '--size', '32', '--out', 'suite', '--no-progress'], project);
    const generated = readFileSync(join(project, 'suite', 'episodes.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id);
    expect(generated).toEqual(['low-light-00000', 'low-light-00001']);

    // require() from CommonJS: the module where this Node can require() an ES module (20.19 or later, 22.12 or later), else one line saying to import() it
    const required = ['-e', "console.log(typeof require('askfirst').evaluate)"];
    const canRequireEsm = (process.features as { require_module?: boolean }).require_module === true;
    if (canRequireEsm) expect(run(process.execPath, required, project).trim()).toBe('function');
    const refused = spawn(process.execPath, [...(canRequireEsm ? ['--no-experimental-require-module'] : []), ...required], project); // as a Node that cannot (before 20.19)
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain("Error: askfirst is an ES module, and this Node cannot require() one: use `const askfirst = await import('askfirst')`");
    expect(refused.stderr).not.toContain('require() of ES Module'); // Node's own, naming a file inside dist/

    writeFileSync(join(project, 'example.ts'), libraryExample());
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'nodenext', target: 'es2022', strict: true, outDir: 'out', types: ['node'], typeRoots: [join(repo, 'node_modules', '@types')] },
        files: ['example.ts'],
      }),
    );
    run(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], project);
    const lines = run(process.execPath, [join('out', 'example.js')], project).trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^oracle: accuracy 1 \[/);
    const guesser = /^first-category: accuracy ([\d.]+) /.exec(lines[1]);
    expect(Number(guesser?.[1])).toBeLessThan(1);
  }, 300_000); // about 25 s of CPU (npm install from its cache most of it), minutes on a machine shared with other runs
});
