import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CandidatePool } from '../../../engine/recommend/pool.js';
import { loadKernels, type Kernels } from '../../../engine/wasm/index.js';

let kernels: Kernels;
beforeAll(async () => {
  kernels = await loadKernels();
});

describe('CandidatePool', () => {
  it('blends per-source normalised scores with the weights and ranks best first', () => {
    const pool = new CandidatePool();
    pool.add(1, 'als', 10, 'a1');
    pool.add(2, 'als', 5, 'a2');
    pool.add(2, 'alsoViewed', 4, 'v2');
    pool.add(3, 'alsoViewed', 2, 'v3');
    // als normalised by 10, alsoViewed by 4: item1 1.0, item2 0.5 + 1.0, item3 0.5.
    const r = pool.rank(kernels, { als: 1, alsoViewed: 1 }, () => true, 10);
    expect(Array.from(r.ids)).toEqual([2, 1, 3]);
    expect(Array.from(r.scores)).toEqual([1.5, 1, 0.5]);
    expect(pool.reasonOf(2, { als: 1, alsoViewed: 1 })).toBe('v2');
    expect(pool.reasonOf(2, { als: 1, alsoViewed: 0.1 })).toBe('a2');
  });

  it('ranks only survivors of the filter, and computes lazy reasons on demand', () => {
    const pool = new CandidatePool();
    let made = 0;
    for (let i = 1; i <= 5; i++) {
      pool.add(i, 'popular', i, () => {
        made++;
        return `r${i}`;
      });
    }
    const r = pool.rank(kernels, { popular: 1 }, (id) => id % 2 === 1, 2);
    expect(Array.from(r.ids)).toEqual([5, 3]);
    expect(made).toBe(0);
    expect(pool.reasonOf(5, { popular: 1 })).toBe('r5');
    expect(made).toBe(1);
  });

  it('ignores non-positive scores and answers empty for no survivors', () => {
    const pool = new CandidatePool();
    pool.add(1, 'als', -1, 'x');
    pool.add(2, 'als', 0, 'x');
    expect(pool.size).toBe(0);
    expect(pool.rank(kernels, { als: 1 }, () => true, 5).ids.length).toBe(0);
  });

  it('matches a plain TypeScript blend on random pools', () => {
    const sources = ['als', 'alsoViewed', 'buyAgain', 'popular'] as const;
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            id: fc.integer({ min: 1, max: 300 }),
            s: fc.constantFrom(...sources),
            v: fc.float({ min: Math.fround(0.01), max: 100, noNaN: true }),
          }),
          { minLength: 1, maxLength: 400 },
        ),
        fc.array(fc.float({ min: 0, max: 2, noNaN: true }), { minLength: 4, maxLength: 4 }),
        (adds, w) => {
          const pool = new CandidatePool();
          const sums = new Map<number, Map<string, number>>();
          for (const a of adds) {
            pool.add(a.id, a.s, a.v, '');
            const m = sums.get(a.id) ?? new Map<string, number>();
            m.set(a.s, (m.get(a.s) ?? 0) + Math.fround(a.v));
            sums.set(a.id, m);
          }
          const weights = Object.fromEntries(sources.map((s, i) => [s, w[i]!]));
          const best = new Map<string, number>();
          for (const m of sums.values())
            for (const [s, v] of m) best.set(s, Math.max(best.get(s) ?? 0, v));
          const expected = [...sums].map(([id, m]) => {
            let score = 0;
            for (const [s, v] of m) score += (weights[s]! / best.get(s)!) * v;
            return { id, score };
          });
          const r = pool.rank(kernels, weights, () => true, 1000);
          expect(r.ids.length).toBe(sums.size);
          const byId = new Map(expected.map((e) => [e.id, e.score]));
          for (let i = 0; i < r.ids.length; i++) {
            expect(r.scores[i]).toBeCloseTo(byId.get(r.ids[i]!)!, 3);
            if (i > 0) expect(r.scores[i]!).toBeLessThanOrEqual(r.scores[i - 1]!);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
