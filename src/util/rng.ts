/**
 * Seeded pseudo-random numbers, one home for the whole tree. Same seed → same stream on every
 * platform. Not for cryptography.
 *
 * - `Rng`: xoshiro128** (Blackman & Vigna, 2018, "Scrambled linear pseudorandom number
 *   generators"), seeded through splitmix32 so nearby seeds give unrelated streams; normals by
 *   the Box–Muller transform; its state can be saved and restored (checkpoints). Used for weight
 *   initialisation, augmentation, sampling and training.
 * - `SceneRng`: mulberry32 (Tommy Ettinger's 32-bit mixer), so that every scene and episode is
 *   reproducible from (seed, kind, index); also behind the seeded baselines and demo data.
 *   Generated suites depend on its exact stream (the suite fingerprint test pins one).
 * - `hashSeed`: FNV-1a (Fowler, Noll & Vo) over labels, to derive independent sub-seeds.
 */
/**
 * The largest seed a command takes (2^32 − 1): every generator here keeps 32 bits of its seed (`seed >>> 0`), so seed
 * 4294967296 is seed 0 again, and `demo --seeds 0,4294967296` ran the same demo twice as two "distinct" seeds.
 */
export const MAX_SEED = 2 ** 32 - 1;

/** A saved `Rng` state (JSON-safe). */
export interface RngState {
  s: number[];
  spare: number | null;
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | null = null;

  constructor(seed: number) {
    let x = seed >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The generator's whole state (to save with a checkpoint; `restore` continues the stream). */
  state(): RngState {
    return { s: [this.s0, this.s1, this.s2, this.s3].map((v) => v >>> 0), spare: this.spare }; // as unsigned (the bits are what count)
  }

  /** Continue from a state `state()` returned. */
  restore(st: RngState): this {
    if (!Array.isArray(st?.s) || st.s.length !== 4 || !st.s.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32)) throw new Error('rng: a state is four unsigned 32-bit integers');
    [this.s0, this.s1, this.s2, this.s3] = st.s;
    this.spare = st.spare ?? null;
    return this;
  }

  /** A uniform 32-bit unsigned integer. */
  nextU32(): number {
    const r = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.next();
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller). */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return mean + std * v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }

  /** An index drawn from unnormalised non-negative weights. */
  categorical(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i];
    let u = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      u -= weights[i];
      if (u < 0) return i;
    }
    return weights.length - 1;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** FNV-1a over the parts' string forms: derives independent sub-seeds from labels. */
export function hashSeed(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    const s = String(p);
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= 0x2f; // separator
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Where `new SceneRng(0)` starts: 0x9e3779b9 (2654435769), not mulberry32's state 0. */
const ZERO_SEED_STATE = 0x9e3779b9;

/**
 * mulberry32. Every seed starts from its own state, so two seeds never give one stream: seed s from state s, except
 * seed 0, which starts from 0x9e3779b9 (as it always has: generated suites and the demo depend on it), and seed
 * 0x9e3779b9, which starts from state 0, the one state no other seed reaches (it used to start from 0x9e3779b9 too,
 * the very stream of seed 0). `SceneRng.fromState(s)` starts from exactly s.
 */
export class SceneRng {
  private state: number;
  constructor(seed: number) {
    const s = seed >>> 0;
    this.state = s === 0 ? ZERO_SEED_STATE : s === ZERO_SEED_STATE ? 0 : s;
  }

  /** A generator that starts from exactly `state`, 0 included: mulberry32 seeded as published. */
  static fromState(state: number): SceneRng {
    const r = new SceneRng(1);
    r.state = state >>> 0;
    return r;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer uniform in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  bool(p = 0.5): boolean {
    return this.next() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }

  private spare = NaN;

  /** Standard normal (Box–Muller; the second value of each pair is kept for the next call). */
  gauss(): number {
    if (!Number.isNaN(this.spare)) {
      const s = this.spare;
      this.spare = NaN;
      return s;
    }
    const u = 1 - this.next();
    const v = this.next();
    const m = Math.sqrt(-2 * Math.log(u));
    this.spare = m * Math.sin(2 * Math.PI * v);
    return m * Math.cos(2 * Math.PI * v);
  }

  /** A new array, Fisher–Yates shuffled. */
  shuffle<T>(xs: readonly T[]): T[] {
    const a = xs.slice();
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }

  /** `k` distinct elements of `xs`, in random order. */
  sample<T>(xs: readonly T[], k: number): T[] {
    return this.shuffle(xs).slice(0, k);
  }

  /** An independent generator derived from this one and a label. */
  fork(label: string | number): SceneRng {
    return new SceneRng(hashSeed(Math.floor(this.next() * 4294967296), label));
  }
}
