import { describe, expect, it } from 'vitest';
import { AisleError, createEngine, type RetailEvent } from '../../engine/index.js';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const MIN = 60_000;

/** Steady background: items bg-0..bg-19 viewed evenly for `hours`, then a burst on `hot`. */
function trendStream(hours: number, hot: string): RetailEvent[] {
  const events: RetailEvent[] = [];
  let t = T0;
  for (let m = 0; m < hours * 60; m++) {
    for (let i = 0; i < 20; i++) {
      events.push({ type: 'view', ts: t, item: `bg-${i}`, session: `s${m}-${i}`, category: 'bg' });
    }
    events.push({ type: 'view', ts: t, item: hot, session: `h${m}`, category: 'hot' });
    t += MIN;
  }
  for (let m = 0; m < 30; m++) {
    for (let j = 0; j < 10; j++) {
      events.push({ type: 'view', ts: t, item: hot, session: `b${m}-${j}`, category: 'hot' });
    }
    for (let i = 0; i < 20; i++) {
      events.push({ type: 'view', ts: t, item: `bg-${i}`, session: `x${m}-${i}`, category: 'bg' });
    }
    t += MIN;
  }
  return events;
}

describe.each([true, false])('engine (simd %s)', (simd) => {
  it('ranks a burst above a steady stream in trending, and respects the category', async () => {
    const engine = await createEngine({ simd });
    engine.ingestEvents(trendStream(48, 'sku-hot'));
    const top = engine.analytics.trending({ k: 3 }).items;
    expect(top[0]?.item).toBe('sku-hot');
    expect(top[0]?.reason).toMatch(/× its usual rate/);
    expect(top.find((r) => r.item.startsWith('bg-'))).toBeUndefined();
    expect(engine.analytics.trending({ k: 3, category: 'bg' }).items).toEqual([]);
    expect(engine.analytics.trending({ k: 3, category: 'no-such' }).items).toEqual([]);
    const popular = engine.recommend({ type: 'popular', k: 25 }).results;
    expect(popular).toHaveLength(21);
    expect(
      engine
        .recommend({ type: 'popular', k: 5, category: 'bg' })
        .results.every((r) => r.category === 'bg'),
    ).toBe(true);
  });

  it('finds items viewed and bought together, with counts in the reason', async () => {
    const engine = await createEngine({ simd });
    const events: RetailEvent[] = [];
    let t = T0;
    for (let s = 0; s < 200; s++) {
      const a = `a-${s % 5}`;
      events.push({ type: 'view', ts: t++, session: `s${s}`, item: a });
      events.push({ type: 'view', ts: t++, session: `s${s}`, item: `b-${s % 5}` });
      events.push({ type: 'view', ts: t++, session: `s${s}`, item: `noise-${s}` });
      if (s % 2 === 0) {
        events.push({ type: 'purchase', ts: t++, order: `o${s}`, item: a, quantity: 1, price: 5 });
        events.push({
          type: 'purchase',
          ts: t++,
          order: `o${s}`,
          item: `c-${s % 5}`,
          quantity: 2,
          price: 3,
        });
      }
    }
    engine.ingestEvents(events);
    const viewed = engine.recommend({ type: 'similar', item: 'a-1', k: 3 });
    expect(viewed.fallback).toBeUndefined();
    expect(viewed.results[0]?.item).toBe('b-1');
    expect(viewed.results[0]?.reason).toBe('viewed together with a-1 in 40 sessions');
    const bought = engine.recommend({ type: 'bought-together', item: 'a-2', k: 3 });
    // Orders rank first; items viewed with it in sessions follow at a lower weight.
    expect(bought.results[0]?.item).toBe('c-2');
    expect(bought.results[0]?.orders).toBe(20);
    expect(bought.results[0]?.reason).toMatch(/bought together with a-2 in 20 orders/);
  });

  it('falls back to popular items for an unknown item, and never returns the item itself', async () => {
    const engine = await createEngine({ simd });
    engine.loadCatalogue([
      { id: 'p1', category: 'c', price: 3 },
      { id: 'p2', category: 'c' },
      { id: 'lonely', category: 'c' },
    ]);
    engine.ingestEvents([
      { type: 'view', ts: T0, item: 'p1', session: 's1' },
      { type: 'view', ts: T0 + 1, item: 'p2', session: 's2' },
      { type: 'view', ts: T0 + 2, item: 'lonely', session: 's3' },
    ]);
    const unknown = engine.recommend({ type: 'similar', item: 'never-seen', k: 5 });
    expect(unknown.fallback).toBe('popular');
    expect(unknown.results).toHaveLength(3);
    const lonely = engine.recommend({ type: 'similar', item: 'lonely', k: 5 });
    expect(lonely.fallback).toBe('popular-in-category');
    expect(lonely.results.map((r) => r.item).sort()).toEqual(['p1', 'p2']);
    expect(lonely.results.find((r) => r.item === 'p1')?.price).toBe(3);
  });

  it('keeps nothing of a batch with a bad event unless asked for partial ingest', async () => {
    const engine = await createEngine({ simd });
    const batch = [
      { type: 'view', ts: T0, item: 'a' },
      { type: 'purchase', ts: T0, item: 'a', order: 'o', quantity: 1, price: 0 },
      { type: 'view', ts: T0, item: 'b' },
    ];
    const refused = engine.ingest(batch);
    expect(refused.accepted).toBe(0);
    expect(refused.rejected).toEqual([
      { index: 1, field: 'price', reason: 'must be greater than 0' },
    ]);
    expect(engine.stats().events).toBe(0);
    expect(engine.stats().rejected).toBe(1);
    const partial = engine.ingest(batch, { partial: true });
    expect(partial.accepted).toBe(2);
    expect(engine.stats().eventsByType.view).toBe(2);
    expect(engine.stats().storedEvents).toBe(2);
  });

  it('rejects a bad k with a coded error', async () => {
    const engine = await createEngine({ simd });
    expect(() => engine.analytics.trending({ k: 0 }).items).toThrow(AisleError);
    expect(() => engine.recommend({ type: 'similar', item: 'a', k: 1.5 })).toThrow(
      /k: must be an integer/,
    );
  });

  it('drops events past the retention window from the log but keeps model state', async () => {
    const engine = await createEngine({ simd, chunkRows: 100, retentionMs: 60 * MIN });
    engine.ingestEvents(trendStream(4, 'sku-hot'));
    const s = engine.stats();
    expect(s.events).toBe(4 * 60 * 21 + 30 * 30);
    expect(s.storedEvents).toBeLessThan(s.events);
    // The last hour is 30 minutes of burst (30 events/min) and 30 steady ones (21/min).
    expect(s.storedEvents).toBeGreaterThanOrEqual(30 * 30 + 30 * 21);
    expect(engine.recommend({ type: 'popular', k: 1 }).results[0]?.item).toBe('sku-hot');
  });

  it('refuses work after close', async () => {
    const engine = await createEngine({ simd });
    engine.close();
    expect(() => engine.ingest([])).toThrow(/closed/);
    const closed = { code: 'AISLE_CLOSED' };
    expect(() => engine.recommend({ type: 'trending' })).toThrow(expect.objectContaining(closed));
    expect(() => engine.analytics.funnel({ window: '1h' })).toThrow(
      expect.objectContaining(closed),
    );
    expect(() => engine.inventory.alerts()).toThrow(expect.objectContaining(closed));
    expect(() => engine.prices.report('a')).toThrow(expect.objectContaining(closed));
  });
});

describe('engine builds agree', () => {
  it('gives the same answers with SIMD and scalar kernels', async () => {
    const events = trendStream(12, 'sku-hot');
    const a = await createEngine({ simd: true });
    const b = await createEngine({ simd: false });
    a.ingestEvents(events);
    b.ingestEvents(events);
    expect(a.stats().simd).toBe(true);
    expect(b.stats().simd).toBe(false);
    const strip = (rs: { item: string; score: number }[]) =>
      rs.map((r) => [r.item, r.score.toPrecision(9)]);
    expect(strip(a.analytics.trending({ k: 10 }).items)).toEqual(
      strip(b.analytics.trending({ k: 10 }).items),
    );
    expect(strip(a.recommend({ type: 'popular', k: 10 }).results)).toEqual(
      strip(b.recommend({ type: 'popular', k: 10 }).results),
    );
  });
});

describe('bought together', () => {
  it('reports support, confidence and lift that match the order counts', async () => {
    const engine = await createEngine();
    const events: RetailEvent[] = [];
    let t = T0;
    // 100 orders: 40 hold a, 25 hold b, 20 hold both; c rides along with a in 5 orders.
    for (let o = 0; o < 100; o++) {
      const items: string[] = [];
      if (o < 40) items.push('a');
      if (o >= 20 && o < 45) items.push('b');
      if (o < 5) items.push('c');
      if (items.length === 0) items.push(`filler-${o}`);
      for (const item of items)
        events.push({ type: 'purchase', ts: t++, order: `o${o}`, item, quantity: 1, price: 2 });
    }
    engine.ingestEvents(events);
    const r = engine.recommend({ type: 'bought-together', item: 'a', k: 5 });
    expect(r.orders).toBe(40);
    const b = r.results.find((x) => x.item === 'b')!;
    expect(b.orders).toBe(20);
    expect(r.results.find((x) => x.item === 'c')?.lift).toBeCloseTo((5 * 100) / (40 * 5), 12);
    expect(b.support).toBeCloseTo(20 / 100, 12);
    expect(b.confidence).toBeCloseTo(20 / 40, 12);
    expect(b.lift).toBeCloseTo((20 * 100) / (40 * 25), 12);
    expect(r.results[0]!.reason).toMatch(/bought together with a in \d+ orders/);
    const none = engine.recommend({ type: 'bought-together', item: 'filler-50' });
    expect(none.fallback).toBeDefined();
    expect(none.results.every((x) => x.lift === undefined)).toBe(true);
  });
});
