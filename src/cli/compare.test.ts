/**
 * `askfirst compare` as a user types it, on real eval runs: three models on one suite compared in LaTeX and JSON, with
 * the figures each run's summary.json records; runs on other data refused in one line before anything is written.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { gapClosed } from '../episode/metrics.js';
import { generateSuite } from '../suite/generate.js';
import { writeSuite } from '../suite/io.js';
import { captureConsole } from '../testing/console.js';
import { tmpDir } from '../testing/tmp.js';
import { EvalCommandSchema } from './eval-schema.js';
import { runEval } from './eval.js';
import { buildProgram } from './main.js';

let root: string;
const askfirst = async (...args: string[]) => (await buildProgram()).parseAsync(['node', 'askfirst', ...args]);
const evalInto = (policy: string, data: string, out: string) => runEval(EvalCommandSchema.parse({ policy: [policy], data, out, progress: false }), () => {});

beforeAll(async () => {
  root = tmpDir('af-compare');
  await writeSuite(join(root, 'suite'), generateSuite({ episodes: 4, seed: 3 }));
  await writeSuite(join(root, 'other'), generateSuite({ episodes: 4, seed: 4 }));
  for (const p of ['oracle', 'always-answer', 'random:1']) await evalInto(p, join(root, 'suite'), join(root, p.replace(':', '-')));
  await evalInto('oracle', join(root, 'other'), join(root, 'other-oracle'));
}, 120_000);

describe('askfirst compare', () => {
  it('writes the table of three runs, each figure the one its summary.json records', async () => {
    const runs = ['oracle', 'always-answer', 'random-1'].map((r) => join(root, r));
    const log = captureConsole('log');
    await askfirst('compare', ...runs, '--labels', 'Oracle,Guesser,Random', '--baseline', runs[1], '--format', 'json', '--out', join(root, 'table.json'), '--no-progress');
    expect(log.lines).toEqual([`table: ${join(root, 'table.json')}`]);
    const t = JSON.parse(readFileSync(join(root, 'table.json'), 'utf8')) as { episodes: number; baseline: string; runs: { label: string; accuracy: { value: number; low: number }; gapClosed: { value: number | null } }[]; pairs: { a: string; b: string }[] };
    expect(t.episodes).toBe(28);
    expect(t.baseline).toBe('Guesser');
    expect(t.runs.map((r) => r.label)).toEqual(['Oracle', 'Guesser', 'Random']);
    type Summary = { modes: Record<'proactive' | 'reference', { accuracy: number }>; intervals: { proactive: { accuracy: { rate: number; low: number } } } };
    const summaryOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
    const base = summaryOf(runs[1]).modes;
    runs.forEach((dir, i) => {
      const s = summaryOf(dir);
      expect(t.runs[i].accuracy.value).toBe(s.intervals.proactive.accuracy.rate);
      expect(t.runs[i].accuracy.value).toBe(s.modes.proactive.accuracy);
      expect(t.runs[i].accuracy.low).toBe(s.intervals.proactive.accuracy.low);
      // gap closed from the accuracies summary.json records, to the last bit
      const g = gapClosed(s.modes.proactive.accuracy, base.proactive.accuracy, base.reference.accuracy, t.episodes);
      expect(t.runs[i].gapClosed.value).toBe(Number.isNaN(g) ? null : g);
    });
    expect(t.pairs.map((p) => `${p.a}-${p.b}`)).toEqual(['Oracle-Guesser', 'Oracle-Random', 'Guesser-Random']);
    await askfirst('compare', ...runs, '--format', 'latex', '--out', join(root, 'table.tex'), '--no-progress');
    expect(readFileSync(join(root, 'table.tex'), 'utf8')).toMatch(/^% askfirst compare: proactive mode, 28 episodes of .*\n% needs \\usepackage\{booktabs\}\n[^]*\\begin\{tabular\}\{lrrrrr\}\n\\toprule\n/);
  });

  it('refuses to replace an existing --out unless --overwrite, and a compared run\'s own files even with it', async () => {
    const runs = ['oracle', 'random-1'].map((r) => join(root, r));
    const summary = join(runs[0], 'summary.json');
    const before = readFileSync(summary, 'utf8');
    await expect(askfirst('compare', ...runs, '--out', summary, '--no-progress')).rejects.toThrow(new RegExp(`^--out ${summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is a file of the compared run ${runs[0].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, which the table would replace`)); // was "already exists: add --overwrite", which then replaced it
    expect(readFileSync(summary, 'utf8')).toBe(before);
    const mine = join(root, 'mine.md');
    writeFileSync(mine, 'my notes\n');
    await expect(askfirst('compare', ...runs, '--out', mine, '--no-progress')).rejects.toThrow(/already exists: add --overwrite/);
    expect(readFileSync(mine, 'utf8')).toBe('my notes\n');
    captureConsole('log');
    await askfirst('compare', ...runs, '--out', mine, '--overwrite', '--no-progress');
    // a compared run's own files, even with --overwrite: it replaced runs/oracle/summary.json with the table
    for (const own of [summary, join(runs[0], 'proactive', 'results.jsonl'), join(runs[1], 'reference', 'run.json')]) {
      const was = readFileSync(own, 'utf8');
      await expect(askfirst('compare', ...runs, '--out', own, '--overwrite', '--no-progress')).rejects.toThrow(/^--out .* is a file of the compared run .*, which the table would replace: give a path outside its summary\.json and mode folders$/);
      expect(readFileSync(own, 'utf8')).toBe(was);
    }
    await askfirst('compare', ...runs, '--out', join(runs[0], 'table.md'), '--no-progress'); // beside the run's files: fine
    expect(readFileSync(mine, 'utf8')).toMatch(/^\*\*proactive mode, 28 episodes of /);
  });

  it('refuses a folder of another command\'s output naming compare, not report', async () => {
    const suite = join(root, 'suite');
    // was: "… not an eval run's results: askfirst report compares askfirst eval runs", from askfirst compare
    await expect(askfirst('compare', join(root, 'oracle'), suite, '--no-progress')).rejects.toThrow(
      new RegExp(`^${suite.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} holds .*, not an eval run's results: askfirst compare compares askfirst eval runs \\(each run's --out\\)$`),
    );
  });

  it('refuses an --out that is a folder, or under a file, before any run is read', async () => {
    const folder = join(root, 'tables');
    mkdirSync(folder);
    // runs that do not exist: had they been read first, the error would be about them (the CLI prints it as one line, "askfirst: --out: …")
    await expect(askfirst('compare', join(root, 'no-run-a'), join(root, 'no-run-b'), '--out', folder, '--no-progress')).rejects.toThrow(new RegExp(`- out: ${folder.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is a folder; give a file name \\(one inside it, say\\)$`));
    const summary = join(root, 'oracle', 'summary.json');
    await expect(askfirst('compare', join(root, 'no-run-a'), join(root, 'no-run-b'), '--out', join(summary, 't.md'), '--no-progress')).rejects.toThrow(/summary\.json is a file, not a folder, so .*t\.md cannot be written under it; give another path$/);
    captureConsole('log');
    await askfirst('compare', join(root, 'oracle'), join(root, 'always-answer'), '--out', join(folder, 'new', 't.md'), '--no-progress'); // a missing folder: made
    expect(readFileSync(join(folder, 'new', 't.md'), 'utf8')).toMatch(/^\*\*proactive mode/);
  });

  it("takes a label with a comma in it, written \\, (--labels 'Qwen\\, 3B,Guesser')", async () => {
    const out = join(root, 'comma.json');
    captureConsole('log');
    await askfirst('compare', join(root, 'oracle'), join(root, 'always-answer'), '--labels', 'Qwen\\, 3B,Guesser', '--format', 'json', '--out', out, '--no-progress');
    expect((JSON.parse(readFileSync(out, 'utf8')) as { runs: { label: string }[] }).runs.map((r) => r.label)).toEqual(['Qwen, 3B', 'Guesser']);
  });

  it('refuses runs on other data in one line, writing nothing', async () => {
    const out = join(root, 'refused.md');
    await expect(askfirst('compare', join(root, 'oracle'), join(root, 'other-oracle'), '--out', out, '--no-progress')).rejects.toThrow(/^the runs played different data \(.*oracle: .*suite \(sha256:.*other-oracle: .*other \(sha256:/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('askfirst report --labels (as compare\'s)', () => {
  it('names the runs in the page and the Markdown; a list of another length is refused before anything is read or written', async () => {
    const runs = ['oracle', 'always-answer'].map((r) => join(root, r));
    const out = join(root, 'report-labelled');
    const log = captureConsole('log');
    await askfirst('report', ...runs, '--labels', 'Oracle,Guesser', '--out', out, '--no-progress');
    expect(log.lines.at(-1)).toBe(`\nreport: ${join(out, 'report.html')} and ${join(out, 'report.md')}`);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toMatch(/^# askfirst eval report: Oracle vs Guesser\n/);
    expect(md).toContain('| Oracle | Guesser |'); // the McNemar pair
    expect(md).not.toMatch(/\| always-answer \|/);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<h1>askfirst eval report: Oracle vs Guesser</h1>');
    const refused = join(root, 'report-refused');
    for (const cmd of ['report', 'compare']) {
      await expect(askfirst(cmd, ...runs, '--labels', 'Oracle', '--out', cmd === 'report' ? refused : join(refused, 't.md'), '--no-progress')).rejects.toThrow(/^--labels gives 1 name for 2 runs: give one per run, in the runs' order$/);
    }
    expect(existsSync(refused)).toBe(false);
  });

  it('prints the per-model table on the terminal unescaped and aligned; report.md keeps it escaped as Markdown', async () => {
    const runs = ['oracle', 'always-answer'].map((r) => join(root, r));
    const out = join(root, 'report-terminal');
    const log = captureConsole('log');
    await askfirst('report', ...runs, '--labels', 'Oracle,Guesser', '--out', out, '--no-progress');
    const table = log.lines[0].split('\n');
    // it printed report.md's Markdown: "| model | episodes | accuracy \\[95 % CI\\] | …", hard to read in a terminal
    expect(log.lines.join('\n')).not.toMatch(/\\[[\]]|\|/);
    expect(table[0]).toBe('proactive mode');
    expect(table[1]).toMatch(/^model {3,}episodes {2,}accuracy \[95 % CI\] {2,}ps-rate \[95 % CI\]/);
    expect(table[2]).toMatch(/^─+( {2}─+){9}$/);
    expect(table[3]).toMatch(/^Oracle +28 +100\.0 % \[\d+\.\d, 100\.0\] /);
    expect(table[4]).toMatch(/^Guesser +28 /);
    expect(new Set(table.slice(1, 5).map((l) => l.length)).size).toBe(1); // columns aligned
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/\| model \| episodes \| accuracy \\\[95 % CI\\\] \|[^]*\| Oracle \| 28 \| 100\.0 % \\\[\d+\.\d, 100\.0\\\] \|/);
  });

  it("replaces a report it wrote, and refuses a report.md or report.html it did not write (a project's own), leaving it as it was", async () => {
    const runs = ['oracle', 'always-answer'].map((r) => join(root, r));
    const out = join(root, 'report-again');
    captureConsole('log');
    await askfirst('report', ...runs, '--out', out, '--no-progress');
    await askfirst('report', ...runs, '--labels', 'A,B', '--out', out, '--no-progress'); // its own: replaced
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/^# askfirst eval report: A vs B\n/);
    const mine = join(root, 'project');
    mkdirSync(mine);
    writeFileSync(join(mine, 'report.md'), '# My project\n\nNotes.\n');
    await expect(askfirst('report', ...runs, '--out', mine, '--no-progress')).rejects.toThrow(
      new RegExp(`^${join(mine, 'report.md').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a report askfirst wrote \\(no "Runs" list\\), and askfirst report would replace it: give another --out, or move it away$`),
    );
    expect(readFileSync(join(mine, 'report.md'), 'utf8')).toBe('# My project\n\nNotes.\n');
    expect(existsSync(join(mine, 'report.html'))).toBe(false);
  });

  it("--help's --baseline names the modes a baseline must have played, whatever --mode is", async () => {
    const program = await buildProgram();
    const baseline = program.commands.find((c) => c.name() === 'compare')!.options.find((o) => o.long === '--baseline')!.description;
    // it said "proactive and reference modes", while `--mode hint` needs a baseline's hint mode (and its reference mode)
    expect(baseline).toMatch(/in the compared --mode and the reference mode/);
    expect(baseline).not.toMatch(/proactive/);
  });

  it('is one declaration, in both --help lines alike', async () => {
    const program = await buildProgram();
    const line = (cmd: string) => program.commands.find((c) => c.name() === cmd)!.options.find((o) => o.long === '--labels')?.description;
    expect(line('report')).toBeDefined();
    expect(line('report')).toBe(line('compare'));
  });
});
