/**
 * `aisle bridge` between the tests' real Pulsar and Kafka brokers: every message arrives with its
 * payload, key and properties, an engine on the far side counts what an engine on the near side
 * would, and a restarted bridge resumes where its subscription or group left off.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type RetailEvent } from '../../engine/index.js';
import { startBridge, type Bridge } from '../../src/bridge/bridge.js';
import { parseEndpoint } from '../../src/bridge/endpoint.js';
import { createKafkaClient } from '../../src/kafka/client.js';
import { startKafkaHost, type KafkaHost } from '../../src/kafka/host.js';
import { KafkaSink } from '../../src/kafka/sink.js';
import { ensureTopics } from '../../src/kafka/topics.js';
import { createWsTransport, type PulsarTransport } from '../../src/pulsar/index.js';
import { startStreamHost, type StreamHost } from '../../src/pulsar/host.js';
import { createSimulator } from '../../src/sim/index.js';
import { encodePayload } from '../../src/stream/encode.js';
import { byKey } from '../../src/stream/keys.js';
import { kafkaBootstrap } from '../support/kafka.js';
import { pulsarUrls } from '../support/pulsar.js';

let bootstrap: string;
let kafka: Kafka;
let wsUrl: string;
let adminUrl: string;
let transport: PulsarTransport;
const stops: (() => Promise<void>)[] = [];

beforeAll(() => {
  bootstrap = kafkaBootstrap();
  kafka = createKafkaClient({ bootstrap });
  ({ wsUrl, adminUrl } = pulsarUrls());
  transport = createWsTransport({ url: wsUrl });
});

afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => {});
  await transport.close();
});

const name = (what: string): string => `aisle-bridge-${what}-${randomUUID().slice(0, 8)}`;
const authority = (): string => wsUrl.replace(/^ws:\/\//, '');

async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function bridge(from: string, to: string, group: string): Promise<Bridge> {
  const b = await startBridge({ from: parseEndpoint(from), to: parseEndpoint(to), name: group });
  stops.push(() => b.stop());
  return b;
}

/** One message per user of each 500-event window, alternating NDJSON and Arrow IPC. */
function messagesOf(events: readonly RetailEvent[]) {
  const out: { key: string; payload: Uint8Array }[] = [];
  for (let i = 0; i < events.length; i += 500) {
    for (const [key, group] of byKey(events.slice(i, i + 500))) {
      out.push({ key, payload: encodePayload(group, out.length % 2 === 0 ? 'ndjson' : 'arrow') });
    }
  }
  return out;
}

async function expected(events: RetailEvent[]) {
  const engine = await createEngine({});
  engine.ingestEvents(events);
  const s = engine.stats();
  engine.close();
  return { eventsByType: s.eventsByType, storedEvents: s.storedEvents, users: s.users };
}

describe('bridge', () => {
  it('copies a Pulsar topic to Kafka, where an engine counts the same', async () => {
    const pulsarTopic = name('p2k');
    const kafkaTopic = name('p2k');
    const events = createSimulator({ seed: 41 }).next(4_000);
    const first = messagesOf(events.slice(0, 3_000));
    const second = messagesOf(events.slice(3_000));
    const producer = await transport.producer(pulsarTopic);
    await Promise.all(
      first.map((m) => producer.send(m.payload, { key: m.key, properties: { origin: 'shop' } })),
    );
    const group = name('sub');
    const from = `pulsar://${authority()}/${pulsarTopic}`;
    const to = `kafka://${bootstrap}/${kafkaTopic}`;
    const b1 = await bridge(from, to, group);
    await until('the first part forwarded', () => b1.forwarded === first.length);
    await b1.stop();
    // Published while no bridge runs: the subscription keeps them for the next one.
    await Promise.all(
      second.map((m) => producer.send(m.payload, { key: m.key, properties: { origin: 'shop' } })),
    );
    await producer.close();
    const b2 = await bridge(from, to, group);
    await until('the second part forwarded', () => b2.forwarded === second.length);

    const host: KafkaHost = await startKafkaHost({ bootstrap, topic: kafkaTopic });
    stops.push(() => host.stop());
    await until(
      'the engine read it all',
      () => host.stats().messages === first.length + second.length,
    );
    const s = host.engine.stats();
    expect({ eventsByType: s.eventsByType, storedEvents: s.storedEvents, users: s.users }).toEqual(
      await expected(events),
    );
    expect(host.stats().deadLetters).toBe(0);

    // Keys and properties travel; the source's id comes along.
    const consumer = kafka.consumer({ groupId: name('read'), maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: [kafkaTopic], fromBeginning: true });
    const seen: { key: string; headers: Record<string, string> }[] = [];
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
        seen.push({ key: message.key!.toString(), headers });
      },
    });
    try {
      await until('records read back', () => seen.length === first.length + second.length);
    } finally {
      await consumer.disconnect();
    }
    expect(seen.map((r) => r.key)).toEqual([...first, ...second].map((m) => m.key));
    expect(seen[0]!.headers.origin).toBe('shop');
    expect(seen[0]!.headers.pulsarMessageId).toMatch(/\S/);
  });

  it('copies a Kafka topic to Pulsar, where an engine counts the same', async () => {
    const kafkaTopic = name('k2p');
    const pulsarTopic = `persistent://public/default/${name('k2p')}`;
    await ensureTopics(kafka, [kafkaTopic], 2);
    const events = createSimulator({ seed: 42 }).next(3_000);
    const messages = messagesOf(events);
    const sink = await KafkaSink.open(kafka, kafkaTopic);
    await Promise.all(
      messages.map((m) => sink.send({ value: m.payload, key: m.key, headers: { origin: 'till' } })),
    );
    await sink.close();
    const host: StreamHost = await startStreamHost({
      pulsar: wsUrl,
      admin: adminUrl,
      topic: pulsarTopic,
    });
    stops.push(() => host.stop());
    const b = await bridge(
      `kafka://${bootstrap}/${kafkaTopic}`,
      `pulsar://${authority()}/${pulsarTopic}`,
      name('group'),
    );
    await until('forwarded', () => b.forwarded === messages.length);
    await until('the engine read it all', () => host.stats().messages === messages.length);
    const s = host.engine.stats();
    expect({ eventsByType: s.eventsByType, storedEvents: s.storedEvents, users: s.users }).toEqual(
      await expected(events),
    );
    const reader = await transport.reader(pulsarTopic, { startMessageId: 'earliest' });
    const m = await reader.receive({ timeoutMs: 10_000 });
    await reader.close();
    expect(m.properties.origin).toBe('till');
    expect(m.properties.kafkaOffset).toMatch(new RegExp(`^${kafkaTopic}/[01]@\\d+$`));
    expect(messages.map((x) => x.key)).toContain(m.key);
  });
});
