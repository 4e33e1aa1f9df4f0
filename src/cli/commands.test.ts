/**
 * commands.ts's promise: starting askfirst loads each command's options and --help (`<name>-command.ts`,
 * `<name>-schema.ts`), never the work of a command that does not run: not `<name>.ts`, not the engine,
 * not the report's Vega, not the servers, PGlite or the workbench's store. Checked on the sources (tsx), in a fresh Node
 * process whose module loader writes every file it loads to a list.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../testing/tmp.js';

const root = resolve(import.meta.dirname, '../..');

/** The files and packages `askfirst ARGS` loads before it exits (with `status`): repository-relative paths, and `pkg:NAME` for node_modules. */
function loadedBy(args: string[], status = 0): string[] {
  const dir = tmpDir('af-startup');
  const list = join(dir, 'loaded.txt');
  // the load hook runs before a module is evaluated and appends synchronously, so the list is complete at exit
  const hooks = `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(${JSON.stringify(list)}, url + '\\n');
  return next(url, context);
}`;
  const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;
  const run = `const { main } = await import(${JSON.stringify(pathToFileURL(join(root, 'src/cli/main.ts')).href)}); await main(['node', 'askfirst', ...${JSON.stringify(args)}]);`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', `data:text/javascript,${encodeURIComponent(register)}`, '--input-type=module', '-e', run], { cwd: root, encoding: 'utf8', env: { ...process.env, TMPDIR: dir } }); // tsx keeps its cache in <TMPDIR>/tsx-<uid>: in the test's own folder, removed with it
  expect(r.status, r.stderr).toBe(status);
  const name = (file: string) => {
    const i = file.lastIndexOf('/node_modules/');
    if (i < 0) return relative(root, file);
    const parts = file.slice(i + '/node_modules/'.length).split('/');
    return `pkg:${parts.slice(0, parts[0].startsWith('@') ? 2 : 1).join('/')}`;
  };
  return [...new Set(readFileSync(list, 'utf8').trim().split('\n').map((u) => name(fileURLToPath(u))))];
}

describe('askfirst startup (commands.ts)', () => {
  it('--version loads every command module and none of their work, the engine, Vega, the servers or PGlite', () => {
    const loaded = loadedBy(['--version']);
    const commands = loaded.filter((f) => /^src\/cli\/.+-command\.ts$/.test(f));
    // every command module of commands.ts, so the list is the real startup (and the hook saw it)
    const listed = [...readFileSync(join(root, 'src/cli/commands.ts'), 'utf8').matchAll(/import\('\.\/(.+-command)\.js'\)/g)].map((m) => `src/cli/${m[1]}.ts`);
    expect(listed.length).toBeGreaterThan(10);
    expect(commands.sort()).toEqual(listed.sort());
    const work = commands.map((f) => f.replace(/-command\.ts$/, '.ts')).filter((f) => loaded.includes(f));
    expect(work, 'a command module loads its work at startup').toEqual([]);
    const heavy = loaded.filter(
      (f) =>
        /^src\/(nn\/(index|module|optim|checkpoint\.ts|tensor|ops\/|kernels\/)|feedback\/(open-store|db|store|migrations)\.ts|report\/|server\/workbench\/|agents\/builtin\/(model|policy)\.ts|rl\/(run|grpo|ppo|dpo|supervised|presence|reward-model)\.ts|demo\/(feedback|pipeline)\.ts)/.test(f) ||
        /^pkg:(vega|d3-|hono|@hono\/|@electric-sql\/)/.test(f),
    );
    expect(heavy, 'startup loads the engine, the report, a server or PGlite').toEqual([]);
  });

  it('feedback pairs loads its own work, not the other feedback commands\' (feedback.ts: the engine, the workbench server) nor the feedback demo', () => {
    // a suite that is not there: the command's work module is loaded, then it stops at reading the suite
    const loaded = loadedBy(['feedback', 'pairs', '--suite', 'no-such-suite', '--results', 'no-such.jsonl', '--project', 'p', '--db-dir', 'no-such-db'], 1);
    expect(loaded).toContain('src/cli/feedback-rlhf.ts');
    const unneeded = loaded.filter((f) => /^src\/(cli\/feedback\.ts|demo\/(feedback|feedback-seeds|pipeline)\.ts|server\/workbench\/|agents\/builtin\/(model|policy)\.ts|rl\/(run|grpo|ppo|dpo|supervised|presence|reward-model)\.ts|report\/|nn\/(index|module|optim|checkpoint\.ts|tensor|ops\/|kernels\/))/.test(f) || /^pkg:(vega|d3-|hono|@hono\/)/.test(f));
    expect(unneeded, 'feedback pairs loads work it does not run').toEqual([]);
  });
});
