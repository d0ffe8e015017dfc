/**
 * Dropped connections against a real broker. The test hook `socketOf(handle).terminate()` cuts
 * the TCP connection without a close frame, as a network failure would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createWsTransport,
  messageIdKey,
  type ConnectionEvent,
  type Message,
  type PulsarTransport,
} from '../../../src/pulsar/index.js';
import { socketOf } from '../../../src/pulsar/ws/socket.js';
import {
  createPartitionedTopic,
  drain,
  requireBroker,
  take,
  text,
  uniqueTopic,
  until,
  type Broker,
  subscriptionSettled,
} from './broker.js';

let broker: Broker;
let transport: PulsarTransport;
const events: ConnectionEvent[] = [];

beforeAll(async () => {
  broker = await requireBroker();
  transport = createWsTransport({
    url: broker.wsUrl,
    reconnect: { minDelayMs: 20, maxDelayMs: 500 },
    onEvent: (e) => events.push(e),
  });
});

afterAll(async () => {
  await transport?.close();
});

function drop(handle: object): void {
  const socket = socketOf(handle);
  if (!socket) throw new Error('no socket behind this handle');
  socket.terminate();
}

const reconnectsOf = (topic: string): number =>
  events.filter((e) => e.type === 'reconnected' && e.topic === topic).length;

async function publish(topic: string, count: number): Promise<void> {
  const producer = await transport.producer(topic);
  for (let i = 0; i < count; i += 1_000) {
    const batch = Array.from({ length: Math.min(1_000, count - i) }, (_, j) => `r${i + j}`);
    await Promise.all(batch.map((p) => producer.send(p)));
  }
  await producer.close();
}

describe('reconnect', () => {
  it('a reader resumes after the last message it received: no loss, no duplicates', async () => {
    const topic = uniqueTopic('reader-drop');
    const n = 3_000;
    await publish(topic, n);
    const reader = await transport.reader(topic, {
      startMessageId: 'earliest',
      receiverQueueSize: 100,
    });
    const got: Message[] = [];
    for (const dropAt of [1, 500, 1_200, 2_999]) {
      got.push(...(await take(reader, dropAt - got.length)));
      drop(reader);
    }
    got.push(...(await take(reader, n - got.length)));
    expect(await drain(reader, 800)).toEqual([]);
    await reader.close();
    expect(got.map(text)).toEqual(Array.from({ length: n }, (_, i) => `r${i}`));
    expect(reconnectsOf(topic)).toBe(4);
    expect(
      events.some(
        (e) => e.type === 'disconnected' && e.topic === topic && e.error.closeCode === 1006,
      ),
    ).toBe(true);
  });

  it('a reader that drops before its first message starts where it was asked to', async () => {
    const topic = uniqueTopic('reader-drop-early');
    await publish(topic, 10);
    const reader = await transport.reader(topic, { startMessageId: 'earliest' });
    drop(reader);
    await until(() => reconnectsOf(topic) === 1, 10_000, 'reconnect');
    const got = await take(reader, 10);
    await reader.close();
    expect(got.map(text)).toEqual(Array.from({ length: 10 }, (_, i) => `r${i}`));
  });

  it('a reader of a whole partitioned topic from earliest starts over and skips what it has', async () => {
    const topic = uniqueTopic('partitioned-drop');
    await createPartitionedTopic(broker, topic, 3);
    const producer = await transport.producer(topic);
    await Promise.all(
      Array.from({ length: 600 }, (_, i) => producer.send(`r${i}`, { key: `k${i % 30}` })),
    );
    const reader = await transport.reader(topic, {
      startMessageId: 'earliest',
      receiverQueueSize: 50,
    });
    const got = await take(reader, 250);
    drop(reader);
    got.push(...(await take(reader, 350)));
    await producer.send('after');
    await producer.close();
    got.push(...(await take(reader, 1)));
    expect(await drain(reader, 800)).toEqual([]);
    await reader.close();
    const names = got.map(text);
    expect(new Set(names).size).toBe(601);
    expect(names.sort()).toEqual(
      [...Array.from({ length: 600 }, (_, i) => `r${i}`), 'after'].sort(),
    );
  });

  it('a reader of a whole partitioned topic from latest fails clearly on a drop', async () => {
    const topic = uniqueTopic('partitioned-latest');
    await createPartitionedTopic(broker, topic, 2);
    const reader = await transport.reader(topic);
    const producer = await transport.producer(topic);
    await producer.send('x', { key: 'a' });
    await producer.close();
    await take(reader, 1);
    const pending = reader.receive().then(
      () => 'resolved',
      (e: unknown) => e,
    );
    drop(reader);
    expect(await pending).toMatchObject({
      code: 'PULSAR_DISCONNECTED',
      message: expect.stringContaining('cannot resume without loss'),
    });
    await reader.close();
  });

  it("a producer's sends awaiting receipts complete after a drop", async () => {
    const topic = uniqueTopic('producer-drop');
    const producer = await transport.producer(topic, { maxPendingSends: 500 });
    const n = 3_000;
    let acked = 0;
    const sends = Array.from({ length: n }, (_, i) =>
      producer.send(`p${i}`).then((id) => {
        acked++;
        return id;
      }),
    );
    await until(() => acked >= 200, 15_000, 'first receipts');
    drop(producer);
    const ids = await Promise.all(sends);
    expect(ids.length).toBe(n);
    expect(reconnectsOf(topic)).toBe(1);
    await producer.close();

    // at least once: every payload is stored; a re-sent one may be stored twice
    const reader = await transport.reader(topic, { startMessageId: 'earliest' });
    const stored = await drain(reader, 1_500);
    await reader.close();
    const payloads = new Set(stored.map(text));
    expect(payloads.size).toBe(n);
    expect(stored.length).toBeLessThanOrEqual(n + 500);
    // receipts name stored messages
    const storedIds = new Set(stored.map((m) => messageIdKey(m.id)));
    expect(ids.every((id) => storedIds.has(messageIdKey(id)))).toBe(true);
  });

  it('a consumer resubscribes; unacked messages come again, acked ones do not', async () => {
    const topic = uniqueTopic('consumer-drop');
    await publish(topic, 300);
    const consumer = await transport.consumer(topic, 'sub', {
      initialPosition: 'Earliest',
      receiverQueueSize: 50,
    });
    const acked = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const [m] = await take(consumer, 1);
      await consumer.ack(m!);
      acked.add(text(m!));
    }
    // Acks have no receipt: let the broker count them before the drop can cut them off.
    await subscriptionSettled(broker.adminUrl, topic, 'sub', { backlog: 200 });
    const unacked = await take(consumer, 20);
    drop(consumer);
    // acks written while the session is down are queued and sent on the next one
    const queuedAck = consumer.ack(unacked[0]!);
    const rest = await drain(consumer, 2_000, consumer);
    await queuedAck;
    await consumer.close();
    const all = new Set([...acked, text(unacked[0]!), ...rest.map(text)]);
    expect(all.size).toBe(300);
    expect(rest.filter((m) => acked.has(text(m)))).toEqual([]);
    expect(rest.map(text)).toEqual(expect.arrayContaining(unacked.slice(1).map(text)));
  });

  it('a pull-mode consumer gets its outstanding permits back after a drop', async () => {
    const topic = uniqueTopic('pull-drop');
    await publish(topic, 30);
    const consumer = await transport.consumer(topic, 'sub', {
      pullMode: true,
      initialPosition: 'Earliest',
    });
    consumer.permit(10);
    const first = await take(consumer, 4);
    for (const m of first) await consumer.ack(m);
    // An ack has no receipt: wait until the broker counts all four, or the drop may lose them.
    await subscriptionSettled(broker.adminUrl, topic, 'sub', { backlog: 26 });
    drop(consumer);
    await until(() => reconnectsOf(topic) === 1, 10_000, 'reconnect');
    // 6 permits were outstanding; the broker resends from the first unacked message
    const after = await drain(consumer, 1_000);
    expect(after.length).toBe(6);
    expect(after.map(text)).toEqual(['r4', 'r5', 'r6', 'r7', 'r8', 'r9']);
    await consumer.close();
  });

  it('gives up after maxAttempts and fails pending receives with the last refusal', async () => {
    const topic = uniqueTopic('give-up');
    const seen: ConnectionEvent[] = [];
    const t = createWsTransport({
      url: broker.wsUrl,
      reconnect: { minDelayMs: 200, maxDelayMs: 400, maxAttempts: 3 },
      onEvent: (e) => seen.push(e),
    });
    const loser = await t.consumer(topic, 'sub');
    const pending = loser.receive().then(
      () => 'resolved',
      (e: unknown) => e,
    );
    drop(loser);
    // while the loser backs off, another Exclusive consumer takes the subscription
    let winner;
    for (let i = 0; !winner && i < 50; i++) {
      winner = await transport.consumer(topic, 'sub').catch(() => undefined);
    }
    expect(winner).toBeDefined();
    const err = await pending;
    expect(err).toMatchObject({
      code: 'PULSAR_DISCONNECTED',
      status: 409,
      message: expect.stringMatching(/gave up after 3 reconnect attempts.*Exclusive consumer/),
    });
    expect(seen.map((e) => e.type)).toEqual(['disconnected', 'failed']);
    await expect(loser.ack({ raw: 'CAQQADAA' } as never)).rejects.toMatchObject({
      code: 'PULSAR_DISCONNECTED',
    });
    await winner!.close();
    await t.close();
  });
});
