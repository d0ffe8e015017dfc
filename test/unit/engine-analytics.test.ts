/**
 * Inventory and price analytics through the engine: known-answer scenarios on names, not ids.
 */
import { describe, expect, it } from 'vitest';
import { createEngine, type RetailEvent } from '../../engine/index.js';

const DAY = 24 * 60 * 60 * 1000;
const T0 = Date.UTC(2026, 0, 5);

function steadySales(item: string, days: number, perDay: number, price = 2): RetailEvent[] {
  const out: RetailEvent[] = [];
  for (let d = 0; d < days; d++) {
    out.push({
      type: 'purchase',
      item,
      order: `${item}-o${d}`,
      quantity: perDay,
      price,
      user: `u${d % 7}`,
      ts: T0 + d * DAY + 12 * 3_600_000,
    });
  }
  return out;
}

describe('engine inventory analytics', () => {
  it('reports days of cover within 10% of the truth and raises then clears a stockout alert', async () => {
    const engine = await createEngine();
    engine.ingest([{ type: 'inventory', item: 'milk', op: 'set', quantity: 400, ts: T0 }]);
    engine.ingest(steadySales('milk', 28, 5));
    // 400 − 28·5 = 260 units at 5 a day: 52 days of cover.
    const r = engine.inventory.report('milk');
    expect(r.known).toBe(true);
    expect(r.level).toBe(260);
    expect(r.velocityPerDay).toBeGreaterThan(4.5);
    expect(r.daysOfCover!).toBeGreaterThan(52 * 0.9);
    expect(r.daysOfCover!).toBeLessThan(52 * 1.1);
    expect(engine.inventory.alerts()).toEqual([]);

    const late = T0 + 28 * DAY;
    engine.ingest([{ type: 'inventory', item: 'milk', op: 'set', quantity: 12, ts: late }]);
    const alerts = engine.inventory.alerts();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.item).toBe('milk');
    expect(alerts[0]!.type).toBe('stockout_risk');
    expect(alerts[0]!.reason.length).toBeGreaterThan(10);
    expect(engine.inventory.drainAlerts().map((a) => a.type)).toEqual(['stockout_risk']);
    expect(engine.inventory.drainAlerts()).toEqual([]);

    engine.ingest([
      { type: 'inventory', item: 'milk', op: 'receive', quantity: 300, ts: late + 1 },
    ]);
    expect(engine.inventory.alerts()).toEqual([]);
    expect(engine.inventory.report('never-seen').known).toBe(false);
    engine.close();
  });

  it('keeps price history, refuses an elasticity without price variation and suggests markdowns', async () => {
    const engine = await createEngine();
    engine.ingest([{ type: 'price_change', item: 'jam', price: 3, ts: T0 - DAY }]);
    engine.ingest(steadySales('jam', 40, 4, 3));
    const r = engine.prices.report('jam', { stock: 1_000, targetDays: 30 });
    expect(r.known).toBe(true);
    expect(r.currentPrice).toBe(3);
    expect(r.changes.length).toBeGreaterThan(0);
    expect(r.changes[0]!.price).toBe(3);
    expect('refused' in r.elasticity).toBe(true);
    // Without an elasticity the markdown refuses, saying why.
    expect(r.markdown).toBeDefined();
    expect('refused' in r.markdown!).toBe(true);
    expect(engine.prices.report('nothing').known).toBe(false);
    engine.close();
  });
});

describe('engine bad inventory and price input', () => {
  it('rejects absurd quantities and prices by field, flags unknown SKUs and keeps the rest', async () => {
    const engine = await createEngine();
    engine.loadCatalogue([{ id: 'milk', category: 'dairy', price: 2 }]);
    const ts = T0;
    const r = engine.ingest(
      [
        { type: 'inventory', item: 'milk', op: 'set', quantity: 100, ts },
        { type: 'inventory', item: 'milk', op: 'receive', quantity: -5, ts },
        { type: 'inventory', item: 'milk', op: 'set', quantity: 5e9, ts },
        { type: 'inventory', item: 'milk', op: 'adjust', quantity: 0, ts },
        { type: 'price_change', item: 'milk', price: 0, ts },
        { type: 'price_change', item: 'milk', price: Number.NaN, ts },
        { type: 'purchase', item: 'milk', order: 'o1', quantity: 2, price: -1, ts },
        { type: 'inventory', item: 'mlik', op: 'receive', quantity: 40, ts: ts + 1 },
        { type: 'inventory', item: 'mlik', op: 'adjust', quantity: -3, ts: ts + 2 },
        { type: 'purchase', item: 'milk', order: 'o2', quantity: 2, price: 2, ts: ts + 3 },
      ],
      { partial: true },
    );
    expect(r.accepted).toBe(4);
    expect(r.rejected.map((x) => [x.index, x.field])).toEqual([
      [1, 'quantity'],
      [2, 'quantity'],
      [3, 'quantity'],
      [4, 'price'],
      [5, 'price'],
      [6, 'price'],
    ]);
    for (const x of r.rejected) expect(x.reason.length).toBeGreaterThan(5);
    expect(engine.stats().rejected).toBe(6);
    expect(engine.inventory.report('milk').level).toBe(98);

    // The misspelt SKU keeps its units and is flagged once, with the event in the reason.
    expect(engine.inventory.report('mlik').level).toBe(37);
    const flagged = engine.inventory.alerts().filter((a) => a.type === 'unknown_sku');
    expect(flagged.map((a) => a.item)).toEqual(['mlik']);
    expect(flagged[0]!.reason).toBe(
      'inventory receive of 40 units for an SKU the catalogue does not list; stock kept, check the code',
    );
    expect(engine.stats().unknownSkuEvents).toBe(2);
    expect(engine.inventory.drainAlerts().map((a) => a.type)).toContain('unknown_sku');
    expect(engine.inventory.alerts({ type: 'unknown_sku' }).map((a) => a.item)).toEqual(['mlik']);
    expect(engine.inventory.alerts({ type: 'overstock' })).toEqual([]);
    expect(engine.inventory.alerts({ limit: 1 })).toHaveLength(1);
    expect(engine.inventory.alertCounts().unknown_sku).toBe(1);
    expect(() => engine.inventory.alerts({ limit: 0 })).toThrow(/limit/);
    expect(() => engine.inventory.alerts({ type: 'late' as 'oversell' })).toThrow(/type/);

    // Once the catalogue lists it, the flag is over.
    engine.loadCatalogue([{ id: 'mlik', category: 'dairy' }]);
    expect(engine.inventory.alerts().filter((a) => a.type === 'unknown_sku')).toEqual([]);

    // An item shoppers view is known without a catalogue entry; a flag ends when shoppers or a
    // price change show the item is real.
    engine.ingest([
      { type: 'view', item: 'oat-milk', ts: ts + 10 },
      { type: 'inventory', item: 'oat-milk', op: 'set', quantity: 20, ts: ts + 11 },
      { type: 'inventory', item: 'rice', op: 'set', quantity: 20, ts: ts + 12 },
    ]);
    expect(engine.inventory.alerts({ type: 'unknown_sku' }).map((a) => a.item)).toEqual(['rice']);
    engine.ingest([{ type: 'price_change', item: 'rice', price: 3, ts: ts + 13 }]);
    expect(engine.inventory.alerts({ type: 'unknown_sku' })).toEqual([]);
    engine.close();
  });

  it('does not flag stock counts that open a stream before any item is known', async () => {
    const engine = await createEngine();
    engine.ingest([{ type: 'inventory', item: 'tea', op: 'set', quantity: 10, ts: T0 }]);
    expect(engine.inventory.alerts()).toEqual([]);
    expect(engine.stats().unknownSkuEvents).toBe(0);
    engine.close();
  });
});

describe("engine: a shopper's history", () => {
  it('lists items newest first with strength and purchases, and checks its limit', async () => {
    const engine = await createEngine();
    engine.ingest([
      { type: 'view', item: 'a', user: 'ann', ts: T0 },
      { type: 'view', item: 'b', user: 'ann', ts: T0 + 1_000 },
      { type: 'add_to_cart', item: 'a', user: 'ann', quantity: 1, ts: T0 + 2_000 },
      {
        type: 'purchase',
        item: 'a',
        user: 'ann',
        order: 'o1',
        quantity: 1,
        price: 3,
        ts: T0 + 3_000,
      },
      { type: 'view', item: 'c', user: 'ann', ts: T0 + 4_000 },
      { type: 'view', item: 'c', user: 'bob', ts: T0 + 5_000 },
    ]);
    const h = engine.analytics.userHistory('ann');
    expect(h.known).toBe(true);
    expect(h.items.map((i) => i.item)).toEqual(['c', 'a', 'b']);
    expect(h.items.map((i) => i.lastSeen)).toEqual([T0 + 4_000, T0 + 3_000, T0 + 1_000]);
    expect(h.items.map((i) => i.bought)).toEqual([false, true, false]);
    // A view 1, a cart 2, a purchase 4.
    expect(h.items.map((i) => i.strength)).toEqual([1, 7, 1]);
    expect(engine.analytics.userHistory('ann', { limit: 1 }).items.map((i) => i.item)).toEqual([
      'c',
    ]);
    expect(engine.analytics.userHistory('nobody')).toEqual({
      user: 'nobody',
      known: false,
      items: [],
    });
    for (const limit of [0, 1.5, 1001])
      expect(() => engine.analytics.userHistory('ann', { limit })).toThrow(/limit/);
  });
});
