/**
 * engine.prices.recommend on an item whose demand is known: 120 days of purchases at prices that
 * move every ten days, units 60 · (p / 10)^−2.5 a day with noise.
 */
import { describe, expect, it } from 'vitest';
import { createEngine, type RetailEvent } from '../../engine/index.js';
import { Rng } from '../../src/sim/index.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 5);
const E = -2.5;
const LEVELS = [8, 9, 10, 11, 12];

function history(item: string): RetailEvent[] {
  const rng = new Rng(11);
  const out: RetailEvent[] = [];
  let price = 10;
  for (let d = 0; d < 120; d++) {
    const ts = T0 + d * DAY;
    // The last ten days at 10, today's price.
    if (d % 10 === 0) {
      price = d >= 110 ? 10 : LEVELS[rng.int(LEVELS.length)]!;
      out.push({ type: 'price_change', item, price, ts });
    }
    const units = Math.max(1, Math.round(60 * (price / 10) ** E * Math.exp(0.1 * rng.normal())));
    out.push({ type: 'purchase', item, order: `${item}-${d}`, quantity: units, price, ts: ts + 1 });
  }
  return out;
}

describe('engine.prices.recommend', () => {
  it('recommends the profit-maximising price from the catalogue cost, within the constraints', async () => {
    const engine = await createEngine();
    // Best price cost · e / (1 + e) = 6 · 2.5 / 1.5 = 10: today's; at cost 7.2 it is 12.
    engine.loadCatalogue([{ id: 'tea', category: 'drinks', price: 10, cost: 7.2 }]);
    engine.ingest(history('tea'));
    const r = engine.prices.recommend('tea', { maxChange: 0.5 });
    if ('refused' in r) throw new Error(r.refused);
    expect(r.costFrom).toBe('catalogue');
    expect(r.cost).toBe(7.2);
    expect(r.elasticity.elasticity).toBeGreaterThan(-3);
    expect(r.elasticity.elasticity).toBeLessThan(-2);
    expect(r.current.price).toBe(10);
    expect(r.recommended.price).toBeGreaterThan(12 * 0.95);
    expect(r.recommended.price).toBeLessThan(12 * 1.05);
    expect(r.recommended.profit).toBeGreaterThan(r.current.profit);
    expect(r.recommended.demand).toBeLessThan(r.current.demand);
    expect(r.curve.length).toBe(41);
    // The default step of 20% holds it at 12 too; 10% holds it at 11 and says so.
    const small = engine.prices.recommend('tea', { maxChange: 0.1, ending: 0.99 });
    if ('refused' in small) throw new Error(small.refused);
    expect(small.recommended.price).toBeCloseTo(10.99, 6);
    expect(small.bound).toBe('maxChange up');
    expect(small.reason).toContain('largest step');
    // A cost from the request wins over the catalogue's; a margin stands in for a missing cost.
    const asked = engine.prices.recommend('tea', { cost: 6 });
    if ('refused' in asked) throw new Error(asked.refused);
    expect(asked.costFrom).toBe('request');
    expect(Math.abs(asked.change)).toBeLessThan(0.06);
    engine.close();
  });

  it('refuses with the reason when the cost, the elasticity or the item is unknown', async () => {
    const engine = await createEngine();
    engine.ingest(history('tea'));
    engine.ingest([{ type: 'price_change', item: 'jam', price: 3, ts: T0 }]);
    const noCost = engine.prices.recommend('tea');
    expect('refused' in noCost && noCost.refused).toMatch(/no cost known/);
    const margin = engine.prices.recommend('tea', { margin: 0.4 });
    if ('refused' in margin) throw new Error(margin.refused);
    expect(margin.costFrom).toBe('margin');
    expect(margin.cost).toBeCloseTo(6, 9);
    const jam = engine.prices.recommend('jam', { margin: 0.3 });
    expect('refused' in jam && jam.refused).toMatch(/no elasticity/);
    const nothing = engine.prices.recommend('nothing');
    expect(nothing).toMatchObject({ known: false, refused: 'unknown item' });
    expect(() => engine.prices.recommend('tea', { margin: 1 })).toThrow(/margin/);
    expect(() => engine.prices.recommend('tea', { cost: 6, maxChange: -1 })).toThrow(/maxChange/);
    expect(() => engine.prices.recommend('tea', { colour: 'red' } as never)).toThrow(/colour/);
    // A catalogue cost must be a number of at least 0, named by its place in the feed.
    expect(() => engine.loadCatalogue([{ id: 'tea', cost: -1 }])).toThrow(/items\[0\]\.cost/);
    engine.close();
  });
});
