/**
 * Renumbering items in the catalogue, which is keyed by name: entries of dropped items (learned
 * from their events) go by the names their old ids had, the rest stay as they were, in order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Catalogue, type CatalogueItem } from '../../../engine/catalogue.js';
import type { RetailEvent } from '../../../engine/events.js';
import { EventStore } from '../../../engine/store/index.js';
import { compaction, compactStore, identity, mulberry32, pick } from './support.js';

/** A catalogue fed 10 items up front, then learning categories and prices of 40 from events. */
function built(seed: number): { store: EventStore; catalogue: Catalogue; fed: Set<string> } {
  const next = mulberry32(seed);
  const store = new EventStore();
  const catalogue = new Catalogue();
  const fed = new Set<string>();
  for (let i = 0; i < 10; i++) {
    const id = `i${pick(next, 40)}`;
    fed.add(id);
    catalogue.upsert({ id, category: `c${i % 3}`, price: 5 + i, attributes: { brand: `b${i}` } });
    store.dicts.item.id(id);
  }
  const events: RetailEvent[] = [];
  for (let j = 0; j < 200; j++) {
    const item = `i${pick(next, 40)}`;
    events.push(
      next() < 0.8
        ? { type: 'view', ts: j, item, category: `c${pick(next, 4)}` }
        : { type: 'price_change', ts: j, item, price: 1 + pick(next, 20) },
    );
  }
  learn(store, catalogue, events);
  return { store, catalogue, fed };
}

/** What the engine's catalogue part learns from events: first category, newest price. */
function learn(store: EventStore, catalogue: Catalogue, events: RetailEvent[]): void {
  store.append(events);
  for (const e of events) {
    if (e.type === 'view' && e.category !== undefined) catalogue.noteCategory(e.item, e.category);
    if (e.type === 'price_change') catalogue.notePrice(e.item, e.price);
  }
}

describe('Catalogue.remap', () => {
  it('forgets exactly the entries of dropped items and keeps the rest in order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        const { store, catalogue, fed } = built(seed);
        const next = mulberry32(seed + 1);
        const dicts = store.dicts;
        const before = catalogue.exportState();
        // Fed items are pinned by the engine: never dropped.
        const { map, size } = compaction(
          dicts.item.size,
          (id) => !fed.has(dicts.item.value(id)!) && next() < 0.5,
        );
        const dropped = new Set<string>();
        for (let id = 1; id < map.length; id++)
          if (map[id] === 0) dropped.add(dicts.item.value(id)!);
        catalogue.remap('item', map, size, (id) => dicts.item.value(id));
        const want = before.filter((it) => !dropped.has(it.id));
        expect(catalogue.exportState()).toEqual(want);
        expect(catalogue.size).toBe(want.length);
        for (const name of dropped) expect(catalogue.get(name)).toBeUndefined();
        for (const it of want) expect(catalogue.get(it.id)).toEqual(it);
        // A snapshot after the remap restores to the same catalogue.
        expect(Catalogue.fromState(catalogue.exportState()).exportState()).toEqual(want);
        // A dropped name seen again is a new item: learned afresh, listed last.
        compactStore(store, 'item', map);
        const again = [...dropped][0];
        if (again !== undefined) {
          learn(store, catalogue, [{ type: 'view', ts: 999, item: again, category: 'fresh' }]);
          expect(dicts.item.lookup(again)).toBe(size + 1);
          expect(catalogue.get(again)).toEqual({ id: again, category: 'fresh' });
          expect(catalogue.exportState().at(-1)!.id).toBe(again);
        }
      }),
      { seed: 8675309, numRuns: 60 },
    );
  });

  it('changes nothing for a map that drops nothing or a kind it does not hold', () => {
    const { store, catalogue } = built(3);
    const before: CatalogueItem[] = catalogue.exportState();
    const { map, size } = identity(store.dicts.item.size);
    catalogue.remap('item', map, size, (id) => store.dicts.item.value(id));
    const drop = compaction(store.dicts.item.size, () => true);
    for (const kind of ['user', 'session', 'order', 'query'] as const) {
      catalogue.remap(kind, drop.map, drop.size, (id) => store.dicts.item.value(id));
    }
    expect(catalogue.exportState()).toEqual(before);
  });
});
