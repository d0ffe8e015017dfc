import { describe, expect, it } from 'vitest';
import { percentile, RankingMetrics, rankOf } from '../../../src/eval/metrics.js';
import {
  casesFromSessions,
  sessionsOfCases,
  validationSplit,
} from '../../../src/eval/session-data.js';

describe('rankOf', () => {
  it('is 1-based and 0 beyond the cutoff', () => {
    expect(rankOf([5, 6, 7], 5, 20)).toBe(1);
    expect(rankOf([5, 6, 7], 7, 20)).toBe(3);
    expect(rankOf([5, 6, 7], 7, 2)).toBe(0);
    expect(rankOf([5, 6, 7], 9, 20)).toBe(0);
  });
});

describe('RankingMetrics', () => {
  it('averages hits and reciprocal ranks over all cases, in percent', () => {
    const m = new RankingMetrics(2);
    m.add([1, 2], 1); // rank 1
    m.add([1, 2], 2); // rank 2
    m.add([1, 2, 3], 3); // beyond the cutoff: a miss
    m.add([], 4); // no answer: a miss
    expect(m.cases).toBe(4);
    expect(m.hitRate).toBeCloseTo(50);
    expect(m.mrr).toBeCloseTo((100 * (1 + 0.5)) / 4);
  });
});

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const v = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(v, 0.5)).toBe(50);
    expect(percentile(v, 0.99)).toBe(99);
    expect(percentile([], 0.99)).toBe(0);
  });
});

describe('session cases', () => {
  it('builds cases like SR-GNN, longest prefix first, and groups them back', () => {
    const cases = casesFromSessions([
      [1, 2, 3],
      [4, 5],
    ]);
    expect(cases.prefixes).toEqual([[1, 2], [1], [4]]);
    expect(cases.targets).toEqual([3, 2, 5]);
    expect(sessionsOfCases(cases)).toEqual({
      lastCase: [1, 2],
      sessions: [
        [1, 2, 3],
        [4, 5],
      ],
    });
  });

  it('validation holds out the last sessions, dropping items unseen before', () => {
    const train = [
      [1, 2],
      [2, 3],
      [3, 1],
      [1, 9, 2],
      [9, 8],
    ];
    const split = validationSplit(train, 0.4);
    expect(split.train).toEqual([
      [1, 2],
      [2, 3],
      [3, 1],
    ]);
    expect(split.cases.prefixes).toEqual([[1]]);
    expect(split.cases.targets).toEqual([2]);
  });
});
