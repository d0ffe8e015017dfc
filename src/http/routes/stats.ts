/**
 * GET /v1/stats: the state's totals and, on a stream, the position they cover; with a local log,
 * its position, size on disk and snapshots; and the latency of each route of this server.
 */
import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../../engine/index.js';
import type { LocalLogReport } from '../../local-log/index.js';
import type { StreamReport } from '../../stream/stats.js';
import { EVENT_TYPES } from '../../../engine/index.js';
import type { RouteLatencies } from '../latency.js';
import { noQuery } from '../recommend-params.js';
import { count, epochMs, nullableNumber, withErrors } from '../schemas.js';

export type { StreamReport } from '../../stream/stats.js';

/** Bytes by part against the budget, the process's own figures, and retention's work. */
function memoryBlock(engine: Engine): Record<string, unknown> {
  const m = engine.memory();
  const r = engine.retentionReport();
  const p = process.memoryUsage();
  return {
    total: m.total,
    budget: r.memoryBudget,
    parts: m.parts,
    process: { rss: p.rss, heapUsed: p.heapUsed, arrayBuffers: p.arrayBuffers },
    retention: {
      configuredMs: r.retentionMs,
      effectiveMs: r.effectiveRetentionMs,
      compactions: r.compactions,
      droppedIds: r.dropped,
    },
    warnings: r.warnings,
  };
}

const counts = { type: 'object', additionalProperties: count } as const;
const bytes = { type: 'number', description: 'bytes' } as const;
const position = {
  type: 'object',
  required: ['segment', 'offset'],
  properties: { segment: count, offset: count },
  additionalProperties: false,
} as const;

const statsReply = {
  description: "the state's totals, its memory, and the position of its stream or local log",
  type: 'object',
  required: [
    'events',
    'deadLetters',
    'rejected',
    'unknownSkuEvents',
    'items',
    'users',
    'sessions',
    'storedEvents',
    'bytesPerEvent',
    'streamTime',
    'memory',
    'http',
  ],
  properties: {
    events: {
      type: 'object',
      description: 'events ingested: the total, and per type',
      required: ['total'],
      properties: {
        total: count,
        ...Object.fromEntries(EVENT_TYPES.map((t) => [t, count])),
      },
      additionalProperties: false,
    },
    deadLetters: count,
    rejected: { ...count, description: 'events refused by validation' },
    unknownSkuEvents: count,
    items: count,
    users: count,
    sessions: count,
    storedEvents: count,
    bytesPerEvent: { type: 'number' },
    streamTime: { type: ['number', 'null'], description: 'newest event time, epoch ms' },
    memory: {
      type: 'object',
      required: ['total', 'budget', 'parts', 'process', 'retention', 'warnings'],
      properties: {
        total: bytes,
        budget: { type: ['number', 'null'], description: 'bytes; null for none' },
        parts: { type: 'object', additionalProperties: bytes, description: 'bytes per part' },
        process: {
          type: 'object',
          required: ['rss', 'heapUsed', 'arrayBuffers'],
          properties: { rss: bytes, heapUsed: bytes, arrayBuffers: bytes },
          additionalProperties: false,
        },
        retention: {
          type: 'object',
          required: ['configuredMs', 'effectiveMs', 'compactions', 'droppedIds'],
          properties: {
            configuredMs: nullableNumber,
            effectiveMs: nullableNumber,
            compactions: counts,
            droppedIds: counts,
          },
          additionalProperties: false,
        },
        warnings: { type: 'array', items: { type: 'string' } },
      },
      additionalProperties: false,
    },
    http: {
      type: 'object',
      description: 'requests answered per route, and their latency',
      required: ['routes'],
      properties: {
        routes: {
          type: 'array',
          description: 'routes asked since start; unmatched requests are not counted',
          items: {
            type: 'object',
            required: ['route', 'method', 'count', 'p50Ms', 'p99Ms'],
            properties: {
              route: { type: 'string', description: 'the pattern, as `/v1/items/:id/similar`' },
              method: { type: 'string' },
              count: { ...count, description: 'requests answered since start' },
              p50Ms: { type: 'number', description: 'median of the last 1024, ms' },
              p99Ms: { type: 'number', description: '99th percentile of the last 1024, ms' },
            },
            additionalProperties: false,
          },
        },
      },
      additionalProperties: false,
    },
    stream: {
      type: 'object',
      description: 'on a stream: the position the totals cover',
      required: [
        'transport',
        'messages',
        'position',
        'duplicatesSkipped',
        'lastPublishTime',
        'lagMs',
        'checkpoints',
        'lastCheckpointMs',
        'derivedEvents',
        'alertEvents',
      ],
      properties: {
        transport: { type: 'string', enum: ['pulsar', 'kafka'] },
        messages: count,
        position: {
          type: 'object',
          additionalProperties: { type: 'string' },
          description:
            'per partition, the last message applied: its Pulsar message id, or its Kafka ' +
            'offset keyed `topic/partition`',
        },
        group: { type: 'string', description: 'Kafka: the consumer group, when one is named' },
        assigned: {
          type: 'array',
          items: { type: 'string' },
          description: 'Kafka with a group: the partitions this engine holds now',
        },
        committed: {
          type: 'object',
          additionalProperties: { type: 'string' },
          description:
            'Kafka with a group: the offset committed per `topic/partition` (the next to read), ' +
            'once a snapshot holds everything before it',
        },
        duplicatesSkipped: count,
        lastPublishTime: { ...epochMs, description: 'of the newest applied message; 0 before any' },
        lagMs: { ...nullableNumber, description: 'null before any message' },
        checkpoints: count,
        lastCheckpointMs: { type: 'number' },
        derivedEvents: count,
        alertEvents: count,
      },
      additionalProperties: false,
    },
    localLog: {
      type: 'object',
      description: 'with a local log: its position, size on disk and snapshots',
      required: [
        'dir',
        'position',
        'segments',
        'bytes',
        'records',
        'events',
        'syncs',
        'snapshots',
        'lastSnapshotMs',
        'lastSnapshotAt',
        'snapshotPosition',
        'failed',
      ],
      properties: {
        dir: { type: 'string' },
        position,
        segments: count,
        bytes,
        records: count,
        events: count,
        syncs: count,
        snapshots: count,
        lastSnapshotMs: { type: 'number' },
        lastSnapshotAt: { ...nullableNumber, description: 'epoch ms' },
        snapshotPosition: { ...position, type: ['object', 'null'] },
        failed: { type: ['string', 'null'], description: 'why appends are refused, if they are' },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;

export function statsRoutes(
  app: FastifyInstance,
  engine: Engine,
  latencies: RouteLatencies,
  stream?: () => StreamReport,
  localLog?: () => LocalLogReport,
): void {
  app.get(
    '/v1/stats',
    {
      schema: {
        summary: 'Totals, memory, and the position of the stream or log',
        tags: ['ops'],
        querystring: noQuery,
        response: withErrors({ 200: statsReply }),
      },
    },
    async () => {
      const s = engine.stats();
      const report = stream?.();
      const logReport = localLog?.();
      return {
        events: { total: s.events, ...s.eventsByType },
        deadLetters: report?.deadLetters ?? 0,
        rejected: s.rejected,
        unknownSkuEvents: s.unknownSkuEvents,
        items: s.items,
        users: s.users,
        sessions: s.sessions,
        storedEvents: s.storedEvents,
        bytesPerEvent: s.bytesPerEvent,
        streamTime: s.streamTime,
        memory: memoryBlock(engine),
        http: { routes: latencies.report() },
        ...(report !== undefined && {
          stream: {
            transport: report.transport,
            messages: report.messages,
            position: report.position,
            duplicatesSkipped: report.duplicatesSkipped,
            lastPublishTime: report.lastPublishTime,
            lagMs:
              report.lastPublishTime === 0
                ? null
                : Math.max(0, Date.now() - report.lastPublishTime),
            checkpoints: report.checkpoints,
            lastCheckpointMs: report.lastCheckpointMs,
            derivedEvents: report.derivedEvents,
            alertEvents: report.alertEvents,
            ...(report.group !== undefined && { group: report.group }),
            ...(report.assigned !== undefined && { assigned: report.assigned }),
            ...(report.committed !== undefined && { committed: report.committed }),
          },
        }),
        ...(logReport !== undefined && { localLog: logReport }),
      };
    },
  );
}
