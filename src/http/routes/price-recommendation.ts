/**
 * GET /v1/items/:id/price/recommendation: the price that maximises expected profit under the
 * item's elasticity and its uncertainty, within a pricing manager's constraints.
 */
import type { FastifyInstance } from 'fastify';
import type { Engine, PriceRecommendationOptions } from '../../../engine/index.js';
import { idParams } from '../recommend-params.js';
import { withErrors } from '../schemas.js';
import { elasticity } from './inventory.js';

const tags = ['inventory'];

const point = {
  type: 'object',
  required: ['price', 'demand', 'revenue', 'profit'],
  properties: {
    price: { type: 'number' },
    demand: { type: 'number', description: 'expected units a day' },
    revenue: { type: 'number', description: 'expected revenue a day' },
    profit: { type: 'number', description: 'expected profit a day' },
  },
  additionalProperties: false,
} as const;

const BOUNDS = [
  'minMargin',
  'maxChange up',
  'maxChange down',
  'highest observed',
  'lowest observed',
  'stock to clear',
] as const;

const recommendation = {
  description: 'the recommended price, or why there is none',
  anyOf: [
    {
      type: 'object',
      required: [
        'item',
        'known',
        'cost',
        'costFrom',
        'elasticity',
        'current',
        'recommended',
        'change',
        'bound',
        'unconstrained',
        'range',
        'objective',
        'reason',
        'curve',
      ],
      properties: {
        item: { type: 'string' },
        known: { type: 'boolean' },
        cost: { type: 'number' },
        costFrom: { type: 'string', enum: ['catalogue', 'request', 'margin'] },
        elasticity,
        pooled: {
          type: 'object',
          description: "without an own estimate: the category's pooled one, which was used",
          required: ['item', 'elasticity', 'se', 'ci95', 'source', 'group', 'shrinkage', 'own'],
          properties: {
            item: { type: 'string' },
            elasticity: { type: 'number' },
            se: { type: 'number' },
            ci95: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 },
            source: { type: 'string', enum: ['own+group', 'group'] },
            group: { type: 'string', description: "the category, or '*' for the shop" },
            shrinkage: { type: 'number' },
            own: {
              anyOf: [
                {
                  type: 'object',
                  required: ['elasticity', 'se'],
                  properties: { elasticity: { type: 'number' }, se: { type: 'number' } },
                  additionalProperties: false,
                },
                { type: 'null' },
              ],
            },
          },
          additionalProperties: false,
        },
        current: point,
        recommended: point,
        change: { type: 'number', description: 'recommended / current − 1' },
        bound: {
          anyOf: [{ type: 'string', enum: [...BOUNDS] }, { type: 'null' }],
          description: 'the constraint the answer sits on, if any',
        },
        unconstrained: {
          type: ['number', 'null'],
          description: 'cost · e / (1 + e) at the point estimate; null when inelastic',
        },
        range: {
          type: 'array',
          items: { type: 'number' },
          minItems: 2,
          maxItems: 2,
          description: 'the prices every constraint allows',
        },
        objective: { type: 'string', enum: ['expected', 'cautious'] },
        reason: { type: 'string' },
        curve: { type: 'array', items: point, description: 'the allowed range, 41 prices' },
      },
      additionalProperties: false,
    },
    {
      type: 'object',
      required: ['item', 'known', 'refused'],
      properties: {
        item: { type: 'string' },
        known: { type: 'boolean' },
        refused: { type: 'string' },
        elasticity,
      },
      additionalProperties: false,
    },
  ],
} as const;

const share = (description: string) =>
  ({ type: 'number', minimum: 0, exclusiveMaximum: 1, description }) as const;

export function priceRecommendationRoutes(app: FastifyInstance, engine: Engine): void {
  app.get<{ Params: { id: string }; Querystring: PriceRecommendationOptions }>(
    '/v1/items/:id/price/recommendation',
    {
      schema: {
        summary: 'The price that maximises expected profit',
        description:
          "Under the item's own-price elasticity and its uncertainty, within the constraints: " +
          'a least margin, a largest step from today, how far beyond the observed prices, a ' +
          'price ending. Expected demand, revenue and profit a day at today’s price and at the ' +
          'answer, the constraint that bound it, and the curve. The cost is `cost`, else the ' +
          "catalogue's, else today's price less `margin`; without one, or without an " +
          'elasticity, the reply says why instead (`refused`).',
        tags,
        params: idParams,
        querystring: {
          type: 'object',
          properties: {
            cost: { type: 'number', minimum: 0, description: "unit cost, over the catalogue's" },
            margin: share("without a cost: today's margin, cost = price · (1 − margin)"),
            objective: {
              type: 'string',
              enum: ['expected', 'cautious'],
              description: "expected profit (default), or a low quantile of it ('cautious')",
            },
            caution: {
              type: 'number',
              exclusiveMinimum: 0,
              maximum: 0.5,
              description: "the quantile of profit 'cautious' maximises; default 0.25",
            },
            minMargin: share('least (p − cost) / p; default 0.05'),
            maxChange: {
              type: 'number',
              exclusiveMinimum: 0,
              maximum: 10,
              description: "largest change from today's price, a share; default 0.2",
            },
            beyondObserved: {
              type: 'number',
              minimum: 0,
              maximum: 10,
              description: 'how far past the observed prices, a share; default 0.1',
            },
            ending: share('the cents every price ends in (0.99); default none'),
            demand: {
              type: 'string',
              enum: ['units', 'lines'],
              description: 'the elasticity by units sold (default) or by purchase lines',
            },
            stock: {
              type: 'number',
              minimum: 0,
              description: 'with targetDays: units to clear; default the recorded level',
            },
            targetDays: {
              type: 'number',
              exclusiveMinimum: 0,
              maximum: 3650,
              description: 'caps the price at the markdown that clears the stock in this many days',
            },
            pooled: {
              type: 'boolean',
              description: "without an own estimate, use the category's pooled one (default true)",
            },
            lookback: {
              type: 'integer',
              minimum: 1,
              maximum: 365,
              description: 'days the pace of sales is measured over; default 14',
            },
          },
          additionalProperties: false,
        },
        response: withErrors({ 200: recommendation }, [
          [404, 'not_found: the engine never saw the item'],
        ]),
      },
    },
    async (request, reply) => {
      const r = engine.prices.recommend(request.params.id, request.query);
      if (!r.known) {
        return reply
          .code(404)
          .send({ error: 'not_found', message: `unknown item ${request.params.id}` });
      }
      return r;
    },
  );
}
