/**
 * What an --out holds: which askfirst command's output a folder is, so that no command writes beside or over another's.
 * `suite generate`, `train <stage>`, `demo`, `eval`, `export` and the two probes each write a folder of their own
 * (docs/architecture.md §4); given another's, each wrote into it, deleting nothing but leaving a mix that later commands
 * misread (`eval --out` a suite: a summary.json and proactive/ beside episodes.jsonl; `suite generate --out` a training
 * run; a probe over eval's summary.json). Each now asks `refuseOthersOutput` before any work (so does the library's
 * `evaluate` given `out`: api/evaluate.ts) and is refused in one line
 * naming what the folder holds. A folder is known by the files its command writes, read from the modules that write
 * them (nothing is added to any output for this); a missing or empty folder, or one holding only files no askfirst
 * command writes (a README.md, .git), holds nobody's output and is written into, as `eval` always did (`export`, which
 * replaces its --out as a whole, still refuses files it did not write: trl-export.ts). It is a room of its own (outputs/)
 * because it reads the layouts of rooms on every floor below (suite, nn, eval, probes, environment, demo) and both rooms
 * above ask it: the commands (cli/) and the library (api/).
 */
import { readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { isDemoStage, isDemoStageDir } from '../demo/demo-stage-run.js';
import { FEEDBACK_DEMO_RUN } from '../demo/feedback-config.js';
import { EVAL_MODES } from '../episode/types.js';
import { EVAL_SUMMARY_FORMAT, RESULTS_RUN_FORMAT } from '../eval/formats.js';
import { CHECKPOINTS_DIR, FINAL_DIR, RunDir } from '../nn/run-dir.js';
import { CARD_FILE, CARD_MARK } from '../environment/trl-export.js';
import { EPISODES_FILE, MANIFEST_FILE, STAGING_DIR } from '../suite/io.js';
import { PB_SUFFIX } from '../suite/proactivebench/read.js';
import { REPLACING_DIR } from '../suite/replacing.js';
import { InputError } from '../util/errors.js';
import { newerVersion, type FileFormat } from '../util/file-format.js';
import { aRun, RUN_SETTINGS_FILE, RUN_SETTINGS_FORMAT } from '../util/run-settings.js';

/**
 * The commands that write a folder of their own at --out (every training stage is `train`: its own guard tells the stages
 * apart, and a demo's RL stage from a `train rl` run, cli/train.ts `refuseDemoStage`).
 */
export type OutWriter = 'suite generate' | 'train' | 'demo' | 'feedback demo' | 'eval' | 'probe hallucination' | 'probe injection' | 'export';

/**
 * Whose output a folder holds: the command, what it is in words ("a suite"), and the file or folder that says so. The
 * command is 'a newer askfirst' when the file that would say it is a newer askfirst's (file-format.ts): its fields may
 * mean something else, so no command of this askfirst is named from them, and every one is refused.
 */
export interface HeldOutput {
  writer: OutWriter | 'a newer askfirst';
  what: string;
  evidence: string;
}

/** The folders eval writes one mode's results into (EVAL_MODES, and open: eval/open-ended.ts). */
const EVAL_MODE_DIRS = [...EVAL_MODES, 'open'];

/** The text of `file`, or '' when it cannot be read (a folder, no permission). */
function textOf(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** A JSON object read from `file`, or undefined when there is none or it is not one (its own command reports damage). */
function jsonObject(file: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(textOf(file));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** An export's dataset card: YAML front matter first, and the mark (a README.md that only mentions the command, as askfirst's own, is none). */
const isDatasetCard = (text: string) => text.startsWith('---\n') && text.includes(CARD_MARK);

const isDir = (p: string) => statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;

/** `s`, read from `file`, when a newer askfirst wrote it as `f` (`what` it is then, in words): named so, its fields not read. */
function newerOutput(s: Record<string, unknown>, file: string, f: FileFormat, what: string): HeldOutput | undefined {
  const v = newerVersion(s, f);
  return v === undefined ? undefined : { writer: 'a newer askfirst', what: `${what} made by a newer askfirst (${f.name} version ${v})`, evidence: file };
}

/**
 * Eval's or a probe's results in `dir`: its summary.json (a probe's names the probe, eval's is stamped as eval's and
 * holds the data's fingerprint), else the run.json of one mode or part (eval/store.ts: the same fields, written at the
 * run's start, so an interrupted run is known too); a newer askfirst's summary.json or run.json, eval's or a probe's, is
 * named as such.
 */
function resultsIn(dir: string): HeldOutput | undefined {
  for (const file of [join(dir, 'summary.json'), join(dir, 'run.json')]) {
    const s = jsonObject(file);
    if (!s) continue;
    // a newer askfirst's summary.json, whatever its modes' run.json say (eval --overwrite replaced it without a word)
    const newer = newerOutput(s, file, EVAL_SUMMARY_FORMAT, 'results') ?? newerOutput(s, file, RESULTS_RUN_FORMAT, 'results');
    if (newer) return newer;
    if (s.format === EVAL_SUMMARY_FORMAT.name) return { writer: 'eval', what: 'the results of askfirst eval', evidence: file };
    if (s.probe === 'hallucination' || s.probe === 'injection') return { writer: `probe ${s.probe}`, what: `the results of askfirst probe ${s.probe}`, evidence: file };
    // eval's mode run.json: stamped as results (a probe's part names its probe, above), or, unstamped, by the data's fingerprint
    if ('dataFingerprint' in s || s.format === RESULTS_RUN_FORMAT.name) return { writer: 'eval', what: 'the results of askfirst eval', evidence: file };
  }
  return undefined;
}

/**
 * The run `dir`/run.json names (util/run-settings.ts), read without judging it: a demo, a feedback demo
 * (FEEDBACK_DEMO_RUN), a demo's stage (`<demo>/supervised`, `<demo>/rl`, `<demo>/baseline-rp*`: demo-stage-run.ts; `train`'s as far as owners go,
 * since `train rl --overwrite` may replace it: cli/train.ts `refuseDemoStage`), else a stage of askfirst train. All but the
 * demo were "… of askfirst train" (a feedback demo's folder: "a feedback demo run of askfirst train").
 */
function keptRun(dir: string): HeldOutput | undefined {
  const file = join(dir, RUN_SETTINGS_FILE);
  const kept = jsonObject(file);
  const newer = kept && newerOutput(kept, file, RUN_SETTINGS_FORMAT, 'a run');
  if (newer) return newer;
  if (typeof kept?.run !== 'string' || typeof kept.settings !== 'object' || kept.settings === null) return undefined;
  const run = { run: kept.run, settings: kept.settings as Record<string, unknown> };
  if (run.run === 'demo') return { writer: 'demo', what: 'a demo run', evidence: file };
  if (run.run === FEEDBACK_DEMO_RUN) return { writer: 'feedback demo', what: 'a run of askfirst feedback demo', evidence: file };
  if (isDemoStage(run)) return { writer: 'train', what: `the ${basename(dir)} stage of an askfirst demo`, evidence: file };
  return { writer: 'train', what: `${aRun(run.run)} of askfirst train`, evidence: file };
}

/**
 * Whether `dir`, a run without run.json, is a demo's supervised stage kept before the stage named itself so (isDemoStageDir:
 * by its place, `supervised/` of a demo's folder); it was "a training run of askfirst train". A damaged run.json is not
 * ours to report (its own command does): no.
 */
function keptBeforeNamed(dir: string): boolean {
  try {
    return isDemoStageDir(dir);
  } catch {
    return false;
  }
}

/**
 * A run in `dir` that a newer askfirst wrote, by a file of it (nn/run-dir.ts `newerFile`: the final model's or a checkpoint's
 * config.json, a checkpoint's state.json), when its run.json does not say so (keptRun): every command refuses it, the one
 * that would replace it too (`train --overwrite`, `demo --fresh`), which deleted a newer askfirst's model without a word.
 */
function newerRunFiles(dir: string): HeldOutput | undefined {
  const f = new RunDir(dir).newerFile();
  return f && { writer: 'a newer askfirst', what: `a run made by a newer askfirst (${f.format.name} version ${f.version})`, evidence: f.file };
}

/** A newer askfirst's run in `dir`, by its run.json or its other files (keptRun, newerRunFiles); its own command is not named. */
function newerRun(dir: string): HeldOutput | undefined {
  const run = keptRun(dir);
  return run?.writer === 'a newer askfirst' ? run : newerRunFiles(dir);
}

/**
 * The stages of the demo or feedback demo in `dir` (its subfolders: `supervised/`, `rl/`, `baseline-rp*`…) a newer askfirst
 * wrote: a re-run takes each up or (`demo --fresh`) trains it again over it, so the demo refuses it before any work, as
 * `train` a run of its own. Only those `touched` names (Touching.stage): a stage the command leaves alone is not its to refuse.
 */
function newerStage(dir: string, touched: (stage: string) => boolean): HeldOutput | undefined {
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (!e.isDirectory() || e.name.startsWith('.') || !touched(e.name)) continue;
    const newer = newerRun(join(dir, e.name));
    if (newer) return newer;
  }
  return undefined;
}

/** A demo's or feedback demo's run in a subfolder (`seed-<n>/`), whose --out holds one per seed. */
function seedRun(sub: string): HeldOutput | undefined {
  const run = keptRun(sub);
  return run?.writer === 'demo' || run?.writer === 'feedback demo' ? run : undefined;
}

/** What of a folder a command takes up or writes, where it leaves some alone. */
export interface Touching {
  /**
   * The stages of a demo (its subfolders by name, `seed-<n>/`'s too) the command takes up or writes: `demo --no-baselines`
   * leaves `baseline-rp*` alone, and a newer askfirst's files there are not its to refuse. Default: every one.
   */
  stage?: (name: string) => boolean;
}

/**
 * Every command's output `dir` holds (none: missing, not a folder, empty, or only files no askfirst command writes).
 * Its own names first; then its subfolders, for the commands that write their results there: eval (one folder per mode,
 * and with several --policy one per policy, each with its modes) and the probes (one per part), and a demo or feedback
 * demo over several seeds (`seed-<n>/`, each a run of its own). `touching`: what the asking command leaves alone.
 */
export function heldOutputs(dir: string, touching: Touching = {}): HeldOutput[] {
  const touched = touching.stage ?? (() => true);
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)); // the same refusal on any file system
  } catch {
    return []; // missing, or not a folder: the command says so in its own words
  }
  const names = new Set(entries.map((e) => e.name));
  const held: HeldOutput[] = [];
  const at = (name: string) => join(dir, name);
  const suite = [MANIFEST_FILE, EPISODES_FILE, REPLACING_DIR, STAGING_DIR].find((n) => names.has(n));
  if (suite) held.push({ writer: 'suite generate', what: 'a suite', evidence: at(suite) });
  const pb = [...names].find((n) => n.endsWith(PB_SUFFIX));
  if (pb) held.push({ writer: 'suite generate', what: "a suite in ProactiveBench's layout", evidence: at(pb) });
  const run = keptRun(dir);
  // a newer askfirst's files named first: every command is refused as the newer askfirst's run.json refuses it
  const isDemo = (h: HeldOutput | undefined) => h?.writer === 'demo' || h?.writer === 'feedback demo';
  const newer = run?.writer === 'a newer askfirst' ? undefined : (newerRunFiles(dir) ?? (isDemo(run) ? newerStage(dir, touched) : undefined));
  if (newer) held.push(newer);
  if (run) held.push(run);
  const model = [CHECKPOINTS_DIR, FINAL_DIR].find((n) => names.has(n) && isDir(at(n)));
  if (model && !run) held.push({ writer: 'train', what: keptBeforeNamed(dir) ? `the ${basename(dir)} stage of an askfirst demo` : 'a training run of askfirst train', evidence: at(model) });
  if (names.has(CARD_FILE) && isDatasetCard(textOf(at(CARD_FILE)))) held.push({ writer: 'export', what: 'an export of askfirst export', evidence: at(CARD_FILE) });
  const results = resultsIn(dir);
  if (results) held.push(results);
  for (const e of entries) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    const sub = at(e.name);
    const inSub = resultsIn(sub) ?? EVAL_MODE_DIRS.map((m) => resultsIn(join(sub, m))).find(Boolean) ?? seedRun(sub);
    const seedStage = isDemo(inSub) ? newerStage(sub, touched) : undefined; // `seed-<n>/`'s stages
    if (seedStage) held.push(seedStage);
    if (inSub) held.push(inSub);
  }
  return held;
}

/**
 * How a refusal names the folder's option and what would write into it: `--out` and `askfirst train supervised` for a
 * command (given as its name, "train supervised"), `out` and `evaluate()` for the library (api/evaluate.ts).
 */
export interface Writing {
  option: string;
  writer: string;
}

const writing = (command: string | Writing): Writing => (typeof command === 'string' ? { option: '--out', writer: `askfirst ${command}` } : command);

/**
 * Refuse, before any work, to write `self`'s output into any of `dirs` when it holds another command's, in one line
 * naming what it holds and the file that says so; `command` is how the refusal names the command ("train supervised");
 * `touching`: what of them it leaves alone (`demo --no-baselines` its baseline stages).
 */
export function refuseOthersOutput(dirs: readonly string[], self: OutWriter, command: string | Writing = self, touching: Touching = {}): void {
  refuseOutputs(dirs, (h) => h.writer !== self, writing(command), touching);
}

/**
 * `askfirst report`'s --out (default `.`): its report.html and report.md go beside the eval results it compares, or in
 * a folder of nobody's output, but not into a suite, a training run, an export, a demo (whose own report.html and
 * report.md it replaced: `report --out runs/demo`) or a probe's results (whose own report.html, the probe's tables, it
 * replaced: a probe's results are no run report compares), refused as refuseOthersOutput refuses; nor into the --out of
 * an eval of several --policy, whose own comparison report (report.html and report.md, which that eval writes again
 * when re-run) it replaced: eval's results, but not one run's folder a report may go beside.
 */
export function refuseReportOut(out: string): void {
  const w = writing('report');
  refuseOutputs([out], (h) => h.writer !== 'eval', w); // a newer askfirst's too
  const several = layoutsIn(out).find((l) => l.layout === 'several policies');
  if (several) {
    throw new InputError(
      `${w.option} ${out} holds ${LAYOUT_WORDS['several policies'].held} (${several.evidence}) and their comparison report, which ${w.writer} would replace: choose another ${w.option}`,
    );
  }
}

/**
 * `askfirst report`'s runs, before any is read: each must be the --out of an askfirst eval of one --policy. A folder of
 * another command's output (a probe's results, a training run, a suite, an export, a demo) was answered "no <mode>/results.jsonl
 * with episodes in it" or "no summary.json — give the --out directory of an askfirst eval run", and so were one mode's
 * folder of an eval run (`runs/oracle/proactive`) and the --out of an eval of several --policy; each is now refused in
 * one line naming what it holds and what to give instead (and which command, `report` or `compare`, compares eval runs).
 * A folder of nobody's output is left to the report's reader.
 */
export function refuseReportRuns(dirs: readonly string[], command: 'report' | 'compare' = 'report'): void {
  for (const dir of new Set(dirs)) {
    const parent = dirname(dir);
    if (EVAL_MODE_DIRS.includes(basename(dir)) && !jsonObject(join(dir, 'summary.json')) && layoutsIn(parent).some((l) => l.layout === 'one policy')) {
      throw new InputError(`${dir} holds one mode's results of the askfirst eval run ${parent}: give ${parent}, the run's --out`);
    }
    const layouts = layoutsIn(dir);
    if (layouts.some((l) => l.layout === 'one policy')) continue;
    const several = [...new Set(layouts.filter((l) => l.layout === 'several policies').map((l) => join(dir, relative(dir, l.evidence).split(sep)[0])))];
    if (several.length) {
      throw new InputError(`${dir} holds ${LAYOUT_WORDS['several policies'].held}: give those folders (${several.join(', ')}), or open ${join(dir, 'report.html')}, which compares them`);
    }
    const other = heldOutputs(dir)[0];
    if (!other) continue;
    const own = other.writer.startsWith('probe ') ? `; the probe's own tables are in ${join(dir, 'report.html')}` : '';
    throw new InputError(`${dir} holds ${other.what} (${other.evidence}), not an eval run's results: askfirst ${command} compares askfirst eval runs (each run's --out)${own}`);
  }
}

/**
 * The layouts one command writes, told apart: a suite in askfirst's own layout or ProactiveBench's (`suite generate
 * --format`), eval's results of one --policy (summary.json and a folder per mode in --out) or of several (a folder per
 * policy, each with its modes). Written into a folder of the other, each mixed them, and exited 0: a suite's
 * `episodes.jsonl` beside ProactiveBench's `<Dataset>_preprocessed.jsonl` (`--data` then read the own one only), one
 * policy's `summary.json` and `proactive/` beside the several policies' folders and their report (or those beside it).
 */
export type OutLayout = 'own suite' | 'proactivebench suite' | 'one policy' | 'several policies';

/**
 * An option as `w` names its options: a command's flag (`--policy`, as its `--out`), the library's field (`policy`, as its
 * `out`: api/evaluate.ts), which has no flags.
 */
const named = (w: Writing, option: string) => (w.option.startsWith('--') ? `--${option}` : option);

/**
 * A folder of `layout` as a refusal names it (`held`: what askfirst wrote there), and what a command writing it writes
 * (`writes`, in the words of the command or library call `w` that would write it).
 */
const LAYOUT_WORDS: Record<OutLayout, { held: string; writes: (w: Writing) => string }> = {
  'own suite': { held: "a suite in askfirst's own layout", writes: (w) => `a suite in askfirst's own layout (${named(w, 'format')} own)` },
  'proactivebench suite': { held: "a suite in ProactiveBench's layout", writes: (w) => `a suite in ProactiveBench's layout (${named(w, 'format')} proactivebench)` },
  'one policy': { held: 'the results of an askfirst eval of one --policy', writes: (w) => `one ${named(w, 'policy')}'s results into ${w.option} itself` },
  'several policies': { held: 'the results of an askfirst eval of several --policy, a folder each', writes: (w) => `a folder per ${named(w, 'policy')} and a report comparing them` },
};

/** Each layout `dir` holds (OutLayout), with the file that says so (heldOutputs' evidence); none for a folder of neither command. */
export function layoutsIn(dir: string): { layout: OutLayout; evidence: string }[] {
  const found: { layout: OutLayout; evidence: string }[] = [];
  for (const h of heldOutputs(dir)) {
    if (h.writer === 'suite generate') {
      // a write stopped part-way (.replacing, the staging folder) is either layout's: the next write finishes it first
      // (suite/replacing.ts); only an index tells the layout
      const name = basename(h.evidence);
      if (name === REPLACING_DIR || name === STAGING_DIR) continue;
      found.push({ layout: name.endsWith(PB_SUFFIX) ? 'proactivebench suite' : 'own suite', evidence: h.evidence });
    }
    if (h.writer !== 'eval') continue;
    // its own summary.json or run.json, or a mode's folder: one policy's; another subfolder's results: several policies'
    const [first, ...rest] = relative(dir, h.evidence).split(sep);
    found.push({ layout: !rest.length || EVAL_MODE_DIRS.includes(first) ? 'one policy' : 'several policies', evidence: h.evidence });
  }
  return found;
}

/**
 * Refuse, before any work, to write `layout` into `dir` when it holds the same command's output in another layout
 * (OutLayout), in one line as refuseOthersOutput's; `fix(other)`: what to do instead, given the layout held.
 */
export function refuseOtherLayout(dir: string, layout: OutLayout, command: string | Writing, fix?: (held: { layout: OutLayout; evidence: string }) => string): void {
  const other = layoutsIn(dir).find((l) => l.layout !== layout);
  if (!other) return;
  const w = writing(command);
  throw new InputError(`${w.option} ${dir} holds ${LAYOUT_WORDS[other.layout].held} (${other.evidence}); ${w.writer} writes ${LAYOUT_WORDS[layout].writes(w)}, which would mix the two: ${fix?.(other) ?? `choose another ${w.option}`}`);
}

function refuseOutputs(dirs: readonly string[], refused: (h: HeldOutput) => boolean, w: Writing, touching: Touching = {}): void {
  for (const dir of new Set(dirs)) {
    const other = heldOutputs(dir, touching).find(refused);
    if (!other) continue;
    const fix = `${other.writer === 'a newer askfirst' ? 'upgrade askfirst to use it, or ' : ''}choose another ${w.option}`;
    throw new InputError(`${w.option} ${dir} holds ${other.what} (${other.evidence}); ${w.writer} would write into it: ${fix}`);
  }
}
