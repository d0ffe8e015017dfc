/**
 * `aisle produce`: replays the simulator or the Online Retail file into a Pulsar topic, paced,
 * batched, with a progress bar. Messages are keyed by user so Key_Shared consumers can split
 * users between them.
 */
import { SingleBar, Presets } from 'cli-progress';
import type { RetailEvent } from '../../engine/index.js';
import { onlineRetailFile, readOnlineRetail } from '../datasets/online-retail.js';
import { encodePayload, type OutFormat } from '../pulsar/encode.js';
import { createWsTransport } from '../pulsar/index.js';
import { createSimulator } from '../sim/index.js';

export interface ProduceConfig {
  pulsar: string;
  token?: string;
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
  const transport = createWsTransport({
    url: config.pulsar,
    ...(config.token && { token: config.token }),
  });
  const producer = await transport.producer(config.topic);
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
      const key = keyOf(group);
      const sent = producer.send(
        encodePayload(group, config.format),
        key === undefined ? {} : { key },
      );
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
      events += group.length;
      messages++;
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
    await transport.close();
  }
  const seconds = (performance.now() - started) / 1000;
  log(
    `sent ${events} events in ${messages} messages to ${config.topic} in ${seconds.toFixed(1)} s (${Math.round(events / seconds)} events/s)`,
  );
  return { events, messages, seconds };
}
