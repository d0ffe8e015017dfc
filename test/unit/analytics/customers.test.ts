import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Customers, type CustomersState } from '../../../engine/analytics/customers.js';
import { RFM_SEGMENTS, segmentOfScores } from '../../../engine/analytics/segments.js';
import type { PurchaseEvent, RetailEvent } from '../../../engine/events.js';
import { EventStore } from '../../../engine/store/index.js';
import { createSimulator } from '../../../src/sim/index.js';
import { cents, errorCode } from './support.js';

const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 1);

/** A store and customers fed from it, keeping the raw events for the reference answers. */
class Harness {
  readonly store = new EventStore();
  readonly customers = new Customers();
  readonly events: RetailEvent[] = [];

  feed(events: readonly RetailEvent[], into: Customers = this.customers): void {
    if (events.length === 0) return;
    into.ingest(this.store.append(events));
    this.events.push(...events);
  }

  userId(user: string): number {
    return this.store.dicts.user.lookup(user)!;
  }
}

function buy(
  ts: number,
  user: string | undefined,
  order: string,
  quantity = 1,
  price = 10,
  item = 'i1',
): PurchaseEvent {
  return {
    type: 'purchase',
    ts,
    item,
    order,
    quantity,
    price,
    ...(user !== undefined && { user }),
  };
}

/** Per user: last time, distinct orders (an order is its first named user's), cents spent. */
function bruteFacts(events: readonly RetailEvent[]) {
  const owner = new Map<string, string>();
  const facts = new Map<string, { last: number; orders: number; cents: number }>();
  for (const e of events) {
    if (e.type !== 'purchase' || e.user === undefined) continue;
    const f = facts.get(e.user) ?? { last: -Infinity, orders: 0, cents: 0 };
    f.last = Math.max(f.last, e.ts);
    f.cents += cents(e);
    if (!owner.has(e.order)) {
      owner.set(e.order, e.user);
      f.orders++;
    }
    facts.set(e.user, f);
  }
  return facts;
}

describe('Customers', () => {
  it('counts each order once across batches and interleaved with other orders', () => {
    const h = new Harness();
    const t = START + DAY;
    h.feed([
      buy(t, 'ann', 'o1', 2, 5),
      buy(t, 'bob', 'o2', 1, 7.5),
      buy(t + 1, 'ann', 'o1', 1, 3),
      buy(t + 2, undefined, 'o3', 4, 100),
    ]);
    h.feed([
      buy(t + 3, 'bob', 'o2', 3, 1),
      buy(t + 4, 'ann', 'o1', 1, 1),
      buy(t + 5, 'ann', 'o4', 1, 0.99),
      // An earlier purchase arriving late does not move the last purchase back.
      buy(t - DAY, 'bob', 'o5', 1, 20),
    ]);
    const ann = h.userId('ann');
    const bob = h.userId('bob');
    expect(h.customers.facts(ann)).toEqual({
      user: ann,
      lastPurchase: t + 5,
      orders: 2,
      monetary: 14.99,
    });
    expect(h.customers.facts(bob)).toEqual({
      user: bob,
      lastPurchase: t + 3,
      orders: 2,
      monetary: 30.5,
    });
    expect(h.customers.customers).toBe(2);
    expect(h.customers.newest).toBe(t + 5);
    expect(h.customers.facts(0)).toBeUndefined();
    expect(h.customers.facts(999)).toBeUndefined();
    expect(h.customers.ignored).toBe(0);
  });

  it('equals a brute-force count of facts on random interleaved streams', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            gap: fc.integer({ min: 0, max: 3 * DAY }),
            back: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5 * DAY })),
            user: fc.integer({ min: 0, max: 25 }),
            order: fc.integer({ min: 0, max: 40 }),
            quantity: fc.integer({ min: 1, max: 5 }),
            price: fc.constantFrom(0.01, 0.1, 0.99, 9.99, 19.95, 250, 1234.56),
          }),
          { minLength: 1, maxLength: 250 },
        ),
        fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 6 }),
        (rows, cuts) => {
          const h = new Harness();
          let clock = START;
          const events = rows.map((r) => {
            clock += r.gap;
            // User 0 stands for an anonymous purchase; orders are mostly one user's.
            const user = r.user === 0 ? undefined : `u${r.user}`;
            return buy(clock - r.back, user, `o${r.order}`, r.quantity, r.price);
          });
          let at = 0;
          for (const cut of cuts) {
            h.feed(events.slice(at, at + cut));
            at += cut;
          }
          h.feed(events.slice(at));
          const want = bruteFacts(events);
          expect(h.customers.customers).toBe(want.size);
          for (const [user, f] of want) {
            expect(h.customers.facts(h.userId(user))).toEqual({
              user: h.userId(user),
              lastPurchase: f.last,
              orders: f.orders,
              monetary: f.cents / 100,
            });
          }
          // Segments over the same facts, scored by the rank definition.
          const now = clock + DAY;
          const list = [...want.values()];
          const score = (pick: (f: (typeof list)[number]) => number, v: number) =>
            1 + Math.floor((5 * list.filter((f) => pick(f) < v).length) / list.length);
          const counts = new Map<string, number>();
          for (const [user, f] of want) {
            const r = score((x) => x.last, f.last);
            const fs = score((x) => x.orders, f.orders);
            const m = score((x) => x.cents, f.cents);
            const segment = segmentOfScores(r, Math.floor((fs + m) / 2));
            counts.set(segment, (counts.get(segment) ?? 0) + 1);
            expect(h.customers.segmentOf(h.userId(user), now)).toMatchObject({
              r,
              f: fs,
              m,
              segment,
              recencyDays: (now - f.last) / DAY,
            });
          }
          const summary = h.customers.segments(now);
          for (const s of summary.segments) expect(s.customers).toBe(counts.get(s.segment) ?? 0);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('segments hand-built customers into known quintiles', () => {
    const h = new Harness();
    const now = START + 100 * DAY;
    // Ten customers: c0 bought longest ago, once, for 10; c9 most recently, ten orders, for 100.
    const events: RetailEvent[] = [];
    for (let c = 0; c < 10; c++) {
      for (let k = 0; k <= c; k++) {
        events.push(buy(now - (20 - c) * DAY - k, `c${c}`, `c${c}-o${k}`, 1, 10));
      }
    }
    h.feed(events);
    // Frequencies 1..10, spend 10·orders: pairs of customers share each quintile.
    const summary = h.customers.segments(now);
    expect(summary.customers).toBe(10);
    expect(summary.cuts.frequency).toEqual([2, 4, 6, 8]);
    expect(summary.cuts.monetary).toEqual([20, 40, 60, 80]);
    const scores = Array.from({ length: 10 }, (_, c) =>
      h.customers.segmentOf(h.userId(`c${c}`), now)!,
    );
    expect(scores.map((s) => s.r)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    expect(scores.map((s) => s.f)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    expect(scores.map((s) => s.segment)).toEqual([
      'lost',
      'lost',
      'hibernating',
      'hibernating',
      'need attention',
      'need attention',
      'champions',
      'champions',
      'champions',
      'champions',
    ]);
    const champions = summary.segments.find((s) => s.segment === 'champions')!;
    expect(champions).toMatchObject({ customers: 4, customerShare: 0.4, revenue: 340 });
    expect(champions.revenueShare).toBeCloseTo(340 / 550, 12);
    expect(champions.frequency).toBe(8.5);
    expect(champions.monetary).toBe(85);
    expect(summary.segments.reduce((a, s) => a + s.customers, 0)).toBe(10);
    expect(summary.segments.map((s) => s.segment)).toEqual([...RFM_SEGMENTS]);
  });

  it('scores everyone once per change and answers repeated questions from the cache', () => {
    const h = new Harness();
    h.feed([buy(START, 'a', 'o1'), buy(START + 1, 'b', 'o2')]);
    const v = h.customers.version;
    const first = h.customers.segments(START + DAY);
    expect(h.customers.segments(START + DAY)).toEqual(first);
    // Nothing a customer did: no new version.
    h.feed([
      { type: 'view', ts: START + 2, item: 'i1', user: 'a' },
      buy(START + 3, undefined, 'o9'),
    ]);
    expect(h.customers.version).toBe(v);
    h.feed([buy(START + 4, 'c', 'o3', 5, 99)]);
    expect(h.customers.version).toBe(v + 1);
    const after = h.customers.segments(START + DAY);
    expect(after.customers).toBe(3);
    expect(after.revenue).toBe(20 + 495);
  });

  it('counts rows that cannot be sales as ignored', () => {
    const h = new Harness();
    const batch = h.store.append([buy(START, 'a', 'o1'), buy(START, 'a', 'o2')]);
    batch.quantity[1] = -2;
    h.customers.ingest(batch);
    expect(h.customers.ignored).toBe(1);
    expect(h.customers.facts(h.userId('a'))).toMatchObject({ orders: 1, monetary: 10 });
  });

  it('continues from a restored state exactly as it would have', () => {
    const sim = createSimulator({
      seed: 5,
      items: 200,
      categories: 5,
      users: 300,
      meanGapMs: 3000,
    });
    const store = new EventStore();
    const live = new Customers();
    let copy: Customers | undefined;
    for (let batch = 0; batch < 12; batch++) {
      const b = store.append(sim.next(4000));
      live.ingest(b);
      copy?.ingest(b);
      if (batch === 5) {
        copy = Customers.fromState(live.exportState());
        expect(copy.exportState()).toEqual(live.exportState());
      }
    }
    expect(live.customers).toBeGreaterThan(50);
    expect(copy!.exportState()).toEqual(live.exportState());
    const now = live.newest;
    expect(copy!.segments(now)).toEqual(live.segments(now));
    for (let u = 1; u < 50; u++) expect(copy!.segmentOf(u, now)).toEqual(live.segmentOf(u, now));
  });

  it('refuses bad questions and snapshots with errors naming the field', () => {
    const h = new Harness();
    h.feed([buy(START + DAY, 'a', 'o1')]);
    expect(errorCode(() => h.customers.segments(START))).toEqual(['AISLE_INVALID_ARGUMENT', 'now']);
    expect(errorCode(() => h.customers.segments(Number.NaN))).toEqual([
      'AISLE_INVALID_ARGUMENT',
      'now',
    ]);
    expect(errorCode(() => h.customers.segmentOf(-1, START + DAY))).toEqual([
      'AISLE_INVALID_ARGUMENT',
      'user',
    ]);
    expect(h.customers.segmentOf(12345, START + DAY)).toBeUndefined();

    const state = h.customers.exportState();
    const restore = (s: unknown) => errorCode(() => Customers.fromState(s as CustomersState));
    expect(restore({ ...state, orders: state.orders.subarray(1) })).toEqual([
      'AISLE_SNAPSHOT',
      'customers: arrays or counters',
    ]);
    expect(restore({ ...state, newest: START })).toEqual([
      'AISLE_SNAPSHOT',
      'customers: newest is not the latest purchase',
    ]);
    const last = state.last.slice();
    last[0] = START;
    expect(restore({ ...state, last })?.[0]).toBe('AISLE_SNAPSHOT');
    const spent = state.spent.slice();
    spent[h.userId('a')] = 0.5;
    expect(restore({ ...state, spent })?.[0]).toBe('AISLE_SNAPSHOT');
  });
});
