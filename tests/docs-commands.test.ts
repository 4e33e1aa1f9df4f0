/**
 * The commands and flags README.md, docs/*.md and the integrations READMEs show, against the real command line: every
 * `askfirst …` of a code block or an inline code span names a real command and only flags (and
 * choice values) it has, and every `--flag` named anywhere, in prose or tables, is a flag of some
 * askfirst command or one of the other tools' listed below; the `askfirst …` lines of every command's
 * --help examples are parsed the same way. tests/readme.test.ts runs the README's quick start; this
 * catches a page or an example going stale when a flag is renamed. docs/transfer.md is a
 * research log whose commands are historical (flags since renamed included): not checked.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli/main.js';
import {
  allFlags,
  commandProblems,
  docCommands,
  docFlags,
  docPages,
  helpExamples,
} from '../src/testing/doc-commands.js';

const root = resolve(import.meta.dirname, '..');
const PAGES = docPages(root);

/** Flags the pages name that are not askfirst's: each with where it comes from. */
const OTHER_FLAGS: Record<string, string> = {
  '--logdir': 'tensorboard --logdir runs',
  '--model': 'integrations/trl/train_grpo.py (docs/train-a-real-vlm.md)',
  '--train': "OpenRLHF's --train.agent_func_path (docs/train-a-real-vlm.md)",
  '--include': "lmms-eval's --include_path (README.md, the lmms-eval task)",
  '--gao-which-bound': 'a branch never merged, named as such (docs/feedback-rlhf.md)',
  '--mcp': "bench/env.ts's transports (docs/environment-server.md)",
  '--client': "bench/env.ts's HTTP client for POST /mcp (docs/environment-server.md)",
  '--target-steps-per-second': "bench/env.ts's speed target, its pass (docs/environment-server.md)",
  '--output': "lmms-eval's --output_path (integrations/README.md)",
  '--multi-turn': 'integrations/trl/train_grpo.py (integrations/trl/README.md)',
  '--max-completion-length': "integrations/trl/train_grpo.py, TRL's GRPOConfig (integrations/trl/README.md)",
  '--runtime-env-json': "Ray's job submit (integrations/verl, openrlhf READMEs)",
  '--trl': 'integrations/verl/make_verl_data.py (integrations/verl/README.md)',
  '--remote': "OpenRLHF's former --remote_rm_url (integrations/openrlhf/README.md)",
  '--rollout': "OpenRLHF's --rollout.max_new_tokens (integrations/openrlhf/README.md)",
  '--x': 'the shape of a refusal, `--x does not apply <when>` (docs/architecture.md §6)',
};

async function pageProblems(page: string, md: string): Promise<string[]> {
  const problems: string[] = [];
  for (const c of docCommands(md)) {
    for (const p of await commandProblems(buildProgram, c.text))
      problems.push(`${page}:${c.line}: ${c.text}\n    ${p}`);
  }
  const known = allFlags(await buildProgram());
  for (const { line, flag } of docFlags(md)) {
    if (!known.has(flag) && !(flag in OTHER_FLAGS))
      problems.push(`${page}:${line}: ${flag} is no flag of any askfirst command`);
  }
  return problems;
}

/**
 * Other tools' commands the docs (and the lmms-eval tasks' YAML comments, the export's dataset card) spell as no
 * installation of them does, each with the right spelling and where it comes from.
 */
const MISSPELT_COMMANDS: Record<string, string> = {
  lmms_eval:
    "lmms-eval (or python -m lmms_eval): the console script lmms-eval's pyproject.toml [project.scripts] installs, v0.4 to main 75571cf; there is no lmms_eval command",
};
const MISSPELT_IN = [
  ...PAGES,
  'integrations/README.md',
  ...['trl', 'verl', 'openrlhf'].map((d) => `integrations/${d}/README.md`),
  ...['askfirst_first_turn/askfirst_first_turn.yaml', 'askfirst_episode/askfirst_episode.yaml', 'askfirst_episode/askfirst_episode_reference.yaml'].map((f) => `integrations/lmms_eval/${f}`),
  'src/environment/lmms-eval-export.ts',
];

describe('the commands and flags the docs show', () => {
  it("spells other tools' commands as they install them", () => {
    const problems: string[] = [];
    for (const file of MISSPELT_IN) {
      readFileSync(join(root, file), 'utf8').split('\n').forEach((l, i) => {
        for (const [word, right] of Object.entries(MISSPELT_COMMANDS)) {
          // a command: the word first on a line (a code block, a YAML comment) or in a code span, flags after it
          if (new RegExp(`(^[#\\s]*|\`)${word} --`).test(l)) problems.push(`${file}:${i + 1}: ${word} → ${right}`);
        }
      });
    }
    expect(problems).toEqual([]);
  });


  it('finds the commands of code blocks and inline spans, and reports a flag no command has', async () => {
    const md = [
      'Run `askfirst eval --policy oracle --data suite',
      '--out runs/o --made-up 3` or `askfirst train --stage rl --init a --out b --nope`.',
      '```bash',
      'for s in 0 1; do npx askfirst demo --seed $s --out runs/s-$s --quick; done   # fine',
      'npx askfirst export --format parquet --data suite --out x &',
      'askfirst train --lr 1',
      '```',
      'Prose: `--made-up-too` and `askfirst train reward --variant fact\\|plain`, `askfirst train <stage>`.',
    ].join('\n');
    expect(docCommands(md).map((c) => `${c.line} ${c.text}`)).toEqual([
      '4 askfirst demo --seed $s --out runs/s-$s --quick',
      '5 askfirst export --format parquet --data suite --out x',
      '6 askfirst train --lr 1',
      '1 askfirst eval --policy oracle --data suite --out runs/o --made-up 3',
      '2 askfirst train --stage rl --init a --out b --nope',
      '8 askfirst train reward --variant fact\\|plain',
      '8 askfirst train <stage>',
    ]);
    const problems = await pageProblems('x.md', md);
    expect(problems).toHaveLength(7);
    expect(problems[0]).toMatch(/^x\.md:5: .*\n.*parquet/); // not a choice of --format
    expect(problems[1]).toMatch(
      /^x\.md:6: .*\n {4}askfirst train is a command group: name one of its commands \(supervised, rl, .*\) before --lr$/,
    );
    expect(problems[2]).toMatch(/^x\.md:1: .*\n {4}--made-up: no such option of askfirst eval$/);
    expect(problems[3]).toMatch(/^x\.md:2: .*\n {4}--nope: no such option of askfirst train rl$/);
    expect(problems.slice(4)).toEqual([
      'x.md:2: --made-up is no flag of any askfirst command',
      'x.md:2: --nope is no flag of any askfirst command',
      'x.md:8: --made-up-too is no flag of any askfirst command',
    ]);
  });

  it.each(PAGES)('%s', async (page) => {
    const md = readFileSync(join(root, page), 'utf8');
    expect(await pageProblems(page, md)).toEqual([]);
  });

  it("every --help's examples", async () => {
    const examples = helpExamples(await buildProgram());
    expect(examples.length).toBeGreaterThan(20);
    expect(examples).toContainEqual({
      command: 'askfirst probe injection',
      text: 'askfirst probe injection --policy ocr-follow --out runs/inj-ocr',
    });
    const problems: string[] = [];
    for (const e of examples) {
      for (const p of await commandProblems(buildProgram, e.text))
        problems.push(`${e.command} --help: ${e.text}\n    ${p}`);
    }
    expect(problems).toEqual([]);
  });

  it('checks every page of docs/ but the research log, and each shows commands', () => {
    expect(PAGES.length).toBeGreaterThanOrEqual(10);
    for (const page of PAGES)
      expect(docCommands(readFileSync(join(root, page), 'utf8')).length, page).toBeGreaterThan(0);
  });
});
