/**
 * POST /v1/events: a batch of wire-format events, as a JSON array, `{"events": [...]}` or NDJSON.
 * All or nothing by default: a batch with an invalid event is refused whole (400 naming the
 * index, field and reason) so the client can fix and resend without duplicating the good ones.
 * `?partial=true` keeps the valid events and reports the rejected ones.
 *
 * Three destinations for the accepted events: the engine directly (in memory only), a stream
 * (published, applied when read back), or the local log (durable on disk, then ingested, then
 * answered).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  isAisleError,
  validateBatch,
  type BatchRejection,
  type Engine,
  type IngestResult,
  type RetailEvent,
} from '../../../engine/index.js';
import { isLogFailure } from '../../local-log/index.js';
import { BODY_ERRORS, count, withErrors } from '../schemas.js';

export const MAX_BATCH = 10_000;

/** One event as the wire format has it (README, engine/events.ts); the engine checks it. */
const idField = {
  anyOf: [
    {
      type: 'string',
      minLength: 1,
      maxLength: 256,
      pattern: '^[^\\u0000-\\u001F\\u007F-\\u009F]*$',
    },
    { type: 'integer' },
  ],
} as const;
const ts = {
  description: 'epoch milliseconds or an ISO-8601 date-time; receive time when absent',
  anyOf: [{ type: 'integer' }, { type: 'string' }],
} as const;
const shopper = { ts, user: idField, session: idField, category: idField } as const;
const units = { type: 'integer', minimum: 1, maximum: 1_000_000 } as const;
const unitPrice = { type: 'number', exclusiveMinimum: 0, maximum: 1e9 } as const;
const event = {
  oneOf: [
    {
      type: 'object',
      required: ['type', 'item'],
      properties: { type: { const: 'view' }, ...shopper, item: idField },
      additionalProperties: false,
    },
    {
      type: 'object',
      required: ['type', 'item'],
      properties: {
        type: { enum: ['add_to_cart', 'remove_from_cart'] },
        ...shopper,
        item: idField,
        quantity: { ...units, default: 1 },
      },
      additionalProperties: false,
    },
    {
      type: 'object',
      required: ['type', 'item', 'order', 'quantity', 'price'],
      properties: {
        type: { const: 'purchase' },
        ...shopper,
        item: idField,
        order: idField,
        quantity: units,
        price: { ...unitPrice, description: 'unit price' },
      },
      additionalProperties: false,
    },
    {
      type: 'object',
      required: ['type', 'query'],
      properties: {
        type: { const: 'search' },
        ...shopper,
        query: { type: 'string', minLength: 1, maxLength: 1024 },
      },
      additionalProperties: false,
    },
    {
      type: 'object',
      required: ['type', 'item', 'op', 'quantity'],
      properties: {
        type: { const: 'inventory' },
        ts,
        item: idField,
        op: { enum: ['set', 'receive', 'adjust'] },
        quantity: {
          type: 'integer',
          description: 'set: the new level; receive: units received; adjust: a signed correction',
        },
        location: idField,
      },
      additionalProperties: false,
    },
    {
      type: 'object',
      required: ['type', 'item', 'price'],
      properties: {
        type: { const: 'price_change' },
        ts,
        item: idField,
        price: unitPrice,
        category: idField,
      },
      additionalProperties: false,
    },
  ],
} as const;
const batch = { type: 'array', items: event, maxItems: MAX_BATCH } as const;

/**
 * The body as documented. It is not given to fastify to validate: the handler checks each event
 * (engine.ingest or validateBatch) so that a bad one is answered with its index, field and
 * reason, and `?partial=true` can keep the others.
 */
const documentedBody = {
  description: `at most ${MAX_BATCH} events, as a JSON array, as {"events": [...]}, or as NDJSON (one event a line)`,
  content: {
    'application/json': {
      schema: {
        anyOf: [
          batch,
          {
            type: 'object',
            required: ['events'],
            properties: { events: batch },
            additionalProperties: false,
          },
        ],
      },
    },
    'application/x-ndjson': {
      schema: { type: 'string', description: 'one JSON event per line' },
    },
  },
} as const;

const rejection = {
  type: 'object',
  required: ['index', 'field', 'reason'],
  properties: {
    index: { type: 'integer', description: 'position of the event in the batch' },
    field: { type: 'string' },
    reason: { type: 'string' },
  },
  additionalProperties: false,
} as const;
const outcome = {
  accepted: { ...count, description: 'events kept' },
  rejected: { type: 'array', items: rejection, description: 'with ?partial=true, those left out' },
} as const;

/**
 * Where accepted events go when the engine consumes a stream: they are published to it, and the
 * engine sees them when it reads them back, so the state stays a view of the topic.
 */
export type Publish = (events: RetailEvent[]) => Promise<void>;

/** With a local log (src/local-log/host.ts): events are durable before the engine sees them. */
export interface DurableIngest {
  /** The checks engine.ingest makes, without applying anything. */
  check(
    raw: readonly unknown[],
    now: number,
  ): {
    events: RetailEvent[];
    rejected: BatchRejection[];
    rawIndex: number[];
  };
  /** Makes checked events durable, then ingests them; resolves with the engine's answer. */
  commit(events: RetailEvent[]): Promise<IngestResult>;
}

export interface EventsRouteOptions {
  publish?: Publish;
  durable?: DurableIngest;
}

export function eventsRoutes(
  app: FastifyInstance,
  engine: Engine,
  { publish, durable }: EventsRouteOptions = {},
): void {
  app.addContentTypeParser(
    'application/x-ndjson',
    { parseAs: 'string' },
    (_request, body, done) => {
      const lines = (body as string).split('\n');
      const events: unknown[] = [];
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i]!.trim();
        if (line === '') continue;
        try {
          events.push(JSON.parse(line));
        } catch (err) {
          const e = new Error(`line ${i + 1}: ${(err as Error).message}`) as Error & {
            statusCode: number;
          };
          e.statusCode = 400;
          done(e, undefined);
          return;
        }
      }
      done(null, events);
    },
  );

  app.post<{ Body: unknown; Querystring: { partial?: boolean } }>(
    '/v1/events',
    {
      schema: {
        summary: 'Ingest a batch of events',
        description:
          'All or nothing: a batch with an invalid event is refused whole (400 `invalid_event`, ' +
          'naming the index, field and reason of each) unless `partial=true`. On a stream the ' +
          'events are published and the reply is 202; with a local log they are durable on disk ' +
          'before the reply.',
        tags: ['events'],
        consumes: ['application/json', 'application/x-ndjson'],
        querystring: {
          type: 'object',
          properties: {
            partial: {
              type: 'boolean',
              default: false,
              description: 'keep the valid events and list the rejected ones',
            },
          },
          additionalProperties: false,
        },
        response: withErrors(
          {
            200: {
              description: 'the events were ingested (with a local log: made durable first)',
              type: 'object',
              required: ['accepted', 'rejected'],
              properties: outcome,
              additionalProperties: false,
            },
            202: {
              description: 'on a stream: published; the engine applies them as it reads them back',
              type: 'object',
              required: ['accepted', 'rejected', 'published'],
              properties: { ...outcome, published: { type: 'boolean', const: true } },
              additionalProperties: false,
            },
          },
          [
            ...BODY_ERRORS,
            [
              503,
              'unavailable: the broker or the local log did not take the events; none was accepted',
            ],
          ],
        ),
      },
      config: {
        swaggerTransform: ({ schema, url }) => ({
          schema: { ...schema, body: documentedBody },
          url,
        }),
      },
    },
    async (request, reply) => {
      const body = request.body;
      const batch = Array.isArray(body)
        ? body
        : typeof body === 'object' &&
            body !== null &&
            Array.isArray((body as { events?: unknown }).events)
          ? (body as { events: unknown[] }).events
          : undefined;
      if (batch === undefined) {
        engine.noteRejected();
        return reply.code(400).send({
          error: 'bad_request',
          message: 'body: must be a JSON array of events, {"events": [...]}, or NDJSON',
        });
      }
      if (batch.length > MAX_BATCH) {
        return reply
          .code(400)
          .send({ error: 'bad_request', message: `body: at most ${MAX_BATCH} events per batch` });
      }
      const partial = request.query.partial === true;
      if (publish !== undefined) return publishBatch(engine, publish, batch, partial, reply);
      if (durable !== undefined) return commitBatch(engine, durable, batch, partial, reply);
      // Checked whole, then applied a slice at a time with the event loop let through between
      // slices, so a query arriving meanwhile waits for one slice (about 3 ms), not the batch.
      const job = engine.beginIngest(batch, { partial });
      const result = job.result;
      if (result.rejected.length > 0 && !partial) return refuse(reply, result.rejected);
      while (!job.step()) await nextTurn();
      return reply.code(200).send({ accepted: result.accepted, rejected: result.rejected });
    },
  );
}

/** Resolves after the event loop has run what was waiting (I/O callbacks included). */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function refuse(reply: FastifyReply, rejected: BatchRejection[]): FastifyReply {
  const first = rejected[0]!;
  return reply.code(400).send({
    error: 'invalid_event',
    message: `events[${first.index}].${first.field}: ${first.reason}${
      rejected.length > 1 ? ` (and ${rejected.length - 1} more)` : ''
    }; no event of this batch was kept`,
    accepted: 0,
    rejected,
  });
}

/**
 * The local-log path: check exactly as engine.ingest does (so the log never holds a batch the
 * engine would refuse), make the events durable, ingest, and only then answer 200 with the same
 * body as the in-memory path.
 */
async function commitBatch(
  engine: Engine,
  durable: DurableIngest,
  batch: readonly unknown[],
  partial: boolean,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { events, rejected, rawIndex } = durable.check(batch, Date.now());
  engine.noteRejected(rejected.length);
  if (rejected.length > 0 && !partial) return refuse(reply, rejected);
  let result: IngestResult;
  try {
    result = await durable.commit(events);
  } catch (err) {
    if (isLogFailure(err, 'unavailable')) {
      return reply.code(503).send({
        error: 'unavailable',
        message: `could not write to the local log, nothing was accepted: ${(err as Error).message}`,
      });
    }
    // The engine refused a batch validation passed: durable, but skipped on replay too.
    if (isAisleError(err) && err.code === 'AISLE_INVALID_EVENT') {
      return reply.code(400).send({
        error: 'invalid_event',
        message: `${err.message}; no event of this batch was kept`,
        accepted: 0,
        rejected,
      });
    }
    throw err;
  }
  // The engine screens times again when it applies; what the check passed it passes (check.ts),
  // but should it leave any out, the answer says so.
  const late = result.rejected.map((r) => ({ ...r, index: rawIndex[r.index]! }));
  const all =
    late.length === 0 ? rejected : [...rejected, ...late].sort((a, b) => a.index - b.index);
  return reply.code(200).send({ accepted: result.accepted, rejected: all });
}

/** The stream path: validate here (same rules and answers), publish, reply once the broker has them. */
async function publishBatch(
  engine: Engine,
  publish: Publish,
  batch: readonly unknown[],
  partial: boolean,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { events, rejected } = validateBatch(batch, Date.now());
  engine.noteRejected(rejected.length);
  if (rejected.length > 0 && !partial) return refuse(reply, rejected);
  try {
    if (events.length > 0) await publish(events);
  } catch (err) {
    return reply.code(503).send({
      error: 'unavailable',
      message: `could not publish to the stream, nothing was accepted: ${(err as Error).message}`,
    });
  }
  // 202: durable in the topic; the engine applies the events as it reads them.
  return reply.code(202).send({ accepted: events.length, rejected, published: true });
}
