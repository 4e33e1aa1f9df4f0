/**
 * The report's charts as Vega-Lite specs, rendered server-side to static SVG (vega.ts),
 * so `report.html` needs no script and opens offline. Honest by construction: every accuracy,
 * share or rate axis runs 0–100 %; counts start at zero; every axis has a title; every chart
 * with more than one series has a legend.
 */
import type { TopLevelSpec } from 'vega-lite';
import { overKinds } from './data.js';
import {
  CURVE_METRICS as C,
  type AskVsGuess,
  type CurvePoint,
  type DecisionShares,
  type Results,
} from './results.js';
import { renderSvg } from './vega.js';

export { FONT_FAMILY, renderSvg } from './vega.js';

/** Colour-blind-safe palette (Okabe & Ito). */
export const COLORS = {
  before: '#E69F00',
  after: '#0072B2',
  reference: '#999999',
  asked: '#0072B2',
  guessed: '#D55E00',
  abstained: '#CC79A7',
  other: '#BBBBBB',
  baselines: ['#009E73', '#CC79A7', '#56B4E9', '#F0E442'],
  oracle: '#000000',
} as const;

export const PHASE_LABELS = {
  before: 'before RL',
  after: 'after RL',
  reference: 'reference (clearest view)',
} as const;

const pctAxis = (title: string) => ({ title, format: '.0%', values: [0, 0.25, 0.5, 0.75, 1] });
const unitScale = { domain: [0, 1], nice: false, zero: true, clamp: false };

interface Run {
  label: string;
  color: string;
  curves: CurvePoint[];
}

function runs(res: Results): Run[] {
  const ours: Run = {
    label: `ours (${res.training.algorithm.toUpperCase()})`,
    color: COLORS.after,
    curves: res.training.curves,
  };
  const bl = res.baselines
    .filter((b) => b.curves?.length)
    .map((b, i) => ({
      label: b.label,
      color: COLORS.baselines[i % COLORS.baselines.length],
      curves: b.curves!,
    }));
  return [ours, ...bl];
}


/** Accuracy, ps-rate (with the oracle's minimum) and over-asking per RL update; ours beside the baselines. */
export function trainingCurvesSpec(res: Results): TopLevelSpec | null {
  const rs = runs(res);
  const SOURCES = ['training rollouts', 'held-out evaluation'] as const;
  const series = [
    ['accuracy', C.accuracy, SOURCES[0]],
    ['psRate', C.psRate, SOURCES[0]],
    ['overAsking', C.overAsking, SOURCES[0]],
    ['accuracy', C.evalAccuracy, SOURCES[1]],
    ['psRate', C.evalPsRate, SOURCES[1]],
    ['overAsking', C.evalOverAsking, SOURCES[1]],
  ] as const;
  const values: { run: string; source: string; step: number; metric: string; value: number }[] = [];
  for (const r of rs)
    for (const p of r.curves)
      for (const [metric, key, source] of series) {
        const v = p[key];
        if (v != null && Number.isFinite(v))
          values.push({ run: r.label, source, step: p.step, metric, value: v });
      }
  if (!values.length) return null;
  const sources = SOURCES.filter((src) => values.some((v) => v.source === src));
  // The oracle's minimum for the plotted episodes: logged per update (rollouts, else held-out
  // evaluation), else the evaluation summary's figure over the RL-trained kinds.
  const logged = (key: string) =>
    res.training.curves
      .map((p) => p[key])
      .filter((v): v is number => v != null && Number.isFinite(v));
  const oracleLogged = logged(C.oraclePsRate).length
    ? logged(C.oraclePsRate)
    : logged(C.evalOraclePsRate);
  const oracle = oracleLogged.length
    ? oracleLogged.reduce((a, b) => a + b, 0) / oracleLogged.length
    : overKinds(res.summaries.after, res.data.trainKinds, (m) => m.oraclePsRate); // the oracle's minimum ps-rate
  const dash =
    sources.length > 1
      ? {
          strokeDash: {
            field: 'source',
            type: 'nominal',
            title: 'measured on',
            scale: {
              domain: [...SOURCES],
              range: [
                [1, 0],
                [5, 3],
              ],
            },
          },
        }
      : {};
  const color = {
    field: 'run',
    type: 'nominal',
    title: 'run',
    scale: { domain: rs.map((r) => r.label), range: rs.map((r) => r.color) },
  };
  const x = { field: 'step', type: 'quantitative', title: 'RL update', axis: { tickMinStep: 1 } };
  const panel = (metric: string, title: string, y: object) => ({
    title,
    width: 300,
    height: 210,
    transform: [{ filter: { field: 'metric', equal: metric } }],
    mark: { type: 'line', strokeWidth: 2, point: false },
    encoding: { x, y, color, detail: { field: 'source' }, ...dash },
  });
  const maxPs = Math.max(
    oracle || 0,
    ...values.filter((v) => v.metric === 'psRate').map((v) => v.value),
  );
  const psPanel = {
    title: 'Interventions per episode (ps-rate)',
    width: 300,
    height: 210,
    layer: [
      {
        transform: [{ filter: { field: 'metric', equal: 'psRate' } }],
        mark: { type: 'line', strokeWidth: 2 },
        encoding: {
          x,
          y: {
            field: 'value',
            type: 'quantitative',
            title: 'mean interventions per episode',
            scale: { domainMin: 0, domainMax: Math.ceil(maxPs * 1.1 * 2) / 2 },
          },
          color,
          detail: { field: 'source' },
          ...dash,
        },
      },
      ...(Number.isFinite(oracle)
        ? [
            {
              data: { values: [{ oracle }] },
              mark: { type: 'rule', strokeDash: [6, 4], color: COLORS.oracle, strokeWidth: 1.5 },
              encoding: { y: { field: 'oracle', type: 'quantitative' } },
            },
            ...[{ stroke: 'white', strokeWidth: 4, strokeJoin: 'round' }, {}].map((halo) => ({
              data: { values: [{ oracle, label: `oracle minimum ${oracle.toFixed(2)}` }] },
              mark: {
                type: 'text',
                align: 'right',
                baseline: 'bottom',
                dy: -3,
                fontSize: 12,
                x: 'width',
                ...halo,
              },
              encoding: { y: { field: 'oracle', type: 'quantitative' }, text: { field: 'label' } },
            })),
          ]
        : []),
    ],
  };
  return {
    data: { values },
    hconcat: [
      panel('accuracy', 'Accuracy during RL', {
        field: 'value',
        type: 'quantitative',
        title: 'accuracy',
        scale: unitScale,
        axis: pctAxis('accuracy'),
      }),
      psPanel,
      panel('overAsking', 'Over-asking on controls during RL', {
        field: 'value',
        type: 'quantitative',
        scale: unitScale,
        axis: pctAxis('share of controls that asked first'),
      }),
    ],
    resolve: { scale: { color: 'shared' } },
  } as unknown as TopLevelSpec;
}

/** RL diagnostics per update: total reward, KL to RL's starting policy (the frozen reference: the supervised model with its ask gate opened), entropy (independent y, each from zero). */
export function diagnosticsSpec(res: Results): TopLevelSpec | null {
  const keys = [
    [C.reward, 'Reward per trajectory', 'mean total reward'],
    [C.kl, 'KL to the starting policy', 'KL divergence'],
    [C.entropy, 'Policy entropy per turn', 'entropy'],
  ] as const;
  const panels = keys
    .map(([key, title, yTitle]) => {
      const values = res.training.curves
        .filter((p) => Number.isFinite(p[key]))
        .map((p) => ({ step: p.step, value: p[key] }));
      return values.length
        ? {
            title,
            width: 260,
            height: 160,
            data: { values },
            mark: { type: 'line', strokeWidth: 2, color: COLORS.after },
            encoding: {
              x: {
                field: 'step',
                type: 'quantitative',
                title: 'RL update',
                axis: { tickMinStep: 1 },
              },
              y: { field: 'value', type: 'quantitative', title: yTitle, scale: { zero: true } },
            },
          }
        : null;
    })
    .filter((p) => p !== null);
  if (!panels.length) return null;
  return {
    title: 'RL diagnostics (ours)',
    hconcat: panels,
    resolve: { scale: { y: 'independent' } },
  } as unknown as TopLevelSpec;
}

/** Per-kind accuracy before / after / reference, grouped bars, RL-trained kinds and unseen kinds in separate panels. */
export function perKindSpec(res: Results): TopLevelSpec {
  const train = new Set(res.data.trainKinds);
  const kinds = [...res.data.trainKinds, ...res.data.kinds.filter((k) => !train.has(k))];
  const phases = ['before', 'after', 'reference'] as const;
  const values = kinds.flatMap((kind) =>
    phases.map((p) => ({
      kind,
      split: train.has(kind) ? 'trained with RL' : 'unseen in RL',
      phase: PHASE_LABELS[p],
      accuracy: res.accuracy[p].byKind[kind] ?? null,
    })),
  );
  return {
    data: { values },
    title: 'Accuracy per scenario kind',
    facet: {
      column: {
        field: 'split',
        type: 'nominal',
        title: null,
        sort: ['trained with RL', 'unseen in RL'],
      },
    },
    spec: {
      width: { step: 26 },
      height: 260,
      encoding: {
        x: {
          field: 'kind',
          type: 'nominal',
          title: 'scenario kind',
          sort: kinds,
          axis: { labelAngle: 0 },
        },
        xOffset: { field: 'phase', type: 'nominal', sort: phases.map((p) => PHASE_LABELS[p]) },
        y: { field: 'accuracy', type: 'quantitative', scale: unitScale, axis: pctAxis('accuracy') },
        color: {
          field: 'phase',
          type: 'nominal',
          title: null,
          sort: phases.map((p) => PHASE_LABELS[p]),
          scale: {
            domain: phases.map((p) => PHASE_LABELS[p]),
            range: phases.map((p) => COLORS[p]),
          },
        },
      },
      layer: [
        { mark: { type: 'bar' } },
        {
          mark: { type: 'text', baseline: 'bottom', dy: -2, fontSize: 10, color: '#333' },
          encoding: {
            text: { field: 'accuracy', type: 'quantitative', format: '.0%' },
            color: { value: '#333' },
          },
        },
      ],
    },
    resolve: { scale: { x: 'independent' } },
  } as unknown as TopLevelSpec;
}

/** First-move decisions (asked / guessed / abstained / unparseable) on uninformative and on control first views, per run. */
export function askVsGuessSpec(res: Results): TopLevelSpec {
  return askVsGuessRowsSpec([
    [PHASE_LABELS.before, res.askVsGuess.before],
    [`${PHASE_LABELS.after} (ours)`, res.askVsGuess.after],
    ...res.baselines
      .filter((b) => b.askVsGuess)
      .map((b) => [`after RL: ${b.label}`, b.askVsGuess!] as [string, AskVsGuess]),
  ]);
}

/** The ask-or-guess bars for any labelled runs (the demo's phases, or `askfirst report`'s eval runs). */
export function askVsGuessRowsSpec(rows: readonly [string, AskVsGuess][]): TopLevelSpec {
  const situations = {
    uninformative: 'uninformative first view — asking is right',
    control: 'control first view (answerable) — answering is right',
  } as const;
  // Abstentions and unparseable replies apart (docs/evaluation.md, "What the rates mean": an abstention is a decision,
  // an unparseable reply a format failure); together as "other" only for results written before they were split.
  const split = rows.every(([, avg]) => Object.values(avg).every((s: DecisionShares) => s.abstained !== undefined && s.unparseable !== undefined));
  const shares = split ? (['asked', 'guessed', 'abstained', 'unparseable'] as const) : (['asked', 'guessed', 'other'] as const);
  const decisions = split
    ? ['asked for an intervention', 'guessed a category', 'abstained', 'unparseable (named no option)']
    : ['asked for an intervention', 'guessed a category', 'abstained / unparseable'];
  const colors = split ? [COLORS.asked, COLORS.guessed, COLORS.abstained, COLORS.other] : [COLORS.asked, COLORS.guessed, COLORS.other];
  const values = rows.flatMap(([run, avg]) =>
    (Object.keys(situations) as (keyof typeof situations)[]).flatMap((s) =>
      shares.map((share, order) => ({
        run,
        situation: situations[s],
        decision: decisions[order],
        share: avg[s][share] ?? 0,
        order,
        n: avg[s].n,
      })),
    ),
  );
  return {
    data: { values },
    title: 'First move: ask or guess?',
    facet: {
      row: {
        field: 'situation',
        type: 'nominal',
        title: null,
        sort: Object.values(situations),
        header: { labelAngle: 0, labelAlign: 'left', labelAnchor: 'start', labelOrient: 'top' },
      },
    },
    spec: {
      width: 520,
      height: { step: 26 },
      layer: [
        {
          mark: { type: 'bar' },
          encoding: {
            y: {
              field: 'run',
              type: 'nominal',
              title: null,
              sort: rows.map(([r]) => r),
              axis: { labelLimit: 360 },
            },
            x: {
              field: 'share',
              type: 'quantitative',
              stack: 'zero',
              scale: unitScale,
              axis: pctAxis('share of episodes'),
            },
            color: {
              field: 'decision',
              type: 'nominal',
              title: null,
              sort: decisions,
              scale: { domain: decisions, range: colors },
            },
            order: { field: 'order', type: 'quantitative' },
          },
        },
        {
          transform: [{ filter: 'datum.share >= 0.08' }],
          mark: { type: 'text', color: 'white', fontSize: 11, fontWeight: 'bold' },
          encoding: {
            y: { field: 'run', type: 'nominal', sort: rows.map(([r]) => r) },
            x: { field: 'share', type: 'quantitative', stack: 'zero', bandPosition: 0.5 },
            text: { field: 'share', type: 'quantitative', format: '.0%' },
            order: { field: 'order', type: 'quantitative' },
          },
        },
      ],
    },
  } as unknown as TopLevelSpec;
}

/** Ours beside the ProactiveBench-reward baselines: accuracy, over-asking, ps-rate (with the oracle's minimum). */
export function baselinesSpec(res: Results): TopLevelSpec {
  const runsList = [
    {
      run: PHASE_LABELS.before,
      accuracy: res.accuracy.before.overall,
      overAsking: res.summaries.before.overAsking,
      psRate: res.summaries.before.psRate,
      color: COLORS.before,
    },
    {
      run: 'ours (after RL)',
      accuracy: res.accuracy.after.overall,
      overAsking: res.overAsking,
      psRate: res.psRate,
      color: COLORS.after,
    },
    ...res.baselines.map((b, i) => ({
      run: b.label,
      accuracy: b.accuracy.after.overall,
      overAsking: b.overAsking,
      psRate: b.psRate,
      color: COLORS.baselines[i % COLORS.baselines.length],
    })),
    {
      run: PHASE_LABELS.reference,
      accuracy: res.accuracy.reference.overall,
      overAsking: null,
      psRate: null,
      color: COLORS.reference,
    },
  ];
  const order = runsList.map((r) => r.run);
  const color = {
    field: 'run',
    type: 'nominal',
    title: null,
    sort: order,
    scale: { domain: order, range: runsList.map((r) => r.color) },
    legend: null,
  };
  const yLabelled = {
    field: 'run',
    type: 'nominal',
    title: null,
    sort: order,
    axis: { labelLimit: 280 },
  };
  const yBare = {
    field: 'run',
    type: 'nominal',
    title: null,
    sort: order,
    axis: { labels: false, ticks: false },
  };
  const bar = (field: string, title: string, x: object) => {
    const y = field === 'accuracy' ? yLabelled : yBare;
    return {
      title,
      width: 210,
      height: { step: 26 },
      transform: [{ filter: `isValid(datum.${field})` }],
      layer: [
        { mark: { type: 'bar' }, encoding: { y, x, color } },
        // The value at the end of each bar, over a white halo so a reference line never hides it.
        ...[{ stroke: 'white', strokeWidth: 4, strokeJoin: 'round' }, {}].map((halo) => ({
          mark: { type: 'text', align: 'left', dx: 4, fontSize: 11, ...halo },
          encoding: {
            y,
            x: { field, type: 'quantitative' },
            text: { field, type: 'quantitative', format: field === 'psRate' ? '.2f' : '.1%' },
          },
        })),
      ],
    };
  };
  const maxPs = Math.max(res.oraclePsRate, ...runsList.map((r) => r.psRate ?? 0));
  const psDomain = Math.ceil(maxPs * 1.25 * 2) / 2 || 1;
  const ps = bar('psRate', 'Interventions per episode', {
    field: 'psRate',
    type: 'quantitative',
    title: 'ps-rate (dashed: oracle minimum)',
    scale: { domain: [0, psDomain], zero: true },
  });
  ps.layer.unshift({
    data: { values: [{ oracle: res.oraclePsRate }] },
    mark: { type: 'rule', strokeDash: [6, 4], color: COLORS.oracle, strokeWidth: 1.5 },
    encoding: { x: { field: 'oracle', type: 'quantitative' } },
  } as never);
  return {
    data: { values: runsList.map(({ color: _c, ...r }) => r) },
    title: 'Ours vs ProactiveBench single-turn reward (all kinds)',
    hconcat: [
      bar('accuracy', 'Accuracy', {
        field: 'accuracy',
        type: 'quantitative',
        scale: unitScale,
        axis: pctAxis('accuracy'),
      }),
      bar('overAsking', 'Over-asking on controls', {
        field: 'overAsking',
        type: 'quantitative',
        scale: unitScale,
        axis: pctAxis('share of controls that asked first'),
      }),
      ps,
    ],
    resolve: { scale: { y: 'shared', color: 'shared' } },
  } as unknown as TopLevelSpec;
}

/** Every chart of the report, rendered: id → { title, svg }, in display order (absent charts skipped). */
export async function renderCharts(res: Results): Promise<{ id: string; svg: string }[]> {
  const specs: [string, TopLevelSpec | null][] = [
    ['training', trainingCurvesSpec(res)],
    ['per-kind', perKindSpec(res)],
    ['ask-vs-guess', askVsGuessSpec(res)],
    ['baselines', baselinesSpec(res)],
    ['diagnostics', diagnosticsSpec(res)],
  ];
  const out: { id: string; svg: string }[] = [];
  for (const [id, spec] of specs) if (spec) out.push({ id, svg: await renderSvg(spec) });
  return out;
}
