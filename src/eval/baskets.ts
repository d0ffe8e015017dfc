/**
 * Offline next-basket and bought-together evaluation on a temporal purchase split (protocol in
 * basket-split.ts). Metrics in percent like the session evaluation; each recommender is asked
 * once per known customer and once per bought-together case, and timed on every call.
 */
import type { PurchaseEvent } from '../../engine/events.js';
import { hitAt, MeanPercent, NextBasketMetrics } from './basket-metrics.js';
import {
  basketCases,
  customerTargets,
  type BasketSplit,
  type BasketSplitMode,
} from './basket-split.js';
import { percentile } from './metrics.js';

export interface BasketRecommender {
  name: string;
  /** Top-k item ids for a customer, best first (may return fewer). */
  forUser(user: string, k: number): readonly string[];
  /** Top-k items to complete a basket of `items` (the query items must not be returned). */
  forBasket(items: readonly string[], k: number): readonly string[];
}

export interface EvaluateBasketsOptions {
  /** Cutoff of the per-customer metrics and of coverage (default 20). */
  k?: number;
  /** Cutoff of the bought-together hit rate (default 10). */
  fbtK?: number;
  /** Seed choosing the hidden item of each bought-together case (default 1). */
  seed?: number;
  /** Recommenders scored on cold customers (default: popularity of the split's training). */
  cold?: readonly BasketRecommender[];
  /** Called now and then with calls done and total, over all recommenders. */
  onProgress?: (done: number, total: number) => void;
}

/** What the split holds; times are ISO strings of the first and last event on each side. */
export interface BasketSplitFacts {
  mode: BasketSplitMode;
  boundary: string;
  train_events: number;
  /** Test-period events, anonymous ones included. */
  test_events: number;
  /** Test-period events without a customer: nobody to score them for. */
  anonymous_test_events: number;
  /** Distinct items in training: the denominator of coverage. */
  train_items: number;
  /** Known customers, the ones the main rows are averaged over. */
  customers: number;
  customers_with_repeat: number;
  customers_with_new: number;
  cold_customers: number;
  /** Test orders of identified customers. */
  test_orders: number;
  fbt_cases: number;
  train_from: string;
  train_to: string;
  test_from: string;
  test_to: string;
}

/** One recommender on known customers and bought-together cases; metrics in percent. */
export interface BasketRow {
  model: string;
  customers: number;
  'recall@20': number;
  'ndcg@20': number;
  'recall_repeat@20': number;
  'recall_new@20': number;
  'ndcg_repeat@20': number;
  'ndcg_new@20': number;
  fbt_cases: number;
  'fbt_hit@10': number;
  'coverage@20': number;
  /** Latency of `forUser`. */
  predict_ms_p50: number;
  predict_ms_p99: number;
  /** Latency of `forBasket`. */
  fbt_ms_p50: number;
  fbt_ms_p99: number;
}

/** One recommender on cold customers, whose targets are all new. */
export interface ColdBasketRow {
  model: string;
  customers: number;
  'recall@20': number;
  'ndcg@20': number;
}

/**
 * The whole evaluation. Keys say @20 and @10 after the default cutoffs; `k` and `fbt_k` give
 * the ones actually used.
 */
export interface BasketEvaluation {
  k: number;
  fbt_k: number;
  seed: number;
  split: BasketSplitFacts;
  rows: BasketRow[];
  cold: ColdBasketRow[];
}

/**
 * The reference baseline: items by the number of distinct training orders holding them (ties by
 * id, so the ranking is reproducible); the same list for everyone.
 */
export function popularityRecommender(
  train: readonly PurchaseEvent[],
  name = 'popularity',
): BasketRecommender {
  const counts = new Map<string, number>();
  const seen = new Set<string>();
  for (const e of train) {
    // A line repeated within one order is still one order.
    const key = `${e.order}\u0000${e.item}`;
    if (seen.has(key)) continue;
    seen.add(key);
    counts.set(e.item, (counts.get(e.item) ?? 0) + 1);
  }
  const ranked = [...counts.keys()].sort(
    (a, b) => counts.get(b)! - counts.get(a)! || (a < b ? -1 : a > b ? 1 : 0),
  );
  return {
    name,
    forUser: (_user, k) => ranked.slice(0, k),
    forBasket: (items, k) => {
      const skip = new Set(items);
      const out: string[] = [];
      for (const item of ranked) {
        if (out.length >= k) break;
        if (!skip.has(item)) out.push(item);
      }
      return out;
    },
  };
}

function timeSpan(events: readonly PurchaseEvent[]): [string, string] {
  if (events.length === 0) return ['', ''];
  let first = Infinity;
  let last = -Infinity;
  for (const e of events) {
    if (e.ts < first) first = e.ts;
    if (e.ts > last) last = e.ts;
  }
  return [new Date(first).toISOString(), new Date(last).toISOString()];
}

/** Scores every recommender on the split's known customers, bought-together cases and cold. */
export function evaluateBaskets(
  split: BasketSplit,
  recommenders: readonly BasketRecommender[],
  opts: EvaluateBasketsOptions = {},
): BasketEvaluation {
  const k = opts.k ?? 20;
  const fbtK = opts.fbtK ?? 10;
  const seed = opts.seed ?? 1;
  const coldRecommenders = opts.cold ?? [popularityRecommender(split.train)];
  const targets = customerTargets(split);
  const cases = basketCases(split, seed);
  const catalogue = new Set(split.train.map((e) => e.item));

  const total =
    recommenders.length * (targets.known.length + cases.length) +
    coldRecommenders.length * targets.cold.length;
  const every = Math.max(1, Math.floor(total / 200));
  let done = 0;
  const tick = (): void => {
    done += 1;
    if (opts.onProgress !== undefined && (done % every === 0 || done === total))
      opts.onProgress(done, total);
  };

  const rows = recommenders.map((rec): BasketRow => {
    const metrics = new NextBasketMetrics(k);
    const userMs = new Float64Array(targets.known.length);
    targets.known.forEach((t, i) => {
      const start = performance.now();
      const answer = rec.forUser(t.user, k);
      userMs[i] = performance.now() - start;
      metrics.add(answer, t);
      tick();
    });
    const fbt = new MeanPercent();
    const basketMs = new Float64Array(cases.length);
    cases.forEach((c, i) => {
      const start = performance.now();
      const answer = rec.forBasket(c.query, fbtK);
      basketMs[i] = performance.now() - start;
      fbt.add(hitAt(answer, c.hidden, fbtK) ? 1 : 0);
      tick();
    });
    return {
      model: rec.name,
      customers: metrics.customers,
      'recall@20': round(metrics.recall.percent),
      'ndcg@20': round(metrics.ndcg.percent),
      'recall_repeat@20': round(metrics.recallRepeat.percent),
      'recall_new@20': round(metrics.recallNew.percent),
      'ndcg_repeat@20': round(metrics.ndcgRepeat.percent),
      'ndcg_new@20': round(metrics.ndcgNew.percent),
      fbt_cases: fbt.count,
      'fbt_hit@10': round(fbt.percent),
      'coverage@20': round(metrics.coverage(catalogue)),
      predict_ms_p50: round(percentile(userMs, 0.5), 4),
      predict_ms_p99: round(percentile(userMs, 0.99), 4),
      fbt_ms_p50: round(percentile(basketMs, 0.5), 4),
      fbt_ms_p99: round(percentile(basketMs, 0.99), 4),
    };
  });

  const cold = coldRecommenders.map((rec): ColdBasketRow => {
    const metrics = new NextBasketMetrics(k);
    for (const t of targets.cold) {
      metrics.add(rec.forUser(t.user, k), t);
      tick();
    }
    return {
      model: rec.name,
      customers: metrics.customers,
      'recall@20': round(metrics.recall.percent),
      'ndcg@20': round(metrics.ndcg.percent),
    };
  });

  const [trainFrom, trainTo] = timeSpan(split.train);
  const [testFrom, testTo] = timeSpan(split.test);
  const testOrders = new Set<string>();
  let anonymous = 0;
  for (const e of split.test) {
    if (e.user === undefined) anonymous += 1;
    else testOrders.add(e.order);
  }
  return {
    k,
    fbt_k: fbtK,
    seed,
    split: {
      mode: split.mode,
      boundary: new Date(split.boundary).toISOString(),
      train_events: split.train.length,
      test_events: split.test.length,
      anonymous_test_events: anonymous,
      train_items: catalogue.size,
      customers: targets.known.length,
      customers_with_repeat: targets.known.filter((t) => t.repeat.size > 0).length,
      customers_with_new: targets.known.filter((t) => t.new.size > 0).length,
      cold_customers: targets.cold.length,
      test_orders: testOrders.size,
      fbt_cases: cases.length,
      train_from: trainFrom,
      train_to: trainTo,
      test_from: testFrom,
      test_to: testTo,
    },
    rows,
    cold,
  };
}

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));
