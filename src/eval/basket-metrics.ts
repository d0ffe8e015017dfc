/**
 * Next-basket ranking metrics: Recall@k and NDCG@k with binary relevance against a set of
 * target items, averaged over customers and reported in percent like the session metrics.
 *
 * Recall divides by the whole target set, so a customer who bought more than k distinct items
 * cannot reach 100; NDCG's ideal ranking fills min(k, |targets|) slots, so it can.
 * An item listed twice counts once, at its first position: repeating a hit must not pay.
 */

/** 0-based positions, within the first `k` of `ranked`, of the first mention of each target. */
function hitPositions(ranked: readonly string[], truth: ReadonlySet<string>, k: number): number[] {
  const n = Math.min(k, ranked.length);
  const positions: number[] = [];
  let seen: Set<string> | undefined;
  for (let i = 0; i < n; i++) {
    const item = ranked[i]!;
    if (!truth.has(item)) continue;
    seen ??= new Set();
    if (seen.has(item)) continue;
    seen.add(item);
    positions.push(i);
  }
  return positions;
}

const gain = (position: number): number => 1 / Math.log2(position + 2);

/** Share (0..1) of `truth` among the first `k` of `ranked`; 0 for an empty truth. */
export function recallAt(ranked: readonly string[], truth: ReadonlySet<string>, k: number): number {
  if (truth.size === 0) return 0;
  return hitPositions(ranked, truth, k).length / truth.size;
}

/** NDCG (0..1) of the first `k` of `ranked` against `truth`; 0 for an empty truth. */
export function ndcgAt(ranked: readonly string[], truth: ReadonlySet<string>, k: number): number {
  if (truth.size === 0) return 0;
  let dcg = 0;
  for (const p of hitPositions(ranked, truth, k)) dcg += gain(p);
  let ideal = 0;
  for (let p = 0; p < Math.min(k, truth.size); p++) ideal += gain(p);
  return dcg / ideal;
}

/** Whether `target` is among the first `k` of `ranked`. */
export function hitAt(ranked: readonly string[], target: string, k: number): boolean {
  const n = Math.min(k, ranked.length);
  for (let i = 0; i < n; i++) if (ranked[i] === target) return true;
  return false;
}

/** Running mean of fractions, read back in percent. */
export class MeanPercent {
  private sum = 0;
  private n = 0;

  add(fraction: number): void {
    this.sum += fraction;
    this.n += 1;
  }

  get count(): number {
    return this.n;
  }

  /** Mean in percent; 0 before anything was added. */
  get percent(): number {
    return this.n === 0 ? 0 : (100 * this.sum) / this.n;
  }
}

/** A customer's targets as the metrics need them. */
export interface TargetSets {
  all: ReadonlySet<string>;
  repeat: ReadonlySet<string>;
  new: ReadonlySet<string>;
}

/**
 * Recall and NDCG at k over customers: on all targets, and restricted to repeat and to new
 * targets among the customers who have any. The restricted metrics rank the full top-k list, so
 * a recommender earns new-item credit only for new items but pays for the slots it spends on
 * repeats (and the other way round). So no single ranking maxes both restricted NDCGs for a
 * customer with targets of both kinds: read them as a diagnostic of where a model's hits sit.
 */
export class NextBasketMetrics {
  readonly recall = new MeanPercent();
  readonly ndcg = new MeanPercent();
  readonly recallRepeat = new MeanPercent();
  readonly ndcgRepeat = new MeanPercent();
  readonly recallNew = new MeanPercent();
  readonly ndcgNew = new MeanPercent();
  private readonly recommended = new Set<string>();

  constructor(readonly k: number) {}

  /** Counts one customer whose answer was `ranked`. */
  add(ranked: readonly string[], targets: TargetSets): void {
    const k = this.k;
    this.recall.add(recallAt(ranked, targets.all, k));
    this.ndcg.add(ndcgAt(ranked, targets.all, k));
    if (targets.repeat.size > 0) {
      this.recallRepeat.add(recallAt(ranked, targets.repeat, k));
      this.ndcgRepeat.add(ndcgAt(ranked, targets.repeat, k));
    }
    if (targets.new.size > 0) {
      this.recallNew.add(recallAt(ranked, targets.new, k));
      this.ndcgNew.add(ndcgAt(ranked, targets.new, k));
    }
    const n = Math.min(k, ranked.length);
    for (let i = 0; i < n; i++) this.recommended.add(ranked[i]!);
  }

  /** Customers counted so far. */
  get customers(): number {
    return this.recall.count;
  }

  /** Share of `catalogue` recommended to anyone in a top k, in percent. */
  coverage(catalogue: ReadonlySet<string>): number {
    return catalogueCoverage(this.recommended, catalogue);
  }
}

/**
 * Share of `catalogue` that appears in `recommended`, in percent; items outside the catalogue
 * do not count, so the figure stays within 0..100.
 */
export function catalogueCoverage(
  recommended: ReadonlySet<string>,
  catalogue: ReadonlySet<string>,
): number {
  if (catalogue.size === 0) return 0;
  let covered = 0;
  for (const item of recommended) if (catalogue.has(item)) covered += 1;
  return (100 * covered) / catalogue.size;
}
