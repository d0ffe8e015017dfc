import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fmScore,
  quintileCuts,
  RFM_SEGMENTS,
  RfmScoring,
  scoreAgainst,
  segmentOfScores,
  type RfmColumns,
  type RfmSegmentName,
} from '../../../engine/analytics/segments.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 2, 1);

/** The definition: 1 + ⌊5 · (customers strictly worse) / U⌋. */
function bruteScore(values: ArrayLike<number>, v: number): number {
  let below = 0;
  for (let i = 0; i < values.length; i++) if (values[i]! < v) below++;
  return 1 + Math.floor((5 * below) / values.length);
}

function columns(rows: readonly { last: number; orders: number; spent: number }[]): RfmColumns {
  return {
    last: Float64Array.from(rows, (r) => r.last),
    orders: Uint32Array.from(rows, (r) => r.orders),
    spent: Float64Array.from(rows, (r) => r.spent),
  };
}

describe('quintile scores', () => {
  it('cuts ten distinct values into five pairs', () => {
    const sorted = Float64Array.from({ length: 10 }, (_, i) => i + 1);
    const cuts = quintileCuts(sorted);
    expect(cuts).toEqual([2, 4, 6, 8]);
    expect(Array.from(sorted, (v) => scoreAgainst(v, cuts))).toEqual([
      1, 1, 2, 2, 3, 3, 4, 4, 5, 5,
    ]);
  });

  it('never splits equal values: a tie group takes the quintile it starts in', () => {
    // 60 customers with one order, 20 with two, 20 with three.
    const orders = [...Array(60).fill(1), ...Array(20).fill(2), ...Array(20).fill(3)];
    const cuts = quintileCuts(Uint32Array.from(orders));
    expect(cuts).toEqual([1, 1, 1, 2]);
    expect([1, 2, 3].map((v) => scoreAgainst(v, cuts))).toEqual([1, 4, 5]);
    // Everyone equal: everyone scores 1.
    expect(scoreAgainst(7, quintileCuts(new Float64Array(13).fill(7)))).toBe(1);
    // Seven customers: positions ⌈7k/5⌉ − 1 = 1, 2, 4, 5.
    const seven = quintileCuts(Float64Array.from([10, 20, 30, 40, 50, 60, 70]));
    expect(seven).toEqual([20, 30, 50, 60]);
    expect([10, 20, 30, 40, 50, 60, 70].map((v) => scoreAgainst(v, seven))).toEqual([
      1, 1, 2, 3, 3, 4, 5,
    ]);
    expect(quintileCuts(new Float64Array(0))).toEqual([]);
  });

  it('equals the rank definition on random columns with many ties', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 300 }),
          fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 3000 }),
        ),
        (values) => {
          const column = Float64Array.from(values);
          const cuts = quintileCuts(column);
          // The column is left as it was.
          expect(Array.from(column)).toEqual(values);
          for (const v of values) expect(scoreAgainst(v, cuts)).toBe(bruteScore(values, v));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('segment grid', () => {
  it('gives every (R, FM) cell exactly one of the eleven segments', () => {
    const seen = new Set<RfmSegmentName>();
    for (let r = 1; r <= 5; r++) {
      for (let fm = 1; fm <= 5; fm++) seen.add(segmentOfScores(r, fm));
    }
    expect([...seen].sort()).toEqual([...RFM_SEGMENTS].sort());
  });

  it('places the corners and the published cases where expected', () => {
    const cases: [number, number, RfmSegmentName][] = [
      [5, 5, 'champions'],
      [4, 4, 'champions'],
      [3, 5, 'loyal'],
      [5, 2, 'potential loyalists'],
      [5, 1, 'new'],
      [4, 1, 'promising'],
      [3, 3, 'need attention'],
      [3, 1, 'about to sleep'],
      [2, 4, 'at risk'],
      [1, 3, 'at risk'],
      [1, 5, 'cannot lose'],
      [2, 1, 'hibernating'],
      [1, 1, 'lost'],
    ];
    for (const [r, fm, name] of cases)
      expect([r, fm, segmentOfScores(r, fm)]).toEqual([r, fm, name]);
    expect(fmScore(1, 5)).toBe(3);
    expect(fmScore(4, 5)).toBe(4);
    expect(fmScore(1, 2)).toBe(1);
  });
});

describe('RfmScoring', () => {
  it('scores and summarises five hand-built customers', () => {
    // One customer per quintile on every measure, most recent = most frequent = biggest spender,
    // except the last one: recent but a single small order.
    const rows = [
      { last: NOW - 1 * DAY, orders: 9, spent: 90_000 },
      { last: NOW - 10 * DAY, orders: 5, spent: 50_000 },
      { last: NOW - 30 * DAY, orders: 3, spent: 30_000 },
      { last: NOW - 90 * DAY, orders: 2, spent: 20_000 },
      { last: NOW - 0.5 * DAY, orders: 1, spent: 1_000 },
    ];
    const s = new RfmScoring(columns(rows));
    expect(s.scores(rows[0]!.last, 9, 90_000)).toEqual({
      r: 4,
      f: 5,
      m: 5,
      fm: 5,
      segment: 'champions',
    });
    expect(s.scores(rows[1]!.last, 5, 50_000)).toMatchObject({ r: 3, fm: 4, segment: 'loyal' });
    expect(s.scores(rows[2]!.last, 3, 30_000)).toMatchObject({ r: 2, fm: 3, segment: 'at risk' });
    expect(s.scores(rows[3]!.last, 2, 20_000)).toMatchObject({ r: 1, fm: 2, segment: 'lost' });
    expect(s.scores(rows[4]!.last, 1, 1_000)).toMatchObject({ r: 5, fm: 1, segment: 'new' });

    const summary = s.summary(NOW);
    expect(summary.customers).toBe(5);
    expect(summary.revenue).toBe(1910);
    expect(summary.cuts).toEqual({
      recencyDays: [90, 30, 10, 1],
      frequency: [1, 2, 3, 5],
      monetary: [10, 200, 300, 500],
    });
    const by = new Map(summary.segments.map((x) => [x.segment, x]));
    expect(summary.segments.map((x) => x.segment)).toEqual([...RFM_SEGMENTS]);
    expect(by.get('champions')).toEqual({
      segment: 'champions',
      customers: 1,
      customerShare: 0.2,
      revenue: 900,
      revenueShare: 900 / 1910,
      recencyDays: 1,
      frequency: 9,
      monetary: 900,
    });
    expect(by.get('new')).toMatchObject({ customers: 1, recencyDays: 0.5, monetary: 10 });
    expect(by.get('hibernating')).toEqual({
      segment: 'hibernating',
      customers: 0,
      customerShare: 0,
      revenue: 0,
      revenueShare: 0,
      recencyDays: null,
      frequency: null,
      monetary: null,
    });
    // Recency figures move with `now`; scores do not.
    const later = s.summary(NOW + 2 * DAY);
    expect(later.cuts.recencyDays).toEqual([92, 32, 12, 3]);
    expect(later.segments[0]!.recencyDays).toBe(3);
  });

  it('gives no shares and no cuts for an empty population', () => {
    const s = new RfmScoring(columns([]));
    const summary = s.summary(NOW);
    expect(summary.customers).toBe(0);
    expect(summary.cuts).toEqual({ recencyDays: [], frequency: [], monetary: [] });
    expect(summary.segments.every((x) => x.customerShare === null && x.customers === 0)).toBe(true);
  });

  it('equals a brute-force scoring and segment summary on random populations', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            // Coarse values so that ties are common on every measure.
            daysAgo: fc.integer({ min: 0, max: 40 }),
            orders: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 6 })),
            spent: fc.integer({ min: 0, max: 50 }).map((v) => v * 250),
          }),
          { minLength: 1, maxLength: 200 },
        ),
        (raw) => {
          const rows = raw.map((r) => ({
            last: NOW - r.daysAgo * DAY,
            orders: r.orders,
            spent: r.spent,
          }));
          const cols = columns(rows);
          const s = new RfmScoring(cols);
          const summary = s.summary(NOW);
          const want = new Map<
            string,
            { n: number; cents: number; orders: number; days: number }
          >();
          for (const row of rows) {
            const r = bruteScore(cols.last, row.last);
            const f = bruteScore(cols.orders, row.orders);
            const m = bruteScore(cols.spent, row.spent);
            const segment = segmentOfScores(r, Math.floor((f + m) / 2));
            expect(s.scores(row.last, row.orders, row.spent)).toEqual({
              r,
              f,
              m,
              fm: Math.floor((f + m) / 2),
              segment,
            });
            const acc = want.get(segment) ?? { n: 0, cents: 0, orders: 0, days: 0 };
            acc.n++;
            acc.cents += row.spent;
            acc.orders += row.orders;
            acc.days += (NOW - row.last) / DAY;
            want.set(segment, acc);
          }
          const total = rows.reduce((a, r) => a + r.spent, 0);
          for (const got of summary.segments) {
            const w = want.get(got.segment);
            expect(got.customers).toBe(w?.n ?? 0);
            expect(got.revenue).toBe((w?.cents ?? 0) / 100);
            expect(got.revenueShare).toBe(total > 0 ? (w?.cents ?? 0) / total : null);
            if (w === undefined) continue;
            expect(got.frequency).toBeCloseTo(w.orders / w.n, 9);
            expect(got.recencyDays).toBeCloseTo(w.days / w.n, 9);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
