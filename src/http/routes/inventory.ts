/**
 * Inventory and price routes: stock, velocity, cover and alerts per SKU, and price history with
 * elasticity and markdown suggestions. Days of cover are Infinity when nothing sells, which the
 * replies spell null, as JSON does.
 */
import type { FastifyInstance } from 'fastify';
import {
  INVENTORY_ALERT_TYPES,
  type Engine,
  type InventoryAlertType,
} from '../../../engine/index.js';
import type { ErrorBody } from '../errors.js';
import { idParams, noQuery } from '../recommend-params.js';
import { count, epochMs, nullableNumber, withErrors } from '../schemas.js';

const tags = ['inventory'];
const unknownItem: [404, string] = [404, 'not_found: the engine never saw the item'];

function notFound(item: string): ErrorBody {
  return { error: 'not_found', message: `unknown item ${item}` };
}

const alertType = { type: 'string', enum: [...INVENTORY_ALERT_TYPES] } as const;

const inventoryAlert = {
  type: 'object',
  required: ['type', 'item', 'ts', 'reason', 'level', 'velocityPerDay', 'daysOfCover'],
  properties: {
    type: alertType,
    item: { type: 'string' },
    ts: { ...epochMs, description: 'stream time of the check that raised it' },
    reason: { type: 'string' },
    level: { type: 'number', description: 'units on hand over all locations when raised' },
    velocityPerDay: { type: 'number' },
    daysOfCover: { ...nullableNumber, description: 'null when nothing sells' },
    risk: { type: 'number', description: 'stockout_risk alerts' },
    reorderPoint: { type: 'number', description: 'stockout_risk alerts' },
    orderQuantity: { type: 'number', description: 'stockout_risk alerts' },
    oversoldUnits: { type: 'number', description: 'oversell alerts' },
  },
  additionalProperties: false,
} as const;

const inventoryReport = {
  description: 'stock, velocity, cover and reorder figures as of stream time',
  type: 'object',
  required: [
    'item',
    'known',
    'velocityPerDay',
    'leadTimeDays',
    'reorderPoint',
    'overstock',
    'oversoldUnits',
  ],
  properties: {
    item: { type: 'string' },
    known: { type: 'boolean' },
    level: {
      type: 'number',
      description: 'units in stock over all locations; absent when no inventory event named it',
    },
    byLocation: {
      type: 'array',
      items: {
        type: 'object',
        required: ['location', 'level'],
        properties: {
          location: { type: ['string', 'null'], description: 'null for stock without a location' },
          level: { type: 'number' },
        },
        additionalProperties: false,
      },
    },
    velocityPerDay: { type: 'number', description: 'units sold per day, decayed' },
    daysOfCover: { ...nullableNumber, description: 'level ÷ velocity; null when nothing sells' },
    stockoutRisk: { type: 'number', description: 'chance of selling out before the next delivery' },
    leadTimeDays: { type: 'number' },
    reorderPoint: { type: 'number' },
    orderQuantity: { type: 'number' },
    overstock: { type: 'boolean' },
    oversoldUnits: { type: 'number' },
  },
  additionalProperties: false,
} as const;

const refusal = {
  type: 'object',
  required: ['refused'],
  properties: { refused: { type: 'string', description: 'why the data cannot support one' } },
  additionalProperties: false,
} as const;

const pair = { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 } as const;

export const elasticity = {
  description: 'own-price elasticity with its 95% interval, or why there is none',
  anyOf: [
    {
      type: 'object',
      required: [
        'elasticity',
        'ci95',
        'se',
        'df',
        'r2',
        'periods',
        'zeroPeriods',
        'priceLevels',
        'n',
        'priceRange',
        'trend',
      ],
      properties: {
        elasticity: { type: 'number' },
        ci95: pair,
        se: { type: 'number' },
        df: { type: 'number' },
        r2: { type: 'number' },
        periods: { type: 'integer' },
        zeroPeriods: { type: 'integer' },
        priceLevels: { type: 'integer' },
        n: { type: 'number', description: 'units sold over the periods' },
        priceRange: pair,
        trend: { type: 'boolean' },
      },
      additionalProperties: false,
    },
    refusal,
  ],
} as const;

const markdown = {
  description: 'the price that clears the stock in targetDays, or why there is none',
  anyOf: [
    {
      type: 'object',
      required: ['price', 'discount', 'expectedVelocity', 'daysToClear', 'floored', 'reason'],
      properties: {
        price: { type: 'number' },
        discount: { type: 'number' },
        expectedVelocity: { type: 'number' },
        daysToClear: nullableNumber,
        elasticity: { type: 'number' },
        floored: { type: 'boolean' },
        reason: { type: 'string' },
      },
      additionalProperties: false,
    },
    refusal,
  ],
} as const;

const priceReport = {
  description: 'price history, elasticity and, with targetDays, a markdown suggestion',
  type: 'object',
  required: ['item', 'known', 'changes', 'elasticity'],
  properties: {
    item: { type: 'string' },
    known: { type: 'boolean' },
    currentPrice: { type: 'number' },
    changes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['ts', 'price', 'source'],
        properties: {
          ts: epochMs,
          price: { type: 'number' },
          source: { type: 'string', enum: ['list', 'sale'] },
        },
        additionalProperties: false,
      },
    },
    elasticity,
    markdown,
  },
  additionalProperties: false,
} as const;

export function inventoryRoutes(app: FastifyInstance, engine: Engine): void {
  app.get<{ Querystring: { type?: InventoryAlertType; limit: number } }>(
    '/v1/inventory/alerts',
    {
      schema: {
        summary: 'Open inventory alerts',
        description:
          'Open alerts, oldest first: stockout risk, oversell, overstock and unknown SKUs. ' +
          '`total` counts the open alerts (of `type` when given), `byType` all of them per type.',
        tags,
        querystring: {
          type: 'object',
          properties: {
            type: alertType,
            limit: { type: 'integer', minimum: 1, maximum: 100_000, default: 100 },
          },
          additionalProperties: false,
        },
        response: withErrors({
          200: {
            description: 'the open alerts',
            type: 'object',
            required: ['total', 'byType', 'alerts'],
            properties: {
              total: count,
              byType: {
                type: 'object',
                required: [...INVENTORY_ALERT_TYPES],
                properties: Object.fromEntries(INVENTORY_ALERT_TYPES.map((t) => [t, count])),
                additionalProperties: false,
              },
              alerts: { type: 'array', items: inventoryAlert },
            },
            additionalProperties: false,
          },
        }),
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
    {
      schema: {
        summary: 'Stock, velocity, days of cover and stockout risk of an item',
        tags,
        params: idParams,
        querystring: noQuery,
        response: withErrors({ 200: inventoryReport }, [unknownItem]),
      },
    },
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
        summary: 'Price history, elasticity and a markdown suggestion',
        tags,
        params: idParams,
        querystring: {
          type: 'object',
          properties: {
            stock: {
              type: 'number',
              minimum: 0,
              description: 'units to clear; default the recorded level',
            },
            targetDays: {
              type: 'number',
              exclusiveMinimum: 0,
              maximum: 3650,
              description: 'asks for a markdown that clears the stock in this many days',
            },
          },
          additionalProperties: false,
        },
        response: withErrors({ 200: priceReport }, [unknownItem]),
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
