import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  PriceHistory,
  itemElasticity,
  itemMarkdown,
  type PriceHistoryOptions,
} from '../../../engine/analytics/price/index.js';
import { isAisleError } from '../../../engine/errors.js';
import type { RetailEvent } from '../../../engine/events.js';
import { EventStore } from '../../../engine/store/index.js';
import { GONE, picked, renamed } from './renamed-twin.js';
import { compactStore, dropping, identity, inBatches, throughBytes } from './support.js';

const T0 = Date.UTC(2024, 0, 1);
const HOUR = 3_600_000;
const BATCH = 9;
const ITEMS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const NEW_ITEMS = ['n1', 'n2'];
const PRICES = [1.5, 2, 2.55, 3, 4.1];
// A short window and few change points, so periods leave the window and rings wrap.
const OPTIONS: Partial<PriceHistoryOptions> = { maxPeriods: 12, maxChanges: 3 };

class Harness {
  constructor(
    readonly history = new PriceHistory(OPTIONS),
    readonly store = new EventStore(),
  ) {}

  feedAll(events: readonly RetailEvent[]): void {
    inBatches(events, BATCH, (b) => this.history.ingest(this.store.append(b)));
  }

  /** Every answer, items by name; `skip` leaves out the twin's renamed items. */
  answers(items: readonly string[], skip = false) {
    const h = this.history;
    const dict = this.store.dicts.item;
    const per: Record<string, unknown> = {};
    for (const s of items) {
      const id = dict.lookup(s);
      if (id === undefined) continue;
      per[s] = {
        changes: h.changes(id),
        periods: h.periods(id),
        gaps: h.periods(id, { gaps: true }),
        velocity: h.velocity(id, 5),
        list: h.listPrice(id),
        sale: h.lastSalePrice(id),
        current: h.currentPrice(id),
        elasticity: itemElasticity(h, id),
        markdown: itemMarkdown(h, id, { stock: 40, targetDays: 10 }),
      };
    }
    const latest = h.latestPeriod;
    const open: number[] = [];
    if (latest !== undefined)
      for (let p = latest - 20; p <= latest; p++) if (h.isOpen(p)) open.push(p);
    const names = h.items().map((id) => dict.value(id)!);
    const listed = names.filter((s) => !(skip && s.endsWith(GONE)));
    return {
      per,
      items: listed,
      itemCount: skip ? listed.length : h.itemCount,
      latest,
      open,
      ignored: h.ignored,
      expired: h.expired,
    };
  }
}

interface Step {
  sale: boolean;
  item: number;
  price: number;
  quantity: number;
  gap: number;
  late: boolean;
}

const step: fc.Arbitrary<Step> = fc.record({
  sale: fc.boolean(),
  item: fc.nat(ITEMS.length + NEW_ITEMS.length - 1),
  price: fc.nat(PRICES.length - 1),
  quantity: fc.integer({ min: 1, max: 4 }),
  gap: fc.integer({ min: 0, max: 20 * HOUR }),
  late: fc.boolean(),
});

function toEvents(steps: readonly Step[], pool: readonly string[], t0: number): RetailEvent[] {
  let ts = t0;
  return steps.map((s, i) => {
    ts += s.gap;
    // Some events arrive late, a few days behind the stream, some beyond the window.
    const at = s.late && s.gap % 5 === 0 ? ts - (s.gap % 17) * DAY_MS : ts;
    const item = pool[s.item % pool.length]!;
    const price = PRICES[s.price]!;
    if (!s.sale) return { type: 'price_change', ts: at, item, price };
    return {
      type: 'purchase',
      ts: at,
      item,
      order: `o${t0}-${i}`,
      quantity: s.quantity,
      price,
    };
  });
}

describe('PriceHistory.remap', () => {
  it('keeps kept items exactly, forgets dropped ones, and agrees with a twin afterwards', () => {
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 10, maxLength: 120 }),
        fc.array(step, { minLength: 5, maxLength: 40 }),
        fc.array(fc.boolean(), { minLength: ITEMS.length, maxLength: ITEMS.length }),
        (before, after, mask) => {
          const dropped = picked(ITEMS, mask);
          const past = toEvents(before, ITEMS, T0);
          const t1 = Math.max(...past.map((e) => e.ts)) + HOUR;
          const later = toEvents(after, [...ITEMS, ...NEW_ITEMS], t1);
          const kept = ITEMS.filter((s) => !dropped.has(s));

          const model = new Harness();
          model.feedAll(past);
          const old = model.answers(kept);
          const heldBefore = model.history.items().length;
          const { map, size } = dropping(model.store.dicts.item, dropped);
          model.history.remap('item', map, size);
          compactStore(model.store, 'item', map);

          // (a) Kept items answer as before; (f) the stream's clock, counters and open periods
          // stay, a dropped item's sales keeping their periods open.
          const now = model.answers(kept);
          const items = old.items.filter((s) => !dropped.has(s));
          expect(now).toEqual({
            ...old,
            items,
            itemCount: heldBefore - (old.items.length - items.length),
          });
          expect(now.itemCount).toBe(now.items.length);
          // (b) A dropped item has no history: the id it would get back knows nothing.
          for (let k = 1; k <= dropped.size; k++) {
            const h = model.history;
            expect(h.changes(size + k)).toEqual([]);
            expect(h.periods(size + k, { gaps: true })).toEqual([]);
            expect(h.velocity(size + k)).toBeUndefined();
            expect(h.currentPrice(size + k)).toBeUndefined();
            expect(itemElasticity(h, size + k)).toEqual(itemElasticity(new PriceHistory(), 1));
          }
          expect(Math.max(0, ...model.history.items())).toBeLessThanOrEqual(size);
          // (d) A snapshot after the remap restores to the same answers.
          const state = throughBytes(model.history.exportState());
          const back = new Harness(PriceHistory.fromState(OPTIONS, state), model.store);
          expect(back.answers(kept)).toEqual(now);

          // (e) Later events agree with a twin that saw the dropped items' past under other names.
          const twin = new Harness();
          twin.feedAll(renamed(past, dropped));
          model.feedAll(later);
          twin.feedAll(later);
          const all = [...ITEMS, ...NEW_ITEMS];
          expect(model.answers(all)).toEqual(twin.answers(all, true));
        },
      ),
      { seed: 424242, numRuns: 80 },
    );
  });

  it('changes nothing when it drops nothing, or only an id it never held', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 10, maxLength: 80 }), (before) => {
        const model = new Harness();
        const past = toEvents(before, ITEMS, T0);
        model.feedAll(past);
        // The newest item id had only a view: the history holds nothing of it.
        model.history.ingest(
          model.store.append([{ type: 'view', ts: past[0]!.ts, user: 'u', item: 'viewed' }]),
        );
        const state = model.history.exportState();
        const old = model.answers(ITEMS);
        const same = identity(model.store.dicts.item.size);
        model.history.remap('item', same.map, same.size);
        expect(model.history.exportState()).toEqual(state);
        const { map, size } = dropping(model.store.dicts.item, new Set(['viewed']));
        model.history.remap('item', map, size);
        expect(model.history.exportState()).toEqual(state);
        expect(model.answers(ITEMS)).toEqual(old);
        for (const kind of ['user', 'session', 'order', 'query'] as const) {
          model.history.remap(kind, new Uint32Array([0, 0, 1]), 1);
        }
        expect(model.history.exportState()).toEqual(state);
      }),
      { seed: 99, numRuns: 30 },
    );
  });

  it('drops an item mid-stream: it comes back with no past, the others keep theirs', () => {
    const model = new Harness();
    const buy = (day: number, item: string, price: number): RetailEvent => ({
      type: 'purchase',
      ts: T0 + day * DAY_MS,
      item,
      order: `${day}${item}`,
      quantity: 2,
      price,
    });
    model.feedAll([
      { type: 'price_change', ts: T0, item: 'a', price: 3 },
      { type: 'price_change', ts: T0, item: 'b', price: 5 },
      buy(1, 'a', 3),
      buy(2, 'b', 5),
      buy(3, 'a', 2.5),
    ]);
    const { map, size } = dropping(model.store.dicts.item, new Set(['a']));
    model.history.remap('item', map, size);
    compactStore(model.store, 'item', map);
    expect(size).toBe(1);
    expect(model.history.itemCount).toBe(1);
    expect(model.history.listPrice(1)).toBe(5);
    expect(model.history.periods(1).map((p) => p.units)).toEqual([0, 2]);
    // Day 1 and 3 stay open for the shop: a's sales happened.
    expect(model.history.isOpen(Math.floor(T0 / DAY_MS) + 1)).toBe(true);

    model.feedAll([buy(4, 'a', 2.5)]);
    const a = model.store.dicts.item.lookup('a')!;
    expect(a).toBe(2);
    expect(model.history.listPrice(a)).toBeUndefined();
    expect(model.history.changes(a)).toEqual([{ ts: T0 + 4 * DAY_MS, price: 2.5, source: 'sale' }]);
    expect(model.history.periods(a).map((p) => p.units)).toEqual([2]);
  });

  it('refuses a map that is not a retention map', () => {
    const model = new Harness();
    model.feedAll([{ type: 'price_change', ts: T0, item: 'a', price: 3 }]);
    let err: unknown;
    try {
      model.history.remap('item', new Uint32Array([0, 2]), 2);
    } catch (e) {
      err = e;
    }
    expect(isAisleError(err) && err.code).toBe('AISLE_INVALID_ARGUMENT');
    expect(model.history.listPrice(1)).toBe(3);
  });
});
