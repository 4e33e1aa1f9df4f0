/**
 * Where a result came from: askfirst's version, the git commit of the checkout it ran from
 * (with a flag when the work tree had uncommitted changes; null outside a git checkout), the
 * date, Node's version and the command line — written into summary files so a figure can be
 * traced back to the code that made it. The commit is askfirst's only when its package root is the top of
 * the git work tree: an installed askfirst (`node_modules/askfirst` inside a researcher's own repository)
 * has none, and git, which walks up to the nearest repository, would name the researcher's commit.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { findPackageRoot } from './package-root.js';

export interface Provenance {
  askfirstVersion: string;
  gitCommit: string | null;
  /** True when tracked files differed from the commit (null when unknown). */
  gitDirty: boolean | null;
  date: string;
  node: string;
  argv: string[];
}

function git(args: string[], cwd: string): string | null {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).trim();
  } catch {
    return null;
  }
}

/**
 * The git commit of the checkout whose top is `root` (and whether its tracked files differ from it); both null when
 * `root` is in no git work tree or is not its top (an installed package inside another project's repository).
 */
export function gitCheckout(root: string): { gitCommit: string | null; gitDirty: boolean | null } {
  const top = git(['rev-parse', '--show-toplevel'], root);
  if (top === null || realpathOrSelf(top) !== realpathOrSelf(root)) return { gitCommit: null, gitDirty: null };
  const commit = git(['rev-parse', 'HEAD'], root);
  const status = commit ? git(['status', '--porcelain', '--untracked-files=no'], root) : null;
  return { gitCommit: commit, gitDirty: status === null ? null : status.length > 0 };
}

function realpathOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

let cached: Omit<Provenance, 'date'> | null = null;
let version: string | null = null;

/** askfirst's version, from its package.json ("unknown" when that cannot be read). */
export function askfirstVersion(): string {
  if (version === null) {
    try {
      version = (JSON.parse(readFileSync(join(findPackageRoot() ?? process.cwd(), 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      version = 'unknown';
    }
  }
  return version;
}

export function provenance(): Provenance {
  if (!cached) {
    const root = findPackageRoot() ?? process.cwd();
    cached = { askfirstVersion: askfirstVersion(), ...gitCheckout(root), node: process.version, argv: process.argv.slice(2) };
  }
  return { ...cached, date: new Date().toISOString() };
}
