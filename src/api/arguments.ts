/**
 * The checks of a library call's arguments (docs/library.md): an argument of the wrong type, an option whose name the
 * call does not know (`evaluate({ outdir })`, which was dropped unread: nothing written) or a value not among its choices
 * (`modes: ['proactiv']`, which was played and summarised as a mode of that name) is refused before any work, in one
 * line naming the call, the argument and what to give: an InputError (`code` BAD_INPUT), not a TypeError from deep
 * inside the package.
 */
import { InputError } from '../util/errors.js';
import { didYouMean } from '../util/did-you-mean.js';

/** What a refusal shows of a value the caller gave: a string quoted, an object as `an object`, the rest as typed. */
export function given(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'function') return 'a function';
  return String(v);
}

/** A refusal of `call`'s argument `name`: "evaluate(): modes must be … (got …)". */
export function refuse(call: string, name: string, what: string, v: unknown): never {
  throw new InputError(`${call}: ${name} must be ${what} (got ${given(v)})`);
}

/**
 * `options` as an object whose every key is one of `known` (the call's options type, kept in step by the caller's
 * `satisfies Record<keyof …, true>`); `shape` is how the refusal of a non-object writes the call.
 */
export function checkOptions(call: string, options: unknown, known: Record<string, true>, shape: string): Record<string, unknown> {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new InputError(`${call}: give one options object, ${shape} (got ${given(options)})`);
  const names = Object.keys(known);
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(known, key)) throw new InputError(`${call}: unknown option "${key}"${didYouMean(key, names)}; the options: ${names.join(', ')}`);
  }
  return options as Record<string, unknown>;
}

/** A non-empty string (a path, a spec). */
export function checkString(call: string, name: string, v: unknown): string {
  if (typeof v !== 'string' || v === '') refuse(call, name, 'a non-empty string', v);
  return v;
}

/** A list (or any iterable, sync or async) of episodes; `what` says what they are for. */
export function checkEpisodes(call: string, v: unknown, what: string): void {
  const it = v as { [Symbol.iterator]?: unknown; [Symbol.asyncIterator]?: unknown } | null | undefined;
  if (it === null || typeof it !== 'object' || (typeof it[Symbol.iterator] !== 'function' && typeof it[Symbol.asyncIterator] !== 'function')) refuse(call, 'episodes', what, v);
}
