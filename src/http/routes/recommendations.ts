/** Read-side routes: trending and similar items. */
import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../../engine/index.js';

const k = { type: 'integer', minimum: 1, maximum: 100, default: 10 } as const;
const name = { type: 'string', minLength: 1, maxLength: 256 } as const;

const recommendation = {
  type: 'object',
  properties: {
    item: { type: 'string' },
    score: { type: 'number' },
    category: { type: 'string' },
    price: { type: 'number' },
    reason: { type: 'string' },
  },
} as const;

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
        response: {
          200: {
            type: 'object',
            properties: {
              category: { type: 'string' },
              fallback: { type: 'string' },
              items: { type: 'array', items: recommendation },
            },
          },
        },
      },
    },
    async (request) => {
      const { k: count, category } = request.query;
      const opts = category === undefined ? { k: count } : { k: count, category };
      const items = engine.trending(opts);
      // Nothing stands out (a quiet or steady stream): popular items answer instead, flagged.
      if (items.length === 0) {
        return { ...(category && { category }), fallback: 'popular', items: engine.popular(opts) };
      }
      return { ...(category && { category }), items };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { k: number; kind: 'viewed' | 'bought' } }>(
    '/v1/items/:id/similar',
    {
      schema: {
        params: { type: 'object', properties: { id: name }, required: ['id'] },
        querystring: {
          type: 'object',
          properties: {
            k,
            kind: { type: 'string', enum: ['viewed', 'bought'], default: 'viewed' },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              item: { type: 'string' },
              kind: { type: 'string' },
              fallback: { type: 'string' },
              items: { type: 'array', items: recommendation },
            },
          },
        },
      },
    },
    async (request) => {
      const result = engine.similar(request.params.id, {
        k: request.query.k,
        kind: request.query.kind,
      });
      return {
        item: result.item,
        kind: result.kind,
        ...(result.fallback && { fallback: result.fallback }),
        items: result.results,
      };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { k: number } }>(
    '/v1/items/:id/bought-together',
    {
      schema: {
        params: { type: 'object', properties: { id: name }, required: ['id'] },
        querystring: { type: 'object', properties: { k }, additionalProperties: false },
        response: {
          200: {
            type: 'object',
            properties: {
              item: { type: 'string' },
              orders: { type: 'number' },
              fallback: { type: 'string' },
              items: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    ...recommendation.properties,
                    orders: { type: 'number' },
                    support: { type: 'number' },
                    confidence: { type: 'number' },
                    lift: { type: 'number' },
                  },
                },
              },
            },
          },
        },
      },
    },
    async (request) => {
      const r = engine.boughtTogether(request.params.id, { k: request.query.k });
      return {
        item: r.item,
        orders: r.orders,
        ...(r.fallback && { fallback: r.fallback }),
        items: r.results,
      };
    },
  );
}
