/**
 * `askfirst serve --policy SPEC --port N`: expose any Policy (the built-in model
 * `builtin:CHECKPOINT`, a baseline, even another `openai:` endpoint) as an OpenAI-compatible
 * endpoint — POST /v1/chat/completions with the image as a data URL, GET /v1/models,
 * GET /healthz (and /health) — so any OpenAI client can talk to it (see src/server/openai/server.ts); requests
 * name the model `--model-name` (default: the policy spec, a builtin:DIR's or scripted:FILE's path cut to its last name, an
 * `openai:URL#MODEL` proxy's as the upstream's MODEL without its URL: registry.ts `servedModelId`), as `openai:URL#MODEL` does.
 * `--data` supplies episodes for policies that need them (oracle, scripted).
 * As a proxy (`--policy openai:URL#MODEL`) its client of the upstream takes eval's settings of it (`--timeout`, `--retries`,
 * `--concurrency`, `--cache`, `--max-tokens`, `--omit-params`, `--extra-body` …, serve-schema.ts; the upstream's key by
 * `--upstream-api-key-env` and `--upstream-api-key-header`), refused with any other policy.
 * `--api-key` (or the variable named by `--api-key-env`) protects every route but /healthz and /health;
 * listening beyond this machine without one prints a warning, as does listening beyond it at all (plain
 * HTTP: put a TLS proxy in front); on loopback only its own Host names and `--allow-host` ones are answered.
 * Ctrl-C or SIGTERM stops it after the requests in flight are answered (new connections refused meanwhile), then
 * ends the command by that signal (130 / 143 to a shell: signals.ts `serveUntilStopped`); a second signal cuts them.
 */
import { checkPolicySpec, createPolicy, policyAnswersFromData, policyReadsEpisodes, servedModelId } from '../agents/registry.js';
import type { Policy } from '../agents/policy.js';
import { Fingerprinter } from '../suite/fingerprint.js';
import { dataOnce, dataSpec } from '../suite/open.js';
import type { SkippedEntry } from '../suite/proactivebench/read.js';
import type { SuiteEpisode } from '../suite/types.js';
import { InputError } from '../util/errors.js';
import { setImageLimits } from '../scenes/image-limits.js';
import { isLoopbackHost } from '../server/host-check.js';
import { startOpenAIServer, type RunningServer } from '../server/openai/server.js';
import { serveUntilStopped } from './signals.js';
import { configFromOptions, refuseUnread } from './options.js';
import { refuseUnreadPolicyFlags } from './policy-flags.js';
import { SERVE_UPSTREAM_FIELDS, ServeSchema, type ServeConfig } from './serve-schema.js';
import { generationOptions, httpOptions, refuseUnsetKeyEnv } from './eval-http.js';

/**
 * The episodes of `--data`, read once (`progress`: its bar while reading) and not held: each checked as eval checks it
 * and handed, as it is read, to `use` (the policy made of them: the oracle keeps each episode's plan, a few strings;
 * scripted:FILE reads up to its first episode with replies, the rest read on and checked after it) and, for a policy
 * that answers from them (`fingerprinted`: the oracle), to the fingerprint eval records, for `system_fingerprint`
 * (suite/open.ts dataOnce). It read the data three times before (openData's check, the fingerprint's pass, the
 * oracle's), and held every episode (0.45 GB at 130,000) earlier still. Once the policy is made, the data is not read
 * again: the server answers from what the policy kept. Data refused part way fails `use` (the oracle's episodes end in
 * the error) or, read after it, this: what `use` made of it is not used.
 */
export async function loadServeEpisodes(
  data: string | undefined,
  warn: (msg: string) => void = console.error,
  progress = false,
  fingerprinted = false,
  use?: (episodes: AsyncIterable<SuiteEpisode>) => Promise<unknown>,
): Promise<{ count?: number; fingerprint?: string }> {
  if (!data) return {};
  const pass = dataOnce(data, { progress });
  const fingerprint = fingerprinted ? new Fingerprinter(dataSpec(data).dir) : undefined;
  let end: { count: number; skipped: SkippedEntry[] } | undefined;
  const next = async (): Promise<IteratorResult<SuiteEpisode>> => {
    if (end) return { done: true, value: undefined };
    const got = await pass.next();
    if (got.done) {
      end = got.value;
      return { done: true, value: undefined };
    }
    fingerprint?.add(got.value);
    return got;
  };
  try {
    // no `return`: a reader that stops early (scripted:FILE) leaves the pass open, to be read on and checked here
    await use?.({ [Symbol.asyncIterator]: () => ({ next }) });
    while (!end) await next();
  } finally {
    if (!end) await pass.return({ count: 0, skipped: [] }); // its file closed, its bar ended
  }
  if (end.skipped.length) warn(`${end.skipped.length} entries of ${dataSpec(data).dir} could not be read and are left out, e.g. ${end.skipped[0].reason}`);
  return { count: end.count, fingerprint: fingerprint?.result().fingerprint };
}

/**
 * The key flags as given (`given`: the options before the schema's defaults): --api-key and --api-key-env together
 * contradict each other, and an --api-key-env naming a variable that is not set (a typo, or not exported) left the
 * server without a key on loopback without a word, though a key was asked for.
 */
function refuseKeyFlags(cfg: ServeConfig, given: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv): void {
  if (given.apiKeyEnv === undefined) return;
  if (given.apiKey !== undefined) throw new InputError('--api-key and --api-key-env contradict each other: --api-key is the key itself, --api-key-env names the environment variable holding it; give one');
  if (!env[cfg.apiKeyEnv]?.trim())
    throw new InputError(`--api-key-env ${cfg.apiKeyEnv}: that environment variable is not set (or empty), so the server would require no key; export ${cfg.apiKeyEnv}=KEY first, or leave --api-key-env out`);
}

/**
 * The upstream client's settings of an openai: policy (timeout, retries, cache, token limit …), as `askfirst eval` turns
 * the same flags into them (eval-http.ts `httpOptions`, `generationOptions`); none for another policy (refused, serveAction).
 * Before, serve passed none: a proxy of a slow hosted API could not be given its --timeout, nor a --cache.
 */
export function upstreamOptions(cfg: ServeConfig): Record<string, unknown> {
  if (!cfg.policy.startsWith('openai:')) return {};
  const o = { ...cfg, apiKeyEnv: cfg.upstreamApiKeyEnv, apiKeyHeader: cfg.upstreamApiKeyHeader };
  // keyFlagPrefix: a refused upstream key's advice names --upstream-api-key-env, not serve's own clients' --api-key-env
  const all: Record<string, unknown> = { ...httpOptions(o), ...generationOptions(o), keyFlagPrefix: 'upstream-' };
  // the settings serve does not take (serve-schema.ts) keep the HTTP policy's defaults
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined));
}

/** Start serving; resolves once listening. `given`: the options as the user gave them (the key flags are checked). */
export async function runServe(
  cfg: ServeConfig,
  log?: (msg: string) => void,
  given: Readonly<Record<string, unknown>> = {},
): Promise<RunningServer & { policyName: string; model: string; protectedByKey: boolean }> {
  const warn = log ?? ((m: string) => console.error(`askfirst serve: warning: ${m}`));
  refuseKeyFlags(cfg, given, process.env);
  refuseUnsetKeyEnv({ apiKeyEnv: given.upstreamApiKeyEnv }, process.env, '--upstream-api-key-env');
  const options = upstreamOptions(cfg); // a bad --extra-body or a --cache-max-bytes without --cache, before any work
  if ((cfg.policy === 'oracle' || cfg.policy.startsWith('oracle:')) && !cfg.data) {
    throw new InputError('the oracle needs the episodes it will be asked about: add --data DIR');
  }
  // the cheap checks and warnings first, before the data is read and the policy made (a built-in model loads for seconds)
  const envKey = process.env[cfg.apiKeyEnv]?.trim();
  const apiKey = cfg.apiKey ?? (envKey ? envKey : undefined);
  if (!apiKey && !isLoopbackHost(cfg.host)) {
    warn(`listening on ${cfg.host} without an API key: anyone who can reach this machine can use the policy${cfg.policy.startsWith('openai:') ? ' (and spend the upstream API key)' : ''}; set ${cfg.apiKeyEnv} or pass --api-key`);
  }
  // a policy that reads the episodes (the oracle, scripted:FILE) is made in the one pass that reads --data; any other
  // once --data is read and checked (it was made at the pass's start: a built-in model loaded before bad data was refused)
  let policy: Policy | undefined;
  const make = async (episodes: AsyncIterable<SuiteEpisode> | readonly SuiteEpisode[]) => {
    policy = await createPolicy(cfg.policy, { episodes, seed: cfg.seed, options });
  };
  const inPass = policyReadsEpisodes(cfg.policy);
  let dataFingerprint: string | undefined;
  try {
    ({ fingerprint: dataFingerprint } = await loadServeEpisodes(cfg.data, warn, cfg.progress, policyAnswersFromData(cfg.policy), inPass ? make : undefined));
    if (!cfg.data || !inPass) await make([]);
  } catch (e) {
    await (policy as Policy | undefined)?.close?.();
    throw e;
  }
  return serveWith(cfg, policy!, dataFingerprint, apiKey, warn);
}

/** runServe's server of `policy`, behind `apiKey` when there is one. */
async function serveWith(cfg: ServeConfig, policy: Policy, dataFingerprint: string | undefined, apiKey: string | undefined, warn: (msg: string) => void): Promise<RunningServer & { policyName: string; model: string; protectedByKey: boolean }> {
  setImageLimits({ maxPixels: cfg.maxImagePixels });
  // not the spec itself: a builtin:DIR's or scripted:FILE's path named the server's folders to every client (registry.ts)
  const model = cfg.modelName ?? servedModelId(cfg.policy);
  const srv = await startOpenAIServer({
    policy,
    port: cfg.port,
    host: cfg.host,
    modelName: model,
    maxBatch: cfg.maxBatch,
    seed: cfg.seed,
    dataFingerprint,
    apiKey,
    maxBodyBytes: cfg.maxBodyBytes,
    maxConcurrent: cfg.maxConcurrent,
    maxMessages: cfg.maxMessages,
    allowHosts: cfg.allowHost,
    warn,
  });
  return {
    ...srv,
    policyName: policy.name,
    model,
    protectedByKey: apiKey !== undefined,
    close: async () => {
      await srv.close();
      await policy.close?.();
    },
    // the policy is closed only once every request in flight has its answer (closed under one, it failed as INTERNAL)
    stop: async () => {
      await srv.stop();
      await policy.close?.();
    },
  };
}

/** The action of `askfirst serve` (serve-command.ts): serve until Ctrl-C. */
export async function serveAction(raw: Record<string, unknown>): Promise<void> {
  const cfg = configFromOptions(ServeSchema, raw, 'serve');
  if (!isLoopbackHost(cfg.host)) refuseUnread(ServeSchema, raw, { keys: ['allowHost'], readBy: 'read with a loopback --host only (a server on another address answers any Host)' }, `with --host ${cfg.host}`);
  checkPolicySpec(cfg.policy); // an unknown --policy is named as such, before its flags are weighed
  refuseUnreadPolicyFlags(ServeSchema, raw, [cfg.policy], ['seed']);
  if (!cfg.policy.startsWith('openai:')) {
    refuseUnread(ServeSchema, raw, { keys: SERVE_UPSTREAM_FIELDS, readBy: 'read by an openai:URL#MODEL policy only, for its client of the upstream serve proxies' }, `with --policy ${cfg.policy} (not an openai: policy)`, 'serve an openai: policy');
  }
  const srv = await runServe(cfg, undefined, raw);
  await serveUntilStopped({ name: 'askfirst serve', closed: 'connections closed', inFlight: srv.inFlight }, () => srv.stop(), () => console.log(`askfirst serve: ${srv.policyName} as model ${JSON.stringify(srv.model)} at ${srv.url} (POST /v1/chat/completions, GET /v1/models, GET /healthz)${srv.protectedByKey ? ', API key required' : ''}; Ctrl-C stops`));
}
