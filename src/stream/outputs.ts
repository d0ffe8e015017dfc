/**
 * What an engine on a stream sends back out after each applied message: inventory alerts and
 * event-rate anomalies to the alert topic, trending spikes to the derived-events topic. The
 * records are the same JSON on Pulsar and Kafka (schemas in docs/streams.md).
 */
import type { Engine } from '../../engine/index.js';
import { SpikeDetector } from '../derived/trending-spikes.js';

/** Where records go: a Pulsar producer or a Kafka topic, keyed. */
export interface RecordSink {
  send(value: string, key: string): Promise<unknown>;
}

export interface StreamOutputs {
  /** Call after each applied message. Never throws; send failures go to `onError`. */
  afterApply(): void;
  readonly derivedEvents: number;
  readonly alertEvents: number;
}

export function streamOutputs(
  engine: Engine,
  sinks: { derived?: RecordSink; alerts?: RecordSink },
  onError: (err: unknown) => void,
): StreamOutputs {
  const spikes = new SpikeDetector();
  let derivedEvents = 0;
  let alertEvents = 0;
  let lastSpikeCheck = 0;
  let lastSpikeStreamTime = -Infinity;
  const send = (sink: RecordSink, record: unknown, key: string): void => {
    sink.send(JSON.stringify(record), key).catch(onError);
  };
  return {
    get derivedEvents() {
      return derivedEvents;
    },
    get alertEvents() {
      return alertEvents;
    },
    afterApply() {
      const { derived, alerts } = sinks;
      // Alerts leave as they are raised; without a topic they are still drained (the open ones
      // stay listed over HTTP), so the queue of unsent alerts cannot grow.
      for (const alert of engine.inventory.drainAlerts()) {
        if (alerts === undefined) continue;
        alertEvents++;
        send(alerts, { ...alert, type: 'inventory_alert', alert: alert.type }, alert.item);
      }
      for (const anomaly of engine.analytics.drainAnomalyAlerts()) {
        if (alerts === undefined) continue;
        alertEvents++;
        send(alerts, { ...anomaly, type: 'anomaly', alert: anomaly.kind }, anomaly.series);
      }
      if (derived === undefined) return;
      // Check once a second of wall time, and once a minute of stream time, so that a replay
      // running far faster than real time still sees its spikes when they happen.
      const now = Date.now();
      const streamTime = engine.stats().streamTime ?? now;
      if (now - lastSpikeCheck < 1000 && streamTime - lastSpikeStreamTime < 60_000) return;
      lastSpikeCheck = now;
      lastSpikeStreamTime = streamTime;
      for (const spike of spikes.check(
        engine.analytics.trending({ k: spikes.options.k }).items,
        streamTime,
      )) {
        derivedEvents++;
        send(derived, spike, spike.item);
      }
    },
  };
}
