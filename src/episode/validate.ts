/**
 * Structural checks on an episode, and on an episode record read back from a results.jsonl, so that bad data is
 * rejected when it is loaded, with a message naming the episode and the field, instead of failing mid-run (or being
 * counted as it is).
 */
import { OUTCOMES, type Episode } from './types.js';

/**
 * A field's value as written in the file: a missing one says so, and "2" (a string) is not shown as 2. A number too
 * large for a double (1e999, which JSON.parse reads as Infinity) is named as such: JSON.stringify wrote it "null".
 */
const shown = (v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? `${v} (a number out of range)` : JSON.stringify(v));
const bad = (field: string, v: unknown, what: string) => (v === undefined ? `${field} is missing (it must be ${what})` : `${field} ${shown(v)} is not ${what}`);

/** Returns the problems found (empty when the episode is well-formed). */
export function episodeProblems(ep: Episode): string[] {
  const p: string[] = [];
  const isInt = (x: unknown) => Number.isInteger(x);
  if (typeof ep.id !== 'string' || ep.id === '') p.push('id must be a non-empty string');
  if (typeof ep.kind !== 'string' || ep.kind === '') p.push('kind must be a non-empty string');
  if (typeof ep.question !== 'string') p.push('question must be a string');
  if (!Array.isArray(ep.views) || ep.views.length === 0) p.push('views must be a non-empty array');
  const nv = Array.isArray(ep.views) ? ep.views.length : 0;
  const inView = (v: unknown) => isInt(v) && (v as number) >= 0 && (v as number) < nv;
  // with no views no index is one (was: "a view index (0..-1)")
  const aView = nv ? `a view index (0..${nv - 1})` : 'a view index, and the episode has no views';
  if (!inView(ep.firstView)) p.push(bad('firstView', ep.firstView, aView));
  if (!inView(ep.referenceView)) p.push(bad('referenceView', ep.referenceView, aView));
  if (!Array.isArray(ep.categories) || ep.categories.length < 2) p.push('categories must list at least 2 options');
  else if (!isInt(ep.answer) || ep.answer < 0 || ep.answer >= ep.categories.length)
    p.push(bad('answer', ep.answer, `a category index (0..${ep.categories.length - 1})`));
  if (!Array.isArray(ep.interventions)) p.push('interventions must be an array');
  const ni = Array.isArray(ep.interventions) ? ep.interventions.length : 0;
  if (!Array.isArray(ep.abstain) || ep.abstain.some((i) => !isInt(i) || i < 0 || i >= ni))
    p.push('abstain must list intervention indices');
  if (!Array.isArray(ep.steps) || ep.steps.length !== nv) p.push(`steps must have one entry per view (${nv})`);
  else
    ep.steps.forEach((s, v) => {
      if (!Array.isArray(s?.offered) || s.offered.some((i) => !isInt(i) || i < 0 || i >= ni))
        p.push(`steps[${v}].offered must list intervention indices (0..${ni - 1})`);
      if (typeof s?.next !== 'object' || s.next === null || Array.isArray(s.next)) {
        p.push(`steps[${v}].next must be an object {"intervention index": view index}, {} when no move leads on`);
        return;
      }
      for (const [k, to] of Object.entries(s.next)) {
        if (!s.offered?.includes(Number(k))) p.push(`steps[${v}].next: intervention ${k} is not offered`);
        if (!inView(to)) p.push(`steps[${v}].next[${k}] = ${JSON.stringify(to)} is not a view index`);
      }
    });
  if (!isInt(ep.maxTurns) || ep.maxTurns < 1) p.push('maxTurns must be a positive integer');
  if (ep.informative !== undefined && (!Array.isArray(ep.informative) || ep.informative.length !== nv))
    p.push(`informative must have one flag per view (${nv})`);
  if (typeof ep.control !== 'boolean') p.push('control must be true or false');
  if (!isInt(ep.minInterventions) || ep.minInterventions < 0) p.push('minInterventions must be a whole number');
  return p;
}

/**
 * What is wrong with a line of results.jsonl read back (eval resuming, `askfirst report`, `feedback pairs`), in one
 * line, or null for a record every metric can read: the fields they read, with their types. A line edited by hand or
 * written by another tool had been counted as it was: a record without `kind` became a kind "undefined" at 0 %
 * accuracy in a resumed eval's summary, and `askfirst report` stopped with "unexpected error: Cannot read properties
 * of undefined (reading 'slice')".
 */
export function recordProblem(r: unknown): string | null {
  const o = r as Record<string, unknown> | null;
  if (!o || typeof o !== 'object' || Array.isArray(o) || typeof o.id !== 'string' || o.id === '') return `not an episode record (${JSON.stringify(r)?.slice(0, 40)})`;
  const p: string[] = [];
  const check = (k: string, ok: (v: unknown) => boolean, what: string) => void (ok(o[k]) || p.push(bad(k, o[k], what)));
  check('kind', (v) => typeof v === 'string' && v !== '', 'a non-empty string');
  check('outcome', (v) => (OUTCOMES as readonly unknown[]).includes(v), `one of ${OUTCOMES.join(', ')}`);
  for (const k of ['success', 'control', 'guessed']) check(k, (v) => typeof v === 'boolean', 'true or false');
  for (const k of ['turns', 'interventions', 'ps', 'minInterventions']) check(k, (v) => Number.isInteger(v) && (v as number) >= 0, 'a whole number');
  check('actions', Array.isArray, 'a list');
  if (o.informative !== undefined) check('informative', Array.isArray, 'a list');
  return p.length ? `the record of episode ${JSON.stringify(o.id)} is damaged: ${p.join('; ')}` : null;
}
