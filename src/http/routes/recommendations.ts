/** Read-side item routes: trending, similar and bought-together items. */
import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../../engine/index.js';
import {
  filterParams,
  k,
  name,
  recommendResponse,
  toEngineQuery,
  type FilterQuery,
} from '../recommend-params.js';

export function recommendationRoutes(app: FastifyInstance, engine: Engine): void {
  app.get<{ Querystring: { k: number; category?: string } }>(
    '/v1/trending',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: { k, category: name },
          additionalProperties: false,
        },
        response: recommendResponse({ category: { type: 'string' } }),
      },
    },
    async (request) => {
      const { k: count, category } = request.query;
      // Too few items stand out (a quiet or steady stream): popular ones fill in, flagged.
      const r = engine.recommend({
        type: 'trending',
        k: count,
        ...(category !== undefined && { category }),
      });
      return {
        ...(category !== undefined && { category }),
        type: r.type,
        ...(r.fallback && { fallback: r.fallback }),
        notes: r.notes,
        filtered: r.filtered,
        items: r.results,
      };
    },
  );

  app.get<{ Params: { id: string }; Querystring: FilterQuery & { kind: 'viewed' | 'bought' } }>(
    '/v1/items/:id/similar',
    {
      schema: {
        params: { type: 'object', properties: { id: name }, required: ['id'] },
        querystring: {
          type: 'object',
          properties: {
            ...filterParams,
            kind: { type: 'string', enum: ['viewed', 'bought'], default: 'viewed' },
          },
          additionalProperties: false,
        },
        response: recommendResponse({ item: { type: 'string' }, kind: { type: 'string' } }),
      },
    },
    async (request) => {
      const { kind, ...rest } = request.query;
      const item = request.params.id;
      // "Bought" neighbours are the bought-together blend without its association figures.
      const type = kind === 'viewed' ? 'similar' : 'bought-together';
      const r = engine.recommend({ type, item, ...toEngineQuery(rest) });
      return {
        item,
        kind,
        type: r.type,
        ...(r.fallback && { fallback: r.fallback }),
        notes: r.notes,
        filtered: r.filtered,
        items: r.results,
      };
    },
  );

  app.get<{ Params: { id: string }; Querystring: FilterQuery }>(
    '/v1/items/:id/bought-together',
    {
      schema: {
        params: { type: 'object', properties: { id: name }, required: ['id'] },
        querystring: { type: 'object', properties: filterParams, additionalProperties: false },
        response: recommendResponse(
          { item: { type: 'string' }, orders: { type: 'number' } },
          {
            orders: { type: 'number' },
            support: { type: 'number' },
            confidence: { type: 'number' },
            lift: { type: 'number' },
          },
        ),
      },
    },
    async (request) => {
      const item = request.params.id;
      const r = engine.recommend({
        type: 'bought-together',
        item,
        ...toEngineQuery(request.query),
      });
      return {
        item,
        orders: r.orders ?? 0,
        type: r.type,
        ...(r.fallback && { fallback: r.fallback }),
        notes: r.notes,
        filtered: r.filtered,
        items: r.results,
      };
    },
  );
}
