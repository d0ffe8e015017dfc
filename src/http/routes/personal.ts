/**
 * Personal routes: recommendations for a user, buy-again, the user's recent history, and next
 * items for a session.
 */
import type { FastifyInstance } from 'fastify';
import type {
  Diversity,
  Engine,
  RecommendFilters,
  RecommendResult,
} from '../../../engine/index.js';
import {
  filterParams,
  id,
  idParams,
  noQuery,
  recommendReply,
  toEngineQuery,
  type FilterQuery,
} from '../recommend-params.js';
import { BODY_ERRORS, epochMs, withErrors } from '../schemas.js';

const tags = ['recommendations'];
const userReply = withErrors({
  200: recommendReply({ user: { type: 'string' } }, ['user']),
});
// The user is the path's; a `user` parameter beside it would be ambiguous.
const userParams: Record<string, unknown> = { ...filterParams };
delete userParams.user;
const userQuery = { type: 'object', properties: userParams, additionalProperties: false } as const;

const list = { type: 'array', items: id, maxItems: 1000 } as const;
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

const historyReply = {
  description: "the user's items, newest first; none for an unknown user",
  type: 'object',
  required: ['user', 'items'],
  properties: {
    user: { type: 'string' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['item', 'lastSeen', 'strength', 'bought'],
        properties: {
          item: { type: 'string' },
          lastSeen: { ...epochMs, description: 'last interaction with the item, epoch ms' },
          strength: {
            type: 'number',
            description: "weighted count of the user's events on the item",
          },
          bought: { type: 'boolean' },
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

function reply(result: RecommendResult, extra: Record<string, unknown>) {
  // Built field by field: the hot path of every personal route, and spreads of optional
  // fields cost more than the assignments.
  const out: Record<string, unknown> = extra;
  out.type = result.type;
  if (result.fallback !== undefined) out.fallback = result.fallback;
  out.notes = result.notes;
  out.filtered = result.filtered;
  out.items = result.results;
  return out;
}

export function personalRoutes(app: FastifyInstance, engine: Engine): void {
  app.get<{ Params: { id: string }; Querystring: FilterQuery }>(
    '/v1/users/:id/recommendations',
    {
      schema: {
        summary: 'Personal recommendations',
        description:
          "The factor model's items for the user, the neighbours of their recent items, their " +
          'buy-again items, the next items of their live session and a little popularity. An ' +
          'unknown user gets popular items (`fallback: cold-start`), not an error.',
        tags,
        params: idParams,
        querystring: userQuery,
        response: userReply,
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
        summary: 'Past purchases due again',
        description:
          "The user's past purchases, ranked by how likely they are to buy each again now; a " +
          'user who bought nothing gets popular items (`fallback: popular`).',
        tags,
        params: idParams,
        querystring: userQuery,
        response: userReply,
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

  app.get<{ Params: { id: string }; Querystring: { limit: number } }>(
    '/v1/users/:id/history',
    {
      schema: {
        summary: "The user's recent items",
        description:
          'The items the user interacted with, newest first, each with its last interaction ' +
          'time, strength (by default a view weighs 1, a cart 2, a purchase 4) and whether it was ' +
          'bought. An unknown user has no items rather than a 404, as on the other user routes.',
        tags,
        params: idParams,
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 200, default: 20 } },
          additionalProperties: false,
        },
        response: withErrors({ 200: historyReply }),
      },
    },
    async (request) => {
      const user = request.params.id;
      const h = engine.analytics.userHistory(user, { limit: request.query.limit });
      return { user, items: h.items };
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
        summary: 'Next items for a list of recently viewed items',
        description:
          'Next items for a shopper you may not know, from what they just looked at (oldest ' +
          'first). Unknown items are skipped with a note; when none is known the answer is ' +
          '`cold-start`. The reply has no `user` field.',
        tags,
        querystring: noQuery,
        body: {
          type: 'object',
          properties: {
            items: {
              type: 'array',
              items: id,
              minItems: 1,
              maxItems: 1000,
              description: 'item ids, oldest first',
            },
            user: { ...id, description: 'the shopper, if known; used by notBought only' },
            k: filterParams.k,
            filters: filtersBody,
            diversity: diversityBody,
          },
          required: ['items'],
          additionalProperties: false,
        },
        response: withErrors({ 200: recommendReply() }, BODY_ERRORS),
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
