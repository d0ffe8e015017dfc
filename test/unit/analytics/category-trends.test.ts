/**
 * Trending categories and the trending report through the engine: a burst in one category is
 * found with its lift, steady categories and a couple of stray views are not trends.
 */
import { describe, expect, it } from 'vitest';
import { createEngine, Engine, type RetailEvent } from '../../../engine/index.js';
import { storeOf } from '../../../engine/internals.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 5);
const CATEGORIES = ['bakery', 'dairy', 'fruit', 'frozen', 'drinks'];

/** `perHour` views per category, evenly spaced, spread over four items each, for `hours`. */
function steady(hours: number, perHour: number): RetailEvent[] {
  const out: RetailEvent[] = [];
  for (let h = 0; h < hours; h++) {
    for (let j = 0; j < perHour; j++) {
      const ts = T0 + h * HOUR + Math.floor((j * HOUR) / perHour);
      CATEGORIES.forEach((category, c) => {
        const item = `${category}-${(h + j + c) % 4}`;
        out.push({ type: 'view', item, category, user: `u${j}`, ts });
      });
    }
  }
  return out;
}

async function shop(): Promise<Engine> {
  const engine = await createEngine();
  engine.ingest(steady(10 * 24, 12));
  return engine;
}

describe('trending categories', () => {
  it('lists no category while every category keeps its usual rate', async () => {
    const engine = await shop();
    const r = engine.analytics.trending();
    expect(r.categories).toEqual([]);
    expect(r.shortHalfLife).toBe('1h');
    expect(r.longHalfLife).toBe('1w');
    expect(r.streamTime).toBeGreaterThan(T0);
    engine.close();
  });

  it('finds a burst in one category with the numbers behind it, and its item inside it', async () => {
    const engine = await shop();
    const start = T0 + 10 * 24 * HOUR;
    const burst: RetailEvent[] = [];
    // Dairy at four times its rate for an hour, mostly on one item; the others stay steady.
    for (let j = 0; j < 48; j++) {
      const ts = start + Math.floor((j * HOUR) / 48);
      burst.push({
        type: 'view',
        item: j % 4 === 0 ? 'dairy-1' : 'dairy-9',
        category: 'dairy',
        ts,
      });
    }
    engine.ingest([...burst, ...steady(1, 12).map((e) => ({ ...e, ts: e.ts + 10 * 24 * HOUR }))]);
    const r = engine.analytics.trending({ k: 5 });
    expect(r.categories.map((c) => c.category)).toEqual(['dairy']);
    const dairy = r.categories[0]!;
    expect(dairy.lift!).toBeGreaterThan(1.8);
    expect(dairy.recent).toBeGreaterThan(dairy.expected);
    expect(dairy.score).toBeGreaterThanOrEqual(r.minZ);
    expect(dairy.reason).toMatch(/^trending: \d+\.\d× its usual rate$/);

    const inDairy = engine.analytics.trending({ k: 3, category: 'dairy' });
    expect(inDairy.known).toBe(true);
    expect(inDairy.items[0]!.item).toBe('dairy-9');
    expect(inDairy.items[0]!.category).toBe('dairy');
    expect(inDairy.items[0]!.reason).toMatch(/^trending in dairy: /);
    const unknown = engine.analytics.trending({ category: 'garden' });
    expect(unknown.known).toBe(false);
    expect(unknown.items).toEqual([]);
    engine.close();
  });

  it('does not call two views of a new category a trend', async () => {
    const engine = await shop();
    const ts = T0 + 10 * 24 * HOUR;
    engine.ingest([
      { type: 'view', item: 'rake', category: 'garden', ts },
      { type: 'view', item: 'rake', category: 'garden', ts: ts + 1000 },
    ]);
    expect(engine.analytics.trending().categories).toEqual([]);
    // Past the floor it is a trend: its own short history is all its usual rate knows.
    const more: RetailEvent[] = [];
    for (let i = 0; i < 30; i++)
      more.push({ type: 'view', item: `rake-${i % 3}`, category: 'garden', ts: ts + 2000 + i });
    engine.ingest(more);
    const garden = engine.analytics.trending().categories.find((c) => c.category === 'garden');
    expect(garden!.lift!).toBeGreaterThan(10);
    expect(garden!.reason).toMatch(/^trending: \d+\.\d× its usual rate$/);
    engine.close();
  });

  it('lets a burst fade while the rest of the stream carries no category', async () => {
    const engine = await shop();
    const ts = T0 + 10 * 24 * HOUR;
    const burst: RetailEvent[] = [];
    for (let i = 0; i < 60; i++) {
      burst.push({ type: 'view', item: 'fruit-2', category: 'fruit', ts: ts + i * 1000 });
    }
    engine.ingest(burst);
    expect(engine.analytics.trending().categories.map((c) => c.category)).toEqual(['fruit']);
    // Three days of views of items no event or catalogue gives a category.
    const later: RetailEvent[] = [];
    for (let h = 1; h <= 72; h++) later.push({ type: 'view', item: 'loose', ts: ts + h * HOUR });
    engine.ingest(later);
    const r = engine.analytics.trending();
    expect(r.categories).toEqual([]);
    expect(r.streamTime).toBe(ts + 72 * HOUR);
    engine.close();
  });

  it('restores category trends from a snapshot state with the same answers', async () => {
    const engine = await shop();
    const ts = T0 + 10 * 24 * HOUR;
    const burst: RetailEvent[] = [];
    for (let i = 0; i < 60; i++)
      burst.push({ type: 'view', item: 'fruit-2', category: 'fruit', ts: ts + i * 1000 });
    engine.ingest(burst);
    const before = engine.analytics.trending();
    expect(before.categories.length).toBeGreaterThan(0);
    const copy = await Engine.fromState(storeOf(engine), engine.exportState());
    expect(copy.analytics.trending()).toEqual(before);
    engine.close();
    copy.close();
  });
});
