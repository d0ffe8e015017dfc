/**
 * RFM scores and named segments over a population of customers (recency, frequency, monetary).
 *
 * Scores. Each measure is scored 1–5 by quintiles of the current customers: a customer's score is
 * 1 + ⌊5 · below / U⌋, with U customers of whom `below` have a strictly worse value (rank method
 * "min"). Equal values therefore always share a score, and a tie group takes the quintile of its
 * worst-placed member: when 60% of customers have one order they all score F 1, and customers
 * with two orders score the quintile their group starts in (F 4 if they come next and make up the
 * next 20%); scores a tie group spans are skipped rather than split arbitrarily. The same scores
 * come from four cut points per measure, the values at sorted positions ⌈k·U/5⌉ − 1 for k = 1..4:
 * score = 1 + the number of cut points the value exceeds.
 *
 * Recency is ranked by the time of the last purchase, later being better, rather than by days
 * since it: the order is the same at every `now`, so scores do not depend on the time of the
 * question, only the recency figures reported do (and they shift by a constant). Frequency is
 * distinct orders, monetary value is what the customer spent, in cents (see money.ts).
 *
 * Segments. A customer's segment comes from R and FM = ⌊(F + M) / 2⌋ (F and M together, as they
 * move together), on the eleven segments of Putler's table of R and FM score ranges ("RFM
 * Analysis For Successful Customer Segmentation", https://www.putler.com/rfm-analysis/). That
 * table's ranges overlap; the grid below gives each (R, FM) cell one segment whose published
 * ranges contain it, so every customer has exactly one segment.
 */
import { fromCents } from './money.js';

const DAY_MS = 86_400_000;
/** Scores run 1..LEVELS. */
export const RFM_LEVELS = 5;

export const RFM_SEGMENTS = [
  'champions',
  'loyal',
  'potential loyalists',
  'new',
  'promising',
  'need attention',
  'about to sleep',
  'at risk',
  'cannot lose',
  'hibernating',
  'lost',
] as const;

export type RfmSegmentName = (typeof RFM_SEGMENTS)[number];

/** Segment of each (R, FM) cell: GRID[R − 1][FM − 1]. */
const GRID: readonly (readonly RfmSegmentName[])[] = [
  // Rows R 1..5, columns FM 1..5.
  ['lost', 'lost', 'at risk', 'cannot lose', 'cannot lose'],
  ['hibernating', 'hibernating', 'at risk', 'at risk', 'at risk'],
  ['about to sleep', 'about to sleep', 'need attention', 'loyal', 'loyal'],
  ['promising', 'potential loyalists', 'potential loyalists', 'champions', 'champions'],
  ['new', 'potential loyalists', 'potential loyalists', 'champions', 'champions'],
];
const SEGMENT_INDEX = new Map<RfmSegmentName, number>(RFM_SEGMENTS.map((s, i) => [s, i]));
/** Index into RFM_SEGMENTS of each cell, (R − 1) · 5 + FM − 1. */
const CELL_SEGMENT = Uint8Array.from(GRID.flat(), (s) => SEGMENT_INDEX.get(s)!);

/** The combined frequency-monetary score. */
export function fmScore(f: number, m: number): number {
  return Math.floor((f + m) / 2);
}

/** The segment of scores R and FM (each 1..5). */
export function segmentOfScores(r: number, fm: number): RfmSegmentName {
  return RFM_SEGMENTS[CELL_SEGMENT[(r - 1) * RFM_LEVELS + fm - 1]!]!;
}

/**
 * The four cut points of a column (any order; not modified): a value scores k + 1 or more when
 * above cuts[k − 1]. Selection rather than a sort: O(n) expected, about 3 ms per 100,000 values.
 */
export function quintileCuts(values: ArrayLike<number>): number[] {
  const n = values.length;
  const out: number[] = [];
  if (n === 0) return out;
  const a = new Float64Array(values);
  const at = (k: number) => Math.ceil((k * n) / RFM_LEVELS) - 1;
  // The middle cut splits the column; each outer cut then only searches its side.
  const p1 = at(1);
  const p2 = at(2);
  const p3 = at(3);
  const p4 = at(4);
  select(a, p2, 0, n - 1);
  if (p1 < p2) select(a, p1, 0, p2 - 1);
  if (p4 > p2) select(a, p4, p2 + 1, n - 1);
  if (p3 > p2 && p3 < p4) select(a, p3, p2 + 1, p4 - 1);
  out.push(a[p1]!, a[p2]!, a[p3]!, a[p4]!);
  return out;
}

/**
 * Rearranges a[lo..hi] so that a[k] holds the value of rank k − lo among them, with nothing
 * larger before it and nothing smaller after it (Hoare's FIND with a median-of-three pivot).
 * Equal values split evenly, so heavy ties cost no more than distinct values; a run of bad pivots
 * ends in a sort.
 */
function select(a: Float64Array, k: number, lo: number, hi: number): void {
  let budget = 2 * Math.ceil(Math.log2(hi - lo + 2)) + 8;
  while (hi > lo) {
    if (budget-- === 0) {
      a.subarray(lo, hi + 1).sort();
      return;
    }
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < a[lo]!) swap(a, mid, lo);
    if (a[hi]! < a[lo]!) swap(a, hi, lo);
    if (a[hi]! < a[mid]!) swap(a, hi, mid);
    const pivot = a[mid]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    // a[lo..j] ≤ pivot ≤ a[i..hi], and everything between equals the pivot.
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

/** Score 1..5 of `value` against cut points from `quintileCuts`. */
export function scoreAgainst(value: number, cuts: readonly number[]): number {
  let score = 1;
  for (let k = 0; k < cuts.length; k++) if (value > cuts[k]!) score++;
  return score;
}

/** The customers to score, one entry each (their order does not matter). */
export interface RfmColumns {
  /** Time of the last purchase, epoch ms. */
  last: Float64Array;
  /** Distinct orders. */
  orders: Uint32Array;
  /** Amount spent, cents. */
  spent: Float64Array;
}

export interface RfmScores {
  r: number;
  f: number;
  m: number;
  fm: number;
  segment: RfmSegmentName;
}

/** Where the scores change, at the `now` of the answer. */
export interface RfmCuts {
  /** R is above k when the days since the last purchase are below recencyDays[k − 1] (descending). */
  recencyDays: number[];
  /** F is above k when distinct orders exceed frequency[k − 1]. */
  frequency: number[];
  /** M is above k when the amount spent exceeds monetary[k − 1] (currency units). */
  monetary: number[];
}

export interface RfmSegmentSummary {
  segment: RfmSegmentName;
  customers: number;
  /** Of all customers; null when there are none. */
  customerShare: number | null;
  /** Spent by the segment's customers, currency units. */
  revenue: number;
  /** Of all customers' spending; null when nothing was spent. */
  revenueShare: number | null;
  /** Means over the segment's customers; null for an empty segment. */
  recencyDays: number | null;
  frequency: number | null;
  monetary: number | null;
}

export interface RfmSummary {
  /** Stream time the recency figures are measured at, ms. */
  now: number;
  customers: number;
  /** Spent by every customer, currency units. */
  revenue: number;
  cuts: RfmCuts;
  /** Every segment, in the order of RFM_SEGMENTS, empty ones included. */
  segments: RfmSegmentSummary[];
}

/**
 * The scoring of one population: cut points and per-segment sums. Building it selects each
 * measure's cut points and scores everyone, O(U); afterwards a customer's scores cost O(1) and a
 * summary O(segments).
 */
export class RfmScoring {
  readonly customers: number;
  readonly lastCuts: number[];
  readonly orderCuts: number[];
  readonly spentCuts: number[];
  /** Latest last purchase: recency sums are kept relative to it, so they stay exact in a double. */
  private readonly reference: number;
  private readonly count = new Float64Array(RFM_SEGMENTS.length);
  private readonly cents = new Float64Array(RFM_SEGMENTS.length);
  private readonly orders = new Float64Array(RFM_SEGMENTS.length);
  /** Σ (last − reference) per segment, ms (≤ 0). */
  private readonly offset = new Float64Array(RFM_SEGMENTS.length);
  private totalCents = 0;

  constructor(columns: RfmColumns) {
    const { last, orders, spent } = columns;
    const n = last.length;
    this.customers = n;
    this.lastCuts = quintileCuts(last);
    this.orderCuts = quintileCuts(orders);
    this.spentCuts = quintileCuts(spent);
    let reference = n > 0 ? last[0]! : 0;
    for (let i = 1; i < n; i++) if (last[i]! > reference) reference = last[i]!;
    this.reference = reference;
    if (n === 0) return;
    // Cut points in locals keep the pass over everyone to a few compares per customer.
    const [l1, l2, l3, l4] = this.lastCuts as [number, number, number, number];
    const [o1, o2, o3, o4] = this.orderCuts as [number, number, number, number];
    const [s1, s2, s3, s4] = this.spentCuts as [number, number, number, number];
    const { count, cents, orders: orderSums, offset } = this;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const t = last[i]!;
      const o = orders[i]!;
      const v = spent[i]!;
      const r = 1 + +(t > l1) + +(t > l2) + +(t > l3) + +(t > l4);
      const f = 1 + +(o > o1) + +(o > o2) + +(o > o3) + +(o > o4);
      const m = 1 + +(v > s1) + +(v > s2) + +(v > s3) + +(v > s4);
      const seg = CELL_SEGMENT[(r - 1) * RFM_LEVELS + ((f + m) >> 1) - 1]!;
      count[seg]!++;
      cents[seg]! += v;
      orderSums[seg]! += o;
      offset[seg]! += t - reference;
      total += v;
    }
    this.totalCents = total;
  }

  /** Scores and segment of a customer with these facts. O(1). */
  scores(last: number, orders: number, spent: number): RfmScores {
    const r = scoreAgainst(last, this.lastCuts);
    const f = scoreAgainst(orders, this.orderCuts);
    const m = scoreAgainst(spent, this.spentCuts);
    const fm = fmScore(f, m);
    return { r, f, m, fm, segment: segmentOfScores(r, fm) };
  }

  /** Segment sizes, revenue and means, with recency measured at `now`. O(segments). */
  summary(now: number): RfmSummary {
    const total = this.customers;
    const totalCents = this.totalCents;
    const segments = RFM_SEGMENTS.map((segment, i): RfmSegmentSummary => {
      const n = this.count[i]!;
      const cents = this.cents[i]!;
      return {
        segment,
        customers: n,
        customerShare: total > 0 ? n / total : null,
        revenue: fromCents(cents),
        revenueShare: totalCents > 0 ? cents / totalCents : null,
        recencyDays: n > 0 ? (now - this.reference - this.offset[i]! / n) / DAY_MS : null,
        frequency: n > 0 ? this.orders[i]! / n : null,
        monetary: n > 0 ? fromCents(cents / n) : null,
      };
    });
    return {
      now,
      customers: total,
      revenue: fromCents(totalCents),
      cuts: {
        recencyDays: this.lastCuts.map((t) => (now - t) / DAY_MS),
        frequency: this.orderCuts.slice(),
        monetary: this.spentCuts.map(fromCents),
      },
      segments,
    };
  }
}
