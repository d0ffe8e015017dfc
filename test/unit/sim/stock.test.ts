import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../../src/sim/index.js';

describe('simulated stock', () => {
  const sim = createSimulator({ seed: 8, stockCoverHours: 8 });
  const prices = new Map(sim.catalogue().map((i) => [i.id, i.price!]));
  const events = sim.next(400_000);

  it('never goes negative, and the stream accounts for every unit', () => {
    const level = new Map<string, number>();
    for (const e of events) {
      if (e.type === 'inventory') {
        const before = level.get(e.item) ?? 0;
        level.set(e.item, e.op === 'set' ? e.quantity : before + e.quantity);
      } else if (e.type === 'purchase') {
        level.set(e.item, level.get(e.item)! - e.quantity);
      } else {
        continue;
      }
      if (level.get(e.item)! < 0) throw new Error(`stock of ${e.item} negative at ts ${e.ts}`);
    }
    for (const [item, units] of level) expect(sim.stockOf(item)).toBe(units);
    expect(sim.stockOf('unknown')).toBe(0);
  });

  it('restocks items that run low, and corrects store counts now and then', () => {
    const receives = events.filter((e) => e.type === 'inventory' && e.op === 'receive');
    const adjusts = events.filter((e) => e.type === 'inventory' && e.op === 'adjust');
    console.log(
      `${receives.length} receives, ${adjusts.length} adjusts, ${sim.stats().stockouts} short lines`,
    );
    expect(receives.length).toBeGreaterThan(50);
    expect(sim.stats().restocks).toBe(receives.length);
    expect(adjusts.length).toBeGreaterThan(50);
    for (const e of adjusts) expect(e.type === 'inventory' && e.location).toMatch(/^store-\d+$/);
  });

  it('charges the current price on every purchase', () => {
    let purchases = 0;
    for (const e of events) {
      if (e.type === 'price_change') prices.set(e.item, e.price);
      if (e.type === 'purchase') {
        purchases++;
        expect(e.price).toBe(prices.get(e.item));
      }
    }
    expect(purchases).toBeGreaterThan(1_000);
  });

  it('keeps promotions near list price', () => {
    const list = new Map(
      createSimulator({ seed: 8 })
        .catalogue()
        .map((i) => [i.id, i.price!]),
    );
    for (const e of events) {
      if (e.type !== 'price_change') continue;
      const ratio = e.price / list.get(e.item)!;
      expect(ratio).toBeGreaterThan(0.69);
      expect(ratio).toBeLessThan(1.16);
    }
  });
});
