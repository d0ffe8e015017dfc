/**
 * Renumbering the popularity model's items: kept items keep their decayed counts bit for bit
 * under their new ids, so popular and trending rankings are the old ones translated without the
 * dropped items; the counters shrink to the kept ids and take new ones after them.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RetailEvent } from '../../../engine/events.js';
import { DEFAULT_POPULARITY, Popularity, type Scored } from '../../../engine/models/popularity.js';
import { EventStore } from '../../../engine/store/index.js';
import { loadKernels, type Kernels } from '../../../engine/wasm/index.js';
import { compaction, compactStore, identity, inBatches, mulberry32, pick } from './support.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 5);

let kernels: Kernels;
beforeAll(async () => {
  kernels = await loadKernels();
});

/** Three days of traffic on 60 items, then an hour in which a few of them burst. */
function traffic(next: () => number, items = 60): RetailEvent[] {
  const out: RetailEvent[] = [];
  for (let j = 0; j < 1500; j++) {
    const ts = T0 + Math.floor((j * 72 * HOUR) / 1500);
    // Skewed: low numbers more often, so rankings have a head and ties in the tail.
    const item = `i${Math.floor(items * next() * next())}`;
    const r = next();
    if (r < 0.7) out.push({ type: 'view', ts, item, user: `u${pick(next, 20)}` });
    else if (r < 0.85) out.push({ type: 'add_to_cart', ts, item, quantity: 1 });
    else if (r < 0.95) {
      out.push({
        type: 'purchase',
        ts,
        item,
        order: `o${j}`,
        quantity: 1 + pick(next, 4),
        price: 3,
      });
    } else out.push({ type: 'search', ts, query: `q${pick(next, 5)}` });
  }
  for (let j = 0; j < 120; j++) {
    const ts = T0 + 72 * HOUR + Math.floor((j * HOUR) / 120);
    out.push({ type: 'view', ts, item: `i${40 + pick(next, 6)}` });
  }
  return out;
}

function build(seed: number): { store: EventStore; pop: Popularity } {
  const store = new EventStore();
  const pop = new Popularity(kernels, DEFAULT_POPULARITY);
  const events = traffic(mulberry32(seed));
  inBatches(events, 250, (b) => pop.ingest(store.append(b), store.dicts.item.size + 1));
  return { store, pop };
}

function pairs(s: Scored): [number, number][] {
  return Array.from(s.ids, (id, i) => [id, s.scores[i]!]);
}

/** The old ranking without dropped ids, in new ids. */
function translated(s: Scored, map: Uint32Array): [number, number][] {
  return pairs(s)
    .filter(([id]) => map[id] !== 0)
    .map(([id, score]) => [map[id]!, score]);
}

function answers(pop: Popularity, items: number): unknown[] {
  const out: unknown[] = [pairs(pop.popular(1000)), pairs(pop.trending(1000)), pop.now];
  for (let id = 1; id <= items + 1; id++) out.push(pop.countsOf(id));
  return out;
}

describe('Popularity.remap', () => {
  it('gives kept items their old scores under new ids, in the old order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.double({ min: 0.05, max: 0.8 }),
        (seed, share) => {
          const { store, pop } = build(seed);
          const n = store.dicts.item.size;
          const next = mulberry32(seed ^ 0x5bd1e995);
          const { map, size } = compaction(n, () => next() < share);
          // A category's members, in their list order, as per-category rankings pass them.
          const members = Uint32Array.from({ length: n }, (_, i) => i + 1).filter(
            () => next() < 0.5,
          );
          const before = {
            popular: pop.popular(1000),
            top5: pop.popular(5),
            trending: pop.trending(1000),
            inCategory: pop.popular(1000, members),
            trendingIn: pop.trending(1000, members),
            counts: Array.from({ length: n + 1 }, (_, id) => pop.countsOf(id)),
          };
          expect(before.trending.ids.length).toBeGreaterThan(0);
          pop.remap('item', map, size);
          expect(pairs(pop.popular(1000))).toEqual(translated(before.popular, map));
          expect(pairs(pop.popular(5))).toEqual(translated(before.popular, map).slice(0, 5));
          expect(pairs(pop.trending(1000))).toEqual(translated(before.trending, map));
          const kept = Uint32Array.from(
            Array.from(members).filter((id) => map[id] !== 0),
            (id) => map[id]!,
          );
          expect(pairs(pop.popular(1000, kept))).toEqual(translated(before.inCategory, map));
          expect(pairs(pop.trending(1000, kept))).toEqual(translated(before.trendingIn, map));
          for (let id = 1; id <= n; id++) {
            if (map[id] !== 0) expect(pop.countsOf(map[id]!)).toEqual(before.counts[id]);
          }
          // Ids past the kept ones are unknown: nothing counted.
          for (let id = size + 1; id <= n + 1; id++) {
            expect(pop.countsOf(id)).toEqual({ short: 0, expected: 0 });
          }
          expect(pop.long.size).toBe(Math.max(1024, size + 1));
          expect(pop.short.size).toBe(Math.max(1024, size + 1));
        },
      ),
      { seed: 424242, numRuns: 12 },
    );
  });

  it('changes nothing, state included, for a map that drops nothing or a kind it does not hold', () => {
    const { store, pop } = build(5);
    const state = pop.exportState();
    const items = store.dicts.item.size;
    const before = answers(pop, items);
    const { map, size } = identity(items);
    pop.remap('item', map, size);
    const drop = compaction(20, (id) => id % 2 === 0);
    for (const kind of ['user', 'session', 'order', 'query'] as const) {
      pop.remap(kind, drop.map, drop.size);
    }
    expect(pop.exportState()).toEqual(state);
    expect(answers(pop, items)).toEqual(before);
  });

  it('restores after a remap to the same answers', () => {
    const { store, pop } = build(9);
    const { map, size } = compaction(store.dicts.item.size, (id) => id % 4 === 0);
    pop.remap('item', map, size);
    const state = pop.exportState();
    const restored = Popularity.fromState(kernels, DEFAULT_POPULARITY, state);
    expect(answers(restored, size)).toEqual(answers(pop, size));
    expect(restored.exportState()).toEqual(state);
  });

  it('counts new ids issued after the remap, and kept ones go on counting', () => {
    const { store, pop } = build(13);
    const top = pop.popular(1)!.ids[0]!;
    const name = store.dicts.item.value(top)!;
    const { map, size } = compaction(store.dicts.item.size, (id) => id !== top && id % 2 === 0);
    pop.remap('item', map, size);
    compactStore(store, 'item', map);
    const now = pop.now;
    const before = pop.long.valueAt(map[top]!, now);
    const batch = store.append([
      { type: 'purchase', ts: now, item: 'brand-new', order: 'o-new', quantity: 4, price: 1 },
      { type: 'view', ts: now, item: name },
    ]);
    pop.ingest(batch, store.dicts.item.size + 1);
    const fresh = store.dicts.item.lookup('brand-new')!;
    expect(fresh).toBe(size + 1);
    expect(store.dicts.item.lookup(name)).toBe(map[top]);
    expect(pop.long.valueAt(fresh, now)).toBeCloseTo(5 * Math.sqrt(4), 9);
    expect(pop.long.valueAt(map[top]!, now)).toBeCloseTo(before + 1, 9);
    expect(Array.from(pop.popular(1000).ids)).toContain(fresh);
  });
});
