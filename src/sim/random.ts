/**
 * Seeded randomness for the simulator: a small fast PRNG, O(1) weighted sampling and the
 * distributions retail traffic needs (Zipf, exponential, log-normal, geometric).
 *
 * `Math.random()` is never used: the whole stream must be reproducible from one seed.
 */

const TWO_POW_32 = 4294967296;

/** splitmix32 step: spreads a small or poorly mixed seed over all 32 bits. */
function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): 128 bits of state, passes
 * PractRand, and stays in int32 arithmetic so V8 keeps it unboxed on the hot path.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;

  /**
   * @param seed any number; only its integer part (mod 2^32) matters
   * @param stream independent sub-stream number, so separate concerns (catalogue, users,
   *   traffic) do not shift each other when one of them draws more numbers
   */
  constructor(seed: number, stream = 0) {
    const s = Math.trunc(seed) >>> 0;
    this.a = mix32(s);
    this.b = mix32(this.a ^ Math.imul(stream + 1, 0x27d4eb2f));
    this.c = mix32(this.b ^ (Math.trunc(seed / TWO_POW_32) >>> 0));
    for (let i = 0; i < 15; i++) this.u32();
  }

  /** Uniform unsigned 32-bit integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1), 32 bits of resolution. */
  next(): number {
    return this.u32() / TWO_POW_32;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [lo, hi], both inclusive. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** true with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Exponential variate with the given mean. */
  exponential(mean: number): number {
    // 1 - u is in (0, 1], so the log is finite.
    return -mean * Math.log(1 - this.next());
  }

  /** Standard normal variate (Box-Muller; the second value is dropped to stay stateless). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal variate whose median is `median` and log-space spread is `sigma`. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Geometric count >= 1 with the given mean (mean must be >= 1). */
  geometric(mean: number): number {
    if (mean <= 1) return 1;
    const p = 1 / mean;
    return 1 + Math.floor(Math.log(1 - this.next()) / Math.log(1 - p));
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(values: readonly T[]): T {
    return values[this.int(values.length)]!;
  }

  /** Fisher-Yates shuffle in place; returns the same array. */
  shuffle<T extends { length: number; [i: number]: unknown }>(values: T): T {
    for (let i = values.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = values[i];
      values[i] = values[j];
      values[j] = t;
    }
    return values;
  }
}

/** Zipf weights 1/(k+1)^s for ranks k = 0..n-1 (unnormalised). */
export function zipfWeights(n: number, s: number): Float64Array {
  const w = new Float64Array(n);
  for (let k = 0; k < n; k++) w[k] = 1 / Math.pow(k + 1, s);
  return w;
}

/**
 * Walker/Vose alias table: samples index i with probability weight[i] / sum(weights) in O(1)
 * using a single uniform draw. Building is O(n).
 */
export class AliasTable {
  private readonly prob: Float64Array;
  private readonly alias: Int32Array;
  /** Normalised probability of each index, for ground truth and tests. */
  readonly p: Float64Array;

  /** @param weights non-negative, finite, not all zero */
  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    if (n === 0) throw new RangeError('AliasTable needs at least one weight');
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const w = weights[i]!;
      if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`weight ${i} is not >= 0`);
      sum += w;
    }
    if (sum <= 0) throw new RangeError('AliasTable weights sum to 0');
    this.p = new Float64Array(n);
    this.prob = new Float64Array(n);
    this.alias = new Int32Array(n);
    const scaled = new Float64Array(n);
    const small: number[] = [];
    const large: number[] = [];
    for (let i = 0; i < n; i++) {
      this.p[i] = weights[i]! / sum;
      scaled[i] = this.p[i]! * n;
      (scaled[i]! < 1 ? small : large).push(i);
    }
    while (small.length > 0 && large.length > 0) {
      const s = small.pop()!;
      const l = large.pop()!;
      this.prob[s] = scaled[s]!;
      this.alias[s] = l;
      scaled[l] = scaled[l]! + scaled[s]! - 1;
      (scaled[l]! < 1 ? small : large).push(l);
    }
    // Leftovers are 1 up to rounding error.
    for (const i of large) this.prob[i] = 1;
    for (const i of small) this.prob[i] = 1;
  }

  get size(): number {
    return this.prob.length;
  }

  /** Draws one index. */
  sample(rng: Rng): number {
    // The integer part picks the column, the fractional part is the coin: one draw, not two.
    const x = rng.next() * this.prob.length;
    const i = Math.floor(x);
    return x - i < this.prob[i]! ? i : this.alias[i]!;
  }
}
