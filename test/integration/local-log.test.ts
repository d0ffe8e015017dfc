/**
 * Nothing accepted is lost without a broker: a client posts batches over HTTP while the server
 * (the built CLI with a local log) is killed with kill -9 at random moments and restarted, five
 * times. After a last restart exactly the batches answered 2xx are there, each once; a batch
 * whose request died with the server is there whole or not at all.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rng } from '../../bench/harness.js';
import {
  kill9,
  killAll,
  running,
  startServe,
  terminate,
  type ServerProcess,
} from '../support/server-process.js';

const dirs: string[] = [];

afterAll(() => {
  killAll();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function startServer(dataDir: string): Promise<ServerProcess> {
  return startServe(['--data-dir', dataDir, '--no-factors', '--snapshot-every', '1']);
}

async function json<T>(url: string): Promise<T> {
  const res = await fetch(url);
  expect(res.status, url).toBe(200);
  return (await res.json()) as T;
}

/** One batch: its own item, so a per-item count shows whether (and how often) it is there. */
function batchOf(b: number, size: number): unknown[] {
  const ts = Date.now();
  return Array.from({ length: size }, (_, i) =>
    i % 4 === 3
      ? { type: 'add_to_cart', ts: ts - i, user: `u-${b % 97}`, session: `s-${b}`, item: `b-${b}` }
      : { type: 'view', ts: ts - i, user: `u-${b % 97}`, session: `s-${b}`, item: `b-${b}` },
  );
}

type Outcome = 'ok' | 'refused' | 'unknown';

describe('local log crash recovery', () => {
  it('keeps exactly the batches answered 2xx across repeated kill -9', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aisle-local-log-'));
    dirs.push(dataDir);
    const random = rng(7);
    const sizes = new Map<number, number>();
    const outcomes = new Map<number, Outcome>();
    let current: ServerProcess | undefined;
    let next = 0;
    let stop = false;

    // Eight concurrent clients, so group commit and kills mid-sync both happen.
    const client = async (): Promise<void> => {
      while (!stop && next < 9000) {
        const server = current;
        if (server === undefined) {
          await new Promise((r) => setTimeout(r, 5));
          continue;
        }
        const b = next++;
        const size = 10 + (b % 5) * 10;
        sizes.set(b, size);
        try {
          const res = await fetch(`${server.url}/v1/events`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(batchOf(b, size)),
          });
          const body = (await res.json()) as { accepted?: number };
          if (res.status === 200) {
            expect(body.accepted).toBe(size);
            outcomes.set(b, 'ok');
          } else {
            outcomes.set(b, 'refused');
          }
        } catch {
          // The server died with the request in flight: it may or may not have been made durable.
          outcomes.set(b, 'unknown');
        }
      }
    };
    const clients = Array.from({ length: 8 }, () => client());

    const restoredRuns: string[] = [];
    for (let k = 0; k < 5; k++) {
      const server = await startServer(dataDir);
      if (/restored \S+snap-/.test(server.output())) restoredRuns.push(server.output());
      current = server;
      await new Promise((r) => setTimeout(r, 700 + random() * 1500));
      current = undefined;
      await kill9(server.child);
    }
    stop = true;
    await Promise.all(clients);

    const server = await startServer(dataDir);
    try {
      const ok = [...outcomes].filter(([, o]) => o === 'ok').map(([b]) => b);
      const unknown = [...outcomes].filter(([, o]) => o === 'unknown').map(([b]) => b);
      expect(ok.length, 'batches answered 2xx').toBeGreaterThan(200);
      expect([...outcomes.values()].filter((o) => o === 'refused')).toEqual([]);
      // Restarts after the first found snapshots (taken every second) and replayed the log after them.
      expect(restoredRuns.length, server.output()).toBeGreaterThanOrEqual(2);
      expect(server.output()).toMatch(/replayed \d+ records/);

      const rows = (
        await json<{ rows: { key: string; events: number }[] }>(
          `${server.url}/v1/analytics/group-by?by=item&top=10000`,
        )
      ).rows;
      expect(rows.length).toBeLessThan(10_000);
      const counts = new Map(rows.map((r) => [r.key, r.events]));
      for (const b of ok) expect(counts.get(`b-${b}`), `2xx batch ${b}`).toBe(sizes.get(b));
      let present = 0;
      for (const b of unknown) {
        const n = counts.get(`b-${b}`) ?? 0;
        expect([0, sizes.get(b)], `in-flight batch ${b}`).toContain(n);
        if (n > 0) present++;
      }
      for (const key of counts.keys()) {
        const b = Number(key.slice(2));
        expect(outcomes.get(b) === 'ok' || outcomes.get(b) === 'unknown', key).toBe(true);
      }
      const expected = [...counts.values()].reduce((a, n) => a + n, 0);
      const okEvents = ok.reduce((a, b) => a + sizes.get(b)!, 0);
      expect(expected).toBeGreaterThanOrEqual(okEvents);
      expect(expected - okEvents).toBeLessThanOrEqual(
        unknown.reduce((a, b) => a + sizes.get(b)!, 0),
      );

      // A batch the engine would refuse (an event an hour ahead of the clock) never reaches the log.
      const future = await fetch(`${server.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([
          { type: 'view', ts: Date.now(), item: 'late-1' },
          { type: 'view', ts: Date.now() + 3_600_000, item: 'late-1' },
        ]),
      });
      expect(future.status).toBe(400);

      const stats = await json<{
        events: { total: number; view: number; add_to_cart: number };
        storedEvents: number;
        localLog: { bytes: number; segments: number; snapshots: number; position: unknown };
      }>(`${server.url}/v1/stats`);
      expect(stats.events.total).toBe(expected);
      expect(stats.storedEvents).toBe(expected);
      expect(stats.events.view + stats.events.add_to_cart).toBe(expected);
      // Snapshots truncate the log: the segments of the earlier runs are gone.
      expect(stats.localLog.segments).toBeLessThan(6);
      console.log(
        `local log crash test: ${outcomes.size} batches posted, ${ok.length} answered 2xx, ` +
          `${unknown.length} in flight at a kill (${present} of them durable), ${expected} events; ` +
          `log ${stats.localLog.bytes} bytes in ${stats.localLog.segments} segments`,
      );

      // A graceful stop writes a last snapshot; the next start finds the same state.
      await terminate(server.child);
      const again = await startServer(dataDir);
      try {
        expect(again.output()).toMatch(/replayed 0 records/);
        const after = await json<{ events: { total: number } }>(`${again.url}/v1/stats`);
        expect(after.events.total).toBe(expected);
        const late = await json<{ rows: unknown[] }>(
          `${again.url}/v1/analytics/group-by?by=item&top=10000`,
        );
        expect(late.rows).toHaveLength(counts.size);
      } finally {
        await kill9(again.child);
      }
    } finally {
      if (running(server.child)) await kill9(server.child);
    }
  });
});
