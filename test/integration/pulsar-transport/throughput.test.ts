/**
 * Raw throughput of the WebSocket transport against the real broker, printed for the end-to-end
 * benchmark's authors. The floors asserted here are far below what a laptop does; they only
 * catch a transport that has stopped pipelining or stalls on flow control.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWsTransport, type PulsarTransport } from '../../../src/pulsar/index.js';
import { requireBroker, take, uniqueTopic } from './broker.js';

let transport: PulsarTransport;
const N = Number(process.env.AISLE_PULSAR_THROUGHPUT_N ?? 10_000);
const PAYLOAD = new Uint8Array(200).fill(97);

beforeAll(async () => {
  const broker = await requireBroker();
  transport = createWsTransport({ url: broker.wsUrl });
});

afterAll(async () => {
  await transport?.close();
});

function report(what: string, count: number, ms: number): number {
  const rate = (count / ms) * 1000;
  console.log(
    `[pulsar throughput] ${what}: ${count} msgs in ${ms.toFixed(0)} ms = ${rate.toFixed(0)} msg/s`,
  );
  return rate;
}

describe('throughput (200-byte payloads)', () => {
  const topic = uniqueTopic('throughput');

  it('produce, one send at a time', async () => {
    const producer = await transport.producer(topic);
    const n = Math.min(N, 1_000);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await producer.send(PAYLOAD);
    const rate = report('produce sequential', n, performance.now() - t0);
    await producer.close();
    expect(rate).toBeGreaterThan(50);
  });

  it.each([100, 1_000, 5_000])('produce pipelined, %i in flight', async (maxPendingSends) => {
    const producer = await transport.producer(topic, { maxPendingSends });
    const t0 = performance.now();
    const sends = [];
    for (let i = 0; i < N; i++) sends.push(producer.send(PAYLOAD));
    await Promise.all(sends);
    const rate = report(
      `produce pipelined (${maxPendingSends} in flight)`,
      N,
      performance.now() - t0,
    );
    await producer.close();
    expect(rate).toBeGreaterThan(500);
  });

  it('reader from earliest', async () => {
    const reader = await transport.reader(topic, { startMessageId: 'earliest' });
    const total = Math.min(N, 1_000) + 3 * N;
    const t0 = performance.now();
    await take(reader, total, 30_000);
    const rate = report('reader', total, performance.now() - t0);
    await reader.close();
    expect(rate).toBeGreaterThan(500);
  });

  it('consumer (Exclusive) receiving and acking each message', async () => {
    const consumer = await transport.consumer(topic, 'bench', { initialPosition: 'Earliest' });
    const total = Math.min(N, 1_000) + 3 * N;
    const t0 = performance.now();
    for (let i = 0; i < total; i++)
      void consumer.ack(await consumer.receive({ timeoutMs: 30_000 }));
    const rate = report('consumer with acks', total, performance.now() - t0);
    await consumer.close();
    expect(rate).toBeGreaterThan(500);
  });
});
