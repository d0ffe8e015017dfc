/** Personal routes: recommendations for a user, buy-again, and next items for a session. */
import type { FastifyInstance } from 'fastify';
import type {
  Diversity,
  Engine,
  RecommendFilters,
  RecommendResult,
} from '../../../engine/index.js';
import {
  filterParams,
  name,
  recommendResponse,
  toEngineQuery,
  type FilterQuery,
} from '../recommend-params.js';

const idParams = { type: 'object', properties: { id: name }, required: ['id'] } as const;
// The user is the path's; a `user` parameter beside it would be ambiguous.
const userParams: Record<string, unknown> = { ...filterParams };
delete userParams.user;
const userQuery = { type: 'object', properties: userParams, additionalProperties: false } as const;

const list = { type: 'array', items: name, maxItems: 1000 } as const;
/** The engine's own filters and diversity objects, as JSON (the engine checks the values). */
const filtersBody = {
  type: 'object',
  properties: {
    inStock: { type: 'boolean' },
    notBought: { type: 'boolean' },
    categories: list,
    excludeCategories: list,
    minPrice: { type: 'number', minimum: 0 },
    maxPrice: { type: 'number', minimum: 0 },
    exclude: list,
  },
  additionalProperties: false,
} as const;
const diversityBody = {
  type: 'object',
  properties: {
    categoryCap: { type: 'integer', minimum: 1, maximum: 100 },
    mmr: { type: 'number', minimum: 0, maximum: 1 },
  },
  additionalProperties: false,
} as const;

function reply(result: RecommendResult, extra: Record<string, unknown>) {
  return {
    ...extra,
    type: result.type,
    ...(result.fallback && { fallback: result.fallback }),
    notes: result.notes,
    filtered: result.filtered,
    items: result.results,
  };
}

export function personalRoutes(app: FastifyInstance, engine: Engine): void {
  app.get<{ Params: { id: string }; Querystring: FilterQuery }>(
    '/v1/users/:id/recommendations',
    {
      schema: {
        params: idParams,
        querystring: userQuery,
        response: recommendResponse({ user: { type: 'string' } }),
      },
    },
    async (request) => {
      const user = request.params.id;
      const result = engine.recommend({ type: 'user', user, ...toEngineQuery(request.query) });
      return reply(result, { user });
    },
  );

  app.get<{ Params: { id: string }; Querystring: FilterQuery }>(
    '/v1/users/:id/buy-again',
    {
      schema: {
        params: idParams,
        querystring: userQuery,
        response: recommendResponse({ user: { type: 'string' } }),
      },
    },
    async (request) => {
      const user = request.params.id;
      const result = engine.recommend({
        type: 'buy-again',
        user,
        ...toEngineQuery(request.query),
      });
      return reply(result, { user });
    },
  );

  app.post<{
    Body: {
      items: string[];
      user?: string;
      k: number;
      filters?: RecommendFilters;
      diversity?: Diversity;
    };
  }>(
    '/v1/sessions/recommendations',
    {
      schema: {
        body: {
          type: 'object',
          properties: {
            items: { type: 'array', items: name, minItems: 1, maxItems: 1000 },
            user: name,
            k: filterParams.k,
            filters: filtersBody,
            diversity: diversityBody,
          },
          required: ['items'],
          additionalProperties: false,
        },
        response: recommendResponse(),
      },
    },
    async (request) => {
      const { items, user, k, filters, diversity } = request.body;
      const result = engine.recommend({
        type: 'session',
        session: items,
        k,
        ...(user !== undefined && { user }),
        ...(filters !== undefined && { filters }),
        ...(diversity !== undefined && { diversity }),
      });
      return reply(result, {});
    },
  );
}
