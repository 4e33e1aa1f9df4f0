/**
 * ILLUME's interactive rationalisation loop (Brack, Schramowski et al., "ILLUME: Rationalizing
 * Vision-Language Models through Human Interactions", ICML 2023): for every training item the
 * model samples k rationales for its answer; a critic (people in the workbench, or an automatic
 * critic that knows the scene's true facts) accepts the acceptable ones; the model is fine-tuned
 * on everything accepted so far; repeat. Reported per round: coverage (share of training items
 * with at least one accepted rationale among this round's samples) and rationale accuracy on
 * held-out items (the top-scored rationale is a correct one).
 */
import type { Episode } from '../episode/types.js';
import type { RGBImage } from '../scenes/image.js';
import { resolveConfig } from '../util/config.js';
import { SceneRng } from '../util/rng.js';
import { yieldToEventLoop } from '../util/yield.js';
import { candidates, COLOURS, CONDITION_SENTENCES, sceneFacts, sceneTruth, shapeSentence } from './facts.js';
import { RationaleScorer, type ImageEncoder, type RationaleItem } from './rationale-scorer.js';
import { IllumeConfigSchema, type IllumeConfig } from './illume-config.js';

export function resolveIllumeConfig(partial: unknown): IllumeConfig {
  return resolveConfig(IllumeConfigSchema, partial, 'illume');
}

/** Judges sampled rationales: for each item, which of the picked candidate indices are acceptable. */
export type Critic = (items: readonly RationaleItem[], picks: readonly number[][], round: number) => Promise<number[][]>;

/** The automatic critic: accepts a rationale exactly when it is a true fact that supports the answer. */
export const autoCritic: Critic = async (items, picks) => items.map((it, i) => picks[i].filter((c) => it.candidates[c].supports));

export interface RoundReport {
  round: number;
  /** Share of training items with ≥ 1 accepted rationale among this round's k samples. */
  coverage: number;
  /** Share of training items with ≥ 1 accepted rationale in any round so far. */
  cumulativeCoverage: number;
  /** Accepted (item, rationale) pairs collected so far. */
  accepted: number;
  /** Held-out rationale accuracy after this round's fine-tuning. */
  heldOutAccuracy: number;
  /** The fit's last-epoch mean loss; null when no rationale had been accepted yet, so nothing was fitted. */
  loss: number | null;
  seconds: number;
}

export interface IllumeResult {
  /** Held-out rationale accuracy before any fine-tuning. */
  initialAccuracy: number;
  rounds: RoundReport[];
  scorer: RationaleScorer;
}

/** Share of items whose top-scored candidate supports the answer (an item whose scores hold a NaN has none: wrong). */
export function rationaleAccuracy(scorer: RationaleScorer, items: readonly RationaleItem[]): number {
  if (!items.length) return NaN;
  const best = scorer.best(items);
  return best.filter((b, i) => b >= 0 && items[i].candidates[b].supports).length / items.length;
}

/** Every sentence the fact extractor can produce for these categories (the head's vocabulary). */
export function sentenceVocabulary(categories: readonly string[]): string[] {
  return [...Object.values(CONDITION_SENTENCES), ...categories.map(shapeSentence), ...COLOURS.map((c) => `it is ${c}`)];
}

/**
 * Rationale items of one episode: its first view with the first valid intervention as the
 * answer (when that view does not show enough), and its reference view with the correct category.
 * Their images are not read here: each item holds its view (a path, say) and `view` turns it into pixels when the
 * image is asked for (rationale-scorer.ts describeItems), so items of thousands of episodes hold no pixels.
 */
export function episodeRationaleItems<V>(ep: Episode<V>, view: (v: V) => Promise<RGBImage>): RationaleItem[] {
  const truth = sceneTruth(ep);
  const out: RationaleItem[] = [];
  const firstInformative = ep.informative?.[ep.firstView] ?? ep.control;
  const step = ep.steps[ep.firstView];
  const valid = step?.offered.find((i) => step.next[i] !== undefined);
  // the two views alone, not the episode (a closure over `ep` would keep all its views)
  const first = ep.views[ep.firstView];
  const reference = ep.views[ep.referenceView];
  if (!firstInformative && valid !== undefined) {
    out.push({
      id: `${ep.id}#ask`,
      image: () => view(first),
      question: ep.question,
      answer: ep.interventions[valid],
      answerKind: 'ask',
      candidates: candidates(sceneFacts(truth, false, ep.categories), 'ask'),
    });
  }
  const category = ep.categories[ep.answer];
  out.push({
    id: `${ep.id}#answer`,
    image: () => view(reference),
    question: ep.question,
    answer: category,
    answerKind: 'answer',
    category,
    candidates: candidates(sceneFacts(truth, true, ep.categories), 'answer'),
  });
  return out;
}

/**
 * The loop. Items not yet described for its scorer (rationale-scorer.ts describeItems) are described first, the
 * held-out ones before the training ones, as they were when the scorer described them on first use.
 */
export async function runIllume(
  train: readonly RationaleItem[],
  heldOut: readonly RationaleItem[],
  critic: Critic,
  partial: Partial<IllumeConfig> & { encoder?: ImageEncoder } = {},
  onRound?: (r: RoundReport) => void,
): Promise<IllumeResult> {
  const { encoder, ...rest } = partial;
  const cfg = resolveIllumeConfig(rest);
  const categories = [...new Set([...train, ...heldOut].flatMap((it) => (it.category ? [it.category] : [])))].sort();
  const sentences = [...sentenceVocabulary(categories), ...[...train, ...heldOut].flatMap((it) => it.candidates.map((c) => c.text))];
  const scorer = new RationaleScorer(sentences, categories, { hidden: cfg.hidden, lr: cfg.lr, seed: cfg.seed, encoder });
  await scorer.describe(heldOut);
  await scorer.describe(train);
  const rng = SceneRng.fromState(cfg.seed + 101);
  const initialAccuracy = rationaleAccuracy(scorer, heldOut);
  const accepted = new Map<string, { item: RationaleItem; candidate: number }>();
  const everCovered = new Set<string>();
  const rounds: RoundReport[] = [];
  for (let round = 1; round <= cfg.rounds; round++) {
    const t0 = performance.now();
    // ── sample k rationales per item from the current head ──
    const picks = scorer.sample(train, cfg.k, rng, cfg.temperature);
    // ── the critic accepts some ──
    const ok = await critic(train, picks, round);
    let covered = 0;
    train.forEach((it, i) => {
      if (ok[i].length) {
        covered++;
        everCovered.add(it.id);
      }
      for (const c of ok[i]) accepted.set(`${it.id}\u0000${c}`, { item: it, candidate: c });
    });
    // ── fine-tune on every accepted rationale so far (none yet: nothing to fit, and no loss — not NaN) ──
    const loss = accepted.size ? scorer.fit([...accepted.values()], cfg.epochs, cfg.batchSize, rng, `illume round ${round}`) : null;
    const r: RoundReport = {
      round,
      coverage: covered / train.length,
      cumulativeCoverage: everCovered.size / train.length,
      accepted: accepted.size,
      heldOutAccuracy: rationaleAccuracy(scorer, heldOut),
      loss,
      seconds: (performance.now() - t0) / 1000,
    };
    rounds.push(r);
    onRound?.(r);
    await yieldToEventLoop(); // a round is synchronous work (0.6–1.1 s for --demo 1500): Ctrl-C's handler gets its turn between rounds
  }
  return { initialAccuracy, rounds, scorer };
}
