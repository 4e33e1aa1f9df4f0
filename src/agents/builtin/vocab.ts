/**
 * Words → ids for the built-in model's text encoder. Lower-cased word tokens (letters and
 * digits); a vocabulary built from the suite's questions and option texts, with id 0 for
 * padding and id 1 for unknown words. Unseen option texts still encode (as known words plus
 * UNK), so the model can score options it never trained on.
 */
export const PAD = 0;
export const UNK = 1;

export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
}

export class Vocab {
  readonly words: string[];
  private readonly index: Map<string, number>;

  constructor(words: readonly string[]) {
    this.words = ['<pad>', '<unk>', ...words.filter((w) => w !== '<pad>' && w !== '<unk>')];
    this.index = new Map(this.words.map((w, i) => [w, i]));
  }

  /** Build from texts: every word seen at least `minCount` times, sorted for determinism. */
  static fromTexts(texts: Iterable<string>, minCount = 1): Vocab {
    const counts = new Map<string, number>();
    for (const t of texts) for (const w of tokenize(t)) counts.set(w, (counts.get(w) ?? 0) + 1);
    return new Vocab([...counts].filter(([, c]) => c >= minCount).map(([w]) => w).sort());
  }

  get size(): number {
    return this.words.length;
  }

  id(word: string): number {
    return this.index.get(word) ?? UNK;
  }

  encode(text: string): number[] {
    return tokenize(text).map((w) => this.id(w));
  }

  toJSON(): string[] {
    return this.words.slice(2);
  }
}
