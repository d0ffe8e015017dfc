/**
 * The Kafka side of the `aisle` command as a user runs it: `produce --kafka` from the simulator,
 * `serve --kafka` answering /v1/stats, POST /v1/events published to the topic, and
 * `aisle bridge` copying the topic to Pulsar until SIGTERM.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startStreamHost } from '../../src/pulsar/host.js';
import { kafkaBootstrap } from '../support/kafka.js';
import { pulsarUrls } from '../support/pulsar.js';
import { statsWhen } from '../support/stats.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'dist/src/cli/main.js');
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

const topicName = (what: string): string => `aisle-cli-${what}-${randomUUID().slice(0, 8)}`;

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `aisle <args>` and resolves once its output matches `ready`. */
function start(
  args: string[],
  ready: RegExp,
): Promise<{ child: ChildProcess; match: string; output: () => string }> {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const seen = (c: Buffer): void => {
      out += c.toString();
      const m = ready.exec(out);
      if (m !== null) resolve({ child, match: m[1] ?? m[0], output: () => out });
    };
    child.stdout!.on('data', seen);
    child.stderr!.on('data', seen);
    child.on('exit', (code) => reject(new Error(`aisle ${args[0]} exited ${code}:\n${out}`)));
  });
}

const eventsOf = (s: Record<string, unknown>): number => (s.events as { total: number }).total;

describe('aisle on Kafka', () => {
  it('produces to a topic, serves it, and publishes what is posted', async () => {
    const bootstrap = kafkaBootstrap();
    const topic = topicName('serve');
    const produced = run([
      'produce',
      '--kafka',
      bootstrap,
      '--topic',
      topic,
      '--count',
      '5000',
      '--batch',
      '200',
      '--per-user',
      '--no-progress',
    ]);
    expect(produced.status, produced.stderr).toBe(0);
    expect(produced.stdout).toMatch(/sent 5000 events in \d+ messages/);
    const messages = Number(/in (\d+) messages/.exec(produced.stdout)![1]);
    // One message per user within each batch: many more messages than batches.
    expect(messages).toBeGreaterThan(5000 / 200);

    const { match: url } = await start(
      [
        'serve',
        '--port',
        '0',
        '--no-factors',
        '--kafka',
        bootstrap,
        '--topic',
        topic,
        '--group',
        `${topic}-g`,
      ],
      /listening on (http:\/\/\S+)/,
    );
    const s = await statsWhen(url, (x) => eventsOf(x) === 5000);
    const stream = s.stream as Record<string, unknown>;
    expect(stream.transport).toBe('kafka');
    expect(stream.messages).toBe(messages);
    expect(stream.position).toEqual({ [`${topic}/0`]: String(messages - 1) });
    expect(stream.group).toBe(`${topic}-g`);

    // On a stream, POST /v1/events publishes to the topic; the engine counts them as it reads.
    const res = await fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { type: 'view', user: 'cli-u1', item: 'sku-1' },
        { type: 'view', user: 'cli-u2', item: 'sku-2' },
      ]),
    });
    expect(res.status, await res.text()).toBeLessThan(300);
    await statsWhen(url, (x) => eventsOf(x) === 5002);
  });

  it('bridges a Kafka topic to Pulsar until stopped', async () => {
    const bootstrap = kafkaBootstrap();
    const { wsUrl, adminUrl } = pulsarUrls();
    const topic = topicName('bridge');
    const pulsarTopic = `persistent://public/default/${topic}`;
    const produced = run([
      'produce',
      '--kafka',
      bootstrap,
      '--topic',
      topic,
      '--count',
      '2000',
      '--batch',
      '100',
      '--format',
      'arrow',
      '--no-progress',
    ]);
    expect(produced.status, produced.stderr).toBe(0);
    const bridge = await start(
      [
        'bridge',
        '--from',
        `kafka://${bootstrap}/${topic}`,
        '--to',
        `pulsar://${wsUrl.replace(/^ws:\/\//, '')}/${topic}`,
      ],
      /(bridging .*)/,
    );
    const host = await startStreamHost({ pulsar: wsUrl, admin: adminUrl, topic: pulsarTopic });
    try {
      const deadline = Date.now() + 60_000;
      while (host.engine.stats().events < 2000) {
        if (Date.now() > deadline) throw new Error(`bridge stuck:\n${bridge.output()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(host.stats().messages).toBe(20);
    } finally {
      await host.stop();
    }
    const exited = new Promise<number | null>((r) => bridge.child.on('exit', (code) => r(code)));
    bridge.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(bridge.output()).toMatch(/stopped after 20 messages/);
  });
});
