/**
 * The engine's models as candidate sources for the query path, with the words each one gives as
 * a reason. Kept apart from the models so they stay ignorant of names and of each other.
 */
import type { Catalogue } from '../catalogue.js';
import type { CategoryIndex } from '../category-index.js';
import type { Association, Cooccurrence } from '../models/cooccurrence.js';
import type { Popularity, Scored } from '../models/popularity.js';
import type { Dictionary } from '../store/index.js';
import type { AlsServing } from './als-serving.js';
import type { CandidatePool } from './pool.js';
import type { CandidateSources } from './recommender.js';

export interface SessionSource {
  /** Next items after `items` (oldest first). */
  recommend(items: ArrayLike<number>, k: number): { items: Uint32Array; scores: Float64Array };
  /** Next items for the user's live session (empty when none). */
  recommendForUser(user: number, k: number): { items: Uint32Array; scores: Float64Array };
}

export interface BuyAgainSource {
  recommend(
    user: number,
    k: number,
    now: number,
  ): {
    items: Uint32Array;
    scores: Float64Array;
    details: readonly { orders: number; lastTs: number; intervalMs: number }[];
  };
}

export interface HistorySource {
  recentItems(user: number, n: number): Uint32Array;
  hasBought(user: number, item: number): boolean;
}

export interface EngineModels {
  dicts: { item: Dictionary; user: Dictionary; category: Dictionary };
  catalogue: Catalogue;
  categories: CategoryIndex;
  popularity: Popularity;
  alsoViewed: Cooccurrence;
  alsoBought: Cooccurrence;
  history: HistorySource;
  stock: { inStock(item: number): boolean };
  sessions: SessionSource;
  buyAgain: BuyAgainSource;
  /** The serving side of the factor model; null until one is trained. */
  als(): AlsServing | null;
  /** Current price of an item, if known. */
  priceOf(item: number): number | undefined;
  /** Stream time (ms). */
  now(): number;
  /** Changes on every ingest: cached rankings older than it are stale. */
  generation(): number;
}

const DAY = 24 * 60 * 60 * 1000;

export class EngineSources implements CandidateSources {
  private popularCache = new Map<string, { generation: number; k: number; scored: Scored }>();
  private trendingCache = new Map<string, { generation: number; k: number; scored: Scored }>();

  constructor(private readonly m: EngineModels) {}

  userId(name: string): number | undefined {
    return this.m.dicts.user.lookup(name);
  }
  itemId(name: string): number | undefined {
    return this.m.dicts.item.lookup(name);
  }
  itemName(item: number): string {
    return this.m.dicts.item.value(item)!;
  }
  categoryId(name: string): number | undefined {
    return this.m.dicts.category.lookup(name);
  }
  categoryName(category: number): string | undefined {
    return this.m.dicts.category.value(category);
  }
  categoryOf(item: number): number {
    return this.m.categories.categoryOf(item);
  }
  priceOf(item: number): number | undefined {
    return this.m.priceOf(item);
  }
  inStock(item: number): boolean {
    return this.m.stock.inStock(item);
  }
  hasBought(user: number, item: number): boolean {
    return this.m.history.hasBought(user, item);
  }
  recentItems(user: number, n: number): Uint32Array {
    return this.m.history.recentItems(user, n);
  }

  similarity(a: number, b: number): number {
    const als = this.m.als();
    if (als !== null && als.hasItem(a) && als.hasItem(b)) return Math.max(0, als.cosine(a, b));
    const ca = this.categoryOf(a);
    return ca !== 0 && ca === this.categoryOf(b) ? 1 : 0;
  }

  als(user: number, n: number, pool: CandidatePool): void {
    const als = this.m.als();
    if (als === null) return;
    const found = als.forUser(user, n);
    if (found === null) return;
    const recent = this.recentItems(user, 10);
    const reason = (item: number): string => {
      const like = als.closest(item, recent);
      return like === undefined
        ? 'matches your taste'
        : `matches your taste: shoppers who like ${this.itemName(like)} like it too`;
    };
    for (let i = 0; i < found.ids.length; i++) {
      pool.add(found.ids[i]!, 'als', found.scores[i]!, reason, found.ids[i]!);
    }
  }

  alsSimilar(items: Uint32Array, n: number, pool: CandidatePool): void {
    const als = this.m.als();
    if (als === null) return;
    const found = als.forItems(items, n);
    if (found === null) return;
    const name = items.length === 1 ? this.itemName(items[0]!) : 'these items';
    const reason = `liked by the shoppers who like ${name}`;
    for (let i = 0; i < found.ids.length; i++) {
      pool.add(found.ids[i]!, 'als', found.scores[i]!, reason);
    }
  }

  cooccurrence(
    kind: 'alsoViewed' | 'alsoBought',
    anchors: Uint32Array,
    n: number,
    pool: CandidatePool,
    byAge = true,
  ): void {
    const model = kind === 'alsoViewed' ? this.m.alsoViewed : this.m.alsoBought;
    const verb = kind === 'alsoViewed' ? 'viewed' : 'bought';
    const unit = kind === 'alsoViewed' ? 'session' : 'order';
    for (let a = 0; a < anchors.length; a++) {
      const anchor = anchors[a]!;
      // Newer anchors speak louder: the shopper's latest interest matters most.
      const weight = byAge ? 1 / (1 + a) : 1;
      // One reason per anchor, told the pair's count: nothing is made per neighbour.
      const reason = (count: number): string => {
        const s = count === 1 ? '' : 's';
        return `${verb} together with ${this.itemName(anchor)} in ${count} ${unit}${s}`;
      };
      const found = model.neighbours(anchor, n);
      for (let j = 0; j < found.length; j++) {
        const nb = found[j]!;
        pool.add(nb.item, kind, nb.score * weight, reason, nb.count);
      }
    }
  }

  session(items: Uint32Array | null, user: number, n: number, pool: CandidatePool): void {
    const got =
      items === null
        ? user === 0
          ? null
          : this.m.sessions.recommendForUser(user, n)
        : this.m.sessions.recommend(items, n);
    if (got === null) return;
    const last = items === null ? this.recentItems(user, 1)[0] : items[items.length - 1];
    const after = last === undefined ? 'this session' : this.itemName(last);
    const reason = `shoppers often go next here after ${after}`;
    for (let i = 0; i < got.items.length; i++) {
      pool.add(got.items[i]!, 'session', got.scores[i]!, reason);
    }
  }

  buyAgain(user: number, n: number, pool: CandidatePool): void {
    const got = this.m.buyAgain.recommend(user, n, this.m.now());
    // Told the item's position in `got`, whose details say how often it was bought.
    const reason = (i: number): string => {
      const d = got.details[i]!;
      const days = Math.max(1, Math.round(d.intervalMs / DAY));
      const every =
        Number.isFinite(d.intervalMs) && d.intervalMs > 0
          ? `, usually every ${days === 1 ? 'day' : `${days} days`}`
          : '';
      const times = d.orders === 1 ? 'once' : `in ${d.orders} orders`;
      return `you bought it ${times}${every}`;
    };
    for (let i = 0; i < got.items.length; i++) {
      pool.add(got.items[i]!, 'buyAgain', got.scores[i]!, reason, i);
    }
  }

  trending(category: number | undefined, n: number, pool: CandidatePool): void {
    const { ids, scores } = this.ranked(this.trendingCache, category, n, (k, candidates) =>
      this.m.popularity.trending(k, candidates),
    );
    const where = category === undefined ? '' : ` in ${this.categoryName(category)}`;
    const reason = (id: number): string => {
      const { short, expected } = this.m.popularity.countsOf(id);
      const lift = expected > 0 ? short / expected : Infinity;
      return Number.isFinite(lift)
        ? `trending${where}: ${lift.toFixed(1)}× its usual rate`
        : `trending${where}: new activity`;
    };
    for (let i = 0; i < ids.length && i < n; i++) {
      pool.add(ids[i]!, 'trending', scores[i]!, reason, ids[i]!);
    }
  }

  popular(category: number | undefined, n: number, pool: CandidatePool): void {
    const { ids, scores } = this.popularTop(category, n);
    const where = category === undefined ? 'overall' : `in ${this.categoryName(category)}`;
    const reason = `popular ${where}`;
    for (let i = 0; i < ids.length && i < n; i++) pool.add(ids[i]!, 'popular', scores[i]!, reason);
  }

  popularRanking(category: number | undefined, n: number): Scored {
    return this.popularTop(category, n);
  }

  ordersOf(item: number): number {
    return this.m.alsoBought.occurrencesOf(item);
  }
  association(item: number, other: number): Association | null {
    return this.m.alsoBought.association(item, other);
  }

  /**
   * Popularity and trending score every item, so their rankings are cached until the next
   * ingest: without new events neither counts nor stream time move.
   */
  private popularTop(category: number | undefined, n: number): Scored {
    return this.ranked(this.popularCache, category, n, (k, candidates) =>
      this.m.popularity.popular(k, candidates),
    );
  }

  private ranked(
    cache: Map<string, { generation: number; k: number; scored: Scored }>,
    category: number | undefined,
    n: number,
    rank: (k: number, candidates: Uint32Array | undefined) => Scored,
  ): Scored {
    const key = category === undefined ? '*' : String(category);
    const generation = this.m.generation();
    const hit = cache.get(key);
    // A ranking asked for k ≥ n holds the top n, or every item there is when shorter.
    if (hit !== undefined && hit.generation === generation && hit.k >= n) return hit.scored;
    if (hit !== undefined && hit.generation !== generation) cache.clear();
    const candidates = category === undefined ? undefined : this.m.categories.itemsOf(category);
    const k = Math.max(n, 256);
    const scored = rank(k, candidates);
    cache.set(key, { generation, k, scored });
    return scored;
  }
}
