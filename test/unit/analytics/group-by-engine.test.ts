/**
 * The windowed group-by through the engine: per item, user and category over a window ending
 * with the newest event or between given times, against sums over the raw events.
 */
import { describe, expect, it } from 'vitest';
import { createEngine, type RetailEvent } from '../../../engine/index.js';
import { createSimulator } from '../../../src/sim/index.js';

const DAY = 86_400_000;

function expected(
  events: readonly RetailEvent[],
  key: (e: RetailEvent) => string | undefined,
  keep: (e: RetailEvent) => boolean,
): Map<string, { events: number; units: number; revenue: number }> {
  const out = new Map<string, { events: number; units: number; revenue: number }>();
  for (const e of events) {
    const k = key(e);
    if (k === undefined || !keep(e)) continue;
    const row = out.get(k) ?? { events: 0, units: 0, revenue: 0 };
    row.events++;
    if ('quantity' in e) row.units += e.quantity;
    if (e.type === 'purchase') row.revenue += e.quantity * Math.fround(e.price);
    out.set(k, row);
  }
  return out;
}

describe('engine.groupBy', () => {
  it('sums the events of a window per item, user and category as the raw stream does', async () => {
    const engine = await createEngine({ chunkRows: 4096 });
    const sim = createSimulator({ seed: 11 });
    const catalogue = sim.catalogue();
    engine.loadCatalogue(catalogue);
    const categoryOf = new Map(catalogue.map((c) => [c.id, c.category]));
    const events: RetailEvent[] = [];
    for (let i = 0; i < 6; i++) {
      const batch = sim.next(5_000);
      events.push(...batch);
      engine.ingestEvents(batch);
    }
    const newest = Math.max(...events.map((e) => e.ts));
    const from = newest + 1 - 15 * 60_000;
    const inWindow = (e: RetailEvent) => e.ts >= from && e.ts <= newest;
    const purchases = (e: RetailEvent) => inWindow(e) && e.type === 'purchase';

    const byItem = engine.analytics.groupBy({
      by: 'item',
      window: '15m',
      types: ['purchase'],
      top: 10_000,
    });
    expect(byItem.from).toBe(from);
    const want = expected(events, (e) => ('item' in e ? e.item : undefined), purchases);
    expect(byItem.rows.length).toBe(want.size);
    for (const row of byItem.rows) {
      const w = want.get(row.key)!;
      expect(row.events).toBe(w.events);
      expect(row.units).toBe(w.units);
      expect(row.revenue).toBeCloseTo(w.revenue, 6);
    }
    for (let i = 1; i < byItem.rows.length; i++) {
      expect(byItem.rows[i]!.revenue).toBeLessThanOrEqual(byItem.rows[i - 1]!.revenue);
    }

    const byCategory = engine.analytics.groupBy({ by: 'category', from, to: newest + 1 });
    const wantCat = expected(
      events,
      (e) => ('item' in e && e.item !== undefined ? categoryOf.get(e.item) : undefined),
      inWindow,
    );
    expect(new Map(byCategory.rows.map((r) => [r.key, r.events]))).toEqual(
      new Map([...wantCat].map(([k, v]) => [k, v.events])),
    );

    const byUser = engine.analytics.groupBy({ by: 'user', window: '1h', types: ['view'], top: 3 });
    expect(byUser.rows).toHaveLength(3);
    const wantUser = expected(
      events,
      (e) => ('user' in e ? e.user : undefined),
      (e) => e.type === 'view' && e.ts > newest - 60 * 60_000,
    );
    const best = Math.max(...[...wantUser.values()].map((r) => r.events));
    expect(byUser.rows[0]!.events).toBe(best);

    expect(
      engine.analytics.groupBy({ by: 'item', from: newest + DAY, to: newest + 2 * DAY }).rows,
    ).toEqual([]);
    expect(() => engine.analytics.groupBy({ by: 'item', window: '1h', from: 0 })).toThrow(
      /not both/,
    );
    expect(() => engine.analytics.groupBy({ by: 'item', window: 'soon' })).toThrow(/window "soon"/);
    expect(() => engine.analytics.groupBy({ by: 'shelf' as 'item' })).toThrow(/by/);
    engine.close();
  });
});
