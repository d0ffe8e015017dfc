/**
 * Shared helpers of the snapshot tests: a simulated stream cut into batches, and the answers
 * two engines must agree on.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { CatalogueItem, Engine, RetailEvent } from '../../../engine/index.js';
import { createSimulator, Rng, type SimulatorOptions } from '../../../src/sim/index.js';
import { storeOf } from '../../../engine/internals.js';

/** A stream as the batches a host would ingest, with the catalogue loaded before it. */
export interface Stream {
  catalogue: CatalogueItem[];
  batches: RetailEvent[][];
}

/** `events` simulated events cut into batches of 1..maxBatch events (seeded, so repeatable). */
export function simulatedStream(
  events: number,
  sim: SimulatorOptions = {},
  maxBatch = 400,
): Stream {
  const simulator = createSimulator({ seed: 7, items: 800, categories: 12, users: 3000, ...sim });
  const rng = new Rng(99);
  const batches: RetailEvent[][] = [];
  for (let left = events; left > 0;) {
    const n = Math.min(left, 1 + Math.floor(rng.next() * maxBatch));
    batches.push(simulator.next(n));
    left -= n;
  }
  return { catalogue: simulator.catalogue(), batches };
}

/**
 * Feeds `batches[from, to)`. Every fifth batch goes through validating `ingest` with an invalid
 * event added, so the rejection counter is part of what must survive.
 */
export function feed(engine: Engine, stream: Stream, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const batch = stream.batches[i]!;
    if (i % 5 === 0) engine.ingest([...batch, { type: 'view', ts: -1 }], { partial: true });
    else engine.ingestEvents(batch);
  }
}

/** Everything a client can observe: stats and rankings, global, per category and per item. */
export function answers(engine: Engine, items: readonly string[], categories: readonly string[]) {
  return {
    stats: engine.stats(),
    trending: engine.analytics.trending({ k: 50 }).items,
    popular: engine.recommend({ type: 'popular', k: 50 }).results,
    categories: categories.map((category) => ({
      trending: engine.analytics.trending({ k: 20, category }).items,
      popular: engine.recommend({ type: 'popular', k: 20, category }).results,
    })),
    similar: items.map((item) => ({
      viewed: engine.recommend({ type: 'similar', item, k: 20 }),
      bought: engine.recommend({ type: 'bought-together', item, k: 20 }),
    })),
    catalogue: items.map((item) => engine.catalogue.get(item)),
    // The query path over every online model: users, sessions, buy-again, baskets.
    recommend: users(engine).flatMap((user) => [
      engine.recommend({ type: 'user', user, k: 10 }),
      engine.recommend({ type: 'session', user, k: 10 }),
      engine.recommend({ type: 'buy-again', user, k: 10 }),
    ]),
    baskets: items.map((item) =>
      engine.recommend({ type: 'bought-together', items: [item, ...items.slice(0, 2)], k: 10 }),
    ),
  };
}

/** A few users the engine knows, by dictionary order (the same on both sides of a restore). */
function users(engine: Engine): string[] {
  const n = storeOf(engine).dicts.user.size;
  return [1, 2, 3, Math.floor(n / 2), n]
    .filter((id) => id >= 1 && id <= n)
    .map((id) => storeOf(engine).dicts.user.value(id)!);
}

/**
 * The first path at which two state trees differ, or undefined when they are identical; typed
 * arrays are compared byte for byte (vitest's deep equality takes seconds on arrays this big).
 */
export function firstDifference(a: unknown, b: unknown, path = 'state'): string | undefined {
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b)) return path;
    if (a.constructor !== b.constructor) return `${path} (type)`;
    const x = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    const y = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    return x.equals(y) ? undefined : path;
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return Object.is(a, b) ? undefined : path;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const d = firstDifference(
      (a as Record<string, unknown>)[k],
      (b as Record<string, unknown>)[k],
      `${path}.${k}`,
    );
    if (d !== undefined) return d;
  }
  return undefined;
}

/** A fresh temporary directory per call, removed after the file's tests. */
export function tempDirs(): () => Promise<string> {
  const made: string[] = [];
  afterAll(async () => {
    await Promise.all(made.map((d) => rm(d, { recursive: true, force: true })));
  });
  return async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aisle-snap-'));
    made.push(dir);
    return dir;
  };
}
