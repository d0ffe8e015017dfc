/**
 * Popular fill-ins walk the popularity ranking in order (engine/recommend/recommender.ts, `fill`)
 * instead of ranking it in a candidate pool. The reference here is that pool ranking: the first
 * `fetch` popular items in a CandidatePool, ranked by the real top-k kernel with the filters, then
 * taken in order past the answered and category-capped ones, widening by 4 while short. Answers
 * must be equal, scores included, over rankings with ties and zeros.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { CandidatePool } from '../../../engine/recommend/pool.js';
import {
  DEFAULT_RECOMMEND,
  Recommender,
  type CandidateSources,
} from '../../../engine/recommend/recommender.js';
import { loadKernels, type Kernels } from '../../../engine/wasm/index.js';

let kernels: Kernels;
beforeAll(async () => {
  kernels = await loadKernels();
});

interface Shop {
  /** Popularity ranking, best first: ids 1.. with scores (ties and trailing zeros included). */
  ids: Uint32Array;
  scores: Float64Array;
  category: number[];
  price: number[];
  stocked: boolean[];
}

const none = (): void => undefined;

function sources(shop: Shop): CandidateSources {
  return {
    itemId: (name) => (name.startsWith('i') ? Number(name.slice(1)) : undefined),
    categoryId: () => undefined,
    categoryOf: (item) => shop.category[item] ?? 0,
    priceOf: (item) => shop.price[item],
    inStock: (item) => shop.stocked[item] ?? false,
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
    popular: (_c, n, pool) => {
      for (let i = 0; i < Math.min(n, shop.ids.length); i++) {
        pool.add(shop.ids[i]!, 'popular', shop.scores[i]!, 'popular overall');
      }
    },
    popularRanking: (_c, n) => ({
      ids: shop.ids.slice(0, Math.min(n, shop.ids.length)),
      scores: shop.scores.slice(0, Math.min(n, shop.ids.length)),
    }),
    ordersOf: () => 0,
    association: () => null,
  };
}

/** The pool ranking the walk replaced, for one "popular overall" stage from an empty answer. */
function reference(
  shop: Shop,
  k: number,
  cap: number,
  passes: (id: number) => boolean,
  o: { minFetch: number; overfetch: number; maxFetch: number },
): { item: string; score: number }[] {
  const src = sources(shop);
  const pool = new CandidatePool();
  const have = new Set<number>();
  const perCategory = new Map<number, number>();
  const out: { item: string; score: number }[] = [];
  let fetch = Math.max(o.minFetch, k * o.overfetch);
  for (;;) {
    pool.clear();
    src.popular(undefined, fetch, pool);
    const ranked = pool.rank(kernels, { popular: 1 }, passes, fetch);
    for (let i = 0; i < ranked.ids.length && out.length < k; i++) {
      const id = ranked.ids[i]!;
      if (have.has(id)) continue;
      const c = shop.category[id]!;
      const n = perCategory.get(c) ?? 0;
      if (c !== 0 && n >= cap) continue;
      if (c !== 0) perCategory.set(c, n + 1);
      have.add(id);
      out.push({ item: `i${id}`, score: ranked.scores[i]! / (ranked.scores[0]! || 1) / 2 });
    }
    if (out.length >= k || pool.size < fetch || fetch >= o.maxFetch) break;
    fetch = Math.min(fetch * 4, o.maxFetch);
  }
  return out;
}

const shopArb = fc
  .record({
    n: fc.integer({ min: 0, max: 300 }),
    levels: fc.integer({ min: 1, max: 40 }),
    zeros: fc.integer({ min: 0, max: 30 }),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
  })
  .map(({ n, levels, zeros, seed }): Shop => {
    let s = seed;
    const rand = (): number => {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return (s >>> 0) / 2 ** 32;
    };
    // Few distinct levels make ties; a tail of zeros is what a popularity ranking can end with.
    const raw = Array.from({ length: n }, (_, i) =>
      i >= n - zeros ? 0 : Math.floor(rand() * levels) * 1.37 + rand() * 1e-9,
    ).sort((a, b) => b - a);
    const ids = Uint32Array.from({ length: n }, (_, i) => i + 1);
    return {
      ids,
      scores: Float64Array.from(raw),
      category: Array.from({ length: n + 1 }, (_, i) => (i === 0 ? 0 : Math.floor(rand() * 6))),
      price: Array.from({ length: n + 1 }, () => Math.round(rand() * 100)),
      stocked: Array.from({ length: n + 1 }, () => rand() < 0.7),
    };
  });

describe('popular fill-ins', () => {
  it('answer as ranking the popular items in a pool did, scores included', () => {
    fc.assert(
      fc.property(
        shopArb,
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 100 }),
        fc.boolean(),
        (shop, k, cap, minPrice, inStock) => {
          const options = { ...DEFAULT_RECOMMEND, minFetch: 4, overfetch: 2, maxFetch: 200 };
          const recommender = new Recommender(kernels, sources(shop), options);
          const got = recommender.recommend({
            type: 'similar',
            item: 'unknown',
            k,
            filters: { minPrice, ...(inStock && { inStock: true }) },
            diversity: { categoryCap: cap },
          });
          const passes = (id: number): boolean =>
            shop.price[id]! >= minPrice && (!inStock || shop.stocked[id]!);
          const want = reference(shop, k, cap, passes, options);
          expect(got.results.map((r) => ({ item: r.item, score: r.score }))).toEqual(want);
        },
      ),
      { numRuns: 300 },
    );
  });
});
