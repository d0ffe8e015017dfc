/**
 * engine.recommend end to end on a real engine fed by the simulator: every query type, the
 * factor model trained in its worker and folded in online, filters, fallbacks and diversity.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEngine,
  findNewestSnapshot,
  restoreEngine,
  writeEngineSnapshot,
  type Engine,
  type RetailEvent,
} from '../../../engine/index.js';
import { createSimulator } from '../../../src/sim/index.js';

let engine: Engine;
let events: RetailEvent[];
let ts: number;
/** A user with several purchases, and one of their bought items. */
let buyer: string;
let bought: string[];

beforeAll(async () => {
  engine = await createEngine();
  const sim = createSimulator({ seed: 11, items: 2_000, users: 3_000, categories: 20 });
  engine.loadCatalogue(sim.catalogue());
  events = [];
  for (let i = 0; i < 30; i++) {
    const batch = sim.next(5_000);
    events.push(...batch);
    engine.ingestEvents(batch);
  }
  ts = events[events.length - 1]!.ts;
  const purchases = new Map<string, Set<string>>();
  for (const e of events) {
    if (e.type !== 'purchase' || e.user === undefined) continue;
    const s = purchases.get(e.user) ?? new Set<string>();
    s.add(e.item);
    purchases.set(e.user, s);
  }
  const [user, items] = [...purchases].sort((a, b) => b[1].size - a[1].size)[0]!;
  buyer = user;
  bought = [...items];
  const report = await engine.trainFactors({ als: { factors: 16, iterations: 8 } });
  expect(report.index).toBe('exact');
  expect(report.indexedItems).toBeGreaterThan(100);
}, 60_000);

afterAll(() => engine.close());

const names = (r: { results: { item: string }[] }) => r.results.map((x) => x.item);

describe('engine.recommend', () => {
  it('answers a known user from the models, with a reason for every item', () => {
    const r = engine.recommend({ type: 'user', user: buyer, k: 10 });
    expect(r.fallback).toBeUndefined();
    expect(r.results).toHaveLength(10);
    for (const x of r.results) expect(x.reason.length).toBeGreaterThan(0);
    const scores = r.results.map((x) => x.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    // The factor model really contributes: an ALS-only recommender finds items for this user.
    const als = engine.createRecommender({ fill: false, weights: { user: { als: 1 } } });
    const mine = als.recommend({ type: 'user', user: buyer, k: 10 });
    expect(mine.results).toHaveLength(10);
    expect(mine.results[0]!.reason).toMatch(/matches your taste/);
  });

  it('gives an unknown user popular items, flagged as a cold start', () => {
    const r = engine.recommend({ type: 'user', user: 'nobody-ever', k: 5 });
    expect(r.fallback).toBe('cold-start');
    expect(r.notes.join(' ')).toMatch(/unknown user nobody-ever/);
    expect(r.results).toHaveLength(5);
    expect(r.results[0]!.reason).toMatch(/^popular/);
  });

  it('folds a brand-new user in from a few clicks, without retraining', () => {
    const als = engine.createRecommender({ fill: false, weights: { user: { als: 1 } } });
    expect(als.recommend({ type: 'user', user: 'fresh-user', k: 5 }).results).toHaveLength(0);
    const seen = names(engine.recommend({ type: 'similar', item: bought[0]!, k: 3 }));
    engine.ingest(
      [bought[0]!, ...seen].map((item, i) => ({
        type: 'view',
        item,
        user: 'fresh-user',
        session: 'fresh-session',
        ts: ts + 1_000 + i,
      })),
    );
    const r = als.recommend({ type: 'user', user: 'fresh-user', k: 5 });
    expect(r.results).toHaveLength(5);
    expect(r.fallback).toBeUndefined();
    const served = engine.recommend({ type: 'user', user: 'fresh-user', k: 5 });
    expect(served.fallback).toBeUndefined();
  });

  it('applies business filters and counts what they removed', () => {
    const plain = engine.recommend({ type: 'user', user: buyer, k: 20 });
    const notBought = engine.recommend({
      type: 'user',
      user: buyer,
      k: 20,
      filters: { notBought: true },
    });
    for (const x of notBought.results) expect(bought).not.toContain(x.item);
    const top = plain.results[0]!;
    const category = top.category!;
    const inCat = engine.recommend({
      type: 'user',
      user: buyer,
      k: 5,
      filters: { categories: [category] },
    });
    for (const x of inCat.results) expect(x.category).toBe(category);
    expect(inCat.filtered.category).toBeGreaterThan(0);
    const out = engine.recommend({
      type: 'user',
      user: buyer,
      k: 20,
      filters: { excludeCategories: [category], exclude: [plain.results[1]!.item] },
    });
    expect(out.results.every((x) => x.category !== category)).toBe(true);
    expect(names(out)).not.toContain(plain.results[1]!.item);
    const priced = engine.recommend({
      type: 'similar',
      item: top.item,
      k: 10,
      filters: { minPrice: 10, maxPrice: 50 },
    });
    for (const x of priced.results) {
      expect(x.price).toBeGreaterThanOrEqual(10);
      expect(x.price).toBeLessThanOrEqual(50);
    }
  });

  it('filters on the price a price change just set', () => {
    const top = engine.recommend({ type: 'similar', item: bought[0]!, k: 1 }).results[0]!;
    const q = {
      type: 'similar' as const,
      item: bought[0]!,
      k: 5,
      filters: { minPrice: 10_000 },
    };
    expect(names(engine.recommend(q))).not.toContain(top.item);
    engine.ingest([{ type: 'price_change', item: top.item, price: 12_345, ts: ts + 1_500 }]);
    const after = engine.recommend(q);
    expect(after.results[0]!.item).toBe(top.item);
    expect(after.results[0]!.price).toBe(12_345);
    engine.ingest([{ type: 'price_change', item: top.item, price: top.price!, ts: ts + 1_501 }]);
  });

  it('drops items whose stock ran out as soon as the inventory event arrives', () => {
    const before = engine.recommend({ type: 'similar', item: bought[0]!, k: 5 });
    const gone = before.results[0]!.item;
    engine.ingest([{ type: 'inventory', item: gone, op: 'set', quantity: 0, ts: ts + 2_000 }]);
    const after = engine.recommend({
      type: 'similar',
      item: bought[0]!,
      k: 5,
      filters: { inStock: true },
    });
    expect(names(after)).not.toContain(gone);
    expect(after.filtered.outOfStock).toBeGreaterThan(0);
    engine.ingest([{ type: 'inventory', item: gone, op: 'set', quantity: 25, ts: ts + 2_001 }]);
    expect(
      names(
        engine.recommend({ type: 'similar', item: bought[0]!, k: 5, filters: { inStock: true } }),
      ),
    ).toContain(gone);
  });

  it('over-fetches under a starving filter and fills up with popular items, saying so', () => {
    const anchor = engine.recommend({ type: 'popular', k: 1 }).results[0]!.item;
    const cheap = [...engine.catalogue.values()].map((c) => c.price!).sort((a, b) => a - b)[60]!;
    // Few neighbours are that cheap: the fetch widens until ten pass, all from the models.
    const widened = engine.recommend({
      type: 'bought-together',
      item: anchor,
      k: 10,
      filters: { maxPrice: cheap },
    });
    expect(widened.results).toHaveLength(10);
    expect(widened.fallback).toBeUndefined();
    expect(widened.filtered.price).toBeGreaterThan(100);
    for (const x of widened.results) expect(x.price!).toBeLessThanOrEqual(cheap);
    // Another category than the anchor's: co-occurrence runs dry, popular items of it fill in.
    const own = engine.catalogue.get(anchor)!.category!;
    const other = [...engine.catalogue.values()].find((c) => c.category !== own)!.category!;
    const weights = { similar: { alsoViewed: 1 } };
    const query = { type: 'similar' as const, item: anchor, filters: { categories: [other] } };
    const alone = engine.createRecommender({ weights, fill: false }).recommend({ ...query, k: 80 });
    const k = alone.results.length + 5;
    const filled = engine.createRecommender({ weights }).recommend({ ...query, k });
    expect(filled.results).toHaveLength(k);
    expect(filled.fallback).toBe('popular-in-category');
    expect(filled.results.at(-1)!.reason).toBe(`popular in ${other}`);
    expect(filled.notes.join(' ')).toMatch(/popular items/);
    for (const x of filled.results) expect(x.category).toBe(other);
    const none = engine.recommend({
      type: 'similar',
      item: bought[0]!,
      k: 5,
      filters: { categories: ['no-such-category'] },
    });
    expect(none.results).toHaveLength(0);
    expect(none.notes.join(' ')).toMatch(/only 0 items pass the filters/);
    const unknown = engine.recommend({ type: 'similar', item: 'no-such-sku', k: 4 });
    expect(unknown.fallback).toBe('popular');
    expect(unknown.results).toHaveLength(4);
  });

  it('caps items per category and diversifies with MMR on request', () => {
    const plain = engine.recommend({ type: 'user', user: buyer, k: 10 });
    const capped = engine.recommend({
      type: 'user',
      user: buyer,
      k: 10,
      diversity: { categoryCap: 1 },
    });
    const cats = capped.results.map((x) => x.category);
    expect(new Set(cats).size).toBe(cats.length);
    const mmr = engine.recommend({ type: 'user', user: buyer, k: 10, diversity: { mmr: 0.3 } });
    const distinct = (r: typeof plain) => new Set(r.results.map((x) => x.category)).size;
    expect(distinct(mmr)).toBeGreaterThanOrEqual(distinct(plain));
  });

  it('recommends the next item of a session, and a new click changes the answer at once', () => {
    const first = engine.recommend({ type: 'session', session: [bought[0]!], k: 10 });
    expect(first.fallback).toBeUndefined();
    expect(first.results[0]!.reason).toMatch(/go next here after|viewed together/);
    const longer = engine.recommend({
      type: 'session',
      session: [bought[0]!, bought[1] ?? first.results[3]!.item],
      k: 10,
    });
    expect(names(longer)).not.toEqual(names(first));
    // The live session of a user: ingest a click, the next answer follows it.
    const click = (item: string, i: number) =>
      engine.ingest([
        { type: 'view', item, user: 'live-u', session: 'live-s', ts: ts + 3_000 + i },
      ]);
    click(bought[0]!, 0);
    const a = names(engine.recommend({ type: 'session', user: 'live-u', k: 10 }));
    click(first.results[5]!.item, 1);
    const b = names(engine.recommend({ type: 'session', user: 'live-u', k: 10 }));
    expect(a.length).toBeGreaterThan(0);
    expect(b).not.toEqual(a);
  });

  it('suggests buying again only what the user bought, with the reason in words', () => {
    const r = engine.recommend({ type: 'buy-again', user: buyer, k: 5 });
    expect(r.results.length).toBeGreaterThan(0);
    for (const x of r.results.filter((y) => y.reason.startsWith('you bought'))) {
      expect(bought).toContain(x.item);
    }
    expect(r.results[0]!.reason).toMatch(/^you bought it/);
  });

  it('completes a basket of several items and trends by category', () => {
    const r = engine.recommend({ type: 'bought-together', items: bought.slice(0, 3), k: 5 });
    expect(r.results.length).toBe(5);
    for (const x of r.results) expect(bought.slice(0, 3)).not.toContain(x.item);
    const t = engine.recommend({ type: 'trending', k: 5 });
    expect(t.results.length).toBe(5);
  });

  it('refuses a malformed query naming the field', () => {
    expect(() => engine.recommend({ type: 'user', user: buyer, k: 0 })).toThrow(/^k: /);
    expect(() =>
      engine.recommend({ type: 'user', user: buyer, filters: { maxPrice: -1 } }),
    ).toThrow(/filters\.maxPrice/);
  });

  it('keeps answering from the old model while a retrain runs, then swaps it in', async () => {
    const before = engine.factors!;
    const training = engine.trainFactors({ als: { factors: 8, iterations: 3 } });
    // The worker trains; this thread still answers, from the old model.
    expect(engine.recommend({ type: 'user', user: buyer, k: 5 }).results).toHaveLength(5);
    expect(engine.factors!.factors).toBe(before.factors);
    expect(engine.trainFactors()).toBe(training);
    const report = await training;
    expect(report.factors).toBe(8);
    expect(engine.factors!.factors).toBe(8);
    expect(engine.recommend({ type: 'user', user: buyer, k: 5 }).results).toHaveLength(5);
  }, 60_000);

  it('skips training while there is nothing to learn from', async () => {
    const empty = await createEngine();
    try {
      const r = await empty.trainFactors();
      expect(r.skipped).toBe('no interactions yet');
      expect(empty.factors).toBeNull();
      expect(empty.recommend({ type: 'user', user: 'x', k: 3 }).results).toHaveLength(0);
    } finally {
      empty.close();
    }
  });

  it('restores the factor model from a snapshot with identical answers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aisle-rec-'));
    try {
      await writeEngineSnapshot(engine, dir, { position: { n: 1 }, now: ts });
      const found = await findNewestSnapshot(dir);
      const restored = await restoreEngine(found!.dir);
      expect(restored.factors).toEqual(engine.factors);
      for (const q of [
        { type: 'user' as const, user: buyer, k: 10 },
        { type: 'user' as const, user: 'fresh-user', k: 10 },
        { type: 'session' as const, user: 'live-u', k: 10 },
        { type: 'buy-again' as const, user: buyer, k: 10 },
        { type: 'bought-together' as const, item: bought[0]!, k: 10 },
      ]) {
        expect(restored.recommend(q)).toEqual(engine.recommend(q));
      }
      restored.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
