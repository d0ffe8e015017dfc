/**
 * kill -9 of the engine process at random moments while a stream is being published, restart,
 * repeat: the final state must equal a clean single pass over the same topic (same counts, same
 * top-k), so nothing was lost and nothing counted twice. Runs the built CLI, as a user would.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePayload } from '../../src/stream/encode.js';
import { startStreamHost } from '../../src/pulsar/host.js';
import { createWsTransport } from '../../src/pulsar/index.js';
import { createSimulator } from '../../src/sim/index.js';
import { rng } from '../../bench/harness.js';
import { pulsarUrls } from '../support/pulsar.js';
import { expectAnswersOf } from '../support/same-answers.js';
import { kill9, killAll, startServe, type ServerProcess } from '../support/server-process.js';

const dirs: string[] = [];

afterAll(() => {
  killAll();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

// No factor model: its training at start-up races the stream, so answers would depend on when.
function startEngine(args: string[]): Promise<ServerProcess> {
  return startServe(['--no-factors', ...args]);
}

async function json(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url);
  return (await res.json()) as Record<string, unknown>;
}

describe('crash recovery', () => {
  it('ends in the state of a clean single pass after repeated kill -9 during a stream', async () => {
    const { wsUrl, adminUrl } = pulsarUrls();
    const topic = `persistent://public/default/aisle-crash-${randomUUID().slice(0, 8)}`;
    const snapshotDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aisle-crash-'));
    dirs.push(snapshotDir);
    const args = [
      '--pulsar',
      wsUrl,
      '--topic',
      topic,
      '--snapshot-dir',
      snapshotDir,
      '--snapshot-every-ms',
      '150',
    ];
    const events = createSimulator({ seed: 21 }).next(40_000);
    const transport = createWsTransport({ url: wsUrl });
    const producer = await transport.producer(topic);
    // Publish in the background, 80 events per message, while the engine is killed and restarted.
    let published = 0;
    const publishing = (async () => {
      for (let i = 0; i < events.length; i += 80) {
        await producer.send(encodePayload(events.slice(i, i + 80), 'ndjson'));
        published++;
        if (published % 25 === 0) await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const random = rng(21);
    const kills = 5;
    const resumedAt: number[] = [];
    for (let k = 0; k < kills; k++) {
      const { child, output } = await startEngine(args);
      const restored = /restored \S+: (\d+) messages/.exec(output());
      if (restored !== null) resumedAt.push(Number(restored[1]));
      await new Promise((r) => setTimeout(r, 500 + random() * 1500));
      await kill9(child);
    }
    await publishing;
    await producer.close();
    const total = published;
    const { child, url, output } = await startEngine(args);
    const restored = /restored \S+: (\d+) messages/.exec(output());
    // The runs after the first resumed from snapshots part-way through the stream, not from zero.
    expect(restored, output()).not.toBeNull();
    resumedAt.push(Number(restored![1]));
    // A run killed before its first snapshot leaves the next one to start where the previous
    // snapshot was (or from the start), so on a busy machine not every restart resumes; most do.
    expect(Number(restored![1])).toBeGreaterThan(0);
    expect(resumedAt.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
    const deadline = Date.now() + 60_000;
    let stats = await json(`${url}/v1/stats`);
    while ((stats.stream as { messages: number }).messages < total) {
      if (Date.now() > deadline)
        throw new Error(`stuck at ${JSON.stringify(stats.stream)} of ${total}`);
      await new Promise((r) => setTimeout(r, 100));
      stats = await json(`${url}/v1/stats`);
    }
    const stream = stats.stream as { messages: number; checkpoints: number };
    expect(stream.messages).toBe(total);

    const clean = await startStreamHost({ pulsar: wsUrl, admin: adminUrl, topic });
    try {
      const deadlineClean = Date.now() + 60_000;
      while (clean.stats().messages < total) {
        if (Date.now() > deadlineClean) throw new Error('clean pass stuck');
        await new Promise((r) => setTimeout(r, 50));
      }
      await expectAnswersOf(url, clean.engine, events);
    } finally {
      await clean.stop();
      await kill9(child);
      await transport.close();
    }
  });
});
