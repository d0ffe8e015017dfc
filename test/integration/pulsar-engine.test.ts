/**
 * The engine on real Pulsar topics: exact counts, dead letters, replicas, Key_Shared splitting,
 * restart from a snapshot. The broker comes from test/setup/broker.ts.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countByItem } from '../../engine/analytics/counts.js';
import type { RetailEvent } from '../../engine/index.js';
import { encodePayload } from '../../src/stream/encode.js';
import { startStreamHost, type StreamHost } from '../../src/pulsar/host.js';
import { createWsTransport, type PulsarTransport } from '../../src/pulsar/index.js';
import { createSimulator } from '../../src/sim/index.js';
import { pulsarUrls } from '../support/pulsar.js';
import { kernelsOf, storeOf } from '../../engine/internals.js';

let ws: string;
let admin: string;
let transport: PulsarTransport;
const hosts: StreamHost[] = [];
const dirs: string[] = [];

beforeAll(() => {
  ({ wsUrl: ws, adminUrl: admin } = pulsarUrls());
  transport = createWsTransport({ url: ws });
});

afterAll(async () => {
  await Promise.allSettled(hosts.map((h) => h.stop()));
  await transport.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const topicName = (what: string) =>
  `persistent://public/default/aisle-${what}-${randomUUID().slice(0, 8)}`;

/** Publishes events as messages of `per` events each (1 = single JSON events), keyed by user. */
async function publish(
  topic: string,
  events: RetailEvent[],
  per: number,
  format: 'json' | 'ndjson' | 'arrow' = 'ndjson',
): Promise<number> {
  const producer = await transport.producer(topic);
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < events.length; i += per) {
    const group = events.slice(i, i + per);
    const user = (group[0] as { user?: string }).user;
    sends.push(
      producer.send(
        encodePayload(group, per === 1 ? 'json' : format),
        user === undefined ? {} : { key: user },
      ),
    );
  }
  await Promise.all(sends);
  await producer.close();
  return sends.length;
}

async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function host(
  topic: string,
  extra: Partial<Parameters<typeof startStreamHost>[0]> = {},
): Promise<StreamHost> {
  const h = await startStreamHost({ pulsar: ws, admin, topic, ...extra });
  hosts.push(h);
  return h;
}

function tally(events: RetailEvent[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of events) if ('item' in e) out.set(e.item, (out.get(e.item) ?? 0) + 1);
  return out;
}

describe('engine on Pulsar', () => {
  it('counts every published event exactly once, in single, NDJSON and Arrow messages', async () => {
    const topic = topicName('counts');
    const events = createSimulator({ seed: 11 }).next(12_000);
    let messages = await publish(topic, events.slice(0, 2_000), 1);
    messages += await publish(topic, events.slice(2_000, 7_000), 100, 'ndjson');
    messages += await publish(topic, events.slice(7_000), 1_000, 'arrow');
    const h = await host(topic);
    await until('all messages', () => h.stats().messages === messages);
    expect(h.engine.stats().events).toBe(events.length);
    expect(countByItem(storeOf(h.engine), kernelsOf(h.engine))).toEqual(tally(events));
    expect(h.stats().deadLetters).toBe(0);
  });

  it('sends malformed messages and invalid events to the dead-letter topic with reasons, keeping the rest', async () => {
    const topic = topicName('dlq');
    const good = createSimulator({ seed: 12 }).next(300);
    const producer = await transport.producer(topic);
    const ids: string[] = [];
    ids.push((await producer.send(encodePayload(good.slice(0, 100), 'ndjson'))).raw);
    ids.push((await producer.send('{"type":"view", broken')).raw);
    const mixed = [
      ...good.slice(100, 150),
      { type: 'purchase', item: 'x', order: 'o', quantity: 1, price: 0 },
    ];
    ids.push((await producer.send(JSON.stringify(mixed))).raw);
    ids.push((await producer.send(new Uint8Array([0xff, 0xfe, 0x00]))).raw);
    ids.push((await producer.send(encodePayload(good.slice(150), 'arrow'))).raw);
    await producer.close();
    const h = await host(topic, { deadLetterTopic: `${topic}-dlq` });
    await until('5 messages', () => h.stats().messages === 5);
    expect(h.engine.stats().events).toBe(300);
    expect(h.stats().deadLetters).toBe(3);
    const reader = await transport.reader(`${topic}-dlq`, { startMessageId: 'earliest' });
    const letters = [];
    for (let i = 0; i < 3; i++) {
      const m = await reader.receive({ timeoutMs: 10_000 });
      letters.push(JSON.parse(Buffer.from(m.payload).toString('utf8')) as Record<string, unknown>);
    }
    await reader.close();
    expect(letters.map((l) => l.sourceMessageId)).toEqual([ids[1], ids[2], ids[3]]);
    expect(letters[0]!.error).toMatch(/invalid JSON/);
    expect(Buffer.from(letters[0]!.payload as string, 'base64').toString()).toBe(
      '{"type":"view", broken',
    );
    expect(letters[1]!.rejected).toEqual([
      { index: 50, field: 'price', reason: 'must be greater than 0' },
    ]);
    expect(letters[2]!.error).toMatch(/neither UTF-8/);
  });

  it('dead-letters events the clock refuses (far in the future) with their index in the message', async () => {
    const topic = topicName('dlq-time');
    const good = createSimulator({ seed: 14 }).next(6);
    const producer = await transport.producer(topic);
    const lines = [
      good[0],
      { type: 'purchase', item: 'x', order: 'o', quantity: 1, price: 0 },
      good[1],
      { type: 'view', ts: 4_102_444_799_999, item: good[2]!.type === 'search' ? 'y' : 'z' },
      good[3],
    ];
    const id = (await producer.send(lines.map((l) => JSON.stringify(l)).join('\n'))).raw;
    await producer.close();
    const h = await host(topic, { deadLetterTopic: `${topic}-dlq` });
    await until('1 message', () => h.stats().messages === 1);
    expect(h.engine.stats().events).toBe(3);
    expect(h.stats().deadLetters).toBe(2);
    const reader = await transport.reader(`${topic}-dlq`, { startMessageId: 'earliest' });
    const m = await reader.receive({ timeoutMs: 10_000 });
    await reader.close();
    const letter = JSON.parse(Buffer.from(m.payload).toString('utf8')) as Record<string, unknown>;
    expect(letter.sourceMessageId).toBe(id);
    expect(letter.rejected).toEqual([
      { index: 1, field: 'price', reason: 'must be greater than 0' },
      { index: 3, field: 'ts', reason: expect.stringMatching(/ahead of the engine's clock/) },
    ]);
    expect(m.properties.reason).toMatch(/\[3\]\.ts/);
  });

  it('lets two replicas with their own readers each reach the full state', async () => {
    const topic = topicName('replicas');
    const events = createSimulator({ seed: 13 }).next(8_000);
    const messages = await publish(topic, events, 50);
    const [a, b] = await Promise.all([host(topic), host(topic)]);
    await until(
      'both replicas',
      () => a!.stats().messages === messages && b!.stats().messages === messages,
    );
    expect(a!.engine.stats()).toEqual(b!.engine.stats());
    expect(a!.engine.analytics.trending({ k: 10 }).items).toEqual(
      b!.engine.analytics.trending({ k: 10 }).items,
    );
    const top = a!.engine.recommend({ type: 'popular', k: 1 }).results[0]!.item;
    expect(a!.engine.recommend({ type: 'similar', item: top }).results).toEqual(
      b!.engine.recommend({ type: 'similar', item: top }).results,
    );
  });

  it('splits users without overlap between two Key_Shared consumers', async () => {
    const topic = topicName('keyshared');
    // Only events with a user, one per message, so each message's key is its user.
    const events = createSimulator({ seed: 14, anonymousRate: 0 })
      .next(6_000)
      .filter((e) => 'user' in e && e.user !== undefined);
    const subscription = { name: 'aisle', type: 'Key_Shared' as const };
    const [a, b] = await Promise.all([
      host(topic, { subscription }),
      host(topic, { subscription }),
    ]);
    const messages = await publish(topic, events, 1);
    await until(
      'all messages across both',
      () => a!.stats().messages + b!.stats().messages === messages,
    );
    const usersOf = (h: StreamHost) => new Set(storeOf(h.engine).dicts.user.values());
    const ua = usersOf(a!);
    const ub = usersOf(b!);
    expect(ua.size).toBeGreaterThan(0);
    expect(ub.size).toBeGreaterThan(0);
    for (const u of ua) expect(ub.has(u), `user ${u} on both consumers`).toBe(false);
    expect(ua.size + ub.size).toBe(new Set(events.map((e) => (e as { user: string }).user)).size);
    expect(a!.engine.stats().events + b!.engine.stats().events).toBe(events.length);
  });

  it('snapshots and acknowledges the last messages before a quiet spell', async () => {
    const topic = topicName('quiet');
    const snapshotDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aisle-snap-'));
    dirs.push(snapshotDir);
    const subscription = { name: 'aisle', type: 'Exclusive' as const };
    const h = await host(topic, { subscription, snapshotDir, snapshotEveryMs: 200 });
    const messages = await publish(topic, createSimulator({ seed: 16 }).next(3_000), 100);
    await until('all messages', () => h.stats().messages === messages);
    // Nothing more arrives; the snapshot that covers the last messages is taken anyway, and
    // the broker sees them acknowledged: the subscription's backlog drains to zero.
    const backlog = async (): Promise<number> => {
      const res = await fetch(
        `${admin}/admin/v2/persistent/public/default/${topic.split('/').pop()}/stats`,
      );
      const stats = (await res.json()) as { subscriptions: Record<string, { msgBacklog: number }> };
      return stats.subscriptions.aisle!.msgBacklog;
    };
    const deadline = Date.now() + 10_000;
    while ((await backlog()) > 0) {
      if (Date.now() > deadline) throw new Error(`backlog stays at ${await backlog()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(h.stats().checkpoints).toBeGreaterThanOrEqual(1);
  });

  it('restarts from its snapshot and ends in the state of a single pass', async () => {
    const topic = topicName('restart');
    const snapshotDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aisle-snap-'));
    dirs.push(snapshotDir);
    const events = createSimulator({ seed: 15 }).next(10_000);
    const first = await publish(topic, events.slice(0, 6_000), 100);
    const h1 = await startStreamHost({
      pulsar: ws,
      admin,
      topic,
      snapshotDir,
      snapshotEveryMs: 100,
    });
    await until('first part', () => h1.stats().messages === first);
    await h1.stop();
    const second = await publish(topic, events.slice(6_000), 100);
    const h2 = await host(topic, { snapshotDir });
    expect(h2.restoredFrom).toBeDefined();
    await until('second part', () => h2.stats().messages === first + second);
    const clean = await host(topic);
    await until('clean pass', () => clean.stats().messages === first + second);
    expect(h2.engine.stats()).toEqual(clean.engine.stats());
    expect(h2.engine.analytics.trending({ k: 20 }).items).toEqual(
      clean.engine.analytics.trending({ k: 20 }).items,
    );
    expect(h2.engine.recommend({ type: 'popular', k: 20 }).results).toEqual(
      clean.engine.recommend({ type: 'popular', k: 20 }).results,
    );
    expect(h2.stats().duplicatesSkipped).toBe(0);
  });
});

describe('inventory alerts on a topic', () => {
  it('publishes a stockout-risk alert with its reason once the stream shows it', async () => {
    const topic = topicName('alerts-in');
    const alertTopic = topicName('alerts-out');
    const day = 24 * 60 * 60 * 1000;
    const t0 = Date.UTC(2026, 0, 5);
    const events: RetailEvent[] = [
      { type: 'inventory', item: 'milk', op: 'set', quantity: 400, ts: t0 },
    ];
    for (let d = 0; d < 28; d++) {
      events.push({
        type: 'purchase',
        item: 'milk',
        order: `o${d}`,
        quantity: 5,
        price: 2,
        user: `u${d % 5}`,
        ts: t0 + d * day + 3_600_000,
      });
    }
    events.push({ type: 'inventory', item: 'milk', op: 'set', quantity: 12, ts: t0 + 28 * day });
    await publish(topic, events, 10);
    const reader = await transport.reader(alertTopic, { startMessageId: 'earliest' });
    const h = await host(topic, { alertTopic });
    await until('all events', () => h.engine.stats().events === events.length);
    const message = await reader.receive({ timeoutMs: 30_000 });
    const alert = JSON.parse(Buffer.from(message.payload).toString('utf8')) as Record<
      string,
      unknown
    >;
    expect(alert).toMatchObject({ type: 'inventory_alert', alert: 'stockout_risk', item: 'milk' });
    expect(alert.level).toBe(12);
    expect(String(alert.reason)).toMatch(/12/);
    expect(message.key).toBe('milk');
    expect(h.stats().alertEvents).toBe(1);
    await reader.close();
  });
});
