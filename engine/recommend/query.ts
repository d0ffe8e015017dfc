/**
 * What `engine.recommend` is asked, and the checks that turn a malformed question into an
 * AisleError naming the field, before any model is touched.
 */
import { AisleError } from '../errors.js';

export const RECOMMEND_TYPES = [
  'user',
  'similar',
  'bought-together',
  'session',
  'buy-again',
  'trending',
  'popular',
] as const;
export type RecommendType = (typeof RECOMMEND_TYPES)[number];

/** Business rules every returned item must pass. */
export interface RecommendFilters {
  /** Drop items whose known stock is zero or below (items without stock data pass). */
  inStock?: boolean;
  /** Drop items the user has bought (needs `user`). */
  notBought?: boolean;
  /** Keep only items of these categories. */
  categories?: readonly string[];
  /** Drop items of these categories. */
  excludeCategories?: readonly string[];
  /** Price range, inclusive; items without a known price fail a price filter. */
  minPrice?: number;
  maxPrice?: number;
  /** Never return these items. */
  exclude?: readonly string[];
}

/**
 * Re-ranking for variety: at most `categoryCap` items per category, and/or maximal marginal
 * relevance with `mmr` = weight of relevance against novelty in [0, 1] (1 = plain ranking).
 */
export interface Diversity {
  categoryCap?: number;
  mmr?: number;
}

export interface RecommendQuery {
  type: RecommendType;
  /** Who is asking: personalises `user` and `buy-again`, and feeds `notBought`. */
  user?: string;
  /** The anchor item of `similar` and `bought-together`. */
  item?: string;
  /** A basket (cart) to complete, for `bought-together` instead of one `item`. */
  items?: readonly string[];
  /** Recent items, oldest first, for `session` (when absent, the user's live session). */
  session?: readonly string[];
  /** Category of `trending` and `popular`. */
  category?: string;
  k?: number;
  filters?: RecommendFilters;
  diversity?: Diversity;
}

export const MAX_K = 1000;
export const MAX_LIST = 1000;

/** A validated query with defaults filled in. */
export interface CheckedQuery extends RecommendQuery {
  k: number;
  filters: RecommendFilters;
}

function invalid(field: string, message: string): AisleError {
  return new AisleError('AISLE_INVALID_ARGUMENT', `${field}: ${message}`, { field });
}

/** A result count: 10 when absent, else an integer from 1 to MAX_K (AisleError naming `k`). */
export function checkK(k: unknown): number {
  if (k === undefined) return 10;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > MAX_K) {
    throw invalid('k', `must be an integer from 1 to ${MAX_K}`);
  }
  return k;
}

function checkString(field: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0) throw invalid(field, 'must be a non-empty string');
  return v;
}

function checkList(field: string, v: unknown): readonly string[] {
  if (!Array.isArray(v)) throw invalid(field, 'must be a list of strings');
  if (v.length > MAX_LIST) throw invalid(field, `holds more than ${MAX_LIST} entries`);
  v.forEach((s, i) => checkString(`${field}[${i}]`, s));
  return v as string[];
}

function checkPrice(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw invalid(field, 'must be a finite number ≥ 0');
  }
  return v;
}

const FILTER_KEYS = new Set([
  'inStock',
  'notBought',
  'categories',
  'excludeCategories',
  'minPrice',
  'maxPrice',
  'exclude',
]);

function checkFilters(raw: unknown, hasUser: boolean): RecommendFilters {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null) throw invalid('filters', 'must be an object');
  const f = raw as Record<string, unknown>;
  for (const key of Object.keys(f)) {
    if (!FILTER_KEYS.has(key)) throw invalid(`filters.${key}`, 'is not a known filter');
  }
  const out: RecommendFilters = {};
  for (const key of ['inStock', 'notBought'] as const) {
    if (f[key] === undefined) continue;
    if (typeof f[key] !== 'boolean') throw invalid(`filters.${key}`, 'must be a boolean');
    out[key] = f[key];
  }
  if (out.notBought === true && !hasUser) {
    throw invalid('filters.notBought', 'needs a user');
  }
  for (const key of ['categories', 'excludeCategories', 'exclude'] as const) {
    if (f[key] === undefined) continue;
    const list = checkList(`filters.${key}`, f[key]);
    // An empty allow-list would silently keep nothing; an empty deny-list is just absent.
    if (key === 'categories' && list.length === 0) {
      throw invalid('filters.categories', 'must hold at least one category');
    }
    out[key] = list;
  }
  if (f.minPrice !== undefined) out.minPrice = checkPrice('filters.minPrice', f.minPrice);
  if (f.maxPrice !== undefined) out.maxPrice = checkPrice('filters.maxPrice', f.maxPrice);
  if (out.minPrice !== undefined && out.maxPrice !== undefined && out.minPrice > out.maxPrice) {
    throw invalid('filters.minPrice', 'is above filters.maxPrice');
  }
  return out;
}

function checkDiversity(raw: unknown): Diversity | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null) throw invalid('diversity', 'must be an object');
  const d = raw as Record<string, unknown>;
  for (const key of Object.keys(d)) {
    if (key !== 'categoryCap' && key !== 'mmr') {
      throw invalid(`diversity.${key}`, 'is not a known diversity setting');
    }
  }
  const out: Diversity = {};
  if (d.categoryCap !== undefined) {
    const c = d.categoryCap;
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 1) {
      throw invalid('diversity.categoryCap', 'must be an integer ≥ 1');
    }
    out.categoryCap = c;
  }
  if (d.mmr !== undefined) {
    const m = d.mmr;
    if (typeof m !== 'number' || !(m >= 0 && m <= 1)) {
      throw invalid('diversity.mmr', 'must be a number from 0 to 1');
    }
    out.mmr = m;
  }
  return out;
}

const NEEDS: Readonly<Record<RecommendType, 'user' | 'item' | 'session' | null>> = {
  user: 'user',
  similar: 'item',
  'bought-together': 'item',
  session: 'session',
  'buy-again': 'user',
  trending: null,
  popular: null,
};

const QUERY_KEYS: ReadonlySet<string> = new Set([
  'type',
  'user',
  'item',
  'items',
  'session',
  'category',
  'k',
  'filters',
  'diversity',
] satisfies (keyof RecommendQuery)[]);

/** Validates a query from any caller (HTTP, embedding code); throws naming the field. */
export function checkQuery(raw: unknown): CheckedQuery {
  if (typeof raw !== 'object' || raw === null) throw invalid('query', 'must be an object');
  const q = raw as Record<string, unknown>;
  for (const key in q) {
    if (!QUERY_KEYS.has(key)) throw invalid(key, 'is not a known query field');
  }
  const type = q.type;
  if (typeof type !== 'string' || !(RECOMMEND_TYPES as readonly string[]).includes(type)) {
    throw invalid('type', `must be one of ${RECOMMEND_TYPES.join(', ')}`);
  }
  const t = type as RecommendType;
  const out: CheckedQuery = { type: t, k: 10, filters: {} };
  if (q.user !== undefined) out.user = checkString('user', q.user);
  if (q.item !== undefined) out.item = checkString('item', q.item);
  if (q.category !== undefined) out.category = checkString('category', q.category);
  if (q.session !== undefined) out.session = checkList('session', q.session);
  if (q.items !== undefined) {
    if (t !== 'bought-together') throw invalid('items', 'is only for bought-together');
    out.items = checkList('items', q.items);
    if (out.items.length === 0) throw invalid('items', 'must hold at least one item');
  }
  out.k = checkK(q.k);
  const need = NEEDS[t];
  if (need === 'user' && out.user === undefined) throw invalid('user', `is required for ${t}`);
  if (need === 'item' && out.item === undefined && out.items === undefined) {
    throw invalid('item', `is required for ${t}`);
  }
  if (need === 'session' && out.session === undefined && out.user === undefined) {
    throw invalid('session', 'is required for session (or give a user with a live session)');
  }
  out.filters = checkFilters(q.filters, out.user !== undefined);
  const diversity = checkDiversity(q.diversity);
  if (diversity !== undefined) out.diversity = diversity;
  return out;
}
