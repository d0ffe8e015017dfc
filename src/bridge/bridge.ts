/**
 * `aisle bridge`: copies a topic from Pulsar to Kafka or back (or between two brokers of one
 * kind), for shops moving from one to the other or running both. Payloads are copied byte for
 * byte, so every format aisle reads (JSON, NDJSON, Arrow IPC) arrives as it left; the key stays
 * the key, Pulsar properties become Kafka headers and back, and the source's id travels along.
 *
 * At least once: a message is acknowledged at the source (Pulsar ack, Kafka offset commit) only
 * after the target has acknowledged it, so a bridge killed at any moment loses nothing and
 * resumes where its subscription or group left off; what was in flight may arrive twice.
 * Order is kept per partition (and so per key).
 */
import type { Consumer as KafkaConsumer, Kafka } from 'kafkajs';
import { createKafkaClient, partitionKey } from '../kafka/client.js';
import { KafkaSink } from '../kafka/sink.js';
import { ensureTopics } from '../kafka/topics.js';
import { partitionsOf } from '../pulsar/host.js';
import { createWsTransport } from '../pulsar/index.js';
import type { Consumer, Producer, PulsarTransport } from '../pulsar/transport.js';
import { describeEndpoint as describe, type Endpoint } from './endpoint.js';

export interface BridgeOptions {
  from: Endpoint;
  to: Endpoint;
  /** Pulsar subscription or Kafka consumer group the bridge reads through (default aisle-bridge). */
  name?: string;
  /** Messages sent to the target and not yet acknowledged, at most (default 1000). */
  window?: number;
  onError?: (err: unknown) => void;
  log?: (line: string) => void;
}

export interface Bridge {
  /** Messages the target has acknowledged. */
  readonly forwarded: number;
  /** Stops reading; what was sent is acknowledged at the source first. */
  stop(): Promise<void>;
}

/** A message on its way: what both sides have in common. */
interface Carried {
  payload: Uint8Array;
  key?: string;
  properties: Record<string, string>;
  timestamp: number;
}

interface Target {
  send(m: Carried): Promise<unknown>;
  close(): Promise<void>;
}

async function openTarget(to: Endpoint, window: number): Promise<Target> {
  if (to.kind === 'kafka') {
    const kafka = createKafkaClient({ bootstrap: to.bootstrap, clientId: 'aisle-bridge' });
    await ensureTopics(kafka, [to.topic]);
    const sink = await KafkaSink.open(kafka, to.topic, { maxPending: window });
    return {
      send: (m) =>
        sink.send({
          value: m.payload,
          headers: m.properties,
          timestamp: m.timestamp,
          ...(m.key !== undefined && { key: m.key }),
        }),
      close: () => sink.close(),
    };
  }
  const transport = createWsTransport({ url: to.wsUrl });
  const producer: Producer = await transport.producer(to.topic, { maxPendingSends: window });
  return {
    send: (m) =>
      producer.send(m.payload, {
        properties: m.properties,
        eventTime: m.timestamp,
        ...(m.key !== undefined && { key: m.key }),
      }),
    async close() {
      await producer.flush();
      await producer.close();
      await transport.close();
    },
  };
}

export async function startBridge(opts: BridgeOptions): Promise<Bridge> {
  const window = opts.window ?? 1000;
  const name = opts.name ?? 'aisle-bridge';
  const onError = opts.onError ?? (() => {});
  const target = await openTarget(opts.to, window);
  let forwarded = 0;
  const counted = (p: Promise<unknown>): Promise<void> =>
    p.then(() => {
      forwarded++;
    });
  const from = opts.from;
  const stopSource =
    from.kind === 'pulsar'
      ? await fromPulsar(from, name, target, counted, onError)
      : await fromKafka(from, name, target, counted, onError);
  opts.log?.(`bridging ${name}: ${describe(from)} → ${describe(opts.to)}`);
  return {
    get forwarded() {
      return forwarded;
    },
    async stop() {
      await stopSource();
      await target.close();
    },
  };
}

/** One subscription consumer per partition; each message acked once the target has it. */
async function fromPulsar(
  from: Extract<Endpoint, { kind: 'pulsar' }>,
  subscription: string,
  target: Target,
  counted: (p: Promise<unknown>) => Promise<void>,
  onError: (err: unknown) => void,
): Promise<() => Promise<void>> {
  const transport: PulsarTransport = createWsTransport({ url: from.wsUrl });
  const topics = await partitionsOf(from.adminUrl, from.topic, undefined);
  const consumers: Consumer[] = [];
  const loops: Promise<void>[] = [];
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  for (const topic of topics) {
    const consumer = await transport.consumer(topic, subscription, {
      subscriptionType: 'Failover',
      initialPosition: 'Earliest',
    });
    consumers.push(consumer);
    loops.push(
      (async () => {
        try {
          for await (const m of consumer) {
            const sent = counted(
              target.send({
                payload: m.payload,
                properties: { ...m.properties, pulsarMessageId: m.id.raw, pulsarTopic: m.topic },
                timestamp: m.eventTime ?? m.publishTime,
                ...(m.key !== undefined && { key: m.key }),
              }),
            ).then(
              () => consumer.ack(m),
              // Not acked: the broker delivers it again after a reconnect or restart.
              (err: unknown) => onError(err),
            );
            inFlight.add(sent);
            void sent.finally(() => inFlight.delete(sent));
            if (stopped) break;
          }
        } catch (err) {
          if (!stopped) onError(err);
        }
      })(),
    );
  }
  return async () => {
    stopped = true;
    await Promise.allSettled([...inFlight]);
    await Promise.all(consumers.map((c) => c.close()));
    await Promise.allSettled(loops);
    await transport.close();
  };
}

/** A consumer group; a batch's offsets are committed once the target has all of it. */
async function fromKafka(
  from: Extract<Endpoint, { kind: 'kafka' }>,
  group: string,
  target: Target,
  counted: (p: Promise<unknown>) => Promise<void>,
  onError: (err: unknown) => void,
): Promise<() => Promise<void>> {
  const kafka: Kafka = createKafkaClient({ bootstrap: from.bootstrap, clientId: 'aisle-bridge' });
  await ensureTopics(kafka, [from.topic]);
  const consumer: KafkaConsumer = kafka.consumer({
    groupId: group,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs: 100,
  });
  let stopped = false;
  await consumer.connect();
  await consumer.subscribe({ topics: [from.topic], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      const sends: Promise<void>[] = [];
      let last: string | undefined;
      for (const m of batch.messages) {
        if (stopped || !isRunning() || isStale()) break;
        const properties: Record<string, string> = {};
        for (const [k, v] of Object.entries(m.headers ?? {})) {
          if (v !== undefined) properties[k] = Array.isArray(v) ? v.join(',') : v.toString();
        }
        properties.kafkaOffset = `${partitionKey(batch.topic, batch.partition)}@${m.offset}`;
        sends.push(
          counted(
            target.send({
              payload: m.value ?? Buffer.alloc(0),
              properties,
              timestamp: Number(m.timestamp),
              ...(m.key !== null && { key: m.key.toString() }),
            }),
          ),
        );
        last = m.offset;
      }
      if (last === undefined) return;
      try {
        await Promise.all(sends);
      } catch (err) {
        // Nothing of this batch is committed; the group delivers it again.
        onError(err);
        throw err;
      }
      resolveOffset(last);
      await consumer.commitOffsets([
        { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() },
      ]);
      await heartbeat();
    },
  });
  return async () => {
    stopped = true;
    await consumer.disconnect();
  };
}
