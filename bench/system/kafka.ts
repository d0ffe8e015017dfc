/**
 * Kafka end to end beside Pulsar, in one run on the same machine: events published, read back by
 * the engine's source, decoded, validated and ingested.
 *
 * - Throughput for 1 event per message (JSON), 100-event NDJSON messages and 1,000-event Arrow
 *   IPC messages: from the first send until the engine has applied the last message. Each shape
 *   runs on Pulsar and then on Kafka, so each suite's ratio column reads Kafka / Pulsar.
 * - Publish-to-visible latency at 5,000 events/s: send time (in a header or property) to the
 *   moment the engine has applied the message, same process and clock.
 *
 * Uses the brokers named by KAFKA_BOOTSTRAP and PULSAR_WS_URL, or starts fresh ones.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEngine, type RetailEvent } from '../../engine/index.js';
import { startKafkaBroker } from '../../src/kafka/broker/index.js';
import { createKafkaClient } from '../../src/kafka/client.js';
import { KafkaSink } from '../../src/kafka/sink.js';
import { KafkaSource } from '../../src/kafka/source.js';
import { ensureTopics } from '../../src/kafka/topics.js';
import { createSimulator } from '../../src/sim/index.js';
import { encodePayload, type OutFormat } from '../../src/stream/encode.js';
import type { BenchModule, CaseResult } from '../harness.js';
import {
  latencyOf,
  pulsarBroker,
  pulsarLatency,
  pulsarThroughput,
  type Latency,
} from './pulsar.js';

async function kafkaBroker(): Promise<{ bootstrap: string; stop(): Promise<void> }> {
  const { KAFKA_BOOTSTRAP } = process.env;
  if (KAFKA_BOOTSTRAP) return { bootstrap: KAFKA_BOOTSTRAP, stop: async () => {} };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aisle-bench-kafka-'));
  const b = await startKafkaBroker({
    dataDir,
    fresh: true,
    onProgress: (l) => console.log(`  [kafka] ${l}`),
  });
  return {
    bootstrap: b.bootstrap,
    async stop() {
      await b.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function startSource(
  bootstrap: string,
  topic: string,
  onApplied: (headers: Record<string, unknown>) => void,
) {
  const kafka = createKafkaClient({ bootstrap });
  await ensureTopics(kafka, [topic, `${topic}-dlq`]);
  const engine = await createEngine();
  const deadLetters = await KafkaSink.open(kafka, `${topic}-dlq`);
  const source = new KafkaSource({
    engine,
    kafka,
    topic,
    deadLetters,
    onApplied: (m) => onApplied(m.headers ?? {}),
  });
  await source.start();
  return {
    kafka,
    async stop() {
      await source.stop();
      await deadLetters.close();
      engine.close();
    },
  };
}

/** Events per second end to end for one message shape. */
async function kafkaThroughput(
  bootstrap: string,
  events: RetailEvent[],
  per: number,
  format: OutFormat,
): Promise<{ seconds: number; messages: number }> {
  const topic = `bench-${format}-${per}-${randomUUID().slice(0, 8)}`;
  const payloads: Uint8Array[] = [];
  for (let i = 0; i < events.length; i += per) {
    payloads.push(encodePayload(events.slice(i, i + per), format));
  }
  let applied = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => (done = r));
  const source = await startSource(bootstrap, topic, () => {
    if (++applied === payloads.length) done();
  });
  const sink = await KafkaSink.open(source.kafka, topic, { maxPending: 1000 });
  const started = performance.now();
  const sends: Promise<void>[] = [];
  for (const p of payloads) sends.push(sink.send({ value: p }));
  await Promise.all(sends);
  await finished;
  const seconds = (performance.now() - started) / 1000;
  await sink.close();
  await source.stop();
  return { seconds, messages: payloads.length };
}

/** Publish-to-applied latency percentiles (ms) at `rate` events/s in messages of `per` events. */
async function kafkaLatency(
  bootstrap: string,
  events: RetailEvent[],
  rate: number,
  per: number,
): Promise<Latency> {
  const topic = `bench-latency-${randomUUID().slice(0, 8)}`;
  const samples: number[] = [];
  const acks: number[] = [];
  const source = await startSource(bootstrap, topic, (headers) => {
    const sent = Number(String(headers.sentAt));
    if (Number.isFinite(sent)) samples.push(performance.timeOrigin + performance.now() - sent);
  });
  // The default sink batches what is sent while a request is in flight, as a service would.
  const sink = await KafkaSink.open(source.kafka, topic);
  const started = performance.now();
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < events.length; i += per) {
    const due = started + (i / rate) * 1000;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const payload = encodePayload(events.slice(i, i + per), per === 1 ? 'json' : 'ndjson');
    const sentAt = performance.timeOrigin + performance.now();
    sends.push(
      sink
        .send({ value: payload, headers: { sentAt: String(sentAt) } })
        .then(() => acks.push(performance.timeOrigin + performance.now() - sentAt)),
    );
  }
  await Promise.all(sends);
  const deadline = Date.now() + 30_000;
  while (samples.length < sends.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  await sink.close();
  await source.stop();
  return latencyOf(samples, acks);
}

export const kafkaBench: BenchModule = {
  name: 'system/kafka',
  async run({ maxTime, seed }) {
    const [k, p] = await Promise.all([kafkaBroker(), pulsarBroker()]);
    const results: CaseResult[] = [];
    try {
      const scale = maxTime < 1 ? 0.2 : 1;
      const sim = createSimulator({ seed });
      const shapes: Array<{ name: string; per: number; format: OutFormat; events: number }> = [
        { name: '1 event/message (JSON)', per: 1, format: 'json', events: 50_000 },
        { name: '100 events/message (NDJSON)', per: 100, format: 'ndjson', events: 500_000 },
        { name: '1000 events/message (Arrow IPC)', per: 1000, format: 'arrow', events: 1_000_000 },
      ];
      for (const s of shapes) {
        const events = sim.next(Math.round(s.events * scale));
        for (const broker of ['pulsar', 'kafka'] as const) {
          const { seconds, messages } =
            broker === 'pulsar'
              ? await pulsarThroughput(p.wsUrl, events, s.per, s.format)
              : await kafkaThroughput(k.bootstrap, events, s.per, s.format);
          const eventsPerSecond = events.length / seconds;
          console.log(
            `  ${broker} ${s.name}: ${Math.round(eventsPerSecond).toLocaleString()} events/s, ${Math.round(messages / seconds).toLocaleString()} messages/s`,
          );
          results.push({
            suite: `stream end to end, ${s.name}`,
            name: broker,
            hz: messages / seconds,
            rme: 0,
            mean: seconds / messages,
            samples: 1,
            itemsPerOp: s.per,
            extra: {
              events: events.length,
              messages,
              seconds: Number(seconds.toFixed(3)),
              eventsPerSecond: Math.round(eventsPerSecond),
            },
          });
        }
      }
      const rate = 5000;
      for (const per of [1, 50]) {
        const events = sim.next(Math.round(rate * 10 * scale));
        for (const broker of ['pulsar', 'kafka'] as const) {
          const l =
            broker === 'pulsar'
              ? await pulsarLatency(p.wsUrl, events, rate, per)
              : await kafkaLatency(k.bootstrap, events, rate, per);
          console.log(
            `  ${broker} latency at ${rate} events/s, ${per}/message: p50 ${l.p50.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms (${l.n} messages); send to broker ack p50 ${l.ackP50.toFixed(1)} ms, p99 ${l.ackP99.toFixed(1)} ms`,
          );
          results.push({
            suite: `stream publish-to-visible at ${rate} events/s, ${per} event${per === 1 ? '' : 's'}/message`,
            name: broker,
            hz: 1000 / l.p50,
            rme: 0,
            mean: l.p50 / 1000,
            samples: l.n,
            extra: {
              p50Ms: Number(l.p50.toFixed(2)),
              p99Ms: Number(l.p99.toFixed(2)),
              maxMs: Number(l.max.toFixed(2)),
              ackP50Ms: Number(l.ackP50.toFixed(2)),
              ackP99Ms: Number(l.ackP99.toFixed(2)),
              rate,
            },
          });
        }
      }
    } finally {
      await Promise.allSettled([k.stop(), p.stop()]);
    }
    return results;
  },
};
