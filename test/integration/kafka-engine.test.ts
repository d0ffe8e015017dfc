/**
 * The engine on a real Kafka broker (the one test/setup/kafka.ts starts): the same counts for
 * every payload format, dead letters with reasons, restart from a snapshot without re-reading,
 * two engines of one consumer group splitting users, and a rebalance that loses nothing.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type RetailEvent } from '../../engine/index.js';
import { storeOf } from '../../engine/internals.js';
import { createKafkaClient } from '../../src/kafka/client.js';
import { startKafkaHost, type KafkaHost, type KafkaHostOptions } from '../../src/kafka/host.js';
import { KafkaSink } from '../../src/kafka/sink.js';
import { ensureTopics } from '../../src/kafka/topics.js';
import { createSimulator } from '../../src/sim/index.js';
import { encodePayload, type OutFormat } from '../../src/stream/encode.js';
import { kafkaBootstrap } from '../support/kafka.js';

let bootstrap: string;
let kafka: Kafka;
const hosts: KafkaHost[] = [];
const dirs: string[] = [];

beforeAll(() => {
  bootstrap = kafkaBootstrap();
  kafka = createKafkaClient({ bootstrap });
});

afterAll(async () => {
  await Promise.allSettled(hosts.map((h) => h.stop()));
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const topicName = (what: string): string => `aisle-${what}-${randomUUID().slice(0, 8)}`;

async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function host(topic: string, extra: Partial<KafkaHostOptions> = {}): Promise<KafkaHost> {
  const h = await startKafkaHost({ bootstrap, topic, ...extra });
  hosts.push(h);
  return h;
}

async function stop(h: KafkaHost): Promise<void> {
  hosts.splice(hosts.indexOf(h), 1);
  await h.stop();
}

/** Publishes raw payloads, keyed; resolves once the broker has them all. */
async function send(topic: string, records: { value: Uint8Array | string; key?: string }[]) {
  const sink = await KafkaSink.open(kafka, topic);
  await Promise.all(records.map((r) => sink.send(r)));
  await sink.close();
}

/** Events as messages of `per` events in `format`, keyed by the first event's user. */
async function publish(
  topic: string,
  events: readonly RetailEvent[],
  per: number,
  format: OutFormat,
): Promise<number> {
  const records = [];
  for (let i = 0; i < events.length; i += per) {
    const group = events.slice(i, i + per);
    const user = (group[0] as { user?: string }).user;
    records.push({
      value: encodePayload(group, format),
      ...(user !== undefined && { key: user }),
    });
  }
  await send(topic, records);
  return records.length;
}

async function directly(events: RetailEvent[]) {
  const engine = await createEngine({});
  engine.ingestEvents(events);
  const s = engine.stats();
  engine.close();
  return s;
}

describe('Kafka source', () => {
  it('counts the same events whatever the payload format', async () => {
    const events = createSimulator({ seed: 31 }).next(3_000);
    const expected = await directly(events);
    const cases: [OutFormat, number][] = [
      ['json', 1],
      ['json', 100],
      ['ndjson', 100],
      ['arrow', 250],
    ];
    for (const [format, per] of cases) {
      const topic = topicName(`format-${format}-${per}`);
      await ensureTopics(kafka, [topic]);
      const messages = await publish(topic, events, per, format);
      const h = await host(topic);
      await until(`${format}×${per}`, () => h.stats().messages === messages);
      const s = h.engine.stats();
      expect(s.events, `${format}×${per}`).toBe(expected.events);
      expect(s.eventsByType, `${format}×${per}`).toEqual(expected.eventsByType);
      expect(s.storedEvents, `${format}×${per}`).toBe(expected.storedEvents);
      expect(h.stats().deadLetters).toBe(0);
      expect(h.stats().position).toEqual({ [`${topic}/0`]: String(messages - 1) });
      await stop(h);
    }
  });

  it('sends what it refuses to the dead-letter topic with the reasons', async () => {
    const topic = topicName('dlq');
    await ensureTopics(kafka, [topic, `${topic}-dlq`]);
    const good = createSimulator({ seed: 32 }).next(2);
    const lines = [
      JSON.stringify(good[0]),
      JSON.stringify({ type: 'view', user: 'u-1', ts: good[0]!.ts }),
      JSON.stringify(good[1]),
    ].join('\n');
    await send(topic, [
      { value: lines, key: 'u-1' },
      { value: '{"type": "view", "item": ', key: 'u-2' },
    ]);
    const h = await host(topic);
    await until('both messages', () => h.stats().messages === 2);
    expect(h.engine.stats().events).toBe(2);
    expect(h.stats().deadLetters).toBe(2);

    const consumer = kafka.consumer({ groupId: `read-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: [`${topic}-dlq`], fromBeginning: true });
    const letters: {
      body: Record<string, unknown>;
      headers: Record<string, string>;
      key: string;
    }[] = [];
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
        letters.push({
          body: JSON.parse(message.value!.toString()) as Record<string, unknown>,
          headers,
          key: message.key!.toString(),
        });
      },
    });
    try {
      await until('two dead letters', () => letters.length === 2);
    } finally {
      await consumer.disconnect();
    }
    const [partial, whole] = letters as [(typeof letters)[0], (typeof letters)[0]];
    expect(partial.key).toBe('u-1');
    expect(partial.body.sourceTopic).toBe(topic);
    expect(partial.body.sourcePartition).toBe(0);
    expect(partial.body.sourceMessageId).toBe('0');
    expect(partial.body.rejected).toEqual([
      { index: 1, field: 'item', reason: expect.any(String) as string },
    ]);
    expect(Buffer.from(partial.body.payload as string, 'base64').toString()).toBe(lines);
    expect(partial.headers.reason).toMatch(/^\[1\]\.item: /);
    expect(partial.headers.sourceOffset).toBe('0');
    expect(whole.body.error).toMatch(/invalid JSON/);
    expect(whole.headers.reason).toMatch(/invalid JSON/);
    expect(whole.headers.sourceOffset).toBe('1');
  });

  it('restarts from its snapshot at the offsets it covers, re-reading nothing', async () => {
    const topic = topicName('restart');
    const snapshotDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aisle-kafka-snap-'));
    dirs.push(snapshotDir);
    await ensureTopics(kafka, [topic], 3);
    const events = createSimulator({ seed: 33 }).next(8_000);
    const first = await publish(topic, events.slice(0, 5_000), 50, 'ndjson');
    const h1 = await host(topic, { snapshotDir, snapshotEveryMs: 100 });
    await until('first part', () => h1.stats().messages === first);
    await stop(h1);
    const second = await publish(topic, events.slice(5_000), 50, 'ndjson');
    const h2 = await host(topic, { snapshotDir, snapshotEveryMs: 100 });
    expect(h2.restoredFrom).toBeDefined();
    await until('second part', () => h2.stats().messages === first + second);
    // Without a group the restarted source seeks past the snapshot's offsets: nothing is read
    // twice, not even to be skipped.
    expect(h2.stats().duplicatesSkipped).toBe(0);
    const expected = await directly(events);
    expect(h2.engine.stats().eventsByType).toEqual(expected.eventsByType);
    expect(h2.engine.stats().storedEvents).toBe(expected.storedEvents);
  });

  it('refuses a snapshot directory of another topic', async () => {
    const topic = topicName('mine');
    const snapshotDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aisle-kafka-snap-'));
    dirs.push(snapshotDir);
    await ensureTopics(kafka, [topic]);
    await publish(topic, createSimulator({ seed: 34 }).next(100), 10, 'ndjson');
    const h = await host(topic, { snapshotDir, snapshotEveryMs: 50 });
    await until('ten messages', () => h.stats().messages === 10);
    await stop(h);
    await expect(
      startKafkaHost({ bootstrap, topic: topicName('other'), snapshotDir }),
    ).rejects.toThrow(/snapshot of Kafka topic/);
  });

  it('splits users between two engines of one group, the union equal to one engine', async () => {
    const topic = topicName('group');
    await ensureTopics(kafka, [topic], 4);
    const group = `aisle-${randomUUID().slice(0, 8)}`;
    const [a, b] = await Promise.all([host(topic, { group }), host(topic, { group })]);
    await until(
      'a stable group of two',
      () =>
        a.source.assignment.length + b.source.assignment.length === 4 &&
        a.source.assignment.length > 0 &&
        b.source.assignment.length > 0,
    );
    // Only events with a user, one user per message, keyed by it (as `publish` on a host does).
    const events = createSimulator({ seed: 35, anonymousRate: 0 })
      .next(12_000)
      .filter((e) => 'user' in e && e.user !== undefined);
    const records = [...groupByUser(events)].map(([user, es]) => ({
      key: user,
      value: encodePayload(es, 'ndjson'),
    }));
    await send(topic, records);
    await until(
      'every message on one engine or the other',
      () => a.stats().messages + b.stats().messages === records.length,
    );
    const usersOf = (h: KafkaHost) => new Set(storeOf(h.engine).dicts.user.values());
    const ua = usersOf(a);
    const ub = usersOf(b);
    expect(ua.size).toBeGreaterThan(0);
    expect(ub.size).toBeGreaterThan(0);
    for (const u of ua) expect(ub.has(u), `user ${u} on both engines`).toBe(false);
    const one = await host(topic);
    await until('one engine alone', () => one.stats().messages === records.length);
    expect(ua.size + ub.size).toBe(usersOf(one).size);
    const sa = a.engine.stats().eventsByType;
    const sb = b.engine.stats().eventsByType;
    const sum = Object.fromEntries(
      Object.keys(one.engine.stats().eventsByType).map((t) => [
        t,
        (sa[t as keyof typeof sa] ?? 0) + (sb[t as keyof typeof sb] ?? 0),
      ]),
    );
    expect(sum).toEqual(one.engine.stats().eventsByType);
    expect(a.stats().group).toBe(group);
  });

  it('loses nothing and counts nothing twice when a second engine joins the group', async () => {
    const topic = topicName('rebalance');
    await ensureTopics(kafka, [topic], 4);
    const group = `aisle-${randomUUID().slice(0, 8)}`;
    const dirA = fs.mkdtempSync(path.join(os.tmpdir(), 'aisle-kafka-a-'));
    const dirB = fs.mkdtempSync(path.join(os.tmpdir(), 'aisle-kafka-b-'));
    dirs.push(dirA, dirB);
    const events = createSimulator({ seed: 36, anonymousRate: 0 })
      .next(10_000)
      .filter((e) => 'user' in e && e.user !== undefined);
    const half = Math.floor(events.length / 2);
    const recordsOf = (es: RetailEvent[]) =>
      [...groupByUser(es)].map(([user, g]) => ({ key: user, value: encodePayload(g, 'ndjson') }));
    const first = recordsOf(events.slice(0, half));
    const second = recordsOf(events.slice(half));
    const a = await host(topic, { group, snapshotDir: dirA, snapshotEveryMs: 100 });
    await until('a holds all four', () => a.source.assignment.length === 4);
    await send(topic, first);
    await until('a read the first half', () => a.stats().messages === first.length);
    // A commits an offset only once a snapshot holds it: wait until everything read is committed.
    await until('a committed', () => allCommitted(a), 30_000);
    const b = await host(topic, { group, snapshotDir: dirB, snapshotEveryMs: 100 });
    await until(
      'the group rebalanced',
      () => a.source.assignment.length === 2 && b.source.assignment.length === 2,
    );
    await send(topic, second);
    await until(
      'the second half',
      () => a.stats().messages + b.stats().messages === first.length + second.length,
    );
    // B started on its partitions at the offsets A had committed: nothing was read twice.
    expect(b.stats().duplicatesSkipped).toBe(0);
    expect(a.engine.stats().events + b.engine.stats().events).toBe(events.length);
    await stop(b);
    await stop(a);
    // Both stopped after a final snapshot and commit: the group's offsets are the topic's ends.
    const admin = kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      const byPartition = new Map(committed!.partitions.map((p) => [p.partition, p.offset]));
      for (const e of ends)
        expect(byPartition.get(e.partition), `partition ${e.partition}`).toBe(e.high);
    } finally {
      await admin.disconnect();
    }
  });
});

/** Every partition's committed offset is one past the last record applied from it. */
function allCommitted(h: KafkaHost): boolean {
  const committed = h.source.committedOffsets();
  return Object.entries(h.stats().position).every(
    ([key, last]) => committed[key] === String(BigInt(last) + 1n),
  );
}

function groupByUser(events: readonly RetailEvent[]): Map<string, RetailEvent[]> {
  const out = new Map<string, RetailEvent[]>();
  for (const e of events) {
    const user = (e as { user: string }).user;
    const g = out.get(user);
    if (g === undefined) out.set(user, [e]);
    else g.push(e);
  }
  return out;
}
