/**
 * Behaviour analytics routes: trending items and categories, funnels over sliding windows and
 * anomalies in event rates.
 */
import type { FastifyInstance } from 'fastify';
import { EVENT_TYPES, type Engine, type EventType } from '../../../engine/index.js';
import { RFM_SEGMENTS } from '../../../engine/analytics/segments.js';
import { id, idParams, noQuery, text } from '../recommend-params.js';
import { count, epochMs, nullableNumber, withErrors } from '../schemas.js';

const tags = ['analytics'];
const window = (fallback: string) =>
  ({
    ...text(32),
    default: fallback,
    description: 'a duration: 15m, 1h, 7d, 90s, 2w',
  }) as const;
const item = { ...id, description: 'an item' } as const;
const category = { ...id, description: 'a category' } as const;
const unknownKey: [404, string] = [404, 'not_found: the item or category is unknown'];

const figures = {
  score: { type: 'number', description: 'Poisson z-score (recent − expected) / √(expected + 1)' },
  recent: { type: 'number', description: 'weighted, decayed count over the short half-life' },
  expected: { type: 'number', description: 'what the long-run rate predicts for that window' },
  lift: { ...nullableNumber, description: 'recent / expected; null when nothing was expected' },
  reason: { type: 'string' },
} as const;
const figureNames = ['score', 'recent', 'expected', 'lift', 'reason'] as const;

const trendingReport = {
  description: 'trending items and categories, with the numbers behind each score',
  type: 'object',
  required: [
    'streamTime',
    'shortHalfLife',
    'longHalfLife',
    'minSupport',
    'minZ',
    'known',
    'items',
    'categories',
  ],
  properties: {
    streamTime: { type: ['number', 'null'], description: 'epoch ms; null before any event' },
    shortHalfLife: { type: 'string' },
    longHalfLife: { type: 'string' },
    minSupport: { type: 'number' },
    minZ: { type: 'number' },
    category: { type: 'string' },
    known: { type: 'boolean' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['item', ...figureNames],
        properties: { item: { type: 'string' }, category: { type: 'string' }, ...figures },
        additionalProperties: false,
      },
    },
    categories: {
      type: 'array',
      items: {
        type: 'object',
        required: ['category', ...figureNames],
        properties: { category: { type: 'string' }, ...figures },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

const steps = {
  type: 'object',
  required: ['views', 'carts', 'purchases'],
  properties: { views: count, carts: count, purchases: count },
  additionalProperties: false,
} as const;

/** The window actually counted: whole buckets ending with the one holding stream time. */
const span = {
  window: { type: 'number', description: 'the window asked for, ms' },
  resolution: { type: 'number', description: 'bucket width the answer was computed at, ms' },
  from: epochMs,
  to: epochMs,
} as const;
/** The key a windowed answer is about, as asked. */
const keyAsked = {
  known: { type: 'boolean' },
  item: { type: 'string' },
  category: { type: 'string' },
} as const;

const funnel = {
  description: 'view → cart → purchase counts and conversion over the window',
  type: 'object',
  required: [
    'window',
    'resolution',
    'from',
    'to',
    'views',
    'carts',
    'purchases',
    'viewToCart',
    'cartToPurchase',
    'viewToPurchase',
    'users',
    'known',
  ],
  properties: {
    ...span,
    ...steps.properties,
    viewToCart: { ...nullableNumber, description: 'null when there were no views' },
    cartToPurchase: { ...nullableNumber, description: 'null when there were no carts' },
    viewToPurchase: { ...nullableNumber, description: 'null when there were no views' },
    users: {
      ...steps,
      type: ['object', 'null'],
      description:
        'distinct users per step; null for an item or a window ending before the newest event',
    },
    step: { type: 'number', description: 'with `step`: the length of each point, ms' },
    points: {
      type: 'array',
      description: 'with `step`: the window as consecutive steps, oldest first',
      items: {
        type: 'object',
        required: ['from', 'to', 'views', 'carts', 'purchases'],
        properties: { from: epochMs, to: epochMs, ...steps.properties },
        additionalProperties: false,
      },
    },
    ...keyAsked,
  },
  additionalProperties: false,
} as const;

const segmentName = { type: 'string', enum: [...RFM_SEGMENTS] } as const;
const numbers = { type: 'array', items: { type: 'number' } } as const;

const segments = {
  description: "customers' RFM segments",
  type: 'object',
  required: ['now', 'customers', 'revenue', 'cuts', 'segments', 'computedAt'],
  properties: {
    now: epochMs,
    customers: count,
    revenue: { type: 'number' },
    cuts: {
      type: 'object',
      required: ['recencyDays', 'frequency', 'monetary'],
      properties: { recencyDays: numbers, frequency: numbers, monetary: numbers },
      additionalProperties: false,
    },
    segments: {
      type: 'array',
      items: {
        type: 'object',
        required: [
          'segment',
          'customers',
          'customerShare',
          'revenue',
          'revenueShare',
          'recencyDays',
          'frequency',
          'monetary',
        ],
        properties: {
          segment: segmentName,
          customers: count,
          customerShare: nullableNumber,
          revenue: { type: 'number' },
          revenueShare: nullableNumber,
          recencyDays: nullableNumber,
          frequency: nullableNumber,
          monetary: nullableNumber,
        },
        additionalProperties: false,
      },
    },
    computedAt: { ...epochMs, description: 'stream time the scores were computed at' },
  },
  additionalProperties: false,
} as const;

const score = { type: 'integer', minimum: 1, maximum: 5 } as const;
const customerSegment = {
  description: "one customer's facts, RFM scores and segment",
  type: 'object',
  required: [
    'user',
    'known',
    'lastPurchase',
    'orders',
    'monetary',
    'recencyDays',
    'r',
    'f',
    'm',
    'fm',
    'segment',
  ],
  properties: {
    user: { type: 'string' },
    known: { type: 'boolean' },
    lastPurchase: epochMs,
    orders: count,
    monetary: { type: 'number' },
    recencyDays: { type: 'number' },
    r: score,
    f: score,
    m: score,
    fm: score,
    segment: segmentName,
  },
  additionalProperties: false,
} as const;

const quantiles = {
  type: ['object', 'null'],
  required: ['median', 'p90'],
  properties: { median: { type: 'number' }, p90: { type: 'number' } },
  additionalProperties: false,
} as const;
const baskets = {
  description: 'basket statistics since the start of the stream',
  type: 'object',
  required: [
    'orders',
    'lines',
    'units',
    'revenue',
    'linesPerOrder',
    'unitsPerOrder',
    'meanOrderValue',
    'singleLineShare',
    'orderValue',
    'basketLines',
    'basketUnits',
    'relativeError',
  ],
  properties: {
    orders: count,
    lines: count,
    units: count,
    revenue: { type: 'number' },
    linesPerOrder: nullableNumber,
    unitsPerOrder: nullableNumber,
    meanOrderValue: nullableNumber,
    singleLineShare: nullableNumber,
    orderValue: quantiles,
    basketLines: quantiles,
    basketUnits: quantiles,
    relativeError: { type: 'number' },
  },
  additionalProperties: false,
} as const;

const totals = {
  revenue: { type: 'number' },
  units: count,
  lines: count,
  orders: count,
} as const;
const totalNames = ['revenue', 'units', 'lines', 'orders'] as const;
const revenue = {
  description: 'totals over the window, or with `step` a series of points',
  anyOf: [
    {
      type: 'object',
      required: ['window', 'resolution', 'from', 'to', ...totalNames, 'averageOrderValue', 'known'],
      properties: {
        ...span,
        ...totals,
        averageOrderValue: { ...nullableNumber, description: 'null without orders' },
        ...keyAsked,
      },
      additionalProperties: false,
    },
    {
      type: 'object',
      required: ['window', 'step', 'resolution', 'from', 'to', 'points', 'known'],
      properties: {
        ...span,
        step: { type: 'number', description: 'length of each point, ms' },
        points: {
          type: 'array',
          description: 'oldest first',
          items: {
            type: 'object',
            required: ['from', 'to', ...totalNames],
            properties: { from: epochMs, to: epochMs, ...totals },
            additionalProperties: false,
          },
        },
        ...keyAsked,
      },
      additionalProperties: false,
    },
  ],
} as const;

const groupBy = {
  description: 'the top groups by revenue, then events',
  type: 'object',
  required: ['by', 'from', 'to', 'rows'],
  properties: {
    by: { type: 'string', enum: ['item', 'user', 'category'] },
    from: { type: ['number', 'null'], description: 'epoch ms; null for an open end' },
    to: { type: ['number', 'null'], description: 'epoch ms; null for an open end' },
    rows: {
      type: 'array',
      items: {
        type: 'object',
        required: ['key', 'events', 'units', 'revenue'],
        properties: {
          key: { type: 'string' },
          events: count,
          units: { type: 'number', description: 'sum of quantities' },
          revenue: { type: 'number', description: 'units × unit price' },
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

const anomaly = {
  type: 'object',
  required: ['series', 'category', 'kind', 'ts', 'observed', 'expected', 'z', 'reason'],
  properties: {
    series: { type: 'string', description: '`overall`, or `category:<id>`' },
    category: { type: ['string', 'null'], description: 'null for the whole shop' },
    kind: { type: 'string', enum: ['spike', 'drop', 'conversion_drop'] },
    ts: epochMs,
    observed: { type: 'number' },
    expected: { type: 'number' },
    z: { type: 'number' },
    reason: { type: 'string' },
  },
  additionalProperties: false,
} as const;

export function analyticsRoutes(app: FastifyInstance, engine: Engine): void {
  app.get<{ Querystring: { k: number; category?: string } }>(
    '/v1/analytics/trending',
    {
      schema: {
        summary: 'Trending items and categories, with the numbers',
        description:
          'Trending items (within `category` when given) and trending categories across the ' +
          'shop, each with its recent and expected counts, lift and z-score; only entries above ' +
          'the significance floor (`minSupport`, `minZ`) are listed.',
        tags,
        querystring: {
          type: 'object',
          properties: {
            k: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
            category,
          },
          additionalProperties: false,
        },
        response: withErrors({ 200: trendingReport }, [
          [404, 'not_found: the category is unknown'],
        ]),
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

  app.get<{ Querystring: { window: string; step?: string; item?: string; category?: string } }>(
    '/v1/analytics/funnel',
    {
      schema: {
        summary: 'View → cart → purchase over a window',
        description:
          'Counts and step conversion rates over the window for the shop, an item or a ' +
          'category (not both), and for the shop and categories the distinct users per step; ' +
          'with `step` (a whole number of buckets) the window as a series of points too.',
        tags,
        querystring: {
          type: 'object',
          properties: {
            window: window('1h'),
            step: { ...text(32), description: 'a duration; adds a series' },
            item,
            category,
          },
          additionalProperties: false,
        },
        response: withErrors({ 200: funnel }, [unknownKey]),
      },
    },
    async (request, reply) => {
      const { window, step, item, category } = request.query;
      if (item !== undefined && category !== undefined) {
        return reply.code(400).send({
          error: 'bad_request',
          message: 'querystring.category: give an item or a category, not both',
        });
      }
      const r = engine.analytics.funnel({
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

  app.get<{ Querystring: { fresh: boolean } }>(
    '/v1/analytics/segments',
    {
      schema: {
        summary: "Customers' RFM segments",
        description:
          'Recency, frequency and monetary value scored 1–5 by quintiles, then named; a summary ' +
          'less than a minute of stream time old is served as it was unless `fresh=true`.',
        tags,
        querystring: {
          type: 'object',
          properties: { fresh: { type: 'boolean', default: false } },
          additionalProperties: false,
        },
        response: withErrors({ 200: segments }),
      },
    },
    async (request) => engine.analytics.segments({ fresh: request.query.fresh }),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/users/:id/segment',
    {
      schema: {
        summary: "One customer's RFM scores",
        tags,
        params: idParams,
        querystring: noQuery,
        response: withErrors({ 200: customerSegment }, [
          [404, 'not_found: the user has no purchases'],
        ]),
      },
    },
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

  app.get(
    '/v1/analytics/baskets',
    {
      schema: {
        summary: 'Basket statistics',
        description:
          'Orders, lines, units and revenue since the start of the stream, means per order, and ' +
          'the median and 90th percentile of order value, lines and units per order.',
        tags,
        querystring: noQuery,
        response: withErrors({ 200: baskets }),
      },
    },
    async () => engine.analytics.basketStats(),
  );

  app.get<{ Querystring: { window: string; step?: string; item?: string; category?: string } }>(
    '/v1/analytics/revenue',
    {
      schema: {
        summary: 'Revenue over a window, or as a series',
        description:
          'Revenue, units, lines, orders and average order value over the window for the shop, ' +
          'an item or a category; with `step` (a whole number of buckets) a series of points.',
        tags,
        querystring: {
          type: 'object',
          properties: {
            window: window('1d'),
            step: { ...text(32), description: 'a duration; asks for a series' },
            item,
            category,
          },
          additionalProperties: false,
        },
        response: withErrors({ 200: revenue }, [unknownKey]),
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
        summary: 'A windowed group-by over the event log',
        description:
          'Events, units and revenue per item, user or category of the events of `types` in ' +
          'the `window` ending with the newest event, or in [from, to). A bulk scan: its cost ' +
          'grows with the events in the window.',
        tags,
        querystring: {
          type: 'object',
          properties: {
            by: { type: 'string', enum: ['item', 'user', 'category'] },
            window: { ...text(32), description: 'a duration ending with the newest event' },
            from: { type: 'integer', description: 'epoch ms, inclusive' },
            to: { type: 'integer', description: 'epoch ms, exclusive' },
            types: { ...text(200), description: 'comma-separated event types; default all' },
            top: { type: 'integer', minimum: 1, maximum: 10_000, default: 100 },
          },
          required: ['by'],
          additionalProperties: false,
        },
        response: withErrors({ 200: groupBy }),
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

  app.get(
    '/v1/analytics/anomalies',
    {
      schema: {
        summary: 'Unusual event rates and conversion',
        description:
          'Episodes of unusual event rates or conversion per series (the shop, or a category), ' +
          'against per-hour-of-day baselines: those active now and those raised recently.',
        tags,
        querystring: noQuery,
        response: withErrors({
          200: {
            description: 'active and recent anomalies',
            type: 'object',
            required: ['active', 'recent'],
            properties: {
              active: { type: 'array', items: anomaly },
              recent: { type: 'array', items: anomaly },
            },
            additionalProperties: false,
          },
        }),
      },
    },
    async () => engine.analytics.anomalies(),
  );
}
