/**
 * The settings a resumable run started with (`askfirst train supervised|rl|dpo`, `askfirst demo`), kept in its folder as
 * `run.json` and compared when the run is resumed: a run resumed under other settings (another --seed, --size, --lr…)
 * would go on as a run it did not start as — silently, or failing late on a checkpoint that no longer fits the model.
 * `askfirst eval` refuses the same for its results (eval/store.ts). Settings are named as their flags (`seed` is
 * `--seed`); what may change on a resume (progress, logging, checkpointing, a time limit) is left out by the caller,
 * and a budget (`--steps`, `--updates`) may grow but not shrink.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { kebab } from './config.js';
import { shellQuote } from './shell-quote.js';
import { ConfigError, DataError } from './errors.js';
import { missingFolders, removeEmptyFolders, writeFileAtomicSync } from './fsx.js';
import { checkFileFormat, formatFields, type FileFormat } from './file-format.js';

export const RUN_SETTINGS_FILE = 'run.json';
/** run.json's version (util/file-format.ts): one without it, as askfirst wrote before, is version 1. */
export const RUN_SETTINGS_FORMAT: FileFormat = { name: 'askfirst-run', version: 1 };

/** A setting compared by what it is (a checkpoint by its weights' hash), shown as the user gave it (its path). */
export interface Identified {
  shown: string;
  id: string;
  /** What changed when only what `shown` names did ("other weights now", the default; `--data`'s episodes or images). */
  changed?: string;
  /**
   * Ids an older askfirst gave the same thing (`--data`: dataFingerprints' earlier forms): a run that kept one is of it.
   * Compared only, never written (run.json keeps `id`).
   */
  earlier?: readonly string[];
}

function isIdentified(v: unknown): v is Identified {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as Identified).id === 'string' && typeof (v as Identified).shown === 'string';
}

/** A value as the user types it: a list joined by commas, a boolean as on / off, nothing as "(none)". */
function shown(v: unknown): string {
  if (v === undefined || v === null) return '(none)';
  if (isIdentified(v)) return v.shown;
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  if (Array.isArray(v)) return v.length ? v.join(',') : '(none)';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** An identity that could not be read now (`id: ''`: a checkpoint not there) is not compared: the run fails on it, saying why. */
const same = (a: unknown, b: unknown) => (isIdentified(a) && isIdentified(b) ? a.id === b.id || b.id === '' || !!b.earlier?.includes(a.id) : JSON.stringify(a) === JSON.stringify(b));

/**
 * Each setting of `now` that differs from `before`, named as its flag with both values: `--size 32 → 48`, `--init runs/sup
 * (other weights now)` when only what a path holds changed (as `now` says it: `Identified.changed`); a key of `mayGrow` differs only when it is smaller now.
 */
export function changedSettings(before: Readonly<Record<string, unknown>>, now: Readonly<Record<string, unknown>>, mayGrow: readonly string[] = []): string[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(now)])];
  return keys.flatMap((k) => {
    const [b, n] = [before[k], now[k]];
    if (same(b, n)) return [];
    if (mayGrow.includes(k) && typeof b === 'number' && typeof n === 'number' && n > b) return [];
    const flag = `--${kebab(k)}`;
    if (shown(b) === shown(n)) return [`${flag} ${shown(n)} (${isIdentified(n) ? (n.changed ?? 'other weights now') : 'changed'})`];
    return [`${flag} ${shown(b)} → ${shown(n)}${mayGrow.includes(k) ? ' (it may grow, not shrink)' : ''}`];
  });
}

/**
 * The changed settings of `now` as the flags that give the values `before` has, for the command that resumes the run:
 * `--quick --seed 0`, `without --train-repeat` (a setting off, or not given: "(none)", "(defaults)"), each value shell-quoted;
 * a path whose name is the same but not what it holds has no flag that brings it back and is left out ("" when none is left).
 */
function earlierFlags(before: Readonly<Record<string, unknown>>, now: Readonly<Record<string, unknown>>, mayGrow: readonly string[]): string {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(now)])].filter((k) => changedSettings({ [k]: before[k] }, { [k]: now[k] }, mayGrow).length);
  const flags = keys.flatMap((k) => {
    const [b, flag] = [before[k], `--${kebab(k)}`];
    if (isIdentified(b) && isIdentified(now[k]) && b.shown === now[k].shown) return [];
    if (b === true) return [flag];
    const v = shown(b);
    return b === false || /^\(.*\)$/.test(v) ? [`without ${flag}`] : [`${flag} ${shellQuote(v)}`];
  });
  return flags.join(', ');
}

/** What `run.json` holds: which run (the stage, or "demo") and the settings it started with. */
export interface KeptSettings {
  run: string;
  settings: Record<string, unknown>;
}

/** "an rl run", "a supervised run". */
export function aRun(run: string): string {
  return `${/^([aeio]|rl\b)/i.test(run) ? 'an' : 'a'} ${run} run`;
}

/** The run and settings kept in `dir`, or null when there are none (a run from before they were kept, or no run). */
export function readRunSettings(dir: string): KeptSettings | null {
  const file = join(dir, RUN_SETTINGS_FILE);
  if (!existsSync(file)) return null;
  let kept: KeptSettings;
  try {
    kept = JSON.parse(readFileSync(file, 'utf8')) as KeptSettings;
    if (typeof kept?.run !== 'string' || typeof kept.settings !== 'object' || kept.settings === null) throw new Error('not { run, settings }');
  } catch (e) {
    throw new DataError('the settings the run started with are damaged (not the JSON askfirst wrote); delete the file to resume without comparing them, or start over', { file, cause: e });
  }
  // a newer askfirst's run may have started under settings this one cannot name, or name differently: not compared as if ours
  checkFileFormat(kept, file, RUN_SETTINGS_FORMAT, 'use another --out');
  return { run: kept.run, settings: kept.settings };
}

/**
 * A setting askfirst added to a run after it began keeping run.json (a1ffb18): a run.json an older askfirst wrote lacks it.
 * `before`: the value that does what askfirst did before the setting existed (so such a run resumes under it); absent
 * when no value does (such a run cannot be resumed by this askfirst).
 */
export interface AddedSetting {
  before?: unknown;
  /** A switch on by default (util/config.ts `onByDefault`): its only flag is `--no-X`, where a switch off by default has only `--X`. */
  onByDefault?: boolean;
}

/**
 * The settings this askfirst keeps for a run, each `'always'` (written whatever the command line: it has a default) or
 * `'if-given'` (an optional option left out is not written): a schema's fields less `leaveOut` (what may change on a resume).
 */
export function keptSettingKinds(shape: Readonly<Record<string, z.core.$ZodType>>, leaveOut: ReadonlySet<string> = new Set()): Record<string, 'always' | 'if-given'> {
  return Object.fromEntries(
    Object.entries(shape)
      .filter(([k]) => !leaveOut.has(k))
      .map(([k, field]) => {
        const left = z.safeParse(field, undefined); // a required setting fails without a value: always given
        return [k, left.success && left.data === undefined ? 'if-given' : 'always'];
      }),
  );
}

export interface KeepRunSettings {
  /** The run: the training stage ("supervised") or "demo". */
  run: string;
  /** True when this run continues one that started in the folder (a complete checkpoint or a finished stage is there). */
  resuming: boolean;
  /** How to start over instead: "add --overwrite (instead of --resume)". */
  startOver: string;
  /** Budgets a resume may raise (they are kept at the new value). */
  mayGrow?: readonly string[];
  /** Every setting this askfirst keeps for the run (keptSettingKinds); default: each of `settings`, always written. */
  known?: Readonly<Record<string, 'always' | 'if-given'>>;
  /** The settings added since askfirst began keeping run.json, by name (none yet, for any run: docs/hardening.md). */
  added?: Readonly<Record<string, AddedSetting>>;
  /** The settings an older askfirst kept in another form, by name (train.ts: `--data` by its folder before ebdcedd). */
  keptOtherwise?: Readonly<Record<string, KeptOtherwise>>;
  /**
   * For a run from before run.json was kept (none in `dir`): what its own files record of the run and its settings (train.ts:
   * a checkpoint's config.json), or null when they record nothing. Only the settings found there and kept now as the same
   * kind of value are compared; the refusal names `file`.
   */
  recorded?: () => RecordedSettings | null;
}

/** What a run from before run.json was kept records of itself in its own files (KeepRunSettings.recorded). */
export interface RecordedSettings extends KeptSettings {
  /** The file they were read from, named by the refusal. */
  file: string;
}

/** A form in which an older askfirst kept a setting, which this askfirst cannot compare with what it keeps now. */
export interface KeptOtherwise {
  /** Whether a kept value is in that form. */
  is(kept: unknown): boolean;
  /** How the older askfirst kept it, and what this one compares: "by its folder, not by the episodes and images in it". */
  how: string;
}

/** What a kept value is, as JSON has it: a number, a string, on/off, a list, a path kept by what it holds… */
function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (isIdentified(v)) return 'a path and what it holds';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'boolean') return 'on or off';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/**
 * Refuse, before its settings are compared, a run.json (`file`, `before`'s) that this askfirst would misjudge: a setting it
 * does not know (a newer askfirst's, written without a newer version), a setting an older askfirst kept in another form
 * (`opts.keptOtherwise`), a setting stored as another kind of value than
 * askfirst writes or one it always writes missing (damaged), a setting added since the run started (`opts.added`) whose
 * value now does not do what the older askfirst did. Returns `before`'s settings with each added setting an older
 * askfirst left out filled in as what it did.
 */
function readableSettings(dir: string, file: string, before: Readonly<Record<string, unknown>>, now: Readonly<Record<string, unknown>>, opts: KeepRunSettings): Record<string, unknown> {
  const known = opts.known ?? Object.fromEntries(Object.keys(now).map((k) => [k, 'always' as const]));
  const added = opts.added ?? {};
  const flag = (k: string) => `--${kebab(k)}`;
  // a value as typed on the command line; a switch has one flag only (commander): `--X` when off by default, `--no-X` when on
  // by default, so its other value is had by leaving that flag out (was: `--no-quick`, which no command takes)
  const typed = (k: string, v: unknown): { add?: string; leaveOut?: string } => {
    if (typeof v !== 'boolean') return { add: `${flag(k)} ${shown(v)}` };
    const only = added[k]?.onByDefault ? `--no-${kebab(k)}` : flag(k);
    return v === !added[k]?.onByDefault ? { add: only } : { leaveOut: only };
  };
  const orElse = `${opts.startOver} to start over with this askfirst, or use another --out`;
  const unknown = Object.keys(before).filter((k) => !(k in known));
  if (unknown.length) {
    const listed = unknown.map((k) => `${flag(k)} ${shown(before[k])}`).join(', ');
    throw new DataError(`the run started with ${unknown.length === 1 ? 'a setting' : 'settings'} this askfirst does not know (${listed}): it was made by a newer askfirst; upgrade askfirst to resume it, ${orElse}`, { file });
  }
  // kept without what it held (`id: ''`: unreadable when run.json was written; an askfirst before keptKnown wrote that over
  // a run's known one): nothing to compare a readable one with, and "resume with its settings" cannot work
  const unheld = Object.keys(before).filter((k) => isIdentified(before[k]) && (before[k] as Identified).id === '' && isIdentified(now[k]) && (now[k] as Identified).id !== '');
  if (unheld.length) {
    const listed = unheld.map((k) => `${flag(k)} ${shown(before[k])}`).join(', ');
    throw new ConfigError(`${dir} holds ${aRun(opts.run)} whose ${file} keeps ${listed} without the SHA-256 of what it held (it could not be read when the file was written): this askfirst cannot tell whether ${unheld.map((k) => `${flag(k)} ${shown(now[k])}`).join(', ')} is what the run started from; ${orElse}`);
  }
  const otherwise = Object.entries(opts.keptOtherwise ?? {}).filter(([k, o]) => k in before && o.is(before[k]));
  if (otherwise.length) {
    const listed = otherwise.map(([k, o]) => `${flag(k)} ${o.how}`).join(', ');
    throw new ConfigError(`${dir} holds ${aRun(opts.run)} made by an older askfirst, which kept ${listed}: this askfirst cannot tell whether it is the same; ${orElse}`);
  }
  const wrong = Object.keys(before).filter((k) => now[k] !== undefined && kindOf(before[k]) !== kindOf(now[k]));
  if (wrong.length) {
    const listed = wrong.map((k) => `"${k}" is ${JSON.stringify(before[k])}, not ${kindOf(now[k])} (${flag(k)})`).join('; ');
    throw new DataError(`${listed}: the file is damaged; delete it to resume without comparing the settings, ${orElse}`, { file });
  }
  const missing = Object.keys(known).filter((k) => known[k] === 'always' && !(k in before));
  const lost = missing.filter((k) => !(k in added));
  if (lost.length) {
    throw new DataError(`it holds no ${lost.map(flag).join(', ')}, which every askfirst that keeps run.json writes for this run: the file is damaged; delete it to resume without comparing the settings, ${orElse}`, { file });
  }
  const older = missing.filter((k) => !('before' in added[k]) || !same(added[k].before, now[k]));
  if (older.length) {
    const asBefore = older.filter((k) => 'before' in added[k]);
    const words = asBefore.map((k) => typed(k, added[k].before));
    const [add, leaveOut] = [words.flatMap((w) => w.add ?? []), words.flatMap((w) => w.leaveOut ?? [])];
    const doing = [add.length ? `add ${add.join(' ')}` : '', leaveOut.length ? `leave out ${leaveOut.join(' ')}` : ''].filter(Boolean).join(' and ');
    const how = asBefore.length === older.length ? `${doing} to resume it as it was made (what the older askfirst did), ` : '';
    throw new ConfigError(`${dir} holds ${aRun(opts.run)} made by an older askfirst, before ${older.map(flag).join(', ')} existed: ${how}${orElse}`);
  }
  return { ...before, ...Object.fromEntries(missing.map((k) => [k, added[k].before])) };
}

/**
 * Before a run into `dir` trains: when it is `resuming`, refuse in one line if the folder holds another kind of run, or
 * this run started under other settings than `settings` (each named, `--seed 1 → 5`, with how to go on); then keep both
 * in `dir/run.json` (written atomically) for the next resume. A run that started before run.json was kept is checked
 * against what its own files record (`opts.recorded`: a checkpoint's config.json), as far as they do.
 */
export function keepRunSettings(dir: string, settings: Readonly<Record<string, unknown>>, opts: KeepRunSettings): KeptRun {
  const file = join(dir, RUN_SETTINGS_FILE);
  const { inFile, unchecked } = checkRun(dir, settings, opts);
  const previous = existsSync(file) ? readFileSync(file) : null;
  const made = missingFolders(dir);
  const kept = withoutEarlier(inFile ? keptKnown(inFile.settings, settings) : settings);
  writeFileAtomicSync(file, `${JSON.stringify({ ...formatFields(RUN_SETTINGS_FORMAT), ...({ run: opts.run, settings: kept } satisfies KeptSettings) }, null, 2)}\n`);
  const undo = () => {
    if (previous) return writeFileAtomicSync(file, previous);
    rmSync(file, { force: true });
    removeEmptyFolders(made);
  };
  return { undo, ...(unchecked ? { unchecked } : {}) };
}

/**
 * keepRunSettings' refusal alone, writing nothing: for a command that takes up several runs (`demo --seeds`) to refuse the
 * last one's before the first one's work. Returns the settings kept in `dir`'s run.json when it is `resuming` (null: none,
 * also when only the run's own files recorded its settings, `recorded`).
 */
export function checkRunSettings(dir: string, settings: Readonly<Record<string, unknown>>, opts: KeepRunSettings): KeptSettings | null {
  return checkRun(dir, settings, opts).inFile;
}

/** checkRunSettings, and for a run from before run.json was kept (`opts.recorded`) what its files did not let it compare. */
function checkRun(dir: string, settings: Readonly<Record<string, unknown>>, opts: KeepRunSettings): { inFile: KeptSettings | null; unchecked?: Unchecked } {
  const file = join(dir, RUN_SETTINGS_FILE);
  const inFile = opts.resuming ? readRunSettings(dir) : null;
  const recorded = opts.resuming && !inFile ? (opts.recorded?.() ?? null) : null;
  const before = inFile ?? recorded;
  if (before && before.run !== opts.run) {
    throw new ConfigError(`${dir} holds ${aRun(before.run)}, not ${aRun(opts.run)}: it cannot be resumed as one. Use another --out, or ${opts.startOver} to replace it`);
  }
  const compared = recorded ? comparable(recorded.settings, settings) : undefined;
  const [was, is] = inFile ? [readableSettings(dir, file, inFile.settings, settings, opts), settings] : compared ? compared : [{}, {}];
  const changed = changedSettings(was, is, opts.mayGrow);
  if (changed.length) {
    const back = earlierFlags(was, is, opts.mayGrow ?? []);
    throw new ConfigError(
      `${dir} holds ${aRun(opts.run)} started with other settings: ${changed.join(', ')}; resuming would go on under settings it did not start with. Resume with its settings (${back ? `${back}, as kept in ` : ''}${recorded?.file ?? file}), ${opts.startOver} to start over with these, or use another --out`,
    );
  }
  if (!recorded || !compared) return { inFile };
  const flags = Object.keys(settings).filter((k) => settings[k] !== undefined && !(k in compared[1])).map((k) => `--${kebab(k)}`);
  return { inFile, ...(flags.length ? { unchecked: { file: recorded.file, flags, none: !Object.keys(compared[1]).length } } : {}) };
}

/**
 * The settings of a run from before run.json was kept (KeepRunSettings.recorded) that its files do not record, so a resume
 * goes on under them as given now, unchecked: `flags` (`--episodes`, `--init`…); `none` when they record none at all (an
 * unfinished RL run's checkpoints keep only the stage); `file` what was read.
 */
export interface Unchecked {
  file: string;
  flags: string[];
  none: boolean;
}

/** The line a resume of such a run says (`what`: "train rl"): which settings it could not compare, and how to start over. */
export function uncheckedLine(what: string, dir: string, run: string, u: Unchecked, startOver: string): string {
  const records = u.none ? 'records only its stage, none of the settings it started with' : `does not record ${u.flags.join(', ')}`;
  return `${what}: ${dir} holds ${aRun(run)} from before run.json was kept, whose ${u.file} ${records}: ${u.none ? 'they are' : 'those are'} not compared; it resumes under ${u.none ? 'the settings' : 'them as'} given now (if they are not those it started with, ${startOver} to start over)`;
}

/**
 * The settings a run's own files recorded (`recorded`, RecordedSettings) and those kept now, each cut to what both hold as
 * the same kind of value, not by identity (a path by what it holds is not recorded there): what can be compared.
 */
function comparable(recorded: Readonly<Record<string, unknown>>, now: Readonly<Record<string, unknown>>): [Record<string, unknown>, Record<string, unknown>] {
  const keys = Object.keys(now).filter((k) => k in recorded && now[k] !== undefined && !isIdentified(now[k]) && kindOf(recorded[k]) === kindOf(now[k]));
  return [Object.fromEntries(keys.map((k) => [k, recorded[k]])), Object.fromEntries(keys.map((k) => [k, now[k]]))];
}

/**
 * `now`, but where it names a path it cannot read (`id: ''`, not compared) and `before` kept what that setting held: the
 * kept one. The run fails on the unreadable path; its run.json goes on saying what its checkpoints were trained under (a
 * feedback demo re-run while its --init was moved away wrote `id: ''` over it, and the run could never be resumed again).
 */
function keptKnown(before: Readonly<Record<string, unknown>>, now: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(now).map(([k, v]) => [k, isIdentified(v) && v.id === '' && isIdentified(before[k]) && before[k].id !== '' ? before[k] : v]));
}

/** `settings` as run.json keeps them: an identity without its earlier ids (compared, not kept). */
function withoutEarlier(settings: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, isIdentified(v) && v.earlier ? { ...v, earlier: undefined } : v]));
}

/** What keepRunSettings wrote, to take back. */
export interface KeptRun {
  /** A resumed run from before run.json was kept: the settings its files did not let keepRunSettings compare (uncheckedLine). */
  unchecked?: Unchecked;
  /**
   * Put back the run.json that was there before (or none): for a run that failed before it wrote anything, so a run
   * it was to replace (--overwrite) keeps the settings it was trained under. The folders keepRunSettings made for it are
   * removed again while empty: nothing is left that was not there.
   */
  undo(): void;
}
