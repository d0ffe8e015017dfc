/**
 * Subscription types and flow control against a real broker: Shared, Key_Shared, Failover, pull
 * mode permits, and partitioned topics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createWsTransport,
  messageIdKey,
  type Consumer,
  type Message,
  type MessageId,
  type PulsarTransport,
} from '../../../src/pulsar/index.js';
import {
  createPartitionedTopic,
  drain,
  requireBroker,
  take,
  text,
  uniqueTopic,
  type Broker,
} from './broker.js';

let broker: Broker;
let transport: PulsarTransport;

beforeAll(async () => {
  broker = await requireBroker();
  transport = createWsTransport({ url: broker.wsUrl });
});

afterAll(async () => {
  await transport?.close();
});

/** Drains both consumers concurrently, acking everything, until both have been quiet. */
async function drainBoth(
  a: Consumer,
  b: Consumer,
  quietMs = 2_000,
): Promise<[Message[], Message[]]> {
  return Promise.all([drain(a, quietMs, a), drain(b, quietMs, b)]);
}

describe('subscription types', () => {
  it('Shared spreads messages across two consumers, each message to exactly one', async () => {
    const topic = uniqueTopic('shared');
    const opts = { subscriptionType: 'Shared' as const, receiverQueueSize: 10 };
    const a = await transport.consumer(topic, 'sub', opts);
    const b = await transport.consumer(topic, 'sub', opts);
    const producer = await transport.producer(topic);
    await Promise.all(Array.from({ length: 400 }, (_, i) => producer.send(`s${i}`)));
    await producer.close();

    const [gotA, gotB] = await drainBoth(a, b);
    await Promise.all([a.close(), b.close()]);
    expect(gotA.length).toBeGreaterThan(0);
    expect(gotB.length).toBeGreaterThan(0);
    const all = [...gotA, ...gotB].map(text).sort();
    expect(all).toEqual(Array.from({ length: 400 }, (_, i) => `s${i}`).sort());
  });

  it('Key_Shared: a key never reaches both consumers, and together they get every message', async () => {
    const topic = uniqueTopic('key-shared');
    const opts = { subscriptionType: 'Key_Shared' as const };
    const a = await transport.consumer(topic, 'sub', opts);
    const b = await transport.consumer(topic, 'sub', opts);
    const producer = await transport.producer(topic);
    const n = 2_000;
    const keys = 50;
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        producer.send(`k${i}`, { key: `key-${i % keys}`, properties: { i: String(i) } }),
      ),
    );
    await producer.close();

    const [gotA, gotB] = await drainBoth(a, b);
    await Promise.all([a.close(), b.close()]);
    const keysA = new Set(gotA.map((m) => m.key));
    const keysB = new Set(gotB.map((m) => m.key));
    expect([...keysA].filter((k) => keysB.has(k))).toEqual([]);
    expect(keysA.size).toBeGreaterThan(0);
    expect(keysB.size).toBeGreaterThan(0);
    expect(keysA.size + keysB.size).toBe(keys);
    expect(gotA.length + gotB.length).toBe(n);
    const seen = new Set([...gotA, ...gotB].map((m) => m.properties.i));
    expect(seen.size).toBe(n);
    // per-key order is preserved within the consumer that owns the key
    for (const got of [gotA, gotB]) {
      const lastByKey = new Map<string, number>();
      for (const m of got) {
        const i = Number(m.properties.i);
        expect(i).toBeGreaterThan(lastByKey.get(m.key!) ?? -1);
        lastByKey.set(m.key!, i);
      }
    }
  });

  it('Failover: one active consumer gets everything; the standby takes over when it leaves', async () => {
    const topic = uniqueTopic('failover');
    const opts = { subscriptionType: 'Failover' as const, initialPosition: 'Earliest' as const };
    const a = await transport.consumer(topic, 'sub', { ...opts, consumerName: 'a' });
    const b = await transport.consumer(topic, 'sub', { ...opts, consumerName: 'b' });
    const producer = await transport.producer(topic);
    await Promise.all(Array.from({ length: 100 }, (_, i) => producer.send(`f${i}`)));

    const [gotA, gotB] = await drainBoth(a, b, 1_500);
    const [active, standby] = gotA.length > 0 ? [a, b] : [b, a];
    expect([gotA.length, gotB.length].sort((x, y) => x - y)).toEqual([0, 100]);
    expect((gotA.length > 0 ? gotA : gotB).map(text)).toEqual(
      Array.from({ length: 100 }, (_, i) => `f${i}`),
    );

    await active.close();
    await Promise.all(Array.from({ length: 20 }, (_, i) => producer.send(`g${i}`)));
    await producer.close();
    const after = await take(standby, 20);
    expect(after.map(text)).toEqual(Array.from({ length: 20 }, (_, i) => `g${i}`));
    await standby.close();
  });

  it('Exclusive refuses a second consumer with the broker reason (HTTP 409)', async () => {
    const topic = uniqueTopic('exclusive-busy');
    const a = await transport.consumer(topic, 'sub');
    const err = await transport.consumer(topic, 'sub').catch((e: unknown) => e);
    await a.close();
    expect(err).toMatchObject({
      code: 'PULSAR_CONNECT_FAILED',
      status: 409,
      message: expect.stringContaining('Exclusive consumer is already connected'),
    });
  });
});

describe('dead letter topic', () => {
  it('moves a message nacked past maxRedeliverCount to the dead letter topic', async () => {
    const topic = uniqueTopic('dlq-src');
    const deadLetterTopic = uniqueTopic('dlq');
    const dlqReader = await transport.reader(deadLetterTopic, { startMessageId: 'earliest' });
    const consumer = await transport.consumer(topic, 'sub', {
      subscriptionType: 'Shared',
      negativeAckRedeliveryDelayMs: 50,
      maxRedeliverCount: 1,
      deadLetterTopic,
    });
    const producer = await transport.producer(topic);
    await producer.send('poison', { properties: { why: 'test' } });
    await producer.close();
    // first delivery and one redelivery, both refused; then it is dead-lettered
    for (let i = 0; i < 2; i++) await consumer.nack((await take(consumer, 1))[0]!);
    const [dead] = await take(dlqReader, 1, 30_000);
    expect(text(dead!)).toBe('poison');
    expect(dead!.properties.why).toBe('test');
    expect(await drain(consumer, 500)).toEqual([]);
    await Promise.all([consumer.close(), dlqReader.close()]);
  });
});

describe('pull mode', () => {
  it('delivers exactly as many messages as permitted', async () => {
    const topic = uniqueTopic('pull');
    const producer = await transport.producer(topic);
    await Promise.all(Array.from({ length: 20 }, (_, i) => producer.send(`p${i}`)));
    await producer.close();
    const consumer = await transport.consumer(topic, 'sub', {
      pullMode: true,
      initialPosition: 'Earliest',
    });
    expect(await drain(consumer, 700)).toEqual([]);

    consumer.permit(5);
    const first = await take(consumer, 5);
    expect(first.map(text)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    // acks do not open the window in pull mode: only permits do
    for (const m of first) await consumer.ack(m);
    expect(await drain(consumer, 700)).toEqual([]);

    consumer.permit(10);
    consumer.permit(5);
    const rest = await take(consumer, 15);
    expect(rest.map(text)).toEqual(Array.from({ length: 15 }, (_, i) => `p${i + 5}`));
    expect(() => consumer.permit(0)).toThrow(/permit count/);
    await consumer.close();
  });

  it('permit() outside pull mode is a usage error', async () => {
    const consumer = await transport.consumer(uniqueTopic('push'), 'sub');
    expect(() => consumer.permit(1)).toThrow(/pullMode/);
    await consumer.close();
  });

  it('push mode pauses at receiverQueueSize unacked messages and resumes on ack', async () => {
    const topic = uniqueTopic('queue-size');
    const producer = await transport.producer(topic);
    await Promise.all(Array.from({ length: 30 }, (_, i) => producer.send(`q${i}`)));
    await producer.close();
    const consumer = await transport.consumer(topic, 'sub', {
      initialPosition: 'Earliest',
      receiverQueueSize: 10,
    });
    const first = await drain(consumer, 700);
    expect(first.length).toBe(10);
    for (const m of first) await consumer.ack(m);
    const rest = await drain(consumer, 700, consumer);
    expect([...first, ...rest].map(text)).toEqual(Array.from({ length: 30 }, (_, i) => `q${i}`));
    await consumer.close();
  });
});

const p1Of = (ids: MessageId[]): MessageId[] => ids.filter((id) => id.partition === 1);

describe('partitioned topics', () => {
  it('a keyed producer spreads over partitions; ids carry the partition; readers see all', async () => {
    const topic = uniqueTopic('partitioned');
    await createPartitionedTopic(broker, topic, 3);
    const producer = await transport.producer(topic);
    const ids = await Promise.all(
      Array.from({ length: 60 }, (_, i) => producer.send(`x${i}`, { key: `k${i % 12}` })),
    );
    await producer.close();
    const partitions = new Set(ids.map((id) => id.partition));
    expect([...partitions].sort()).toEqual([0, 1, 2]);

    const reader = await transport.reader(topic, { startMessageId: 'earliest' });
    const got = await take(reader, 60);
    await reader.close();
    expect(got.map(text).sort()).toEqual(Array.from({ length: 60 }, (_, i) => `x${i}`).sort());
    expect(new Set(got.map((m) => messageIdKey(m.id)))).toEqual(new Set(ids.map(messageIdKey)));

    // a whole partitioned topic cannot start from a message id: the broker refuses
    await expect(transport.reader(topic, { startMessageId: p1Of(ids)[0]! })).rejects.toMatchObject({
      code: 'PULSAR_CONNECT_FAILED',
      message: expect.stringContaining('read each partition'),
    });

    // one partition on its own: resuming after a given id works per partition
    const p1 = p1Of(ids);
    const partReader = await transport.reader(`${topic}-partition-1`, { startMessageId: p1[0]! });
    const fromP1 = await take(partReader, p1.length - 1);
    await partReader.close();
    expect(fromP1.map((m) => messageIdKey(m.id))).toEqual(p1.slice(1).map(messageIdKey));
  });

  it('Key_Shared over a partitioned topic still keeps each key on one consumer', async () => {
    const topic = uniqueTopic('partitioned-ks');
    await createPartitionedTopic(broker, topic, 2);
    const opts = { subscriptionType: 'Key_Shared' as const };
    const a = await transport.consumer(topic, 'sub', opts);
    const b = await transport.consumer(topic, 'sub', opts);
    const producer = await transport.producer(topic);
    await Promise.all(
      Array.from({ length: 400 }, (_, i) => producer.send(`y${i}`, { key: `u${i % 20}` })),
    );
    await producer.close();
    const [gotA, gotB] = await drainBoth(a, b);
    await Promise.all([a.close(), b.close()]);
    const keysA = new Set(gotA.map((m) => m.key));
    expect(gotB.filter((m) => keysA.has(m.key))).toEqual([]);
    expect(gotA.length + gotB.length).toBe(400);
  });
});
