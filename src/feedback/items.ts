/**
 * Episodes → workbench items. One item per episode (its first view, question and the model's
 * reply there), with one task per requested type:
 * - rationale: k candidate rationales for the reply: one that supports it (when any does) and
 *   k − 1 sampled uniformly from the other fact sentences (the ILLUME loop samples from its head);
 * - ask: the first turn — options and the model's reply — to judge ask-or-answer;
 * - preference: two free-text replies built from scene facts, one faithful and one with a false
 *   fact (a hallucination), in random order (when no second model is available);
 * - play: the whole episode, views as paths relative to the project's image folder.
 */
import type { Episode } from '../episode/types.js';
import { optionTexts, shownOptions } from '../episode/prompt.js';
import { parseReply } from '../episode/parse.js';
import { candidates, rationaleText, sceneFacts, sceneTruth, shapeSentence } from './facts.js';
import type { ItemInput } from './store.js';
import type { TaskType } from './tasks.js';
import type { SceneRng } from '../util/rng.js';

export interface ItemOptions {
  /** The model's reply at the first view. */
  reply: string;
  /** Task types to create. */
  types: readonly TaskType[];
  /** Rationales per rationale task. */
  k: number;
  /** The seeded generator for sampling and ordering. */
  rng: SceneRng;
}

/** 'ask' when the reply requests an intervention (valid or not), else 'answer'. */
export function answerKind(ep: Episode, reply: string): 'ask' | 'answer' {
  const a = parseReply(reply, shownOptions(ep, ep.firstView, 'proactive'));
  return a.type === 'intervention' ? 'ask' : 'answer';
}

export function episodeToItem(ep: Episode<string>, o: ItemOptions): ItemInput {
  const truth = sceneTruth(ep);
  const informative = ep.informative?.[ep.firstView] ?? ep.control;
  const facts = sceneFacts(truth, informative, ep.categories);
  const shown = shownOptions(ep, ep.firstView, 'proactive');
  const tasks: ItemInput['tasks'] = [];
  for (const type of o.types) {
    if (type === 'rationale') {
      // One supporting rationale (when there is one) among k − 1 uniformly sampled others, shuffled,
      // so every task has something to accept and something to reject.
      const cands = candidates(facts, answerKind(ep, o.reply));
      const good = cands.map((c, i) => (c.supports ? i : -1)).filter((i) => i >= 0);
      const one = good.length ? [good[Math.floor(o.rng.next() * good.length)]] : [];
      const rest = o.rng.shuffle([...Array(cands.length).keys()]).filter((i) => !one.includes(i));
      const pick = o.rng.shuffle([...one, ...rest.slice(0, Math.max(0, o.k - one.length))]);
      tasks.push({ type, payload: { answer: o.reply, rationales: pick.map((i) => rationaleText(cands[i].text)) } });
    } else if (type === 'ask') {
      tasks.push({ type, payload: { options: optionTexts(shown), numInterventions: shown.interventions.length, reply: o.reply } });
    } else if (type === 'preference') {
      // The replies describe the clearest view; its true facts are shown beside them.
      const category = ep.categories[ep.answer];
      const clear = sceneFacts(truth, true, ep.categories);
      const trueFacts = clear.filter((f) => f.holds);
      const falseFacts = clear.filter((f) => !f.holds && f.family !== 'condition');
      const t = trueFacts[Math.floor(o.rng.next() * trueFacts.length)]?.text ?? shapeSentence(category);
      const f = falseFacts[Math.floor(o.rng.next() * falseFacts.length)]?.text ?? 'it is made of glass';
      const good = `My answer: ${category}, because ${t}.`;
      const bad = `My answer: ${category}, because ${t} and ${f}.`;
      tasks.push({
        type,
        payload: { replies: o.rng.next() < 0.5 ? [good, bad] : [bad, good], image: ep.views[ep.referenceView], facts: trueFacts.map((x) => x.text) },
      });
    } else {
      tasks.push({ type, payload: { episode: ep } });
    }
  }
  return {
    externalId: ep.id,
    image: ep.views[ep.firstView],
    question: ep.question,
    modelOutput: o.reply,
    facts,
    meta: { kind: ep.kind, categories: ep.categories, answer: ep.answer, truth, informative },
    tasks,
  };
}
