/**
 * Rankings over every item come from one kernel pass of scores; over a candidate list, from the
 * TypeScript loop. Asked for every item as candidates, both must give the same ids and the same
 * scores bit for bit, SIMD and scalar builds alike, on skewed traffic with bursts and ties.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { RetailEvent } from '../../../engine/events.js';
import { DEFAULT_POPULARITY, Popularity } from '../../../engine/models/popularity.js';
import { EventStore } from '../../../engine/store/index.js';
import { loadKernels } from '../../../engine/wasm/index.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 5);

function traffic(seed: number, n: number, items: number): RetailEvent[] {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  return Array.from({ length: n }, (_, j) => {
    const ts = T0 + Math.floor((j * 72 * HOUR) / n);
    // The last tenth bursts on a few items, so trending has something to find.
    const item =
      j > n * 0.9 && next() < 0.5
        ? `i${Math.floor(next() * 3)}`
        : `i${Math.floor(items * next() * next())}`;
    return next() < 0.8
      ? { type: 'view' as const, ts, item }
      : {
          type: 'purchase' as const,
          ts,
          item,
          order: `o${j}`,
          quantity: 1 + Math.floor(next() * 4),
          price: 2,
        };
  });
}

describe('popularity rankings over every item', () => {
  it.each([true, false])('equal the per-candidate loop bit for bit (simd %s)', async (simd) => {
    const kernels = await loadKernels({ simd });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.integer({ min: 1, max: 60 }),
        (seed, k) => {
          const store = new EventStore();
          const model = new Popularity(kernels, {
            ...DEFAULT_POPULARITY,
            minTrendSupport: 2,
            minTrendZ: 1,
          });
          const events = traffic(seed, 3_000, 200);
          for (let i = 0; i < events.length; i += 500) {
            const batch = store.append(events.slice(i, i + 500));
            model.ingest(batch, store.dicts.item.size + 1);
          }
          const every = Uint32Array.from({ length: store.dicts.item.size + 1 }, (_, i) => i);
          expect(model.popular(k)).toEqual(model.popular(k, every));
          const trending = model.trending(k);
          expect(trending).toEqual(model.trending(k, every));
          expect(trending.ids.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('keeps global popular and trending exact between full passes, however asks and batches interleave', async () => {
    const kernels = await loadKernels();
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 300 })), {
          minLength: 3,
          maxLength: 15,
        }),
        (seed, steps) => {
          const store = new EventStore();
          // A low bar to trend, so the support list holds many items and changes often.
          const options = { ...DEFAULT_POPULARITY, minTrendSupport: 1.5, minTrendZ: 0.5 };
          const model = new Popularity(kernels, options);
          const events = traffic(seed, 6_000, 400);
          let at = 0;
          const feed = (n: number): void => {
            if (n === 0 || at >= events.length) return;
            model.ingest(store.append(events.slice(at, at + n)), store.dicts.item.size + 1);
            at += n;
          };
          feed(1_000);
          for (const [batch, k] of steps) {
            const fresh = Popularity.fromState(kernels, options, model.exportState());
            expect(model.popular(k)).toEqual(fresh.popular(k));
            expect(model.trending(k)).toEqual(fresh.trending(k));
            feed(batch);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('stays exact across the wrap of its merge stamps', async () => {
    const kernels = await loadKernels();
    const store = new EventStore();
    const options = { ...DEFAULT_POPULARITY, minTrendSupport: 1.5, minTrendZ: 0.5 };
    const model = new Popularity(kernels, options);
    const events = traffic(11, 4_000, 300);
    model.ingest(store.append(events.slice(0, 1_000)), store.dicts.item.size + 1);
    model.popular(20);
    model.trending(20);
    // Two merges short of 2^32: the asks below cross it.
    (model as unknown as { mergeStamp: number }).mergeStamp = 0xffff_fffd;
    for (let at = 1_000; at < 4_000; at += 300) {
      model.ingest(store.append(events.slice(at, at + 300)), store.dicts.item.size + 1);
      const fresh = Popularity.fromState(kernels, options, model.exportState());
      expect(model.popular(20)).toEqual(fresh.popular(20));
      expect(model.trending(20)).toEqual(fresh.trending(20));
    }
  });

  it('answers asks between batches from its lists, with one full pass for many asks', async () => {
    const kernels = await loadKernels();
    const store = new EventStore();
    const model = new Popularity(kernels, DEFAULT_POPULARITY);
    const events = traffic(3, 12_000, 5_000);
    model.ingest(store.append(events.slice(0, 2_000)), store.dicts.item.size + 1);
    const proto = Popularity.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
    const popularPasses = vi.spyOn(proto, 'popularPass');
    for (let i = 2_000; i < events.length; i += 20) {
      model.ingest(store.append(events.slice(i, i + 20)), store.dicts.item.size + 1);
      model.popular(50);
      model.trending(50);
    }
    // 500 asks after a batch each: one full pass over every item, the rest from the list.
    expect(popularPasses.mock.calls.filter((c) => c[1] === undefined)).toHaveLength(1);
    popularPasses.mockRestore();
  });
});
