/**
 * Parameters shared by the routes: ids, and the recommendation routes' k, business filters and
 * diversity, as JSON schemas (so fastify refuses a bad value naming the parameter), their mapping
 * onto an engine query, and the reply of a recommendation. Lists are comma-separated
 * (`?category=kitchen,garden`).
 */
import { RECOMMEND_TYPES, type Diversity, type RecommendFilters } from '../../engine/index.js';

/**
 * No control character (U+0000–U+001F, U+007F–U+009F): the engine refuses them in ingested ids,
 * and a parameter holding one is never meant and must not reach a message, a log or a terminal.
 */
export const NO_CONTROL = '^[^\\u0000-\\u001F\\u007F-\\u009F]*$';

/** Free text of a parameter (a window, a list): bounded, without control characters. */
export function text(maxLength: number) {
  return { type: 'string', minLength: 1, maxLength, pattern: NO_CONTROL } as const;
}

/**
 * An item, user or category id, wherever one is taken (path or query): the same limit as an
 * ingested event's ids, so anything the engine can hold can be asked for.
 */
export const id = {
  ...text(256),
  description: 'an id: 1 to 256 characters, no control characters',
} as const;

const list = {
  ...text(4096),
  description: 'comma-separated ids; blanks around them are trimmed',
} as const;
const price = { type: 'number', minimum: 0 } as const;

export const k = {
  type: 'integer',
  minimum: 1,
  maximum: 100,
  default: 10,
  description: 'items wanted',
} as const;

/** A path that names one thing by its id. */
export const idParams = {
  type: 'object',
  properties: { id },
  required: ['id'],
  additionalProperties: false,
} as const;

/** A route that takes no query parameter still refuses one, rather than ignore a typo. */
export const noQuery = { type: 'object', properties: {}, additionalProperties: false } as const;

export const filterParams = {
  k,
  /** Who is asking: needed by notBought, and it personalises nothing else on item routes. */
  user: { ...id, description: 'the asking shopper, which notBought needs' },
  inStock: { type: 'boolean', description: 'true drops items whose stock level is 0 or below' },
  notBought: { type: 'boolean', description: 'true drops items the asking user has bought' },
  category: list,
  excludeCategory: list,
  minPrice: price,
  maxPrice: price,
  exclude: list,
  categoryCap: {
    type: 'integer',
    minimum: 1,
    maximum: 100,
    description: 'at most this many items per category',
  },
  mmr: {
    type: 'number',
    minimum: 0,
    maximum: 1,
    description: 'maximal marginal relevance: 1 is the plain ranking, lower trades it for variety',
  },
} as const;

export interface FilterQuery {
  k: number;
  user?: string;
  inStock?: boolean;
  notBought?: boolean;
  category?: string;
  excludeCategory?: string;
  minPrice?: number;
  maxPrice?: number;
  exclude?: string;
  categoryCap?: number;
  mmr?: number;
}

const split = (s: string): string[] =>
  s
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);

/** The engine's filters and diversity for a validated query string. */
export function toEngineQuery(q: FilterQuery): {
  k: number;
  user?: string;
  filters: RecommendFilters;
  diversity?: Diversity;
} {
  const filters: RecommendFilters = {};
  if (q.inStock !== undefined) filters.inStock = q.inStock;
  if (q.notBought !== undefined) filters.notBought = q.notBought;
  if (q.category !== undefined) filters.categories = split(q.category);
  if (q.excludeCategory !== undefined) filters.excludeCategories = split(q.excludeCategory);
  if (q.minPrice !== undefined) filters.minPrice = q.minPrice;
  if (q.maxPrice !== undefined) filters.maxPrice = q.maxPrice;
  if (q.exclude !== undefined) filters.exclude = split(q.exclude);
  const diversity: Diversity = {};
  if (q.categoryCap !== undefined) diversity.categoryCap = q.categoryCap;
  if (q.mmr !== undefined) diversity.mmr = q.mmr;
  return {
    k: q.k,
    ...(q.user !== undefined && { user: q.user }),
    filters,
    ...(Object.keys(diversity).length > 0 && { diversity }),
  };
}

/** One recommended item as every recommendation route replies it. */
export const recommendation = {
  type: 'object',
  required: ['item', 'score', 'reason'],
  properties: {
    item: { type: 'string' },
    score: {
      type: 'number',
      description: 'orders the items of one answer; means nothing across answers',
    },
    category: { type: 'string' },
    price: { type: 'number' },
    reason: { type: 'string', description: 'the words of the source that contributed most' },
  },
  additionalProperties: false,
} as const;

/** The association figures of bought-together items, when some order holds both. */
export const associationFigures = {
  orders: { type: 'integer', minimum: 1, description: 'orders holding both' },
  support: { type: 'number', description: 'share of all orders holding both' },
  confidence: { type: 'number', description: "share of the asked item's orders holding this one" },
  lift: { type: 'number', description: "confidence over this item's own share of orders" },
} as const;

/** Candidates each business rule removed; an item counts under the first rule it fails. */
const filtered = {
  type: 'object',
  required: ['excluded', 'outOfStock', 'bought', 'category', 'price'],
  properties: {
    excluded: { type: 'integer' },
    outOfStock: { type: 'integer' },
    bought: { type: 'integer' },
    category: { type: 'integer' },
    price: { type: 'integer' },
  },
  additionalProperties: false,
} as const;

/**
 * The success schema of an engine.recommend answer: the route's own fields (`extra`, with the
 * names in `required` always present), then the answer, with `item` adding to each item's fields.
 */
export function recommendReply(
  extra: Record<string, unknown> = {},
  required: readonly string[] = [],
  item: Record<string, unknown> = {},
) {
  return {
    description: 'up to k items, best first, each with a reason',
    type: 'object',
    required: [...required, 'type', 'notes', 'filtered', 'items'],
    properties: {
      ...extra,
      type: { type: 'string', enum: [...RECOMMEND_TYPES] },
      fallback: {
        type: 'string',
        enum: ['cold-start', 'popular-in-category', 'popular'],
        description: 'present only when some items are popular fill-ins',
      },
      notes: { type: 'array', items: { type: 'string' } },
      filtered,
      items: {
        type: 'array',
        items: { ...recommendation, properties: { ...recommendation.properties, ...item } },
      },
    },
    additionalProperties: false,
  } as const;
}
