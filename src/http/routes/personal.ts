/** Personal routes: recommendations for a user, buy-again, and next items for a session. */
import type { FastifyInstance } from 'fastify';
import type { Engine, RecommendResult } from '../../../engine/index.js';
import {
  filterParams,
  name,
  recommendResponse,
  toEngineQuery,
  type FilterQuery,
} from '../recommend-params.js';

const idParams = { type: 'object', properties: { id: name }, required: ['id'] } as const;

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
        querystring: { type: 'object', properties: filterParams, additionalProperties: false },
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
        querystring: { type: 'object', properties: filterParams, additionalProperties: false },
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
    Body: { items: string[]; user?: string } & Partial<FilterQuery>;
  }>(
    '/v1/sessions/recommendations',
    {
      schema: {
        body: {
          type: 'object',
          properties: {
            items: { type: 'array', items: name, minItems: 1, maxItems: 1000 },
            user: name,
            ...filterParams,
          },
          required: ['items'],
          additionalProperties: false,
        },
        response: recommendResponse(),
      },
    },
    async (request) => {
      const { items, user, ...rest } = request.body;
      const result = engine.recommend({
        type: 'session',
        session: items,
        ...(user !== undefined && { user }),
        ...toEngineQuery({ ...rest, k: rest.k ?? 10 }),
      });
      return reply(result, {});
    },
  );
}
