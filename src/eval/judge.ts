/**
 * The open-ended judge (ProactiveBench's open-ended generation protocol, De Min et al., arXiv
 * 2603.19466 §open-ended): a second model reads the question, the list of valid answers and
 * the tested model's free-text reply, and says for each valid answer whether the reply
 * expresses it (1) or not (0). The prompt is askfirst's own wording; the verdict parser accepts
 * a trailing "VERDICT: 1,0,1", a JSON array, or a bare list, after any reasoning block, and
 * rejects a list of the wrong length. Any OpenAI-compatible endpoint can judge.
 */
import { ChatClient, type ClientStats } from '../agents/http/client.js';
import { apiKeyFromEnv, parseOpenAISpec, resolveHttpPolicyConfig, type HttpPolicyConfig } from '../agents/http/config.js';
import { stripThinking } from '../episode/thinking.js';
import { InputError } from '../util/errors.js';

export const JUDGE_SYSTEM_PROMPT = [
  'You grade answers of an assistant that looked at an image.',
  'You get the question the assistant was asked, a numbered list of reference answers, and what the assistant replied.',
  'For each reference answer, decide whether the reply conveys it: the same object or category, or the same action or request to the user.',
  'Paraphrases, synonyms and clearly implied actions count (e.g. "could you turn it around?" conveys "rotate the object"; "step back" conveys "move farther from the object").',
  'A reference answer does not count when the reply leaves it out, rules it out, names it only to reject it, or hedges between several different options.',
  'You may reason briefly first. Then finish with exactly one line of the form',
  'VERDICT: v1,v2,...',
  'with one 0 or 1 per reference answer, in the order given, and nothing after it.',
].join('\n');

export function judgeUserPrompt(question: string, answers: readonly string[], reply: string): string {
  const list = answers.map((a, i) => `${i + 1}. ${a}`).join('\n');
  return `Question asked:\n${question}\n\nReference answers (${answers.length}):\n${list}\n\nAssistant reply:\n${reply}`;
}

/**
 * Parse a judge's verdict: one 0/1 per answer, or null when the output holds no list of the
 * right length. Preference: the last "VERDICT:" line, then the last JSON-style array, then the
 * last comma-separated run of 0s and 1s (ProactiveBench's rule).
 */
export function parseVerdict(raw: string, expected: number): number[] | null {
  const text = stripThinking(raw);
  const toList = (s: string) => s.split(/[\s,;]+/).filter(Boolean).map((t) => (t === '1' || /^(yes|true)$/i.test(t) ? 1 : t === '0' || /^(no|false)$/i.test(t) ? 0 : -1));
  const ok = (xs: number[]) => xs.length === expected && xs.every((x) => x === 0 || x === 1);
  const verdictLines = [...text.matchAll(/VERDICT\s*:?\s*\[?\s*([^\n\]]*)/gi)];
  for (let i = verdictLines.length - 1; i >= 0; i--) {
    const xs = toList(verdictLines[i][1].replace(/[*`.]/g, ' '));
    if (ok(xs)) return xs;
  }
  const arrays = [...text.matchAll(/\[\s*([01](?:\s*,\s*[01])*)\s*\]/g)];
  if (arrays.length) {
    const xs = toList(arrays[arrays.length - 1][1]);
    if (ok(xs)) return xs;
  }
  const runs = [...text.matchAll(/(?<![\d.])[01](?:\s*,\s*[01])*(?![\d.])/g)];
  if (runs.length) {
    const xs = toList(runs[runs.length - 1][0]);
    if (ok(xs)) return xs;
  }
  return null;
}

export interface JudgeInput {
  question: string;
  answers: readonly string[];
  reply: string;
}

export interface JudgeVerdict {
  /** One 0/1 per answer, or null when the judge's output could not be parsed (counted as all 0). */
  verdicts: number[] | null;
  /** The judge's raw output (kept in results for auditing). */
  raw: string;
}

export interface Judge {
  readonly name: string;
  /** `signal`: Ctrl-C; `halt`: the run failed on another request (ActOptions.halt: no new attempt or retry). */
  judge(input: JudgeInput, signal?: AbortSignal, halt?: AbortSignal): Promise<JudgeVerdict>;
  stats?(): Record<string, number>;
  close?(): void;
}

/**
 * The endpoint and model of a judge spec (`openai:URL#MODEL`, or just `URL#MODEL`); a malformed spec is an InputError. A
 * spec that is neither (`--judge oracle`, a policy's name) is said to be no judge: it was told it had no "#MODEL" part.
 */
export function parseJudgeSpec(spec: string): { baseUrl: string; model: string } {
  if (!spec.startsWith('openai:') && !/^https?:\/\//i.test(spec)) {
    throw new InputError(`"${spec}" is no judge: a judge is a model behind an OpenAI-compatible endpoint (askfirst's own policies do not judge); give openai:URL#MODEL, e.g. openai:http://127.0.0.1:11434/v1#qwen2.5vl:7b`);
  }
  return parseOpenAISpec(spec.startsWith('openai:') ? spec.slice('openai:'.length) : spec);
}

/** A judge behind any OpenAI-compatible endpoint (spec `openai:URL#MODEL`, or just `URL#MODEL`). */
export class HttpJudge implements Judge {
  readonly name: string;
  readonly client: ChatClient;
  private readonly model: string;
  private readonly maxTokens: number;

  /** `notice`: where the client says it waits long before a retry (ChatClientOptions.notice). */
  constructor(spec: string, opts: Partial<HttpPolicyConfig> = {}, env: NodeJS.ProcessEnv = process.env, notice?: (line: string) => void) {
    const { baseUrl, model } = parseJudgeSpec(spec);
    const c = resolveHttpPolicyConfig({ ...opts, baseUrl, model, maxTokens: opts.maxTokens ?? 1024 });
    this.name = `openai:${baseUrl}#${model}`;
    this.model = model;
    this.maxTokens = c.maxTokens;
    this.client = new ChatClient({
      baseUrl,
      apiKey: apiKeyFromEnv(c.apiKeyEnv, env),
      apiKeyHeader: c.apiKeyHeader,
      apiKeyEnv: c.apiKeyEnv,
      concurrency: c.concurrency,
      timeoutMs: c.timeoutMs,
      retries: c.retries,
      backoffMs: c.backoffMs,
      maxBackoffMs: c.maxBackoffMs,
      cacheDir: c.cacheDir,
      cacheMaxBytes: c.cacheMaxBytes,
      notice,
    });
  }

  async judge(input: JudgeInput, signal?: AbortSignal, halt?: AbortSignal): Promise<JudgeVerdict> {
    const body = {
      model: this.model,
      temperature: 0,
      max_tokens: this.maxTokens,
      messages: [
        { role: 'system', content: JUDGE_SYSTEM_PROMPT },
        { role: 'user', content: judgeUserPrompt(input.question, input.answers, input.reply) },
      ],
    };
    const r = await this.client.complete(body, { cacheable: true, signal, halt });
    return { verdicts: parseVerdict(r.text, input.answers.length), raw: r.text };
  }

  stats(): ClientStats {
    return this.client.stats();
  }

  close(): void {
    this.client.close();
  }
}
