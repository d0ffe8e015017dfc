/**
 * Trending categories: the popularity model's short-against-long decayed rates, kept per category
 * instead of per item. A category is counted on its own counters rather than by summing its items
 * at query time, so the answer costs a scan over categories (hundreds), not over the catalogue.
 *
 * Events are attributed to the item's category when they arrive; an item that later moves to
 * another category leaves its past activity where it was, as a report of that period would.
 */
import { expectState } from '../snapshot/check.js';
import type { EncodedBatch } from '../store/index.js';
import type { Kernels } from '../wasm/index.js';
import { Popularity, type PopularityOptions, type PopularityState } from '../models/popularity.js';

/** One trending category, with the numbers behind its score. */
export interface CategoryTrend {
  /** Category dictionary id. */
  id: number;
  /** Poisson z-score of the short-window count against its long-run expectation. */
  score: number;
  /** Weighted, decayed count over the short half-life. */
  recent: number;
  /** What the category's long-run rate predicts for the same window. */
  expected: number;
}

export class CategoryTrends {
  /** Category id per row of the batch being counted; reused, not state. */
  private mapped = new Uint32Array(0);

  private constructor(
    private readonly counts: Popularity,
    private readonly categoryOf: (item: number) => number,
  ) {}

  /** Counters keyed by category id, with the item popularity's half-lives, weights and floors. */
  static create(
    kernels: Kernels,
    options: PopularityOptions,
    categoryOf: (item: number) => number,
  ): CategoryTrends {
    return new CategoryTrends(new Popularity(kernels, options), categoryOf);
  }

  /** Restores from `exportState`; throws AisleError('AISLE_SNAPSHOT') when it does not fit. */
  static fromState(
    kernels: Kernels,
    options: PopularityOptions,
    categoryOf: (item: number) => number,
    state: PopularityState,
  ): CategoryTrends {
    expectState(typeof state === 'object' && state !== null, 'category trends: state');
    return new CategoryTrends(Popularity.fromState(kernels, options, state), categoryOf);
  }

  exportState(): PopularityState {
    return this.counts.exportState();
  }

  /**
   * Counts the batch's weighted events under their items' categories (uncategorised: none), then
   * moves the categories' clock to `now`, the stream time of the item counters, so that
   * categories with no new events decay with the rest of the stream.
   */
  ingest(batch: EncodedBatch, categoryCount: number, now: number): void {
    if (this.mapped.length < batch.length) this.mapped = new Uint32Array(batch.length);
    const mapped = this.mapped.subarray(0, batch.length);
    const { item } = batch;
    let any = false;
    for (let i = 0; i < batch.length; i++) {
      const it = item[i]!;
      const c = it === 0 ? 0 : this.categoryOf(it);
      mapped[i] = c;
      if (c !== 0) any = true;
    }
    if (any) this.counts.ingest({ ...batch, item: mapped }, categoryCount + 1);
    this.counts.advanceTo(now);
  }

  /** Categories whose recent activity most exceeds their usual rate, best first. */
  trending(k: number): CategoryTrend[] {
    const { ids, scores } = this.counts.trending(k);
    return Array.from(ids, (id, i) => {
      const { short, expected } = this.counts.countsOf(id);
      return { id, score: scores[i]!, recent: short, expected };
    });
  }
}
