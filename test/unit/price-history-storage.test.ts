/**
 * The price history's shared-slab storage (engine/analytics/price/series-store.ts): where an
 * item's slots lie in the slabs (allocation order, rebuilds, remaps) must never show in an
 * answer, and an item with a short history must cost little, counted honestly.
 */
import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  PriceHistory,
  type PriceHistoryOptions,
} from '../../engine/analytics/price/index.js';
import { EVENT_TYPE_CODE } from '../../engine/events.js';
import { estimateBytes } from '../../engine/memory.js';
import { allocateBatch } from '../../engine/store/encode.js';
import type { EncodedBatch } from '../../engine/store/index.js';
import { lcg } from './remap/support.js';

const T0 = Date.UTC(2024, 0, 1);
const PRICES = [1.5, 2, 2.55, 3, 4.1, 0.99];

/** [type, item, ts, price, quantity] */
type Row = [number, number, number, number, number];

function batch(rows: readonly Row[]): EncodedBatch {
  const b = allocateBatch(rows.length);
  rows.forEach(([type, item, ts, price, quantity], i) => {
    b.type[i] = type;
    b.item[i] = item;
    b.ts[i] = ts;
    b.price[i] = price;
    b.quantity[i] = quantity;
  });
  return b;
}

/** A seeded stream over items 1..`items`: purchases and price changes, some late. */
function stream(seed: number, items: number, rows: number): Row[] {
  const next = lcg(seed);
  const r = (n: number) => Math.floor(next() * n);
  const out: Row[] = [];
  let t = T0;
  for (let i = 0; i < rows; i++) {
    t += r(DAY_MS / 8);
    const late = next() < 0.1 ? r(DAY_MS * 6) : 0;
    const item = 1 + Math.floor(next() * next() * items);
    const price = next() < 0.8 ? PRICES[r(PRICES.length)]! : 0.01 + r(5000) / 100;
    out.push(
      next() < 0.2
        ? [EVENT_TYPE_CODE.price_change, item, t - late, price, 0]
        : [EVENT_TYPE_CODE.purchase, item, t - late, price, 1 + r(4)],
    );
  }
  return out;
}

function answers(h: PriceHistory, item: number) {
  return {
    changes: h.changes(item),
    periods: h.periods(item),
    gaps: h.periods(item, { gaps: true }),
    velocity: h.velocity(item, 7),
    list: h.listPrice(item),
    sale: h.lastSalePrice(item),
  };
}

function feed(h: PriceHistory, rows: readonly Row[], size: number): void {
  for (let i = 0; i < rows.length; i += size) h.ingest(batch(rows.slice(i, i + size)));
}

const CASES: { name: string; options: Partial<PriceHistoryOptions> }[] = [
  { name: 'defaults', options: {} },
  { name: 'short window, few change points', options: { maxPeriods: 5, maxChanges: 3 } },
  { name: 'hourly periods', options: { periodMs: 3_600_000, maxPeriods: 48, maxChanges: 8 } },
];

describe('price history storage', () => {
  for (const { name, options } of CASES) {
    it(`answers the same whatever the ids' order in the slabs (${name})`, () => {
      const items = 400;
      const rows = stream(7, items, 6000);
      // Reversed ids: blocks are carved, moved and packed in another order.
      const rev = (id: number) => items + 1 - id;
      const a = new PriceHistory(options);
      const b = new PriceHistory(options);
      feed(a, rows, 97);
      feed(
        b,
        rows.map(([t, item, ts, p, q]): Row => [t, rev(item), ts, p, q]),
        31,
      );
      expect(b.itemCount).toBe(a.itemCount);
      for (let id = 1; id <= items; id++) expect(answers(b, rev(id))).toEqual(answers(a, id));
      // A restored history is packed in item order; it answers and exports the same.
      const restored = PriceHistory.fromState(options, a.exportState());
      for (let id = 1; id <= items; id++) expect(answers(restored, id)).toEqual(answers(a, id));
      expect(restored.exportState()).toEqual(a.exportState());
    });
  }

  it('keeps the kept items exactly through a remap, and new items after it start empty', () => {
    const options = { maxPeriods: 20, maxChanges: 4 };
    const items = 300;
    const rows = stream(11, items, 5000);
    const h = new PriceHistory(options);
    feed(h, rows, 50);
    const before = new Map<number, ReturnType<typeof answers>>();
    for (let id = 1; id <= items; id++) before.set(id, answers(h, id));
    // Drop every third id; the map is shorter than the ids seen, so the last ones drop too.
    const map = new Uint32Array(items - 10);
    let size = 0;
    for (let id = 1; id < map.length; id++) if (id % 3 !== 0) map[id] = ++size;
    h.remap('item', map, size);
    let kept = 0;
    for (let id = 1; id < map.length; id++) {
      if (map[id] === 0) continue;
      expect(answers(h, map[id]!)).toEqual(before.get(id));
      if (before.get(id)!.changes.length > 0) kept++;
    }
    expect(h.itemCount).toBe(kept);
    expect(h.items().length).toBe(kept);
    // Ids past the kept ones have no history, then take new events like fresh items.
    expect(answers(h, size + 1)).toEqual(answers(new PriceHistory(options), 1));
    const t = T0 + 400 * DAY_MS;
    h.ingest(batch([[EVENT_TYPE_CODE.purchase, size + 5, t, 2.55, 3]]));
    const fresh = new PriceHistory(options);
    fresh.ingest(batch([[EVENT_TYPE_CODE.purchase, 1, t, 2.55, 3]]));
    expect(h.periods(size + 5)).toEqual(fresh.periods(1));
    expect(h.changes(size + 5)).toEqual(fresh.changes(1));
  });

  it('keeps two change points with maxChanges 1, as it always has', () => {
    const h = new PriceHistory({ maxChanges: 1 });
    h.ingest(
      batch([
        [EVENT_TYPE_CODE.purchase, 1, T0, 2, 1],
        [EVENT_TYPE_CODE.purchase, 1, T0 + 1, 3, 1],
        [EVENT_TYPE_CODE.purchase, 1, T0 + 2, 4, 1],
      ]),
    );
    expect(h.changes(1).map((c) => c.price)).toEqual([3, 4]);
  });

  it('costs under 200 bytes an item with one or two periods, all in counted columns', () => {
    const items = 50_000;
    for (const days of [1, 2]) {
      const h = new PriceHistory();
      for (let d = 0; d < days; d++) {
        const rows: Row[] = [];
        for (let id = 1; id <= items; id++)
          rows.push([EVENT_TYPE_CODE.purchase, id, T0 + d * DAY_MS + id, 1 + (id % 40) / 4, 1]);
        feed(h, rows, 1000);
      }
      expect(h.itemCount).toBe(items);
      const bytes = estimateBytes(h);
      expect(bytes / items).toBeLessThan(200);
      // The count is of typed arrays only (exact), plus a few fixed fields.
      expect(bytes / items).toBeGreaterThan(days * 28);
    }
  });
});
