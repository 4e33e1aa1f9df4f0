/**
 * Observations → OpenAI chat messages. The current view goes as a PNG data URL in the last
 * user message, before the prompt text (ProactiveBench's MCQA template, or free text in
 * open-ended mode), in the order of ProactiveBench's `apply_conversation_template`: image, then text. With history on, the earlier turns of the same episode are replayed as
 * user/assistant message pairs with their own images, as in ProactiveBench's
 * conversation-history setting; the policy remembers what it sent and received per episode.
 */
export type ContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };
export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: ContentPart[] | string }
  | { role: 'assistant'; content: string };

export function userMessage(text: string, imageUrl: string): ChatMessage {
  return {
    role: 'user',
    content: [
      { type: 'image_url', image_url: { url: imageUrl } },
      { type: 'text', text },
    ],
  };
}

export interface PastTurn {
  prompt: string;
  imageUrl: string;
  reply: string;
}

/**
 * Per-episode memory of earlier turns (prompt, image, reply), bounded: the least recently
 * used episodes are forgotten first. The runner restarts unfinished episodes from turn 0, so a
 * turn-0 observation always starts a fresh conversation.
 */
export class ConversationMemory {
  private readonly turns = new Map<string, PastTurn[]>();
  constructor(private readonly maxEpisodes = 2048) {}

  /** The remembered turns before `turn` (an empty list when they are not all remembered). */
  before(episodeId: string, turn: number): PastTurn[] {
    const t = this.turns.get(episodeId);
    if (!t || turn === 0) return [];
    this.turns.delete(episodeId);
    this.turns.set(episodeId, t); // most recently used last
    return t.length >= turn ? t.slice(0, turn) : [];
  }

  record(episodeId: string, turn: number, past: PastTurn): void {
    let t = this.turns.get(episodeId);
    if (turn === 0 || !t) t = [];
    t.length = Math.min(t.length, turn);
    if (t.length === turn) t.push(past);
    this.turns.delete(episodeId);
    this.turns.set(episodeId, t);
    while (this.turns.size > this.maxEpisodes) this.turns.delete(this.turns.keys().next().value as string);
  }

  get size(): number {
    return this.turns.size;
  }
}

/** The message list for one turn: optional system message, earlier turns, then the current one. */
export function buildMessages(o: { system?: string; past: readonly PastTurn[]; prompt: string; imageUrl: string }): ChatMessage[] {
  const msgs: ChatMessage[] = [];
  if (o.system) msgs.push({ role: 'system', content: o.system });
  for (const p of o.past) {
    msgs.push(userMessage(p.prompt, p.imageUrl));
    msgs.push({ role: 'assistant', content: p.reply });
  }
  msgs.push(userMessage(o.prompt, o.imageUrl));
  return msgs;
}
