import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PairCounts } from '../../../engine/models/pair-counts.js';

describe('PairCounts', () => {
  it('matches a symmetric Map reference through growth, neighbours in first-seen order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(40), fc.nat(40), fc.integer({ min: 1, max: 5 })), {
          maxLength: 600,
        }),
        (adds) => {
          const pc = new PairCounts(16);
          const ref = new Map<string, number>();
          const order = new Map<number, number[]>();
          for (const [a, b, w] of adds) {
            const key = `${Math.min(a, b)},${Math.max(a, b)}`;
            if (!ref.has(key)) {
              order.set(a, [...(order.get(a) ?? []), b]);
              if (a !== b) order.set(b, [...(order.get(b) ?? []), a]);
            }
            ref.set(key, (ref.get(key) ?? 0) + w);
            pc.add(a, b, w);
          }
          expect(pc.size).toBe(ref.size);
          for (const [key, v] of ref) {
            const [a, b] = key.split(',').map(Number) as [number, number];
            expect(pc.get(a, b)).toBe(v);
            expect(pc.get(b, a)).toBe(v);
          }
          for (const [a, list] of order) expect(Array.from(pc.neighboursOf(a))).toEqual(list);
          expect(pc.get(99, 99)).toBe(0);
          expect(pc.neighboursOf(99)).toHaveLength(0);
        },
      ),
      { numRuns: 200, interruptAfterTimeLimit: 10_000 },
    );
  });

  it('keeps pairs that collide in the same slot apart', () => {
    const pc = new PairCounts(16);
    for (let a = 0; a < 2000; a++) pc.add(a, a + 1, a + 1);
    for (let a = 0; a < 2000; a++) expect(pc.get(a, a + 1)).toBe(a + 1);
    expect(pc.get(2, 0)).toBe(0);
    expect(pc.get(1, 0)).toBe(1);
  });
});
