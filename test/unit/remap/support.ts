/**
 * Shared by the remap tests: seeded generators, retention maps built the way retention builds
 * them (by id or by name), the store's side of a compaction, batched feeding, and the snapshot
 * codec round trip that a restored part goes through.
 */
import type { IdKind } from '../../../engine/activity.js';
import type { RetailEvent } from '../../../engine/events.js';
import { mulberry32 } from '../../../engine/models/als/init.js';
import { decodeState, encodeState } from '../../../engine/snapshot/sections.js';
import type { Dictionary, EventStore } from '../../../engine/store/index.js';

// The engine's own seeded generator: the same seed gives the same events on every run.
export { mulberry32 };

/** An integer in [0, n) from `next`. */
export function pick(next: () => number, n: number): number {
  return Math.floor(next() * n);
}

/** Seeded integers: `r(n)` is in [0, n), drawn from mulberry32. */
export function ints(seed: number): (n: number) => number {
  const next = mulberry32(seed);
  return (n) => pick(next, n);
}

/**
 * A seeded source in [0, 1) from a linear congruential generator. The session tests draw their
 * streams from it; another generator would give them other cases.
 */
export function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

/** `n` names: `${prefix}0`, `${prefix}1`, ... */
export const pool = (prefix: string, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix}${i}`);

export interface Compaction {
  /** `map[id]`: the new id of `id`, 0 when dropped; `map[0] === 0`. */
  map: Uint32Array;
  /** Ids kept, numbered 1..size in their old order. */
  size: number;
}

/**
 * The map retention builds for ids 1..`oldSize` when `drop(id)` says which go. `drop` is asked
 * once per id, in ascending order, so a seeded coin gives the same drops on every run.
 */
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

/** The map dropping from `dict` the names in `drop` (or those it says yes to), in id order. */
export function dropping(
  dict: Dictionary,
  drop: ReadonlySet<string> | ((name: string) => boolean),
): Compaction {
  const goes = typeof drop === 'function' ? drop : (name: string) => drop.has(name);
  return compaction(dict.size, (id) => goes(dict.value(id)!));
}

/** The store's side of a compaction, after the parts: its rows, then its dictionary. */
export function compactStore(store: EventStore, kind: IdKind, map: Uint32Array): void {
  store.remap(kind, map);
  store.dicts[kind].compact(map);
}

/** Feeds `events` in batches of `size` rows, so a model and its reference get the same cut. */
export function inBatches(
  events: readonly RetailEvent[],
  size: number,
  feed: (batch: RetailEvent[]) => void,
): void {
  for (let i = 0; i < events.length; i += size) feed(events.slice(i, i + size));
}

/** `state` written as a snapshot's state.bin and read back, as a real snapshot carries it. */
export function throughBytes<T>(state: T): T {
  const encoded = encodeState(state);
  const bytes = new Uint8Array(encoded.bytes);
  let at = 0;
  for (const p of encoded.pieces) {
    bytes.set(p, at);
    at += p.length;
  }
  return decodeState(bytes) as T;
}
