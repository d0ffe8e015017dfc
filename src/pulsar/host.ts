/**
 * Runs an engine on a Pulsar stream: restore the newest good snapshot, resume the stream after
 * the position it covers, snapshot periodically, publish derived events.
 */
import type { Engine, EngineOptions, RetailEvent } from '../../engine/index.js';
import { snapshotWriter, startEngine } from '../stream/engine-state.js';
import { encodePayload } from '../stream/encode.js';
import { byKey } from '../stream/keys.js';
import { streamOutputs } from '../stream/outputs.js';
import type { StreamReport } from '../stream/stats.js';
import { PulsarSource, pulsarPosition } from './source.js';
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
  stats(): StreamReport;
  /** Publishes events to the consumed topic, one message per user so keys route them. */
  publish(events: RetailEvent[]): Promise<void>;
  stop(): Promise<void>;
}

/** The admin URL that serves the same broker as a WebSocket URL. */
export function adminUrlFor(wsUrl: string): string {
  return wsUrl.replace(/^ws(s?):/, 'http$1:').replace(/\/+$/, '');
}

export function topicPath(topic: string): string {
  const name = topic.replace(/^persistent:\/\//, '');
  return name.split('/').length === 3 ? name : `public/default/${name}`;
}

/** The partitions of a partitioned topic, or the topic itself. */
export async function partitionsOf(
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
  const { engine, position, restoredFrom } = await startEngine({
    snapshotDir: opts.snapshotDir,
    engine: opts.engine,
    readPosition: pulsarPosition,
    log,
  });
  const topics = await partitionsOf(opts.admin ?? adminUrlFor(opts.pulsar), opts.topic, opts.token);
  const derived: Producer | undefined = opts.derivedTopic
    ? await transport.producer(opts.derivedTopic)
    : undefined;
  const alertsOut: Producer | undefined = opts.alertTopic
    ? await transport.producer(opts.alertTopic)
    : undefined;
  const onError = (err: unknown): void => opts.onError?.(err);
  const keyed = (p: Producer | undefined) =>
    p === undefined ? undefined : { send: (value: string, key: string) => p.send(value, { key }) };
  const outputs = streamOutputs(
    engine,
    {
      ...(derived !== undefined && { derived: keyed(derived)! }),
      ...(alertsOut !== undefined && { alerts: keyed(alertsOut)! }),
    },
    onError,
  );
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
      checkpoint: snapshotWriter(engine, snapshotDir, opts.keepSnapshots ?? 2),
    }),
    ...(opts.snapshotEveryMs !== undefined && { checkpointEveryMs: opts.snapshotEveryMs }),
    onApplied: () => outputs.afterApply(),
    ...(opts.onError !== undefined && { onError: opts.onError }),
  });
  await source.start();
  let ingress: Producer | undefined;
  const publish = async (events: RetailEvent[]): Promise<void> => {
    ingress ??= await transport.producer(opts.topic);
    const p = ingress;
    await Promise.all(
      [...byKey(events)].map(([key, group]) =>
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
    stats: () => ({
      transport: 'pulsar',
      ...source.stats(),
      derivedEvents: outputs.derivedEvents,
      alertEvents: outputs.alertEvents,
    }),
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
