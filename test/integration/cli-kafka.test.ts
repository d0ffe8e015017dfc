/**
 * `aisle kafka start|status|stop` as a user runs them, from the built CLI: a broker of its own in
 * a temporary data directory on free ports, a message through it with kafkajs, and nothing left
 * running afterwards. Also checks that the run's global broker (test/setup/kafka.ts) answers.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { isKafkaReady, stopKafkaBroker } from '../../src/kafka/broker/index.js';
import { kafkaBootstrap } from '../support/kafka.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'dist/src/cli/main.js');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aisle-cli-kafka-'));

afterAll(async () => {
  // A failed assertion must not leave the broker running.
  await stopKafkaBroker(dataDir, 5_000);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function kafka(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, 'kafka', ...args, '--data-dir', dataDir], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Sends one keyed message to a new topic and reads it back through a consumer group. */
async function roundTrip(bootstrap: string): Promise<{ key: string; value: string }> {
  const client = new Kafka({
    clientId: 'aisle-cli-kafka-test',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
  });
  const topic = `aisle-cli-kafka-${process.pid}-${Date.now().toString(36)}`;
  const admin = client.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = client.producer();
  await producer.connect();
  await producer.send({ topic, messages: [{ key: 'sku-1', value: '{"type":"view"}' }] });
  await producer.disconnect();
  const consumer = client.consumer({ groupId: `${topic}-group` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`nothing consumed from ${topic} in 30 s`)),
        30_000,
      );
      void consumer.run({
        eachMessage: async ({ message }) => {
          clearTimeout(timer);
          resolve({ key: String(message.key), value: String(message.value) });
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
}

describe('aisle kafka', () => {
  it(
    'starts a broker, reports it, carries a message, and stops it',
    { timeout: 180_000 },
    async () => {
      const start = kafka('start', '--fresh');
      expect(start.status, start.stderr).toBe(0);
      expect(start.stdout).toMatch(/kafka 4\.\d+\.\d+: ready in [\d.]+ s \(pid \d+/);
      const bootstrap = /bootstrap: +(127\.0\.0\.1:\d+)/.exec(start.stdout)?.[1];
      expect(bootstrap, start.stdout).toBeDefined();
      expect(start.stdout).toContain(`export KAFKA_BOOTSTRAP=${bootstrap}`);
      expect(fs.existsSync(path.join(dataDir, 'logs', 'meta.properties'))).toBe(true);

      const status = kafka('status', '--json');
      expect(status.status, status.stderr).toBe(0);
      const json = JSON.parse(status.stdout) as Record<string, unknown>;
      expect(json).toMatchObject({
        state: 'running',
        bootstrap,
        dataDir,
        logFile: path.join(dataDir, 'broker.log'),
      });
      expect(json.rssBytes).toBeGreaterThan(0);

      // A second start of the same data directory leaves the running broker alone.
      const again = kafka('start');
      expect(again.status, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/already running \(pid \d+\)/);

      expect(await roundTrip(bootstrap!)).toEqual({ key: 'sku-1', value: '{"type":"view"}' });

      const stop = kafka('stop');
      expect(stop.status, stop.stderr).toBe(0);
      expect(stop.stdout).toMatch(/kafka: stopped pid \d+ in [\d.]+ s/);
      expect(fs.existsSync(path.join(dataDir, 'broker.pid'))).toBe(false);
      const after = kafka('status');
      expect(after.status).toBe(3);
      expect(after.stdout).toMatch(/kafka: stopped/);
      expect(await isKafkaReady(bootstrap!, 1_000)).toBe(false);
    },
  );
});

describe('the global Kafka broker', () => {
  it('answers a metadata request', async () => {
    expect(await isKafkaReady(kafkaBootstrap())).toBe(true);
  });
});
