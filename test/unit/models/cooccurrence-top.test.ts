/**
 * The neighbour rows' cached best lists answer exactly what a full scoring answers, however
 * queries and ingests interleave: a twin restored from the same state (so with no cache) is the
 * reference at every query.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPE_CODE, type RetailEvent } from '../../../engine/events.js';
import { Cooccurrence, type CooccurrenceOptions } from '../../../engine/models/cooccurrence.js';
import { EventStore } from '../../../engine/store/index.js';

const OPTS: CooccurrenceOptions = {
  types: [EVENT_TYPE_CODE.view],
  context: 'session',
  window: 4,
  idleMs: 60_000,
  shrink: 2,
};

/** A skewed catalogue: a few items in most sessions, so rows are long and the best lists matter. */
function events(seed: number, n: number, items: number, t0: number): RetailEvent[] {
  let s = seed >>> 0 || 1;
  const rand = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  return Array.from({ length: n }, (_, i) => ({
    type: 'view' as const,
    ts: t0 + i,
    item: `i${Math.floor(items * rand() ** 3)}`,
    session: `s${Math.floor(rand() * n * 0.2)}`,
  }));
}

function reference(model: Cooccurrence, item: number, k: number) {
  return Cooccurrence.fromState(OPTS, model.exportState()).neighbours(item, k);
}

describe('Cooccurrence best lists', () => {
  it('answer exactly like a full scoring while batches arrive between queries', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1, max: 150 })), {
          minLength: 4,
          maxLength: 12,
        }),
        (seed, steps) => {
          const store = new EventStore();
          const model = new Cooccurrence(OPTS);
          const all = events(seed, 6_000, 300, 1_000);
          let at = 0;
          model.ingest(store.append(all.slice(0, 3_000)));
          at = 3_000;
          const items = Math.min(40, store.dicts.item.size);
          for (const [batch, k] of steps) {
            for (let id = 1; id <= items; id++) {
              expect(model.neighbours(id, k)).toEqual(reference(model, id, k));
            }
            if (batch > 0 && at < all.length) {
              model.ingest(store.append(all.slice(at, at + batch)));
              at += batch;
            }
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('serves repeated queries from the best list (and still exactly)', () => {
    const store = new EventStore();
    const model = new Cooccurrence(OPTS);
    model.ingest(store.append(events(7, 20_000, 2_000, 1_000)));
    const hub = 1;
    const first = model.neighbours(hub, 10);
    expect(first.length).toBe(10);
    // Bytes now count the cached row.
    const bytes = model.bytes();
    expect(model.neighbours(hub, 10)).toEqual(first);
    expect(model.bytes()).toBe(bytes);
    // A view that pairs the hub with a new item changes its list exactly as a rebuild would.
    model.ingest(
      store.append([
        { type: 'view', ts: 30_000, item: store.dicts.item.value(hub)!, session: 'fresh' },
        { type: 'view', ts: 30_001, item: 'brand-new', session: 'fresh' },
      ]),
    );
    expect(model.neighbours(hub, 10)).toEqual(reference(model, hub, 10));
    expect(model.neighbours(hub, 200)).toEqual(reference(model, hub, 200));
  });

  it('folds the many changes of a popular row in while ingesting, and still answers exactly', () => {
    const store = new EventStore();
    const model = new Cooccurrence(OPTS);
    model.ingest(store.append(events(11, 20_000, 3_000, 1_000)));
    const hub = 1;
    const hubName = store.dicts.item.value(hub)!;
    expect(model.neighbours(hub, 10).length).toBe(10);
    // Between two queries the hub meets 300 old neighbours again and 300 new items, each in a
    // session of its own: more changes than a row notes, so they are folded in during ingest.
    const more: RetailEvent[] = [];
    let ts = 40_000;
    for (let i = 0; i < 600; i++) {
      const other = i < 300 ? store.dicts.item.value(2 + i)! : `new-${i}`;
      more.push({ type: 'view', ts: ts++, item: hubName, session: `fold-${i}` });
      more.push({ type: 'view', ts: ts++, item: other, session: `fold-${i}` });
      // The newcomers meet one another too, so they can rank.
      if (i >= 301)
        more.push({ type: 'view', ts: ts++, item: `new-${i - 1}`, session: `fold-${i}` });
    }
    model.ingest(store.append(more));
    for (const k of [10, 50, 400]) {
      expect(model.neighbours(hub, k)).toEqual(reference(model, hub, k));
    }
    // Once more, now that the row holds the folded changes and a fresh best list.
    model.ingest(store.append(more.map((e) => ({ ...e, ts: e.ts + 10_000 }))));
    expect(model.neighbours(hub, 10)).toEqual(reference(model, hub, 10));
    expect(model.neighbours(hub, 700)).toEqual(reference(model, hub, 700));
  });

  it('evicts the rows cached longest past its cap, keeping the rest, and answers exactly', () => {
    const store = new EventStore();
    const cap = 3_000;
    const model = new Cooccurrence({ ...OPTS, rowCacheEntries: cap });
    model.ingest(store.append(events(5, 20_000, 1_500, 1_000)));
    const base = model.bytes();
    let evicted = false;
    let peak = 0;
    for (let id = 1; id <= 300; id++) {
      expect(model.neighbours(id, 10)).toEqual(reference(model, id, 10));
      const rows = (model.bytes() - base) / 8;
      if (rows < peak) evicted = true;
      peak = Math.max(peak, rows);
      // Within the cap (its best lists may pass it by a query's worth), and never started over.
      expect(rows).toBeLessThanOrEqual(cap + 200);
      if (evicted) expect(rows).toBeGreaterThan(cap / 2);
    }
    expect(evicted).toBe(true);
  });
});
