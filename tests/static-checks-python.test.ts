/**
 * The project's Python (integrations/: the TRL, verl, OpenRLHF and lmms-eval recipes, the env client and their tests;
 * bench/ and tests/helpers/) checked as tests/static-checks.test.ts checks the TypeScript: the tests that run it reach
 * only the paths they exercise, so a syntax error elsewhere, an undefined name or an unused import passed CI.
 *  - every .py file compiles (`compile()`, nothing written: no .pyc in the repo) under each Python the project runs it
 *    with: Debian's /usr/bin/python3 (every test that runs Python) and the `python3` on PATH (the READMEs' commands),
 *    warnings as errors, so an invalid escape sequence (a SyntaxWarning since 3.12, an error to come) fails too;
 *  - pyflakes (Debian's python3-pyflakes, which .ci/run installs) reports nothing: undefined names, unused imports and
 *    variables, redefinitions. Missing pyflakes skips with the reason outside CI and fails under CI=true.
 *  - the ```python (```py, ```python3) blocks of the Markdown (README.md, docs/, the integrations' READMEs) get both
 *    checks too, each block alone, reported at its page and line: a snippet a reader copies must at least compile and
 *    name nothing it does not define or import (no undefined name is allowed: none of the pages' blocks needs one).
 * Each check is also run on a planted defect, which it must report: a check that cannot fail passes nothing.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../src/testing/tmp.js';
import { hasPythonModule, requireDep, SYSTEM_PYTHON } from '../src/testing/system-deps.js';

const root = resolve(import.meta.dirname, '..');

/** `cmd args` in `cwd`: its exit code and what it printed. */
function run(cmd: string, args: string[], cwd = root): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    execFile(cmd, args, { cwd, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      done({ code, output: `${stdout}${stderr}`.trim() });
    });
  });
}

/** The project's .py files, tracked or new (not ignored), relative to the root. */
const pyFiles = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '--', '*.py'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f !== '' && existsSync(join(root, f)));

/** The project's Markdown pages, tracked or new (not ignored), relative to the root. */
const mdFiles = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '--', '*.md'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f !== '' && existsSync(join(root, f)));

/**
 * The fenced Python blocks of a Markdown text (info string python, py or python3; backticks or tildes; indented in a
 * list too): each one's code, its lines less the fence's indent, and the page line of its first code line.
 */
function pythonBlocks(md: string): { line: number; code: string }[] {
  const lines = md.split(/\r?\n/);
  const blocks: { line: number; code: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, lang] = open;
    const close = new RegExp(`^\\s*${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    let end = i + 1;
    while (end < lines.length && !close.test(lines[end])) end++;
    if (/^(python3?|py)$/i.test(lang)) {
      const body = lines.slice(i + 1, end).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()));
      blocks.push({ line: i + 2, code: `${body.join('\n')}\n` });
    }
    i = end; // a fence inside a block is the block's text
  }
  return blocks;
}

/**
 * The Python blocks of `pages` (relative to `cwd`) written to a temp folder, one file each, and `check` run on them
 * there: its output with each file named as its page and line (`docs/x.md:12: undefined name 'y'`).
 */
async function checkBlocks(pages: string[], check: (files: string[], dir: string) => Promise<{ code: number; output: string }>, cwd = root): Promise<{ code: number; output: string; blocks: number }> {
  const dir = tmpDir('askfirst-md-python');
  const where = new Map<string, { page: string; line: number }>();
  for (const page of pages)
    for (const b of pythonBlocks(readFileSync(join(cwd, page), 'utf8'))) {
      const name = `block${where.size}.py`;
      writeFileSync(join(dir, name), b.code);
      where.set(name, { page, line: b.line });
    }
  if (where.size === 0) return { code: 0, output: '', blocks: 0 }; // pyflakes with no file would read stdin
  const { code, output } = await check([...where.keys()], dir);
  const named = output.replace(/^(block\d+\.py)(?::(\d+))?/gm, (all, file: string, n?: string) => {
    const at = where.get(file);
    return at ? `${at.page}:${at.line + Number(n ?? 1) - 1}` : all;
  });
  return { code, output: named, blocks: where.size };
}

/** Each interpreter named once (python3 on PATH may be /usr/bin/python3): `{ cmd, label }`. */
function pythons(): { cmd: string; label: string }[] {
  const seen = new Map<string, { cmd: string; label: string }>();
  for (const cmd of [SYSTEM_PYTHON, 'python3']) {
    let out: string;
    try {
      out = execFileSync(cmd, ['-c', 'import sys; print(sys.executable); print(sys.version.split()[0])'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      continue; // absent: /usr/bin/python3 is required below; a PATH without python3 has nothing else to check
    }
    const [exe, version] = out.trim().split('\n');
    if (!seen.has(exe)) seen.set(exe, { cmd, label: `${cmd} (${version}, ${exe})` });
  }
  return [...seen.values()];
}

// compile() each file named on the command line, warnings as errors; one `path:line:col: message` per failure.
const COMPILE_ALL = `
import sys, warnings
warnings.simplefilter("error")
bad = 0
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        source = f.read()
    try:
        compile(source, path, "exec", dont_inherit=True)
    except SyntaxError as e:
        print(f"{path}:{e.lineno}:{e.offset}: {e.msg}"); bad += 1
    except (ValueError, Warning) as e:
        print(f"{path}: {type(e).__name__}: {e}"); bad += 1
sys.exit(1 if bad else 0)
`;
const compileAll = (python: string, files: string[], cwd = root) => run(python, ['-B', '-c', COMPILE_ALL, ...files], cwd);
const pyflakes = (files: string[], cwd = root) => run(SYSTEM_PYTHON, ['-B', '-m', 'pyflakes', ...files], cwd);

/** A temp folder holding `files` (name → source). */
function planted(files: Record<string, string>): string {
  const dir = tmpDir('askfirst-pycheck');
  for (const [name, source] of Object.entries(files)) writeFileSync(join(dir, name), source);
  return dir;
}

const skipPython = requireDep(existsSync(SYSTEM_PYTHON), 'Python 3 (/usr/bin/python3)', 'python3');
const skipPyflakes = skipPython ?? requireDep(hasPythonModule('pyflakes'), 'pyflakes for /usr/bin/python3', 'python3-pyflakes');

describe.skipIf(skipPython !== null)('static checks: Python', () => {
  it('finds the Python under integrations/', () => {
    expect(pyFiles).toContain('integrations/askfirst_env_client.py');
    expect(pyFiles).toContain('integrations/tests/test_recipes.py');
  });

  it.each(skipPython === null ? pythons() : [])('every .py file compiles under $label', async ({ cmd }) => {
    const { code, output } = await compileAll(cmd, pyFiles);
    expect(output, `${cmd} could not compile:\n${output}`).toBe('');
    expect(code).toBe(0);
  });

  it('the compile check reports a syntax error and an invalid escape sequence', async () => {
    const dir = planted({ 'ok.py': 'x = 1\n', 'broken.py': 'def f(:\n    pass\n', 'escape.py': 'PATTERN = "\\d+"\n' });
    const { code, output } = await compileAll(SYSTEM_PYTHON, ['ok.py', 'broken.py', 'escape.py'], dir);
    expect(code).toBe(1);
    expect(output).toMatch(/^broken\.py:1:\d+: /m);
    expect(output).toMatch(/^escape\.py:1:\d+: invalid escape sequence/m);
    expect(output).not.toMatch(/ok\.py/);
  });

  it.each(skipPython === null ? pythons() : [])("every ```python block of the Markdown compiles under $label", async ({ cmd }) => {
    expect(mdFiles).toEqual(expect.arrayContaining(['README.md', 'docs/architecture.md', 'integrations/trl/README.md']));
    const { code, output } = await checkBlocks(mdFiles, (files, dir) => compileAll(cmd, files, dir));
    expect(output, `${cmd} could not compile:\n${output}`).toBe('');
    expect(code).toBe(0);
  });

  it('finds the Python blocks of a page (fenced by backticks or tildes, indented in a list) and none other', () => {
    const md = ['# t', '```python', 'x = 1', '```', '', '- a step:', '', '  ~~~py', '  if x:', '      y = 2', '  ~~~', '```bash', 'def not_python(:', '```', '````python3', '```', '````', ''].join('\n');
    expect(pythonBlocks(md)).toEqual([
      { line: 3, code: 'x = 1\n' },
      { line: 9, code: 'if x:\n    y = 2\n' },
      { line: 16, code: '```\n' },
    ]);
  });

  it('the compile check of a page reports a syntax error in a Python block at its page line', async () => {
    const dir = planted({ 'page.md': ['# page', '', 'Run:', '', '```python', 'import os', 'def f(:', '    pass', '```', ''].join('\n') });
    const r = await checkBlocks(['page.md'], (files, d) => compileAll(SYSTEM_PYTHON, files, d), dir);
    expect({ code: r.code, blocks: r.blocks }).toEqual({ code: 1, blocks: 1 });
    expect(r.output).toMatch(/^page\.md:7:\d+: /);
  });

  describe.skipIf(skipPyflakes !== null)('pyflakes', () => {
    it('reports nothing on the Python blocks of the Markdown', async () => {
      const { code, output } = await checkBlocks(mdFiles, (files, dir) => pyflakes(files, dir));
      expect(output, `pyflakes reported:\n${output}`).toBe('');
      expect(code).toBe(0);
    });

    it('reports a planted undefined name and an unused import in a Python block at its page line', async () => {
      const dir = planted({ 'page.md': ['# page', '', '```bash', 'echo hi', '```', '', '```python', 'import os', '', 'print(undefined_name)', '```', ''].join('\n') });
      const r = await checkBlocks(['page.md'], (files, d) => pyflakes(files, d), dir);
      expect({ code: r.code, blocks: r.blocks }).toEqual({ code: 1, blocks: 1 });
      expect(r.output).toMatch(/^page\.md:10:\d+:? undefined name 'undefined_name'/m);
      expect(r.output).toMatch(/^page\.md:8:\d+:? 'os' imported but unused/m);
    });

    it('reports nothing on the project', async () => {
      const { code, output } = await pyflakes(pyFiles);
      expect(output, `pyflakes reported:\n${output}`).toBe('');
      expect(code).toBe(0);
    });

    it('reports a planted undefined name and an unused import', async () => {
      const dir = planted({ 'planted.py': 'import os\n\n\ndef f():\n    return undefined_name\n' });
      const { code, output } = await pyflakes(['planted.py'], dir);
      expect(code).toBe(1);
      expect(output).toMatch(/^planted\.py:5:\d+:? undefined name 'undefined_name'/m);
      expect(output).toMatch(/^planted\.py:1:\d+:? 'os' imported but unused/m);
    });
  });
});
