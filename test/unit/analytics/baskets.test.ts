import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Baskets,
  type BasketOptions,
  type BasketState,
} from '../../../engine/analytics/baskets.js';
import { LogHistogram } from '../../../engine/analytics/histogram.js';
import type { PurchaseEvent, RetailEvent } from '../../../engine/events.js';
import { EventStore } from '../../../engine/store/index.js';
import { createSimulator } from '../../../src/sim/index.js';
import { cents, errorCode } from './support.js';

const START = Date.UTC(2026, 0, 1);

function buy(
  order: string,
  quantity: number,
  price: number,
  item = 'i1',
  ts = START,
): PurchaseEvent {
  return { type: 'purchase', ts, item, order, quantity, price };
}

/** The exact nearest-rank quantile of `values`. */
function nearestRank(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

/** Within the stated error: α·v + ½, and exact below 1/(2α). */
function expectWithin(got: number, want: number, alpha: number): void {
  if (want < 1 / (2 * alpha)) expect(got).toBe(want);
  else expect(Math.abs(got - want)).toBeLessThanOrEqual(alpha * want * (1 + 1e-9) + 0.5);
}

describe('LogHistogram', () => {
  it('tracks nearest-rank quantiles of a changing multiset within its error', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0.001, 0.005, 0.02),
        fc.array(
          fc.record({
            value: fc.oneof(
              fc.integer({ min: 0, max: 150 }),
              fc.integer({ min: 0, max: 10_000_000 }),
              fc.constant(2 ** 40 + 7),
            ),
            remove: fc.boolean(),
          }),
          { minLength: 1, maxLength: 400 },
        ),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 5 }),
        (alpha, ops, qs) => {
          const h = new LogHistogram(alpha);
          const held: number[] = [];
          for (const op of ops) {
            if (op.remove && held.length > 0) {
              const v = held.splice(op.value % held.length, 1)[0]!;
              h.remove(v);
            } else {
              h.add(op.value);
              held.push(op.value);
            }
          }
          expect(h.size).toBe(held.length);
          for (const q of qs) {
            const got = h.quantile(q);
            if (held.length === 0) expect(got).toBeNull();
            else expectWithin(got!, nearestRank(held, q), alpha);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('Baskets', () => {
  it('reports totals, means, shares and quantiles of a small stream', () => {
    const store = new EventStore();
    const b = new Baskets();
    // o1: two lines (3 units, 25.00); o2: one line (1 unit, 9.99); o3: one line of 4 (2.00).
    b.ingest(store.append([buy('o1', 2, 10, 'a'), buy('o2', 1, 9.99, 'b')]));
    b.ingest(store.append([buy('o3', 4, 0.5, 'c'), buy('o1', 1, 5, 'c')]));
    const o1 = store.dicts.order.lookup('o1')!;
    expect(b.basket(o1)).toEqual({ order: o1, lines: 2, units: 3, value: 25 });
    expect(b.basket(999)).toBeUndefined();
    const s = b.stats();
    expect(s).toMatchObject({
      orders: 3,
      lines: 4,
      units: 8,
      revenue: 36.99,
      linesPerOrder: 4 / 3,
      unitsPerOrder: 8 / 3,
      meanOrderValue: 3699 / 300,
      singleLineShare: 2 / 3,
      basketLines: { median: 1, p90: 2 },
      basketUnits: { median: 3, p90: 4 },
      relativeError: 0.005,
    });
    // Order values 2.00, 9.99 and 25.00, answered within 0.5% plus half a cent.
    expect(Math.abs(s.orderValue!.median - 9.99)).toBeLessThanOrEqual(9.99 * 0.005 + 0.005);
    expect(Math.abs(s.orderValue!.p90 - 25)).toBeLessThanOrEqual(25 * 0.005 + 0.005);
    expect(Math.abs(b.quantile('value', 0)! - 2)).toBeLessThanOrEqual(2 * 0.005 + 0.005);
    expect(b.quantile('lines', 1)).toBe(2);
    expect(new Baskets().stats()).toMatchObject({
      orders: 0,
      linesPerOrder: null,
      meanOrderValue: null,
      singleLineShare: null,
      orderValue: null,
      basketLines: null,
    });
  });

  it('equals a brute force over random interleaved orders, quantiles within the error', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            order: fc.integer({ min: 1, max: 60 }),
            quantity: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 300 })),
            price: fc.constantFrom(0.01, 0.25, 0.99, 4.5, 19.95, 250, 99_999.5),
          }),
          { minLength: 1, maxLength: 300 },
        ),
        fc.array(fc.integer({ min: 1, max: 80 }), { minLength: 1, maxLength: 5 }),
        (rows, cuts) => {
          const store = new EventStore();
          const b = new Baskets();
          const events = rows.map((r) => buy(`o${r.order}`, r.quantity, r.price));
          let at = 0;
          for (const cut of [...cuts, events.length]) {
            const part = events.slice(at, at + cut);
            if (part.length > 0) b.ingest(store.append(part));
            at += cut;
          }
          const orders = new Map<string, { lines: number; units: number; cents: number }>();
          for (const e of events) {
            const o = orders.get(e.order) ?? { lines: 0, units: 0, cents: 0 };
            o.lines++;
            o.units += e.quantity;
            o.cents += cents(e);
            orders.set(e.order, o);
          }
          const list = [...orders.values()];
          const n = list.length;
          const total = list.reduce((a, o) => a + o.cents, 0);
          const s = b.stats();
          expect(s.orders).toBe(n);
          expect(s.lines).toBe(events.length);
          expect(s.units).toBe(list.reduce((a, o) => a + o.units, 0));
          expect(s.revenue).toBe(total / 100);
          expect(s.singleLineShare).toBe(list.filter((o) => o.lines === 1).length / n);
          for (const [q, key] of [
            [0.5, 'median'],
            [0.9, 'p90'],
          ] as const) {
            expect(s.basketLines![key]).toBe(
              nearestRank(
                list.map((o) => o.lines),
                q,
              ),
            );
            expectWithin(
              s.basketUnits![key],
              nearestRank(
                list.map((o) => o.units),
                q,
              ),
              0.005,
            );
            const value = nearestRank(
              list.map((o) => o.cents),
              q,
            );
            expectWithin(Math.round(s.orderValue![key] * 100), value, 0.005);
          }
          for (const [name, o] of orders) {
            const id = store.dicts.order.lookup(name)!;
            expect(b.basket(id)).toEqual({
              order: id,
              lines: o.lines,
              units: o.units,
              value: o.cents / 100,
            });
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('counts rows that cannot be sales as ignored', () => {
    const store = new EventStore();
    const b = new Baskets();
    const batch = store.append([buy('o1', 1, 5), buy('o2', 1, 5), buy('o3', 1, 5)]);
    batch.quantity[1] = 0;
    batch.ref[2] = 0;
    b.ingest(batch);
    expect(b.ignored).toBe(2);
    expect(b.stats().orders).toBe(1);
  });

  it('continues from a restored state exactly as it would have', () => {
    const sim = createSimulator({
      seed: 9,
      items: 150,
      categories: 4,
      users: 200,
      meanGapMs: 2000,
    });
    const store = new EventStore();
    const options: BasketOptions = { relativeError: 0.01 };
    const live = new Baskets(options);
    let copy: Baskets | undefined;
    const events: RetailEvent[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const part = sim.next(4000);
      events.push(...part);
      const b = store.append(part);
      live.ingest(b);
      copy?.ingest(b);
      if (batch === 4) {
        copy = Baskets.fromState(options, live.exportState());
        expect(copy.stats()).toEqual(live.stats());
      }
    }
    expect(live.orders).toBeGreaterThan(100);
    expect(copy!.exportState()).toEqual(live.exportState());
    expect(copy!.stats()).toEqual(live.stats());
    expect(live.stats().orders).toBe(
      new Set(events.flatMap((e) => (e.type === 'purchase' ? [e.order] : []))).size,
    );
  });

  it('refuses bad options, questions and snapshots with errors naming the field', () => {
    expect(errorCode(() => new Baskets({ relativeError: 0.5 }))).toEqual([
      'AISLE_INVALID_ARGUMENT',
      'relativeError',
    ]);
    expect(errorCode(() => new Baskets({ window: '1h' } as unknown as BasketOptions))).toEqual([
      'AISLE_INVALID_ARGUMENT',
      'window',
    ]);
    const b = new Baskets();
    expect(errorCode(() => b.quantile('value', 1.5))).toEqual(['AISLE_INVALID_ARGUMENT', 'q']);
    expect(errorCode(() => b.quantile('weight' as 'value', 0.5))).toEqual([
      'AISLE_INVALID_ARGUMENT',
      'measure',
    ]);
    const store = new EventStore();
    b.ingest(store.append([buy('o1', 2, 5), buy('o1', 1, 5)]));
    const state = b.exportState();
    const restore = (s: unknown) => errorCode(() => Baskets.fromState({}, s as BasketState));
    expect(restore({ ...state, units: state.units.subarray(1) })).toEqual([
      'AISLE_SNAPSHOT',
      'baskets: arrays or counters',
    ]);
    const units = state.units.slice();
    units[1] = 1;
    expect(restore({ ...state, units })).toEqual(['AISLE_SNAPSHOT', 'baskets: order 1']);
    const value = state.value.slice();
    value[0] = 3;
    expect(restore({ ...state, value })).toEqual([
      'AISLE_SNAPSHOT',
      'baskets: order 0 has no lines',
    ]);
  });
});
