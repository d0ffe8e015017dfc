/**
 * The query path reuses its candidate pools from query to query (engine/recommend/pool.ts,
 * recommender.ts): a cleared pool must rank and explain exactly as a new one, whatever the
 * previous query left in it, and a recommender must answer a query the same whether it is its
 * first or its thousandth.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createEngine, type Engine, type RecommendQuery } from '../../engine/index.js';
import { CandidatePool, SOURCES, type Source } from '../../engine/recommend/pool.js';
import {
  DEFAULT_RECOMMEND,
  Recommender,
  type CandidateSources,
} from '../../engine/recommend/recommender.js';
import { loadKernels, type Kernels } from '../../engine/wasm/index.js';
import { createSimulator } from '../../src/sim/index.js';

let kernels: Kernels;
beforeAll(async () => {
  kernels = await loadKernels();
});

interface Add {
  id: number;
  source: Source;
  score: number;
  reason: number;
}

const adds = fc.array(
  fc.record({
    // Past the pool's first index size, so that it grows mid-query.
    id: fc.integer({ min: 1, max: 3_000 }),
    source: fc.constantFrom(...SOURCES),
    score: fc.float({ min: Math.fround(-1), max: 50, noNaN: true }),
    reason: fc.integer({ min: 0, max: 9 }),
  }),
  { maxLength: 600 },
);

/** Adds with a reason function per reason number and the add's position as its argument. */
function fill(pool: CandidatePool, list: readonly Add[]): void {
  list.forEach((a, i) => pool.add(a.id, a.source, a.score, (arg) => `r${a.reason}@${arg}`, i));
}

/** What a pool answers: its size, its ranking and the reason of every id it holds. */
function answers(pool: CandidatePool, list: readonly Add[], weights: number[], k: number) {
  const w = Object.fromEntries(SOURCES.map((s, i) => [s, weights[i]!]));
  const r = pool.rank(kernels, w, (id) => id % 7 !== 0, k);
  const reasons = [...new Set(list.map((a) => a.id))].map((id) => pool.reasonOf(id, w));
  return { size: pool.size, ids: Array.from(r.ids), scores: Array.from(r.scores), reasons };
}

describe('a reused CandidatePool', () => {
  it('answers after clear() exactly as a new pool', () => {
    const reused = new CandidatePool();
    fc.assert(
      fc.property(
        adds,
        adds,
        fc.array(fc.float({ min: 0, max: 2, noNaN: true }), {
          minLength: SOURCES.length,
          maxLength: SOURCES.length,
        }),
        fc.integer({ min: 1, max: 300 }),
        (before, now, weights, k) => {
          reused.clear();
          fill(reused, before);
          reused.rank(kernels, { als: 1 }, () => true, 10);
          reused.clear();
          fill(reused, now);
          const fresh = new CandidatePool();
          fill(fresh, now);
          expect(answers(reused, now, weights, k)).toEqual(answers(fresh, now, weights, k));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('explains with the reason behind the largest single score, told its number', () => {
    const pool = new CandidatePool();
    pool.add(5, 'alsoViewed', 1, (n) => `seen together in ${n} sessions`, 3);
    pool.add(5, 'alsoViewed', 2, (n) => `seen together in ${n} sessions`, 8);
    pool.add(5, 'alsoViewed', 1.5, 'smaller');
    expect(pool.reasonOf(5, { alsoViewed: 1 })).toBe('seen together in 8 sessions');
    pool.clear();
    expect(pool.size).toBe(0);
    expect(pool.reasonOf(5, { alsoViewed: 1 })).toBeUndefined();
    pool.add(5, 'popular', 1, 'popular overall');
    expect(pool.reasonOf(5, { popular: 1 })).toBe('popular overall');
  });
});

/** Sources over a fixed popularity list, which throw from `popular` while `failing` is set. */
function fakeSources(failing: { on: boolean }): CandidateSources {
  const none = (): void => undefined;
  return {
    itemId: (name) => (name.startsWith('i') ? Number(name.slice(1)) : undefined),
    categoryId: () => undefined,
    categoryOf: (item) => 1 + (item % 4),
    priceOf: (item) => item,
    inStock: () => true,
    hasBought: () => false,
    similarity: () => 0,
    userId: () => undefined,
    itemName: (item) => `i${item}`,
    categoryName: (c) => `c${c}`,
    recentItems: () => new Uint32Array(0),
    als: none,
    alsSimilar: none,
    cooccurrence: none,
    session: none,
    buyAgain: none,
    trending: none,
    popular: (_category, n, pool) => {
      for (let i = 1; i <= Math.min(n, 500); i++) {
        pool.add(i, 'popular', 1000 - i, `popular ${i}`);
        if (failing.on && i === 250) throw new Error('source failed');
      }
    },
    popularRanking: (_category, n) => {
      if (failing.on) throw new Error('source failed');
      const m = Math.min(n, 500);
      return {
        ids: Uint32Array.from({ length: m }, (_, i) => i + 1),
        scores: Float64Array.from({ length: m }, (_, i) => 999 - i),
      };
    },
    ordersOf: () => 0,
    association: () => null,
  };
}

describe('a Recommender reusing its pools', () => {
  it('answers after a query that threw as a new recommender does', () => {
    const failing = { on: false };
    const reused = new Recommender(kernels, fakeSources(failing), DEFAULT_RECOMMEND);
    const query: RecommendQuery = { type: 'popular', k: 10, filters: { minPrice: 300 } };
    failing.on = true;
    expect(() => reused.recommend(query)).toThrow('source failed');
    failing.on = false;
    const fresh = new Recommender(kernels, fakeSources(failing), DEFAULT_RECOMMEND);
    expect(reused.recommend(query)).toEqual(fresh.recommend(query));
  });
});

describe('engine answers with reused pools', () => {
  let engine: Engine;
  const queries: RecommendQuery[] = [];

  beforeAll(async () => {
    engine = await createEngine();
    const sim = createSimulator({ seed: 5, items: 1_500, users: 1_500, categories: 12 });
    engine.loadCatalogue(sim.catalogue());
    const events = sim.next(40_000);
    engine.ingestEvents(events);
    await engine.trainFactors({ als: { factors: 8, iterations: 4 } });
    const users = [
      ...new Set(events.flatMap((e) => ('user' in e && e.user !== undefined ? [e.user] : []))),
    ];
    const items = [...new Set(events.flatMap((e) => ('item' in e ? [e.item] : [])))];
    const filters = { inStock: true, minPrice: 5, maxPrice: 60 };
    for (let i = 0; i < 40; i++) {
      const user = users[(i * 37) % users.length]!;
      const item = items[(i * 53) % items.length]!;
      queries.push(
        { type: 'user', user, k: 10 },
        { type: 'user', user, k: 10, filters: { ...filters, notBought: true } },
        { type: 'user', user, k: 20, diversity: { categoryCap: 2, mmr: 0.7 } },
        { type: 'similar', item, k: 10, filters },
        { type: 'bought-together', item, k: 5 },
        { type: 'session', session: items.slice(i, i + 4), k: 10, diversity: { categoryCap: 3 } },
        { type: 'buy-again', user, k: 10 },
        { type: 'trending', k: 10 },
        { type: 'popular', k: 10, filters: { categories: ['cat-3'] } },
        { type: 'user', user: `never-${i}`, k: 10 },
      );
    }
  }, 60_000);

  afterAll(() => engine.close());

  it('match those of a new recommender asked each query alone', () => {
    const reused = engine.createRecommender();
    for (const q of queries) {
      expect(reused.recommend(q)).toEqual(engine.createRecommender().recommend(q));
    }
  });
});
