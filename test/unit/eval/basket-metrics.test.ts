import { describe, expect, it } from 'vitest';
import {
  catalogueCoverage,
  hitAt,
  MeanPercent,
  ndcgAt,
  NextBasketMetrics,
  recallAt,
} from '../../../src/eval/basket-metrics.js';

const set = (...items: string[]): Set<string> => new Set(items);
const LOG2_3 = Math.log2(3);

describe('recallAt and ndcgAt', () => {
  it('match hand-computed values', () => {
    const ranked = ['a', 'x', 'b', 'y'];
    const truth = set('a', 'b', 'c');
    expect(recallAt(ranked, truth, 4)).toBeCloseTo(2 / 3);
    // DCG 1 + 1/log2(4); ideal over min(4, 3) = 3 slots.
    expect(ndcgAt(ranked, truth, 4)).toBeCloseTo(1.5 / (1 + 1 / LOG2_3 + 0.5));
    expect(ndcgAt(ranked, truth, 4)).toBeCloseTo(0.70392, 5);
    expect(recallAt(ranked, truth, 2)).toBeCloseTo(1 / 3);
    expect(ndcgAt(ranked, truth, 2)).toBeCloseTo(1 / (1 + 1 / LOG2_3));
  });

  it('count a repeated item once', () => {
    expect(recallAt(['a', 'a'], set('a', 'b'), 2)).toBe(0.5);
    expect(ndcgAt(['a', 'a', 'b'], set('a', 'b'), 3)).toBeCloseTo(1.5 / (1 + 1 / LOG2_3));
  });

  it('are 1 for a perfect ranking and 0 for no answer or no truth', () => {
    expect(recallAt(['b', 'a'], set('a', 'b'), 20)).toBe(1);
    expect(ndcgAt(['b', 'a'], set('a', 'b'), 20)).toBeCloseTo(1);
    // More targets than slots: recall is capped below 1, NDCG is not.
    expect(recallAt(['a'], set('a', 'b'), 1)).toBe(0.5);
    expect(ndcgAt(['a'], set('a', 'b'), 1)).toBe(1);
    expect(recallAt([], set('a'), 20)).toBe(0);
    expect(ndcgAt([], set('a'), 20)).toBe(0);
    expect(recallAt(['a'], set(), 20)).toBe(0);
    expect(ndcgAt(['a'], set(), 20)).toBe(0);
  });
});

describe('hitAt', () => {
  it('looks at the first k only', () => {
    expect(hitAt(['a', 'b', 'c'], 'c', 3)).toBe(true);
    expect(hitAt(['a', 'b', 'c'], 'c', 2)).toBe(false);
    expect(hitAt([], 'c', 10)).toBe(false);
  });
});

describe('MeanPercent', () => {
  it('averages fractions in percent', () => {
    const m = new MeanPercent();
    expect(m.percent).toBe(0);
    m.add(1);
    m.add(0);
    m.add(0.5);
    expect(m.count).toBe(3);
    expect(m.percent).toBeCloseTo(50);
  });
});

describe('NextBasketMetrics', () => {
  it('averages per customer, the restricted metrics over customers who have such targets', () => {
    const m = new NextBasketMetrics(3);
    m.add(['a', 'n1', 'b'], {
      all: set('a', 'b', 'n1', 'n2'),
      repeat: set('a', 'b'),
      new: set('n1', 'n2'),
    });
    m.add(['x', 'q'], { all: set('n3'), repeat: set(), new: set('n3') });
    expect(m.customers).toBe(2);
    // Customer 1: recall 3/4 and a perfect NDCG (3 hits in 3 slots); customer 2: nothing.
    expect(m.recall.percent).toBeCloseTo(37.5);
    expect(m.ndcg.percent).toBeCloseTo(50);
    // Repeat: customer 1 only, hits at ranks 1 and 3 of an ideal 1, 2.
    expect(m.recallRepeat.count).toBe(1);
    expect(m.recallRepeat.percent).toBeCloseTo(100);
    expect(m.ndcgRepeat.percent).toBeCloseTo((100 * 1.5) / (1 + 1 / LOG2_3));
    // New: customer 1 finds n1 at rank 2 (1 of 2), customer 2 finds nothing.
    expect(m.recallNew.count).toBe(2);
    expect(m.recallNew.percent).toBeCloseTo(25);
    expect(m.ndcgNew.percent).toBeCloseTo((100 * (1 / LOG2_3)) / (1 + 1 / LOG2_3) / 2);
    // a, n1, b, x are in the catalogue, q is not: 4 of 5.
    expect(m.coverage(set('a', 'b', 'n1', 'x', 'y'))).toBeCloseTo(80);
  });

  it('counts coverage within the first k only', () => {
    const m = new NextBasketMetrics(1);
    m.add(['a', 'b'], { all: set('a'), repeat: set('a'), new: set() });
    expect(m.coverage(set('a', 'b'))).toBeCloseTo(50);
    expect(m.recallNew.count).toBe(0);
    expect(m.recallNew.percent).toBe(0);
  });
});

describe('catalogueCoverage', () => {
  it('is 0 for an empty catalogue', () => {
    expect(catalogueCoverage(set('a'), set())).toBe(0);
  });
});
