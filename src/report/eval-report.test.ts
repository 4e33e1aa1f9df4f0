/** `askfirst report`'s reading of eval runs: a damaged summary.json is named, not "an unexpected error". */
import { appendFileSync, cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OraclePolicy } from '../agents/baselines/oracle.js';
import { runEpisodes } from '../agents/runner.js';
import { openResults } from '../eval/store.js';
import { evaluate } from '../eval/evaluate.js';
import { dataFingerprint } from '../suite/fingerprint.js';
import type { SuiteEpisode } from '../suite/types.js';
import { chainEpisode } from '../testing/chain-episode.js';
import { tmpDir } from '../testing/tmp.js';
import { generateSuite } from '../suite/generate.js';
import { readSuite, writeSuite } from '../suite/io.js';
import { createViewLoader } from '../suite/loader.js';
import { DataError } from '../util/errors.js';
import type { EpisodeRecord } from '../episode/types.js';
import { mcnemar } from '../util/stats.js';
import { intervalSummary } from '../eval/intervals.js';
import { codeSpanText } from '../testing/code-span.js';
import { mdCell } from './model-card.js';
import { dataOf, pairwiseMcnemar, pValue, readEvalReport, readEvalRun, readFullRecords, renderEvalReport, type EvalRun } from './eval-report.js';

describe('readEvalRun', () => {
  it('a summary.json that does not parse, or is not an object, is a DataError naming the file', async () => {
    const dir = tmpDir('af-report-summary');
    const file = join(dir, 'summary.json');
    for (const [text, msg] of [
      ['{"policy":', /summary\.json: does not parse as JSON \(damaged\?\); re-run the same askfirst eval command/],
      ['null', /summary\.json: must hold one JSON object/],
    ] as const) {
      writeFileSync(file, text);
      const err = await readEvalRun(dir).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataError);
      expect((err as Error).message).toMatch(msg);
    }
  });
});

describe('readEvalRun: only the modes summary.json counts', () => {
  const eps = Array.from({ length: 3 }, (_, i) => chainEpisode(`e${i}`, 3, i % 3));
  const loader = async (ref: SuiteEpisode['views'][number]) => ('image' in ref ? ref.image : Promise.reject(new Error('path')));

  it('a <mode>/results.jsonl summary.json does not count (a stale folder, an unfinished eval) is not read, and the report says so', async () => {
    const dir = tmpDir('af-report-uncounted');
    await evaluate({ episodes: eps, loader, policy: new OraclePolicy(eps), modes: ['proactive'], out: dir, run: { policy: 'oracle', dataFingerprint: 'fp-1' }, batchSize: 1 });
    // a reference folder of another run (other data: 2 episodes) beside it, which this run's summary.json does not count
    const other = tmpDir('af-report-uncounted-other');
    await evaluate({ episodes: eps.slice(0, 2), loader, policy: new OraclePolicy(eps), modes: ['reference'], out: other, run: { policy: 'oracle', dataFingerprint: 'fp-2' }, batchSize: 1 });
    cpSync(join(other, 'reference'), join(dir, 'reference'), { recursive: true });
    const stale = join(dir, 'reference', 'results.jsonl');
    const run = await readEvalRun(dir);
    expect(Object.keys(run.records)).toEqual(['proactive']); // was ['proactive', 'reference']: the other run's 2 episodes reported as this run's
    expect(run.files).toEqual({ proactive: join(dir, 'proactive', 'results.jsonl') });
    expect(run.uncounted).toEqual([stale]);
    const { markdown } = await renderEvalReport([run]);
    expect(markdown).toContain(mdCell(`${stale} is left out: oracle's summary.json does not count that mode (its askfirst eval stopped before it finished, or the file is left from an earlier run).`));
    expect(markdown).not.toContain('## reference mode');

    // nothing counted: the refusal names the uncounted file
    rmSync(join(dir, 'proactive'), { recursive: true });
    await expect(readEvalRun(dir)).rejects.toThrow(`${dir}: no <mode>/results.jsonl with episodes in it (${stale} is not counted by ${join(dir, 'summary.json')}: re-run its askfirst eval command to finish it)`);
  });
});

describe('readEvalRun: a summary.json of another askfirst', () => {
  const eps = Array.from({ length: 2 }, (_, i) => chainEpisode(`e${i}`, 3, i % 3));
  const loader = async (ref: SuiteEpisode['views'][number]) => ('image' in ref ? ref.image : Promise.reject(new Error('path')));
  async function evalRun(summary: Record<string, unknown>): Promise<string> {
    const dir = tmpDir('af-report-format');
    writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary));
    const store = await openResults(join(dir, 'proactive'), { policy: 'oracle', data: 'mem', mode: 'proactive' });
    await runEpisodes(eps, new OraclePolicy(eps), { mode: 'proactive', loader, onRecord: (r) => store.append(r) });
    store.close();
    return dir;
  }

  it('fields it does not know are ignored; a newer version is refused in one line naming the file', async () => {
    expect((await readEvalRun(await evalRun({ policy: 'oracle', addedLater: { x: 1 } }))).label).toBe('oracle');
    expect((await readEvalRun(await evalRun({ format: 'askfirst-eval-summary', version: 1, policy: 'oracle' }))).label).toBe('oracle');
    const dir = await evalRun({ format: 'askfirst-eval-summary', version: 2, policy: 'oracle' });
    await expect(readEvalRun(dir)).rejects.toThrow(
      `${join(dir, 'summary.json')}: written by a newer askfirst (askfirst-eval-summary version 2; this askfirst reads version 1 and older): upgrade askfirst to read it`,
    );
  });

  it('a policy that is not a name is not shown as "[object Object]": the folder names the run', async () => {
    const dir = await evalRun({ policy: { name: 'oracle' } });
    expect((await readEvalRun(dir)).label).toBe(basename(dir));
  });
});

describe('readEvalRun: one record per episode', () => {
  const eps = Array.from({ length: 4 }, (_, i) => chainEpisode(`e${i}`, 3, i % 3));
  const loader = async (ref: SuiteEpisode['views'][number]) => ('image' in ref ? ref.image : Promise.reject(new Error('path')));
  const run = { policy: 'oracle', data: 'mem', mode: 'proactive' };
  /** An eval run directory as askfirst eval leaves it, episodes `from` played into proactive/results.jsonl. */
  async function evalRun(dir: string, from: readonly SuiteEpisode[]): Promise<string> {
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ policy: 'oracle' }));
    const store = await openResults(join(dir, 'proactive'), run);
    await runEpisodes(from, new OraclePolicy(eps), { mode: 'proactive', loader, skip: store.doneIds, onRecord: (r) => store.append(r) });
    store.close();
    return join(dir, 'proactive', 'results.jsonl');
  }

  it('a results.jsonl that records an episode twice (concatenated, merged by hand) is a DataError naming the file, the line and the id', async () => {
    const dir = tmpDir('af-report-dup');
    const file = await evalRun(dir, eps);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const id = (line: string) => (JSON.parse(line) as EpisodeRecord).id;
    appendFileSync(file, lines[1] + '\n'); // the same file appended to itself, in part
    let err = (await readEvalRun(dir).catch((e: unknown) => e)) as DataError;
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toBe(
      `${file}:5: episode "${id(lines[1])}" is recorded a second time (first on line 2, the same record): it would count twice in every metric. Keep one of the two lines (results.jsonl holds one record per episode; was the file concatenated or merged by hand?)`,
    );
    const other = { ...JSON.parse(lines[2]), success: !JSON.parse(lines[2]).success }; // another play of e2
    writeFileSync(file, [lines[0], JSON.stringify(other), lines[1], lines[2]].join('\n') + '\n');
    err = (await readEvalRun(dir).catch((e: unknown) => e)) as DataError;
    expect(err.message).toContain(`results.jsonl:4: episode "${id(lines[2])}" is recorded a second time (first on line 2, another play)`);
    writeFileSync(file, `${lines[0]}\nnull\n`);
    await expect(readEvalRun(dir)).rejects.toThrow(/results\.jsonl:2: not an episode record \(null\); delete that line/);
  });

  it('a run stopped mid-line reads without the cut line, and reads the same once resumed (no episode twice)', async () => {
    const dir = tmpDir('af-report-cut');
    const file = await evalRun(dir, eps.slice(0, 3));
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    appendFileSync(file, lines[2].slice(0, 25)); // killed while appending: part of a line (here of an episode already there)
    const ids = async () => (await readEvalRun(dir)).records.proactive!.map((r) => r.id).sort();
    expect(await ids()).toEqual(['e0', 'e1', 'e2']);
    await evalRun(dir, eps); // resumed: the store drops the cut line, plays e3
    expect(await ids()).toEqual(['e0', 'e1', 'e2', 'e3']);
  });
});

describe('readEvalRun: an eval run that has not finished', () => {
  const eps = Array.from({ length: 4 }, (_, i) => chainEpisode(`e${i}`, 3, i % 3));
  const loader = async (ref: SuiteEpisode['views'][number]) => ('image' in ref ? ref.image : Promise.reject(new Error('path')));
  /** proactive/ as askfirst eval leaves it with the episodes `from` played. */
  async function play(dir: string, from: readonly SuiteEpisode[]): Promise<void> {
    const store = await openResults(join(dir, 'proactive'), { policy: 'oracle', data: 'mem', mode: 'proactive' });
    await runEpisodes(from, new OraclePolicy(eps), { mode: 'proactive', loader, skip: store.doneIds, onRecord: (r) => store.append(r) });
    store.close();
  }

  it('stopped before its summary.json: says the run is unfinished and how to finish it, not "give an eval run\'s --out"', async () => {
    const dir = tmpDir('af-report-unfinished');
    await play(dir, eps.slice(0, 2));
    await expect(readEvalRun(dir)).rejects.toThrow(
      `${dir} holds an askfirst eval run that has not finished (${join(dir, 'proactive', 'run.json')}, but no summary.json, which eval writes once every episode is played): re-run its askfirst eval command (the same --policy, --data and --out) to finish it, then report it`,
    );
    const empty = tmpDir('af-report-nothing'); // a folder of nobody's output is still told what to give
    await expect(readEvalRun(empty)).rejects.toThrow(`${empty}: no summary.json — give the --out directory of an askfirst eval run`);
  });

  it('records fewer than its summary.json counts (an --overwrite stopped part-way): refused, not read as that summary\'s run', async () => {
    const dir = tmpDir('af-report-stale');
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ policy: 'oracle', modes: { proactive: { episodes: 4 } } }));
    await play(dir, eps.slice(0, 1));
    const file = join(dir, 'proactive', 'results.jsonl');
    await expect(readEvalRun(dir)).rejects.toThrow(
      `${file}: holds 1 proactive episode, but ${join(dir, 'summary.json')} counts 4: the run was started again (--overwrite, other --data or --limit) and has not finished, or the file was edited; re-run its askfirst eval command (the same --policy, --data and --out) to finish it, then report it`,
    );
    await play(dir, eps); // finished: the counts agree
    expect((await readEvalRun(dir)).records.proactive).toHaveLength(4);
  });
});

describe('readEvalRun: what it holds', () => {
  const eps = Array.from({ length: 4 }, (_, i) => chainEpisode(`e${i}`, 3, i % 3));
  const loader = async (ref: SuiteEpisode['views'][number]) => ('image' in ref ? ref.image : Promise.reject(new Error('path')));

  it('keeps the records without their text; the examples read theirs again from results.jsonl, only the ids asked for', async () => {
    const dir = tmpDir('af-report-text');
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ policy: 'oracle' }));
    const store = await openResults(join(dir, 'proactive'), { policy: 'oracle', data: 'mem', mode: 'proactive' });
    await runEpisodes(eps, new OraclePolicy(eps), { mode: 'proactive', loader, skip: store.doneIds, onRecord: (r) => store.append(r) });
    store.close();
    const file = join(dir, 'proactive', 'results.jsonl');
    const onFile = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as EpisodeRecord);
    expect(onFile[0].replies.length && onFile[0].prompts?.length && onFile[0].parsed?.length && onFile[0].targets?.length).toBeTruthy();

    const run = await readEvalRun(dir);
    const held = run.records.proactive!;
    // every figure's field, none of the per-turn text (it was every record held whole, and its JSON besides), no views,
    // and of the per-turn lists only what the figures read: the first move and the last view's informativeness
    expect(onFile.some((r) => r.actions.length > 1)).toBe(true);
    expect(held).toEqual(
      onFile.map(({ replies: _r, prompts: _p, parsed: _pa, targets: _t, views: _v, actions, informative, ...core }) => ({ ...core, actions: [actions[0]], informative: [informative!.at(-1)] })),
    );
    for (const r of held) expect(Object.keys(r)).not.toEqual(expect.arrayContaining([expect.stringMatching(/^(replies|prompts|parsed|targets|views)$/)]));
    // the same figures as from the records whole
    expect(intervalSummary(held)).toEqual(intervalSummary(onFile));
    expect(JSON.stringify(held)).not.toContain(onFile[0].prompts![0]);
    expect(run.files).toEqual({ proactive: file });

    const two = await readFullRecords(file, new Set(['e3', 'e1']));
    expect([...two.keys()].sort()).toEqual(['e1', 'e3']);
    expect(two.get('e3')).toEqual(onFile.find((r) => r.id === 'e3'));
    await expect(readFullRecords(file, new Set(['e9']))).rejects.toThrow(/results\.jsonl: episode "e9" is no longer in it .*run askfirst report again/);

    // the page shows each example's replies, prompts, options read and right, read back from the file
    const { markdown, html } = await renderEvalReport([run]);
    for (const r of onFile) {
      expect(markdown).toContain(`#### ${r.id} (`);
      expect(markdown).toContain(`read as ${mdCell(r.parsed![0]!)}; right: ${mdCell(r.targets![0])}`);
      expect(html).toContain(`<pre>${r.prompts![0].replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')}</pre>`);
    }
  });
});

describe('readEvalReport', () => {
  it('refuses a run given twice (by the same or another spelling of its path), before reading anything', async () => {
    const dir = tmpDir('af-report-twice');
    await expect(readEvalReport([dir, dir])).rejects.toThrow(/is given twice: a run compared with itself shows no difference; give each run once/);
    await expect(readEvalReport([dir, `${dir}/.`])).rejects.toThrow(/is given twice \(as .*\)/);
  });
});

describe('pairwiseMcnemar', () => {
  const run = (label: string, outcomes: [string, boolean][]): EvalRun => ({
    dir: label,
    label,
    summary: {},
    records: { proactive: outcomes.map(([id, success]) => ({ id, success }) as EpisodeRecord) },
    intervals: {},
  });
  it("gives each run's accuracy on the shared episodes, and none (not 0 %) when the runs share no episode", () => {
    const a = run('a', [['e1', true], ['e2', true], ['e3', false]]);
    const b = run('b', [['e2', false], ['e3', true], ['e4', true]]);
    expect(pairwiseMcnemar([a, b], 'proactive')[0]).toMatchObject({ n: 2, onlyA: 1, onlyB: 1, accA: 0.5, accB: 0.5 });
    // other data: no shared id, so no accuracy to show — it said 0.0 % for both runs, right on every episode
    const other = run('other', [['x1', true], ['x2', true]]);
    expect(pairwiseMcnemar([a, other], 'proactive')[0]).toMatchObject({ n: 0, accA: null, accB: null, pExact: 1, chi2: 0 });
  });
});

describe('pValue (the pair tables\' exact p)', () => {
  const pair = (b: number, c: number) => mcnemar([...Array(b).fill(true), ...Array(c).fill(false)], [...Array(b).fill(false), ...Array(c).fill(true)]);
  it('4 decimals, exponent form below 0.001, and a p below the doubles read from its log10 rather than as 0', () => {
    expect(pValue(pair(2, 8))).toBe('0.1094');
    expect(pValue(pair(10, 0))).toBe('0.0020'); // 2^−9 = 0.00195
    expect(pValue(pair(11, 0))).toBe('9.77e-4'); // 2^−10, not '0.0010'
    expect(pValue(pair(13, 0))).toBe('2.44e-4'); // 2^−12, not '0.0002' (one digit)
    expect(pValue({ pExact: 1.13e-4, log10PExact: Math.log10(1.13e-4) })).toBe('1.13e-4'); // not '0.0001'
    expect(pValue(pair(3, 3))).toBe('1.0000');
    expect(pValue(pair(40, 0))).toBe((2 * 0.5 ** 40).toExponential(2)); // 1.82e-12
    expect(pValue(pair(1075, 0))).toBe('4.94e-324'); // 2^−1074, a denormal the double prints as 5e-324
    expect(pValue(pair(2000, 0))).toBe('1.74e-602'); // 2^−1999; pExact is 0 here
    expect(pValue({ pExact: 0, log10PExact: -99.99999 })).toBe('1.00e-100'); // a mantissa rounding up to 10 carries
  });
});

describe('renderEvalReport: the per-model table', () => {
  /** A one-turn record ending as `outcome` (its action the one that ends so), on a control episode or not. */
  const rec = (id: string, outcome: EpisodeRecord['outcome'], control = false): EpisodeRecord => {
    const action: EpisodeRecord['actions'][number] =
      outcome === 'invalid-intervention' ? { type: 'intervention', option: 1, intervention: 1, valid: false }
      : outcome === 'abstain' ? { type: 'abstain', option: 2, intervention: 2 }
      : outcome === 'unparseable' ? { type: 'unparseable' }
      : { type: 'category', option: 3, category: 0, correct: outcome === 'correct' };
    return {
      id, kind: 'sketch', mode: 'proactive', control, success: outcome === 'correct', outcome, turns: 1, interventions: 0, ps: 0,
      minInterventions: control ? 0 : 1, guessed: !control && action.type === 'category', replies: ['x'], actions: [action], views: [0],
    };
  };
  it('shows invalid interventions and unparseable replies apart, and abstaining at once on the controls beside over-asking', async () => {
    const records = [
      rec('a', 'invalid-intervention'),
      rec('b', 'unparseable'),
      rec('c', 'unparseable'),
      rec('d', 'unparseable'),
      rec('e', 'correct'),
      rec('f', 'abstain', true),
      rec('g', 'correct', true),
      rec('h', 'invalid-intervention', true), // asked (an intervention not valid here) on a control: over-asking
    ];
    const run: EvalRun = { dir: 'r', label: 'm', summary: {}, records: { proactive: records }, intervals: { proactive: intervalSummary(records) } };
    const { markdownTable, html } = await renderEvalReport([run]);
    const cells = (l: string) => l.split('|').slice(1, -1).map((c) => c.trim());
    const [head, , row] = markdownTable.split('\n').slice(1).map(cells);
    const col = Object.fromEntries(head.map((h, i) => [h, row[i]]));
    expect(col).toMatchObject({
      'invalid intervention': expect.stringMatching(/^25\.0 % \\\[/), // 2 of 8
      unparseable: expect.stringMatching(/^37\.5 % \\\[/), // 3 of 8
      'over-asking (controls)': expect.stringMatching(/^33\.3 % \\\[/), // 1 of 3
      'abstained at once (controls)': expect.stringMatching(/^33\.3 % \\\[/), // 1 of 3
    });
    // in HTML, ten columns on one line each are wider than the page: each interval goes under its rate
    expect(html).toContain('<table class="stack">');
    expect(html).toMatch(/<td class="num">25\.0 %<br><span class="ci">\[\d/);
  });
  it("says a ps-rate interval cut at 0 was cut, in report.md and under the figure in report.html", async () => {
    const asked = (id: string): EpisodeRecord => ({ ...rec(id, 'correct'), turns: 2, interventions: 1, ps: 1 });
    const records = [rec('a', 'correct'), asked('b')]; // 0 and 1 suggestion: 0.50 ± 6.35, below 0
    const run: EvalRun = { dir: 'r', label: 'm', summary: {}, records: { proactive: records }, intervals: { proactive: intervalSummary(records) } };
    const { markdownTable, html } = await renderEvalReport([run]);
    expect(markdownTable).toContain('| 0.50 \\[0.00, 6.85\\] (cut to the range) |');
    expect(html).toContain('<td class="num">0.50<br><span class="ci">[0.00, 6.85] (cut to the range)</span></td>');
  });
});

describe("renderEvalReport: a suite's own strings", () => {
  // a user's episodes.jsonl may put any text in ids, category and intervention options and variants (episode/validate.ts),
  // a policy spec may be any path: every one must reach the reader as text, in the page and in report.md
  const EVIL = `<script>alert(1)</script> "quotes' &amp; |`;
  const rec: EpisodeRecord = {
    id: `${EVIL} id0`, kind: 'sketch', mode: 'proactive', control: false, success: false, outcome: 'wrong-category', turns: 1, interventions: 0, ps: 0,
    minInterventions: 1, guessed: true, replies: [`${EVIL} cat`], actions: [{ type: 'category', option: 1, category: 0, correct: false }], views: [0],
    parsed: [`B. ${EVIL} cat`], targets: [`A. ${EVIL} ask`],
  };
  const run: EvalRun = { dir: 'r', label: `scripted:${EVIL}.jsonl`, summary: {}, records: { proactive: [rec] }, intervals: { proactive: intervalSummary([rec]) } };

  it('report.md escapes them in the example episodes, the runs list and the title (no raw tag, no entity read as "&")', async () => {
    const { markdown, html } = await renderEvalReport([run], { title: `compare ${EVIL}` });
    const esc = `\\<script\\>alert(1)\\</script\\> "quotes' \\&amp; \\|`;
    expect(markdown).toContain(`# compare ${esc}`);
    expect(markdown).toContain(`#### ${esc} id0 (sketch)`);
    expect(markdown).toContain(`- **scripted:${esc}.jsonl** → wrong-category`);
    expect(markdown).toContain(`read as B. ${esc} cat; right: A. ${esc} ask`);
    // turns counted from 1, as report.html of the demo does (views keep their index in the episode)
    expect(markdown).toContain('  - turn 1 (view 0): reply');
    expect(html).toContain('<div class="reply">turn 1: reply');
    // outside a code span (the raw reply), no tag and no bare entity is left anywhere
    const prose = markdown.replace(/`[^`\n]*`/g, '');
    expect(prose).not.toMatch(/(?<!\\)<script/);
    expect(prose).not.toMatch(/(?<!\\)&amp;/);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &quot;quotes&#39; &amp;amp; |');
  });
});

describe('renderEvalReport: replies with backticks', () => {
  it("report.md shows each reply as written (a code span fenced by mdCode), not with its backticks turned into '", async () => {
    const replies = ['I would `zoom in` first', '`A', 'B``', '``'];
    const rec: EpisodeRecord = {
      id: 'e0', kind: 'sketch', mode: 'proactive', control: false, success: false, outcome: 'wrong-category', turns: replies.length, interventions: 0, ps: 0,
      minInterventions: 1, guessed: true, replies, actions: replies.map(() => ({ type: 'unparseable' as const })), views: replies.map((_, i) => i),
    };
    const run: EvalRun = { dir: 'r', label: 'scripted', summary: {}, records: { proactive: [rec] }, intervals: { proactive: intervalSummary([rec]) } };
    const { markdown } = await renderEvalReport([run]);
    const shown = replies.map((_, t) => {
      const line = markdown.split('\n').find((l) => l.startsWith(`  - turn ${t + 1} (view ${t}): reply `))!;
      return codeSpanText(line.slice(line.indexOf(': reply ') + ': reply '.length));
    });
    expect(shown).toEqual(replies.map((r) => JSON.stringify(r)));
  });
});

describe('renderEvalReport: a run whose summary.json records less (an older askfirst)', () => {
  const rec = (id: string, success: boolean): EpisodeRecord => ({
    id, kind: 'sketch', mode: 'proactive', control: false, success, outcome: success ? 'correct' : 'wrong-category', turns: 1, interventions: 0, ps: 0,
    minInterventions: 1, guessed: true, replies: ['A'], actions: [{ type: 'category', option: 0, category: 0, correct: success }], views: [0],
  });
  const records = [rec('a', true), rec('b', false)];
  const run = (label: string, summary: Record<string, unknown>): EvalRun => ({ dir: label, label, summary, records: { proactive: records }, intervals: { proactive: intervalSummary(records) } });
  const recorded = (fingerprint: string) => ({ policy: 'x', dataInfo: { spec: 'suite:/nowhere', fingerprint }, provenance: { askfirstVersion: '0.1.0', gitCommit: 'abc', date: 'd' } });

  it('is said not to record its data, not to have been made on other data, and its provenance is "not recorded", not "no git"', async () => {
    const { markdown, html } = await renderEvalReport([run('old', { policy: 'old' }), run('new', recorded('sha256:1'))]);
    expect(markdown).not.toContain('different data');
    expect(markdown).toContain('The data of old is not recorded in its summary.json (written by an older askfirst, or by hand: askfirst eval and evaluate() record it), so whether the runs played the same data is not known');
    expect(markdown).toContain('- old: old · data not recorded · askfirst version not recorded');
    expect(markdown).toContain('- new: new · data suite:/nowhere (sha256:1…) · askfirst 0.1.0 @ abc · d');
    expect(html).not.toMatch(/data – \(–…\)|no git/);
  });

  it('a mode one run played no episode in is said to be left out, naming that run (it vanished without a word)', async () => {
    const none: EvalRun = { ...run('empty', recorded('sha256:1')), records: { proactive: [], reference: records }, intervals: { reference: intervalSummary(records) } };
    const both: EvalRun = { ...run('both', recorded('sha256:1')), records: { proactive: records, reference: records }, intervals: { proactive: intervalSummary(records), reference: intervalSummary(records) } };
    const { markdown, html } = await renderEvalReport([both, none]);
    expect(markdown).toContain('> The proactive mode is left out: empty played no episode in it (a mode is compared only when every run played it).');
    expect(markdown).not.toContain('## proactive mode');
    expect(html).toContain('The proactive mode is left out: empty played no episode in it');
    expect((await renderEvalReport([both, both].map((r, i) => ({ ...r, label: `r${i}` })))).markdown).not.toContain('left out');
  });

  it('runs on the same data get no note; runs on other data get the one that says so', async () => {
    expect((await renderEvalReport([run('p', recorded('sha256:1')), run('q', recorded('sha256:1'))])).markdown).not.toMatch(/different data|not recorded/);
    expect((await renderEvalReport([run('p', recorded('sha256:1')), run('q', recorded('sha256:2'))])).markdown).toContain('The runs were made on different data');
  });
});

describe('readEvalReport: data that changed since the runs played it', () => {
  it("shows no other episode's views beside a record: the data generated again is said to be so, its images left out", async () => {
    const d = tmpDir('af-report-stale-data');
    const suite = join(d, 'suite');
    await writeSuite(suite, generateSuite({ episodes: 2, seed: 5, size: 32 }));
    const eps = await readSuite(suite);
    for (const name of ['a', 'b']) {
      const store = await openResults(join(d, name, 'proactive'), { policy: name });
      await runEpisodes(eps, new OraclePolicy(eps), { mode: 'proactive', loader: createViewLoader(suite), onRecord: (r) => store.append(r) });
      store.close();
      writeFileSync(join(d, name, 'summary.json'), JSON.stringify({ policy: name, dataInfo: { spec: `suite:${suite}` } }));
    }
    const runs = [join(d, 'a'), join(d, 'b')];
    let rep = await readEvalReport(runs);
    expect(rep.html).toContain('<img src="data:image/png');
    expect(rep.markdown).not.toContain('is not what the runs played');

    rmSync(suite, { recursive: true });
    await writeSuite(suite, generateSuite({ episodes: 2, seed: 6, size: 32 })); // the same ids, other episodes
    rep = await readEvalReport(runs);
    expect(rep.markdown).toMatch(new RegExp(`^> The data suite:${suite.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not what the runs played: its episode \\S+ shows another prompt than its record \\(the suite was generated again or edited since\\), so example episodes show no images\\.$`, 'm'));
    expect(rep.html).toContain('is not what the runs played');
    expect(rep.html).not.toContain('<img src="data:image'); // were the new suite's views, beside the old episodes' replies
  });
});

describe("the library's evaluate() runs", () => {
  const loader = async (ref: SuiteEpisode['views'][number]) => ('image' in ref ? ref.image : Promise.reject(new Error('path')));

  it('record their data, so a report tells two on other data apart (was: "not recorded" for both, the check skipped)', async () => {
    const eps = Array.from({ length: 3 }, (_, i) => chainEpisode(`e${i}`, 3, i % 3));
    const [a, b] = [tmpDir('af-report-lib-a'), tmpDir('af-report-lib-b')];
    await evaluate({ episodes: eps, loader, policy: new OraclePolicy(eps), modes: ['proactive'], out: a, batchSize: 1 });
    const other = eps.map((e, i) => (i === 0 ? chainEpisode('e0', 3, 1) : e)); // episode e0 other (its answer), the ids the same
    await evaluate({ episodes: other, loader, policy: new OraclePolicy(other), modes: ['proactive'], out: b, batchSize: 1 });
    const runs = await Promise.all([a, b].map((d) => readEvalRun(d)));
    expect(runs.map((r) => dataOf(r).fingerprint)).toEqual([await dataFingerprint(eps), await dataFingerprint(other)]);
    runs[1].label = 'other';
    const { markdown } = await renderEvalReport(runs);
    expect(markdown).toContain('The runs were made on different data');
    expect(markdown).not.toContain('not recorded in');
  });

  it('keep a fingerprint the caller gives (run.dataFingerprint, summaryExtra.dataInfo), and add one to a dataInfo without it', async () => {
    const eps = Array.from({ length: 2 }, (_, i) => chainEpisode(`e${i}`, 3, i % 3));
    const summaryOf = (d: string) => JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')) as Record<string, unknown>;
    const d1 = tmpDir('af-report-lib-given');
    await evaluate({ episodes: eps, loader, policy: new OraclePolicy(eps), modes: ['proactive'], out: d1, run: { dataFingerprint: 'fp-1' }, batchSize: 1 });
    expect(summaryOf(d1).dataInfo).toBeUndefined();
    expect(summaryOf(d1).dataFingerprint).toBe('fp-1');
    const d2 = tmpDir('af-report-lib-extra');
    await evaluate({ episodes: eps, loader, policy: new OraclePolicy(eps), modes: ['proactive'], out: d2, summaryExtra: { dataInfo: { spec: 'mine', fingerprint: 'fp-2' } }, batchSize: 1 });
    expect(summaryOf(d2).dataInfo).toEqual({ spec: 'mine', fingerprint: 'fp-2' });
    const d3 = tmpDir('af-report-lib-spec');
    await evaluate({ episodes: eps, loader, policy: new OraclePolicy(eps), modes: ['proactive'], out: d3, summaryExtra: { dataInfo: { spec: 'mine' } }, batchSize: 1 });
    expect(summaryOf(d3).dataInfo).toEqual({ episodes: 2, spec: 'mine', fingerprint: await dataFingerprint(eps) });
  });
});
