/**
 * Prometheus metrics of one engine behind one server. A registry per server (not the global
 * one) so several engines in one process, as in tests, do not collide.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Engine } from '../../engine/index.js';
import type { LocalLogReport } from '../local-log/index.js';
import type { ConnectionStats } from './connections.js';
import type { StreamReport } from './routes/stats.js';

export interface HttpMetrics {
  registry: Registry;
  requestSeconds: Histogram<'route' | 'method' | 'status'>;
  httpRejected: Counter<'reason'>;
  /** Set by `listen` once the connection cap is in place (src/http/connections.ts). */
  connections?: () => ConnectionStats;
}

export function createMetrics(
  engine: Engine,
  stream?: () => StreamReport,
  localLog?: () => LocalLogReport,
): HttpMetrics {
  const registry = new Registry();
  const requestSeconds = new Histogram({
    name: 'aisle_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 1],
    registers: [registry],
  });
  const httpRejected = new Counter({
    name: 'aisle_http_rejected_requests_total',
    help: 'HTTP requests answered 4xx, by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const out: HttpMetrics = { registry, requestSeconds, httpRejected };
  new Gauge({
    name: 'aisle_http_connections_open',
    help: 'Open HTTP connections',
    registers: [registry],
    collect() {
      this.set(out.connections?.().open ?? 0);
    },
  });
  new Gauge({
    name: 'aisle_http_connections_evicted_total',
    help: 'Connections closed at the cap before they sent a request (slow or idle clients)',
    registers: [registry],
    collect() {
      this.set(out.connections?.().evicted ?? 0);
    },
  });
  new Gauge({
    name: 'aisle_http_connections_refused_total',
    help: 'Connections refused at the cap because every open one was busy',
    registers: [registry],
    collect() {
      this.set(out.connections?.().refused ?? 0);
    },
  });
  // Gauges read the engine at scrape time: the engine's own counters are the truth.
  new Gauge({
    name: 'aisle_events_ingested_total',
    help: 'Events ingested by the engine, by type',
    labelNames: ['type'] as const,
    registers: [registry],
    collect() {
      const stats = engine.stats();
      for (const [type, n] of Object.entries(stats.eventsByType)) this.set({ type }, n);
    },
  });
  new Gauge({
    name: 'aisle_events_rejected_total',
    help: 'Events rejected by validation',
    registers: [registry],
    collect() {
      this.set(engine.stats().rejected);
    },
  });
  new Gauge({
    name: 'aisle_inventory_unknown_sku_events_total',
    help: 'Inventory events accepted for SKUs the catalogue does not list (flagged)',
    registers: [registry],
    collect() {
      this.set(engine.stats().unknownSkuEvents);
    },
  });
  new Gauge({
    name: 'aisle_store_events',
    help: 'Events held in the Arrow event log',
    registers: [registry],
    collect() {
      this.set(engine.stats().storedEvents);
    },
  });
  new Gauge({
    name: 'aisle_store_bytes_per_event',
    help: 'Bytes of column data per stored event',
    registers: [registry],
    collect() {
      this.set(engine.stats().bytesPerEvent);
    },
  });
  new Gauge({
    name: 'aisle_catalogue_items',
    help: 'Distinct items known to the engine',
    registers: [registry],
    collect() {
      this.set(engine.stats().items);
    },
  });
  memoryGauges(registry, engine);
  if (stream !== undefined) streamGauges(registry, engine, stream);
  if (localLog !== undefined) localLogGauges(registry, localLog);
  return out;
}

/** Bytes by part, the budget, retention in force and what it dropped (docs/retention.md). */
function memoryGauges(registry: Registry, engine: Engine): void {
  new Gauge({
    name: 'aisle_memory_bytes',
    help: 'Bytes the engine holds, by part (typed arrays exact, maps and objects estimated)',
    labelNames: ['part'] as const,
    registers: [registry],
    collect() {
      for (const [part, bytes] of Object.entries(engine.memory().parts)) this.set({ part }, bytes);
    },
  });
  new Gauge({
    name: 'aisle_memory_budget_bytes',
    help: 'Bytes the engine may hold (0: no budget)',
    registers: [registry],
    collect() {
      this.set(engine.retentionReport().memoryBudget ?? 0);
    },
  });
  new Gauge({
    name: 'aisle_retention_seconds',
    help: 'Retention horizon: configured, and in force (shorter when the memory budget forces it)',
    labelNames: ['which'] as const,
    registers: [registry],
    collect() {
      const r = engine.retentionReport();
      this.set({ which: 'configured' }, (r.retentionMs ?? 0) / 1000);
      this.set({ which: 'effective' }, (r.effectiveRetentionMs ?? 0) / 1000);
    },
  });
  new Gauge({
    name: 'aisle_retention_dropped_ids_total',
    help: 'Ids dropped by retention, by kind',
    labelNames: ['kind'] as const,
    registers: [registry],
    collect() {
      for (const [kind, n] of Object.entries(engine.retentionReport().dropped))
        this.set({ kind }, n);
    },
  });
  new Gauge({
    name: 'aisle_retention_warnings',
    help: 'Warnings from retention (1 while the budget pulls retention in or a kind cannot be dropped)',
    registers: [registry],
    collect() {
      this.set(engine.retentionReport().warnings.length);
    },
  });
}

/** The local log: its size on disk (bounded by snapshots), appends, syncs and snapshots. */
function localLogGauges(registry: Registry, localLog: () => LocalLogReport): void {
  const gauge = (name: string, help: string, read: (r: LocalLogReport) => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read(localLog()));
      },
    });
  };
  gauge('aisle_local_log_bytes', 'Bytes of local log segments on disk', (r) => r.bytes);
  gauge('aisle_local_log_segments', 'Local log segment files on disk', (r) => r.segments);
  gauge('aisle_local_log_segment', 'Segment the local log appends to', (r) => r.position.segment);
  gauge(
    'aisle_local_log_offset',
    'Byte offset in that segment after the last durable record',
    (r) => r.position.offset,
  );
  gauge('aisle_local_log_records_total', 'Accepted batches appended since start', (r) => r.records);
  gauge(
    'aisle_local_log_syncs_total',
    'fdatasync calls that made appended batches durable (group commit shares them)',
    (r) => r.syncs,
  );
  gauge('aisle_snapshots_total', 'Durable snapshots written', (r) => r.snapshots);
  gauge(
    'aisle_snapshot_last_seconds',
    'Time the last snapshot took',
    (r) => r.lastSnapshotMs / 1000,
  );
  gauge('aisle_local_log_failed', '1 once an I/O error stopped appends', (r) =>
    r.failed === null ? 0 : 1,
  );
}

/** Stream gauges: position totals, lag behind the newest applied message, and rates. */
function streamGauges(registry: Registry, engine: Engine, stream: () => StreamReport): void {
  const gauge = (name: string, help: string, read: (r: StreamReport) => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read(stream()));
      },
    });
  };
  gauge('aisle_stream_messages_total', 'Messages applied from the stream', (r) => r.messages);
  gauge('aisle_dead_letters_total', 'Events sent to the dead-letter topic', (r) => r.deadLetters);
  gauge(
    'aisle_stream_duplicates_skipped_total',
    'Redelivered messages recognised and skipped',
    (r) => r.duplicatesSkipped,
  );
  gauge('aisle_snapshots_total', 'Durable snapshots written', (r) => r.checkpoints);
  gauge(
    'aisle_snapshot_last_seconds',
    'Time the last snapshot took',
    (r) => r.lastCheckpointMs / 1000,
  );
  gauge(
    'aisle_derived_events_total',
    'Derived events published (trending spikes)',
    (r) => r.derivedEvents,
  );
  gauge(
    'aisle_consumer_lag_seconds',
    'Now minus the publish time of the newest applied message',
    (r) => (r.lastPublishTime === 0 ? 0 : Math.max(0, Date.now() - r.lastPublishTime) / 1000),
  );
  // Rates over the interval between two scrapes, so a dashboard without PromQL sees them too.
  const rate = (name: string, help: string, read: () => number): void => {
    let prev = { at: Date.now(), value: read() };
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const now = Date.now();
        const value = read();
        const seconds = (now - prev.at) / 1000;
        this.set(seconds > 0 ? (value - prev.value) / seconds : 0);
        prev = { at: now, value };
      },
    });
  };
  rate(
    'aisle_stream_events_per_second',
    'Events ingested per second since the previous scrape',
    () => engine.stats().events,
  );
  rate(
    'aisle_stream_messages_per_second',
    'Messages applied per second since the previous scrape',
    () => stream().messages,
  );
}
