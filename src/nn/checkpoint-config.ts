/**
 * A checkpoint's file names and its config.json (docs/architecture.md §4): the stamp of its format version and the one
 * reader of it. Apart from checkpoint.ts (the weights), so that what only looks at a run folder (RunDir, out-owner, a
 * command's startup) does not load the engine's tensors.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, NotFoundError } from '../util/errors.js';
import { checkFileFormat, formatFields, withoutFormat, type FileFormat } from '../util/file-format.js';

export const WEIGHTS_FILE = 'model.safetensors';
export const CONFIG_FILE = 'config.json';
/** config.json's version (util/file-format.ts): one without it, as askfirst wrote before, is version 1. */
export const CHECKPOINT_FORMAT: FileFormat = { name: 'askfirst-checkpoint', version: 1 };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `config` without CHECKPOINT_FORMAT's stamp, when it has one. */
function unstamped(config: unknown): unknown {
  return isRecord(config) && config.format === CHECKPOINT_FORMAT.name ? withoutFormat(config) : config;
}

/** config.json's text for `config` (a config.json read as it is, or a config to save): stamped with CHECKPOINT_FORMAT first. */
export function configJson(config: unknown): string {
  const c = unstamped(config);
  return `${JSON.stringify(isRecord(c) ? { ...formatFields(CHECKPOINT_FORMAT), ...c } : c, null, 2)}\n`;
}

/**
 * `dir/config.json` as saved (without its format version): the one reader of a checkpoint's config, so a newer one is
 * refused (checkFileFormat) wherever it is read — a model loaded, or a run's stage or step looked up. A missing file is a
 * NotFoundError, one that does not parse a DataError; `ifReadable`: either gives undefined instead (a caller that only
 * looks, and goes on without it). A newer version is refused either way.
 */
export function readCheckpointConfig(dir: string, opts: { ifReadable?: boolean } = {}): unknown {
  const cfgPath = join(dir, CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(cfgPath, 'utf8');
  } catch (e) {
    if (opts.ifReadable) return undefined;
    throw new NotFoundError(`no checkpoint config at ${cfgPath}`, { cause: e });
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (e) {
    if (opts.ifReadable) return undefined;
    throw new DataError('config.json does not parse as JSON', { file: cfgPath, cause: e });
  }
  checkFileFormat(config, cfgPath, CHECKPOINT_FORMAT);
  return unstamped(config);
}
