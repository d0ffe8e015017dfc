/**
 * Segments, baskets and revenue through the engine, by name: known customers and orders, the
 * served-summary age, and a restore that answers the same.
 */
import { describe, expect, it } from 'vitest';
import { createEngine, Engine, type RetailEvent } from '../../../engine/index.js';
import { storeOf } from '../../../engine/internals.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 2);

/** Orders of known customers: `orders` orders each of `lines` lines at `price`, a day apart. */
function orders(user: string, count: number, lines: number, price: number, start: number) {
  const out: RetailEvent[] = [];
  for (let o = 0; o < count; o++) {
    for (let l = 0; l < lines; l++) {
      out.push({
        type: 'purchase',
        user,
        order: `${user}-${o}`,
        item: `sku-${l}`,
        category: l % 2 === 0 ? 'even' : 'odd',
        quantity: 1,
        price,
        ts: start + o * DAY + l,
      });
    }
  }
  return out;
}

async function shop(options = {}): Promise<Engine> {
  const engine = await createEngine(options);
  engine.ingest([
    ...orders('ann', 6, 3, 10, T0),
    ...orders('bob', 1, 1, 5, T0),
    ...orders('cat', 3, 2, 20, T0 + DAY),
    ...orders('dan', 1, 4, 2.5, T0 + 5 * DAY),
    ...orders('eve', 2, 1, 100, T0 + 2 * DAY),
  ]);
  return engine;
}

describe('sales analytics through the engine', () => {
  it('scores known customers and sums the segments to the whole', async () => {
    const engine = await shop();
    const s = engine.analytics.segments();
    expect(s.customers).toBe(5);
    // 6·3·10 + 5 + 3·2·20 + 4·2.5 + 2·100
    expect(s.revenue).toBeCloseTo(180 + 5 + 120 + 10 + 200, 9);
    expect(s.segments.reduce((a, x) => a + x.customers, 0)).toBe(5);
    expect(s.segments.reduce((a, x) => a + x.revenue, 0)).toBeCloseTo(515, 9);
    expect(s.computedAt).toBe(s.now);

    const ann = engine.analytics.customerSegment('ann');
    expect(ann.known).toBe(true);
    if (!ann.known) return;
    expect(ann.orders).toBe(6);
    expect(ann.monetary).toBeCloseTo(180, 9);
    expect(ann.f).toBe(5);
    const bob = engine.analytics.customerSegment('bob');
    expect(bob.known && bob.f).toBe(1);
    expect(bob.known && bob.r).toBe(1);
    expect(engine.analytics.customerSegment('nobody')).toEqual({ user: 'nobody', known: false });
    engine.close();
  });

  it('reports basket statistics and revenue windows for the shop, a category and an item', async () => {
    const engine = await shop();
    const b = engine.analytics.basketStats();
    expect(b.orders).toBe(6 + 1 + 3 + 1 + 2);
    expect(b.lines).toBe(18 + 1 + 6 + 4 + 2);
    expect(b.revenue).toBeCloseTo(515, 9);
    expect(b.singleLineShare).toBeCloseTo(3 / 13, 12);

    // The last day (T0 + 5d .. T0 + 6d): ann's sixth order and dan's only one.
    const day = engine.analytics.revenue({ window: '1d' });
    expect('revenue' in day && day.revenue).toBeCloseTo(30 + 10, 9);
    expect('orders' in day && day.orders).toBe(2);
    const all = engine.analytics.revenue({ window: '7d' });
    expect('revenue' in all && all.revenue).toBeCloseTo(515, 9);
    const even = engine.analytics.revenue({ window: '7d', category: 'even' });
    // Even lines: ann l0,l2 ×6, bob l0, cat l0 ×3, dan l0,l2, eve l0 ×2.
    expect('revenue' in even && even.revenue).toBeCloseTo(120 + 5 + 60 + 5 + 200, 9);
    const sku3 = engine.analytics.revenue({ window: '7d', item: 'sku-3' });
    expect('units' in sku3 && sku3.units).toBe(1);
    const series = engine.analytics.revenue({ window: '6d', step: '1d' });
    expect('points' in series && series.points.reduce((a, p) => a + p.revenue, 0)).toBeCloseTo(
      515,
      9,
    );
    const unknown = engine.analytics.revenue({ window: '1h', category: 'garden' });
    expect(unknown.known).toBe(false);
    expect(() => engine.analytics.revenue({ window: '1x' })).toThrow(/window/);
    expect(() => engine.analytics.revenue({ window: '1h', step: '90s' })).toThrow(/step/);
    expect(() => engine.analytics.revenue({ window: '1h', item: 'a', category: 'b' })).toThrow(
      /not both/,
    );
    engine.close();
  });

  it('serves a young summary as it was, and rescores when asked or once it is old', async () => {
    const engine = await shop({ sales: { segmentsMaxAgeMs: 10 * 60_000 } });
    const first = engine.analytics.segments();
    const late = T0 + 5 * DAY + 60_000;
    engine.ingest(orders('fay', 1, 1, 50, late));
    const cached = engine.analytics.segments();
    expect(cached.customers).toBe(5);
    expect(cached.computedAt).toBe(first.computedAt);
    // A restore serves what the saved engine serves, then rescores as it would.
    const copy = await Engine.fromState(storeOf(engine), engine.exportState());
    expect(copy.analytics.segments()).toEqual(cached);
    expect(copy.analytics.segments({ fresh: true }).customers).toBe(6);
    copy.close();
    expect(engine.analytics.segments({ fresh: true }).customers).toBe(6);
    engine.ingest(orders('gus', 1, 1, 50, late + 11 * 60_000));
    expect(engine.analytics.segments().customers).toBe(7);
    engine.close();
  });

  it('answers the same after a restore from its state', async () => {
    const engine = await shop();
    const copy = await Engine.fromState(storeOf(engine), engine.exportState());
    expect(copy.analytics.segments()).toEqual(engine.analytics.segments());
    expect(copy.analytics.customerSegment('cat')).toEqual(engine.analytics.customerSegment('cat'));
    expect(copy.analytics.basketStats()).toEqual(engine.analytics.basketStats());
    expect(copy.analytics.revenue({ window: '7d', step: '1d' })).toEqual(
      engine.analytics.revenue({ window: '7d', step: '1d' }),
    );
    engine.close();
    copy.close();
  });
});
