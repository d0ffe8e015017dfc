import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Revenue,
  type RevenueOptions,
  type RevenueQuery,
  type RevenueResult,
  type RevenueState,
  type RevenueTotals,
} from '../../../engine/analytics/revenue.js';
import { parseWindow } from '../../../engine/analytics/windows.js';
import { isAisleError } from '../../../engine/errors.js';
import type { PurchaseEvent, RetailEvent } from '../../../engine/events.js';
import { createSimulator } from '../../../src/sim/index.js';
import { CategorisedLog, cents, errorCode } from './support.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 1);

interface Scope {
  item?: string;
  category?: string;
}

/** A store, the category index the engine keeps beside it, and revenue fed from both. */
class Harness extends CategorisedLog {
  readonly revenue: Revenue;

  constructor(readonly options: RevenueOptions = {}) {
    super();
    this.revenue = new Revenue(options);
  }

  feed(events: readonly RetailEvent[], into: Revenue = this.revenue): void {
    if (events.length === 0) return;
    into.ingest(this.append(events), this.categoryOf);
  }

  query(window: string | number, scope: Scope): RevenueQuery | undefined {
    const q: RevenueQuery = { window };
    if (scope.item !== undefined) {
      const id = this.store.dicts.item.lookup(scope.item);
      if (id === undefined) return undefined;
      q.item = id;
    } else if (scope.category !== undefined) {
      const id = this.store.dicts.category.lookup(scope.category);
      if (id === undefined) return undefined;
      q.category = id;
    }
    return q;
  }

  /**
   * Every purchase line with the scopes it opens an order in: an order counts in a scope at its
   * first line there in arrival order, again once the stream is past the horizon of that count.
   */
  lines(): (PurchaseEvent & { cents: number; category: string | undefined; opens: Set<string> })[] {
    const horizon = parseWindow(this.options.orderHorizon ?? '1d');
    const categoryOf = new Map<string, string>();
    const counted = new Map<string, number>();
    let newest = -Infinity;
    const out = [];
    for (const e of this.events) {
      if ('item' in e && 'category' in e && e.category !== undefined && !categoryOf.has(e.item)) {
        categoryOf.set(e.item, e.category);
      }
      if (e.type !== 'purchase') continue;
      newest = Math.max(newest, e.ts);
      const category = categoryOf.get(e.item);
      const opens = new Set<string>();
      for (const scope of ['shop', `c:${category}`, `i:${e.item}`]) {
        if (scope === 'c:undefined') continue;
        const key = `${e.order}|${scope}`;
        const at = counted.get(key);
        if (at === undefined || at < newest - horizon) {
          counted.set(key, e.ts);
          opens.add(scope);
        }
      }
      out.push({ ...e, cents: cents(e), category, opens });
    }
    return out;
  }

  /** Totals over the raw lines in [from, to) for a scope: the reference answer. */
  brute(from: number, to: number, scope: Scope): RevenueTotals {
    const tag =
      scope.item !== undefined
        ? `i:${scope.item}`
        : scope.category !== undefined
          ? `c:${scope.category}`
          : 'shop';
    let cents = 0;
    const out = { revenue: 0, units: 0, lines: 0, orders: 0 };
    for (const l of this.lines()) {
      if (l.ts < from || l.ts >= to) continue;
      if (scope.item !== undefined && l.item !== scope.item) continue;
      if (scope.category !== undefined && l.category !== scope.category) continue;
      cents += l.cents;
      out.units += l.quantity;
      out.lines++;
      if (l.opens.has(tag)) out.orders++;
    }
    out.revenue = cents / 100;
    return out;
  }
}

function buy(
  ts: number,
  item: string,
  order: string,
  quantity: number,
  price: number,
  category?: string,
): PurchaseEvent {
  return {
    type: 'purchase',
    ts,
    item,
    order,
    quantity,
    price,
    ...(category !== undefined && { category }),
  };
}

const pick = ({ revenue, units, lines, orders }: RevenueTotals): RevenueTotals => ({
  revenue,
  units,
  lines,
  orders,
});

describe('Revenue', () => {
  it('sums a small stream per item, category and shop, with orders and order value', () => {
    const h = new Harness();
    const t = START + 10 * HOUR + 5000;
    h.feed([
      buy(t, 'a', 'o1', 2, 10, 'shoes'),
      buy(t + 1000, 'b', 'o1', 1, 5, 'shoes'),
      buy(t + 2000, 'a', 'o2', 1, 10, 'shoes'),
      { type: 'view', ts: t + 2500, item: 'c', category: 'hats' },
    ]);
    h.feed([buy(t + 3000, 'c', 'o1', 1, 20, 'hats'), buy(t + 4000, 'c', 'o3', 3, 1.5, 'hats')]);
    const now = t + 10_000;
    const all = h.revenue.revenue({ window: '15m' }, now);
    expect(all).toEqual({
      window: 15 * MIN,
      resolution: MIN,
      from: Math.floor(now / MIN) * MIN - 14 * MIN,
      to: Math.floor(now / MIN) * MIN + MIN,
      revenue: 59.5,
      units: 8,
      lines: 5,
      orders: 3,
      averageOrderValue: 59.5 / 3,
    });
    const shoes = h.revenue.revenue(h.query('1h', { category: 'shoes' })!, now);
    expect(shoes).toMatchObject({
      revenue: 35,
      units: 4,
      lines: 3,
      orders: 2,
      averageOrderValue: 17.5,
    });
    const hats = h.revenue.revenue(h.query('1h', { category: 'hats' })!, now);
    expect(hats).toMatchObject({
      revenue: 24.5,
      units: 4,
      lines: 2,
      orders: 2,
      averageOrderValue: 12.25,
    });
    const a = h.revenue.revenue(h.query('1d', { item: 'a' })!, now);
    expect(a).toMatchObject({ revenue: 30, units: 3, lines: 2, orders: 2 });
    // Unknown ids give zeros.
    expect(h.revenue.revenue({ window: '1h', category: 999 }, now)).toMatchObject({
      revenue: 0,
      units: 0,
      lines: 0,
      orders: 0,
      averageOrderValue: null,
    });
    expect(h.revenue.revenue({ window: '1h', item: 999 }, now).revenue).toBe(0);
    // A week is answered by the hourly tier, in whole hours.
    const week = h.revenue.revenue({ window: '7d' }, now);
    expect(week).toMatchObject({ resolution: HOUR, revenue: 59.5, orders: 3 });
    expect(week.to - week.from).toBe(7 * DAY);
    // Later, the lines have left the 15-minute window but not the day.
    expect(h.revenue.revenue({ window: '15m' }, now + HOUR).revenue).toBe(0);
    expect(h.revenue.revenue({ window: '1d' }, now + HOUR).revenue).toBe(59.5);
  });

  it('puts a line on a bucket edge in the bucket it starts', () => {
    const h = new Harness();
    const edge = START + 3 * HOUR;
    h.feed([buy(edge, 'a', 'o1', 1, 1), buy(edge - 1, 'a', 'o2', 1, 2)]);
    expect(h.revenue.revenue({ window: '1m' }, edge)).toMatchObject({
      from: edge,
      to: edge + MIN,
      revenue: 1,
    });
    expect(h.revenue.revenue({ window: '1m' }, edge - 1)).toMatchObject({
      from: edge - MIN,
      to: edge,
      revenue: 2,
    });
    expect(h.revenue.revenue({ window: '2m' }, edge).revenue).toBe(3);
    // 90 s rounds up to two whole minutes.
    expect(h.revenue.revenue({ window: '90s' }, edge)).toMatchObject({
      from: edge - MIN,
      revenue: 3,
    });
  });

  it('gives a series of steps that add up to the window', () => {
    const h = new Harness();
    const base = START + 5 * HOUR;
    const events: RetailEvent[] = [];
    for (let m = 0; m < 60; m++)
      events.push(buy(base + m * MIN + 7000, `i${m % 4}`, `o${m}`, 1, m + 1));
    h.feed(events);
    const now = base + 59 * MIN + 30_000;
    const s = h.revenue.series({ window: '1h', step: '15m' }, now);
    expect(s).toMatchObject({
      window: HOUR,
      step: 15 * MIN,
      resolution: MIN,
      from: base,
      to: base + HOUR,
    });
    expect(s.points.map((p) => p.revenue)).toEqual([120, 345, 570, 795]);
    expect(s.points.map((p) => p.orders)).toEqual([15, 15, 15, 15]);
    expect(s.points[1]).toMatchObject({ from: base + 15 * MIN, to: base + 30 * MIN, lines: 15 });
    const whole = h.revenue.revenue({ window: '1h' }, now);
    expect(s.points.reduce((a, p) => a + p.revenue, 0)).toBe(whole.revenue);
    // Hourly steps over two days come from the hourly tier; a step that is not whole buckets of
    // any tier that holds the whole window is refused.
    const days = h.revenue.series({ window: '2d', step: '1h' }, now);
    expect(days).toMatchObject({ resolution: HOUR });
    expect(days.points).toHaveLength(48);
    expect(days.points.at(-1)!.revenue).toBe(1830);
    expect(errorCode(() => h.revenue.series({ window: '2d', step: '30m' }, now))).toEqual([
      'AISLE_INVALID_ARGUMENT',
      'step',
    ]);
  });

  it('equals a brute-force sum over random out-of-order streams, at every scope', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            gap: fc.integer({ min: 0, max: 20 * MIN }),
            back: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 20 * MIN })),
            item: fc.integer({ min: 0, max: 11 }),
            // A few orders whose lines come back past the horizon, and one-off orders.
            order: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 5000 })),
            quantity: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 50 })),
            price: fc.constantFrom(0.01, 0.99, 9.99, 19.95, 250, 1234.56),
            view: fc.boolean(),
          }),
          { minLength: 1, maxLength: 250 },
        ),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 6 }),
        fc.array(
          fc.record({
            window: fc.constantFrom(
              '1m',
              '7m',
              '30m',
              '45m',
              '2h',
              '5h',
              '11h',
              90_000,
              3 * HOUR + 1,
            ),
            step: fc.constantFrom('1m', '5m', '10m', '1h'),
            behind: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 20 * MIN })),
            ahead: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3 * HOUR })),
            scope: fc.integer({ min: 0, max: 15 }),
          }),
          { minLength: 1, maxLength: 10 },
        ),
        (rows, cuts, queries) => {
          // Small tiers so a few hours of stream wrap the rings and push buckets out.
          const h = new Harness({
            tiers: [
              { resolution: '1m', span: '45m' },
              { resolution: '10m', span: '12h' },
            ],
            orderHorizon: '20m',
          });
          let clock = START + 7 * HOUR + 123;
          const events: RetailEvent[] = rows.map((r) => {
            clock += r.gap;
            const ts = clock - r.back;
            const item = `i${r.item}`;
            // Items 0..8 sit in three categories; 9..11 have none.
            const category = r.item < 9 ? `c${r.item % 3}` : undefined;
            if (r.view)
              return { type: 'view', ts, item, ...(category !== undefined && { category }) };
            return buy(ts, item, `o${r.order}`, r.quantity, r.price, category);
          });
          let at = 0;
          for (const cut of cuts) {
            h.feed(events.slice(at, at + cut));
            at += cut;
          }
          h.feed(events.slice(at));
          const newest = Math.max(...events.map((e) => e.ts));
          for (const q of queries) {
            const now = newest - q.behind + q.ahead;
            const scope: Scope =
              q.scope < 12
                ? { item: `i${q.scope}` }
                : q.scope < 15
                  ? { category: `c${q.scope - 12}` }
                  : {};
            const query = h.query(q.window, scope);
            if (query === undefined) continue;
            let got: RevenueResult;
            try {
              got = h.revenue.revenue(query, now);
            } catch (err) {
              // A window that starts before what its tier holds is refused, never answered wrong.
              if (isAisleError(err) && err.details?.field === 'now') {
                expect(q.behind).toBeGreaterThan(0);
                continue;
              }
              throw err;
            }
            expect(pick(got)).toEqual(h.brute(got.from, got.to, scope));
            const w = parseWindow(q.window);
            expect(got.to - got.from).toBe(Math.ceil(w / got.resolution) * got.resolution);
            expect(got.resolution).toBe(w <= 45 * MIN ? MIN : 10 * MIN);
            let series;
            try {
              series = h.revenue.series({ ...query, step: q.step }, now);
            } catch (err) {
              if (
                isAisleError(err) &&
                (err.details?.field === 'step' || err.details?.field === 'now')
              ) {
                continue;
              }
              throw err;
            }
            expect(series.points).toHaveLength(Math.ceil(w / parseWindow(q.step)));
            for (const p of series.points) expect(pick(p)).toEqual(h.brute(p.from, p.to, scope));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('carries revenue and units past 32 bits in one bucket', () => {
    const h = new Harness();
    const t = START + HOUR;
    // 800 × 50,000.00 is 4·10^9 cents a line: the second line wraps the low word.
    h.feed([buy(t, 'a', 'o1', 800, 50_000), buy(t, 'a', 'o2', 800, 50_000)]);
    h.feed([buy(t, 'a', 'o3', 1_000_000, 1_000)]);
    // 5,000 lines of 10^6 units: 5·10^9 units in one bucket.
    const many: RetailEvent[] = [];
    for (let k = 0; k < 5000; k++) many.push(buy(t + 1, 'b', `m${k}`, 1_000_000, 0.01));
    h.feed(many);
    const r = h.revenue.revenue({ window: '1m' }, t);
    expect(r.revenue).toBe(80_000_000 + 1_000_000_000 + 50_000_000);
    expect(r.units).toBe(1600 + 1_000_000 + 5_000_000_000);
    expect(r.orders).toBe(5003);
    expect(
      h.revenue.revenue({ window: '1h', item: h.query('1h', { item: 'a' })!.item }, t),
    ).toMatchObject({
      revenue: 1_080_000_000,
      units: 1_001_600,
      lines: 3,
    });
  });

  it('counts lines behind the finest tier as late, and behind every tier as expired', () => {
    const h = new Harness();
    const now = START + 40 * DAY;
    h.feed([buy(now, 'a', 'o1', 1, 10)]);
    h.feed([buy(now - 2 * DAY, 'a', 'o2', 1, 20)]);
    h.feed([buy(now - 35 * DAY, 'a', 'o3', 1, 40)]);
    expect(h.revenue.late).toBe(2);
    expect(h.revenue.expired).toBe(1);
    expect(h.revenue.revenue({ window: '1d' }, now).revenue).toBe(10);
    expect(h.revenue.revenue({ window: '3d' }, now).revenue).toBe(30);
    expect(h.revenue.revenue({ window: '30d' }, now).revenue).toBe(30);
  });

  it('counts an order again once the stream is past its horizon, never within it', () => {
    const h = new Harness({ orderHorizon: '1h' });
    const t = START + 2 * HOUR;
    h.feed([buy(t, 'a', 'o1', 1, 10), buy(t + 30 * MIN, 'a', 'o1', 1, 10)]);
    h.feed([buy(t + 3 * HOUR, 'b', 'o2', 1, 1), buy(t + 3 * HOUR, 'a', 'o1', 1, 10)]);
    expect(h.revenue.revenue({ window: '1h' }, t + 45 * MIN)).toMatchObject({
      lines: 2,
      orders: 1,
    });
    expect(h.revenue.revenue({ window: '1d' }, t + 3 * HOUR)).toMatchObject({
      lines: 4,
      orders: 3,
    });
  });

  it('matches a brute force on days of the simulator stream', () => {
    const h = new Harness();
    const sim = createSimulator({
      seed: 4,
      items: 300,
      categories: 6,
      users: 400,
      meanGapMs: 4000,
    });
    for (let batch = 0; batch < 20; batch++) h.feed(sim.next(5000));
    const now = h.revenue.newest;
    expect(now - START).toBeGreaterThan(3 * DAY);
    expect(h.revenue.late).toBe(0);
    for (const window of ['15m', '1h', '1d', '2d']) {
      for (const scope of [{}, { category: 'cat-0' }, { category: 'cat-3' }, { item: 'sku-1' }]) {
        const query = h.query(window, scope);
        if (query === undefined) continue;
        const got = h.revenue.revenue(query, now);
        expect(pick(got)).toEqual(h.brute(got.from, got.to, scope));
      }
    }
    expect(h.revenue.revenue({ window: '2d' }, now).orders).toBeGreaterThan(50);
  });

  it('continues from a restored state exactly as it would have', () => {
    const sim = createSimulator({
      seed: 8,
      items: 200,
      categories: 5,
      users: 300,
      meanGapMs: 3000,
    });
    const options: RevenueOptions = { orderHorizon: '6h' };
    const h = new Harness(options);
    let copy: Revenue | undefined;
    for (let batch = 0; batch < 16; batch++) {
      const events = sim.next(4000);
      const b = h.store.append(events);
      for (let i = 0; i < b.length; i++) {
        const cat = b.itemCategory[i]!;
        if (cat !== 0 && h.categories.categoryOf(b.item[i]!) === 0)
          h.categories.assign(b.item[i]!, cat);
      }
      h.revenue.ingest(b, h.categoryOf);
      copy?.ingest(b, h.categoryOf);
      if (batch === 7) {
        copy = Revenue.fromState(options, h.revenue.exportState());
        expect(copy.exportState()).toEqual(h.revenue.exportState());
      }
    }
    const live = h.revenue;
    const now = live.newest;
    for (const window of ['5m', '1h', '6h', '1d', '3d', '30d']) {
      for (const scope of [{}, { category: 1 }, { category: 4 }, { item: 7 }, { item: 150 }]) {
        expect(copy!.revenue({ window, ...scope }, now)).toEqual(
          live.revenue({ window, ...scope }, now),
        );
      }
    }
    expect(copy!.series({ window: '1d', step: '1h', category: 2 }, now)).toEqual(
      live.series({ window: '1d', step: '1h', category: 2 }, now),
    );
    expect(copy!.exportState()).toEqual(live.exportState());
  });

  it('refuses bad options, queries and snapshots with errors naming the field', () => {
    expect(errorCode(() => new Revenue({ tiers: [] }))).toEqual([
      'AISLE_INVALID_ARGUMENT',
      'tiers',
    ]);
    expect(errorCode(() => new Revenue({ tiers: [{ resolution: '1m', span: '90s' }] }))).toEqual([
      'AISLE_INVALID_ARGUMENT',
      'tiers[0].span',
    ]);
    expect(errorCode(() => new Revenue({ tiers: [{ resolution: '1x', span: '1d' }] }))).toEqual([
      'AISLE_INVALID_ARGUMENT',
      'tiers[0].resolution',
    ]);
    expect(errorCode(() => new Revenue({ orderHorizon: '60d' }))).toEqual([
      'AISLE_INVALID_ARGUMENT',
      'orderHorizon',
    ]);
    expect(errorCode(() => new Revenue({ orderHorizon: 'soon' }))).toEqual([
      'AISLE_INVALID_ARGUMENT',
      'orderHorizon',
    ]);
    expect(errorCode(() => new Revenue({ window: '1h' } as unknown as RevenueOptions))).toEqual([
      'AISLE_INVALID_ARGUMENT',
      'window',
    ]);
    const r = new Revenue();
    const now = START;
    const field = (fn: () => unknown) => errorCode(fn)?.[1];
    expect(field(() => r.revenue({ window: '31d' }, now))).toBe('window');
    expect(field(() => r.revenue({ window: 'soon' }, now))).toBe('window');
    expect(field(() => r.revenue({ window: 0 }, now))).toBe('window');
    expect(field(() => r.revenue({ window: '1h', item: 1, category: 1 }, now))).toBe('item');
    expect(field(() => r.revenue({ window: '1h', item: 1.5 }, now))).toBe('item');
    expect(field(() => r.revenue({ window: '1h', category: 0 }, now))).toBe('category');
    expect(field(() => r.revenue({ window: '1h' }, Number.NaN))).toBe('now');
    expect(field(() => r.revenue(null as unknown as RevenueQuery, now))).toBe('query');
    expect(field(() => r.series({ window: '1h', step: 'often' }, now))).toBe('step');
    expect(field(() => r.series({ window: '1h', step: '2h' }, now))).toBe('step');
    expect(field(() => r.series({ window: '1d', step: '7m' }, now))).toBe('step');
    expect(field(() => r.series({ window: '1d', step: '1s' }, now))).toBe('step');
    expect(field(() => r.series({ window: '31d', step: '1d' }, now))).toBe('window');
    const h = new Harness();
    h.feed([buy(START + 5 * DAY, 'a', 'o1', 1, 1)]);
    // A day-long window ending two days back starts before the minute tier's last day.
    expect(field(() => h.revenue.revenue({ window: '1d' }, START + 3 * DAY))).toBe('now');

    const state = h.revenue.exportState();
    const restore = (s: unknown, opts: RevenueOptions = {}) =>
      errorCode(() => Revenue.fromState(opts, s as RevenueState));
    expect(restore({ ...state, tiers: state.tiers.slice(1) })).toEqual([
      'AISLE_SNAPSHOT',
      'revenue: tiers differ from the options',
    ]);
    expect(restore({ ...state, late: -1 })).toEqual([
      'AISLE_SNAPSHOT',
      'revenue: newest or counters',
    ]);
    const orders = { ...state.orders, at: state.orders.at.map((t) => t - 2 * DAY) };
    expect(restore({ ...state, orders })?.[0]).toBe('AISLE_SNAPSHOT');
    const tier = state.tiers[0]!;
    const short = { ...tier.items, counts: tier.items.counts.subarray(1) };
    expect(restore({ ...state, tiers: [{ ...tier, items: short }, state.tiers[1]] })?.[0]).toBe(
      'AISLE_SNAPSHOT',
    );
  });
});
