/**
 * Quantiles of a changing multiset of non-negative integers with a bounded relative error: counts
 * in logarithmic bins, as in DDSketch (Masson, Rim & Lee, "DDSketch: a fast and fully-mergeable
 * quantile sketch with relative-error guarantees", VLDB 2019).
 *
 * Values move between bins as they change (an order's value grows with each line), so a value can
 * be removed as well as added, which a sorted sample or a merging digest cannot do cheaply.
 *
 * Bin 0 holds 0; bin i ≥ 1 holds (γ^(i−2), γ^(i−1)] with γ = (1 + α) / (1 − α), and answers with
 * 2γ^(i−1) / (γ + 1), which is within α (relative) of everything in the bin. Answers are rounded
 * to integers: a quantile v is then reported within α·v + ½ of the exact nearest-rank quantile,
 * and exactly when v < 1 / (2α) (every bin below it holds at most one integer).
 */

/** Integers below this find their bin in a table instead of through a logarithm. */
const SMALL = 4096;
/** Largest value binned apart; larger ones share the top bin. */
const MAX_VALUE = 2 ** 53;

export class LogHistogram {
  /** Bin counts. */
  private readonly counts: Uint32Array;
  private readonly lnGamma: number;
  private readonly gamma: number;
  private readonly small = new Uint32Array(SMALL);
  private total = 0;
  /** Lowest and highest bins that ever held a value: bounds for a quantile's scan. */
  private lowBin: number;
  private highBin = -1;

  /** @param relativeError α in (0, 0.5): the relative error of a quantile. */
  constructor(readonly relativeError: number) {
    this.gamma = (1 + relativeError) / (1 - relativeError);
    this.lnGamma = Math.log(this.gamma);
    const bins = 2 + Math.ceil(Math.log(MAX_VALUE) / this.lnGamma);
    this.counts = new Uint32Array(bins);
    this.lowBin = bins;
    for (let v = 0; v < SMALL; v++) this.small[v] = this.binOfLarge(v);
  }

  /** Values held. */
  get size(): number {
    return this.total;
  }

  /** Bytes held by the bins and the lookup table. */
  get bytes(): number {
    return this.counts.byteLength + this.small.byteLength;
  }

  /** Adds `value` (a non-negative integer) `count` times. O(1). */
  add(value: number, count = 1): void {
    const b = this.binOf(value);
    this.counts[b]! += count;
    this.total += count;
    if (b < this.lowBin) this.lowBin = b;
    if (b > this.highBin) this.highBin = b;
  }

  /** Removes one `value` that was added before (the caller's invariant). O(1). */
  remove(value: number): void {
    this.counts[this.binOf(value)]!--;
    this.total--;
  }

  /**
   * The nearest-rank `q`-quantile (the value at rank max(1, ⌈q·n⌉) in ascending order), within
   * the error above; null when empty. O(bins between the lowest and highest ever used).
   */
  quantile(q: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let b = this.lowBin; b <= this.highBin; b++) {
      seen += this.counts[b]!;
      if (seen >= rank) return this.valueOf(b);
    }
    return this.valueOf(this.highBin);
  }

  private binOf(value: number): number {
    return value < SMALL ? this.small[value]! : this.binOfLarge(value);
  }

  private binOfLarge(value: number): number {
    if (value < 1) return 0;
    const b = 1 + Math.ceil(Math.log(value) / this.lnGamma);
    return b < this.counts.length ? b : this.counts.length - 1;
  }

  private valueOf(bin: number): number {
    if (bin === 0) return 0;
    return Math.round((2 * this.gamma ** (bin - 1)) / (this.gamma + 1));
  }
}
