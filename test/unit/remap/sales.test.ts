/**
 * Compaction of the sales analytics: `Sales.remap` for users (customers and their segments),
 * items (revenue per item) and orders (baskets, counted orders), checked by names against the
 * same analytics without the compaction and against ones that never saw the dropped ids.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IdKind } from '../../../engine/activity.js';
import { Customers } from '../../../engine/analytics/customers.js';
import { Revenue } from '../../../engine/analytics/revenue.js';
import { Sales, type SalesOptions } from '../../../engine/analytics/sales.js';
import { RfmScoring } from '../../../engine/analytics/segments.js';
import { isAisleError } from '../../../engine/errors.js';
import type { PurchaseEvent, RetailEvent } from '../../../engine/events.js';
import { EventStore } from '../../../engine/store/index.js';
import { dropping, inBatches, ints, pool } from './support.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;

const USERS = pool('u', 12);
const ITEMS = pool('i', 15);
/** An item's category, fixed by its name (so that it survives a renumbering of items). */
const categoryName = (item: string) => `c${item.length % 2}${item.charCodeAt(item.length - 1) % 3}`;

/**
 * Purchase lines over small pools, ten minutes apart: each user's orders span a few lines, a
 * few rows have no user, and prices vary so that order values spread over many histogram bins.
 */
function events(
  r: (n: number) => number,
  n: number,
  from: number,
  users: readonly string[],
  items: readonly string[],
  tag: string,
): RetailEvent[] {
  const out: RetailEvent[] = [];
  for (let k = 0; k < n; k++) {
    const ts = T0 + (from + k) * 10 * MIN;
    const user = users[r(users.length)]!;
    const item = items[r(items.length)]!;
    const order = `${tag}${user}-${r(4)}`;
    const e: PurchaseEvent = {
      type: 'purchase',
      ts,
      item,
      category: categoryName(item),
      order,
      quantity: 1 + r(4),
      price: 1 + r(30_000) / 100,
    };
    if (r(12) !== 0) e.user = user;
    out.push(e);
    if (r(6) === 0) out.push({ type: 'view', ts, user, item });
  }
  return out;
}

class Fed {
  readonly store = new EventStore();
  sales: Sales;
  constructor(readonly options: SalesOptions = {}) {
    this.sales = Sales.create(options, this.categoryOf);
  }
  readonly categoryOf = (item: number): number => {
    const name = this.store.dicts.item.value(item);
    return name === undefined ? 0 : (this.store.dicts.category.lookup(categoryName(name)) ?? 0);
  };
  feed(evs: readonly RetailEvent[]): void {
    inBatches(evs, 41, (batch) => this.sales.ingest(this.store.append(batch)));
  }
  id(kind: IdKind | 'category', name: string): number {
    return this.store.dicts[kind].lookup(name) ?? 0;
  }
  compact(kind: IdKind, drop: (name: string) => boolean): void {
    const { map, size } = dropping(this.store.dicts[kind], drop);
    this.sales.remap(kind, map, size);
    this.store.dicts[kind].compact(map);
  }
  restored(): Sales {
    return Sales.fromState(this.options, this.categoryOf, this.sales.exportState());
  }
}

/** `o` without `key` (the id, which a renumbering changes). */
const strip = <T extends object>(o: T | undefined, key: keyof T) => {
  if (o === undefined) return undefined;
  const rest: Partial<T> = { ...o };
  delete rest[key];
  return rest;
};

function customerAnswers(fed: Fed, sales: Sales, users: readonly string[], now: number) {
  const out: Record<string, unknown> = {};
  for (const u of users) {
    const id = fed.id('user', u);
    out[u] = [strip(sales.customers.facts(id), 'user'), strip(sales.segmentOf(id, now), 'user')];
  }
  return out;
}

function basketAnswers(fed: Fed, sales: Sales, orders: readonly string[]) {
  const out: Record<string, unknown> = { stats: sales.basketStats() };
  for (const q of [0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1]) {
    out[`q${q}`] = (['value', 'lines', 'units'] as const).map((m) => sales.baskets.quantile(m, q));
  }
  for (const o of orders) out[o] = strip(sales.baskets.basket(fed.id('order', o)), 'order');
  return out;
}

/** Revenue of the shop, each category and each item known (by name) over a few windows. */
function revenueAnswers(fed: Fed, sales: Sales, items: readonly string[], now: number) {
  const out: Record<string, unknown> = {};
  const ask = (key: string, scope: { item?: number; category?: number }) => {
    out[key] = [
      sales.revenueIn({ window: '1h', ...scope }, now),
      sales.revenueIn({ window: '1d', ...scope }, now),
      sales.revenueIn({ window: '30d', ...scope }, now),
      sales.revenueSeries({ window: '1d', step: '2h', ...scope }, now),
    ];
  };
  ask('shop', {});
  for (const c of ['c00', 'c01', 'c02', 'c10', 'c11', 'c12']) {
    const id = fed.id('category', c);
    if (id !== 0) ask(c, { category: id });
  }
  for (const i of items) {
    const id = fed.id('item', i);
    if (id !== 0) ask(i, { item: id });
  }
  return out;
}

function ordersOf(evs: readonly RetailEvent[]): string[] {
  return [...new Set(evs.flatMap((e) => (e.type === 'purchase' ? [e.order] : [])))];
}

const lastTs = (evs: readonly RetailEvent[]) => evs[evs.length - 1]!.ts;

const RUNS = { seed: 77_001, numRuns: 12 };

describe('Sales.remap', () => {
  it('drops users: kept customers keep their facts, the dropped leave the segments', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 11 }), (seed, dropCount) => {
        const r = ints(seed);
        const old = events(r, 300, 0, USERS, ITEMS, 'a');
        const dropped = new Set(USERS.filter((_, k) => (k * 5 + seed) % 12 < dropCount));
        const kept = USERS.filter((u) => !dropped.has(u));
        const a = new Fed();
        const b = new Fed();
        a.feed(old);
        b.feed(old);
        let now = lastTs(old);
        // A summary being served before the compaction must not outlive it.
        a.sales.segments(now);
        const before = customerAnswers(b, b.sales, USERS, now);
        const analytics = JSON.stringify([
          a.sales.exportState().baskets,
          a.sales.exportState().revenue,
        ]);
        a.compact('user', (u) => dropped.has(u));
        const after = customerAnswers(a, a.sales, USERS, now);
        // Facts of kept customers stay; scores follow the population without the dropped.
        const scoring = keptScoring(a, kept);
        for (const u of USERS) {
          const [facts, segment] = after[u] as [unknown, Record<string, unknown> | undefined];
          if (dropped.has(u)) {
            expect(a.id('user', u)).toBe(0);
            expect(facts).toBeUndefined();
            continue;
          }
          expect(facts).toEqual((before[u] as unknown[])[0]);
          if (facts === undefined) continue;
          const f = facts as { lastPurchase: number; orders: number; monetary: number };
          const want = scoring.scores(f.lastPurchase, f.orders, Math.round(f.monetary * 100));
          expect(segment).toMatchObject(want);
        }
        const summary = scoring.summary(now);
        expect(a.sales.segments(now)).toEqual({ ...summary, computedAt: now });
        expect(a.sales.segments(now, true)).toEqual({ ...summary, computedAt: now });
        expect(JSON.stringify([a.sales.exportState().baskets, a.sales.exportState().revenue])).toBe(
          analytics,
        );
        const back = a.restored();
        expect(customerAnswers(a, back, USERS, now)).toEqual(after);
        expect(back.segments(now)).toEqual(a.sales.segments(now));

        // Later lines (dropped users come back as new customers) answer as customers that never
        // saw the dropped users' earlier lines.
        const later = events(r, 150, 300, USERS, ITEMS, 'b');
        a.feed(later);
        const ref = new Fed();
        ref.feed(old.filter((e) => !('user' in e && e.user !== undefined && dropped.has(e.user))));
        ref.feed(later);
        now = lastTs(later);
        expect(customerAnswers(a, a.sales, USERS, now)).toEqual(
          customerAnswers(ref, ref.sales, USERS, now),
        );
        expect(a.sales.segments(now, true)).toEqual(ref.sales.segments(now, true));
        expect(customerAnswers(a, a.restored(), USERS, now)).toEqual(
          customerAnswers(a, a.sales, USERS, now),
        );
      }),
      RUNS,
    );
  });

  it('drops items: their own revenue goes, the shop and categories stay exact', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 14 }), (seed, dropCount) => {
        const r = ints(seed);
        const old = events(r, 300, 0, USERS, ITEMS, 'a');
        const dropped = new Set(ITEMS.filter((_, k) => (k * 7 + seed) % 15 < dropCount));
        const gone = (i: string) => dropped.has(i);
        const kept = ITEMS.filter((i) => !gone(i));
        const a = new Fed();
        const b = new Fed();
        a.feed(old);
        b.feed(old);
        let now = lastTs(old);
        const customers = customerAnswers(b, b.sales, USERS, now);
        const baskets = basketAnswers(b, b.sales, ordersOf(old));
        const revenue = revenueAnswers(b, b.sales, ITEMS, now);
        a.compact('item', gone);
        expect(revenueAnswers(a, a.sales, ITEMS, now)).toEqual(
          Object.fromEntries(Object.entries(revenue).filter(([k]) => !gone(k))),
        );
        for (const i of dropped) expect(a.id('item', i)).toBe(0);
        expect(customerAnswers(a, a.sales, USERS, now)).toEqual(customers);
        expect(basketAnswers(a, a.sales, ordersOf(old))).toEqual(baskets);
        expect(revenueAnswers(a, a.restored(), ITEMS, now)).toEqual(
          revenueAnswers(a, a.sales, ITEMS, now),
        );

        // Later lines, some for dropped items (new ids now), some of orders placed before.
        const later = events(r, 150, 300, USERS, ITEMS, 'a');
        a.feed(later);
        b.feed(later);
        const ref = new Fed();
        ref.feed(old.filter((e) => !('item' in e) || !gone(e.item)));
        ref.feed(later);
        now = lastTs(later);
        const got = revenueAnswers(a, a.sales, ITEMS, now);
        const was = revenueAnswers(b, b.sales, kept, now);
        const fresh = revenueAnswers(ref, ref.sales, [...dropped], now);
        for (const [k, v] of Object.entries(was)) expect(got[k]).toEqual(v);
        for (const i of dropped) expect(got[i]).toEqual(fresh[i]);
        expect(basketAnswers(a, a.sales, ordersOf(old))).toEqual(
          basketAnswers(b, b.sales, ordersOf(old)),
        );
        expect(revenueAnswers(a, a.restored(), ITEMS, now)).toEqual(got);
      }),
      RUNS,
    );
  });

  it('drops orders: totals and quantiles stay, through a snapshot too', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.constantFrom(0.005, 0.02),
        fc.integer({ min: 1, max: 9 }),
        (seed, relativeError, tenths) => {
          const r = ints(seed);
          const options: SalesOptions = { baskets: { relativeError } };
          const old = events(r, 300, 0, USERS, ITEMS, 'a');
          const orders = ordersOf(old);
          const dropped = new Set(orders.filter((_, k) => (k * 7 + seed) % 10 < tenths));
          const a = new Fed(options);
          const b = new Fed(options);
          a.feed(old);
          b.feed(old);
          let now = lastTs(old);
          const customers = customerAnswers(b, b.sales, USERS, now);
          const revenue = revenueAnswers(b, b.sales, ITEMS, now);
          const baskets = basketAnswers(b, b.sales, orders);
          a.compact('order', (o) => dropped.has(o));
          const keptBaskets = Object.fromEntries(
            Object.entries(baskets).map(([k, v]) => [k, dropped.has(k) ? undefined : v]),
          );
          expect(basketAnswers(a, a.sales, orders)).toEqual(keptBaskets);
          expect(customerAnswers(a, a.sales, USERS, now)).toEqual(customers);
          expect(revenueAnswers(a, a.sales, ITEMS, now)).toEqual(revenue);
          const back = a.restored();
          expect(basketAnswers(a, back, orders)).toEqual(keptBaskets);
          expect(customerAnswers(a, back, USERS, now)).toEqual(customers);
          expect(revenueAnswers(a, back, ITEMS, now)).toEqual(revenue);

          // New orders after the compaction, and a second compaction over the first.
          const later = events(r, 150, 300, USERS, ITEMS, 'b');
          a.feed(later);
          b.feed(later);
          now = lastTs(later);
          const all = [...orders, ...ordersOf(later)];
          const want = basketAnswers(b, b.sales, all);
          for (const o of dropped) want[o] = undefined;
          expect(basketAnswers(a, a.sales, all)).toEqual(want);
          expect(customerAnswers(a, a.sales, USERS, now)).toEqual(
            customerAnswers(b, b.sales, USERS, now),
          );
          expect(revenueAnswers(a, a.sales, ITEMS, now)).toEqual(
            revenueAnswers(b, b.sales, ITEMS, now),
          );
          const second = new Set(ordersOf(later).filter((_, k) => k % 3 === 0));
          a.compact('order', (o) => second.has(o));
          for (const o of second) want[o] = undefined;
          expect(basketAnswers(a, a.sales, all)).toEqual(want);
          expect(basketAnswers(a, a.restored(), all)).toEqual(want);
        },
      ),
      RUNS,
    );
  });

  it('a late line of a dropped order counts as a new order, of a kept one does not', () => {
    const a = new Fed();
    const line = (ts: number, user: string, order: string, item = 'x'): PurchaseEvent => ({
      type: 'purchase',
      ts: T0 + ts * MIN,
      user,
      item,
      category: 'c',
      order,
      quantity: 1,
      price: 2,
    });
    a.feed([line(1, 'p', 'kept'), line(2, 'q', 'gone')]);
    a.compact('order', (o) => o === 'gone');
    a.feed([line(3, 'p', 'kept'), line(4, 'q', 'gone')]);
    const now = T0 + 5 * MIN;
    expect(a.sales.basketStats()).toMatchObject({ orders: 3, lines: 4 });
    expect(a.sales.customers.facts(a.id('user', 'p'))!.orders).toBe(1);
    expect(a.sales.customers.facts(a.id('user', 'q'))!.orders).toBe(2);
    expect(a.sales.revenueIn({ window: '1h' }, now).orders).toBe(3);
    expect(a.sales.revenueIn({ window: '1h', item: a.id('item', 'x') }, now).orders).toBe(3);
    expect(a.restored().basketStats()).toEqual(a.sales.basketStats());
  });

  it('a remap that drops nothing, or of a kind it does not hold, changes nothing', () => {
    const a = new Fed();
    const evs = events(ints(9), 300, 0, USERS, ITEMS, 'a');
    a.feed(evs);
    const now = lastTs(evs);
    a.sales.segments(now);
    const state = a.sales.exportState();
    const answers = () => [
      customerAnswers(a, a.sales, USERS, now),
      basketAnswers(a, a.sales, ordersOf(evs)),
      revenueAnswers(a, a.sales, ITEMS, now),
      a.sales.segments(now),
    ];
    const before = answers();
    for (const kind of ['user', 'item', 'order', 'session', 'query'] as const) {
      a.compact(kind, () => false);
    }
    a.sales.remap('session', new Uint32Array([0, 0, 1]), 1);
    a.sales.remap('query', new Uint32Array([0, 0, 1]), 1);
    expect(a.sales.exportState()).toEqual(state);
    expect(answers()).toEqual(before);
  });

  it('fits its arrays to the ids kept', () => {
    const a = new Fed();
    const users = pool('w', 2000);
    a.feed(events(ints(4), 6000, 0, users, pool('y', 2000), 'a'));
    const customers = a.sales.customers.bytes;
    const baskets = a.sales.baskets.bytes;
    const revenue = a.sales.revenue.bytes;
    a.compact('user', (u) => u !== 'w1');
    a.compact('order', (o) => !o.startsWith('aw1-'));
    a.compact('item', (i) => i !== 'y1');
    expect(a.sales.customers.bytes).toBeLessThan(customers / 20);
    expect(a.sales.baskets.bytes).toBeLessThan(baskets);
    expect(a.sales.revenue.bytes).toBeLessThan(revenue / 2);
    expect(a.sales.customers.customers).toBe(1);
  });

  it('refuses a map that does not cover the ids held', () => {
    const a = new Fed();
    a.feed(events(ints(2), 100, 0, USERS, ITEMS, 'a'));
    const code = (fn: () => void) => {
      try {
        fn();
      } catch (err) {
        return isAisleError(err) ? err.code : 'other';
      }
      return undefined;
    };
    expect(code(() => new Customers().remap('user', new Uint32Array([0, 1, 0]), 1))).toBe(
      undefined,
    );
    expect(code(() => a.sales.remap('user', new Uint32Array([0, 1, 0]), 1))).toBe(
      'AISLE_INVALID_ARGUMENT',
    );
    expect(code(() => a.sales.revenue.remap('item', new Uint32Array([0, 1, 0]), 1))).toBe(
      'AISLE_INVALID_ARGUMENT',
    );
    expect(code(() => a.sales.baskets.remap('order', new Uint32Array([0, 1, 0]), 1))).toBe(
      'AISLE_INVALID_ARGUMENT',
    );
    expect(code(() => new Revenue().remap('order', new Uint32Array([0, 0]), 0))).toBe(undefined);
  });
});

/** The scoring of the kept customers alone, from their facts. */
function keptScoring(fed: Fed, kept: readonly string[]): RfmScoring {
  const facts = kept
    .map((u) => fed.sales.customers.facts(fed.id('user', u)))
    .filter((f) => f !== undefined);
  return new RfmScoring({
    last: Float64Array.from(facts, (f) => f.lastPurchase),
    orders: Uint32Array.from(facts, (f) => f.orders),
    spent: Float64Array.from(facts, (f) => Math.round(f.monetary * 100)),
  });
}
