/**
 * Model checkpoints: `<dir>/model.safetensors` (parameters by dotted name, F32) beside
 * `<dir>/config.json` (whatever the model needs to rebuild itself), both written atomically.
 * A Python user opens the weights with `safetensors.numpy.load_file` / `safe_open` unchanged.
 *
 * Loading refuses a damaged checkpoint: the weights' checksum (safetensors.ts) must match, and
 * every value must be finite. A checkpoint without a checksum (written before askfirst stored
 * one) or without parameters added later is an older layout, loaded only when the caller allows
 * it (`--allow-old-checkpoint`, or ASKFIRST_ALLOW_OLD_CHECKPOINT=1), and then with a warning.
 *
 * config.json carries a format version (util/file-format.ts, CHECKPOINT_FORMAT): one without it (written before) is
 * version 1, a newer one is refused in one line naming the file. The version is not part of the config a caller saves or
 * reads (configJson adds it, readCheckpoint takes it out), so what identifies a model (its weights, the config as read:
 * BuiltinPolicy.fingerprint) is unchanged by it.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../util/errors.js';
import { writeFileAtomicSync } from '../util/fsx.js';
import type { Module, TensorData } from './module.js';
import type { Optimizer } from './optim.js';
import { loadSafetensors, saveSafetensors } from './safetensors.js';
import { ALLOW_OLD_CHECKPOINT_ENV, oldCheckpointsAllowed } from './old-checkpoints.js';
import { CONFIG_FILE, configJson, readCheckpointConfig, WEIGHTS_FILE } from './checkpoint-config.js';

export { CHECKPOINT_FORMAT, CONFIG_FILE, configJson, readCheckpointConfig, WEIGHTS_FILE } from './checkpoint-config.js';

export interface SaveCheckpointOptions {
  /** JSON-serialisable model/training config, written to config.json. */
  config: unknown;
  /** String metadata stored in the safetensors header (__metadata__). */
  metadata?: Record<string, string>;
  /** Extra tensors (e.g. optimizer state) stored beside the parameters; names must contain '#' ("optim#fc.weight.exp_avg") so they never clash with parameters. */
  extra?: Iterable<[string, TensorData]>;
}

/**
 * Write the module's parameters and config into `dir` (created if needed). Weights first, config
 * last: a config.json already there is removed first, so a save stopped half-way over an earlier
 * checkpoint leaves no config beside the new weights (the directory reads as unfinished, never as
 * the earlier model's config with other weights).
 */
export function saveCheckpoint(dir: string, model: Module, opts: SaveCheckpointOptions): void {
  mkdirSync(dir, { recursive: true });
  rmSync(join(dir, CONFIG_FILE), { force: true });
  const tensors: [string, TensorData][] = model.namedParameters().map(([n, p]) => [n, { data: p.data, shape: p.shape }]);
  for (const [n, t] of opts.extra ?? []) {
    if (!n.includes('#')) throw new DataError(`extra checkpoint tensor "${n}" must have a '#' in its name (e.g. "optim#${n}")`);
    tensors.push([n, t]);
  }
  saveSafetensors(join(dir, WEIGHTS_FILE), tensors, { format: 'askfirst', ...opts.metadata });
  writeFileAtomicSync(join(dir, CONFIG_FILE), configJson(opts.config));
}

export interface LoadedCheckpoint {
  /** config.json as saved: without its format version (configJson). */
  config: unknown;
  tensors: Map<string, TensorData>;
  metadata: Record<string, string>;
  /** The SHA-256 of the weights' data (safetensors.ts `sha256`): what a served model's `system_fingerprint` hashes. */
  weightsSha256: string;
}

export interface ReadCheckpointOptions {
  /** Load a checkpoint of an older layout (no checksum, parameters added later missing); default from ASKFIRST_ALLOW_OLD_CHECKPOINT=1. */
  allowOldLayout?: boolean;
  /** Where the warnings about an older layout go (default: stderr). */
  warn?: (msg: string) => void;
}

const defaultWarn = (msg: string) => console.error(`askfirst: warning: ${msg}`);

/** DataError naming `file` when any tensor holds NaN or ±Infinity. */
export function checkFinite(tensors: ReadonlyMap<string, TensorData>, file: string): void {
  const bad: string[] = [];
  for (const [n, t] of tensors) {
    let count = 0;
    for (let i = 0; i < t.data.length; i++) if (!Number.isFinite(t.data[i])) count++;
    if (count) bad.push(`${n} (${count} of ${t.data.length})`);
  }
  if (bad.length) {
    throw new DataError(`the checkpoint holds non-finite values (NaN or infinity) in ${bad.slice(0, 5).join(', ')}${bad.length > 5 ? ` and ${bad.length - 5} more tensors` : ''}: it is damaged or its training diverged; use an earlier checkpoint`, { file });
  }
}

/** Read `dir/config.json` and `dir/model.safetensors` (DataError/NotFoundError on problems). */
export function readCheckpoint(dir: string, opts: ReadCheckpointOptions = {}): LoadedCheckpoint {
  // a newer askfirst's model may mean something else by the same fields: refused before its weights are read
  const config = readCheckpointConfig(dir);
  const file = join(dir, WEIGHTS_FILE);
  const { tensors, metadata, checksummed, sha256 } = loadSafetensors(file);
  if (!checksummed) {
    if (!(opts.allowOldLayout ?? oldCheckpointsAllowed())) {
      throw new DataError(
        `the weights carry no checksum (written by an askfirst before checkpoints had one, or by another tool), so damage cannot be detected; run with --allow-old-checkpoint (or ${ALLOW_OLD_CHECKPOINT_ENV}=1) to load it unverified, or retrain`,
        { file },
      );
    }
    (opts.warn ?? defaultWarn)(`${file}: loading weights without a checksum (older layout, allowed): damage cannot be detected`);
  }
  checkFinite(tensors, file);
  return { config, tensors, metadata, weightsSha256: sha256 };
}

/** Load parameters from `dir` into `model` (strict: names and shapes must match). Returns the config. */
export function loadCheckpointInto(dir: string, model: Module, strict = true, opts: ReadCheckpointOptions = {}): LoadedCheckpoint {
  const ck = readCheckpoint(dir, opts);
  const params = new Map([...ck.tensors].filter(([n]) => !n.includes('#')));
  model.loadStateDict(params, strict, join(dir, WEIGHTS_FILE));
  return ck;
}

/** An optimizer's state as checkpoint extras, named "optim#<buffer>" (pass as `extra` to saveCheckpoint). */
export function optimizerExtras(opt: Optimizer): [string, TensorData][] {
  return [...opt.stateBuffers()].map(([n, b]) => [`optim#${n}`, { data: b, shape: [b.length] }]);
}

/**
 * Restore state saved by `optimizerExtras`; a missing or resized buffer is a DataError naming
 * `file`. A parameter with saved state gets a zero gradient buffer, as it had before the
 * checkpoint (`zeroGrad` zeroes a gradient, it does not drop it): optimizers skip parameters
 * without one, so otherwise a step in which it gets no gradient would skip its momentum, and the
 * resumed run would drift from the uninterrupted one.
 */
export function restoreOptimizer(opt: Optimizer, tensors: ReadonlyMap<string, TensorData>, file: string): void {
  const stepped = new Set<string>();
  for (const [n, buf] of opt.stateBuffers()) {
    const t = tensors.get(`optim#${n}`);
    if (!t || t.data.length !== buf.length) throw new DataError(`checkpoint lacks optimizer state ${n}`, { file });
    buf.set(t.data);
    if (t.data.some((v) => v !== 0)) stepped.add(n.slice(0, n.lastIndexOf('.')));
  }
  opt.params.forEach((p, k) => {
    if (!p.grad && stepped.has(p.name ?? String(k))) p.grad = new Float32Array(p.size);
  });
}
