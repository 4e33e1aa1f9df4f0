/**
 * askfirst's package root: the nearest folder above this file that holds package.json, the same
 * from src/ (tests, tsx) and from dist/ (the built command). What ships beside the code is found
 * from it: the WASM kernels (build/), the workbench UI (dist/web), the version and git checkout
 * that provenance records.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root, or null when no folder above this file holds a package.json. */
export function findPackageRoot(): string | null {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json'))) {
    const up = dirname(d);
    if (up === d) return null;
    d = up;
  }
  return d;
}

/** The package root; an installation without its package.json is an error naming where it was looked for. */
export function packageRoot(): string {
  const root = findPackageRoot();
  if (root === null) throw new Error(`cannot find the askfirst package root (package.json) above ${fileURLToPath(import.meta.url)}`);
  return root;
}
