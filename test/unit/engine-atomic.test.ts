/**
 * Atomic ingest: a batch is checked whole before any part changes, and a part that still throws
 * leaves an engine that says so and refuses writes instead of going on half-updated.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine, type RetailEvent } from '../../engine/index.js';
import { isAisleError } from '../../engine/errors.js';
import { restoreEngine, writeEngineSnapshot } from '../../engine/snapshot/index.js';
import { encodeState } from '../../engine/snapshot/sections.js';

const T = Date.UTC(2026, 0, 5);

function stream(n: number): RetailEvent[] {
  const out: RetailEvent[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      type: 'view',
      ts: T + i * 1000,
      user: `u${i % 7}`,
      session: `s${i % 13}`,
      item: `i${i % 11}`,
    });
    if (i % 5 === 0) {
      out.push({
        type: 'purchase',
        ts: T + i * 1000 + 1,
        user: `u${i % 7}`,
        item: `i${i % 11}`,
        order: `o${i}`,
        quantity: 1 + (i % 3),
        price: 5 + (i % 4),
      });
    }
  }
  return out;
}

async function seeded(): Promise<Engine> {
  const e = await createEngine({ clock: () => T + 10 * 86_400_000 });
  e.loadCatalogue([{ id: 'i1', category: 'c1', price: 9 }]);
  e.ingestEvents(stream(200));
  return e;
}

/** The engine's whole state as bytes: a deep comparison of the typed arrays is far slower. */
function stateOf(e: Engine): Buffer {
  const state = e.exportState();
  return Buffer.concat([
    ...encodeState(state as never).pieces,
    Buffer.from(JSON.stringify(state.catalogue)),
  ]);
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isAisleError(err) ? err.code : `untyped: ${String(err)}`;
  }
  return undefined;
}

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('trusted-path checks', () => {
  const bad: [string, unknown][] = [
    ['NaN ts', { type: 'view', ts: Number.NaN, item: 'i1' }],
    ['string ts', { type: 'view', ts: '2026-01-01', item: 'i1' }],
    ['missing item', { type: 'view', ts: T }],
    ['object category', { type: 'view', ts: T, item: 'i1', category: {} }],
    ['unknown type', { type: 'click', ts: T, item: 'i1' }],
    ['NaN price', { type: 'purchase', ts: T, item: 'i1', order: 'o', quantity: 1, price: NaN }],
    [
      'fractional quantity',
      { type: 'purchase', ts: T, item: 'i1', order: 'o', quantity: 1.5, price: 2 },
    ],
    ['bad op', { type: 'inventory', ts: T, item: 'i1', op: 'steal', quantity: 1 }],
    ['null event', null],
  ];
  it.each(bad)('refuses a batch with %s and changes nothing', async (_name, event) => {
    const e = await seeded();
    const before = stateOf(e);
    const stats = e.stats();
    const batch = [...stream(3), event] as RetailEvent[];
    expect(codeOf(() => e.ingestEvents(batch))).toBe('AISLE_INVALID_EVENT');
    expect(e.stats()).toEqual(stats);
    expect(stateOf(e).equals(before)).toBe(true);
    expect(e.health().ok).toBe(true);
    // And the engine goes on: the next good batch is taken, and a snapshot restores.
    e.ingestEvents(stream(3));
    const dir = await mkdtemp(join(tmpdir(), 'aisle-atomic-'));
    dirs.push(dir);
    const w = await writeEngineSnapshot(e, dir, { position: 1, now: T });
    const back = await restoreEngine(w.dir);
    expect(back.stats()).toEqual(e.stats());
  });
});

describe('a part that throws', () => {
  it('marks the engine failed: writes and snapshots are refused, reads still answer', async () => {
    const e = await seeded();
    // A fault inside one part, after others have applied the batch.
    const internals = e as unknown as { parts: { funnels: { ingest: () => void } } };
    internals.parts.funnels.ingest = () => {
      throw new RangeError('offset out of bounds');
    };
    expect(codeOf(() => e.ingestEvents(stream(2)))).toBe('AISLE_FAILED');
    expect(e.health()).toEqual({
      ok: false,
      reason: expect.stringMatching(/offset out of bounds/),
    });
    expect(codeOf(() => e.ingestEvents(stream(1)))).toBe('AISLE_FAILED');
    expect(codeOf(() => e.ingest([{ type: 'view', item: 'x' }]))).toBe('AISLE_FAILED');
    expect(codeOf(() => e.loadCatalogue([{ id: 'x' }]))).toBe('AISLE_FAILED');
    expect(codeOf(() => e.exportState())).toBe('AISLE_FAILED');
    const dir = await mkdtemp(join(tmpdir(), 'aisle-atomic-'));
    dirs.push(dir);
    await expect(writeEngineSnapshot(e, dir, { position: 1, now: T })).rejects.toMatchObject({
      code: 'AISLE_FAILED',
    });
    expect(e.stats().events).toBeGreaterThan(0);
    expect(e.recommend({ type: 'popular', k: 3 }).results.length).toBeGreaterThan(0);
  });
});

describe('loadCatalogue', () => {
  const bad: [string, unknown, string][] = [
    ['an object category', { id: 'z', category: {} }, 'items[1].category'],
    ['a NaN price', { id: 'z', price: Number.NaN }, 'items[1].price'],
    ['an empty id', { id: '' }, 'items[1].id'],
    ['a nested attribute', { id: 'z', attributes: { a: { b: 1 } } }, 'items[1].attributes.a'],
    ['a string', 'z', 'items[1].(item)'],
  ];
  it.each(bad)('is all or nothing: %s refuses the whole feed', async (_name, item, field) => {
    const e = await seeded();
    const before = stateOf(e);
    let thrown: unknown;
    try {
      e.loadCatalogue([{ id: 'new-1', category: 'c9', price: 3 }, item] as never);
    } catch (err) {
      thrown = err;
    }
    expect(isAisleError(thrown) && thrown.code).toBe('AISLE_INVALID_ARGUMENT');
    expect((thrown as Error).message).toContain(field);
    expect(stateOf(e).equals(before)).toBe(true);
    const dir = await mkdtemp(join(tmpdir(), 'aisle-atomic-'));
    dirs.push(dir);
    const w = await writeEngineSnapshot(e, dir, { position: 1, now: T });
    expect((await restoreEngine(w.dir)).stats()).toEqual(e.stats());
  });
});
