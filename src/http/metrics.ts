/**
 * Prometheus metrics of one engine behind one server. A registry per server (not the global
 * one) so several engines in one process, as in tests, do not collide.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Engine } from '../../engine/index.js';

export interface HttpMetrics {
  registry: Registry;
  requestSeconds: Histogram<'route' | 'method' | 'status'>;
  httpRejected: Counter<'reason'>;
}

export function createMetrics(engine: Engine): HttpMetrics {
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
  return { registry, requestSeconds, httpRejected };
}
