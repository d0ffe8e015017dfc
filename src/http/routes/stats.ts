/**
 * GET /v1/stats: the state's totals and, on a stream, the position they cover; with a local log,
 * its position, size on disk and snapshots.
 */
import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../../engine/index.js';
import type { LocalLogReport } from '../../local-log/index.js';
import type { SourceStats } from '../../pulsar/source.js';

/** What a stream host reports next to the engine's own totals. */
export type StreamReport = SourceStats & { derivedEvents: number };

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

export function statsRoutes(
  app: FastifyInstance,
  engine: Engine,
  stream?: () => StreamReport,
  localLog?: () => LocalLogReport,
): void {
  app.get('/v1/stats', async () => {
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
      ...(report !== undefined && {
        stream: {
          messages: report.messages,
          position: report.position,
          duplicatesSkipped: report.duplicatesSkipped,
          lastPublishTime: report.lastPublishTime,
          lagMs:
            report.lastPublishTime === 0 ? null : Math.max(0, Date.now() - report.lastPublishTime),
          checkpoints: report.checkpoints,
          lastCheckpointMs: report.lastCheckpointMs,
          derivedEvents: report.derivedEvents,
        },
      }),
      ...(logReport !== undefined && { localLog: logReport }),
    };
  });
}
