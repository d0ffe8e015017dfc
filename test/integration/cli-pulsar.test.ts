/**
 * The Pulsar side of the `aisle` command as a user runs it: `produce` from the simulator and from
 * the Online Retail file, then `serve --pulsar` answering /v1/stats and /metrics; and derived
 * trending-spike events published by a stream host.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { RetailEvent } from '../../engine/index.js';
import { encodePayload } from '../../src/stream/encode.js';
import { startStreamHost } from '../../src/pulsar/host.js';
import { createWsTransport } from '../../src/pulsar/index.js';
import { pulsarUrls } from '../support/pulsar.js';
import { statsWhen } from '../support/stats.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'dist/src/cli/main.js');
const data = process.env.AISLE_DATA_DIR ?? path.join(root, '..', 'shared', 'data');
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

const topicName = (what: string) =>
  `persistent://public/default/aisle-${what}-${randomUUID().slice(0, 8)}`;

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function serve(args: string[]): Promise<string> {
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m !== null) resolve(m[1]!);
    });
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => reject(new Error(`serve exited ${code}:\n${out}`)));
  });
}

describe('aisle produce and serve --pulsar', () => {
  it('replays the simulator and the Online Retail file, and serves their totals', async () => {
    const { wsUrl } = pulsarUrls();
    const topic = topicName('cli');
    const sim = run([
      'produce',
      '--pulsar',
      wsUrl,
      '--topic',
      topic,
      '--source',
      'sim',
      '--count',
      '5000',
      '--batch',
      '100',
      '--no-progress',
    ]);
    expect(sim.status, sim.stderr).toBe(0);
    expect(sim.stdout).toMatch(/sent 5000 events in 50 messages/);
    const retail = run([
      'produce',
      '--pulsar',
      wsUrl,
      '--topic',
      topic,
      '--source',
      path.join(data, 'online-retail'),
      '--count',
      '3000',
      '--batch',
      '1000',
      '--format',
      'arrow',
      '--no-progress',
    ]);
    expect(retail.status, retail.stderr).toBe(0);
    expect(retail.stdout).toMatch(/sent 3000 events in 3 messages/);

    // The topic holds 2026 simulator traffic, then 2010 Online Retail orders: with the default
    // 30 days of retention the old orders would be refused as older than the horizon.
    const url = await serve(['--pulsar', wsUrl, '--topic', topic, '--retention', '10000d']);
    const stats = await statsWhen(url, (s) => (s.stream as { messages: number }).messages === 53);
    expect((stats.events as { total: number; purchase: number }).total).toBe(8000);
    expect((stats.events as { purchase: number }).purchase).toBeGreaterThanOrEqual(3000);
    expect(stats.deadLetters).toBe(0);
    expect(Object.keys((stats.stream as { position: object }).position)).toEqual([topic]);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/aisle_stream_messages_total 53/);
    expect(metrics).toMatch(/aisle_consumer_lag_seconds \d/);
    expect(metrics).toMatch(/aisle_stream_events_per_second /);
  });

  it('refuses a produce without a broker URL, naming the flag', () => {
    const env = { ...process.env };
    delete env.PULSAR_WS_URL;
    const r = spawnSync(process.execPath, [cli, 'produce', '--topic', 't'], {
      encoding: 'utf8',
      env,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--pulsar \(or PULSAR_WS_URL\) or --kafka is required/);
  });
});

describe('derived events', () => {
  it('publishes one trending spike for an item that bursts', async () => {
    const { wsUrl, adminUrl } = pulsarUrls();
    const topic = topicName('spikes');
    const derivedTopic = `${topic}-derived`;
    const transport = createWsTransport({ url: wsUrl });
    const t0 = Date.parse('2026-03-01T00:00:00Z');
    const events: RetailEvent[] = [];
    // Two days of steady views on twenty items, then a burst on one.
    for (let m = 0; m < 48 * 60; m += 2) {
      for (let i = 0; i < 20; i++)
        events.push({ type: 'view', ts: t0 + m * 60_000, item: `bg-${i}`, session: `s${m}-${i}` });
    }
    for (let j = 0; j < 400; j++)
      events.push({
        type: 'view',
        ts: t0 + 48 * 3_600_000 + j * 1000,
        item: 'bg-3',
        session: `b${j}`,
      });
    const producer = await transport.producer(topic);
    await Promise.all(
      Array.from({ length: Math.ceil(events.length / 500) }, (_, i) =>
        producer.send(encodePayload(events.slice(i * 500, i * 500 + 500), 'ndjson')),
      ),
    );
    await producer.close();
    const host = await startStreamHost({ pulsar: wsUrl, admin: adminUrl, topic, derivedTopic });
    try {
      const reader = await transport.reader(derivedTopic, { startMessageId: 'earliest' });
      const first = await reader.receive({ timeoutMs: 30_000 });
      const spike = JSON.parse(Buffer.from(first.payload).toString('utf8')) as Record<
        string,
        unknown
      >;
      expect(spike).toMatchObject({ type: 'trending_spike', item: 'bg-3' });
      expect(spike.score as number).toBeGreaterThanOrEqual(4);
      expect(first.key).toBe('bg-3');
      await reader.close();
      expect(host.stats().derivedEvents).toBeGreaterThanOrEqual(1);
    } finally {
      await host.stop();
      await transport.close();
    }
  });
});

describe('POST /v1/events on a stream', () => {
  it('publishes accepted events to the topic, where the engine reads them; refuses bad ones', async () => {
    const { wsUrl } = pulsarUrls();
    const topic = topicName('http-ingress');
    const url = await serve(['--pulsar', wsUrl, '--topic', topic]);
    const post = async (body: unknown) =>
      fetch(`${url}/v1/events`, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
    const good = [
      { type: 'view', ts: 1732700000000, user: 'u1', session: 's1', item: 'sku-1' },
      { type: 'view', ts: 1732700000001, user: 'u2', session: 's2', item: 'sku-2' },
      {
        type: 'purchase',
        ts: 1732700000002,
        user: 'u1',
        item: 'sku-1',
        order: 'o1',
        quantity: 1,
        price: 5,
      },
    ];
    const res = await post(good);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 3, rejected: [], published: true });
    const stats = await statsWhen(url, (s) => (s.events as { total: number }).total === 3);
    expect((stats.stream as { messages: number }).messages).toBe(2);
    const bad = await post([...good, { type: 'view' }]);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(
      /^events\[3\]\.item: is required/,
    );
    // The refused batch reached neither the topic nor the engine.
    await new Promise((r) => setTimeout(r, 300));
    const after = (await (await fetch(`${url}/v1/stats`)).json()) as {
      events: { total: number };
      rejected: number;
    };
    expect(after.events.total).toBe(3);
    expect(after.rejected).toBe(1);
  });
});
