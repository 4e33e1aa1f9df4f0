/**
 * The JSON examples README.md, docs/*.md and the integrations' READMEs show, read by the code that reads them: an
 * `askfirst eval --config` file through eval's own reading of it (unknown settings refused, then its schema), an
 * `--extra-body '…'` value through its parser, a message or action of `askfirst env serve`'s WebSocket protocol
 * through the server's validators. Every other JSON example must be in NOT_READ below, saying why no code reads it
 * as input, so a new config example is a conscious choice. tests/docs-commands.test.ts checks the commands and flags;
 * the `ts` example of docs/library.md is type-checked and run by tests/package.test.ts. docs/transfer.md is a research
 * log (its examples historical): not checked.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withConfigFile } from '../src/cli/eval.js';
import { parseExtraBody } from '../src/cli/eval-http.js';
import { EvalCommandSchema } from '../src/cli/eval-schema.js';
import { configFromOptions } from '../src/cli/options.js';
import {
  isMcpAction,
  isObject,
  validateAction,
  validateMcpAction,
  validateMessage,
  validateReset,
  ValidationFailure,
} from '../src/server/env/protocol.js';
import { docPages } from '../src/testing/doc-commands.js';
import { docJsonExamples, type DocJson } from '../src/testing/doc-json.js';
import { tmpDir } from '../src/testing/tmp.js';

const root = resolve(import.meta.dirname, '..');
const PAGES = docPages(root);

/** JSON examples no askfirst code reads as input, each with what it is. */
const NOT_READ: Record<string, string> = {
  '{"path": "images/….png"}': "an episode's view (README's episode format; the suite reader's tests)",
  '{"0": 1}': "an episode's steps.next (README's episode format)",
  '{}': 'an empty object in prose (no next view; an empty reset)',
  '{"resumed": 74, "of": 74}': "a part's entry of a probe's --json resumedParts (output, not input; src/cli/probe.test.ts reads it)",
  '[]': 'an empty list in prose (a falsy session_id)',
  '["text"]': "OpenAI's modalities, a request field serve refuses otherwise",
  '["\\n\\n"]': "lmms-eval's default until",
  '[1,2]': 'non-object JSON the env server answers with VALIDATION_ERROR (its tests send it)',
  '{"length": 3}': "summary.json's unparseableCauses (eval's output)",
  '{"status":"healthy"}': "env serve's /health answer",
  '{"episode_id":null,"step_count":0}': "env serve's /state answer on a fresh environment",
  '{"type":"image"}': "TRL's / OpenRLHF's image placeholder in a chat message (the export's rows)",
  '{"type":null}': 'a malformed /ws message whose echoed type the prose shows (server.test.ts sends it)',
  '{"tools":[]}': "OpenEnv's list_tools answer on a closed MCPEnvironment (docs/environment-server.md's differences)",
  '[1]': 'non-object JSON on POST /mcp (its tests send it)',
  '{"env_vars": {"ASKFIRST_ENV_URL": "http://HOST:8000"}}': "Ray's --runtime-env-json",
  '{"env_vars": {"PYTHONPATH": "/abs/path/integrations/verl"}}': "Ray's --runtime-env-json",
};

/** What a client sends env serve's WebSocket (`type`), and OpenEnv's MCP actions sent as a step's data. */
const WS_TYPES = new Set(['reset', 'step', 'state', 'close', 'mcp', 'list_tools', 'call_tool']);

function protocolProblem(v: Record<string, unknown>): string | undefined {
  try {
    if (v.type === 'list_tools' || v.type === 'call_tool') {
      validateMcpAction(v);
      return undefined;
    }
    const m = validateMessage(v);
    if (m.type === 'step') {
      if (isMcpAction(m.data)) validateMcpAction(m.data, ['data']);
      else validateAction(m.data, ['data']);
    } else if (m.type === 'reset') validateReset(m.data, ['data']);
    return undefined;
  } catch (e) {
    if (e instanceof ValidationFailure) return e.errors.map((f) => `${f.loc.join('.')}: ${f.msg}`).join('; ');
    throw e;
  }
}

/** What is wrong with one example (undefined: the code that reads it accepts it, or nothing reads it as input). */
async function exampleProblem(ex: DocJson, dir: string): Promise<string | undefined> {
  if (ex.value === undefined) return 'a ```json block that does not parse';
  const v = ex.value;
  try {
    if (ex.flag === '--extra-body') {
      parseExtraBody(ex.text);
      return undefined;
    }
    if (ex.flag === undefined && isObject(v) && /`askfirst eval --config /.test(ex.context)) {
      const file = join(dir, `eval-config-${ex.line}.json`);
      writeFileSync(file, ex.text);
      // as `askfirst eval --config FILE --data suite --out runs/x` reads it (eval.ts evalAction)
      const given = await withConfigFile({ config: file, data: 'suite', out: 'runs/x' });
      configFromOptions(EvalCommandSchema, given, 'eval');
      return undefined;
    }
    if (ex.flag === undefined && isObject(v) && typeof v.type === 'string' && WS_TYPES.has(v.type)) return protocolProblem(v);
  } catch (e) {
    return (e as Error).message.replaceAll(dir, 'DIR');
  }
  if (ex.text in NOT_READ) return undefined;
  if (isObject(v) && Object.keys(v).join() === 'detail') return undefined; // an answer of env serve (FastAPI's error shape), not input
  return `a JSON example no test reads${ex.flag ? ` (the value of ${ex.flag})` : ''}: hand it to the code that reads it in tests/docs-json.test.ts, or list it in NOT_READ`;
}

async function pageProblems(page: string, md: string, dir: string): Promise<string[]> {
  const problems: string[] = [];
  for (const ex of docJsonExamples(md)) {
    const p = await exampleProblem(ex, dir);
    if (p) problems.push(`${page}:${ex.line}: ${ex.text}\n    ${p}`);
  }
  return problems;
}

describe('the JSON examples the docs show', () => {
  it('finds the examples and reports one its reader refuses', async () => {
    const md = [
      'All settings can also come from a JSON file: `askfirst eval --config eval.json`, keys',
      '(`{"policy": ["oracle"], "maxTokenz": 4096}`).',
      '',
      'Send `--extra-body \'{"model":"x"}\'`; the socket takes `{"type":"step","data":{"reply":"B.","extra":1}}`',
      'and answers `{"detail": …}` (a shape) or `{"novel": true}`.',
      '```json',
      '{"type": "state"}',
      '```',
    ].join('\n');
    const ex = docJsonExamples(md);
    expect(ex.map((e) => `${e.line} ${e.flag ?? '-'} ${e.text}`)).toEqual([
      '2 - {"policy": ["oracle"], "maxTokenz": 4096}',
      '4 --extra-body {"model":"x"}',
      '4 - {"type":"step","data":{"reply":"B.","extra":1}}',
      '5 - {"novel": true}',
      '7 - {"type": "state"}',
    ]);
    const problems = await pageProblems('x.md', md, tmpDir('askfirst-docs-json'));
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/^x\.md:2: .*\n {4}--config DIR\/eval-config-2\.json: unknown setting\(s\) maxTokenz \(Did you mean maxTokens\?\)/);
    expect(problems[1]).toMatch(/^x\.md:4: .*\n {4}--extra-body may not set "model"/);
    expect(problems[2]).toMatch(/^x\.md:4: .*\n {4}data\.extra: Extra inputs are not permitted$/);
    expect(problems[3]).toMatch(/^x\.md:5: \{"novel": true\}\n {4}a JSON example no test reads/);
  });

  it.each(PAGES)('%s', async (page) => {
    const md = readFileSync(join(root, page), 'utf8');
    expect(await pageProblems(page, md, tmpDir('askfirst-docs-json'))).toEqual([]);
  });

  it('reads the config example of docs/evaluation.md and the protocol of docs/environment-server.md', () => {
    const texts = (page: string) => docJsonExamples(readFileSync(join(root, page), 'utf8')).map((e) => e.text);
    expect(texts('docs/evaluation.md')).toContain('{"policy": ["oracle", "openai:URL#MODEL"], "maxTokens": 4096}');
    expect(texts('docs/environment-server.md')).toContain('{"type":"call_tool","tool_name":"reply","arguments":{"reply":"B."}}');
    expect(texts('README.md')).toContain('{"reasoning_effort":"low"}');
  });
});
