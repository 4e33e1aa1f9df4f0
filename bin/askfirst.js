#!/usr/bin/env node
// The askfirst command. `npm ci` builds dist/ (the "prepare" script); from a source
// checkout without a build, run `npm run build` first. A source file newer than the build
// is named in a one-line warning (stale-build.js).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { staleBuildWarning } from './stale-build.js';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const entry = join(root, 'dist', 'cli', 'main.js');
if (!existsSync(entry)) {
  console.error('askfirst: dist/ is missing. Run `npm run build` (npm ci does this for you).');
  process.exitCode = 1; // not process.exit: the line reaches a pipe whose reader is behind (README.md, "Exit status")
} else {
  const stale = staleBuildWarning(root);
  if (stale) console.error(stale);
  const { main } = await import(entry);
  await main(process.argv);
}
