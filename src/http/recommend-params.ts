/**
 * Query parameters shared by every recommendation route: k, business filters and diversity,
 * as a JSON schema (so fastify refuses a bad value naming the parameter) and their mapping onto
 * an engine query. Lists are comma-separated (`?category=kitchen,garden`).
 */
import type { Diversity, RecommendFilters } from '../../engine/index.js';

const list = { type: 'string', minLength: 1, maxLength: 4096 } as const;
const price = { type: 'number', minimum: 0 } as const;

export const k = { type: 'integer', minimum: 1, maximum: 100, default: 10 } as const;
export const name = { type: 'string', minLength: 1, maxLength: 256 } as const;

export const filterParams = {
  k,
  /** Who is asking: needed by notBought, and it personalises nothing else on item routes. */
  user: name,
  inStock: { type: 'boolean' },
  notBought: { type: 'boolean' },
  category: list,
  excludeCategory: list,
  minPrice: price,
  maxPrice: price,
  exclude: list,
  categoryCap: { type: 'integer', minimum: 1, maximum: 100 },
  mmr: { type: 'number', minimum: 0, maximum: 1 },
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
  properties: {
    item: { type: 'string' },
    score: { type: 'number' },
    category: { type: 'string' },
    price: { type: 'number' },
    reason: { type: 'string' },
  },
} as const;

/** Response schema of an engine.recommend answer, with route-specific extras. */
export function recommendResponse(
  extra: Record<string, unknown> = {},
  item: Record<string, unknown> = {},
) {
  return {
    200: {
      type: 'object',
      properties: {
        ...extra,
        type: { type: 'string' },
        fallback: { type: 'string' },
        notes: { type: 'array', items: { type: 'string' } },
        filtered: { type: 'object', additionalProperties: { type: 'number' } },
        items: {
          type: 'array',
          items: { ...recommendation, properties: { ...recommendation.properties, ...item } },
        },
      },
    },
  } as const;
}
