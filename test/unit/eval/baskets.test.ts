import { describe, expect, it } from 'vitest';
import { basketCases, customerTargets, splitBaskets } from '../../../src/eval/basket-split.js';
import {
  evaluateBaskets,
  popularityRecommender,
  type BasketRecommender,
} from '../../../src/eval/baskets.js';
import type { PurchaseEvent } from '../../../engine/events.js';

const DAY = 24 * 60 * 60 * 1000;
const LAST = 100 * DAY;

function order(ts: number, id: string, user: string | undefined, items: string[]): PurchaseEvent[] {
  return items.map((item) => {
    const e: PurchaseEvent = { type: 'purchase', ts, order: id, item, quantity: 1, price: 1 };
    if (user !== undefined) e.user = user;
    return e;
  });
}

// Popularity by distinct training orders: a 4, b 2, c 2, d 1.
const EVENTS = [
  ...order(0, 'o1', 'u1', ['a', 'b']),
  ...order(DAY, 'o2', 'u1', ['a', 'c']),
  ...order(2 * DAY, 'o3', 'u2', ['b', 'c']),
  ...order(3 * DAY, 'o4', undefined, ['a', 'd']),
  ...order(4 * DAY, 'o5', 'u2', ['a']),
  ...order(LAST - DAY, 'o6', 'u1', ['a', 'e']),
  ...order(LAST - DAY, 'o7', 'u2', ['b', 'c', 'd']),
  ...order(LAST, 'o8', 'u3', ['a']),
  ...order(LAST, 'o9', undefined, ['b', 'c']),
];

/** Knows the answers: each customer's test items, and each case's hidden item. */
function oracle(split: ReturnType<typeof splitBaskets>, seed: number): BasketRecommender {
  const targets = customerTargets(split);
  const byUser = new Map([...targets.known, ...targets.cold].map((t) => [t.user, [...t.all]]));
  const key = (items: readonly string[]): string => [...items].sort().join(' ');
  const hidden = new Map(basketCases(split, seed).map((c) => [key(c.query), c.hidden]));
  return {
    name: 'oracle',
    forUser: (user, k) => (byUser.get(user) ?? []).slice(0, k),
    forBasket: (items, k) => {
      const h = hidden.get(key(items));
      return h === undefined ? [] : [h].slice(0, k);
    },
  };
}

describe('popularityRecommender', () => {
  it('ranks by distinct orders, ties by id, and leaves the basket out', () => {
    const train = [
      ...order(0, 'o1', 'u1', ['z', 'z', 'z', 'y']),
      ...order(0, 'o2', 'u1', ['y', 'x']),
      ...order(0, 'o3', 'u2', ['x']),
    ];
    const pop = popularityRecommender(train);
    expect(pop.name).toBe('popularity');
    expect(pop.forUser('anyone', 10)).toEqual(['x', 'y', 'z']);
    expect(pop.forUser('anyone', 2)).toEqual(['x', 'y']);
    expect(pop.forBasket(['x'], 10)).toEqual(['y', 'z']);
    expect(pop.forBasket(['y'], 1)).toEqual(['x']);
  });
});

describe('evaluateBaskets', () => {
  const split = splitBaskets(EVENTS);

  it('reports the split', () => {
    const { split: facts } = evaluateBaskets(split, []);
    expect(facts).toEqual({
      mode: 'test',
      boundary: new Date(LAST - 30 * DAY).toISOString(),
      train_events: 9,
      test_events: 8,
      anonymous_test_events: 2,
      train_items: 4,
      customers: 2,
      customers_with_repeat: 2,
      customers_with_new: 2,
      cold_customers: 1,
      test_orders: 3,
      fbt_cases: 2,
      train_from: new Date(0).toISOString(),
      train_to: new Date(4 * DAY).toISOString(),
      test_from: new Date(LAST - DAY).toISOString(),
      test_to: new Date(LAST).toISOString(),
    });
  });

  it('gives an oracle 100, bar the NDCG of one target kind ranked behind the other', () => {
    const seed = 3;
    const perfect = oracle(split, seed);
    const progress: Array<[number, number]> = [];
    const result = evaluateBaskets(split, [perfect], {
      seed,
      cold: [perfect],
      onProgress: (done, total) => progress.push([done, total]),
    });
    const [row] = result.rows;
    expect(row).toMatchObject({
      model: 'oracle',
      customers: 2,
      'recall@20': 100,
      'ndcg@20': 100,
      'recall_repeat@20': 100,
      'recall_new@20': 100,
      'ndcg_repeat@20': 100,
      fbt_cases: 2,
      'fbt_hit@10': 100,
      'coverage@20': 100,
    });
    // The oracle lists items in purchase order, which here puts repeats first: u1's new item is
    // second (gain 1/log2 3 of an ideal 1), u2's third (1/2).
    expect(row!['ndcg_new@20']).toBeCloseTo((100 * (1 / Math.log2(3) + 0.5)) / 2, 2);
    expect(row!.predict_ms_p99).toBeGreaterThanOrEqual(row!.predict_ms_p50);
    expect(result.cold).toEqual([
      { model: 'oracle', customers: 1, 'recall@20': 100, 'ndcg@20': 100 },
    ]);
    // Two customers and two cases, then one cold customer.
    expect(progress.at(-1)).toEqual([5, 5]);
  });

  it('scores popularity as computed by hand', () => {
    const seed = 1;
    const result = evaluateBaskets(split, [popularityRecommender(split.train)], { seed });
    const [row] = result.rows;
    // Everyone gets a, b, c, d. u1 wants {a (repeat), e (new)}; u2 {b, c (repeat), d (new)}.
    const g = (rank: number): number => 1 / Math.log2(rank + 1);
    const ndcgU1 = 1 / (g(1) + g(2));
    const ndcgU2 = (g(2) + g(3) + g(4)) / (g(1) + g(2) + g(3));
    const ndcgRepeatU2 = (g(2) + g(3)) / (g(1) + g(2));
    expect(row!['recall@20']).toBe(75);
    expect(row!['ndcg@20']).toBeCloseTo((100 * (ndcgU1 + ndcgU2)) / 2, 2);
    expect(row!['recall_repeat@20']).toBe(100);
    expect(row!['ndcg_repeat@20']).toBeCloseTo((100 * (1 + ndcgRepeatU2)) / 2, 2);
    expect(row!['recall_new@20']).toBe(50);
    expect(row!['ndcg_new@20']).toBeCloseTo((100 * g(4)) / 2, 2);
    expect(row!['coverage@20']).toBe(100);
    // o7 always hits (popularity offers a and the one of b, c, d left out of the query); o6
    // hits only when a is hidden, e being unknown to training.
    const o6 = basketCases(split, seed).find((c) => c.order === 'o6')!;
    expect(row!['fbt_hit@10']).toBe(o6.hidden === 'a' ? 100 : 50);
    // Cold: u3 wants a, popularity's first item.
    expect(result.cold).toEqual([
      { model: 'popularity', customers: 1, 'recall@20': 100, 'ndcg@20': 100 },
    ]);
  });

  it('uses the cutoffs it is given', () => {
    const result = evaluateBaskets(split, [popularityRecommender(split.train)], { k: 1, fbtK: 1 });
    expect(result.k).toBe(1);
    expect(result.fbt_k).toBe(1);
    // Top 1 is a: u1 finds 1 of 2, u2 none of 3.
    expect(result.rows[0]!['recall@20']).toBe(25);
    expect(result.rows[0]!['coverage@20']).toBe(25);
  });

  it('evaluates validation inside training', () => {
    const result = evaluateBaskets(splitBaskets(EVENTS, { mode: 'validation' }), []);
    expect(result.split.mode).toBe('validation');
    expect(result.split.test_to).toBe(new Date(4 * DAY).toISOString());
  });
});
