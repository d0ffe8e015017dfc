/**
 * Replays time-ordered events into an engine in batches, cut at period boundaries (weeks) so a
 * caller can read the engine as it stood at the end of each period, and collects the anomaly
 * alerts as the engine raises them.
 */
import type { AnomalyView, Engine, RetailEvent } from '../../engine/index.js';

export interface ReplayOptions {
  /** Events per ingest call. */
  batchSize?: number;
  /** Period of an event time; `onPeriodEnd` runs when the next event is in a later period. */
  period?: (ts: number) => number;
  /** Called with the period that just ended, before any event of the next one is ingested. */
  onPeriodEnd?: (period: number, engine: Engine) => void;
  onProgress?: (done: number, total: number) => void;
}

export interface ReplayResult {
  /** Every anomaly alert raised, in the order raised. */
  alerts: AnomalyView[];
  /** Anomaly episodes still open when the events ran out. */
  openEpisodes: AnomalyView[];
  seconds: number;
}

export function replay(
  engine: Engine,
  events: readonly RetailEvent[],
  opts: ReplayOptions = {},
): ReplayResult {
  const batchSize = opts.batchSize ?? 5000;
  const alerts: AnomalyView[] = [];
  const started = performance.now();
  let from = 0;
  const ingest = (to: number) => {
    if (to > from) engine.ingestEvents(events.slice(from, to));
    from = to;
    alerts.push(...engine.analytics.drainAnomalyAlerts());
    opts.onProgress?.(to, events.length);
  };
  let current = events.length === 0 ? 0 : (opts.period?.(events[0]!.ts) ?? 0);
  for (let i = 0; i < events.length; i++) {
    const p = opts.period?.(events[i]!.ts) ?? current;
    if (p !== current) {
      ingest(i);
      opts.onPeriodEnd?.(current, engine);
      current = p;
    }
    if (i + 1 - from >= batchSize) ingest(i + 1);
  }
  ingest(events.length);
  if (events.length > 0) opts.onPeriodEnd?.(current, engine);
  return {
    alerts,
    openEpisodes: engine.analytics.anomalies().active,
    seconds: (performance.now() - started) / 1000,
  };
}
