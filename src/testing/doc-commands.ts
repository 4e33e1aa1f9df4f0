/**
 * Reading the askfirst commands a Markdown page shows, and checking them against the real command
 * line (commander's tree from `buildProgram`, src/cli/main.ts), for tests/readme.test.ts and
 * tests/docs-commands.test.ts: a renamed command or flag, or a value a choice flag does not take,
 * fails there instead of failing the reader who copies it.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';

/**
 * The pages a reader copies from, relative to the repository's `root`: README.md, docs/*.md but docs/transfer.md (a
 * research log whose commands and examples are historical), integrations/README.md and each trainer's README.
 */
export function docPages(root: string): string[] {
  return [
    'README.md',
    ...readdirSync(join(root, 'docs'))
      .filter((f) => f.endsWith('.md') && f !== 'transfer.md')
      .sort()
      .map((f) => `docs/${f}`),
    'integrations/README.md',
    ...['trl', 'verl', 'openrlhf'].map((d) => `integrations/${d}/README.md`),
  ];
}

/** Split a command line like a shell: spaces separate, '…' and "…" quote. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let q: string | null = null;
  let any = false;
  for (const ch of line) {
    if (q) {
      if (ch === q) q = null;
      else cur += ch;
    } else if (ch === "'" || ch === '"') {
      q = ch;
      any = true;
    } else if (/\s/.test(ch)) {
      if (cur || any) words.push(cur);
      cur = '';
      any = false;
    } else cur += ch;
  }
  if (cur || any) words.push(cur);
  return words;
}

/** The subcommand an argument list names, and the arguments left for it. */
export function findCommand(program: Command, args: string[]): { cmd: Command; rest: string[] } {
  let cmd = program;
  let i = 0;
  while (i < args.length) {
    const sub = cmd.commands.find((c) => c.name() === args[i]);
    if (!sub) break;
    cmd = sub;
    i++;
  }
  return { cmd, rest: args.slice(i) };
}

export interface DocCommand {
  /** 1-based line of the page where it starts. */
  line: number;
  /** From `askfirst` on: `npx`, a `for …; do` around it, a trailing `&`, `; done` and ` # comment` removed. */
  text: string;
}

/**
 * Every `askfirst …` command of a page: each line of a fenced code block that holds one, and each
 * inline code span that starts with `askfirst ` or `npx askfirst ` (a span may wrap across lines).
 */
export function docCommands(md: string): DocCommand[] {
  const out: DocCommand[] = [];
  const lineAt = (index: number) => md.slice(0, index).split('\n').length;
  const fence = /^```[^\n]*\n([\s\S]*?)^```/gm;
  for (const m of md.matchAll(fence)) {
    const first = lineAt(m.index) + 1;
    m[1].split('\n').forEach((raw, k) => {
      const at = raw.search(/\baskfirst /);
      if (at < 0 || raw.trimStart().startsWith('#')) return;
      const text = raw
        .slice(at)
        .replace(/\s+#\s.*$/, '') // a comment starts with " # " (URL#MODEL has no space)
        .replace(/;\s*done\s*$/, '')
        .replace(/\s*&\s*$/, '')
        .trim();
      out.push({ line: first + k, text });
    });
  }
  const prose = proseOf(md);
  for (const m of prose.matchAll(/`([^`]+)`/g)) {
    const span = m[1].replace(/\s+/g, ' ').trim();
    const text = span.startsWith('npx askfirst ') ? span.slice(4) : span;
    if (text.startsWith('askfirst ')) out.push({ line: lineAt(m.index), text });
  }
  return out;
}

/** A page with its fenced code blocks blanked out (their lines kept, empty), so the inline spans left keep their line numbers. */
export function proseOf(md: string): string {
  return md.replace(/^```[^\n]*\n([\s\S]*?)^```/gm, (block) => block.replace(/[^\n]/g, ' '));
}

/** Every long flag a page names anywhere (prose, tables, code), with its line. */
export function docFlags(md: string): { line: number; flag: string }[] {
  const out: { line: number; flag: string }[] = [];
  md.split('\n').forEach((l, i) => {
    for (const m of l.matchAll(/(?<![\w-])--[a-z][a-z0-9-]*/g))
      out.push({ line: i + 1, flag: m[0] });
  });
  return out;
}

/** Every long flag of every command of the tree (hidden ones included). */
export function allFlags(program: Command): Set<string> {
  const flags = new Set<string>(['--help']);
  const walk = (c: Command) => {
    for (const o of c.options) if (o.long) flags.add(o.long);
    c.commands.forEach(walk);
  };
  walk(program);
  return flags;
}

/**
 * What is wrong with one command a page shows, parsed by a fresh program (`build`): no such
 * command, a command group given flags, a flag its command does not have, or a value a choice
 * flag refuses. A value written as alternatives (`fact\|plain`, `coverage|sampled` in a table) is
 * read as its first. `train --stage NAME …` is read as `train NAME …`, as the CLI does.
 * Empty when the command line would accept it.
 */
export async function commandProblems(
  build: () => Promise<Command>,
  text: string,
): Promise<string[]> {
  const program = await build();
  const quiet = (c: Command) => {
    c.exitOverride();
    c.configureOutput({ writeOut: () => {}, writeErr: () => {} });
    c.commands.forEach(quiet);
  };
  quiet(program);
  const args = shellWords(text)
    .slice(1)
    .map((a) => a.replace(/\\\|/g, '|').replace(/^\[|\]$/g, '')) // `[--bias confident]`: optional, still a flag
    .map((a) => (a.startsWith('-') || !a.includes('|') ? a : a.split('|')[0]))
    .filter((a) => a !== '&');
  let { cmd, rest } = findCommand(program, args);
  const stage = rest.indexOf('--stage');
  if (stage >= 0 && cmd.commands.length) {
    const sub = cmd.commands.find((c) => c.name() === rest[stage + 1]);
    if (!sub) return [`--stage ${rest[stage + 1]}: no such subcommand of ${cmd.name()}`];
    ({ cmd, rest } = { cmd: sub, rest: [...rest.slice(0, stage), ...rest.slice(stage + 2)] });
  }
  const flags = rest.filter((a) => a.startsWith('-'));
  const global = new Set(['--help', '-h', '--version', '-V']);
  const programOption = (a: string) => program.options.some((o) => o.long === a); // --allow-old-checkpoint, --plugin: taken before or after the command
  if (cmd === program) {
    const takesValue = (a: string | undefined) => program.options.some((o) => o.long === a && o.required); // `--plugin FILE`
    return rest.every((a, i) => global.has(a) || programOption(a) || (!a.startsWith('-') && takesValue(rest[i - 1])))
      ? []
      : [`no such command: askfirst ${rest[0]}`];
  }
  if (cmd.commands.length) {
    // `askfirst train` or `askfirst train <stage>` in prose names the group; flags need a command
    return flags.every((f) => global.has(f))
      ? []
      : [
          `askfirst ${cmd.name()} is a command group: name one of its commands (${cmd.commands.map((c) => c.name()).join(', ')}) before ${flags.join(' ')}`,
        ];
  }
  try {
    const { unknown } = cmd.parseOptions(rest.filter((a) => !global.has(a)));
    const bad = unknown.filter((a) => a.startsWith('-') && !programOption(a));
    return bad.length ? [`${bad.join(' ')}: no such option of askfirst ${cmdPath(cmd)}`] : [];
  } catch (e) {
    return [(e as Error).message];
  }
}

function cmdPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** The `askfirst …` lines of every command's --help examples (the text after "Example:" / "Examples:"). */
export function helpExamples(program: Command): { command: string; text: string }[] {
  const out: { command: string; text: string }[] = [];
  const walk = (c: Command) => {
    let help = '';
    c.configureOutput({ writeOut: (s) => (help += s), writeErr: (s) => (help += s) });
    c.outputHelp();
    const at = help.search(/^Examples?:$/m);
    if (at >= 0) {
      for (const l of help.slice(at).split('\n')) {
        if (!/^\s+askfirst /.test(l)) continue;
        out.push({
          command: `askfirst ${cmdPath(c)}`.trim(),
          text: l.trim().replace(/\s{2,}[(#].*$/, ''),
        });
      }
    }
    c.commands.forEach(walk);
  };
  walk(program);
  return out;
}
