/** package-root.ts: the one walk up to askfirst's package.json (wasm kernels, workbench UI, provenance). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPackageRoot, packageRoot } from './package-root.js';
import { provenance } from './provenance.js';

describe('packageRoot', () => {
  it("is the folder holding askfirst's package.json, whose version provenance records", () => {
    const root = packageRoot();
    expect(findPackageRoot()).toBe(root);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };
    expect(pkg.name).toBe('askfirst');
    expect(provenance().askfirstVersion).toBe(pkg.version);
  });
});
