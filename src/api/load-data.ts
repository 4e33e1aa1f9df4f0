/**
 * The library's `loadData` (docs/library.md): suite/open.ts's, after checking its arguments (api/arguments.ts): a spec
 * that is not a string (`loadData()` failed with Node's 'The "path" argument must be of type string') or an option it
 * does not know is refused in one line saying what to give; the data's own errors name the call's spec and options, not
 * the CLI's `--data` and `--kinds` (suite/open.ts DataNaming).
 */
import { loadData as loadSpec, type DataNaming, type DataOptions, type LoadedData } from '../suite/open.js';
import type { SuiteWriterNaming } from '../suite/io.js';
import { checkOptions, checkString, refuse } from './arguments.js';

const CALL = 'loadData()';

/** What writes a suite, as the library's calls do it (they said `askfirst suite generate --out DIR`, a command it never ran). */
const WRITER: SuiteWriterNaming = { name: 'writeSuite()', into: (dir) => `\`writeSuite(${JSON.stringify(dir)}, generateSuite())\`` };

/** How the data's errors name the call's spec and options (they said `--data: no directory at …`, a flag it has none of). */
const LIBRARY: DataNaming = {
  call: CALL,
  spec: (s) => `${CALL}: spec ${JSON.stringify(s)}`,
  kinds: `${CALL}: kinds`,
  give: (s) => `call loadData(${JSON.stringify(s)})`,
  writer: WRITER,
  suiteFolder: "writeSuite()'s dir",
};

/** Every option DataOptions has (the compiler keeps this in step with it). */
const OPTIONS = { kinds: true, limit: true, progress: true } as const satisfies Record<keyof DataOptions, true>;

/** The episodes of a `--data` folder (`DIR`, `suite:DIR` or `proactivebench:DIR`) and their view loader. */
export async function loadData(spec: string, opts: DataOptions = {}): Promise<LoadedData> {
  checkString(CALL, 'spec (a folder: DIR, suite:DIR or proactivebench:DIR)', spec);
  const o = checkOptions(CALL, opts, OPTIONS, '{ kinds?, limit?, progress? }');
  if (o.kinds !== undefined && !(Array.isArray(o.kinds) && o.kinds.every((k) => typeof k === 'string'))) refuse(CALL, 'kinds', 'a list of kind names', o.kinds);
  if (o.limit !== undefined && !(Number.isInteger(o.limit) && (o.limit as number) >= 1)) refuse(CALL, 'limit', 'a whole number, at least 1', o.limit);
  if (o.progress !== undefined && typeof o.progress !== 'boolean') refuse(CALL, 'progress', 'true or false', o.progress);
  return loadSpec(spec, opts, LIBRARY);
}
