/**
 * `aisle produce`: replays the simulator or the Online Retail file into a Pulsar or Kafka topic,
 * paced, batched, with a progress bar. Messages are keyed by their first event's user; with
 * `perUser` each batch is split so a message holds one user's events, which is what lets
 * Key_Shared consumers or a Kafka consumer group split users between engines exactly.
 */
import { SingleBar, Presets } from 'cli-progress';
import type { RetailEvent } from '../../engine/index.js';
import { onlineRetailFile, readOnlineRetail } from '../datasets/online-retail.js';
import { encodePayload, type OutFormat } from '../stream/encode.js';
import { createKafkaClient } from '../kafka/client.js';
import { KafkaSink } from '../kafka/sink.js';
import { ensureTopics } from '../kafka/topics.js';
import { createWsTransport } from '../pulsar/index.js';
import { byKey } from '../stream/keys.js';
import { createSimulator } from '../sim/index.js';

export interface ProduceConfig {
  /** Pulsar WebSocket URL; or */
  pulsar?: string;
  token?: string;
  /** Kafka bootstrap `host:port[,host:port]`. */
  kafka?: string;
  /** Split each batch into one message per user (keyed by it). */
  perUser?: boolean;
  topic: string;
  source: string;
  /** Events per second; 0 = as fast as the broker acknowledges. */
  rate: number;
  /** Events per message. */
  batch: number;
  format: OutFormat;
  /** Events to send: the simulator's stream length; for a dataset file a limit (default all). */
  count?: number;
  seed: number;
  /** Sends in flight before waiting for acknowledgements. */
  window: number;
  progress: boolean;
}

export interface ProduceResult {
  events: number;
  messages: number;
  seconds: number;
}

async function* simulated(
  seed: number,
  count: number,
  batch: number,
): AsyncGenerator<RetailEvent[]> {
  const sim = createSimulator({ seed });
  for (let sent = 0; sent < count; sent += batch) yield sim.next(Math.min(batch, count - sent));
}

async function* limited(
  source: AsyncIterable<RetailEvent[]>,
  limit: number,
): AsyncGenerator<RetailEvent[]> {
  let left = limit;
  for await (const events of source) {
    if (left <= 0) return;
    const take = events.length <= left ? events : events.slice(0, left);
    left -= take.length;
    yield take;
  }
}

/** Splits a stream of event arrays into message-sized groups of exactly `size` (last may be short). */
async function* regroup(
  source: AsyncIterable<RetailEvent[]>,
  size: number,
): AsyncGenerator<RetailEvent[]> {
  let pending: RetailEvent[] = [];
  for await (const events of source) {
    for (const e of events) {
      pending.push(e);
      if (pending.length === size) {
        yield pending;
        pending = [];
      }
    }
  }
  if (pending.length > 0) yield pending;
}

function keyOf(events: readonly RetailEvent[]): string | undefined {
  const first = events[0] as { user?: string; item?: string } | undefined;
  return first?.user ?? first?.item;
}

export async function produce(
  config: ProduceConfig,
  log: (line: string) => void,
): Promise<ProduceResult> {
  const fromSim = config.source === 'sim';
  const file = fromSim ? undefined : onlineRetailFile(config.source);
  const limit = config.count ?? (fromSim ? 100_000 : Infinity);
  const source = limited(
    fromSim
      ? simulated(config.seed, limit, Math.max(config.batch, 1000))
      : readOnlineRetail(file!, 10_000),
    limit,
  );
  const total = Number.isFinite(limit) ? limit : undefined;
  const producer = await openSender(config);
  const bar = config.progress
    ? new SingleBar(
        {
          format: ' {bar} {value}/{total} events | {rate} ev/s | {eta_formatted} left',
          etaBuffer: 50,
        },
        Presets.shades_classic,
      )
    : undefined;
  bar?.start(total ?? 541_909, 0, { rate: 0 });
  const started = performance.now();
  let events = 0;
  let messages = 0;
  const inFlight = new Set<Promise<unknown>>();
  let failure: unknown;
  let lastLog = started;
  try {
    for await (const group of regroup(source, config.batch)) {
      if (config.rate > 0) {
        // Pace by schedule, not by sleeps after each send, so slow acks do not lower the rate.
        const due = started + (events / config.rate) * 1000;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      }
      const parts = config.perUser ? [...byKey(group)] : [[keyOf(group), group] as const];
      for (const [key, part] of parts) {
        const sent = producer.send(encodePayload(part, config.format), key || undefined);
        inFlight.add(sent);
        sent.then(
          () => inFlight.delete(sent),
          (err: unknown) => {
            inFlight.delete(sent);
            failure ??= err;
          },
        );
        if (inFlight.size >= config.window) await Promise.race([...inFlight]).catch(() => {});
        if (failure !== undefined) throw failure;
        messages++;
      }
      events += group.length;
      const now = performance.now();
      const rate = Math.round(events / ((now - started) / 1000));
      bar?.update(events, { rate });
      if (bar === undefined && now - lastLog > 2000) {
        log(`${events} events in ${messages} messages, ${rate} events/s`);
        lastLog = now;
      }
    }
    await Promise.allSettled([...inFlight]);
    if (failure !== undefined) throw failure;
  } finally {
    bar?.stop();
    await producer.close();
  }
  const seconds = (performance.now() - started) / 1000;
  log(
    `sent ${events} events in ${messages} messages to ${config.topic} in ${seconds.toFixed(1)} s (${Math.round(events / seconds)} events/s)`,
  );
  return { events, messages, seconds };
}

/** One message out, whichever broker: resolves once the broker has it. */
interface Sender {
  send(payload: Uint8Array, key: string | undefined): Promise<unknown>;
  close(): Promise<void>;
}

async function openSender(config: ProduceConfig): Promise<Sender> {
  if (config.kafka !== undefined) {
    const kafka = createKafkaClient({ bootstrap: config.kafka });
    await ensureTopics(kafka, [config.topic]);
    const sink = await KafkaSink.open(kafka, config.topic, {
      maxPending: Math.max(config.window, 1000),
    });
    return {
      send: (payload, key) => sink.send({ value: payload, ...(key !== undefined && { key }) }),
      close: () => sink.close(),
    };
  }
  const transport = createWsTransport({
    url: config.pulsar!,
    ...(config.token && { token: config.token }),
  });
  const producer = await transport.producer(config.topic);
  return {
    send: (payload, key) => producer.send(payload, key === undefined ? {} : { key }),
    async close() {
      await producer.close();
      await transport.close();
    },
  };
}
