import { beforeAll, describe, expect, it } from 'vitest';
import { createPolicy } from '../agents/registry.js';
import { multiObjectScene, presenceTruth } from '../suite/multi-object.js';
import { ConfigError, DataError } from '../util/errors.js';
import { CATEGORIES } from '../scenes/shapes.js';
import { bootstrap, f1Of, fixed, pct, popeMetrics, unseenMetrics, wilson, type ScoredItem } from './metrics.js';
import { PRESENCE_CANNOT } from '../episode/presence.js';
import { presenceEpisode, presenceItems, itemMeta, checkCategories, type PresenceItemMeta } from './presence-items.js';
import { hallucinationItems, openQuestionsFor, hallucinationTable, runHallucination, summarizeHallucination, type PresenceItemResult } from './hallucination.js';
import { HallucinationConfigSchema } from './config.js';
import { nearestPaletteColour, openQuestions, positionCell, referencePolicy, ruleScore, runOpenQuestions, summarizeOpen, type OpenItemResult, type OpenQuestion } from './open-questions.js';
import { hsv } from '../scenes/draw.js';
import { OBJECT_COLOURS } from '../suite/multi-object.js';
import { resolveConfig } from '../util/config.js';
import { RunAborted } from '../agents/runner.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpDir } from '../testing/tmp.js';
import { hallucinationHtml, writeProbeHtml } from './html.js';
import type { SuiteEpisode } from '../suite/types.js';
import { turnsBetweenSteps } from '../testing/turns.js';

const cfg = resolveConfig(HallucinationConfigSchema, { scenes: 12, unseenScenes: 9, size: 96 }, 'test');

describe('missing values in the probe tables', () => {
  it('print the one placeholder every other report uses ("–", not "—")', () => {
    expect([fixed(null), fixed(NaN), pct(undefined), pct({ value: null, ci95: null, n: 0 })]).toEqual(['–', '–', '–', '–']);
  });
});

describe('POPE metrics', () => {
  it('always-yes on balanced items: yes-ratio 1, precision ½, recall 1, F1 ⅔, as POPE computes', () => {
    const xs: ScoredItem[] = [...Array(50)].flatMap(() => [
      { truth: 'yes', reply: 'yes' },
      { truth: 'no', reply: 'yes' },
    ]);
    const m = popeMetrics(xs);
    expect(m.yesRatio.value).toBe(1);
    expect(m.precision.value).toBe(0.5);
    expect(m.recall.value).toBe(1);
    expect(m.f1.value).toBeCloseTo(2 / 3, 10);
    expect(m.accuracy.value).toBe(0.5);
    expect(m.f1.ci95!.low).toBeLessThan(2 / 3);
    expect(m.f1.ci95!.high).toBeGreaterThan(2 / 3);
  });
  it('"cannot tell" is a negative for POPE, and Wilson intervals bracket the rate', () => {
    expect(f1Of([{ truth: 'yes', reply: 'cannot' }, { truth: 'yes', reply: 'yes' }])).toBeCloseTo(2 / 3);
    const w = wilson(3, 10);
    expect(w.ci95!.low).toBeLessThan(0.3);
    expect(w.ci95!.high).toBeGreaterThan(0.3);
    expect(wilson(0, 0).value).toBeNull();
  });
  it('counting "cannot tell" as a negative is ours, not POPE\'s: its evaluate.py would read our option as yes (docs/probes.md)', () => {
    // RUCAIBox/POPE evaluate.py: the first sentence, commas dropped, split on spaces; "no" when "No", "not" or "no" is a word, else "yes"
    const popeScript = (text: string) => {
      const words = (text.includes('.') ? text.split('.')[0] : text).replace(/,/g, '').split(' ');
      return words.includes('No') || words.includes('not') || words.includes('no') ? 'no' : 'yes';
    };
    expect(popeScript(PRESENCE_CANNOT)).toBe('yes'); // "cannot" is not the word "not"
    expect(popeScript('No, there is not.')).toBe('no');
    expect(popeScript('B.')).toBe('yes'); // an unparseable letter too
    const m = popeMetrics([{ truth: 'yes', reply: 'cannot' }, { truth: 'no', reply: 'cannot' }, { truth: 'yes', reply: 'yes' }, { truth: 'no', reply: 'no' }]);
    expect([m.recall.value, m.precision.value, m.yesRatio.value, m.askRate.value]).toEqual([0.5, 1, 0.25, 0.5]);
  });
  it('accuracy is POPE\'s (tp + tn) / n with the negatives precision and recall use: "cannot tell" or unparseable about an absent object is right', () => {
    // counted by hand: tp 2 (yes/yes ×2), fp 1 (no/yes), fn 2 (yes/no, yes/cannot), tn 3 (no/no, no/cannot, no/invalid)
    const xs: ScoredItem[] = [
      { truth: 'yes', reply: 'yes' },
      { truth: 'yes', reply: 'yes' },
      { truth: 'no', reply: 'yes' },
      { truth: 'yes', reply: 'no' },
      { truth: 'yes', reply: 'cannot' },
      { truth: 'no', reply: 'no' },
      { truth: 'no', reply: 'cannot' },
      { truth: 'no', reply: 'invalid' },
    ];
    const m = popeMetrics(xs);
    expect(m.accuracy.value).toBe(5 / 8);
    expect([m.precision.value, m.recall.value, m.f1.value, m.yesRatio.value]).toEqual([2 / 3, 2 / 4, (2 * 2) / (2 * 2 + 1 + 2), 3 / 8]);
    expect(m.accuracy.n).toBe(8);
  });
  it('precision and recall are proportions with Wilson intervals: 0 of 5 does not collapse to [0, 0]', () => {
    const xs: ScoredItem[] = [
      ...Array.from({ length: 5 }, (): ScoredItem => ({ truth: 'yes', reply: 'no' })),
      ...Array.from({ length: 5 }, (): ScoredItem => ({ truth: 'no', reply: 'yes' })),
    ];
    const m = popeMetrics(xs);
    expect(m.recall).toMatchObject(wilson(0, 5));
    expect(m.recall.value).toBe(0);
    expect(m.recall.ci95!.high).toBeCloseTo(3.8415 / (5 + 3.8415), 3);
    expect(m.precision).toMatchObject(wilson(0, 5));
    expect(popeMetrics([{ truth: 'no', reply: 'no' }]).precision).toMatchObject({ value: null, ci95: null, n: 0 });
  });
});

describe('intervals resample scenes, not questions (POPE\'s questions about one scene are not independent)', () => {
  // 40 scenes of 2 present and 2 absent objects; the model reads half the scenes perfectly and gets every question of the
  // other half wrong: a scene's four answers are perfectly correlated, so the scenes (40), not the questions (160), are
  // the independent units
  const correlated = (seedScene = 0): ScoredItem[] =>
    Array.from({ length: 40 }, (_, s) => {
      const right = (s * 7 + seedScene) % 40 < 20;
      return (['yes', 'yes', 'no', 'no'] as const).map((truth): ScoredItem => ({ truth, reply: right ? truth : truth === 'yes' ? 'no' : 'yes', scene: `clean-${s}` }));
    }).flat();
  const width = (f: { ci95: { low: number; high: number } | null }) => f.ci95!.high - f.ci95!.low;

  it('F1: the cluster bootstrap is wider than the item bootstrap of the same items and seed', () => {
    const xs = correlated();
    const m = popeMetrics(xs);
    const items = bootstrap(xs, f1Of, 1 + 2); // the questions resampled one by one, popeMetrics' F1 seed
    expect(m.f1.value).toBeCloseTo(items.value!, 12); // only the interval differs
    expect(m.f1.clusters).toBe(40);
    expect(width(m.f1)).toBeGreaterThan(1.5 * width(items)); // √4 = 2 in the limit
    expect(m.f1.ci95!.low).toBeLessThan(items.ci95!.low);
    expect(m.f1.ci95!.high).toBeGreaterThan(items.ci95!.high);
  });

  it('rates: Wilson at the scenes\' effective sample size (design effect ≈ 4 here), wider than Wilson over the questions', () => {
    const m = popeMetrics(correlated());
    expect(m.accuracy.value).toBe(0.5);
    expect(m.accuracy.designEffect!).toBeGreaterThan(3);
    expect(m.accuracy.designEffect!).toBeLessThan(5);
    const w = wilson(80, 160);
    expect(width(m.accuracy)).toBeGreaterThan(1.7 * width(w));
    // Wilson over the 40 scenes, each one success or failure, is the interval the design effect should approach
    expect(width(m.accuracy)).toBeCloseTo(width(wilson(20, 40)), 1);
    for (const f of [m.precision, m.recall]) expect(f.designEffect!).toBeGreaterThan(1.5);
    // every scene answers yes to half its questions: no scene-to-scene variation, so the items' Wilson interval (floor)
    expect(m.yesRatio).toMatchObject({ ...wilson(80, 160), designEffect: 1 });
    // the unseen split's figures cluster the same way (its in-view and hidden objects share a scene)
    const unseen = Array.from({ length: 40 }, (_, s) =>
      (['cannot', 'yes', 'yes'] as const).map((truth): ScoredItem => ({ truth, reply: s % 2 ? truth : truth === 'cannot' ? 'yes' : 'no', scene: `hidden-${s}` })),
    ).flat();
    const u = unseenMetrics(unseen);
    expect(u.accuracy.designEffect!).toBeGreaterThan(2);
    expect(u.recallInView.designEffect!).toBeGreaterThan(1.5);
    expect(u.yesOnUnseen).toMatchObject({ ...wilson(20, 40), designEffect: 1 }); // one hidden object per scene: no cluster
  });

  it('the unseen split reports the replies that named no option: among the objects it cannot see (the four shares add up to 1) and over all its items', () => {
    const replies = ['yes', 'no', 'cannot', 'invalid', 'invalid'] as const; // on the hidden object of scenes 0–4, then again
    const xs = Array.from({ length: 10 }, (_, s): ScoredItem[] => [
      { truth: 'cannot', reply: replies[s % 5], scene: `s${s}` },
      { truth: 'yes', reply: s === 0 ? 'invalid' : 'yes', scene: `s${s}` },
    ]).flat();
    const u = unseenMetrics(xs);
    expect(u.invalidOnUnseen).toMatchObject({ ...wilson(4, 10), designEffect: 1 });
    expect(u.yesOnUnseen.value! + u.noOnUnseen.value! + u.askOnUnseen.value! + u.invalidOnUnseen.value!).toBeCloseTo(1, 12);
    expect(u.invalidRate.value).toBe(5 / 20);
    expect(u.invalidRate.n).toBe(20);
    expect(u.invalidRate.clusters).toBe(10);
  });

  it('is reproducible by seed, and a different seed resamples differently', () => {
    const xs = correlated();
    expect(popeMetrics(xs, 5)).toEqual(popeMetrics(xs, 5));
    expect(popeMetrics(xs, 5).f1.ci95).not.toEqual(popeMetrics(xs, 6).f1.ci95);
    expect(popeMetrics(xs, 5).accuracy.designEffect).not.toEqual(popeMetrics(xs, 6).accuracy.designEffect);
  });

  it('questions of one scene apart in the list are still one cluster; items without a scene are each their own', () => {
    const xs = correlated();
    const shuffled = [...xs.filter((_, i) => i % 2 === 0), ...xs.filter((_, i) => i % 2 === 1)];
    expect(popeMetrics(shuffled).f1.clusters).toBe(40);
    const loose = xs.map(({ truth, reply }) => ({ truth, reply }));
    expect(popeMetrics(loose).f1).toMatchObject(bootstrap(loose, f1Of, 3));
    expect(popeMetrics(loose).accuracy).toMatchObject({ ...wilson(80, 160), designEffect: 1, clusters: 160 });
  });

  it("the probe's summary groups its items by their scene (summarizeHallucination), the open questions too (summarizeOpen)", () => {
    const items: PresenceItemResult[] = correlated().map((x, i) => ({ id: `random/${x.scene}/${i}`, split: 'random', scene: x.scene!, condition: 'clean', category: `c${i % 4}`, truth: x.truth, reply: '', answer: x.reply }));
    const s = summarizeHallucination('p', items);
    expect(s.pope.random!.f1.clusters).toBe(40);
    expect(s.pope.random!.accuracy.designEffect!).toBeGreaterThan(3);
    const open: OpenItemResult[] = Array.from({ length: 30 }, (_, s) =>
      (['count', 'position', 'attribute'] as const).map((type): OpenItemResult => ({ id: `clean-${s}/${type}`, scene: `clean-${s}`, type, question: '', reference: '', reply: '', score: s < 10 ? 0 : 6 })),
    ).flat();
    const o = summarizeOpen('p', open);
    expect(o.hallucinationRate.value).toBeCloseTo(1 / 3, 12);
    expect(o.hallucinationRate.clusters).toBe(30);
    expect(o.hallucinationRate.designEffect!).toBeGreaterThan(2);
    expect(width(o.hallucinationRate)).toBeGreaterThan(1.4 * width(wilson(30, 90)));
  });
});

describe('the open questions in the report and the terminal', () => {
  const item = (i: number, conveys: number | null): OpenItemResult => ({ id: `clean-${i}/count`, scene: `clean-${i}`, type: 'count', question: '', reference: '', reply: '', score: 6, judge: { conveys, raw: conveys === null ? 'hmm' : String(conveys) } });
  const summary = (items: OpenItemResult[]) => ({ ...summarizeHallucination('p', []), open: summarizeOpen('p', items, 'openai:u#judge') });

  it('a judge none of whose verdicts could be read says so, with no "NaN" for its agreement and kappa', () => {
    const s = summary([item(0, null), item(1, null)]);
    for (const text of [hallucinationHtml(s), hallucinationTable(s)]) {
      expect(text).not.toMatch(/NaN/);
      expect(text).toContain('none of its 2 verdicts could be read, so there is no agreement with the rule judge to show');
    }
  });

  it('a judge with verdicts shows its agreement and kappa as before', () => {
    const s = summary([item(0, 1), item(1, 0), item(2, null)]);
    expect(hallucinationTable(s)).toContain("agreement with the rule judge 50.0 %, Cohen's kappa 0.00 (n = 2, 1 verdicts unparsed)");
    expect(hallucinationHtml(s)).toContain("<p>Judge openai:u#judge: agreement with the rule judge 50.0 %, Cohen's kappa 0.00 (n = 2, 1 verdicts unparsed).</p>");
  });
});

describe('report.html', () => {
  it('says how its intervals were made: the hallucination probe resamples scenes (not a plain Wilson / item bootstrap)', async () => {
    const dir = tmpDir('askfirst-probe-html');
    await writeProbeHtml(dir, { hallucination: summarizeHallucination('p', []) });
    const note = /<p>Figures in %.*?<\/p>/.exec(readFileSync(join(dir, 'report.html'), 'utf8'))![0];
    expect(note).toContain('the scene is the unit');
    expect(note).toContain("Wilson's interval at the effective sample size");
    expect(note).toContain('cluster bootstrap over scenes for F1');
    // an F1 of 0 (or 1) is the same on every resample: the note says the point is no certainty (docs/probes.md)
    expect(note).toContain('an F1 of 0 or 100 has no interval width by construction');
  });

  it('an F1 of 0 reads [0.0, 0.0] (every resample the same) while recall keeps a Wilson interval: what the note explains', () => {
    const xs: ScoredItem[] = Array.from({ length: 10 }, (_, i) => ({ scene: `s${i >> 1}`, truth: i % 2 ? 'no' : 'yes', reply: 'no' }));
    const m = popeMetrics(xs);
    expect(pct(m.f1)).toBe('0.0 [0.0, 0.0]');
    expect(m.recall.ci95!.high).toBeGreaterThan(0.3);
  });
});

describe('presence items', () => {
  let episodes: SuiteEpisode[];
  let metas: PresenceItemMeta[];
  beforeAll(async () => {
    episodes = (await presenceItems({ seed: 0, scenes: 12, unseenScenes: 9, size: 96 })).episodes;
    metas = episodes.map(itemMeta);
  });

  it('each POPE split has as many no as yes questions, the same positives, and negatives that are absent', () => {
    for (const split of ['random', 'popular', 'adversarial'] as const) {
      const m = metas.filter((x) => x.split === split);
      expect(m.filter((x) => x.truth === 'yes').length).toBe(m.filter((x) => x.truth === 'no').length);
      expect(m.filter((x) => x.truth === 'yes').map((x) => x.scene + x.category)).toEqual(metas.filter((x) => x.split === 'random' && x.truth === 'yes').map((x) => x.scene + x.category));
    }
    const ids = new Set(episodes.map((e) => e.id));
    expect(ids.size).toBe(episodes.length);
  });

  it('with --categories, each POPE split still has as many no as yes questions (a scene\'s other objects are not asked about)', async () => {
    for (const categories of [['star', 'crescent', 'heart', 'circle'], ['house', 'tree', 'umbrella', 'lightning', 'star', 'key']]) {
      const m = (await presenceItems({ seed: 0, scenes: 40, unseenScenes: 0, size: 64, categories, splits: ['random', 'popular', 'adversarial'] })).episodes.map(itemMeta);
      for (const split of ['random', 'popular', 'adversarial'] as const) {
        const s = m.filter((x) => x.split === split);
        const yes = s.filter((x) => x.truth === 'yes').length;
        expect(yes, `${categories.join(',')} ${split}`).toBeGreaterThan(0);
        expect(s.filter((x) => x.truth === 'no').length, `${categories.join(',')} ${split}`).toBe(yes); // 52 yes to 186 no on 100 scenes before
        expect(s.every((x) => categories.includes(x.category))).toBe(true);
      }
    }
  });

  it('drawing the scenes hands the event loop a turn after each one (Ctrl-C is heard then, not once all are drawn), and gives the same items', async () => {
    let items: SuiteEpisode[] = [];
    const turns = await turnsBetweenSteps(async (onScene) => (items = (await presenceItems({ seed: 0, scenes: 12, unseenScenes: 9, size: 96, onScene })).episodes));
    expect(turns).toEqual(Array(20).fill(true));
    expect(items).toEqual(episodes);
  });

  it('popular negatives are the most frequent categories; the three splits differ', () => {
    const neg = (split: string) => metas.filter((x) => x.split === split && x.truth === 'no').map((x) => x.category);
    expect(neg('popular')).not.toEqual(neg('random'));
    expect(neg('adversarial')).not.toEqual(neg('popular'));
    const freq = new Map<string, number>();
    for (const x of metas.filter((x) => x.split === 'random' && x.truth === 'yes')) freq.set(x.category, (freq.get(x.category) ?? 0) + 1);
    const count = (cs: string[]) => cs.reduce((a, c) => a + (freq.get(c) ?? 0), 0) / cs.length;
    expect(count(neg('popular'))).toBeGreaterThan(count(neg('random')));
  });

  it('the unseen split asks about the hidden object (cannot tell) and the ones in view (yes)', () => {
    const u = metas.filter((x) => x.split === 'unseen');
    expect(u.filter((x) => x.truth === 'cannot').length).toBe(9);
    expect(u.filter((x) => x.truth === 'yes').length).toBeGreaterThan(0);
    expect(new Set(u.map((x) => x.condition))).toEqual(new Set(['hidden', 'cut', 'corrupted']));
    const s = multiObjectScene('hidden', 0, { seed: 0, size: 96 });
    expect(presenceTruth(s.facts, s.facts.objects[s.facts.target!].category)).toBe('cannot');
    expect(s.facts.objects[s.facts.target!].visibleFraction).toBeLessThan(0.05);
  });

  it('bad input is a clear error: unknown category, empty scene, too few categories', async () => {
    expect(() => checkCategories(['circle', 'square', 'triangle', 'unicorn'])).toThrow(ConfigError);
    expect(() => checkCategories(['circle', 'square', 'triangle', 'unicorn'])).toThrow(/unknown category "unicorn"; known: circle/);
    expect(() => checkCategories(['circle', 'square'])).toThrow(/at least 4/);
    // a name close to a category is told which it may have meant, each of several on its own
    expect(() => checkCategories(['circle', 'sqare', 'triangle', 'stra', 'unicorn'])).toThrow(/unknown categories "sqare" \(Did you mean square\?\), "stra" \(Did you mean star\?\), "unicorn"; known: circle, /);
    const s = multiObjectScene('clean', 0, { seed: 0, size: 96 });
    expect(() => presenceEpisode({ ...s, facts: { ...s.facts, objects: [] } }, 'star', 'random', 0)).toThrow(DataError);
    expect(() => presenceEpisode(s, 'unicorn', 'random', 0)).toThrow(/unknown category "unicorn"/);
    expect(() => presenceEpisode(s, 'tree ', 'random', 0)).toThrow(/^unknown category "tree " \(Did you mean tree\?\); known: /);
    await expect(hallucinationItems({ ...cfg, categories: ['dragon', 'circle', 'square', 'star'] })).rejects.toThrow(/unknown category "dragon"/);
    expect(() => resolveConfig(HallucinationConfigSchema, { scenes: 0 }, 'probe hallucination')).toThrow(ConfigError);
  });

  it('a set with no question in it is refused, saying why (it ran, asked nothing and printed an empty table)', async () => {
    await expect(hallucinationItems({ ...cfg, splits: ['unseen'], unseenScenes: 0 })).rejects.toThrow(
      /^no presence question to ask: --unseen-scenes 0 draws no scene for the unseen split; give more --scenes or --unseen-scenes/,
    );
    // the first scene (seed 0) holds none of these four: POPE asks about the objects in a scene
    const absent = ['fish', 'key', 'umbrella', 'bell'];
    expect(multiObjectScene('clean', 0, { seed: 0, size: 96 }).facts.objects.some((o) => absent.includes(o.category))).toBe(false);
    const none = hallucinationItems({ ...cfg, scenes: 1, unseenScenes: 0, categories: absent });
    await expect(none).rejects.toThrow(ConfigError);
    await expect(none).rejects.toThrow(/none of --categories fish,key,umbrella,bell is in the 1 clean scene of --splits random,popular,adversarial, and --unseen-scenes 0/);
  });
});

describe('probe hallucination on reference policies', () => {
  let episodes: SuiteEpisode[];
  beforeAll(async () => {
    episodes = await hallucinationItems(cfg);
  });
  const run = async (spec: string) => {
    const policy = await createPolicy(spec, { episodes, seed: 0 });
    return (await runHallucination({ cfg, policy, episodes, run: {} })).summary;
  };

  it('--overwrite with --open-scenes 0 leaves no earlier run\'s open questions (open/) in --out', async () => {
    const out = tmpDir('askfirst-hall-overwrite');
    const policy = await createPolicy('oracle', { episodes, seed: 0 });
    const open = openQuestionsFor({ ...cfg, openScenes: 4 });
    await runHallucination({ cfg, policy, episodes, open, out, run: { openScenes: 4 } });
    expect(readFileSync(join(out, 'open', 'results.jsonl'), 'utf8').trimEnd().split('\n')).toHaveLength(open.length);
    const none = await runHallucination({ cfg, policy, episodes, out, run: { openScenes: 0 }, overwrite: true });
    expect(none.summary.open).toBeUndefined();
    expect(existsSync(join(out, 'open'))).toBe(false);
    expect(existsSync(join(out, 'presence', 'results.jsonl'))).toBe(true);
  });

  it('the facts-reading oracle scores F1 1.0 on every POPE split and answers "cannot tell" to exactly the unseen objects', async () => {
    const s = await run('oracle');
    for (const m of Object.values(s.pope)) {
      expect(m.f1.value).toBe(1);
      expect(m.accuracy.value).toBe(1);
      expect(m.yesRatio.value).toBe(0.5);
    }
    expect(s.unseen!.accuracy.value).toBe(1);
    expect(s.unseen!.askOnUnseen.value).toBe(1);
    expect(s.unseen!.overAsk.value).toBe(0);
  });

  it('always-yes: yes-ratio 1.0 and F1 ⅔ on every POPE split; it says yes to every object it cannot see', async () => {
    const s = await run('constant:Yes');
    for (const m of Object.values(s.pope)) {
      expect(m.yesRatio.value).toBe(1);
      expect(m.f1.value).toBeCloseTo(2 / 3, 10);
    }
    expect(s.unseen!.yesOnUnseen.value).toBe(1);
  });

  it("prints the POPE invalidRate as unparseable (a reply naming no option: eval's unparseable), and over-asking as eval's", async () => {
    const s = await run('constant:Maybe'); // names none of "I cannot tell", "Yes", "No"
    for (const m of Object.values(s.pope)) expect(m.invalidRate.value).toBe(1);
    const text = hallucinationTable(s);
    expect(text).toMatch(/cannot-tell +unparseable *\n/);
    for (const line of text.split('\n').filter((l) => /^(random|popular|adversarial) /.test(l))) expect(line.trimEnd()).toMatch(/100\.0 \[[\d.]+, 100\.0\]$/);
    expect(text).toContain('cannot tell (over-asking)');
    const html = hallucinationHtml(s);
    expect(html).toContain('<th>cannot tell</th><th>unparseable (no option)</th>');
    expect(html).toMatch(/<td>100\.0 \[[\d.]+, 100\.0\]<\/td><\/tr>/);
    // the unseen split too: every reply unparseable, over its items and over the objects it cannot see
    expect(s.unseen!.invalidRate.value).toBe(1);
    expect(s.unseen!.invalidOnUnseen.value).toBe(1);
    expect(text).toMatch(/unseen split .*, \d+ items: accuracy 0\.0 \[[\d.]+, [\d.]+\], unparseable 100\.0 \[/);
    expect(text).toMatch(/objects it cannot see: said yes 0\.0 \[[\d., ]+\], no 0\.0 \[[\d., ]+\], cannot tell 0\.0 \[[\d., ]+\], unparseable 100\.0 \[/);
    expect(html).toContain('<th>cannot tell on unseen</th><th>unparseable on unseen</th><th>cannot tell in view (over-asking)</th><th>yes in view</th><th>unparseable (no option)</th>');
    const unseenRow = /<th>unparseable on unseen<\/th>[\s\S]*?<tbody><tr>(.*?)<\/tr>/.exec(html)![1];
    expect([...unseenRow.matchAll(/<td>(.*?)<\/td>/g)].map((c) => c[1].split(' ')[0])).toEqual([String(s.unseen!.n), '0.0', '0.0', '0.0', '0.0', '100.0', '0.0', '0.0', '100.0']);
  });

  it('random lands near chance and is caught on the unseen split', async () => {
    const s = await run('random:3');
    expect(s.pope.random!.accuracy.value).toBeLessThan(0.6);
    expect(s.unseen!.accuracy.value).toBeLessThan(0.6);
  });
});

/** The rule judge's score of a reply to the first open question of `type` whose truth is `truth`, on 40 clean scenes. */
function scorerOf(type: OpenItemResult['type'], truth: string): (reply: string) => number {
  const q = openQuestions(Array.from({ length: 40 }, (_, i) => multiObjectScene('clean', i, { seed: 0, size: 96 }))).find((x) => x.type === type && x.truth === truth);
  if (!q) throw new Error(`no ${type} question with truth ${truth}`);
  return (reply: string) => ruleScore(q, reply);
}

describe('MMHal-style open questions, rule judge', () => {
  const qs = openQuestionsFor({ ...cfg, openScenes: 12 });
  const hidden = qs.find((q) => q.type === 'hidden')!;
  const colour = qs.find((q) => q.type === 'attribute')!;
  const count = qs.find((q) => q.type === 'count')!;
  const absent = ['circle', 'square', 'star', 'heart', 'key'].find((c) => !colour.facts.objects.some((o) => o.category === c))!;

  it('grades 0–6 from the facts', () => {
    expect(ruleScore(colour, `It is ${colour.truth}.`)).toBe(6);
    expect(ruleScore(colour, `It is ${colour.truth} or maybe ${colour.truth === 'red' ? 'blue' : 'red'}.`)).toBe(4);
    expect(ruleScore(colour, 'I cannot tell.')).toBe(3);
    expect(ruleScore(colour, `It is ${colour.truth === 'red' ? 'blue' : 'red'}.`)).toBe(1);
    expect(ruleScore(colour, `There is a ${absent} next to it.`)).toBe(0);
    expect(ruleScore(count, `There are ${count.truth} objects.`)).toBe(6);
    expect(ruleScore(hidden, 'I cannot tell what is behind it; please show me a clearer view.')).toBe(6);
    expect(ruleScore(hidden, `It is a ${absent}.`)).toBe(0);
  });

  it('reads a position as VLMs say it: "center", "top-left", "upper left", "at the top, in the middle" name the right cell, not a wrong one or none', () => {
    const at = (truth: string) => scorerOf('position', truth);
    const centre = at('centre');
    const topLeft = at('top left');
    const top = at('top');
    const right = at('right');
    for (const r of ['center', 'In the center of the image.', 'in the middle', 'In the centre.']) expect(centre(r), r).toBe(6);
    for (const r of ['top-left', 'In the top-left corner.', 'upper left', 'Upper-left.', 'On the left side of the top row.', 'at the top left']) expect(topLeft(r), r).toBe(6);
    for (const r of ['At the top of the image, in the middle.', 'top center', 'top']) expect(top(r), r).toBe(6);
    for (const r of ['center right', 'middle of the right side', 'right']) expect(right(r), r).toBe(6);
    // wrong places are still wrong, a hedge still a hedge
    expect(topLeft('bottom-right')).toBe(1);
    expect(topLeft('lower left')).toBe(1);
    expect(centre('top center')).toBe(1);
    expect(topLeft('top-left or bottom-right')).toBe(4);
    expect(right('left or right')).toBe(4);
    expect(positionCell('I cannot tell.')).toBeNull();
  });

  it('reads "one" as a pronoun, not a second count: "two objects: one on the left and one on the right" is right, not a hedge', () => {
    const scenes = Array.from({ length: 40 }, (_, i) => multiObjectScene('clean', i, { seed: 0, size: 96 }));
    const count = (truth: string) => openQuestions(scenes).find((x) => x.type === 'count' && x.truth === truth)!;
    const two = count('2');
    const three = count('3');
    const one = count('1');
    // (the places and the colour are the scene's: a false one beside the right count is a hallucination, 2)
    const [a, b] = two.facts.objects;
    expect(ruleScore(two, `There are two objects: one at the ${a.position} and one at the ${b.position}.`)).toBe(6);
    expect(ruleScore(three, 'There are three objects, and one of them is a star.')).toBe(6);
    expect(ruleScore(two, `Two; the one at the ${a.position} is ${a.colour}.`)).toBe(6);
    // "one" as a number still counts: right, wrong or hedged
    expect(ruleScore(one, 'There is one object.')).toBe(6);
    expect(ruleScore(one, 'One.')).toBe(6);
    expect(ruleScore(two, 'There is only one object.')).toBe(1);
    expect(ruleScore(two, 'One or two objects.')).toBe(4);
  });

  it('with --categories, an open question names only those (as the presence questions do); without, the same questions as before', () => {
    const cats = ['circle', 'square', 'triangle', 'star'];
    const c = { ...cfg, openScenes: 30 };
    const named = openQuestionsFor({ ...c, categories: cats });
    const all = openQuestionsFor(c);
    const names = (qs: readonly { question: string }[]) => qs.flatMap((x) => CATEGORIES.filter((k) => new RegExp(`\\b${k}\\b`).test(x.question)));
    expect(names(all).some((k) => !cats.includes(k))).toBe(true);
    expect(names(named).length).toBeGreaterThan(0);
    expect(names(named).filter((k) => !cats.includes(k))).toEqual([]);
    // count and hidden-object questions name no category: all are still asked
    for (const t of ['count', 'hidden']) expect(named.filter((x) => x.type === t).length).toBe(all.filter((x) => x.type === t).length);
    expect(openQuestionsFor({ ...c, categories: [...CATEGORIES] }).map((x) => x.id)).toEqual(all.map((x) => x.id));
  });

  it('reads a colour as VLMs say it: "navy blue", "violet", "golden", "crimson" are right; "gray", "pink", "brown" wrong (1), not unrecognised; the background is not the object', () => {
    const of = (truth: string) => scorerOf('attribute', truth);
    const blue = of('blue');
    const purple = of('purple');
    const red = of('red');
    const yellow = of('yellow');
    const green = of('green');
    for (const r of ['It is navy blue.', 'Navy.', 'light blue', 'Bluish.', 'cobalt']) expect(blue(r), r).toBe(6);
    for (const r of ['violet', 'It is lavender.', 'purplish']) expect(purple(r), r).toBe(6);
    for (const r of ['crimson', 'Scarlet.', 'dark red']) expect(red(r), r).toBe(6);
    for (const r of ['golden', 'It is gold.']) expect(yellow(r), r).toBe(6);
    for (const r of ['emerald green', 'lime']) expect(green(r), r).toBe(6);
    // a colour outside the palette is a wrong colour (a hue between two of its colours: the next test)
    for (const r of ['gray', 'It is grey.', 'pink', 'brown', 'black', 'white', 'beige', 'silver']) expect(blue(r), r).toBe(1);
    expect(red('violet')).toBe(1);
    expect(green('blue-green')).toBe(4); // two colours: a hedge
    expect(blue('navy or gray')).toBe(4);
    // the background's colour is not the object's
    expect(red('A red shape on a light gray background.')).toBe(6);
    expect(red('It is red, on a light yellow background.')).toBe(6);
    expect(purple('The background is white and the shape is purple.')).toBe(6);
    expect(blue('The background appears to be off-white.')).toBe(3); // nothing said of the object: not informative, nothing false
  });

  it('reads a hue between two of the palette\'s colours as the one its RGB is nearest (the palette as the scenes draw it): "teal" is right for blue, wrong for green, not wrong for every colour', () => {
    // the rule: a hue's sRGB value against the palette's drawn fills (OBJECT_COLOURS through hsv), nearest by RGB distance
    for (const [c, [h, s, v]] of Object.entries(OBJECT_COLOURS)) expect(nearestPaletteColour(hsv(h, s, v)), c).toBe(c);
    const of = (truth: string) => scorerOf('attribute', truth);
    const [blue, green, purple, red, yellow, orange] = ['blue', 'green', 'purple', 'red', 'yellow', 'orange'].map(of);
    for (const r of ['teal', 'It is turquoise.', 'cyan']) {
      expect(blue(r), r).toBe(6);
      expect(green(r), r).toBe(1);
    }
    for (const r of ['indigo', 'magenta', 'fuchsia']) expect(purple(r), r).toBe(6);
    expect(blue('indigo')).toBe(1);
    expect(red('magenta')).toBe(1);
    expect(yellow('amber')).toBe(6);
    expect(orange('amber')).toBe(1);
    expect(green('teal or green')).toBe(4); // teal is blue here: a hedge between blue and green
  });

  it('reads a colour said of another object, or denied, as not the object\'s: "the star is red and the circle is blue" and "not blue, it is red" are red, not a hedge (4)', () => {
    // an attribute question about a red object in a scene with another object in view, whose colour is not red
    const qs = openQuestions(Array.from({ length: 60 }, (_, i) => multiObjectScene('clean', i, { seed: 0, size: 96 })));
    const q = qs.find((x) => x.type === 'attribute' && x.truth === 'red' && x.facts.objects.some((o) => o.visible && o.category !== x.category && o.colour !== 'red'))!;
    const other = q.facts.objects.find((o) => o.visible && o.category !== q.category && o.colour !== 'red')!;
    const score = (reply: string) => ruleScore(q, reply);
    const [it, them] = [q.category!, other.category];
    expect(score(`The ${it} is red and the ${them} is ${other.colour}.`)).toBe(6);
    expect(score(`A red ${it} next to a ${other.colour} ${them}.`)).toBe(6);
    expect(score(`The ${them} is ${other.colour}; the ${it} is red.`)).toBe(6);
    for (const r of ['It is not blue, it is red.', "It isn't orange; it's red.", 'Neither blue nor purple: red.', 'Red rather than orange.']) expect(score(r), r).toBe(6);
    // the wrong colour is still wrong, a hedge still a hedge, and denying the right colour is a false claim
    expect(score('It is not red, it is blue.')).toBe(1);
    expect(score('It is red or blue.')).toBe(4);
    expect(score(`The ${it} is blue and the ${them} is red.`)).toBe(1);
    expect(score('It is not red.')).toBe(1);
    expect(score('It is not blue.')).toBe(3); // true, but not the answer: not informative
  });

  it('rates a reply that states nothing checkable 3 (MMHal-Bench\'s "not informative, no hallucination"), not 2 (a hallucination); a false claim of another kind stays below 3', () => {
    const scenes = Array.from({ length: 40 }, (_, i) => multiObjectScene('clean', i, { seed: 0, size: 96 }));
    const one = (t: OpenQuestion['type']) => openQuestions(scenes).find((x) => x.type === t && x.facts.objects.filter((o) => o.visible).length >= 2)!;
    for (const q of [one('count'), one('attribute'), one('position'), hidden]) {
      // constant:Yes's and random's replies, and others that claim nothing about the scene
      for (const r of ['Yes', 'A.', 'It is an object.', 'Interesting question!']) expect(ruleScore(q, r), `${q.type}: ${r}`).toBe(3);
    }
    // what the rubric calls a hallucination stays one: a guess about what cannot be seen, a wrong value
    expect(ruleScore(hidden, 'It is on the left.')).toBe(2);
    expect(ruleScore(hidden, 'There are two of them.')).toBe(2);
    // a claim of another kind than asked is checked against the facts: true, not informative (3); false, a hallucination (1)
    const colour = one('attribute');
    const it = colour.facts.objects.find((o) => o.category === colour.category)!;
    const elsewhere = ['top left', 'bottom right'].find((p) => p !== it.position)!;
    expect(ruleScore(colour, `It is at the ${it.position}.`)).toBe(3);
    expect(ruleScore(colour, `It is at the ${elsewhere}.`)).toBe(1);
    expect(ruleScore(colour, `I cannot tell its colour; it is at the ${elsewhere}.`)).toBe(1);
    const place = one('position');
    const its = place.facts.objects.find((o) => o.category === place.category)!.colour;
    expect(ruleScore(place, `It is ${its}.`)).toBe(3);
    expect(ruleScore(place, `It is ${its === 'red' ? 'blue' : 'red'}.`)).toBe(1);
    const count = one('count');
    const seen = count.facts.objects.filter((o) => o.visible);
    const none = Object.keys(OBJECT_COLOURS).find((c) => !seen.some((o) => o.colour === c))!;
    expect(ruleScore(count, `They are ${seen[0].colour} and ${seen[1].colour}.`)).toBe(3);
    expect(ruleScore(count, `They are all ${none}.`)).toBe(1);
  });

  it('a right answer with a false claim of another kind is a hallucination: "very informative, with hallucination" (2), not 6; hedged, 1', () => {
    const scenes = Array.from({ length: 40 }, (_, i) => multiObjectScene('clean', i, { seed: 0, size: 96 }));
    const qs = openQuestions(scenes).filter((x) => x.facts.objects.filter((o) => o.visible).length >= 2);
    const colour = qs.find((x) => x.type === 'attribute')!;
    const place = qs.find((x) => x.type === 'position')!;
    const count = qs.find((x) => x.type === 'count')!;
    // a corner in another row and another column than the cell: false however loosely a place is read
    const away = (cell: string) => ['top left', 'top right', 'bottom left', 'bottom right'].find((c) => c.split(' ').every((w) => !cell.includes(w)))!;
    const it = colour.facts.objects.find((o) => o.category === colour.category)!;
    const other = colour.facts.objects.find((o) => o.category !== colour.category)!;
    const wrong = (c: string) => (c === 'red' ? 'blue' : 'red');
    // the brief's case: the right colour at a wrong place
    expect(ruleScore(colour, `A ${it.colour} ${it.category} at the ${away(it.position)}.`)).toBe(2);
    expect(ruleScore(colour, `A ${it.colour} ${it.category} at the ${it.position}.`)).toBe(6);
    expect(ruleScore(colour, `It is ${it.colour} or ${wrong(it.colour)}, at the ${away(it.position)}.`)).toBe(1); // a hedge, with hallucination
    // a place said of another object is not the object's
    expect(ruleScore(colour, `A ${it.colour} ${it.category}, next to a ${other.category} at the ${away(it.position)}.`)).toBe(6);
    // a number beside the colour is not read ("one red star" counts the star, not the scene)
    expect(ruleScore(colour, `One ${it.colour} ${it.category}.`)).toBe(6);
    expect(ruleScore(colour, `I cannot tell its colour; there is one ${it.category}.`)).toBe(3);
    // the right place, a wrong colour of the object asked about
    const its = place.facts.objects.find((o) => o.category === place.category)!;
    expect(ruleScore(place, `The ${wrong(its.colour)} ${its.category} is at the ${its.position}.`)).toBe(2);
    expect(ruleScore(place, `The ${its.colour} ${its.category} is at the ${its.position}.`)).toBe(6);
    // the right count, a colour no object in view has
    const seen = count.facts.objects.filter((o) => o.visible);
    const none = Object.keys(OBJECT_COLOURS).find((c) => !seen.some((o) => o.colour === c))!;
    expect(ruleScore(count, `There are ${count.truth} objects, all ${none}.`)).toBe(2);
    expect(ruleScore(count, `There are ${count.truth} objects, one of them ${seen[0].colour}.`)).toBe(6);
  });

  it('what only echoes the question is no claim: "the object at the left edge" to the cut-off question is not informative (3), not a guess (2)', () => {
    const cut = Array.from({ length: 12 }, (_, i) => openQuestions([multiObjectScene('cut', i, { seed: 0, size: 96 })]).find((x) => x.type === 'hidden')!);
    const side = (q: OpenQuestion) => (q.question.includes('left edge') ? 'left' : 'right');
    expect(new Set(cut.map(side)).size).toBe(2); // both edges are asked about
    for (const q of cut) {
      const s = side(q);
      expect(ruleScore(q, `The object at the ${s} edge of the image.`), q.question).toBe(3);
      expect(ruleScore(q, `The object cut off at the ${s} edge.`), q.question).toBe(3);
      // what the question does not say stays a guess
      expect(ruleScore(q, `The object at the ${s} edge is red.`), q.question).toBe(2);
      expect(ruleScore(q, `It is at the top ${s}.`), q.question).toBe(2);
      expect(ruleScore(q, `It is at the ${s === 'left' ? 'right' : 'left'} edge.`), q.question).toBe(2);
    }
  });

  it('a colour denied on a count question is not read against every object in view: "the triangle is not purple" says nothing false of a purple square', () => {
    const scenes = Array.from({ length: 40 }, (_, i) => multiObjectScene('clean', i, { seed: 0, size: 96 }));
    const count = openQuestions(scenes).find((x) => x.type === 'count' && new Set(x.facts.objects.map((o) => o.colour)).size >= 2)!;
    const [a, b] = count.facts.objects.filter((o) => o.colour !== count.facts.objects[0].colour || o === count.facts.objects[0]);
    expect(a.colour).not.toBe(b.colour);
    expect(ruleScore(count, `There are ${count.truth} objects; the ${a.category} is not ${b.colour}.`)).toBe(6);
    expect(ruleScore(count, `I cannot count them; the ${a.category} is not ${b.colour}.`)).toBe(3);
    // on a colour question, a denial is read of the object asked about, as before
    const colour = openQuestions(scenes).find((x) => x.type === 'attribute')!;
    const it = colour.facts.objects.find((o) => o.category === colour.category)!;
    expect(ruleScore(colour, `It is not ${it.colour}.`)).toBe(1);
  });

  it('a category named in the plural is named: "two stars" where there is no star is an object hallucination (0), not a right count', () => {
    const two = openQuestions(Array.from({ length: 40 }, (_, i) => multiObjectScene('clean', i, { seed: 0, size: 96 }))).find((x) => x.type === 'count' && x.truth === '2')!;
    const cats = two.facts.objects.map((o) => o.category);
    const gone = ['star', 'cross', 'key', 'fish', 'hourglass'].filter((c) => !cats.includes(c));
    expect(gone.length).toBeGreaterThan(2);
    const plural = (c: string) => (/(s|sh)$/.test(c) ? `${c}es` : `${c}s`);
    for (const c of gone) expect(ruleScore(two, `There are two ${plural(c)}.`), c).toBe(0);
    expect(ruleScore(two, `There are two ${plural(cats[0])}.`)).toBe(6); // in the scene: no hallucination
    expect(ruleScore(two, `There are two objects; it starts at the ${two.facts.objects[0].position}.`)).toBe(6); // "starts" is no star
  });

  it('takes the ways a model says it cannot be told for a decline: 6 on a hidden object, not 2 (counted as a hallucination)', () => {
    const declines = [
      'It cannot be determined from the image.',
      'The object behind the block is not visible.',
      'It cannot be seen.',
      'The object is completely covered by the wooden block.',
      'The image is too blurry to make out any objects.',
      'The image is too pixelated to recognise anything.',
      'Unknown.',
      "It's not clear.",
      'I can’t tell.',
      'I cannot tell what is behind it.',
    ];
    for (const r of declines) expect(ruleScore(hidden, r), r).toBe(6);
    // a guess is still one, an object that is not there still a hallucination
    expect(ruleScore(hidden, 'It is a red shape.')).toBe(2);
    expect(ruleScore(hidden, `It is a ${absent}, though not clear.`)).toBe(0);
    // on an answerable question, a decline is uninformative (3), not false
    expect(ruleScore(count, 'The image is not clear enough to count.')).toBe(3);
  });

  it('the facts-reading reference scores 6 everywhere; a policy that always says it cannot tell hallucinates nothing but informs little', async () => {
    const ref = await runOpenQuestions({ policy: referencePolicy(qs), questions: qs });
    expect(ref.summary.meanScore).toBe(6);
    expect(ref.summary.hallucinationRate.value).toBe(0);
    const shy = await runOpenQuestions({ policy: await createPolicy('constant:I cannot tell.', { episodes: [], seed: 0 }), questions: qs });
    expect(shy.summary.hallucinationRate.value).toBe(0);
    expect(shy.summary.byType.hidden.meanScore).toBe(6);
    expect(shy.summary.byType.count.meanScore).toBe(3);
    const liar = await runOpenQuestions({ policy: await createPolicy(`constant:a red ${absent}`, { episodes: [], seed: 0 }), questions: qs });
    expect(liar.summary.hallucinationRate.value).toBeGreaterThan(0.5);
    // replies that claim nothing about the scene (always "Yes", random's option letters): not informative, no hallucination
    for (const spec of ['constant:Yes', 'random:0']) {
      const { summary } = await runOpenQuestions({ policy: await createPolicy(spec, { episodes: [], seed: 0 }), questions: qs });
      expect([summary.meanScore, summary.hallucinationRate.value], spec).toEqual([3, 0]);
    }
  });

  it('stops after the current batch on Ctrl-C (the signal), keeping what was answered; a re-run asks only the rest', async () => {
    const out = tmpDir('askfirst-open-abort');
    const ac = new AbortController();
    let asked = 0;
    const policy = { name: 'p', act: async (b: readonly { episodeId: string }[]) => (asked += b.length, ac.abort(), b.map(() => ({ reply: 'I cannot tell.' }))) };
    await expect(runOpenQuestions({ policy, questions: qs, out, batchSize: 4, signal: ac.signal })).rejects.toThrow(RunAborted);
    expect(asked).toBe(4);
    expect(readFileSync(join(out, 'open', 'results.jsonl'), 'utf8').trimEnd().split('\n')).toHaveLength(4);
    asked = 0;
    const again = await runOpenQuestions({ policy: { name: 'p', act: async (b) => (asked += b.length, b.map(() => ({ reply: 'I cannot tell.' }))) }, questions: qs, out, batchSize: 4 });
    expect([asked, again.items.length]).toEqual([qs.length - 4, qs.length]);
  });

  it('resumes after a kill mid-line: the cut line is asked again and the file stays one record per line', async () => {
    const out = tmpDir('askfirst-open-resume');
    const policy = await createPolicy('constant:I cannot tell.', { episodes: [], seed: 0 });
    const first = await runOpenQuestions({ policy, questions: qs.slice(0, 3), out });
    const path = join(out, 'open', 'results.jsonl');
    const whole = readFileSync(path, 'utf8');
    // the kill came while the third record was being written
    writeFileSync(path, whole.slice(0, whole.trimEnd().lastIndexOf('\n') + 1) + whole.trimEnd().split('\n')[2].slice(0, 25));
    const again = await runOpenQuestions({ policy, questions: qs, out });
    expect(again.items.slice(0, 3)).toEqual(first.items);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(qs.map((q) => q.id));
    // a malformed line that is not the last is an error naming it, not a silent re-ask
    writeFileSync(path, `{"id":\n${lines.join('\n')}\n`);
    await expect(runOpenQuestions({ policy, questions: qs, out })).rejects.toThrow(/open\/results\.jsonl:1: malformed JSON/);
  });

  it('a resumed run is graded by one rule: the answers kept from before are graded again from their replies, as one never stopped', async () => {
    const out = tmpDir('askfirst-open-regrade');
    const policy = await createPolicy('constant:It cannot be determined; the object is not visible.', { episodes: [], seed: 0 });
    const whole = await runOpenQuestions({ policy, questions: qs });
    await runOpenQuestions({ policy, questions: qs.slice(0, 3), out });
    // those three were answered by an askfirst whose rule judge graded the reply otherwise (2: not read as a decline)
    const path = join(out, 'open', 'results.jsonl');
    writeFileSync(path, readFileSync(path, 'utf8').replace(/"score":\d/g, '"score":2'));
    const resumed = await runOpenQuestions({ policy, questions: qs, out });
    expect(resumed.items).toEqual(whole.items);
    expect(resumed.summary).toEqual(whole.summary);
  });
});
