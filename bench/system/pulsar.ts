/**
 * End to end through a real broker on this machine: events published over the WebSocket API,
 * read back by the engine's source, decoded, validated and ingested.
 *
 * - Throughput for one event per message (JSON), 100-event NDJSON messages and 1,000-event
 *   Arrow IPC messages: from the first send until the engine has applied the last message.
 * - Publish-to-visible latency at a fixed rate: send time (in a message property) to the moment
 *   the engine has applied the message, same process and clock.
 *
 * Uses the broker named by PULSAR_WS_URL / PULSAR_ADMIN_URL, or starts a fresh standalone one.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEngine, type RetailEvent } from '../../engine/index.js';
import { startStandalone } from '../../src/pulsar/broker/index.js';
import { encodePayload, type OutFormat } from '../../src/stream/encode.js';
import { createWsTransport, type PulsarTransport } from '../../src/pulsar/index.js';
import { PulsarSource } from '../../src/pulsar/source.js';
import { createSimulator } from '../../src/sim/index.js';
import type { BenchModule, CaseResult } from '../harness.js';

interface Broker {
  wsUrl: string;
  stop(): Promise<void>;
}

export async function pulsarBroker(): Promise<Broker> {
  const { PULSAR_WS_URL } = process.env;
  if (PULSAR_WS_URL) return { wsUrl: PULSAR_WS_URL, stop: async () => {} };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aisle-bench-pulsar-'));
  const b = await startStandalone({
    dataDir,
    fresh: true,
    onProgress: (l) => console.log(`  [pulsar] ${l}`),
  });
  return {
    wsUrl: b.wsUrl,
    async stop() {
      await b.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const topic = (what: string): string =>
  `persistent://public/default/bench-${what}-${randomUUID().slice(0, 8)}`;

async function startSource(
  transport: PulsarTransport,
  t: string,
  onApplied: (m: { properties: Readonly<Record<string, string>> }) => void,
) {
  const engine = await createEngine();
  const source = new PulsarSource({
    engine,
    transport,
    topics: [t],
    deadLetterTopic: `${t}-dlq`,
    onApplied,
  });
  await source.start();
  return { engine, source };
}

/** Events per second end to end for one message shape. */
export async function pulsarThroughput(
  wsUrl: string,
  events: RetailEvent[],
  per: number,
  format: OutFormat,
): Promise<{ seconds: number; messages: number }> {
  const transport = createWsTransport({ url: wsUrl });
  const t = topic(`${format}-${per}`);
  const payloads: Uint8Array[] = [];
  for (let i = 0; i < events.length; i += per)
    payloads.push(encodePayload(events.slice(i, i + per), format));
  let applied = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => (done = r));
  const { source } = await startSource(transport, t, () => {
    if (++applied === payloads.length) done();
  });
  const producer = await transport.producer(t, { maxPendingSends: 1000 });
  const started = performance.now();
  const sends: Promise<unknown>[] = [];
  for (const p of payloads) sends.push(producer.send(p));
  await Promise.all(sends);
  await finished;
  const seconds = (performance.now() - started) / 1000;
  await producer.close();
  await source.stop();
  await transport.close();
  return { seconds, messages: payloads.length };
}

/** Publish-to-applied latency percentiles (ms) at `rate` events/s in messages of `per` events. */
export async function pulsarLatency(
  wsUrl: string,
  events: RetailEvent[],
  rate: number,
  per: number,
): Promise<Latency> {
  const transport = createWsTransport({ url: wsUrl });
  const t = topic('latency');
  const samples: number[] = [];
  // Send to the broker's publish acknowledgement: how much of the latency is the broker's.
  const acks: number[] = [];
  const { source } = await startSource(transport, t, (m) => {
    const sent = Number(m.properties.sentAt);
    if (Number.isFinite(sent)) samples.push(performance.timeOrigin + performance.now() - sent);
  });
  const producer = await transport.producer(t);
  const started = performance.now();
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < events.length; i += per) {
    const due = started + (i / rate) * 1000;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const payload = encodePayload(events.slice(i, i + per), per === 1 ? 'json' : 'ndjson');
    const sentAt = performance.timeOrigin + performance.now();
    sends.push(
      producer
        .send(payload, { properties: { sentAt: String(sentAt) } })
        .then(() => acks.push(performance.timeOrigin + performance.now() - sentAt)),
    );
  }
  await Promise.all(sends);
  const expected = sends.length;
  const deadline = Date.now() + 30_000;
  while (samples.length < expected && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  await producer.close();
  await source.stop();
  await transport.close();
  return latencyOf(samples, acks);
}

/** Publish-to-applied percentiles (ms), and send-to-acknowledgement beside them. */
export interface Latency {
  p50: number;
  p99: number;
  max: number;
  n: number;
  ackP50: number;
  ackP99: number;
}

/** Summarises the samples of a latency run (sorts them in place). */
export function latencyOf(samples: number[], acks: number[]): Latency {
  samples.sort((a, b) => a - b);
  acks.sort((a, b) => a - b);
  const at = (xs: number[], q: number): number =>
    xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
  return {
    p50: at(samples, 0.5),
    p99: at(samples, 0.99),
    max: samples[samples.length - 1]!,
    n: samples.length,
    ackP50: at(acks, 0.5),
    ackP99: at(acks, 0.99),
  };
}

export const pulsarBench: BenchModule = {
  name: 'system/pulsar',
  async run({ maxTime, seed }) {
    const b = await pulsarBroker();
    const results: CaseResult[] = [];
    try {
      const scale = maxTime < 1 ? 0.2 : 1;
      const sim = createSimulator({ seed });
      const shapes: Array<{ name: string; per: number; format: OutFormat; events: number }> = [
        {
          name: '1 event/message (JSON)',
          per: 1,
          format: 'json',
          events: Math.round(50_000 * scale),
        },
        {
          name: '100 events/message (NDJSON)',
          per: 100,
          format: 'ndjson',
          events: Math.round(500_000 * scale),
        },
        {
          name: '1000 events/message (Arrow IPC)',
          per: 1000,
          format: 'arrow',
          events: Math.round(1_000_000 * scale),
        },
      ];
      for (const s of shapes) {
        const events = sim.next(s.events);
        const { seconds, messages } = await pulsarThroughput(b.wsUrl, events, s.per, s.format);
        const eventsPerSecond = s.events / seconds;
        console.log(
          `  ${s.name}: ${Math.round(eventsPerSecond).toLocaleString()} events/s, ${Math.round(messages / seconds).toLocaleString()} messages/s`,
        );
        results.push({
          suite: 'pulsar end to end',
          name: s.name,
          hz: messages / seconds,
          rme: 0,
          mean: seconds / messages,
          samples: 1,
          itemsPerOp: s.per,
          extra: {
            events: s.events,
            messages,
            seconds: Number(seconds.toFixed(3)),
            eventsPerSecond: Math.round(eventsPerSecond),
          },
        });
      }
      const rate = 5000;
      for (const per of [1, 50]) {
        const events = sim.next(Math.round(rate * 10 * scale));
        const l = await pulsarLatency(b.wsUrl, events, rate, per);
        console.log(
          `  latency at ${rate} events/s, ${per}/message: p50 ${l.p50.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms (${l.n} messages); send to broker ack p50 ${l.ackP50.toFixed(1)} ms, p99 ${l.ackP99.toFixed(1)} ms`,
        );
        results.push({
          suite: `pulsar publish-to-visible latency at ${rate} events/s`,
          name: `${per} event${per === 1 ? '' : 's'}/message`,
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
    } finally {
      await b.stop();
    }
    return results;
  },
};
