/**
 * Inventory and price routes: stock, velocity, cover and alerts per SKU, and price history with
 * elasticity and markdown suggestions. No response schemas: numbers such as days of cover are
 * Infinity when nothing sells, which JSON spells null.
 */
import type { FastifyInstance } from 'fastify';
import {
  INVENTORY_ALERT_TYPES,
  type Engine,
  type InventoryAlertType,
} from '../../../engine/index.js';
import type { ErrorBody } from '../errors.js';
import { name } from '../recommend-params.js';

const none = { type: 'object', properties: {}, additionalProperties: false } as const;
const idParams = { type: 'object', properties: { id: name }, required: ['id'] } as const;

function notFound(item: string): ErrorBody {
  return { error: 'not_found', message: `unknown item ${item}` };
}

export function inventoryRoutes(app: FastifyInstance, engine: Engine): void {
  app.get<{ Querystring: { type?: InventoryAlertType; limit: number } }>(
    '/v1/inventory/alerts',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            type: { type: 'string', enum: [...INVENTORY_ALERT_TYPES] },
            limit: { type: 'integer', minimum: 1, maximum: 100_000, default: 100 },
          },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const { type, limit } = request.query;
      const counts = engine.inventory.alertCounts();
      return {
        total: type === undefined ? Object.values(counts).reduce((a, b) => a + b, 0) : counts[type],
        byType: counts,
        alerts: engine.inventory.alerts({ limit, ...(type !== undefined && { type }) }),
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/inventory/:id',
    { schema: { params: idParams, querystring: none } },
    async (request, reply) => {
      const r = engine.inventory.report(request.params.id);
      if (!r.known) return reply.code(404).send(notFound(request.params.id));
      return r;
    },
  );

  app.get<{ Params: { id: string }; Querystring: { stock?: number; targetDays?: number } }>(
    '/v1/items/:id/price',
    {
      schema: {
        params: idParams,
        querystring: {
          type: 'object',
          properties: {
            stock: { type: 'number', minimum: 0 },
            targetDays: { type: 'number', exclusiveMinimum: 0, maximum: 3650 },
          },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const { stock, targetDays } = request.query;
      const r = engine.prices.report(request.params.id, {
        ...(stock !== undefined && { stock }),
        ...(targetDays !== undefined && { targetDays }),
      });
      if (!r.known) return reply.code(404).send(notFound(request.params.id));
      return r;
    },
  );
}
