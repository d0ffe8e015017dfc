/**
 * Targeted promotions: GET /v1/items/:id/audience and GET /v1/categories/:id/audience, the
 * shoppers most likely to buy an item or in a category soon (engine.analytics.audience).
 */
import type { FastifyInstance } from 'fastify';
import { RFM_SEGMENTS } from '../../../engine/analytics/segments.js';
import type { Engine } from '../../../engine/index.js';
import { idParams } from '../recommend-params.js';
import { withErrors } from '../schemas.js';

const tags = ['analytics'];

const audienceReply = {
  description: 'the shoppers to tell, best first',
  type: 'object',
  required: ['known', 'audience', 'excluded', 'notes'],
  properties: {
    item: { type: 'string' },
    category: { type: 'string' },
    known: { type: 'boolean' },
    audience: {
      type: 'array',
      items: {
        type: 'object',
        required: ['user', 'score', 'reason'],
        properties: {
          user: { type: 'string' },
          score: { type: 'number', description: "the factor model's affinity" },
          segment: { type: 'string', description: 'RFM segment, for shoppers who bought' },
          reason: { type: 'string' },
        },
        additionalProperties: false,
      },
    },
    excluded: {
      type: 'object',
      required: ['recentBuyers', 'segment'],
      properties: { recentBuyers: { type: 'integer' }, segment: { type: 'integer' } },
      additionalProperties: false,
    },
    notes: { type: 'array', items: { type: 'string' } },
  },
  additionalProperties: false,
} as const;

const query = {
  type: 'object',
  properties: {
    k: { type: 'integer', minimum: 1, maximum: 1000, default: 20 },
    excludeDays: {
      type: 'number',
      minimum: 0,
      maximum: 36500,
      default: 30,
      description: 'leave out shoppers who bought within this many days',
    },
    segments: {
      type: 'string',
      maxLength: 1000,
      description: `only these RFM segments, comma-separated (${RFM_SEGMENTS.join(', ')})`,
    },
  },
  additionalProperties: false,
} as const;

interface Query {
  k: number;
  excludeDays: number;
  segments?: string;
}

export function audienceRoutes(app: FastifyInstance, engine: Engine): void {
  for (const kind of ['item', 'category'] as const) {
    app.get<{ Params: { id: string }; Querystring: Query }>(
      kind === 'item' ? '/v1/items/:id/audience' : '/v1/categories/:id/audience',
      {
        schema: {
          summary: `The shoppers most likely to buy ${kind === 'item' ? 'the item' : 'in the category'} soon`,
          description:
            "By the factor model's affinity, leaving out recent buyers (`excludeDays`) and, with " +
            '`segments`, shoppers of other RFM segments; each with a reason from their history. ' +
            'Without a factor model the audience is empty and `notes` says why.',
          tags,
          params: idParams,
          querystring: query,
          response: withErrors({ 200: audienceReply }, [
            [404, `not_found: the engine never saw the ${kind}`],
          ]),
        },
      },
      async (request, reply) => {
        const { k, excludeDays, segments } = request.query;
        const list = segments
          ?.split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
        const a = engine.analytics.audience({
          [kind]: request.params.id,
          k,
          excludeDays,
          ...(list !== undefined && { segments: list }),
        });
        if (!a.known) {
          return reply
            .code(404)
            .send({ error: 'not_found', message: `unknown ${kind} ${request.params.id}` });
        }
        return a;
      },
    );
  }
}
