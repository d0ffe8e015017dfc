/**
 * Item-to-item transition counts (a clicked, then b next), online. Per item a one typed array of
 * interleaved (b, count) pairs: out-degrees are small, so a linear scan on update beats hashing
 * and keeps the successors of a contiguous for scoring.
 */
export class Transitions {
  private pairs: Uint32Array[] = [];
  private degree: number[] = [];
  private total: number[] = [];

  /** Counts one a → b step. Self-steps (a reload of the same item) are counted too. */
  add(a: number, b: number): void {
    while (this.pairs.length <= a) {
      this.pairs.push(EMPTY);
      this.degree.push(0);
      this.total.push(0);
    }
    let list = this.pairs[a]!;
    const d = this.degree[a]!;
    this.total[a]! += 1;
    for (let i = 0; i < 2 * d; i += 2) {
      if (list[i] === b) {
        list[i + 1]! += 1;
        return;
      }
    }
    if (2 * d === list.length) {
      const grown = new Uint32Array(Math.max(8, list.length * 2));
      grown.set(list);
      this.pairs[a] = list = grown;
    }
    list[2 * d] = b;
    list[2 * d + 1] = 1;
    this.degree[a] = d + 1;
  }

  /** Number of steps out of `a`. */
  outCount(a: number): number {
    return a < this.total.length ? this.total[a]! : 0;
  }

  /** Count of a → b (linear in the out-degree of a; for tests and explanations). */
  count(a: number, b: number): number {
    const list = this.successors(a);
    for (let i = 0; i < list.length; i += 2) if (list[i] === b) return list[i + 1]!;
    return 0;
  }

  /** Interleaved (b, count) pairs out of `a`, as a view: do not keep it. */
  successors(a: number): Uint32Array {
    return a < this.pairs.length ? this.pairs[a]!.subarray(0, 2 * this.degree[a]!) : EMPTY;
  }
}

const EMPTY = new Uint32Array(0);
