/**
 * A realistic, deterministic fake `Results` object for tests of the report and the model card:
 * seven kinds, ~30 RL updates of curves, two ProactiveBench-reward baselines and a few example
 * episodes with tiny PNG views. The numbers are invented (seeded), never reported as results.
 */
import { SCENARIO_KINDS, TRAIN_KINDS } from '../suite/kinds/names.js';
import type { Metrics, Summary } from '../episode/metrics.js';
import { createImage, type RGBImage } from '../scenes/image.js';
import { pngDataUrl } from '../scenes/png.js';
import { headlineFigures } from '../report/data.js';
import {
  CURVE_METRICS as C,
  RESULTS_VERSION,
  type CurvePoint,
  type ExampleRun,
  type ReportExample,
  type Results,
} from '../report/results.js';
import { SceneRng } from '../util/rng.js';
import type { FeedbackResults, PolicyResult } from '../report/feedback-section.js';

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));
const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;

function metrics(
  episodes: number,
  controls: number,
  accuracy: number,
  psRate: number,
  oraclePsRate: number,
  guessRate: number,
  overAsking: number,
): Metrics {
  const rest = clamp01(1 - accuracy - guessRate);
  return {
    episodes,
    accuracy: round(accuracy),
    psRate: round(psRate),
    interventions: round(psRate),
    oraclePsRate: round(oraclePsRate),
    guessRate: round(guessRate),
    abstainRate: round(rest * 0.4),
    invalidRate: round(rest * 0.3),
    unparseableRate: round(rest * 0.1),
    maxTurnsRate: round(rest * 0.2),
    overAsking: round(overAsking),
    controlAbstain: controls ? round(rest * 0.05) : null,
    controls,
    accuracyNonControl: round(accuracy * 0.97),
  };
}

function summary(byKind: Record<string, Metrics>): Summary {
  const ms = Object.values(byKind);
  const n = ms.reduce((a, m) => a + m.episodes, 0);
  const w = (f: (m: Metrics) => number) => round(ms.reduce((a, m) => a + f(m) * m.episodes, 0) / n);
  const controls = ms.reduce((a, m) => a + m.controls, 0);
  return {
    ...metrics(
      n,
      controls,
      w((m) => m.accuracy),
      w((m) => m.psRate),
      w((m) => m.oraclePsRate),
      w((m) => m.guessRate ?? 0),
      0,
    ),
    overAsking: controls ? round(ms.reduce((a, m) => a + (m.overAsking ?? 0) * m.controls, 0) / controls) : null,
    byKind,
  };
}

/** A small view: a grey square with a coloured block whose position shifts with `shift`. */
function view(color: [number, number, number], shift: number, size = 24): RGBImage {
  const img = createImage(size, size, [230, 230, 230]);
  for (let y = 6; y < 18; y++)
    for (let x = 2 + shift; x < Math.min(size, 14 + shift); x++) {
      const i = (y * size + x) * 3;
      img.data[i] = color[0];
      img.data[i + 1] = color[1];
      img.data[i + 2] = color[2];
    }
  return img;
}

function run(turns: ExampleRun['turns'], outcome: ExampleRun['outcome']): ExampleRun {
  return {
    turns,
    outcome,
    success: outcome === 'correct',
    interventions: turns.filter((t) => t.action.type === 'intervention' && t.action.valid).length,
  };
}

function examples(): ReportExample[] {
  const cam = [
    'Move the camera left.',
    'Move the camera right.',
    'Zoom out.',
    'I cannot answer this question.',
  ];
  const cats = ['star', 'circle', 'square', 'heart'];
  const v0 = pngDataUrl(view([200, 40, 40], 10));
  const v1 = pngDataUrl(view([200, 40, 40], 4));
  const opts = [...cam, ...cats];
  const occl = [
    'Move the block to the left.',
    'Move the block to the right.',
    'I cannot answer this question.',
  ];
  const o0 = pngDataUrl(view([40, 40, 200], 0));
  const o1 = pngDataUrl(view([40, 160, 40], 8));
  // The control episode: answered at once, the same before and after RL.
  const sketchRun = run(
    [
      {
        view: 0,
        image: v1,
        informative: true,
        options: [
          'Add more detail to the drawing.',
          'I cannot answer this question.',
          'house',
          'tree',
          'cat',
          'sun',
        ],
        numInterventions: 2,
        reply: 'F',
        action: { type: 'category', option: 5, category: 3, correct: true },
      },
    ],
    'correct',
  );
  return [
    {
      id: 'camera-0007',
      kind: 'camera',
      control: false,
      question: 'What shape is the red object?',
      categories: cats,
      answer: 2,
      minInterventions: 1,
      before: run(
        [
          {
            view: 0,
            image: v0,
            informative: false,
            options: opts,
            numInterventions: 4,
            reply: 'A. star <script>alert("x")</script>',
            action: { type: 'unparseable' },
          },
        ],
        'unparseable',
      ),
      after: run(
        [
          {
            view: 0,
            image: v0,
            informative: false,
            options: opts,
            numInterventions: 4,
            reply: 'A',
            action: { type: 'intervention', option: 0, intervention: 0, valid: true },
          },
          {
            view: 1,
            image: v1,
            informative: true,
            options: opts,
            numInterventions: 4,
            reply: 'G',
            action: { type: 'category', option: 6, category: 2, correct: true },
          },
        ],
        'correct',
      ),
    },
    {
      id: 'occlusion-0012',
      kind: 'occlusion',
      control: false,
      question: 'Which shape is hidden behind the blocks?',
      categories: cats,
      answer: 1,
      minInterventions: 1,
      before: run(
        [
          {
            view: 0,
            image: o0,
            informative: false,
            options: [...occl, ...cats],
            numInterventions: 3,
            reply: 'D',
            action: { type: 'category', option: 3, category: 0, correct: false },
          },
        ],
        'wrong-category',
      ),
      after: run(
        [
          {
            view: 0,
            image: o0,
            informative: false,
            options: [...occl, ...cats],
            numInterventions: 3,
            reply: 'B',
            action: { type: 'intervention', option: 1, intervention: 1, valid: true },
          },
          {
            view: 1,
            image: o1,
            informative: true,
            options: [...occl, ...cats],
            numInterventions: 3,
            reply: 'E. circle',
            action: { type: 'category', option: 4, category: 1, correct: true },
          },
        ],
        'correct',
      ),
    },
    {
      id: 'sketch-0003',
      kind: 'sketch',
      control: true,
      question: 'What does the drawing show?',
      categories: ['house', 'tree', 'cat', 'sun'],
      answer: 3,
      minInterventions: 0,
      before: sketchRun,
      after: sketchRun,
    },
  ];
}

function curves(
  r: () => number,
  steps: number,
  final: number,
  finalPs: number,
  collapse = false,
): CurvePoint[] {
  const out: CurvePoint[] = [];
  for (let s = 0; s < steps; s++) {
    const p = 1 - Math.exp(-s / 8);
    const noise = (r() - 0.5) * 0.06;
    out.push({
      step: s + 1,
      [C.accuracy]: round(clamp01(0.22 + (final - 0.22) * p + noise)),
      [C.psRate]: round(0.15 + (finalPs - 0.15) * p + noise),
      [C.overAsking]: round(clamp01(0.02 + (collapse ? 0.9 : 0.05) * p + noise / 3)),
      [C.oraclePsRate]: 1.2,
      [C.reward]: round(-0.6 + 1.4 * p + noise),
      [C.kl]: round(0.002 + 0.04 * p + Math.abs(noise) / 10),
      [C.entropy]: round(1.3 - 0.7 * p + noise),
      'rl/reward/correct': round(0.22 + 0.6 * p),
      'rl/clipFrac': round(0.05 + noise / 5 + 0.05),
      // Held-out evaluation every 5 updates (greedy, so a little above the sampled rollouts).
      ...((s + 1) % 5 === 0
        ? {
            [C.evalAccuracy]: round(clamp01(0.24 + (final - 0.2) * p)),
            [C.evalPsRate]: round(0.1 + (finalPs - 0.1) * p),
            [C.evalOverAsking]: round(clamp01(0.02 + (collapse ? 0.92 : 0.04) * p)),
            [C.evalOraclePsRate]: 1.25,
          }
        : {}),
    });
  }
  return out;
}

/** The fake results; `seed` varies the noise. */
export function fakeResults(seed = 1): Results {
  const rng = SceneRng.fromState(seed);
  const r = () => rng.next();
  const kinds = [...SCENARIO_KINDS];
  const train = [...TRAIN_KINDS] as string[];
  const unseen = kinds.filter((k) => !train.includes(k));
  const ref: Record<string, Metrics> = {};
  const before: Record<string, Metrics> = {};
  const after: Record<string, Metrics> = {};
  for (const k of kinds) {
    const isTrain = train.includes(k);
    const oracle = 1 + r() * 0.6;
    ref[k] = metrics(40, 0, 0.86 + r() * 0.1, 0, 0, 0, 0);
    before[k] = metrics(40, 8, 0.15 + r() * 0.15, 0.1 + r() * 0.1, oracle, 0.7, 0.05);
    after[k] = metrics(
      40,
      8,
      isTrain ? 0.82 + r() * 0.08 : 0.55 + r() * 0.2,
      oracle * (1.05 + r() * 0.2),
      oracle,
      0.1,
      0.05 + r() * 0.05,
    );
  }
  const sRef = summary(ref);
  const sBefore = summary(before);
  const sAfter = summary(after);
  const bl = (rp: number, accT: number, accU: number, ps: number, over: number) => {
    const a: Record<string, Metrics> = {};
    for (const k of kinds)
      a[k] = metrics(40, 8, train.includes(k) ? accT : accU, ps, after[k].oraclePsRate, 0.2, over);
    const s = summary(a);
    return {
      ...headlineFigures(sRef, sBefore, s, train),
      name: `proactivebench-rp${rp}`,
      label: `ProactiveBench reward, r_p = ${rp}`,
      rp,
      summary: s,
      askVsGuess: {
        uninformative: {
          n: 224,
          asked: ps > 3 ? 0.97 : 0.6,
          guessed: ps > 3 ? 0.01 : 0.35,
          other: ps > 3 ? 0.02 : 0.05,
          abstained: ps > 3 ? 0.01 : 0.04,
          unparseable: 0.01,
        },
        control: { n: 56, asked: over, guessed: 1 - over - 0.02, other: 0.02, abstained: 0.02, unparseable: 0 },
      },
      curves: curves(r, 30, accT, ps, over > 0.5),
      wallSeconds: 61.2,
    };
  };
  return {
    version: RESULTS_VERSION,
    createdAt: '2026-05-01T12:00:00.000Z',
    command: 'askfirst demo --out runs/demo',
    quick: false,
    ...headlineFigures(sRef, sBefore, sAfter, train),
    model: {
      name: 'builtin:runs/demo/rl',
      description:
        'A small CNN image encoder (3 conv layers) with an option-scoring head over the lettered options.',
      parameters: 612_000,
      checkpoint: 'rl/model.safetensors',
    },
    data: {
      seed: 7,
      kinds,
      trainKinds: train,
      unseenKinds: unseen,
      supervisedEpisodes: 2800,
      evalEpisodes: 280,
      controlShare: 0.2,
      imageSize: 64,
    },
    summaries: { reference: sRef, before: sBefore, after: sAfter },
    askVsGuess: {
      before: {
        uninformative: { n: 224, asked: 0.08, guessed: 0.86, other: 0.06, abstained: 0.04, unparseable: 0.02 },
        control: { n: 56, asked: 0.04, guessed: 0.95, other: 0.01, abstained: 0.01, unparseable: 0 },
      },
      after: {
        uninformative: { n: 224, asked: 0.91, guessed: 0.07, other: 0.02, abstained: 0.02, unparseable: 0 },
        control: { n: 56, asked: 0.07, guessed: 0.93, other: 0, abstained: 0, unparseable: 0 },
      },
    },
    baselines: [bl(0.5, 0.6, 0.38, 0.9, 0.12), bl(1, 0.17, 0.12, 5.4, 0.96)],
    training: {
      algorithm: 'grpo',
      updates: 30,
      episodes: 800,
      rewards: [
        { name: 'correct', weight: 1 },
        { name: 'wrong', weight: -1 },
        { name: 'intervention-cost', weight: -0.05 },
        { name: 'invalid', weight: -1 },
        { name: 'abstain', weight: -0.5 },
      ],
      curves: curves(r, 30, 0.86, 1.35),
    },
    examples: examples(),
    wallSeconds: 412.3,
    timings: [
      { stage: 'generate', seconds: 21.4 },
      {
        stage: 'supervised',
        seconds: 88.1,
        parts: [
          { name: 'forward', seconds: 30.2 },
          { name: 'backward', seconds: 51.5 },
        ],
      },
      { stage: 'eval before', seconds: 12.7 },
      {
        stage: 'rl',
        seconds: 151.9,
        parts: [
          { name: 'rollouts', seconds: 70.3 },
          { name: 'backward', seconds: 62.8 },
          { name: 'rendering', seconds: 9.1 },
        ],
      },
      { stage: 'eval after', seconds: 12.9 },
      { stage: 'baselines', seconds: 122.4 },
      { stage: 'report', seconds: 2.9 },
    ],
    config: {
      seed: 7,
      rl: { algorithm: 'grpo', groupSize: 8, lr: 3e-4, klCoef: 0.02 },
      quick: false,
    },
  };
}

/** `r` with every gap closed's interval over the test episodes and ours − each baseline (as a run of today's demo writes them). */
export function withGapIntervals(r: Results): Results {
  const around = (x: number | null, h: number) => (x === null ? null : { low: x - h, high: x + h });
  const ivs = (g: Results['gapClosed'], h: number) => ({ train: around(g.train, h), unseen: around(g.unseen, h), all: around(g.all, h) });
  const minus = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
  r.gapClosedCi95 = ivs(r.gapClosed, 0.04);
  for (const b of r.baselines) {
    b.gapClosedCi95 = ivs(b.gapClosed, 0.05);
    const lead = { train: minus(r.gapClosed.train, b.gapClosed.train), unseen: minus(r.gapClosed.unseen, b.gapClosed.unseen), all: minus(r.gapClosed.all, b.gapClosed.all) };
    b.oursMinus = { gapClosed: lead, ci95: ivs(lead, 0.041) };
  }
  return r;
}

/** A minimal feedback demo's `feedback.json` around `policies` (the figures are invented), for tests of its table and its aggregate over seeds. */
export function fakeFeedbackResults(policies: PolicyResult[], config: Record<string, unknown> = { labels: [100] }): FeedbackResults {
  return {
    createdAt: '2026-01-01T00:00:00Z',
    command: 'askfirst feedback demo',
    config,
    pairs: 10,
    labels: { honest: 10, confident: 10, honestGoldAgreement: 0.9, confidentGoldAgreement: 0.6 },
    reference: { accuracy: 0.9 },
    before: { accuracy: 0.5, guessRate: 0.4, overAsking: 0.1 },
    rewardModels: [],
    policies,
    routing: { aiLabelGoldAgreement: 0.8, humanLabelGoldAgreement: 0.9, points: [] },
    timings: [],
    wallSeconds: 1,
  };
}
