/**
 * Ranking metrics as SR-GNN reports them: hit@k (= recall@k with one target) and MRR@k, both in
 * percent, a miss scoring 0; plus latency percentiles.
 */

/** 1-based rank of `target` among the first `k` of `ranked`, or 0 when it is not there. */
export function rankOf(ranked: ArrayLike<number>, target: number, k: number): number {
  const n = Math.min(k, ranked.length);
  for (let i = 0; i < n; i++) if (ranked[i] === target) return i + 1;
  return 0;
}

/** Running hit@k and MRR@k over test cases. */
export class RankingMetrics {
  private hits = 0;
  private reciprocal = 0;
  private n = 0;

  constructor(readonly k: number) {}

  /** Counts one case whose answer was `ranked`. */
  add(ranked: ArrayLike<number>, target: number): void {
    const rank = rankOf(ranked, target, this.k);
    this.n += 1;
    if (rank > 0) {
      this.hits += 1;
      this.reciprocal += 1 / rank;
    }
  }

  /** Cases counted so far. */
  get cases(): number {
    return this.n;
  }

  /** Share of cases with the target in the top k, in percent. */
  get hitRate(): number {
    return this.n === 0 ? 0 : (100 * this.hits) / this.n;
  }

  /** Mean reciprocal rank (0 beyond k), in percent. */
  get mrr(): number {
    return this.n === 0 ? 0 : (100 * this.reciprocal) / this.n;
  }
}

/** The `q` quantile (0..1) of `values` by nearest rank; sorts a copy. */
export function percentile(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[idx]!;
}
