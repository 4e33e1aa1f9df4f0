/**
 * `results.json` on disk: the names of the files the demo writes under `--out`, and reading,
 * validating and writing results.json against the schema in results.ts. A bad file is a
 * `DataError` naming the file and the first bad field; a missing one is a `NotFoundError`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError, describeError, NotFoundError } from '../util/errors.js';
import { writeJson } from '../util/fsx.js';
import { RESULTS_VERSION, resultsSchema, type Results } from './results.js';

/** Names of the files the demo writes under `--out`. */
export const RESULTS_FILE = 'results.json';
export const REPORT_FILE = 'report.html';
export const MODEL_CARD_FILE = 'MODEL_CARD.md';

/**
 * A results.json a newer askfirst wrote (its `version` above RESULTS_VERSION): its fields may mean something else, so it is
 * named as such, not as damaged ("version: Invalid literal value"), and no command offers to write it again over it.
 */
export class NewerResultsError extends DataError {}

/**
 * Refuse `json`, read from `file`, when a newer askfirst wrote it (NewerResultsError, naming the file); `instead`: what else
 * the user may do. Anything else passes: parseResults judges the rest.
 */
export function checkResultsVersion(json: unknown, file: string, instead = ''): void {
  const v = (json as { version?: unknown } | null)?.version;
  if (Number.isSafeInteger(v) && (v as number) > RESULTS_VERSION) {
    throw new NewerResultsError(`written by a newer askfirst (results version ${v as number}; this askfirst reads version ${RESULTS_VERSION} and older): upgrade askfirst to read it${instead ? `, or ${instead}` : ''}`, { file });
  }
}

/** Validate parsed JSON as Results; the error names the file and the first bad field (NewerResultsError: a newer askfirst's). */
export function parseResults(json: unknown, file = RESULTS_FILE): Results {
  checkResultsVersion(json, file);
  const r = resultsSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue.path.length ? issue.path.join('.') : '(top level)';
    const more =
      r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more problems)` : '';
    throw new DataError(`not a valid askfirst results file: ${where}: ${issue.message}${more}`, {
      file,
    });
  }
  return r.data;
}

/** Read and validate `<dir>/results.json` (or a path ending in .json). */
export async function readResults(path: string): Promise<Results> {
  const file = path.endsWith('.json') ? path : join(path, RESULTS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new NotFoundError(
        `results file not found: ${file} (run \`askfirst demo --out DIR\` first)`,
        { cause: e },
      );
    throw new DataError(`cannot read results: ${describeError(e)}`, { file, cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new DataError(`invalid JSON: ${describeError(e)}`, { file, cause: e });
  }
  return parseResults(json, file);
}

/** Validate and write `<dir>/results.json` atomically; returns its path. */
export async function writeResults(dir: string, results: Results): Promise<string> {
  const file = join(dir, RESULTS_FILE);
  parseResults(JSON.parse(JSON.stringify(results)), file);
  await writeJson(file, results);
  return file;
}
