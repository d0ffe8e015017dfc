/**
 * The price backtest on purchases with a known elasticity (−2): forecasts from the engine's
 * estimates must beat the naive no-change forecast, which misses the whole price effect.
 */
import { describe, expect, it } from 'vitest';
import { createEngine, type PurchaseEvent } from '../../../engine/index.js';
import { backtestPrices, ENGINE_ELASTICITY_MODELS } from '../../../src/eval/price-backtest.js';
import { Rng } from '../../../src/sim/index.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 1);

function purchases(): PurchaseEvent[] {
  const rng = new Rng(8);
  const out: PurchaseEvent[] = [];
  for (let i = 0; i < 12; i++) {
    let price = 10;
    for (let d = 0; d < 300; d++) {
      // A new ticket price every 14 days, so most cuts at 14-day boundaries see a change.
      if (d % 14 === 0) price = [7, 8.5, 10, 11.5, 13][rng.int(5)]!;
      const lines = Math.max(0, Math.round(8 * (price / 10) ** -2 * Math.exp(0.1 * rng.normal())));
      for (let k = 0; k < lines; k++) {
        out.push({
          type: 'purchase',
          item: `i${i}`,
          order: `o${i}-${d}-${k}`,
          quantity: 1,
          price,
          ts: T0 + d * DAY + k * 1000,
        });
      }
    }
  }
  return out.sort((a, b) => a.ts - b.ts);
}

describe('backtestPrices', () => {
  it('forecasts demand after a price change far better than no change, with the estimate before it', async () => {
    const engine = await createEngine();
    const events = purchases();
    const cuts = [140, 168, 196, 224, 252].map((d) => T0 + d * DAY);
    const r = backtestPrices(engine, events, ENGINE_ELASTICITY_MODELS, { cuts, window: 14 });
    expect(r.cases.length).toBeGreaterThan(20);
    for (const c of r.cases) expect(Math.abs(c.p1 / c.p0 - 1)).toBeGreaterThanOrEqual(0.05);
    const units = r.summaries.find((s) => s.model === 'units')!;
    expect(units.cases).toBe(r.cases.length);
    expect(units.medianError).toBeLessThan(0.1);
    expect(units.naiveMedianError).toBeGreaterThan(0.2);
    expect(units.beatsNaive).toBeGreaterThan(0.8);
    // Every model answers with finite figures over the same cases.
    for (const s of r.summaries) {
      expect(Number.isFinite(s.medianError)).toBe(true);
      expect(s.cases).toBeGreaterThan(0);
    }
    engine.close();
  });
});
