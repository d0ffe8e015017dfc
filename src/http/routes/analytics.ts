/**
 * Behaviour analytics routes: trending items and categories, funnels over sliding windows and
 * anomalies in event rates.
 */
import type { FastifyInstance } from 'fastify';
import { EVENT_TYPES, type Engine, type EventType } from '../../../engine/index.js';
import { name } from '../recommend-params.js';

const none = { type: 'object', properties: {}, additionalProperties: false } as const;
const idParam = { type: 'object', properties: { id: name }, required: ['id'] } as const;

export function analyticsRoutes(app: FastifyInstance, engine: Engine): void {
  app.get<{ Querystring: { k: number; category?: string } }>(
    '/v1/analytics/trending',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            k: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
            category: name,
          },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const { k, category } = request.query;
      const r = engine.analytics.trending({ k, ...(category !== undefined && { category }) });
      if (!r.known) {
        return reply
          .code(404)
          .send({ error: 'not_found', message: `unknown category ${category}` });
      }
      return r;
    },
  );

  app.get<{ Querystring: { window: string; item?: string; category?: string } }>(
    '/v1/analytics/funnel',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            window: { type: 'string', minLength: 1, maxLength: 32, default: '1h' },
            item: name,
            category: name,
          },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const { window, item, category } = request.query;
      if (item !== undefined && category !== undefined) {
        return reply.code(400).send({
          error: 'bad_request',
          message: 'querystring.category: give an item or a category, not both',
        });
      }
      const r = engine.analytics.funnel({
        window,
        ...(item !== undefined && { item }),
        ...(category !== undefined && { category }),
      });
      if (!r.known) {
        const what = item !== undefined ? `item ${item}` : `category ${category}`;
        return reply.code(404).send({ error: 'not_found', message: `unknown ${what}` });
      }
      return r;
    },
  );

  app.get<{ Querystring: { fresh: boolean } }>(
    '/v1/analytics/segments',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: { fresh: { type: 'boolean', default: false } },
          additionalProperties: false,
        },
      },
    },
    async (request) => engine.analytics.segments({ fresh: request.query.fresh }),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/users/:id/segment',
    { schema: { params: idParam, querystring: none } },
    async (request, reply) => {
      const r = engine.analytics.customerSegment(request.params.id);
      if (!r.known) {
        return reply
          .code(404)
          .send({ error: 'not_found', message: `user ${request.params.id} has no purchases` });
      }
      return r;
    },
  );

  app.get('/v1/analytics/baskets', { schema: { querystring: none } }, async () =>
    engine.analytics.basketStats(),
  );

  app.get<{ Querystring: { window: string; step?: string; item?: string; category?: string } }>(
    '/v1/analytics/revenue',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            window: { type: 'string', minLength: 1, maxLength: 32, default: '1d' },
            step: { type: 'string', minLength: 1, maxLength: 32 },
            item: name,
            category: name,
          },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const { window, step, item, category } = request.query;
      // Both an item and a category: the engine refuses it, which the error handler makes a 400.
      const r = engine.analytics.revenue({
        window,
        ...(step !== undefined && { step }),
        ...(item !== undefined && { item }),
        ...(category !== undefined && { category }),
      });
      if (!r.known) {
        const what = item !== undefined ? `item ${item}` : `category ${category}`;
        return reply.code(404).send({ error: 'not_found', message: `unknown ${what}` });
      }
      return r;
    },
  );

  app.get<{
    Querystring: {
      by: 'item' | 'user' | 'category';
      window?: string;
      from?: number;
      to?: number;
      types?: string;
      top: number;
    };
  }>(
    '/v1/analytics/group-by',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            by: { type: 'string', enum: ['item', 'user', 'category'] },
            window: { type: 'string', minLength: 1, maxLength: 32 },
            from: { type: 'integer' },
            to: { type: 'integer' },
            types: { type: 'string', minLength: 1, maxLength: 200 },
            top: { type: 'integer', minimum: 1, maximum: 10_000, default: 100 },
          },
          required: ['by'],
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const { by, window, from, to, types, top } = request.query;
      const list = types?.split(',').map((t) => t.trim());
      const bad = list?.find((t) => !(EVENT_TYPES as readonly string[]).includes(t));
      if (bad !== undefined) {
        return reply.code(400).send({
          error: 'bad_request',
          message: `querystring.types: "${bad}" is not an event type (${EVENT_TYPES.join(', ')})`,
        });
      }
      return engine.analytics.groupBy({
        by,
        top,
        ...(window !== undefined && { window }),
        ...(from !== undefined && { from }),
        ...(to !== undefined && { to }),
        ...(list !== undefined && { types: list as EventType[] }),
      });
    },
  );

  app.get('/v1/analytics/anomalies', { schema: { querystring: none } }, async () =>
    engine.analytics.anomalies(),
  );
}
