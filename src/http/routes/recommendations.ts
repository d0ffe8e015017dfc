/** Read-side item routes: trending, similar and bought-together items. */
import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../../engine/index.js';
import {
  associationFigures,
  filterParams,
  id,
  idParams,
  k,
  recommendReply,
  toEngineQuery,
  type FilterQuery,
} from '../recommend-params.js';
import { withErrors } from '../schemas.js';

const tags = ['recommendations'];

export function recommendationRoutes(app: FastifyInstance, engine: Engine): void {
  app.get<{ Querystring: { k: number; category?: string } }>(
    '/v1/trending',
    {
      schema: {
        summary: 'Items trending now',
        description:
          'Items whose activity in the last hours stands out against their long-run rate, as a ' +
          'Poisson z-score; popular items fill in when too few stand out (flagged by `fallback`). ' +
          'Takes neither the filters nor the diversity parameters of the other recommendation routes.',
        tags,
        querystring: {
          type: 'object',
          properties: {
            k,
            category: { ...id, description: 'only items of this category' },
          },
          additionalProperties: false,
        },
        response: withErrors({ 200: recommendReply({ category: { type: 'string' } }) }),
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
        summary: 'Items like this one',
        description:
          '`kind=viewed`: items seen with it in the same sessions, blended with those bought in ' +
          'the same orders and factor-model neighbours. `kind=bought`: the bought-together ' +
          'ranking without its association figures. An unknown item gets popular items.',
        tags,
        params: idParams,
        querystring: {
          type: 'object',
          properties: {
            ...filterParams,
            kind: { type: 'string', enum: ['viewed', 'bought'], default: 'viewed' },
          },
          additionalProperties: false,
        },
        // No association figures in the items: that is what bought-together is for.
        response: withErrors({
          200: recommendReply(
            { item: { type: 'string' }, kind: { type: 'string', enum: ['viewed', 'bought'] } },
            ['item', 'kind'],
          ),
        }),
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
        summary: 'Frequently bought together, with association figures',
        description:
          'The bought-together blend; each item some order shares with this one carries ' +
          '`orders`, `support`, `confidence` and `lift`. The top-level `orders` counts the ' +
          'orders holding the asked item (0 when it was never bought or is unknown).',
        tags,
        params: idParams,
        querystring: { type: 'object', properties: filterParams, additionalProperties: false },
        response: withErrors({
          200: recommendReply(
            {
              item: { type: 'string' },
              orders: { type: 'integer', description: 'orders holding the asked item' },
            },
            ['item', 'orders'],
            associationFigures,
          ),
        }),
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
