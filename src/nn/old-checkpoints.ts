/**
 * Whether older checkpoint layouts may load (docs/architecture.md §4, "Checkpoint"): one environment
 * variable, set by the CLI's `--allow-old-checkpoint`. Its own light file so that the CLI can set it at
 * startup without loading the checkpoint reader and the tensors behind it (src/cli/commands.ts).
 */

/** Environment variable that allows older checkpoint layouts (set by the CLI's `--allow-old-checkpoint`). */
export const ALLOW_OLD_CHECKPOINT_ENV = 'ASKFIRST_ALLOW_OLD_CHECKPOINT';

/** Whether older checkpoint layouts are allowed by default (the environment variable). */
export function oldCheckpointsAllowed(): boolean {
  return process.env[ALLOW_OLD_CHECKPOINT_ENV] === '1';
}
