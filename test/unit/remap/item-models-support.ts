/**
 * Shared scaffolding for the remap tests of the item models: a seeded generator, compaction maps
 * built the way retention builds them, and the store's side of a compaction.
 */
import type { IdKind } from '../../../engine/activity.js';
import type { EventStore } from '../../../engine/store/index.js';

/** A small seeded generator (mulberry32): the same seed gives the same events on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** An integer in [0, n). */
export function pick(next: () => number, n: number): number {
  return Math.floor(next() * n);
}

export interface Compaction {
  /** `map[id]`: the new id of `id`, 0 when dropped; `map[0] === 0`. */
  map: Uint32Array;
  /** Ids kept, numbered 1..size in their old order. */
  size: number;
}

/** The map retention builds for `oldSize` ids when `drop(id)` says which go. */
export function compaction(oldSize: number, drop: (id: number) => boolean): Compaction {
  const map = new Uint32Array(oldSize + 1);
  let size = 0;
  for (let id = 1; id <= oldSize; id++) if (!drop(id)) map[id] = ++size;
  return { map, size };
}

/** A map that drops nothing. */
export function identity(oldSize: number): Compaction {
  return compaction(oldSize, () => false);
}

/** The store's side of a compaction, after the parts: its rows, then its dictionary. */
export function compactStore(store: EventStore, kind: IdKind, map: Uint32Array): void {
  store.remap(kind, map);
  store.dicts[kind].compact(map);
}
