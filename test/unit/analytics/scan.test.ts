import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  groupByWindow,
  groupByWindowJs,
  type GroupRow,
  type WindowQuery,
} from '../../../engine/analytics/scan.js';
import { isAisleError } from '../../../engine/errors.js';
import { EVENT_TYPES, type EventType, type RetailEvent } from '../../../engine/events.js';
import { EventStore } from '../../../engine/store/index.js';
import { loadKernels, type Kernels } from '../../../engine/wasm/index.js';
import { rng } from '../../../bench/harness.js';

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;
const CATEGORIES = ['shoes', 'bags', 'hats', 'coats'];
const FC = { numRuns: 150, interruptAfterTimeLimit: process.env['CI'] ? 60_000 : 10_000 };

interface Case {
  seed: number;
  n: number;
  more: number;
  chunkRows: number;
  by: WindowQuery['by'];
  from: 'open' | 'edge' | 'hour' | 'fraction';
  to: 'open' | 'edge' | 'hour' | 'fraction';
  types: EventType[] | undefined;
  top: number | undefined;
  evict: boolean;
  /** Share of the item dictionary the category table reaches (newer items have none). */
  reach: number;
}

const endArb = fc.constantFrom('open', 'edge', 'hour', 'fraction') as fc.Arbitrary<Case['from']>;
const caseArb: fc.Arbitrary<Case> = fc.record({
  seed: fc.nat(),
  n: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 600 })),
  more: fc.integer({ min: 0, max: 200 }),
  chunkRows: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 9, max: 200 })),
  by: fc.constantFrom('item', 'user', 'category') as fc.Arbitrary<WindowQuery['by']>,
  from: endArb,
  to: endArb,
  types: fc.option(fc.uniqueArray(fc.constantFrom(...EVENT_TYPES), { minLength: 1 }), {
    nil: undefined,
  }),
  top: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
  evict: fc.boolean(),
  reach: fc.double({ min: 0, max: 1.2, noNaN: true }),
});

/**
 * A stream over about a day, mostly in time order with some late events, of every event type;
 * a few items and users so that groups collect several events.
 */
function stream(next: () => number, n: number, start: number): RetailEvent[] {
  const out: RetailEvent[] = [];
  let t = start;
  for (let i = 0; i < n; i++) {
    t += Math.floor(next() * 4 * 60_000);
    const ts = next() < 0.1 ? t - Math.floor(next() * 2 * HOUR) : t;
    const item = `sku-${Math.floor(next() * 30)}`;
    const who = next() < 0.15 ? {} : { user: `u-${Math.floor(next() * 20)}` };
    const category = next() < 0.3 ? { category: CATEGORIES[Math.floor(next() * 4)]! } : {};
    const quantity = 1 + Math.floor(next() * 4);
    const price = Math.round(next() * 20_000) / 100;
    const r = next();
    if (r < 0.4) out.push({ type: 'view', ts, item, ...who, ...category });
    else if (r < 0.55) out.push({ type: 'add_to_cart', ts, item, quantity, ...who });
    else if (r < 0.6) out.push({ type: 'remove_from_cart', ts, item, quantity, ...who });
    else if (r < 0.8)
      out.push({ type: 'purchase', ts, item, quantity, price, order: `o-${i}`, ...who });
    else if (r < 0.88) out.push({ type: 'search', ts, query: 'red shoes', ...who });
    else if (r < 0.95)
      out.push({ type: 'inventory', ts, item, op: 'receive', quantity: 5 - quantity });
    else out.push({ type: 'price_change', ts, item, price, ...category });
  }
  return out;
}

/** The events the store still holds: appended in order, whole sealed chunks evicted. */
function held(events: RetailEvent[], chunkRows: number, cutoff: number): RetailEvent[] {
  const sealed = Math.floor(events.length / chunkRows) * chunkRows;
  const out: RetailEvent[] = [];
  for (let at = 0; at < events.length; at += chunkRows) {
    const chunk = events.slice(at, at + chunkRows);
    if (at < sealed && Math.max(...chunk.map((e) => e.ts)) < cutoff) continue;
    out.push(...chunk);
  }
  return out;
}

/** The answer worked out event by event from the raw events. */
function bruteForce(store: EventStore, events: RetailEvent[], q: WindowQuery): GroupRow[] {
  const types = new Set<string>(q.types ?? EVENT_TYPES);
  const groups = new Map<number, GroupRow>();
  const dict = store.dicts[q.by];
  for (const e of events) {
    if (!types.has(e.type) || e.ts < q.from || e.ts >= q.to) continue;
    const item = 'item' in e ? store.dicts.item.lookup(e.item)! : 0;
    let id: number;
    if (q.by === 'item') id = item;
    else if (q.by === 'user')
      id = 'user' in e && e.user !== undefined ? store.dicts.user.lookup(e.user)! : 0;
    else id = q.categoryOf![item] ?? 0;
    if (id === 0) continue;
    let g = groups.get(id);
    if (g === undefined)
      groups.set(id, (g = { key: dict.value(id)!, events: 0, units: 0, revenue: 0 }));
    const quantity = 'quantity' in e ? e.quantity : 0;
    const price = e.type === 'purchase' || e.type === 'price_change' ? Math.fround(e.price) : 0;
    g.events++;
    g.units += quantity;
    g.revenue += quantity * price;
  }
  const ranked = [...groups.entries()].sort(
    ([a, x], [b, y]) => y.revenue - x.revenue || y.events - x.events || a - b,
  );
  return ranked.map(([, g]) => g).slice(0, q.top ?? Infinity);
}

function end(kind: Case['from'], open: number, events: RetailEvent[], next: () => number): number {
  if (kind === 'open') return open;
  if (kind === 'edge' && events.length > 0) return events[Math.floor(next() * events.length)]!.ts;
  if (kind === 'fraction') return T0 + next() * 30 * HOUR;
  return T0 + Math.floor(next() * 30) * HOUR;
}

describe.each([true, false])('groupByWindow (simd %s)', (simd) => {
  let kernels: Kernels;
  beforeAll(async () => {
    kernels = await loadKernels({ simd });
  });

  it('equals a brute force over the raw events, in WASM and in plain TypeScript', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const next = rng(c.seed);
        const first = stream(next, c.n, T0);
        const last = first.length > 0 ? first[first.length - 1]!.ts : T0;
        const later = stream(next, c.more, last);
        const store = new EventStore({ chunkRows: c.chunkRows, retentionMs: 6 * HOUR });
        let events: RetailEvent[] = [];
        const ask = (): void => {
          const a = end(c.from, -Infinity, events, next);
          const b = end(c.to, Infinity, events, next);
          const [from, to] = a <= b ? [a, b] : [b, a];
          const categoryOf = Uint32Array.from(
            { length: Math.floor(c.reach * (store.dicts.item.size + 1)) },
            () => Math.floor(next() * (store.dicts.category.size + 1)),
          );
          const q: WindowQuery = {
            by: c.by,
            from,
            to,
            ...(c.types !== undefined && { types: c.types }),
            ...(c.top !== undefined && { top: c.top }),
            ...(c.by === 'category' && { categoryOf }),
          };
          const want = bruteForce(store, events, q);
          expect(groupByWindow(store, kernels, q)).toEqual(want);
          expect(groupByWindowJs(store, q)).toEqual(want);
        };
        // Sealed chunks remember their time range: asking, appending and asking again checks it.
        store.append(first);
        events = first;
        ask();
        store.append(later);
        events = [...first, ...later];
        if (c.evict && events.length > 0) {
          const now = Math.max(...events.map((e) => e.ts));
          store.evict(now);
          events = held(events, c.chunkRows, now - 6 * HOUR);
          expect(store.length).toBe(events.length);
        }
        ask();
      }),
      FC,
    );
  });

  it('skips chunks outside the window and still counts edges exactly', () => {
    const store = new EventStore({ chunkRows: 10 });
    const events: RetailEvent[] = Array.from({ length: 95 }, (_, i) => ({
      type: 'purchase',
      ts: T0 + i * 1000,
      item: `sku-${i % 3}`,
      order: `o-${i}`,
      quantity: 1,
      price: 2.5,
    }));
    store.append(events);
    const q: WindowQuery = { by: 'item', from: T0 + 20_000, to: T0 + 30_000, types: ['purchase'] };
    const rows = groupByWindow(store, kernels, q);
    expect(rows.reduce((a, r) => a + r.events, 0)).toBe(10);
    expect(rows).toEqual(bruteForce(store, events, q));
    // A fractional end selects the whole ms above it: [T0 + 19 999.5, T0 + 20 000.5) holds one row.
    const one = groupByWindow(store, kernels, { ...q, from: T0 + 19_999.5, to: T0 + 20_000.5 });
    expect(one).toEqual([{ key: 'sku-2', events: 1, units: 1, revenue: 2.5 }]);
  });
});

describe('groupByWindow query checks', () => {
  let kernels: Kernels;
  const store = new EventStore();
  beforeAll(async () => {
    kernels = await loadKernels();
    store.append([{ type: 'view', ts: T0, item: 'sku-1', category: 'shoes' }]);
  });

  const base: WindowQuery = { by: 'item', from: T0, to: T0 + HOUR };
  it.each([
    [{ ...base, by: 'shop' }, 'by'],
    [{ ...base, from: Number.NaN }, 'from'],
    [{ ...base, to: '1h' }, 'to'],
    [{ ...base, to: T0 - 1 }, 'to'],
    [{ ...base, types: [] }, 'types'],
    [{ ...base, types: ['view', 'click'] }, 'types[1]'],
    [{ ...base, top: 0 }, 'top'],
    [{ ...base, top: 2.5 }, 'top'],
    [{ ...base, by: 'category' }, 'categoryOf'],
    [{ ...base, by: 'category', categoryOf: [0, 1] }, 'categoryOf'],
    [{ ...base, by: 'category', categoryOf: Uint32Array.of(0, 2) }, 'categoryOf[1]'],
    [{ ...base, categoryOf: Uint32Array.of(0, 1) }, 'categoryOf'],
  ])('refuses %o naming %s', (q, field) => {
    for (const run of [
      () => groupByWindow(store, kernels, q as WindowQuery),
      () => groupByWindowJs(store, q as WindowQuery),
    ]) {
      try {
        run();
        expect.unreachable('the query was accepted');
      } catch (err) {
        expect(isAisleError(err) && err.code).toBe('AISLE_INVALID_ARGUMENT');
        expect(isAisleError(err) && err.details).toEqual({ field });
      }
    }
  });

  it('answers an empty store and an empty window with no rows', () => {
    expect(groupByWindow(new EventStore(), kernels, base)).toEqual([]);
    expect(groupByWindow(store, kernels, { ...base, to: T0 })).toEqual([]);
  });
});
