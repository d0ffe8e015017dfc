/**
 * engine.analytics.audience: who to tell about an item or a category, on the simulator's shop
 * with a trained factor model.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../engine/index.js';
import { createSimulator } from '../../src/sim/index.js';

let engine: Engine;
let popular = '';

beforeAll(async () => {
  engine = await createEngine();
  const sim = createSimulator({ seed: 12, items: 600, categories: 12, users: 3000 });
  engine.loadCatalogue(sim.catalogue());
  for (let i = 0; i < 12; i++) engine.ingestEvents(sim.next(10_000));
  await engine.trainFactors({ als: { factors: 16, iterations: 6 } });
  popular = engine.recommend({ type: 'popular', k: 1 }).results[0]!.item;
});

describe('engine.analytics.audience', () => {
  it('ranks shoppers by affinity, leaving out recent buyers, each with a reason', () => {
    const a = engine.analytics.audience({ item: popular, k: 25 });
    expect(a.known).toBe(true);
    expect(a.audience).toHaveLength(25);
    for (let i = 1; i < a.audience.length; i++) {
      expect(a.audience[i]!.score).toBeLessThanOrEqual(a.audience[i - 1]!.score);
    }
    expect(new Set(a.audience.map((m) => m.user)).size).toBe(25);
    for (const m of a.audience) expect(m.reason.length).toBeGreaterThan(10);
    // With everyone who ever bought it left out, no member's history holds a purchase of it.
    const strict = engine.analytics.audience({ item: popular, k: 25, excludeDays: 100_000 });
    for (const m of strict.audience) {
      const h = engine.analytics.userHistory(m.user, { limit: 1000 });
      expect(h.items.some((x) => x.item === popular && x.bought)).toBe(false);
    }
    expect(strict.excluded.recentBuyers).toBeGreaterThanOrEqual(a.excluded.recentBuyers);
  });

  it('answers for a category and keeps to the segments asked for', () => {
    const cat = engine.analytics.audience({ category: 'cat-3', k: 10 });
    expect(cat.known).toBe(true);
    expect(cat.audience).toHaveLength(10);
    expect(cat.audience[0]!.reason).toMatch(/cat-3/);
    const seg = engine.analytics.audience({
      item: popular,
      k: 10,
      segments: ['lost', 'hibernating'],
    });
    expect(seg.audience.length).toBeGreaterThan(0);
    for (const m of seg.audience) expect(['lost', 'hibernating']).toContain(m.segment);
    expect(seg.excluded.segment).toBeGreaterThan(0);
  });

  it('says when it cannot answer, and names a bad argument', async () => {
    expect(engine.analytics.audience({ item: 'nothing' })).toMatchObject({ known: false });
    const fresh = await createEngine();
    fresh.ingestEvents([{ type: 'view', ts: 1, item: 'a', user: 'u' }]);
    const untrained = fresh.analytics.audience({ item: 'a' });
    expect(untrained.audience).toEqual([]);
    expect(untrained.notes[0]).toMatch(/no factor model/);
    fresh.close();
    expect(() => engine.analytics.audience({ k: 5 })).toThrow(/item/);
    expect(() => engine.analytics.audience({ item: popular, category: 'cat-1' })).toThrow(/item/);
    expect(() => engine.analytics.audience({ item: popular, k: 0 })).toThrow(/k/);
    expect(() => engine.analytics.audience({ item: popular, segments: ['vip'] })).toThrow(
      /segments/,
    );
  });
});
