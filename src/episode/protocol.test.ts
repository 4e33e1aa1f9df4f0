import { describe, expect, it } from 'vitest';
import { computeMetrics, gapClosed, MIN_GAP_EPISODES, summarize } from './metrics.js';
import { execFileSync } from 'node:child_process';
import { matchOptions, normalizeText, optionLetter, parseReply, standardizeLetter } from './parse.js';
import { formatPrompt, shownOptions } from './prompt.js';
import { EpisodeState } from './state.js';
import { playEpisode } from '../testing/play-episode.js';
import type { Episode } from './types.js';
import { episodeProblems } from './validate.js';

/** Three views; view 0 offers "move left" (valid → 1), "move right" (invalid), abstain; view 1 offers "move left" → 2. */
function toy(over: Partial<Episode> = {}): Episode {
  return {
    id: 'toy-1',
    kind: 'occlusion',
    question: 'What object is behind the block?',
    hint: 'Hint: moving the block may reveal the object.',
    views: ['v0', 'v1', 'v2'],
    firstView: 0,
    referenceView: 2,
    categories: ['cat', 'dog', 'tree', 'car'],
    answer: 1,
    interventions: ['Move the block to the left.', 'Move the block to the right.', 'I cannot answer this question.'],
    abstain: [2],
    steps: [
      { offered: [0, 1, 2], next: { 0: 1 } },
      { offered: [0, 2], next: { 0: 2 } },
      { offered: [0, 2], next: {} },
    ],
    maxTurns: 3,
    informative: [false, false, true],
    control: false,
    minInterventions: 2,
    ...over,
  };
}

/** ProactiveBench's reply normalisation (_standardize_full_answer, _standardize_letter_answer), as Python for the tests that run it. */
const PB_STANDARDIZE = `
import json, re, sys
def full(a):
    a = re.sub(r"^.*[A-Z]\\.\\s*", "", a)
    return a.lower().strip().replace(" ", "")
def letter(a):
    a = a.split(".")[0].lower().strip()
    return "#" if len(a) > 1 else a
`;

describe('reply normalisation (ProactiveBench _standardize_*)', () => {
  it('drops a letter prefix, case and whitespace', () => {
    expect(normalizeText('B.  Dog ')).toBe('dog');
    expect(normalizeText('  move the BLOCK to the left. ')).toBe('movetheblocktotheleft.');
    // Python's rules exactly: only ASCII spaces are removed inside; a tab or newline stays
    expect(normalizeText('A.\tMove the block\nto the left.')).toBe('movetheblock\ntotheleft.');
  });
  it('matches Python on the cases where JavaScript differs (tab/newline/NBSP inside, U+FEFF, "\\r" in the prefix rule)', () => {
    expect(normalizeText('Move the\tblock')).toBe('movethe\tblock'); // tab inside: kept
    expect(normalizeText('Move the\u00a0block')).toBe('movethe\u00a0block'); // NBSP inside: kept
    expect(normalizeText('\u00a0dog\u00a0')).toBe('dog'); // NBSP at the ends: stripped
    expect(normalizeText('\ufeffdog')).toBe('\ufeffdog'); // Python's strip() keeps U+FEFF
    expect(normalizeText('\x85dog\x1c')).toBe('dog'); // … and removes NEL and U+001C, which trim() keeps
    expect(normalizeText('x\rB. dog')).toBe('dog'); // Python's "." matches "\r"
    expect(normalizeText('x\nB. dog')).toBe('x\nb.dog'); // … but not "\n"
    expect(standardizeLetter('\ufeffB. dog')).toBe('#'); // "\ufeffb" is two characters: no letter
  });
  it('agrees with ProactiveBench’s own Python code on every tricky reply', (ctx) => {
    const cases = ['B.  Dog ', 'A.\tMove the block\nto the left.', 'Move the\tblock', '\u00a0dog\u00a0', '\ufeffdog', '\ufeff B. dog', '\x85dog\x1c', 'x\rB. dog', 'x\nB. dog', 'a. B. c', ' c ', '', '.', 'İ', 'ΟΔΟΣ', 'AB. x', '\u3000C.\u2028dog', 'c\u00a0.'];
    let py: string;
    try {
      const script = `${PB_STANDARDIZE}print(json.dumps([[full(c), letter(c)] for c in json.loads(sys.stdin.read())]))`;
      py = execFileSync('python3', ['-c', script], { input: JSON.stringify(cases), encoding: 'utf8' });
    } catch {
      ctx.skip();
      return;
    }
    expect(cases.map((c) => [normalizeText(c), standardizeLetter(c)])).toEqual(JSON.parse(py));
  });
  it('ends a turn as ProactiveBench\u2019s evaluate_generated_answer does: correct category, valid move or stop', (ctx) => {
    // the intervention list, then the categories; A and B are valid moves, C abstains, F (star) is right
    const ivs = ['Move the occluding block to the left.', 'Move the occluding block to the right.', 'I cannot answer this question.'];
    const cats = ['house', 'fish', 'star', 'key'];
    const replies = [
      'A', 'a.', 'A)', 'A) cat', 'A. Move the occluding block to the left.', ' B. Move the occluding block to the right. ', 'B. Move the occluding block to the left.',
      'move the occluding block to the left.', 'Move the occluding block to the left', 'Move\u00a0the occluding block to the left.', '\u00a0A', '\u3000B', 'B\u200b', '\ufeffA', '\x1cE',
      'F', 'F. star', 'star', 'STAR', 'star.', 'star!', '"star"', '(F)', 'F:', 'F - star', 'The answer is F.', 'Answer: F. star', 'X. star', 'x. star', 'A. A. star', 'F. umbrella',
      'house, star', 'F. star\nD. house', 'D. house\nF. star', 'A.\nF. star', 'C', 'I cannot answer this question.', 'G', 'H', '', ' ', '.', 'F..', 'F.star', '**F**', 'F. **star**', 'F\r\nstar', 'F\u2028', 'ＳＴＡＲ', 'ſtar',
    ];
    const script = `${PB_STANDARDIZE}def evaluate(ans, correct, options, shift):  # BaseEnvironment._evaluate, environment.py
    f = full(ans); sc = [full(c) for c in correct]; so = [full(o) for o in options]
    if f in sc: return "correct", options[so.index(f)]
    if f in so: return "wrong", options[so.index(f)]
    l = letter(ans)
    scl = [letter(chr(65 + options.index(c) + shift)) for c in correct]
    sol = [letter(chr(65 + i + shift)) for i in range(len(options))]
    if l in scl: return "correct", options[sol.index(l)]
    if l in sol: return "wrong", options[sol.index(l)]
    return "mismatch", ""
d = json.loads(sys.stdin.read())
out = []
for r in d["replies"]:
    a, ca = evaluate(r, d["valid"], d["ivs"], 0)
    c, _ = evaluate(r, [d["answer"]], d["cats"], len(d["ivs"]))
    if a in ("wrong", "mismatch") and c in ("wrong", "mismatch"): out.append("stop:" + ("unparseable" if a == c == "mismatch" else "matched"))
    elif c == "correct": out.append("correct")
    else: out.append("move:" + ca)
print(json.dumps(out))`;
    let py: string;
    try {
      py = execFileSync('python3', ['-c', script], { input: JSON.stringify({ replies, ivs, valid: ivs.slice(0, 2), cats, answer: 'star' }), encoding: 'utf8' });
    } catch {
      ctx.skip();
      return;
    }
    const shown = { interventions: ivs.map((text, index) => ({ text, index, valid: index < 2, abstain: index === 2 })), categories: cats, answer: 2 };
    const ours = replies.map((r) => {
      const a = parseReply(r, shown);
      if (a.type === 'category' && a.correct) return 'correct';
      if (a.type === 'intervention' && a.valid) return `move:${ivs[a.intervention]}`;
      return `stop:${a.type === 'unparseable' ? 'unparseable' : 'matched'}`;
    });
    expect(ours).toEqual(JSON.parse(py));
    expect(ours.filter((o) => o === 'correct').length).toBeGreaterThan(5); // the table exercises every branch
    expect(ours.filter((o) => o.startsWith('move:')).length).toBeGreaterThan(5);
    expect(ours.filter((o) => o === 'stop:unparseable').length).toBeGreaterThan(5);
  });
  it('reads a single letter before the first dot ("#" for a longer first token, as Python)', () => {
    expect(standardizeLetter('B. dog')).toBe('b');
    expect(standardizeLetter(' c ')).toBe('c');
    expect(standardizeLetter('dog')).toBe('#');
    expect(standardizeLetter('')).toBe('');
  });
  it('prefers a correct option and otherwise reports the matched one', () => {
    expect(matchOptions('Dog', ['cat', 'dog'], new Set([1]), 0)).toEqual({ verdict: 'correct', index: 1 });
    expect(matchOptions('cat', ['cat', 'dog'], new Set([1]), 0)).toEqual({ verdict: 'wrong', index: 0 });
    expect(matchOptions('D', ['cat', 'dog'], new Set([1]), 2)).toEqual({ verdict: 'correct', index: 1 });
    expect(matchOptions('Z', ['cat', 'dog'], new Set([1]), 0)).toEqual({ verdict: 'mismatch' });
  });
  it('letters options as chr(65 + i), also beyond 26', () => {
    expect([0, 25, 26, 27, 31, 32].map(optionLetter)).toEqual(['A', 'Z', '[', '\\', '`', 'a']);
    const many = Array.from({ length: 30 }, (_, i) => `o${i}`);
    expect(matchOptions('[', many, new Set([26]), 0)).toEqual({ verdict: 'correct', index: 26 });
    expect(matchOptions('\\.', many, new Set([26]), 0)).toEqual({ verdict: 'wrong', index: 27 });
  });
});

describe('parseReply', () => {
  const ep = toy();
  const shown = shownOptions(ep, 0, 'proactive');
  it('letters index interventions first, then categories', () => {
    expect(parseReply('A', shown)).toMatchObject({ type: 'intervention', intervention: 0, valid: true });
    expect(parseReply('B.', shown)).toMatchObject({ type: 'intervention', intervention: 1, valid: false });
    expect(parseReply('C. I cannot answer', shown)).toMatchObject({ type: 'abstain' });
    expect(parseReply('E', shown)).toMatchObject({ type: 'category', category: 1, correct: true });
    expect(parseReply('d', shown)).toMatchObject({ type: 'category', category: 0, correct: false });
  });
  it('matches option text with odd spacing and case', () => {
    expect(parseReply('  MOVE the Block   to the left. ', shown)).toMatchObject({ type: 'intervention', valid: true });
    // ProactiveBench's greedy prefix rule (^.*[A-Z]\.) also eats "…LEFT." — kept for compatibility.
    expect(parseReply('move the block to the LEFT.', shown)).toEqual({ type: 'unparseable' });
    expect(parseReply('E.   DOG', shown)).toMatchObject({ type: 'category', correct: true });
    expect(parseReply('I cannot answer this question.', shown)).toMatchObject({ type: 'abstain' });
  });
  it('anything else is unparseable', () => {
    expect(parseReply('I think it is a dog', shown)).toEqual({ type: 'unparseable' });
    expect(parseReply('Q', shown)).toEqual({ type: 'unparseable' });
    expect(parseReply('', shown)).toEqual({ type: 'unparseable' });
  });
});

describe('EpisodeState transitions', () => {
  it('valid interventions move, the correct category succeeds', () => {
    const r = playEpisode(toy(), 'proactive', (t) => (t.turn < 2 ? 'A' : t.options.length === 6 ? 'D' : 'dog'));
    expect(r).toMatchObject({ success: true, outcome: 'correct', turns: 3, interventions: 2, ps: 2, views: [0, 1, 2] });
  });
  it('a guess on the first view fails and is counted as a guess', () => {
    const r = playEpisode(toy(), 'proactive', () => 'cat');
    expect(r).toMatchObject({ success: false, outcome: 'wrong-category', turns: 1, ps: 0, guessed: true });
  });
  it('a correct guess on an uninformative view still counts as a guess', () => {
    const r = playEpisode(toy(), 'proactive', () => 'dog');
    expect(r).toMatchObject({ success: true, guessed: true });
  });
  it('invalid intervention, abstention and unparseable replies fail at once', () => {
    expect(playEpisode(toy(), 'proactive', () => 'B').outcome).toBe('invalid-intervention');
    expect(playEpisode(toy(), 'proactive', () => 'C').outcome).toBe('abstain');
    expect(playEpisode(toy(), 'proactive', () => 'hmm').outcome).toBe('unparseable');
  });
  it('stops at maxTurns', () => {
    const ep = toy({ steps: [{ offered: [0, 2], next: { 0: 1 } }, { offered: [0, 2], next: { 0: 0 } }, { offered: [], next: {} }] });
    const r = playEpisode(ep, 'proactive', () => 'A');
    expect(r).toMatchObject({ outcome: 'max-turns', turns: 3, success: false });
  });
  it('reference mode: clearest view, categories only, one turn', () => {
    const s = new EpisodeState(toy(), 'reference');
    const o = s.observe();
    expect(o.view).toBe(2);
    expect(o.options).toEqual(['cat', 'dog', 'tree', 'car']);
    s.step('B');
    expect(s.record()).toMatchObject({ success: true, turns: 1, ps: 0, guessed: false });
  });
  it('hint mode appends the hint; the prompt follows ProactiveBench template', () => {
    const o = new EpisodeState(toy(), 'hint').observe();
    expect(o.question).toContain('Hint:');
    expect(o.prompt).toBe(
      formatPrompt(o.question, o.options),
    );
    expect(o.prompt).toContain('Options:\nA. Move the block to the left.\nB. Move the block to the right.\nC. I cannot answer this question.\nD. cat\n');
  });
  it('refuses to step a finished episode', () => {
    const s = new EpisodeState(toy(), 'proactive');
    s.step('cat');
    expect(() => s.step('dog')).toThrow(/over/);
  });
});

describe('metrics', () => {
  it('aggregates accuracy, ps-rate, guess and over-asking', () => {
    const recs = [
      playEpisode(toy(), 'proactive', (t) => (t.turn < 2 ? 'A' : 'dog')),
      playEpisode(toy({ id: 'b' }), 'proactive', () => 'cat'),
      playEpisode(toy({ id: 'c', control: true, firstView: 2, minInterventions: 0 }), 'proactive', () => 'A'),
    ];
    const m = computeMetrics(recs);
    expect(m.accuracy).toBeCloseTo(1 / 3);
    expect(m.psRate).toBeCloseTo((2 + 0 + 0) / 3);
    expect(m.guessRate).toBeCloseTo(1 / 3);
    expect(m.controls).toBe(1);
    expect(m.overAsking).toBe(1);
  });
  it('ps-rate is ProactiveBench\'s turns − 1: the interventions asked, one fewer on an episode stopped at its turn limit (docs/evaluation.md)', () => {
    const ep = toy({ steps: [{ offered: [0, 2], next: { 0: 1 } }, { offered: [0, 2], next: { 0: 0 } }, { offered: [0, 2], next: { 0: 1 } }] });
    const r = playEpisode(ep, 'proactive', () => 'A'); // asks on each of its 3 turns, every ask valid
    expect(r).toMatchObject({ outcome: 'max-turns', turns: 3, interventions: 3, ps: 2 });
    const m = computeMetrics([r, playEpisode(toy({ id: 'b' }), 'proactive', (t) => (t.turn < 2 ? 'A' : 'dog'))]);
    expect(m.psRate).toBe((2 + 2) / 2);
    expect(m.interventions).toBe((3 + 2) / 2);
  });
  it('over-asking is null, not 0, when the records hold no control episode (per kind too)', () => {
    const recs = [playEpisode(toy(), 'proactive', (t) => (t.turn < 2 ? 'A' : 'dog')), playEpisode(toy({ id: 'b', kind: 'camera' }), 'proactive', () => 'cat')];
    expect(computeMetrics(recs)).toMatchObject({ controls: 0, overAsking: null });
    const s = summarize([...recs, playEpisode(toy({ id: 'c', control: true, firstView: 2, minInterventions: 0 }), 'proactive', () => 'dog')]);
    expect(s).toMatchObject({ controls: 1, overAsking: 0 }); // a control that answered at once: 0 %, a real figure
    expect(s.byKind.camera).toMatchObject({ controls: 0, overAsking: null });
  });
  it('an abstention at once on a control is its own figure beside over-asking, not inside it; the two are disjoint', () => {
    const control = (id: string) => toy({ id, control: true, firstView: 2, minInterventions: 0 });
    const recs = [
      playEpisode(control('a'), 'proactive', () => 'I cannot answer this question.'), // on a view that shows the answer
      playEpisode(control('b'), 'proactive', () => 'A'), // asked: over-asking
      playEpisode(control('c'), 'proactive', () => 'dog'), // answered at once
      playEpisode(control('d'), 'proactive', () => 'hmm'), // unparseable: neither
      playEpisode(toy({ id: 'e' }), 'proactive', () => 'C'), // abstained on a non-control: not a control figure
    ];
    const m = computeMetrics(recs);
    expect(m).toMatchObject({ controls: 4, overAsking: 1 / 4, controlAbstain: 1 / 4, abstainRate: 2 / 5 });
    expect(computeMetrics(recs.slice(4))).toMatchObject({ controls: 0, overAsking: null, controlAbstain: null });
    expect(summarize(recs).byKind.occlusion.controlAbstain).toBe(1 / 4);
  });
  it('guess rate is null, not 0, when no episode knows whether its last view was informative (ProactiveBench data)', () => {
    // a real photo's informativeness is unknown: answering at once may or may not be a guess
    const unknown = (id: string) => playEpisode(toy({ id, kind: 'QuickDraw', informative: undefined }), 'proactive', () => 'cat');
    const recs = [unknown('a'), unknown('b')];
    expect(recs.map((r) => r.guessed)).toEqual([false, false]);
    expect(computeMetrics(recs).guessRate).toBeNull();
    // known and unknown together (one kind each): the rate is over the known ones
    const s = summarize([...recs, playEpisode(toy({ id: 'c' }), 'proactive', () => 'cat')]);
    expect(s.guessRate).toBe(1);
    expect(s.byKind.QuickDraw.guessRate).toBeNull();
    // records written before the per-turn list existed keep their flag
    const { informative: _, ...old } = playEpisode(toy({ id: 'd' }), 'proactive', () => 'cat');
    expect(computeMetrics([old]).guessRate).toBe(1);
  });
  it('accuracy off the controls is null, not 0, when every episode is a control', () => {
    const recs = [playEpisode(toy({ id: 'c', control: true, firstView: 2, minInterventions: 0 }), 'proactive', () => 'dog')];
    expect(computeMetrics(recs)).toMatchObject({ accuracy: 1, accuracyNonControl: null });
  });
  it('breaks a kind down by variant (the corruption kind\u2019s operation, from meta.corruption), and only when one is named', () => {
    const corr = (id: string, corruption: string) => toy({ id, kind: 'corruption', meta: { corruption, levels: [0.9, 0.5, 0] } });
    const recs = [
      playEpisode(corr('a', 'saturation'), 'proactive', () => 'B'), // invalid: ends at once
      playEpisode(corr('b', 'blur'), 'proactive', (t) => (t.turn < 2 ? 'A' : 'dog')),
      playEpisode(corr('c', 'blur'), 'proactive', () => 'cat'),
      playEpisode(toy({ id: 'd' }), 'proactive', () => 'dog'),
    ];
    expect(recs.map((r) => r.variant)).toEqual(['saturation', 'blur', 'blur', undefined]);
    const s = summarize(recs);
    expect(Object.keys(s.byVariant!)).toEqual(['corruption/blur', 'corruption/saturation']);
    expect(s.byVariant!['corruption/blur']).toMatchObject({ episodes: 2, accuracy: 0.5 });
    expect(s.byVariant!['corruption/saturation']).toMatchObject({ episodes: 1, accuracy: 0, invalidRate: 1 });
    expect(s.byKind.corruption.episodes).toBe(3);
    expect(summarize(recs.slice(3)).byVariant).toBeUndefined();
    expect('variant' in recs[3]).toBe(false); // records without one keep their old shape
  });
  it('gap closed', () => {
    expect(gapClosed(0.5, 0.2, 0.8, 100)).toBeCloseTo(0.5);
    expect(Number.isNaN(gapClosed(0.5, 0.8, 0.8, 100))).toBe(true);
  });
  it('gap closed without the number of episodes (its three-argument form, from plain JavaScript) is refused, not NaN', () => {
    const call = gapClosed as unknown as (...a: unknown[]) => number;
    expect(() => call(0.5, 0.2, 0.8)).toThrow(/episodes must be the number of episodes/);
    expect(() => gapClosed(0.5, 0.2, 0.8, 2.5)).toThrow(TypeError);
  });
  it('gap closed is told only on a gap of at least MIN_GAP_EPISODES episodes, not on a handful', () => {
    // 70 episodes: the reference answers 63, the guesser 62, ours 76 % → 53: a one-episode gap read "gap closed −900 %"
    expect(Number.isNaN(gapClosed(53 / 70, 62 / 70, 63 / 70, 70))).toBe(true);
    expect(Number.isNaN(gapClosed(60 / 70, 59 / 70, 63 / 70, 70))).toBe(true); // 4 episodes
    expect(gapClosed(60 / 70, 58 / 70, 63 / 70, 70)).toBeCloseTo(0.4, 12); // 5: told
    expect(MIN_GAP_EPISODES).toBe(5);
    // accuracies of k / n whose difference times n falls a hair under the whole number still count as that number
    expect(gapClosed(0.3, 0.2, 0.3, 50)).toBeCloseTo(1, 12);
  });
});

describe('episodeProblems', () => {
  it('accepts a well-formed episode and names what is wrong otherwise', () => {
    expect(episodeProblems(toy())).toEqual([]);
    const bad = toy({ answer: 7, steps: [{ offered: [9], next: { 9: 5 } }] });
    const p = episodeProblems(bad).join('\n');
    expect(p).toMatch(/answer 7/);
    expect(p).toMatch(/steps must have one entry per view/);
  });

  it('a step written by hand without "next" (or with a list there) is named, not a crash later ("Cannot convert undefined or null to object")', () => {
    const good = toy();
    for (const next of [undefined, null, [1], 'x']) {
      const steps = good.steps.map((s, v) => (v === good.steps.length - 1 ? ({ offered: s.offered, next } as unknown as typeof s) : s));
      expect(episodeProblems(toy({ steps })), String(next)).toEqual([`steps[${good.steps.length - 1}].next must be an object {"intervention index": view index}, {} when no move leads on`]);
    }
  });
});
