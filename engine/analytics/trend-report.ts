/**
 * The shape of a trending answer with the numbers behind each score, so a merchandiser can see
 * why an item or a category is listed (and a client can apply its own cut) without a second call.
 */

/** The figures shared by trending items and categories. */
export interface TrendFigures {
  /** Poisson z-score of the recent count against its expectation. */
  score: number;
  /** Weighted, decayed count over the short half-life. */
  recent: number;
  /** What the long-run rate predicts for the same window. */
  expected: number;
  /** recent / expected; null when nothing was expected (new activity). */
  lift: number | null;
  reason: string;
}

export interface TrendingItem extends TrendFigures {
  item: string;
  category?: string;
}

export interface TrendingCategory extends TrendFigures {
  category: string;
}

export interface TrendingReport {
  /** Stream time the rates are measured at (epoch ms); null before any event. */
  streamTime: number | null;
  /** Half-lives of the recent and the usual rate, as durations (`1h`, `7d`). */
  shortHalfLife: string;
  longHalfLife: string;
  /** The significance floor: weighted recent count and z-score a trend needs. */
  minSupport: number;
  minZ: number;
  /** The category the items were asked within, if any. */
  category?: string;
  /** False when that category is unknown (then no items are listed). */
  known: boolean;
  /** Items trending (within `category` when one was asked for). */
  items: TrendingItem[];
  /** Categories trending across the shop. */
  categories: TrendingCategory[];
}

/** Figures and a reason in words for a recent count against its expectation. */
export function trendFigures(
  score: number,
  recent: number,
  expected: number,
  where: string,
): TrendFigures {
  const lift = expected > 0 ? recent / expected : null;
  const reason =
    lift === null
      ? `trending${where}: new activity`
      : `trending${where}: ${lift.toFixed(1)}× its usual rate`;
  return { score, recent, expected, lift, reason };
}
