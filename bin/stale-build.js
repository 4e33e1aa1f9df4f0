// Does dist/ predate the sources it was built from? In a source checkout (src/ beside dist/), a
// `git pull` or an edit without `npm run build` would otherwise run the old code without a word.
// dist/cli/main.js is the build's stamp (`npm run build` deletes dist/ and writes it anew); the
// sources are src/ (tests and src/testing/ left out: the build leaves them out) and web/src/.
// One stat per file: a few milliseconds for the whole tree.
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** The newest source file changed after dist/ was built, as a path relative to `root`; null when dist/ is current (or there are no sources: an installed package). */
export function newerSource(root) {
  let built;
  try {
    built = statSync(join(root, 'dist', 'cli', 'main.js')).mtimeMs;
  } catch {
    return null;
  }
  let newest = null;
  for (const dir of ['src', join('web', 'src')]) {
    let entries;
    try {
      entries = readdirSync(join(root, dir), { recursive: true, withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (!e.isFile() || /\.test\.tsx?$/.test(e.name)) continue;
      const path = join(e.parentPath ?? e.path, e.name);
      const rel = relative(root, path);
      if (rel.startsWith(join('src', 'testing') + sep)) continue;
      const t = statSync(path).mtimeMs;
      if (t > built && (!newest || t > newest.t)) newest = { rel, t };
    }
  }
  return newest && newest.rel;
}

/** The one-line warning for a stale build, or null. */
export function staleBuildWarning(root) {
  const file = newerSource(root);
  return file ? `askfirst: warning: ${file} changed after dist/ was built, so this runs the old build; run \`npm run build\` (in ${root})` : null;
}
