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
    const r = engine.inventoryReport('milk');
    expect(r.known).toBe(true);
    expect(r.level).toBe(260);
    expect(r.velocityPerDay).toBeGreaterThan(4.5);
    expect(r.daysOfCover!).toBeGreaterThan(52 * 0.9);
    expect(r.daysOfCover!).toBeLessThan(52 * 1.1);
    expect(engine.inventoryAlerts()).toEqual([]);

    const late = T0 + 28 * DAY;
    engine.ingest([{ type: 'inventory', item: 'milk', op: 'set', quantity: 12, ts: late }]);
    const alerts = engine.inventoryAlerts();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.item).toBe('milk');
    expect(alerts[0]!.type).toBe('stockout_risk');
    expect(alerts[0]!.reason.length).toBeGreaterThan(10);
    expect(engine.drainInventoryAlerts().map((a) => a.type)).toEqual(['stockout_risk']);
    expect(engine.drainInventoryAlerts()).toEqual([]);

    engine.ingest([
      { type: 'inventory', item: 'milk', op: 'receive', quantity: 300, ts: late + 1 },
    ]);
    expect(engine.inventoryAlerts()).toEqual([]);
    expect(engine.inventoryReport('never-seen').known).toBe(false);
    engine.close();
  });

  it('keeps price history, refuses an elasticity without price variation and suggests markdowns', async () => {
    const engine = await createEngine();
    engine.ingest([{ type: 'price_change', item: 'jam', price: 3, ts: T0 - DAY }]);
    engine.ingest(steadySales('jam', 40, 4, 3));
    const r = engine.priceReport('jam', { stock: 1_000, targetDays: 30 });
    expect(r.known).toBe(true);
    expect(r.currentPrice).toBe(3);
    expect(r.changes.length).toBeGreaterThan(0);
    expect(r.changes[0]!.price).toBe(3);
    expect('refused' in r.elasticity).toBe(true);
    // Without an elasticity the markdown refuses, saying why.
    expect(r.markdown).toBeDefined();
    expect('refused' in r.markdown!).toBe(true);
    expect(engine.priceReport('nothing').known).toBe(false);
    engine.close();
  });
});
