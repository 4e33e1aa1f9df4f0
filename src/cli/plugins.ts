/**
 * `askfirst --plugin FILE` (main.ts, docs/library.md "A kind of your own"): a user's ES module loaded before the command
 * runs, whose scenario kinds are registered for this process (suite/kinds/registry.ts), so `suite generate --kinds`,
 * `suite show`, `eval --data`, `export` and `env serve` take them as they take the built-in ones. The module exports
 * `kinds`, a list of `{ name, generate }` (or a default export holding `kinds`), or registers them itself with the
 * package's `registerKind`. Loaded with `await import()` only when --plugin is given.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { registeredGenerator, registerKind, registeredKinds, type KindDefinition } from '../suite/kinds/registry.js';
import { describeError, InputError, isAskfirstError } from '../util/errors.js';

/** The kinds a plugin module exports: its `kinds`, else its default export's `kinds`. */
function exportedKinds(mod: Record<string, unknown>): unknown {
  if (mod.kinds !== undefined) return mod.kinds;
  const d = mod.default as { kinds?: unknown } | undefined;
  return d && typeof d === 'object' ? d.kinds : undefined;
}

/** Load each `--plugin` file in order and register its kinds (a kind it registered already stays as it is); each problem is one line naming the file. */
export async function loadPlugins(files: readonly string[]): Promise<void> {
  for (const file of files) {
    const abs = resolve(file);
    if (!existsSync(abs) || !statSync(abs).isFile()) throw new InputError(`--plugin ${file}: no such file (give the path of an ES module, .js or .mjs, that exports \`kinds\`)`);
    const before = registeredKinds().length;
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
    } catch (e) {
      throw new InputError(`--plugin ${file} could not be loaded: ${describeError(e)}`, { cause: e });
    }
    const kinds = exportedKinds(mod);
    if (kinds === undefined && registeredKinds().length > before) continue; // it called registerKind itself
    if (!Array.isArray(kinds) || kinds.length === 0)
      throw new InputError(`--plugin ${file} registers no scenario kind: export \`kinds\`, a list of { name, generate(ctx) } (docs/library.md)`);
    for (const def of kinds as KindDefinition[]) {
      // the same module given twice, or loaded again in this process (import() gives the same module): registered once
      if (typeof def?.name === 'string' && def.generate !== undefined && registeredGenerator(def.name) === def.generate) continue;
      try {
        registerKind(def);
      } catch (e) {
        if (!isAskfirstError(e)) throw e;
        throw new InputError(`--plugin ${file}: ${e.message}`, { cause: e });
      }
    }
  }
}
