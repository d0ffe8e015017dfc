/**
 * Evaluation of targeted promotions on a purchase log's temporal split (Online Retail): for the
 * items bought in the test period by the most known customers, the audience the engine names
 * from training alone, scored by precision@k against the customers who did buy the item in the
 * test period, beside a baseline that knows only who bought what.
 *
 * Baseline, "past buyers first": the item's past buyers (outside the `excludeDays` before the
 * cut, as the audience excludes them too) by how many orders of it they placed, then the shop's
 * most active customers. The data have no categories, so the item stands in for its category.
 *
 * Only customers known in training can be named by either; the test buyers counted are those.
 */
import type { Engine, PurchaseEvent } from '../../engine/index.js';

const DAY = 86_400_000;

export interface AudienceEvalOptions {
  k?: number;
  /** Items evaluated: the ones with the most known test buyers. Default 200. */
  items?: number;
  /** Least known test buyers for an item to count. Default 5. */
  minBuyers?: number;
  excludeDays?: number;
  /** Passed to the audience; default the engine's. */
  repeatWeight?: number;
}

export interface AudienceEvalRow {
  model: string;
  /** Mean over items of |named ∩ test buyers| / k. */
  precision: number;
  /** Mean over items of |named ∩ test buyers| / |test buyers|. */
  recall: number;
}

export interface AudienceEvaluation {
  k: number;
  items: number;
  rows: AudienceEvalRow[];
}

/**
 * `engine` must hold the training events and a trained factor model. O(items · (users ·
 * factors + training events of the item)).
 */
export function evaluateAudience(
  engine: Engine,
  train: readonly PurchaseEvent[],
  test: readonly PurchaseEvent[],
  boundary: number,
  opts: AudienceEvalOptions = {},
): AudienceEvaluation {
  const k = opts.k ?? 20;
  const excludeDays = opts.excludeDays ?? 30;
  const known = new Set<string>();
  const activity = new Map<string, Set<string>>();
  const itemOrders = new Map<string, Map<string, Set<string>>>();
  const recent = new Map<string, Set<string>>();
  for (const e of train) {
    if (e.user === undefined) continue;
    known.add(e.user);
    let orders = activity.get(e.user);
    if (orders === undefined) activity.set(e.user, (orders = new Set()));
    orders.add(e.order);
    let byUser = itemOrders.get(e.item);
    if (byUser === undefined) itemOrders.set(e.item, (byUser = new Map()));
    let o = byUser.get(e.user);
    if (o === undefined) byUser.set(e.user, (o = new Set()));
    o.add(e.order);
    if (e.ts >= boundary - excludeDays * DAY) {
      let r = recent.get(e.item);
      if (r === undefined) recent.set(e.item, (r = new Set()));
      r.add(e.user);
    }
  }
  const active = [...activity].sort((a, b) => b[1].size - a[1].size || (a[0] < b[0] ? -1 : 1));
  const buyers = new Map<string, Set<string>>();
  for (const e of test) {
    if (e.user === undefined || !known.has(e.user)) continue;
    let s = buyers.get(e.item);
    if (s === undefined) buyers.set(e.item, (s = new Set()));
    s.add(e.user);
  }
  // Buyers of the test period who bought the item in the excluded days are left out of the
  // truth too: neither list may name them.
  const items = [...buyers]
    .map(([item, s]) => {
      const r = recent.get(item);
      return [item, new Set([...s].filter((u) => r === undefined || !r.has(u)))] as const;
    })
    .filter(([, s]) => s.size >= (opts.minBuyers ?? 5))
    .sort((a, b) => b[1].size - a[1].size || (a[0] < b[0] ? -1 : 1))
    .slice(0, opts.items ?? 200);
  const score = { ours: { p: 0, r: 0 }, base: { p: 0, r: 0 } };
  for (const [item, truth] of items) {
    const ours = engine.analytics
      .audience({
        item,
        k,
        excludeDays,
        ...(opts.repeatWeight !== undefined && { repeatWeight: opts.repeatWeight }),
      })
      .audience.map((m) => m.user);
    const r = recent.get(item);
    const past = [...(itemOrders.get(item) ?? new Map<string, Set<string>>())]
      .filter(([u]) => r === undefined || !r.has(u))
      .sort((a, b) => b[1].size - a[1].size || (a[0] < b[0] ? -1 : 1))
      .map(([u]) => u);
    const base: string[] = [];
    const named = new Set<string>();
    for (const u of [...past, ...active.map(([x]) => x)]) {
      if (base.length >= k) break;
      if (named.has(u) || (r !== undefined && r.has(u))) continue;
      named.add(u);
      base.push(u);
    }
    const hits = (list: string[]) => list.filter((u) => truth.has(u)).length;
    score.ours.p += hits(ours) / k;
    score.ours.r += hits(ours) / truth.size;
    score.base.p += hits(base) / k;
    score.base.r += hits(base) / truth.size;
  }
  const n = Math.max(1, items.length);
  return {
    k,
    items: items.length,
    rows: [
      {
        model: 'audience (factor model + past orders)',
        precision: score.ours.p / n,
        recall: score.ours.r / n,
      },
      { model: 'past buyers first', precision: score.base.p / n, recall: score.base.r / n },
    ],
  };
}
