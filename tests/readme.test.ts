/**
 * The README's commands, as a newcomer types them. Every `askfirst …` line in a ```bash block
 * of README.md is checked: blocks marked `<!-- readme-test: run -->` run for real, in order, in
 * one fresh folder (the quick start and a short training run); every other askfirst line is
 * parsed by the real command line, so a renamed command or flag fails here. Lines that are not
 * askfirst commands (npm, ollama, vllm, curl, …) must be in the list below, so a new one is a
 * conscious choice; they were run by hand from a fresh clone (see the commit that added this).
 * docs/*.md's commands, README's inline ones and every flag named in prose: tests/docs-commands.test.ts.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildProgram } from '../src/cli/main.js';
import { spawn } from 'node:child_process';
import { exited, stopChild } from '../src/testing/child.js';
import { tmpDir } from '../src/testing/tmp.js';
import { findCommand, shellWords } from '../src/testing/doc-commands.js';

const root = resolve(import.meta.dirname, '..');
const README = readFileSync(join(root, 'README.md'), 'utf8');

/** Not askfirst commands: checked by hand (they need other software or take minutes). */
const OTHER = [
  'npm ci',
  'alias askfirst="node $PWD/bin/askfirst.js"',
  'ollama pull qwen2.5vl:7b',
  'vllm serve Qwen/Qwen2.5-VL-3B-Instruct --port 8000',
  'export OPENAI_API_KEY=...',
  'export AZURE_OPENAI_API_KEY=...',
  'curl http://127.0.0.1:8000/v1/models',
  'npm run demo',
  'npm run demo -- --quick',
  'npm test',
  'npx vitest run src/cli',
  'lmms-eval --model llava_onevision --tasks askfirst_first_turn --include_path integrations/lmms_eval',
];

interface Block {
  run: boolean;
  lines: string[];
}

export function readmeBlocks(md: string): Block[] {
  const out: Block[] = [];
  const re = /(<!-- readme-test: run -->\s*\n)?```bash\n([\s\S]*?)```/g;
  for (const m of md.matchAll(re)) {
    const lines = m[2]
      .split('\n')
      .map((l) => l.replace(/\s+#\s.*$/, '').trim()) // a comment starts with " # " (URL#MODEL has no space)
      .filter(Boolean);
    out.push({ run: Boolean(m[1]), lines });
  }
  return out;
}

const blocks = readmeBlocks(README);
const askfirstLines = blocks.flatMap((b) => b.lines.filter((l) => l.startsWith('askfirst ')).map((l) => ({ line: l, run: b.run })));

describe('README commands', () => {
  it('every line of a bash block is an askfirst command or a known other command', () => {
    const others = blocks.flatMap((b) => b.lines.filter((l) => !l.startsWith('askfirst ')));
    expect(others.sort()).toEqual([...OTHER].sort());
    expect(askfirstLines.length).toBeGreaterThan(15);
  });

  it('every askfirst command names a real subcommand and only flags it has', async () => {
    for (const { line } of askfirstLines) {
      const program = await buildProgram();
      const args = shellWords(line).slice(1);
      const { cmd, rest } = findCommand(program, args);
      if (cmd === program) {
        expect(rest.every((a) => a === '--help' || a === '--version'), line).toBe(true);
        continue;
      }
      expect(cmd.commands.length, `${line}: names a command group, not a command`).toBe(0);
      const parsed = cmd.parseOptions(rest.filter((a) => a !== '&'));
      expect(parsed.unknown, line).toEqual([]);
    }
  });

  it('every run directory a command reads was written by an earlier command', () => {
    // what a newcomer cannot have made by following the README from the top: a reader needs a writer above it
    const external = ['ProactiveBench/test'];
    const written = new Set<string>(['runs/demo']); // npm run demo (--out runs/demo)
    const missing: string[] = [];
    for (const { line } of askfirstLines) {
      const w = shellWords(line);
      const reads: string[] = [];
      w.forEach((a, i) => {
        const v = w[i + 1] ?? '';
        if (a === '--init' || a === '--suite') reads.push(v);
        if (a === '--results') reads.push(...v.split(',').map((r) => r.replace(/\/(proactive|reference)\/results\.jsonl$/, '')));
        if (a === '--data') reads.push(v.replace(/^(suite|proactivebench):/, ''));
        if (a === '--policy' || a === '--reward') {
          const m = /^(?:builtin|rm):(.+)$/.exec(v);
          if (m) reads.push(m[1]);
        }
      });
      for (const r of reads) {
        const known = external.includes(r) || [...written].some((o) => r === o || r.startsWith(o + '/'));
        if (!known) missing.push(`${line}: reads ${r}, which no earlier README command writes`);
      }
      const out = w.indexOf('--out');
      if (out >= 0) written.add(w[out + 1]);
    }
    expect(missing).toEqual([]);
  });

  it('the marked blocks run as written, in order, in a fresh folder', async () => {
    const dir = tmpDir('askfirst-readme');
    const entry = join(dir, 'askfirst.mts');
    writeFileSync(entry, `import { main } from ${JSON.stringify(join(root, 'src/cli/main.ts'))};\nawait main(process.argv);\n`);
    const ran: string[] = [];
    for (const { line } of askfirstLines.filter((l) => l.run)) {
      // node --import tsx, with tsx resolved from this repository (the folder has no node_modules)
      const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), entry, ...shellWords(line).slice(1)], {
        cwd: dir,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, ASKFIRST_DEBUG: '1', TSX_DISABLE_CACHE: '1' },
      });
      onTestFinished(() => stopChild(child));
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      const code = await exited(child);
      expect(code, `${line}\n${err.slice(-2000)}`).toBe(0);
      ran.push(line);
    }
    expect(ran.length).toBeGreaterThanOrEqual(7);
    for (const f of ['suite/episodes.jsonl', 'runs/oracle/summary.json', 'runs/compare/report.html', 'runs/compare/report.md', 'runs/rl/final/model.safetensors', 'runs/rl/tensorboard', 'runs/sup/train.csv', 'runs/rl-eval/summary.json']) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
  }, 900_000);
});
