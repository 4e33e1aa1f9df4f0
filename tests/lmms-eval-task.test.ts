/**
 * The lmms-eval task (integrations/lmms_eval/askfirst_first_turn): exports made with the CLI (`askfirst export --format
 * lmms-eval`, of an askfirst suite and of ProactiveBench's own entries: its ImageNet-C entries offer interventions that
 * are not valid, and abstain at other letters; its ROD entries' first view counts no category), the task's YAML and utils.py run by
 * /usr/bin/python3 as lmms-eval runs them (integrations/tests/test_lmms_eval_task.py: PyYAML and PIL, no lmms-eval).
 * Every reply of a set is read by utils.py and by askfirst (`parseReply` after the HTTP policy's `stripThinking`) and
 * must be read alike; a scripted model's rates, aggregated as lmms-eval aggregates them, must be askfirst's
 * (episode/metrics.ts) on the same first replies.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parquetReadObjects } from 'hyparquet';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeMetrics, gapClosed, guessKnown, MIN_GAP_EPISODES } from '../src/episode/metrics.js';
import { optionLetter, parseReply, pyStrip } from '../src/episode/parse.js';
import { shownOptions } from '../src/episode/prompt.js';
import { EpisodeState } from '../src/episode/state.js';
import { stripThinking } from '../src/episode/thinking.js';
import type { EpisodeRecord, ParsedAction } from '../src/episode/types.js';
import { SCENARIO_KINDS } from '../src/suite/kinds/names.js';
import { loadData } from '../src/suite/open.js';
import type { SuiteEpisode } from '../src/suite/types.js';
import { runCli } from '../src/testing/cli-kill.js';
import { familyReplies } from '../src/testing/reasoning-replies.js';
import { tmpDir } from '../src/testing/tmp.js';
import { hasPythonModule, requireDep, SYSTEM_PYTHON } from '../src/testing/system-deps.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');

const skip = requireDep(hasPythonModule('yaml') && hasPythonModule('PIL'), 'python3-yaml and python3-pil for /usr/bin/python3', 'python3-yaml python3-pil');

interface Row {
  episode_id: string;
  view: number;
  control: boolean;
  options: string[];
  answer_letter: string;
  intervention_letters: string[];
  abstain_letters: string[];
  valid_intervention_letters: string[];
  view_informative: boolean | null;
}
type PyParsed = { type: 'category'; option: number; correct: boolean } | { type: 'intervention'; option: number; valid: boolean } | { type: 'abstain'; option: number } | { type: 'unparseable' };

/** askfirst's reading of a reply, in the shape utils.py's parse_reply gives it. */
function tsParsed(a: ParsedAction): PyParsed {
  if (a.type === 'category') return { type: 'category', option: a.option, correct: a.correct };
  if (a.type === 'intervention') return { type: 'intervention', option: a.option, valid: a.valid };
  if (a.type === 'abstain') return { type: 'abstain', option: a.option };
  return { type: 'unparseable' };
}

/** Replies that probe every rule of the matching: letters, texts, prefixes, whitespace of both languages, reasoning blocks. */
function repliesFor(r: Row): string[] {
  const out = ['', 'nonsense', 'Z.', 'z', '[.', 'The answer is B.', 'B) tree', 'AB.', 'ab', '#.', '.', 'İ.', 'ı.', 'K.', 'ſ'];
  r.options.forEach((o, i) => {
    const l = optionLetter(i);
    out.push(l, `${l}.`, `${l.toLowerCase()}.`, ` ${l}. `, `${l}. ${o}`, `${l}.${o}`, o, o.toUpperCase(), o.toLowerCase(), o.replaceAll(' ', ''), `  ${o}\n`);
    out.push(`Q. ${o}`, `x. ${o}`, `${l}\u00a0.`, `\u00a0${l}.`, `\u3000${o}\u3000`, `\x1c${l}.\x1f`, `\ufeff${l}.`, `\u0085${o}`, `${o}.`, `${o}\tx`, o.replace(' ', '\u00a0'));
    out.push(`<think>I would say ${l}.</think>${l}.`, `<THINK>\n${o}\n</Think>\n\n${o}`, `<think>${l}.`, `\x1c<think>x</think>${l}.`, `\ufeff<think>x</think> ${l}.`, `<think>a</think><think>b</think>${l}`, `<\u212Aink>x</think>${l}.`);
    // every VLM family's reasoning markup (episode/thinking.ts): Gemma 4, Kimi-VL, harmony, a block opened in the prompt
    out.push(...Object.values(familyReplies(`${l}.`)), ...Object.values(familyReplies(`\u3000${o}`)), `<|channel>thought\n${l}.`, `${l}. ◁think▷x◁/think▷`, `x</think>y</think>${l}.`, `<|CHANNEL>x<Channel|>${l}.`, `◁think▷a◁/think▷◁think▷b◁/think▷${l}.`, `\u2028<|channel|>analysis<|message|>x<|end|><|start|>assistant<|channel|>final<|message|>${o}`);
    // GLM's answer wrappers (episode/thinking.ts): <answer> as the whole reply only, a box also amid text (one pair of its markers), whitespace of both languages around them
    out.push(`<answer>\x1c${l}.\u0085</answer>`, `\ufeff<ANSWER>${o}\u3000`, `<answer>${l}.</answer> ${o}`, `<|begin_of_box|>${l}.`, `The answer is <|begin_of_box|>${l}.<|end_of_box|>`, `<|begin_of_box|><answer>${l}.</answer><|end_of_box|>`, `x</think><answer><|Begin_Of_Box|>\u2028${o}<|end_of_box|></answer>\n`);
    out.push(`so\u3000<|begin_of_box|>\x1c${o}\u0085<|end_of_box|>.`, `<answer>It is <|begin_of_box|>${l}<|end_of_box|> here</answer>`, `<|begin_of_box|>${l}<|end_of_box|> or <|begin_of_box|>Z<|end_of_box|>`, `x<|end_of_box|> <|begin_of_box|>${l}.<|end_of_box|>`, `<think>x</think>so <|begin_of_box|>${o}`);
    out.push(`${l}.\nbecause ${o}`, `first line\n${l}. ${o}`, `${l}. ${o}\nsecond`);
  });
  return out;
}

/**
 * Replies in LaTeX's \boxed{} (episode/thinking.ts latexBox): the one box of either kind, braces counted, \text{} taken
 * off, JavaScript's whitespace around. Read both ways as `repliesFor`'s are, after them (the scripted run's picks are
 * among `repliesFor`'s, as before these were added).
 */
function boxedRepliesFor(r: Row): string[] {
  return r.options.flatMap((o, i) => {
    const l = optionLetter(i);
    return [
      `\\boxed{${l}}`, `$\\boxed{\\text{${o}}}$.`, `so \\boxed{\u3000\\textbf{${l}.}\x1c}`, `\\boxed{${l}} or \\boxed{Z}`, `\\boxed{${l}`,
      `\\boxed{${l}} <|begin_of_box|>${l}<|end_of_box|>`, `<|begin_of_box|>\\boxed{${o}}<|end_of_box|>`, `\\fbox{{${l}}}`, `\\Boxed{${l}}`, `\\boxed{${o}} `,
      `\\boxed{${l}.} because ${o}`, `<think>\\boxed{Z}</think>\\boxed{\\mbox{\u0085${l}.}}`,
    ];
  });
}

/**
 * An askfirst suite (half of it controls) and ProactiveBench's own entries (its state machines replayed: ROD's first view
 * counts no category, ImageNet-C offers every enhancement), made with the CLI in `dir`: their --data specs.
 */
async function makeSuites(dir: string, cli: (...args: string[]) => Promise<void>): Promise<string[]> {
  await cli('suite', 'generate', '--out', 'suite', '--episodes', '4', '--size', '48', '--control-share', '0.5');
  await cli('suite', 'generate', '--format', 'proactivebench', '--out', 'pb', '--episodes', '2', '--size', '48');
  // Without askfirst's blocks its lines are read as ProactiveBench's own entries.
  for (const f of readdirSync(join(dir, 'pb')).filter((n) => n.endsWith('_preprocessed.jsonl'))) {
    const lines = readFileSync(join(dir, 'pb', f), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    writeFileSync(join(dir, 'pb', f), lines.map(({ askfirst: _, ...native }) => JSON.stringify(native) + '\n').join(''));
  }
  return ['suite', 'proactivebench:pb'];
}

describe.skipIf(skip !== null)('integrations/lmms_eval: the askfirst_first_turn task under /usr/bin/python3', () => {
  let dir: string;
  const exports: Record<string, { spec: string; episodes: Map<string, SuiteEpisode>; rows: Row[] }> = {};

  beforeAll(async () => {
    dir = tmpDir('askfirst-lmms-eval');
    const cli = async (...args: string[]) => {
      const r = await runCli([...args, '--no-progress'], dir);
      expect(r.code, r.stderr).toBe(0);
    };
    for (const [name, spec] of (await makeSuites(dir, cli)).map((sp, i) => [['own', 'pb'][i], sp] as const)) {
      await cli('export', '--format', 'lmms-eval', '--data', spec, '--out', `export-${name}`);
      const out = join(dir, `export-${name}`);
      const rows = readFileSync(join(out, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Row);
      const { episodes } = await loadData(spec.replace(/^(proactivebench:)?/, `$1${dir}/`));
      exports[out] = { spec, episodes: new Map(episodes.map((e) => [e.id, e])), rows };
    }
  }, 120_000);

  it('exports one row per episode at its first view, with the letters a reply is read by; Parquet holds the same rows', async () => {
    for (const [out, { episodes, rows }] of Object.entries(exports)) {
      expect(rows.length).toBe(episodes.size);
      for (const r of rows) {
        const ep = episodes.get(r.episode_id)!;
        expect(r.view).toBe(ep.firstView);
        const shown = shownOptions(ep, ep.firstView, 'proactive');
        expect(r.options.slice(0, r.intervention_letters.length)).toEqual(shown.interventions.map((o) => o.text));
        expect(r.abstain_letters.map((l) => r.options[l.charCodeAt(0) - 65])).toEqual(shown.interventions.filter((o) => o.abstain).map((o) => o.text));
        expect(r.view_informative).toBe(ep.informative?.[ep.firstView] ?? null);
      }
      const pq = await parquetReadObjects({ file: new Uint8Array(readFileSync(join(out, 'train.parquet'))).buffer, utf8: false });
      expect(pq.map((p) => [p.episode_id, p.intervention_letters, p.abstain_letters, p.view_informative])).toEqual(rows.map((r) => [r.episode_id, r.intervention_letters, r.abstain_letters, r.view_informative]));
    }
    const all = Object.values(exports).flatMap((e) => e.rows);
    for (const v of [true, false, null]) expect(all.some((r) => r.view_informative === v), `a first view informative: ${v}`).toBe(true); // null: ProactiveBench's photos
    expect(all.some((r) => r.answer_letter === '')).toBe(true); // ROD: no category counts at the first view
    expect(all.some((r) => r.intervention_letters.length > r.valid_intervention_letters.length + r.abstain_letters.length)).toBe(true); // ImageNet-C: offered, not valid
    expect(all.some((r) => r.control)).toBe(true);
  });

  it('utils.py reads every reply as askfirst does, and a scripted run gets askfirst\'s rates', async () => {
    const replies: Record<string, unknown> = { pick: {} };
    const picks: Record<string, Record<string, number>> = {};
    for (const [out, { rows }] of Object.entries(exports)) {
      replies[out] = Object.fromEntries(rows.map((r) => [r.episode_id, [...repliesFor(r), ...boxedRepliesFor(r)]]));
      // The scripted model: a reply per episode that lands on each first move somewhere (seeded by position).
      picks[out] = Object.fromEntries(rows.map((r, i) => [r.episode_id, (i * 7 + 3) % repliesFor(r).length]));
    }
    replies.pick = picks;
    const repliesFile = join(dir, 'replies.json');
    const outFile = join(dir, 'verdicts.json');
    writeFileSync(repliesFile, JSON.stringify(replies));
    const r = await run(SYSTEM_PYTHON, ['-m', 'unittest', '-v', 'integrations/tests/test_lmms_eval_task.py'], {
      cwd: root,
      env: { ...process.env, ASKFIRST_TEST_EXPORTS: Object.keys(exports).join(','), ASKFIRST_TEST_REPLIES: repliesFile, ASKFIRST_TEST_OUT: outFile, PYTHONDONTWRITEBYTECODE: '1' },
      timeout: 120_000,
    });
    expect(r.stderr).toMatch(/\nOK\s*$/);
    const got = JSON.parse(readFileSync(outFile, 'utf8')) as Record<string, { parsed: Record<string, PyParsed[]>; moves: Record<string, string>; rates: Record<string, number | null>; kinds: string[] }>;

    const seen = new Set<string>();
    const guesses: (number | null)[] = [];
    const perKind = new Set<string>();
    for (const [out, { episodes, rows }] of Object.entries(exports)) {
      let compared = 0;
      for (const row of rows) {
        const ep = episodes.get(row.episode_id)!;
        const shown = shownOptions(ep, ep.firstView, 'proactive');
        const rs = (replies[out] as Record<string, string[]>)[row.episode_id];
        rs.forEach((reply, i) => {
          const want = tsParsed(parseReply(stripThinking(reply), shown));
          expect(got[out].parsed[row.episode_id][i], `${out} ${row.episode_id} ${JSON.stringify(reply)}`).toEqual(want);
          seen.add(want.type === 'category' ? `category-${want.correct}` : want.type === 'intervention' ? `intervention-${want.valid}` : want.type);
          compared++;
        });
      }
      expect(compared).toBeGreaterThan(500);

      // The run: each episode played by askfirst with the scripted first reply (lmms-eval strips it: Python's strip), its
      // later turns unparseable; the first-turn rates are askfirst's over those records.
      const records = rows.map((row) => {
        const s = new EpisodeState(episodes.get(row.episode_id)!, 'proactive');
        s.step(stripThinking(pyStrip((replies[out] as Record<string, string[]>)[row.episode_id][picks[out][row.episode_id]])));
        while (!s.done) s.step('');
        return s.record();
      });
      /** askfirst's first-turn figures over `recs` (null for every one where there is no record, as lmms-eval's N/A). */
      const wantOf = (recs: EpisodeRecord[]): Record<string, number | null> => {
        const m = computeMetrics(recs);
        const atOnce = (outcome: string) => (recs.length ? recs.filter((x) => x.turns === 1 && x.outcome === outcome).length / recs.length : null);
        const nonControl = recs.filter((x) => !x.control);
        // guessRate's episodes (guessKnown) and its guesses made at the first turn: a guess names a category, which ends the episode
        const known = recs.filter(guessKnown);
        return {
          askfirst_accuracy: atOnce('correct'),
          askfirst_valid_ask: nonControl.length ? nonControl.filter((x) => x.actions[0].type === 'intervention' && x.actions[0].valid).length / nonControl.length : null,
          askfirst_over_asking: m.overAsking,
          askfirst_control_abstain: m.controlAbstain,
          askfirst_wrong_category: atOnce('wrong-category'),
          askfirst_guess: known.length ? known.filter((x) => x.turns === 1 && x.guessed).length / known.length : null,
          askfirst_abstain: atOnce('abstain'),
          askfirst_invalid: atOnce('invalid-intervention'),
          askfirst_unparseable: atOnce('unparseable'),
        };
      };
      const want = wantOf(records);
      // every metric overall, then per kind ("<metric>/<kind>") over that kind's records: askfirst's byKind
      expect(got[out].kinds).toEqual([...SCENARIO_KINDS]);
      const ofKind = new Map(SCENARIO_KINDS.map((kind) => [kind, wantOf(records.filter((x) => x.kind === kind))]));
      const wants: [string, number | null][] = [...Object.entries(want), ...Object.keys(want).flatMap((k) => SCENARIO_KINDS.map((kind): [string, number | null] => [`${k}/${kind}`, ofKind.get(kind)![k]]))];
      expect(Object.keys(got[out].rates)).toEqual(wants.map(([k]) => k));
      for (const [k, v] of wants) {
        if (v === null) expect(got[out].rates[k], `${out} ${k}`).toBeNull();
        else expect(got[out].rates[k], `${out} ${k}`).toBeCloseTo(v, 12);
      }
      for (const kind of new Set(records.map((x) => x.kind))) perKind.add(`${out} ${kind}`);
      guesses.push(want.askfirst_guess);
      // The first moves partition the docs: the non-control valid asks and the control asks are the rest.
      const asks = records.filter((x) => x.actions[0].type === 'intervention' && x.actions[0].valid).length / records.length;
      const sum = ['askfirst_accuracy', 'askfirst_wrong_category', 'askfirst_abstain', 'askfirst_invalid', 'askfirst_unparseable'].reduce((a, k) => a + got[out].rates[k]!, asks);
      expect(sum).toBeCloseTo(1, 12);
    }
    // the exports hold many kinds (each compared per kind above; a kind absent: N/A)
    expect(perKind.size).toBeGreaterThan(10);
    // the scripted run guessed on some first views and not on others (the askfirst suite); ProactiveBench's cannot tell
    expect(guesses[0]).toBeGreaterThan(0);
    expect(guesses[0]).toBeLessThan(1);
    expect(guesses[1]).toBeNull();
    // the replies reached every reading
    expect([...seen].sort()).toEqual(['abstain', 'category-false', 'category-true', 'intervention-false', 'intervention-true', 'unparseable']);
  }, 180_000);
});

/**
 * The episode task (integrations/lmms_eval/askfirst_episode): `--turns episode` exports of the same two suites, each doc
 * played through lmms-eval's multi-round loop by a scripted model (integrations/tests/test_lmms_eval_episode.py), and the
 * same replies played by `askfirst eval --policy scripted:FILE`: every episode must end alike (replies, views, prompts,
 * outcome, turns, interventions, guessed) and every rate must be summary.json's, in proactive and in reference mode.
 */
describe.skipIf(skip !== null)('integrations/lmms_eval: the askfirst_episode task (generate_until_multi_round) against askfirst eval', () => {
  let dir: string;
  const suites: { spec: string; episodes: SuiteEpisode[] }[] = [];
  const cli = async (...args: string[]) => {
    const r = await runCli([...args, '--no-progress'], dir);
    expect(r.code, r.stderr).toBe(0);
  };

  beforeAll(async () => {
    dir = tmpDir('askfirst-lmms-episode');
    for (const spec of await makeSuites(dir, cli)) suites.push({ spec, episodes: (await loadData(spec.replace(/^(proactivebench:)?/, `$1${dir}/`))).episodes });
  }, 120_000);

  /** A script per episode that plays it one way (by its position): ask along the path then answer, ask until it cannot, answer at once right or wrong, abstain, an option's text, nonsense, an intervention not valid (after valid ones where none is offered); one reply more than it needs. */
  function script(ep: SuiteEpisode, i: number): string[] {
    const s = new EpisodeState(ep, 'proactive');
    const replies: string[] = [];
    while (!s.done) {
      const shown = s.shown();
      const n = shown.interventions.length;
      const ask = shown.interventions.findIndex((o) => o.valid && !o.abstain);
      const abstain = shown.interventions.findIndex((o) => o.abstain);
      const right = shown.answer >= 0 ? optionLetter(n + shown.answer) : optionLetter(n);
      const informative = ep.informative?.[s.currentView] ?? replies.length >= 2;
      const reply = [
        () => (informative || ask < 0 ? `${right}.` : `${optionLetter(ask)}.`),
        () => (ask < 0 ? `${optionLetter(0)}.` : `${optionLetter(ask)}. ${shown.interventions[ask].text}`),
        () => `${right}.`,
        () => `${optionLetter(n + ((shown.answer + 1) % shown.categories.length))}.`,
        () => (abstain >= 0 ? shown.interventions[abstain].text : 'I do not know'),
        () => (replies.length === 0 && ask >= 0 ? `${optionLetter(ask)}` : shown.categories[Math.max(shown.answer, 0)]),
        () => 'nonsense',
        () => {
          const invalid = shown.interventions.findIndex((o) => !o.valid && !o.abstain);
          return invalid >= 0 ? `${optionLetter(invalid)}.` : ask >= 0 ? `${optionLetter(ask)}.` : 'Z.';
        },
      ][i % 8]();
      replies.push(reply);
      s.step(stripThinking(reply));
    }
    return [...replies, 'A.'];
  }

  it('plays each episode to its end as askfirst eval does, and aggregates to its summary.json, proactive and reference', async () => {
    const seen = new Set<string>();
    for (const [k, { spec, episodes }] of suites.entries()) {
      const scripts = Object.fromEntries(episodes.map((e, i) => [e.id, script(e, i)]));
      writeFileSync(join(dir, `replies-${k}.jsonl`), Object.entries(scripts).map(([id, r]) => JSON.stringify({ episode_id: id, replies: r }) + '\n').join(''));
      writeFileSync(join(dir, `replies-${k}.json`), JSON.stringify(scripts));
      await cli('eval', '--policy', `scripted:replies-${k}.jsonl`, '--data', spec, '--out', `run-${k}`);
      const modes = ['proactive', 'reference'] as const;
      const exportsOf = modes.map((m) => join(dir, `episode-${k}-${m}`));
      for (const [j, m] of modes.entries()) await cli('export', '--format', 'lmms-eval', '--turns', 'episode', '--mode', m, '--no-parquet', '--absolute-paths', '--data', spec, '--out', exportsOf[j]);
      const outFile = join(dir, `plays-${k}.json`);
      const r = await run(SYSTEM_PYTHON, ['-m', 'unittest', '-v', 'integrations/tests/test_lmms_eval_episode.py'], {
        cwd: root,
        env: { ...process.env, ASKFIRST_TEST_EXPORTS: exportsOf.join(','), ASKFIRST_TEST_REPLIES: join(dir, `replies-${k}.json`), ASKFIRST_TEST_OUT: outFile, PYTHONDONTWRITEBYTECODE: '1' },
        timeout: 120_000,
      });
      expect(r.stderr).toMatch(/\nOK\s*$/);
      const got = JSON.parse(readFileSync(outFile, 'utf8')) as Record<string, { plays: Record<string, { replies: string[]; views: number[]; prompts: string[]; score: Record<string, unknown> }>; rates: Record<string, number | null>; fields: Record<string, string>; kinds: string[] }>;
      const summary = JSON.parse(readFileSync(join(dir, `run-${k}`, 'summary.json'), 'utf8')) as { modes: Record<string, Record<string, number | null> & { byKind: Record<string, Record<string, number | null>> }> };
      for (const [j, m] of modes.entries()) {
        const py = got[exportsOf[j]];
        const records = readFileSync(join(dir, `run-${k}`, m, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as EpisodeRecord);
        expect(Object.keys(py.plays).sort()).toEqual(records.map((x) => x.id).sort());
        for (const rec of records) {
          const p = py.plays[rec.id];
          expect([p.replies, p.views, p.prompts], `${spec} ${m} ${rec.id}`).toEqual([rec.replies, rec.views, rec.prompts]);
          const s = p.score;
          expect([s.outcome, s.success, s.turns, s.ps, s.interventions, s.min_interventions, s.guessed, s.control], `${spec} ${m} ${rec.id}`).toEqual([rec.outcome, rec.success, rec.turns, rec.ps, rec.interventions, rec.minInterventions, rec.guessed, rec.control]);
          seen.add(`${m} ${rec.outcome}${rec.interventions ? ' after asking' : ''}`);
        }
        for (const [metric, field] of Object.entries(py.fields)) {
          const want = summary.modes[m][field];
          if (want === null) expect(py.rates[metric], `${spec} ${m} ${metric}`).toBeNull();
          else expect(py.rates[metric], `${spec} ${m} ${metric}`).toBeCloseTo(want, 12);
        }
        // per kind: "<metric>/<kind>" is summary.json's byKind (N/A, None, for a kind the data lacks)
        expect(py.kinds).toEqual([...SCENARIO_KINDS]);
        expect(Object.keys(summary.modes[m].byKind).length).toBeGreaterThan(4);
        for (const kind of SCENARIO_KINDS) {
          for (const [metric, field] of Object.entries(py.fields)) {
            const want = summary.modes[m].byKind[kind]?.[field] ?? null;
            if (want === null) expect(py.rates[`${metric}/${kind}`], `${spec} ${m} ${metric}/${kind}`).toBeNull();
            else expect(py.rates[`${metric}/${kind}`], `${spec} ${m} ${metric}/${kind}`).toBeCloseTo(want, 12);
          }
        }
      }
    }
    // the scripts reached every ending, and success after asking
    for (const o of ['correct', 'correct after asking', 'wrong-category', 'abstain', 'invalid-intervention', 'unparseable', 'max-turns after asking']) expect([...seen], o).toContain(`proactive ${o}`);
  }, 300_000);
});

/**
 * utils.py's `gap_closed` (integrations/lmms_eval/askfirst_episode, a port of episode/metrics.ts gapClosed) on a table of
 * accuracies k / n as runs give them, the TypeScript values computed here and checked by
 * integrations/tests/test_lmms_eval_gap_closed.py: gaps of fewer than MIN_GAP_EPISODES episodes (none, one short, a
 * reference behind), exactly that many where k / n rounds (n = 7,557, ProactiveBench's test split), and more.
 */
describe.skipIf(!existsSync(SYSTEM_PYTHON))('integrations/lmms_eval: gap_closed is askfirst\'s gapClosed', () => {
  it('gives the TypeScript value, or None where it is NaN (the reference under MIN_GAP_EPISODES ahead), on every case', async () => {
    const cases: { args: [number, number, number, number]; want: number | null }[] = [];
    for (const n of [0, 7, 10, 40, 100, 7557]) {
      for (const untrained of [0, 3, Math.floor(n / 3)]) {
        for (const ahead of [-3, 0, 1, MIN_GAP_EPISODES - 1, MIN_GAP_EPISODES, MIN_GAP_EPISODES + 1, 20]) {
          const reference = untrained + ahead;
          if (reference < 0 || reference > n) continue;
          for (const k of new Set([0, untrained, Math.min(n, untrained + 2), reference, n])) {
            const args: [number, number, number, number] = [n ? k / n : 0, n ? untrained / n : 0, n ? reference / n : 0, n];
            const want = gapClosed(...args);
            cases.push({ args, want: Number.isNaN(want) ? null : want });
          }
        }
      }
    }
    // the table reaches both sides of the rule, and gaps closed below 0, at 0, between, at 1 and above
    expect(cases.some((c) => c.want === null) && cases.some((c) => c.want !== null)).toBe(true);
    for (const want of [0, 1]) expect(cases.some((c) => c.want === want)).toBe(true);
    expect(cases.some((c) => c.want !== null && c.want < 0) && cases.some((c) => c.want !== null && c.want > 1) && cases.some((c) => c.want !== null && c.want > 0 && c.want < 1)).toBe(true);
    expect(cases.some((c) => c.args[3] === 7557 && c.want !== null && Math.round((c.args[2] - c.args[1]) * 7557) === MIN_GAP_EPISODES)).toBe(true);
    const file = join(tmpDir('askfirst-gap-closed'), 'cases.json');
    writeFileSync(file, JSON.stringify({ min_gap_episodes: MIN_GAP_EPISODES, cases }));
    const r = await run(SYSTEM_PYTHON, ['-m', 'unittest', '-v', 'integrations/tests/test_lmms_eval_gap_closed.py'], {
      cwd: root,
      env: { ...process.env, ASKFIRST_TEST_GAP_CASES: file, PYTHONDONTWRITEBYTECODE: '1' },
      timeout: 60_000,
    });
    expect(r.stderr).toMatch(/test_matches_askfirst .* ok\n[\s\S]*\nOK\s*$/);
  });
});
