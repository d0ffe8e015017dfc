/**
 * The WebSocket transport against a real broker: publish with receipts, read back in order,
 * reader start positions, consumer acks and redelivery, payload and metadata fidelity.
 * More in test/integration/pulsar-transport/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compareMessageIds,
  createWsTransport,
  isPulsarError,
  messageIdKey,
  type MessageId,
  type PulsarTransport,
} from '../../src/pulsar/index.js';
import {
  drain,
  requireBroker,
  take,
  text,
  uniqueTopic,
  type Broker,
  subscriptionSettled,
} from './pulsar-transport/broker.js';

let broker: Broker;
let transport: PulsarTransport;

beforeAll(async () => {
  broker = await requireBroker();
  transport = createWsTransport({
    url: broker.wsUrl,
    reconnect: { minDelayMs: 50, maxDelayMs: 1_000 },
  });
});

afterAll(async () => {
  await transport?.close();
});

async function publish(topic: string, count: number, prefix = 'm'): Promise<MessageId[]> {
  const producer = await transport.producer(topic);
  const ids = await Promise.all(
    Array.from({ length: count }, (_, i) => producer.send(`${prefix}${i}`)),
  );
  await producer.close();
  return ids;
}

describe('producer and reader', () => {
  it('publishes N pipelined messages with receipts and reads them all back in order', async () => {
    const topic = uniqueTopic('order');
    const n = 2_000;
    const ids = await publish(topic, n);
    expect(new Set(ids.map(messageIdKey)).size).toBe(n);
    for (let i = 1; i < n; i++) expect(compareMessageIds(ids[i - 1]!, ids[i]!)).toBe(-1);

    const reader = await transport.reader(topic, { startMessageId: 'earliest' });
    const got = await take(reader, n);
    await reader.close();
    expect(got.map(text)).toEqual(Array.from({ length: n }, (_, i) => `m${i}`));
    expect(got.map((m) => messageIdKey(m.id))).toEqual(ids.map(messageIdKey));
    expect(got.every((m) => m.topic === topic && m.redeliveryCount === 0)).toBe(true);
  });

  it('reader from a message id starts strictly after it (exclusive)', async () => {
    const topic = uniqueTopic('from-id');
    const ids = await publish(topic, 10);
    const reader = await transport.reader(topic, { startMessageId: ids[3]! });
    const got = await take(reader, 6);
    expect(got.map(text)).toEqual(['m4', 'm5', 'm6', 'm7', 'm8', 'm9']);
    expect(await drain(reader, 500)).toEqual([]);
    await reader.close();

    const fromLast = await transport.reader(topic, { startMessageId: ids[9]! });
    expect(await drain(fromLast, 500)).toEqual([]);
    await fromLast.close();
  });

  it('reader from a batched message id also starts strictly after it', async () => {
    const topic = uniqueTopic('batched');
    const producer = await transport.producer(topic, {
      batchingEnabled: true,
      batchingMaxMessages: 4,
      batchingMaxPublishDelayMs: 50,
    });
    const ids = await Promise.all(Array.from({ length: 8 }, (_, i) => producer.send(`b${i}`)));
    await producer.close();
    expect(ids[1]!.batchIndex).toBe(1);
    expect(ids[1]!.entry).toBe(ids[0]!.entry);

    const reader = await transport.reader(topic, { startMessageId: ids[1]! });
    const got = await take(reader, 6);
    await reader.close();
    expect(got.map(text)).toEqual(['b2', 'b3', 'b4', 'b5', 'b6', 'b7']);
    // the same message, two raw forms: the receipt says batch size 0, the delivery the real size
    expect(messageIdKey(got[0]!.id)).toBe(messageIdKey(ids[2]!));
  });

  it('reader from latest sees only what is published after it opened', async () => {
    const topic = uniqueTopic('latest');
    await publish(topic, 3, 'old');
    const reader = await transport.reader(topic);
    await publish(topic, 2, 'new');
    expect((await take(reader, 2)).map(text)).toEqual(['new0', 'new1']);
    await reader.close();
  });

  it('round-trips key, properties, event time and binary payloads', async () => {
    const topic = uniqueTopic('fidelity');
    const reader = await transport.reader(topic, { startMessageId: 'earliest' });
    const producer = await transport.producer(topic);
    const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const offsetView = new Uint8Array(allBytes.buffer, 10, 20);
    const eventTime = Date.UTC(2024, 1, 29, 12, 30, 15, 123);
    const props = { 'tenant-id': 'é✓ 中', empty: '', 'with "quotes"': 'a\nb' };
    const before = Date.now();
    await producer.send(allBytes, { key: 'user:42 ü', properties: props, eventTime });
    await producer.send(offsetView, { eventTime: new Date(eventTime) });
    await producer.send('plain text ✓');
    await producer.send(new Uint8Array(0));
    await producer.close();

    const [a, b, c, d] = await take(reader, 4);
    await reader.close();
    expect(Array.from(a!.payload)).toEqual(Array.from(allBytes));
    expect(a!.key).toBe('user:42 ü');
    expect(a!.properties).toEqual(props);
    expect(a!.eventTime).toBe(eventTime);
    expect(a!.publishTime).toBeGreaterThanOrEqual(before - 5_000);
    expect(Array.from(b!.payload)).toEqual(Array.from(allBytes.subarray(10, 30)));
    expect(b!.key).toBeUndefined();
    expect(b!.properties).toEqual({});
    expect(b!.eventTime).toBe(eventTime);
    expect(text(c!)).toBe('plain text ✓');
    expect(c!.eventTime).toBeUndefined();
    expect(d!.payload.byteLength).toBe(0);
  });

  it('flush waits for every earlier send', async () => {
    const topic = uniqueTopic('flush');
    const producer = await transport.producer(topic, { maxPendingSends: 10 });
    const settled: number[] = [];
    for (let i = 0; i < 100; i++) void producer.send(`f${i}`).then(() => settled.push(i));
    expect(producer.pending).toBe(100);
    await producer.flush();
    expect(settled.length).toBe(100);
    expect(producer.pending).toBe(0);
    await producer.flush(); // nothing pending: resolves at once
    await producer.close();
  });
});

describe('consumer', () => {
  it('Exclusive: receives from the earliest position, acks, and nothing comes back', async () => {
    const topic = uniqueTopic('exclusive');
    await publish(topic, 50);
    const consumer = await transport.consumer(topic, 'sub', { initialPosition: 'Earliest' });
    expect(consumer.subscription).toBe('sub');
    const got = await take(consumer, 50);
    expect(got.map(text)).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
    await Promise.all(got.map((m) => consumer.ack(m)));
    await consumer.close();

    // The broker drops the closed consumer a moment after the socket closes; on a busy machine a
    // new Exclusive consumer can be refused (409) in that moment, so it tries again for a while.
    let again: Awaited<ReturnType<typeof transport.consumer>> | undefined;
    for (let tries = 0; again === undefined; tries++) {
      try {
        again = await transport.consumer(topic, 'sub', { initialPosition: 'Earliest' });
      } catch (err) {
        if (tries >= 20 || !/409/.test(String(err))) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    expect(await drain(again, 1_000)).toEqual([]);
    await again.close();
  });

  it('initial position Latest (the default) skips the backlog', async () => {
    const topic = uniqueTopic('sub-latest');
    await publish(topic, 5, 'old');
    const consumer = await transport.consumer(topic, 'sub');
    await publish(topic, 1, 'new');
    expect(text((await take(consumer, 1))[0]!)).toBe('new0');
    await consumer.close();
  });

  it('redelivers unacked messages after close and reopen', async () => {
    const topic = uniqueTopic('redeliver');
    await publish(topic, 10);
    const first = await transport.consumer(topic, 'sub', { initialPosition: 'Earliest' });
    const got = await take(first, 10);
    for (const m of got.filter((_, i) => i % 2 === 0)) await first.ack(m);
    await first.close();
    await subscriptionSettled(broker.adminUrl, topic, 'sub', { backlog: 5, noConsumers: true });

    const second = await transport.consumer(topic, 'sub', { initialPosition: 'Earliest' });
    const again = await drain(second, 1_500, second);
    await second.close();
    expect(again.map(text).sort()).toEqual(['m1', 'm3', 'm5', 'm7', 'm9']);
  });

  it('nack redelivers after the configured delay with a higher redelivery count', async () => {
    const topic = uniqueTopic('nack');
    await publish(topic, 1);
    const consumer = await transport.consumer(topic, 'sub', {
      subscriptionType: 'Shared',
      initialPosition: 'Earliest',
      negativeAckRedeliveryDelayMs: 100,
    });
    const [m] = await take(consumer, 1);
    await consumer.nack(m!);
    const [again] = await take(consumer, 1);
    expect(text(again!)).toBe('m0');
    expect(messageIdKey(again!.id)).toBe(messageIdKey(m!.id));
    expect(again!.redeliveryCount).toBeGreaterThan(m!.redeliveryCount);
    await consumer.ack(again!);
    await consumer.close();
  });

  it('async iteration yields messages and ends quietly on close', async () => {
    const topic = uniqueTopic('iterate');
    await publish(topic, 5);
    const consumer = await transport.consumer(topic, 'sub', { initialPosition: 'Earliest' });
    const seen: string[] = [];
    for await (const m of consumer) {
      seen.push(text(m));
      await consumer.ack(m);
      if (seen.length === 5) void consumer.close();
    }
    expect(seen).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
  });

  it('acks by MessageId as well as by Message', async () => {
    const topic = uniqueTopic('ack-id');
    await publish(topic, 2);
    const consumer = await transport.consumer(topic, 'sub', { initialPosition: 'Earliest' });
    const [a, b] = await take(consumer, 2);
    await consumer.ack(a!.id);
    await consumer.ack(b!);
    await consumer.close();
    // Neither acks nor a close have a receipt: wait until the broker shows both done.
    await subscriptionSettled(broker.adminUrl, topic, 'sub', { backlog: 0, noConsumers: true });
    const again = await transport.consumer(topic, 'sub', { initialPosition: 'Earliest' });
    expect(await drain(again, 800)).toEqual([]);
    await again.close();
  });
});

describe('close', () => {
  it('is idempotent and rejects pending receives, sends and acks with PULSAR_CLOSED', async () => {
    const topic = uniqueTopic('close');
    const t = createWsTransport({ url: broker.wsUrl });
    const consumer = await t.consumer(topic, 'sub');
    const reader = await t.reader(topic);
    const producer = await t.producer(topic);
    // settle into values at once: the rejections land during close(), before any expect runs
    const outcome = (p: Promise<unknown>): Promise<unknown> =>
      p.then(
        () => 'resolved',
        (e) => e,
      );
    const pendingReceive = outcome(consumer.receive());
    const pendingRead = outcome(reader.receive());
    await Promise.all([consumer.close(), consumer.close(), reader.close()]);
    await reader.close();
    for (const p of [
      pendingReceive,
      pendingRead,
      outcome(consumer.receive()),
      outcome(reader.receive()),
    ]) {
      expect(await p).toMatchObject({ code: 'PULSAR_CLOSED' });
    }
    const err = await consumer.ack({ raw: 'CAQQADAA' } as MessageId).catch((e: unknown) => e);
    expect(isPulsarError(err) && err.code).toBe('PULSAR_CLOSED');

    await t.close();
    await t.close();
    await expect(producer.send('late')).rejects.toMatchObject({ code: 'PULSAR_CLOSED' });
    await expect(t.producer(topic)).rejects.toMatchObject({ code: 'PULSAR_CLOSED' });
  });

  it('closing a producer rejects sends still awaiting receipts', async () => {
    const topic = uniqueTopic('close-producer');
    const producer = await transport.producer(topic);
    const sends = Array.from({ length: 500 }, (_, i) => producer.send(`c${i}`));
    const closing = producer.close();
    const results = await Promise.allSettled(sends);
    await closing;
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected.length).toBeGreaterThan(0);
    for (const r of rejected) {
      expect((r as PromiseRejectedResult).reason).toMatchObject({
        code: 'PULSAR_CLOSED',
        message: expect.stringContaining('producer closed'),
      });
    }
  });
});
