/**
 * `aisle serve` as a process on a network: it refuses to serve an open port without keys,
 * keeps answering a fresh client through a slow-header flood, and on SIGTERM stops intake,
 * finishes what is in flight, writes its last snapshot and exits 0 within 10 s, losing nothing
 * it acknowledged, with the local log and on the real broker. Runs the built CLI.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePayload } from '../../src/stream/encode.js';
import { createWsTransport } from '../../src/pulsar/index.js';
import { createSimulator } from '../../src/sim/index.js';
import { pulsarUrls } from '../support/pulsar.js';
import { kill9, killAll, startServe } from '../support/server-process.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'dist/src/cli/main.js');
const dirs: string[] = [];

afterAll(() => {
  killAll();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** SIGTERM, and how the process ended and how long it took. */
function sigterm(child: ChildProcess): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve({ code, ms: Date.now() - started }));
    child.kill('SIGTERM');
  });
}

async function json<T>(url: string): Promise<T> {
  return (await (await fetch(url)).json()) as T;
}

describe('binding beyond loopback', () => {
  it('refuses to start on 0.0.0.0 without keys, unless --insecure', async () => {
    const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
      const child = spawn(process.execPath, [cli, 'serve', '--host', '0.0.0.0', '--port', '0'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      child.stdout.on('data', (c: Buffer) => (text += c.toString()));
      child.stderr.on('data', (c: Buffer) => (text += c.toString()));
      child.on('exit', (code) => resolve({ code, text }));
    });
    expect(out.code).not.toBe(0);
    expect(out.text).toMatch(/refusing to serve on 0\.0\.0\.0 without API keys/);
    const open = await startServe(['--host', '0.0.0.0', '--insecure', '--no-data-dir']);
    expect((await fetch(open.url.replace('0.0.0.0', '127.0.0.1') + '/healthz')).status).toBe(200);
    await kill9(open.child);
  });
});

describe('slow-header flood', () => {
  it('answers a fresh client within 1 s while 2,000 connections dribble their headers', async () => {
    // The process gets the 1,024 descriptors a default Linux account has.
    const child = spawn(
      'bash',
      ['-c', `ulimit -n 1024 && exec "${process.execPath}" "${cli}" serve --port 0 --no-data-dir`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m !== null) resolve(m[1]!);
        });
        child.on('exit', () => reject(new Error(`server exited: ${out}`)));
      });
      const { port } = new URL(url);
      const flood: net.Socket[] = [];
      await Promise.all(
        Array.from(
          { length: 2000 },
          () =>
            new Promise<void>((resolve) => {
              const s = net.connect(Number(port), '127.0.0.1', () => {
                s.write('GET /v1/stats HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
                resolve();
              });
              s.on('error', () => resolve());
              s.on('close', () => resolve());
              flood.push(s);
            }),
        ),
      );
      // Keep them alive the way a slowloris does: a byte now and then, never the end.
      const drip = setInterval(() => {
        for (const s of flood) if (!s.destroyed) s.write('a');
      }, 200);
      try {
        // The flood is in place (the server has taken every connection from its backlog) before
        // the fresh client arrives.
        await new Promise((r) => setTimeout(r, 1_000));
        const started = Date.now();
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) });
        const ms = Date.now() - started;
        expect(res.status).toBe(200);
        expect(ms).toBeLessThan(1_000);
        const metrics = await (await fetch(`${url}/metrics`)).text();
        expect(metrics).toMatch(/aisle_http_connections_evicted_total \d+/);
      } finally {
        clearInterval(drip);
        for (const s of flood) s.destroy();
      }
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('graceful shutdown', () => {
  it('with the local log: SIGTERM while events are posted loses none that got a 2xx', async () => {
    const dataDir = tempDir('aisle-sigterm-');
    const args = ['--no-factors', '--data-dir', dataDir, '--snapshot-every', '0'];
    const events = createSimulator({ seed: 8 }).next(60_000);
    let acknowledged = 0;
    let next = 0;
    for (let round = 0; round < 3; round++) {
      const server = await startServe(args);
      let stopping = false;
      const posting = (async () => {
        while (!stopping && next < events.length) {
          const batch = events.slice(next, next + 200);
          next += 200;
          try {
            const res = await fetch(`${server.url}/v1/events`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(batch),
            });
            if (res.status === 200) acknowledged += batch.length;
          } catch {
            // Refused while the server stops: not acknowledged, so not expected.
          }
        }
      })();
      await new Promise((r) => setTimeout(r, 700));
      const stop = sigterm(server.child);
      const { code, ms } = await stop;
      stopping = true;
      await posting;
      expect(code).toBe(0);
      expect(ms).toBeLessThan(10_000);
      expect(server.output()).toMatch(/SIGTERM: stopping intake/);
    }
    const last = await startServe(args);
    try {
      // Everything is in the last snapshot: nothing left to replay.
      expect(last.output()).toMatch(/replayed 0 records/);
      const stats = await json<{ events: { total: number } }>(`${last.url}/v1/stats`);
      expect(acknowledged).toBeGreaterThan(0);
      expect(stats.events.total).toBe(acknowledged);
    } finally {
      await kill9(last.child);
    }
  });

  it('on the broker: SIGTERM during a stream, restarted, ends with exact counts', async () => {
    const { wsUrl } = pulsarUrls();
    const topic = `persistent://public/default/aisle-sigterm-${randomUUID().slice(0, 8)}`;
    const snapshotDir = tempDir('aisle-sigterm-pulsar-');
    const args = [
      '--no-factors',
      '--pulsar',
      wsUrl,
      '--topic',
      topic,
      '--snapshot-dir',
      snapshotDir,
      '--snapshot-every-ms',
      '60000',
      // A subscription, so that what each final snapshot covers is acknowledged as it stops.
      '--subscription',
      'aisle-sigterm',
    ];
    const events = createSimulator({ seed: 9 }).next(30_000);
    const transport = createWsTransport({ url: wsUrl });
    const producer = await transport.producer(topic);
    let published = 0;
    const publishing = (async () => {
      for (let i = 0; i < events.length; i += 100) {
        await producer.send(encodePayload(events.slice(i, i + 100), 'ndjson'));
        published++;
        if (published % 20 === 0) await new Promise((r) => setTimeout(r, 30));
      }
    })();
    try {
      for (let round = 0; round < 3; round++) {
        const server = await startServe(args);
        await new Promise((r) => setTimeout(r, 800));
        const { code, ms } = await sigterm(server.child);
        expect(code).toBe(0);
        expect(ms).toBeLessThan(10_000);
      }
      await publishing;
      const last = await startServe(args);
      try {
        // Snapshots are a minute apart: only the ones written at each SIGTERM carry the stream.
        expect(last.output()).toMatch(/restored \S+: [1-9]\d* messages/);
        const deadline = Date.now() + 60_000;
        type Stats = { stream: { messages: number }; events: { total: number } };
        let stats = await json<Stats>(`${last.url}/v1/stats`);
        while (stats.stream.messages < published && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 100));
          stats = await json<Stats>(`${last.url}/v1/stats`);
        }
        expect(stats.stream.messages).toBe(published);
        expect(stats.events.total).toBe(events.length);
      } finally {
        await kill9(last.child);
      }
    } finally {
      await producer.close();
      await transport.close();
    }
  });
});
