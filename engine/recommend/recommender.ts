/**
 * The query path: candidates from the models → blend (WASM) → business filters → diversity →
 * top-k with a reason per item. Filters must not starve an answer, so candidates are over-fetched
 * and the fetch widened while too few survive; what is still missing is filled from popular items
 * (of the anchor's category first) and the answer says so.
 */
import type { Association } from '../models/cooccurrence.js';
import type { Kernels } from '../wasm/index.js';
import { diversify, type DiversityFacts } from './diversity.js';
import { buildFilter, type FilterFacts, type FilterRule } from './filters.js';
import { CandidatePool, type BlendWeights, type Ranked } from './pool.js';
import type { Scored } from '../models/popularity.js';
import { checkQuery, type CheckedQuery, type RecommendType } from './query.js';

/** Candidate generators over the engine's models; every id is a dense dictionary id. */
export interface CandidateSources extends FilterFacts, DiversityFacts {
  userId(name: string): number | undefined;
  itemName(item: number): string;
  categoryName(category: number): string | undefined;
  /** Distinct items the user touched, newest first. */
  recentItems(user: number, n: number): Uint32Array;
  /** Personal factors: items for the user's (folded-in) vector; nothing without a model. */
  als(user: number, n: number, pool: CandidatePool): void;
  /** Items whose factor vectors best match `items` (one item, or a basket folded in). */
  alsSimilar(items: Uint32Array, n: number, pool: CandidatePool): void;
  /**
   * Co-occurrence neighbours of `anchors`; with `byAge` (default) they are newest first and
   * weighted down with age, otherwise weighted alike.
   */
  cooccurrence(
    kind: 'alsoViewed' | 'alsoBought',
    anchors: Uint32Array,
    n: number,
    pool: CandidatePool,
    byAge?: boolean,
  ): void;
  /** Session kNN over `items` (oldest first), or over the user's live session when null. */
  session(items: Uint32Array | null, user: number, n: number, pool: CandidatePool): void;
  buyAgain(user: number, n: number, pool: CandidatePool): void;
  trending(category: number | undefined, n: number, pool: CandidatePool): void;
  popular(category: number | undefined, n: number, pool: CandidatePool): void;
  /** The `n` most popular items (of `category`), best first, with their scores; not to be kept. */
  popularRanking(category: number | undefined, n: number): Scored;
  /** Orders holding `item`. */
  ordersOf(item: number): number;
  /** The pair's figures over orders (Cooccurrence.association); null when no order holds both. */
  association(item: number, other: number): Association | null;
}

export interface RecommendOptions {
  /** Blend weights per query type. */
  weights: Record<RecommendType, BlendWeights>;
  /** First fetch is `overfetch × k` candidates per source (at least `minFetch`). */
  overfetch: number;
  minFetch: number;
  /** Largest fetch per source when filters keep starving the answer. */
  maxFetch: number;
  /** Recent items of a user that seed co-occurrence candidates. */
  recentItems: number;
  /** Top short answers up with popular items (off to measure a model on its own). */
  fill: boolean;
  /**
   * Least share of a `user` answer given to items the user never bought, when such candidates
   * exist: repeat purchases score high and would otherwise crowd out every discovery.
   */
  newShare: number;
}

/** Options to change, with the weights of only the query types to change. */
export type RecommendOverrides = Omit<Partial<RecommendOptions>, 'weights'> & {
  weights?: Partial<RecommendOptions['weights']>;
};

export const DEFAULT_RECOMMEND: RecommendOptions = {
  weights: {
    user: { als: 1, alsoBought: 0.5, alsoViewed: 0.5, buyAgain: 1.5, session: 0.3, popular: 0.05 },
    similar: { alsoViewed: 1, alsoBought: 0.5, als: 0.4 },
    'bought-together': { alsoBought: 1, alsoViewed: 0.2, als: 0.1 },
    session: { session: 1, alsoViewed: 0.2, trending: 0.01 },
    'buy-again': { buyAgain: 1 },
    trending: { trending: 1 },
    popular: { popular: 1 },
  },
  overfetch: 4,
  minFetch: 50,
  maxFetch: 2000,
  recentItems: 5,
  fill: true,
  newShare: 0.1,
};

export interface RecommendedItem {
  item: string;
  score: number;
  category?: string;
  price?: number;
  reason: string;
  /**
   * `bought-together` for one item, when some order holds both: the association figures a
   * merchandiser checks. Orders holding both; their share of all orders (support); their share
   * of the asked item's orders (confidence); confidence over this item's own share of orders
   * (lift; above 1 means bought together more than by chance).
   */
  orders?: number;
  support?: number;
  confidence?: number;
  lift?: number;
}

export type Fallback = 'cold-start' | 'popular-in-category' | 'popular';

export interface RecommendResult {
  type: RecommendType;
  results: RecommendedItem[];
  /** Set when some results come from a fallback rather than the type's own models. */
  fallback?: Fallback;
  /** Candidates each filter removed. */
  filtered: Record<FilterRule, number>;
  /** Plain words on anything unusual: an unknown user or item, fallbacks, a short answer. */
  notes: string[];
  /** `bought-together` for one item: the orders holding it. */
  orders?: number;
}

export class Recommender {
  /**
   * The candidates of the query being answered, and of its popular fill-ins: reused, so that a
   * query allocates nothing per candidate once they have grown (answers are synchronous, so one
   * query at a time uses them).
   */
  private readonly pool = new CandidatePool();

  /** Bytes its reused candidate pools hold (the models it reads are the parts' own). */
  bytes(): number {
    return this.pool.bytes();
  }

  constructor(
    private readonly kernels: Kernels,
    private readonly sources: CandidateSources,
    readonly options: RecommendOptions = DEFAULT_RECOMMEND,
  ) {}

  /** Answers a query (validated here; AisleError naming the field when malformed). */
  recommend(raw: unknown): RecommendResult {
    try {
      return this.answer(checkQuery(raw));
    } finally {
      this.pool.clear();
    }
  }

  private answer(q: CheckedQuery): RecommendResult {
    const src = this.sources;
    const notes: string[] = [];
    const user = q.user === undefined ? 0 : (src.userId(q.user) ?? 0);
    if (q.user !== undefined && user === 0) notes.push(`unknown user ${q.user}`);
    const anchor = q.item === undefined ? undefined : src.itemId(q.item);
    if (q.item !== undefined && anchor === undefined) notes.push(`unknown item ${q.item}`);
    const anchors = anchor === undefined ? [] : [anchor];
    for (const name of q.items ?? []) {
      const id = src.itemId(name);
      if (id === undefined) notes.push(`unknown item ${name}`);
      else if (!anchors.includes(id)) anchors.push(id);
    }
    for (const name of [...(q.filters.categories ?? []), ...(q.filters.excludeCategories ?? [])]) {
      if (src.categoryId(name) === undefined) notes.push(`unknown category ${name}`);
    }
    const filter = buildFilter(q.filters, src, user, anchors);
    const weights = this.options.weights[q.type];
    const quota = q.type === 'user' && user !== 0 && q.filters.notBought !== true;
    const newShare = quota ? this.options.newShare : 0;
    const need = q.diversity === undefined && newShare === 0 ? q.k : Math.min(q.k * 4, q.k + 200);

    const pool = this.pool;
    let fetch = Math.max(this.options.minFetch, q.k * this.options.overfetch);
    let ranked: Ranked = { ids: new Uint32Array(0), scores: new Float32Array(0) };
    for (;;) {
      const before = pool.size;
      this.gather(q, user, anchors, fetch, pool, notes);
      ranked = pool.rank(this.kernels, weights, filter.keep, need);
      // Stop when enough survive, the sources ran dry, or the fetch is at its cap.
      if (ranked.ids.length >= need || pool.size === before || fetch >= this.options.maxFetch) {
        break;
      }
      fetch = Math.min(fetch * 4, this.options.maxFetch);
      resetCounts(filter.removed);
    }

    const take = newShare > 0 ? need : q.k;
    let order =
      q.diversity === undefined
        ? firstPositions(Math.min(take, ranked.ids.length))
        : diversify(ranked.ids, ranked.scores, take, q.diversity, src);
    if (newShare > 0) {
      order = reserveNew(order, q.k, Math.ceil(newShare * q.k), (i) =>
        src.hasBought(user, ranked.ids[i]!),
      );
    }
    const results = order.map((i) =>
      this.describe(ranked.ids[i]!, ranked.scores[i]!, pool.reasonOf(ranked.ids[i]!, weights)),
    );
    const out: RecommendResult = { type: q.type, results, filtered: filter.removed, notes };
    if (results.length < q.k && this.options.fill) {
      this.fill(q, anchors[0], filter.passes, out, pool);
    }
    if (out.results.length < q.k) {
      const n = out.results.length;
      notes.push(`only ${n} item${n === 1 ? ' passes' : 's pass'} the filters`);
    }
    if (q.type === 'bought-together' && q.items === undefined) this.associate(anchor, out);
    return out;
  }

  /** Adds the association figures of each result with the asked item (see RecommendedItem). */
  private associate(anchor: number | undefined, out: RecommendResult): void {
    const src = this.sources;
    out.orders = anchor === undefined ? 0 : src.ordersOf(anchor);
    if (anchor === undefined || out.orders === 0) return;
    for (const r of out.results) {
      const figures = src.association(anchor, src.itemId(r.item)!);
      if (figures !== null) Object.assign(r, figures);
    }
  }

  private gather(
    q: CheckedQuery,
    user: number,
    anchors: readonly number[],
    n: number,
    pool: CandidatePool,
    notes: string[],
  ): void {
    const src = this.sources;
    const w = this.options.weights[q.type];
    const on = (s: keyof BlendWeights): boolean => (w[s] ?? 0) > 0;
    switch (q.type) {
      case 'user': {
        if (user === 0) return;
        const recent = src.recentItems(user, this.options.recentItems);
        if (on('als')) src.als(user, n, pool);
        if (on('alsoViewed')) src.cooccurrence('alsoViewed', recent, n, pool);
        if (on('alsoBought')) src.cooccurrence('alsoBought', recent, n, pool);
        if (on('buyAgain')) src.buyAgain(user, n, pool);
        if (on('session')) src.session(null, user, n, pool);
        if (on('popular') && pool.size > 0) src.popular(undefined, n, pool);
        return;
      }
      case 'similar':
      case 'bought-together': {
        if (anchors.length === 0) return;
        const basket = Uint32Array.from(anchors);
        // A basket's items weigh the same: unlike a session, its order says nothing.
        if (on('alsoViewed')) src.cooccurrence('alsoViewed', basket, n, pool, false);
        if (on('alsoBought')) src.cooccurrence('alsoBought', basket, n, pool, false);
        if (on('als')) src.alsSimilar(basket, n, pool);
        return;
      }
      case 'session': {
        let items: Uint32Array | null = null;
        if (q.session !== undefined) {
          const known: number[] = [];
          for (const name of q.session) {
            const id = src.itemId(name);
            if (id !== undefined) known.push(id);
          }
          if (known.length < q.session.length && pool.size === 0 && n === this.firstFetch(q)) {
            const missing = q.session.length - known.length;
            notes.push(`${missing} session item${missing === 1 ? ' is' : 's are'} unknown`);
          }
          items = Uint32Array.from(known);
          if (items.length === 0) return;
        }
        if (on('session')) src.session(items, user, n, pool);
        const last = items === null ? src.recentItems(user, 1) : items.subarray(items.length - 1);
        if (on('alsoViewed') && last.length > 0) src.cooccurrence('alsoViewed', last, n, pool);
        if (on('trending') && pool.size > 0) src.trending(undefined, n, pool);
        return;
      }
      case 'buy-again':
        if (user !== 0) src.buyAgain(user, n, pool);
        return;
      case 'trending':
      case 'popular': {
        const category = q.category === undefined ? undefined : src.categoryId(q.category);
        if (q.category !== undefined && category === undefined) return;
        if (q.type === 'trending') src.trending(category, n, pool);
        else src.popular(category, n, pool);
        return;
      }
    }
  }

  private firstFetch(q: CheckedQuery): number {
    return Math.max(this.options.minFetch, q.k * this.options.overfetch);
  }

  /**
   * Tops a short answer up with popular items: the anchor's category first (or the asked
   * category), then everything. Cold users and unknown items end up here too.
   */
  private fill(
    q: CheckedQuery,
    anchor: number | undefined,
    keep: (id: number) => boolean,
    out: RecommendResult,
    models: CandidatePool,
  ): void {
    const src = this.sources;
    // By id: a name costs a decode from the item dictionary, and a filter-heavy query can walk
    // thousands of popular candidates here before k of them fit.
    const have = new Set<number>();
    for (const r of out.results) {
      const id = src.itemId(r.item);
      if (id !== undefined) have.add(id);
    }
    const before = out.results.length;
    // Fill-ins obey the category cap too; MMR has nothing to weigh among equally popular items.
    const cap = q.diversity?.categoryCap ?? Infinity;
    const perCategory = new Map<number, number>();
    for (const r of out.results) {
      const c = r.category === undefined ? undefined : src.categoryId(r.category);
      if (c !== undefined) perCategory.set(c, (perCategory.get(c) ?? 0) + 1);
    }
    const capped = (item: number): boolean => {
      const c = src.categoryOf(item);
      if (c === 0) return false;
      const n = perCategory.get(c) ?? 0;
      if (n >= cap) return true;
      perCategory.set(c, n + 1);
      return false;
    };
    // Categories the answer is about first: the asked one, those the filters keep, the anchor's.
    const wanted: number[] = [];
    const want = (c: number | undefined): void => {
      if (c !== undefined && c !== 0 && !wanted.includes(c)) wanted.push(c);
    };
    if (q.category !== undefined) want(src.categoryId(q.category));
    for (const name of q.filters.categories ?? []) want(src.categoryId(name));
    if (anchor !== undefined) want(src.categoryOf(anchor));
    const stages: Array<[number | undefined, Fallback]> = wanted.map((c) => [
      c,
      'popular-in-category',
    ]);
    if (q.category === undefined) stages.push([undefined, 'popular']);
    let used: Fallback | undefined;
    for (const [cat, label] of stages) {
      if (out.results.length >= q.k) break;
      let fetch = Math.max(this.options.minFetch, q.k * this.options.overfetch);
      for (;;) {
        // Popular items walked in their ranking's order until the answer is full, rather than
        // put in a pool and ranked: the answer and the scores are those of ranking the first
        // `fetch` in a pool with weight 1 on popularity (rows for positive scores, each
        // float32(score) times float32(1 / best), the top-k kernel keeping ties in this order),
        // but a query whose filters pass few items no longer filters and ranks thousands of them
        // per widening step.
        const { ids, scores } = src.popularRanking(cat, fetch);
        const n = Math.min(fetch, ids.length);
        const best = n > 0 ? Math.fround(scores[0]!) : 0;
        const w = best > 0 ? Math.fround(1 / best) : 0;
        let rows = 0;
        let top = Number.NaN;
        const start = out.results.length;
        const where =
          cat === undefined ? 'overall' : `in ${src.categoryName(cat) ?? 'its category'}`;
        for (let i = 0; i < n && out.results.length < q.k; i++) {
          if (!(scores[i]! > 0)) continue;
          rows++;
          const id = ids[i]!;
          if (!keep(id)) continue;
          const ranked = Math.fround(Math.fround(scores[i]!) * w);
          if (Number.isNaN(top)) top = ranked;
          if (have.has(id)) continue;
          if (capped(id)) continue;
          have.add(id);
          // Fill items rank below every model result: scale into (0, lowest model score).
          const floor = before > 0 ? out.results[before - 1]!.score : 1;
          const score = (floor * ranked) / (top || 1) / 2;
          out.results.push(this.describe(id, score, `popular ${where}`));
        }
        if (out.results.length > start && used === undefined) used = label;
        // Short of k, the walk went through all `n`: fewer rows than asked means no more exist.
        if (out.results.length >= q.k || rows < fetch || fetch >= this.options.maxFetch) break;
        fetch = Math.min(fetch * 4, this.options.maxFetch);
      }
    }
    if (used === undefined) return;
    const filled = out.results.length - before;
    const cold = before === 0 && models.size === 0 && (q.type === 'user' || q.type === 'session');
    out.fallback = cold ? 'cold-start' : used;
    const removed = Object.values(out.filtered).reduce((a, b) => a + b, 0);
    out.notes.push(
      before === 0
        ? `no ${q.type} candidates${removed > 0 ? ` passed the filters (${removed} removed)` : ''}; ${plural(filled, 'popular item')} instead`
        : `${plural(filled, 'popular item')} filled in after ${before} from the models${removed > 0 ? ` (filters removed ${removed})` : ''}`,
    );
  }

  private describe(item: number, score: number, reason: string | undefined): RecommendedItem {
    const src = this.sources;
    const out: RecommendedItem = { item: src.itemName(item), score, reason: reason ?? '' };
    const cat = src.categoryOf(item);
    if (cat !== 0) {
      const name = src.categoryName(cat);
      if (name !== undefined) out.category = name;
    }
    const price = src.priceOf(item);
    if (price !== undefined) out.price = price;
    return out;
  }
}

/**
 * The first k of `order`, keeping at least `minNew` places for entries `bought` rejects when
 * there are that many: the lowest-ranked repeats give way to the best new ones. Order is kept.
 */
export function reserveNew(
  order: readonly number[],
  k: number,
  minNew: number,
  bought: (i: number) => boolean,
): number[] {
  const head = order.slice(0, k);
  const fresh = head.filter((i) => !bought(i)).length;
  if (fresh >= minNew) return head;
  const promoted = order
    .slice(k)
    .filter((i) => !bought(i))
    .slice(0, minNew - fresh);
  let drop = promoted.length;
  const kept: number[] = [];
  for (let j = head.length - 1; j >= 0; j--) {
    if (drop > 0 && bought(head[j]!)) drop--;
    else kept.push(head[j]!);
  }
  // Promoted items rank below everything kept, so they go last, in their own order.
  return [...kept.reverse(), ...promoted];
}

/** 0, 1, …, n − 1: the ranking's own order. */
function firstPositions(n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(i);
  return out;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function resetCounts(removed: Record<FilterRule, number>): void {
  for (const key of Object.keys(removed) as FilterRule[]) removed[key] = 0;
}
