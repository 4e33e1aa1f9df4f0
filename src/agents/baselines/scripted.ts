/**
 * Replays recorded replies: a JSONL file of `{"episode_id": "...", "replies": ["...", ...]}`,
 * one line per episode, reply t used at turn t. This scores outputs produced elsewhere.
 * An episode with no line, or a turn past its replies, gets an empty reply (unparseable) and is
 * counted in `missing`, so the run says what was absent instead of failing silently.
 * Each reply is read as the HTTP policy reads a model's (episode/thinking.ts `stripThinking`: its leading reasoning block
 * removed, GLM's answer wrappers taken off), as `env serve` reads the same text sent to /step: a script holding a
 * thinking model's replies was matched with its reasoning by `eval` and without it by `env serve`. `askfirst serve` sends
 * each reply as written (`PolicyReply.written`), reasoning block included, as the model's own server would.
 */
import { createHash } from 'node:crypto';
import { stripThinking } from '../../episode/thinking.js';
import { DataError, InputError } from '../../util/errors.js';
import { readJsonl } from '../../util/jsonl.js';
import type { Observation, Policy, PolicyReply } from '../policy.js';

export class ScriptedPolicy implements Policy {
  readonly name: string;
  readonly missing: { episodeId: string; turn: number }[] = [];
  /**
   * The replies file by its text's SHA-256 (Policy.fingerprint), so `askfirst serve`'s system_fingerprint changes with
   * the script, not with its path: two scripts written in turn at one path had one fingerprint (their spec's).
   */
  readonly fingerprint?: string;
  private constructor(
    private readonly replies: Map<string, string[]>,
    file: string,
    textSha256?: string,
  ) {
    this.name = `scripted:${file}`;
    if (textSha256 !== undefined) this.fingerprint = `scripted:sha256:${textSha256}`;
  }

  /**
   * Load a replies file. With `episodes` (the data it will play), a file none of whose ids is among them is refused: replies
   * recorded on other data would score every turn as unparseable.
   */
  static async fromFile(path: string, episodes: Iterable<{ id: string }> | AsyncIterable<{ id: string }> = []): Promise<ScriptedPolicy> {
    const { lines, text } = await readJsonl<Record<string, unknown>>(path); // the replies and their fingerprint: one read
    const map = new Map<string, string[]>();
    for (const { line, value } of lines) {
      const id = value?.episode_id;
      const replies = value?.replies;
      if (typeof id !== 'string' || !Array.isArray(replies) || replies.some((r) => typeof r !== 'string')) {
        throw new DataError('expected {"episode_id": string, "replies": [string, ...]}', { file: path, line });
      }
      if (map.has(id)) throw new DataError(`episode_id ${id} appears twice`, { file: path, line });
      map.set(id, replies as string[]);
    }
    const fingerprint = createHash('sha256').update(text).digest('hex');
    // the data read only as far as its first episode with replies (a stream of a large suite: usually its first line)
    let dataFirst: string | undefined;
    for await (const e of episodes) {
      dataFirst ??= e.id;
      if (map.has(e.id)) return new ScriptedPolicy(map, path, fingerprint);
    }
    if (dataFirst !== undefined) {
      const first = map.keys().next().value ?? 'none';
      throw new InputError(`scripted:${path}: none of its ${map.size} episode ids is an episode of the data (its first: ${first}; the data's first: ${dataFirst}); were the replies recorded on this --data?`);
    }
    return new ScriptedPolicy(map, path, fingerprint);
  }

  static fromMap(replies: Record<string, string[]>): ScriptedPolicy {
    return new ScriptedPolicy(new Map(Object.entries(replies)), '(memory)');
  }

  async act(batch: readonly Observation[]): Promise<PolicyReply[]> {
    return batch.map((o) => {
      const r = this.replies.get(o.episodeId)?.[o.turn];
      if (r === undefined) {
        this.missing.push({ episodeId: o.episodeId, turn: o.turn });
        return { reply: '' };
      }
      const reply = stripThinking(r);
      return reply === r ? { reply } : { reply, written: r }; // served as written (askfirst serve), read without its markup
    });
  }
}
