import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Funnels,
  type FunnelOptions,
  type FunnelQuery,
  type FunnelResult,
} from '../../../engine/analytics/funnel.js';
import { BucketRings, formatWindow, parseWindow } from '../../../engine/analytics/windows.js';
import { CategoryIndex } from '../../../engine/category-index.js';
import { isAisleError } from '../../../engine/errors.js';
import type { RetailEvent } from '../../../engine/events.js';
import { EventStore } from '../../../engine/store/index.js';
import { createSimulator, Rng } from '../../../src/sim/index.js';
import { CategorisedLog } from './support.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 1);
const STEP_TYPES = { view: 'views', add_to_cart: 'carts', purchase: 'purchases' } as const;

/** A store, the category index the engine would keep beside it, and funnels fed from both. */
class Harness extends CategorisedLog {
  readonly funnels: Funnels;

  constructor(options: FunnelOptions = {}) {
    super();
    this.funnels = new Funnels({ ...options, categoryOf: (i) => this.categories.categoryOf(i) });
  }

  feed(events: readonly RetailEvent[], into: Funnels = this.funnels): void {
    if (events.length === 0) return;
    into.ingest(this.append(events));
  }

  itemId(item: string): number {
    return this.store.dicts.item.lookup(item)!;
  }

  categoryId(category: string): number {
    return this.store.dicts.category.lookup(category)!;
  }

  /** Counts over the raw events in [from, to) for the same scope: the reference answer. */
  brute(
    result: FunnelResult,
    scope: { item?: string; category?: string },
  ): Pick<FunnelResult, 'views' | 'carts' | 'purchases'> & {
    users: { views: number; carts: number; purchases: number };
  } {
    const out = { views: 0, carts: 0, purchases: 0 };
    const users = {
      views: new Set<string>(),
      carts: new Set<string>(),
      purchases: new Set<string>(),
    };
    // The category an item was first seen with is its category, as in the index.
    const categoryOf = new Map<string, string>();
    for (const e of this.events) {
      if ('item' in e && 'category' in e && e.category !== undefined && !categoryOf.has(e.item)) {
        categoryOf.set(e.item, e.category);
      }
    }
    for (const e of this.events) {
      if (e.type !== 'view' && e.type !== 'add_to_cart' && e.type !== 'purchase') continue;
      if (e.ts < result.from || e.ts >= result.to) continue;
      if (scope.item !== undefined && e.item !== scope.item) continue;
      if (scope.category !== undefined && categoryOf.get(e.item) !== scope.category) continue;
      const step = STEP_TYPES[e.type];
      out[step]++;
      if (e.user !== undefined) users[step].add(e.user);
    }
    return {
      ...out,
      users: { views: users.views.size, carts: users.carts.size, purchases: users.purchases.size },
    };
  }
}

interface RawEvent {
  offset: number;
  kind: number;
  item: number;
  user: number;
}

/** Event kinds 0..4: view, add_to_cart, purchase, remove_from_cart, search (not steps). */
function toEvent(r: RawEvent, base: number): RetailEvent {
  const ts = base + r.offset;
  // Items 0..8 sit in three categories; 9..11 have none.
  const shopper = {
    ts,
    ...(r.user > 0 && { user: `u${r.user}` }),
    ...(r.item < 9 && { category: `c${r.item % 3}` }),
  };
  const item = `i${r.item}`;
  switch (r.kind) {
    case 0:
      return { type: 'view', ...shopper, item };
    case 1:
      return { type: 'add_to_cart', ...shopper, item, quantity: 1 };
    case 2:
      return { type: 'purchase', ...shopper, item, order: `o${ts}`, quantity: 2, price: 5 };
    case 3:
      return { type: 'remove_from_cart', ...shopper, item, quantity: 1 };
    default:
      return { type: 'search', ts, query: 'shoes', ...(r.user > 0 && { user: `u${r.user}` }) };
  }
}

function expectMatches(
  h: Harness,
  query: FunnelQuery,
  now: number,
  scope: {
    item?: string;
    category?: string;
  },
): FunnelResult {
  const got = h.funnels.funnel(query, now);
  const want = h.brute(got, scope);
  expect({ views: got.views, carts: got.carts, purchases: got.purchases }).toEqual({
    views: want.views,
    carts: want.carts,
    purchases: want.purchases,
  });
  if (got.users !== null) expect(got.users).toEqual(want.users);
  return got;
}

describe('parseWindow', () => {
  it('reads durations in ms, s, m, h, d and w, and plain milliseconds', () => {
    expect(parseWindow('15m')).toBe(15 * MIN);
    expect(parseWindow('1h')).toBe(HOUR);
    expect(parseWindow('7d')).toBe(7 * DAY);
    expect(parseWindow('1.5h')).toBe(90 * MIN);
    expect(parseWindow('2w')).toBe(14 * DAY);
    expect(parseWindow('250ms')).toBe(250);
    expect(parseWindow(' 90s ')).toBe(90_000);
    expect(parseWindow(60_000)).toBe(MIN);
    expect(formatWindow(90 * MIN)).toBe('90m');
    expect(formatWindow(7 * DAY)).toBe('1w');
  });

  it('rejects anything else with an error naming the value and the field', () => {
    for (const bad of ['', '15', 'm', '15x', '-1h', '0m', '1e3s', '0.5ms', 0, -5, 1.5, NaN]) {
      let caught: unknown;
      try {
        parseWindow(bad as string, 'since');
      } catch (err) {
        caught = err;
      }
      expect(isAisleError(caught)).toBe(true);
      const err = caught as { code: string; message: string; details: Record<string, unknown> };
      expect(err.code).toBe('AISLE_INVALID_ARGUMENT');
      expect(err.details.field).toBe('since');
      expect(err.message).toContain(typeof bad === 'string' ? `"${bad}"` : String(bad));
    }
  });
});

describe('BucketRings', () => {
  it('keeps exactly the counts of the newest buckets per key, through growth and compaction', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 24 }),
        fc.array(
          fc.record({
            key: fc.integer({ min: 0, max: 400 }),
            // Mostly at or just past the head, sometimes well behind it.
            step: fc.oneof(fc.constant(0), fc.constant(1), fc.integer({ min: -40, max: 3 })),
            channel: fc.integer({ min: 0, max: 1 }),
            undo: fc.boolean(),
          }),
          { minLength: 1, maxLength: 1500 },
        ),
        (slots, ops) => {
          let rings = new BucketRings(1000, slots, 2);
          const model = new Map<number, Map<number, number[]>>();
          let head = -1;
          let clock = 100;
          ops.forEach((op, i) => {
            if (op.step > 0) clock += op.step;
            const bucket = Math.max(0, clock + Math.min(op.step, 0));
            const cell = model.get(op.key)?.get(bucket);
            // A decrement only ever follows an increment of the same bucket.
            const delta = op.undo && cell !== undefined && cell[op.channel]! > 0 ? -1 : 1;
            const kept = rings.add(op.key, bucket, op.channel, delta);
            expect(kept).toBe(bucket > head - slots);
            if (kept) {
              head = Math.max(head, bucket);
              let row = model.get(op.key);
              if (row === undefined) model.set(op.key, (row = new Map()));
              const counts = row.get(bucket) ?? [0, 0];
              counts[op.channel]! += delta;
              row.set(bucket, counts);
            }
            if (i % 500 === 499) rings = BucketRings.fromState(1000, slots, 2, rings.exportState());
          });
          expect(rings.head).toBe(head);
          for (const [key, row] of model) {
            for (const from of [head - slots + 1, head - 3, head]) {
              const got = new Float64Array(2);
              rings.sumInto(key, from, head, got);
              const want = [0, 0];
              for (const [b, counts] of row) {
                if (b < from || b <= head - slots) continue;
                want[0]! += counts[0]!;
                want[1]! += counts[1]!;
              }
              expect(Array.from(got)).toEqual(want);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('BucketRings pool', () => {
  it('reclaims the blocks rings leave behind when they grow', () => {
    // 300 keys with a bucket each step: every ring doubles from 4 to 128 entries.
    const slots = 100;
    const rings = new BucketRings(1000, slots, 3);
    for (let b = 0; b < 400; b++) {
      for (let key = 0; key < 300; key++) rings.add(key, b, key % 3, 1 + (key % 2));
    }
    for (const key of [0, 1, 150, 299]) {
      const got = new Float64Array(3);
      rings.sumInto(key, 400 - slots, 399, got);
      const want = [0, 0, 0];
      want[key % 3] = slots * (1 + (key % 2));
      expect(Array.from(got)).toEqual(want);
    }
    // Live: 300 rings of 128 entries of 4 u32. Without reclaiming, the blocks each ring left
    // behind (4 + 8 + … + 64) would nearly double that, before the pool's doubling slack.
    const live = 300 * 128 * 4 * 4;
    expect(rings.bytes).toBeLessThanOrEqual(live * 2.6);
  });
});

describe('Funnels', () => {
  it('counts a small stream per item, category and overall, with ratios and distinct users', () => {
    const h = new Harness();
    const t = START + 10 * HOUR;
    h.feed([
      { type: 'view', ts: t, item: 'a', category: 'shoes', user: 'u1' },
      { type: 'view', ts: t + 1000, item: 'a', category: 'shoes', user: 'u1' },
      { type: 'view', ts: t + 2000, item: 'b', category: 'shoes', user: 'u2' },
      { type: 'view', ts: t + 3000, item: 'c', category: 'hats' },
      { type: 'add_to_cart', ts: t + 4000, item: 'a', quantity: 3, user: 'u1' },
      { type: 'remove_from_cart', ts: t + 5000, item: 'a', quantity: 1, user: 'u1' },
      { type: 'purchase', ts: t + 6000, item: 'a', order: 'o1', quantity: 2, price: 9, user: 'u1' },
      { type: 'search', ts: t + 7000, query: 'red shoes', user: 'u3' },
    ]);
    const now = t + 10_000;
    const all = h.funnels.funnel({ window: '15m' }, now);
    expect(all).toMatchObject({
      window: 15 * MIN,
      resolution: MIN,
      from: Math.floor(now / MIN) * MIN - 14 * MIN,
      to: Math.floor(now / MIN) * MIN + MIN,
      views: 4,
      carts: 1,
      purchases: 1,
      viewToCart: 0.25,
      cartToPurchase: 1,
      viewToPurchase: 0.25,
      users: { views: 2, carts: 1, purchases: 1 },
    });
    const shoes = h.funnels.funnel({ window: '1h', category: h.categoryId('shoes') }, now);
    expect(shoes).toMatchObject({ views: 3, carts: 1, purchases: 1 });
    expect(shoes.users).toEqual({ views: 2, carts: 1, purchases: 1 });
    const hats = h.funnels.funnel({ window: '1h', category: h.categoryId('hats') }, now);
    expect(hats).toMatchObject({ views: 1, carts: 0, cartToPurchase: null, viewToCart: 0 });
    expect(hats.users).toEqual({ views: 0, carts: 0, purchases: 0 });
    const a = h.funnels.funnel({ window: '1d', item: h.itemId('a') }, now);
    expect(a).toMatchObject({ views: 2, carts: 1, purchases: 1, users: null });
    const unknown = h.funnels.funnel({ window: '1h', category: 999 }, now);
    expect(unknown).toMatchObject({ views: 0, viewToCart: null, viewToPurchase: null });
    // A week is answered by the hourly tier; the window is whole hours.
    const week = h.funnels.funnel({ window: '7d' }, now);
    expect(week).toMatchObject({
      resolution: HOUR,
      views: 4,
      to: Math.floor(now / HOUR) * HOUR + HOUR,
    });
    expect(week.to - week.from).toBe(7 * DAY);
    // Queried later, the events have left the 15-minute window but not the day.
    expect(h.funnels.funnel({ window: '15m' }, now + HOUR).views).toBe(0);
    expect(h.funnels.funnel({ window: '1d' }, now + HOUR).views).toBe(4);
  });

  it('equals a brute-force count over random out-of-order streams, at every scope', () => {
    let seriesChecked = 0;
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            // Mostly forward in time, with jitter up to 20 minutes back.
            gap: fc.integer({ min: 0, max: 20 * MIN }),
            back: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 20 * MIN })),
            kind: fc.integer({ min: 0, max: 4 }),
            item: fc.integer({ min: 0, max: 11 }),
            // A few regulars, or many one-off shoppers (so the last-seen table grows and expires).
            user: fc.oneof(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 3000 })),
          }),
          { minLength: 1, maxLength: 300 },
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
            behind: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 20 * MIN })),
            ahead: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3 * HOUR })),
            scope: fc.integer({ min: 0, max: 15 }),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        (steps, cuts, queries) => {
          // Small tiers so a few hours of stream wrap the rings and push buckets out.
          const h = new Harness({
            tiers: [
              { resolution: '1m', span: '45m' },
              { resolution: '10m', span: '12h' },
            ],
          });
          let clock = START + 7 * HOUR + 123;
          const raw: RawEvent[] = steps.map((s) => {
            clock += s.gap;
            return { offset: clock - START - s.back, kind: s.kind, item: s.item, user: s.user };
          });
          const events = raw.map((r) => toEvent(r, START));
          let at = 0;
          for (const cut of cuts) {
            h.feed(events.slice(at, at + cut));
            at += cut;
          }
          h.feed(events.slice(at));
          const newest = Math.max(...events.map((e) => e.ts));
          for (const q of queries) {
            const now = newest - q.behind + q.ahead;
            const scope =
              q.scope < 12
                ? { item: `i${q.scope}` }
                : q.scope < 15
                  ? { category: `c${q.scope - 12}` }
                  : {};
            const query: FunnelQuery = { window: q.window };
            if (scope.item !== undefined) {
              const id = h.itemId(scope.item);
              if (id === undefined) continue;
              query.item = id;
            } else if (scope.category !== undefined) {
              const id = h.categoryId(scope.category);
              if (id === undefined) continue;
              query.category = id;
            }
            let got: FunnelResult;
            try {
              got = expectMatches(h, query, now, scope);
            } catch (err) {
              // A window that starts before what its tier holds is refused, never answered wrong.
              if (isAisleError(err) && err.details?.field === 'now') {
                expect(q.behind).toBeGreaterThan(0);
                continue;
              }
              throw err;
            }
            const w = parseWindow(q.window);
            expect(got.to - got.from).toBe(Math.ceil(w / got.resolution) * got.resolution);
            expect(got.resolution).toBe(w <= 45 * MIN ? MIN : 10 * MIN);
            expect(got.from).toBeLessThanOrEqual(now);
            expect(got.to).toBeGreaterThan(now);
            // Distinct users come with every shop or category window that reaches the newest event.
            expect(got.users === null).toBe(scope.item !== undefined || got.to <= h.funnels.newest);
            // As a series: every point counts exactly its own [from, to).
            for (const step of ['1m', '10m', '30m']) {
              let series;
              try {
                series = h.funnels.series({ ...query, step }, now);
              } catch (err) {
                const field = isAisleError(err) ? err.details?.field : undefined;
                if (field === 'step' || field === 'now') continue;
                throw err;
              }
              seriesChecked++;
              expect(series.points).toHaveLength(Math.ceil(w / parseWindow(step)));
              expect(series.points.at(-1)!.to).toBeGreaterThan(now);
              expect(series.points[0]!.from).toBe(series.from);
              for (const p of series.points) {
                expect(p.to - p.from).toBe(parseWindow(step));
                const want = h.brute({ ...got, from: p.from, to: p.to }, scope);
                expect([p.views, p.carts, p.purchases]).toEqual([
                  want.views,
                  want.carts,
                  want.purchases,
                ]);
              }
            }
          }
        },
      ),
      { numRuns: 200 },
    );
    expect(seriesChecked).toBeGreaterThan(100);
  });

  it('counts distinct users exactly while their last-seen entries grow, expire and come back', () => {
    const h = new Harness({
      tiers: [
        { resolution: '1m', span: '10m' },
        { resolution: '10m', span: '2h' },
      ],
    });
    const rng = new Rng(7);
    const kinds = [0, 0, 0, 0, 1, 2];
    for (let minute = 0; minute < 8 * 60; minute++) {
      const raws: RawEvent[] = [];
      for (let k = 0; k < 12; k++) {
        raws.push({
          offset: minute * MIN + rng.int(MIN),
          kind: kinds[rng.int(kinds.length)]!,
          item: rng.int(12),
          user: rng.int(1500),
        });
      }
      h.feed(raws.map((r) => toEvent(r, START)));
      if (minute % 37 === 36) {
        const now = h.funnels.newest;
        for (const window of ['10m', '2h']) {
          expect(expectMatches(h, { window }, now, {}).users).not.toBeNull();
          expectMatches(h, { window, category: h.categoryId('c1') }, now, { category: 'c1' });
        }
      }
    }
  });

  it('drops an event older than the finest tier from it only, and counts it as late', () => {
    const h = new Harness();
    const now = START + 3 * DAY;
    h.feed([{ type: 'view', ts: now, item: 'a', user: 'u1' }]);
    h.feed([{ type: 'view', ts: now - 2 * DAY, item: 'a', user: 'u1' }]);
    expect(h.funnels.late).toBe(1);
    expect(h.funnels.funnel({ window: '1d' }, now).views).toBe(1);
    expect(h.funnels.funnel({ window: '3d' }, now).views).toBe(2);
    // The late event is older than the user's last one: they stay counted once, in the newer one.
    expect(h.funnels.funnel({ window: '3d' }, now).users).toEqual({
      views: 1,
      carts: 0,
      purchases: 0,
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
    const now = h.funnels.newest;
    expect(now - START).toBeGreaterThan(3 * DAY);
    expect(h.funnels.late).toBe(0);
    for (const window of ['15m', '1h', '1d', '2d']) {
      const scopes: { item?: string; category?: string }[] = [
        {},
        { category: 'cat-0' },
        { category: 'cat-3' },
        { item: 'sku-1' },
      ];
      for (const scope of scopes) {
        const query: FunnelQuery = { window };
        if (scope.item !== undefined) query.item = h.itemId(scope.item);
        if (scope.category !== undefined) query.category = h.categoryId(scope.category);
        const got = expectMatches(h, query, now, scope);
        if (scope.item === undefined) expect(got.users).not.toBeNull();
      }
    }
  });

  it('continues from a restored state exactly as it would have', () => {
    const sim = createSimulator({
      seed: 8,
      items: 200,
      categories: 5,
      users: 300,
      meanGapMs: 3000,
    });
    const store = new EventStore();
    const categories = new CategoryIndex();
    const categoryOf = (i: number) => categories.categoryOf(i);
    const live = new Funnels({ categoryOf });
    let copy: Funnels | undefined;
    for (let batch = 0; batch < 16; batch++) {
      const b = store.append(sim.next(4000));
      for (let i = 0; i < b.length; i++) {
        const cat = b.itemCategory[i]!;
        if (cat !== 0 && categories.categoryOf(b.item[i]!) === 0)
          categories.assign(b.item[i]!, cat);
      }
      live.ingest(b);
      copy?.ingest(b);
      if (batch === 7) copy = Funnels.fromState({ categoryOf }, live.exportState());
    }
    const now = live.newest;
    for (const window of ['5m', '1h', '6h', '1d', '3d', '30d']) {
      for (const scope of [{}, { category: 1 }, { category: 4 }, { item: 7 }, { item: 150 }]) {
        expect(copy!.funnel({ window, ...scope }, now)).toEqual(
          live.funnel({ window, ...scope }, now),
        );
      }
    }
    expect(copy!.exportState()).toEqual(live.exportState());
  });

  it('refuses bad options, queries and snapshots with errors naming the field', () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        if (isAisleError(err)) return [err.code, err.details?.field ?? err.details?.what];
        throw err;
      }
      return undefined;
    };
    expect(code(() => new Funnels({ tiers: [] }))).toEqual(['AISLE_INVALID_ARGUMENT', 'tiers']);
    expect(code(() => new Funnels({ tiers: [{ resolution: '1m', span: '90s' }] }))).toEqual([
      'AISLE_INVALID_ARGUMENT',
      'tiers[0].span',
    ]);
    expect(code(() => new Funnels({ tiers: [{ resolution: '10ms', span: '1s' }] }))).toEqual([
      'AISLE_INVALID_ARGUMENT',
      'tiers[0].resolution',
    ]);
    expect(
      code(
        () =>
          new Funnels({
            tiers: [
              { resolution: '1h', span: '1d' },
              { resolution: '1m', span: '7d' },
            ],
          }),
      ),
    ).toEqual(['AISLE_INVALID_ARGUMENT', 'tiers[1]']);
    expect(code(() => new Funnels({ tiers: [{ resolution: '1x', span: '1d' }] }))).toEqual([
      'AISLE_INVALID_ARGUMENT',
      'tiers[0].resolution',
    ]);
    expect(code(() => new Funnels({ distinctUsers: 'yes' as unknown as boolean }))).toEqual([
      'AISLE_INVALID_ARGUMENT',
      'distinctUsers',
    ]);
    expect(code(() => new Funnels({ window: '1h' } as unknown as FunnelOptions))).toEqual([
      'AISLE_INVALID_ARGUMENT',
      'window',
    ]);
    const f = new Funnels();
    const now = START;
    expect(code(() => f.funnel({ window: '31d' }, now))).toEqual([
      'AISLE_INVALID_ARGUMENT',
      'window',
    ]);
    expect(code(() => f.funnel({ window: 'soon' }, now))).toEqual([
      'AISLE_INVALID_ARGUMENT',
      'window',
    ]);
    expect(code(() => f.funnel({ window: '1h', item: 1, category: 1 }, now))).toEqual([
      'AISLE_INVALID_ARGUMENT',
      'item',
    ]);
    expect(code(() => f.funnel({ window: '1h', category: 0 }, now))).toEqual([
      'AISLE_INVALID_ARGUMENT',
      'category',
    ]);
    expect(code(() => f.funnel({ window: '1h' }, Number.NaN))).toEqual([
      'AISLE_INVALID_ARGUMENT',
      'now',
    ]);
    const h = new Harness();
    h.feed([{ type: 'view', ts: START + 5 * DAY, item: 'a', user: 'u' }]);
    // A day-long window ending two days back starts before the minute tier's last day.
    expect(code(() => h.funnels.funnel({ window: '1d' }, START + 3 * DAY))).toEqual([
      'AISLE_INVALID_ARGUMENT',
      'now',
    ]);

    const state = h.funnels.exportState();
    const restore = (s: unknown, opts: FunnelOptions = {}) =>
      code(() => Funnels.fromState(opts, s as typeof state));
    expect(restore({ ...state, tiers: state.tiers.slice(1) })).toEqual([
      'AISLE_SNAPSHOT',
      'funnel: tiers differ from the options',
    ]);
    const tier = state.tiers[0]!;
    const shifted = { ...tier.items, buckets: tier.items.buckets.map((b) => b + 10) };
    expect(restore({ ...state, tiers: [{ ...tier, items: shifted }, state.tiers[1]] })?.[0]).toBe(
      'AISLE_SNAPSHOT',
    );
    const short = { ...tier.scopes, counts: tier.scopes.counts.subarray(1) };
    expect(restore({ ...state, tiers: [{ ...tier, scopes: short }, state.tiers[1]] })?.[0]).toBe(
      'AISLE_SNAPSHOT',
    );
    expect(restore({ ...state, users: null })?.[0]).toBe('AISLE_SNAPSHOT');
    expect(restore(state, { distinctUsers: false })?.[0]).toBe('AISLE_SNAPSHOT');
    expect(restore(state)).toBeUndefined();
  });
});
