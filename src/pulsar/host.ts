/**
 * Runs an engine on a Pulsar stream: restore the newest good snapshot, resume the stream after
 * the position it covers, snapshot periodically, publish derived events.
 */
import {
  createEngine,
  findNewestSnapshot,
  restoreEngine,
  writeEngineSnapshot,
  type Engine,
  type EngineOptions,
  type RetailEvent,
} from '../../engine/index.js';
import { SpikeDetector } from '../derived/trending-spikes.js';
import { encodePayload } from './encode.js';
import { PulsarSource, type SourceStats, type StreamPosition } from './source.js';
import type { Producer, PulsarTransport, SubscriptionType } from './transport.js';
import { createWsTransport } from './ws/index.js';

export interface StreamHostOptions {
  /** WebSocket service URL, e.g. ws://127.0.0.1:8080. */
  pulsar: string;
  /** Admin REST URL; default: the WebSocket URL with http(s). */
  admin?: string;
  token?: string;
  topic: string;
  deadLetterTopic?: string;
  /** Topic for derived events (trending spikes); none when absent. */
  derivedTopic?: string;
  /** Topic for inventory alerts (stockout risk, oversell, overstock); none when absent. */
  alertTopic?: string;
  subscription?: { name: string; type: SubscriptionType };
  snapshotDir?: string;
  snapshotEveryMs?: number;
  /** Snapshots kept on disk. */
  keepSnapshots?: number;
  engine?: EngineOptions;
  onError?: (err: unknown) => void;
  log?: (line: string) => void;
}

export interface StreamHost {
  readonly engine: Engine;
  readonly source: PulsarSource;
  /** Where the engine started from: a snapshot directory, or the earliest message. */
  readonly restoredFrom: string | undefined;
  stats(): SourceStats & { derivedEvents: number; alertEvents: number };
  /** Publishes events to the consumed topic, one message per user so keys route them. */
  publish(events: RetailEvent[]): Promise<void>;
  stop(): Promise<void>;
}

/** The admin URL that serves the same broker as a WebSocket URL. */
export function adminUrlFor(wsUrl: string): string {
  return wsUrl.replace(/^ws(s?):/, 'http$1:').replace(/\/+$/, '');
}

function topicPath(topic: string): string {
  const name = topic.replace(/^persistent:\/\//, '');
  return name.split('/').length === 3 ? name : `public/default/${name}`;
}

/** The partitions of a partitioned topic, or the topic itself. */
async function partitionsOf(
  admin: string,
  topic: string,
  token: string | undefined,
): Promise<string[]> {
  const res = await fetch(`${admin}/admin/v2/persistent/${topicPath(topic)}/partitions`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  const full = `persistent://${topicPath(topic)}`;
  // A topic that does not exist yet is created, non-partitioned, when first used.
  if (res.status === 404) return [full];
  if (!res.ok)
    throw new Error(
      `admin ${admin}: partitions of ${topic}: HTTP ${res.status} ${await res.text()}`,
    );
  const { partitions } = (await res.json()) as { partitions: number };
  return partitions > 0
    ? Array.from({ length: partitions }, (_, i) => `${full}-partition-${i}`)
    : [full];
}

export async function startStreamHost(opts: StreamHostOptions): Promise<StreamHost> {
  const log = opts.log ?? (() => {});
  const transport: PulsarTransport = createWsTransport({
    url: opts.pulsar,
    ...(opts.token && { token: opts.token }),
  });
  let engine: Engine;
  let position: StreamPosition | undefined;
  let restoredFrom: string | undefined;
  const found =
    opts.snapshotDir === undefined ? undefined : await findNewestSnapshot(opts.snapshotDir);
  if (found !== undefined) {
    engine = await restoreEngine(found.dir, opts.engine ?? {});
    position = found.manifest.position as unknown as StreamPosition;
    restoredFrom = found.dir;
    log(`restored ${found.dir}: ${position.messages} messages, ${engine.stats().events} events`);
  } else {
    engine = await createEngine(opts.engine ?? {});
  }
  const topics = await partitionsOf(opts.admin ?? adminUrlFor(opts.pulsar), opts.topic, opts.token);
  const derived: Producer | undefined = opts.derivedTopic
    ? await transport.producer(opts.derivedTopic)
    : undefined;
  const alertsOut: Producer | undefined = opts.alertTopic
    ? await transport.producer(opts.alertTopic)
    : undefined;
  const spikes = new SpikeDetector();
  let derivedEvents = 0;
  let alertEvents = 0;
  let lastSpikeCheck = 0;
  let lastSpikeStreamTime = -Infinity;
  const snapshotDir = opts.snapshotDir;
  const source = new PulsarSource({
    engine,
    transport,
    topics,
    deadLetterTopic:
      opts.deadLetterTopic ??
      `${topics.length > 1 ? `persistent://${topicPath(opts.topic)}` : topics[0]}-dlq`,
    ...(position !== undefined && { position }),
    ...(opts.subscription !== undefined && { subscription: opts.subscription }),
    ...(snapshotDir !== undefined && {
      checkpoint: async (pos: StreamPosition) => {
        await writeEngineSnapshot(engine, snapshotDir, {
          position: pos,
          now: Date.now(),
          keep: opts.keepSnapshots ?? 2,
        });
      },
    }),
    ...(opts.snapshotEveryMs !== undefined && { checkpointEveryMs: opts.snapshotEveryMs }),
    onApplied: () => {
      // Alerts leave as they are raised; without a topic they are still drained (the open ones
      // stay listed over HTTP), so the queue of unsent alerts cannot grow.
      for (const alert of engine.inventory.drainAlerts()) {
        if (alertsOut === undefined) continue;
        alertEvents++;
        alertsOut
          .send(JSON.stringify({ ...alert, type: 'inventory_alert', alert: alert.type }), {
            key: alert.item,
          })
          .catch((err: unknown) => opts.onError?.(err));
      }
      for (const anomaly of engine.analytics.drainAnomalyAlerts()) {
        if (alertsOut === undefined) continue;
        alertEvents++;
        alertsOut
          .send(JSON.stringify({ ...anomaly, type: 'anomaly', alert: anomaly.kind }), {
            key: anomaly.series,
          })
          .catch((err: unknown) => opts.onError?.(err));
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
        derived
          .send(JSON.stringify(spike), { key: spike.item })
          .catch((err: unknown) => opts.onError?.(err));
      }
    },
    ...(opts.onError !== undefined && { onError: opts.onError }),
  });
  await source.start();
  let ingress: Producer | undefined;
  const publish = async (events: RetailEvent[]): Promise<void> => {
    ingress ??= await transport.producer(opts.topic);
    const byUser = new Map<string, RetailEvent[]>();
    for (const e of events) {
      const key = ('user' in e && e.user) || ('item' in e && e.item) || '';
      const group = byUser.get(key);
      if (group === undefined) byUser.set(key, [e]);
      else group.push(e);
    }
    const p = ingress;
    await Promise.all(
      [...byUser].map(([key, group]) =>
        p.send(encodePayload(group, 'ndjson'), key === '' ? {} : { key }),
      ),
    );
  };
  log(
    `consuming ${topics.join(', ')}${opts.subscription ? ` as ${opts.subscription.type} subscription ${opts.subscription.name}` : ' with readers'}`,
  );
  return {
    engine,
    source,
    restoredFrom,
    stats: () => ({ ...source.stats(), derivedEvents, alertEvents }),
    publish,
    async stop() {
      await ingress?.close();
      await source.stop();
      await derived?.flush();
      await derived?.close();
      await alertsOut?.flush();
      await alertsOut?.close();
      await transport.close();
      engine.close();
    },
  };
}
