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

  it('reads a whole row of counts as get does, over blocks and the end of the table', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(700), fc.nat(700), fc.integer({ min: 1, max: 3 })), {
          maxLength: 3000,
        }),
        fc.array(fc.nat(800), { maxLength: 50 }),
        (adds, absent) => {
          const pc = new PairCounts(16);
          // One item with more neighbours than a block of probes, so blocks after the first run.
          for (let b = 1; b <= 600; b++) pc.add(0, b, b);
          for (const [a, b, w] of adds) pc.add(a, b, w);
          for (let x = 0; x <= 700; x++) {
            const ys = Uint32Array.from([...pc.neighboursOf(x), ...absent]);
            const out = new Float32Array(ys.length).fill(-1);
            pc.countsOf(x, ys, out);
            expect(Array.from(out)).toEqual(Array.from(ys, (y) => pc.get(x, y)));
          }
        },
      ),
      { numRuns: 40, interruptAfterTimeLimit: 10_000 },
    );
  });

  it('keeps pairs that collide in the same slot apart', () => {
    const pc = new PairCounts(16);
    for (let a = 0; a < 2000; a++) pc.add(a, a + 1, a + 1);
    for (let a = 0; a < 2000; a++) expect(pc.get(a, a + 1)).toBe(a + 1);
    expect(pc.get(2, 0)).toBe(0);
    expect(pc.get(1, 0)).toBe(1);
  });

  it('forgets exactly the pairs last counted before a minute, lists in first-seen order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(30), fc.nat(30), fc.integer({ min: 1, max: 50 })), {
          maxLength: 400,
        }),
        fc.integer({ min: 0, max: 55 }),
        (adds, cutoff) => {
          const pc = new PairCounts(16);
          const count = new Map<string, number>();
          const last = new Map<string, number>();
          const order = new Map<number, number[]>();
          for (const [a, b, minute] of adds) {
            const key = `${Math.min(a, b)},${Math.max(a, b)}`;
            if (!count.has(key)) {
              order.set(a, [...(order.get(a) ?? []), b]);
              if (a !== b) order.set(b, [...(order.get(b) ?? []), a]);
            }
            count.set(key, (count.get(key) ?? 0) + 1);
            last.set(key, Math.max(last.get(key) ?? 0, minute));
            pc.add(a, b, 1, minute);
          }
          const gone = [...last.values()].filter((m) => m < cutoff).length;
          expect(pc.forgetBefore(cutoff)).toBe(gone);
          const kept = (a: number, b: number): boolean =>
            (last.get(`${Math.min(a, b)},${Math.max(a, b)}`) ?? -1) >= cutoff;
          expect(pc.size).toBe(count.size - gone);
          for (const [key, v] of count) {
            const [a, b] = key.split(',').map(Number) as [number, number];
            expect(pc.get(a, b)).toBe(kept(a, b) ? v : 0);
            if (kept(a, b)) expect(pc.seenAt(b, a)).toBe(last.get(key));
          }
          for (const [a, list] of order) {
            expect(Array.from(pc.neighboursOf(a))).toEqual(list.filter((b) => kept(a, b)));
          }
          // What stays behaves as a table that never held the forgotten pairs.
          const back = PairCounts.fromState(pc.exportState());
          expect(back.exportState()).toEqual(pc.exportState());
          pc.add(1, 2, 3, 60);
          back.add(1, 2, 3, 60);
          expect(Array.from(back.neighboursOf(1))).toEqual(Array.from(pc.neighboursOf(1)));
          expect(back.get(2, 1)).toBe(pc.get(1, 2));
        },
      ),
      { numRuns: 200, interruptAfterTimeLimit: 10_000 },
    );
  });

  it('restores a table from before the minutes as seen at the minute it is given', () => {
    const pc = new PairCounts(16);
    pc.add(1, 2, 1, 10);
    pc.add(3, 4, 1, 20);
    const legacy = pc.exportState();
    delete legacy.seen;
    const back = PairCounts.fromState(legacy, 500);
    expect(back.seenAt(1, 2)).toBe(500);
    expect(back.forgetBefore(500)).toBe(0);
    expect(back.forgetBefore(501)).toBe(2);
    expect(back.size).toBe(0);
    expect(back.neighboursOf(1)).toHaveLength(0);
  });
});
