/**
 * The format version of askfirst's top-level JSON files — a suite's `suite.json`, a run's `run.json` (a training stage or
 * demo, and each eval mode's), eval's `summary.json`, a checkpoint's `config.json`, a training checkpoint's `state.json` and
 * the feedback demo's `feedback.json` — written into each as `"format": NAME, "version": N`
 * (docs/hardening.md, "Files from another askfirst"). A file without them was written before they were: it is version 1;
 * so is one whose `format` names something else (a suite.json written by hand, whose `version` is its own).
 * A version above the one this askfirst writes is from a newer askfirst, whose files may mean something else by the
 * same fields: it is refused in one line naming the file, not read as if it were today's. Fields a reader does not know
 * are ignored (a newer askfirst adds fields without a new version when older readers may skip them); the version goes
 * up only when an older reader would misread the file.
 */
import { DataError } from './errors.js';

export interface FileFormat {
  /** What the file is, as written in its `format` field: "askfirst-suite". */
  name: string;
  /** The version this askfirst writes (and the newest it reads). */
  version: number;
}

/** The fields that stamp a file with `format`, written first in it. */
export function formatFields(f: FileFormat): { format: string; version: number } {
  return { format: f.name, version: f.version };
}

/**
 * Refuse `value` (the JSON read from `file`) when it is of a newer version than `f`, or its version is not a whole number
 * (damaged); `instead`: what else the user may do, "add --overwrite to start afresh". A file without `format: f.name` is version 1.
 */
export function checkFileFormat(value: unknown, file: string, f: FileFormat, instead = ''): void {
  if (!isOfFormat(value, f)) return;
  const v = value.version;
  const or = instead ? `, or ${instead}` : '';
  if (!Number.isSafeInteger(v) || (v as number) < 1) {
    throw new DataError(`"version" is ${JSON.stringify(v)}, not the whole number ≥ 1 askfirst writes (damaged?)${or}`, { file });
  }
  if ((v as number) > f.version) {
    throw new DataError(`written by a newer askfirst (${f.name} version ${v as number}; this askfirst reads version ${f.version} and older): upgrade askfirst to read it${or}`, { file });
  }
}

/** Whether `value` is stamped with `f`'s name (else it is version 1, whatever its `version`). */
function isOfFormat(value: unknown, f: FileFormat): value is { format: string; version: unknown } {
  return !!value && typeof value === 'object' && !Array.isArray(value) && (value as { format?: unknown }).format === f.name;
}

/**
 * The version of `value`, a file of format `f`, when a newer askfirst wrote it (one checkFileFormat refuses as such), else
 * undefined: for a reader that only looks at a file to say what it is (outputs/out-owner.ts), and names a newer one so
 * instead of reading its fields as today's.
 */
export function newerVersion(value: unknown, f: FileFormat): number | undefined {
  return isOfFormat(value, f) && Number.isSafeInteger(value.version) && (value.version as number) > f.version ? (value.version as number) : undefined;
}

/** `value` without the fields formatFields adds: what a caller compares or keeps. */
export function withoutFormat<T extends Record<string, unknown>>(value: T): Omit<T, 'format' | 'version'> {
  const { format: _format, version: _version, ...rest } = value;
  return rest;
}
