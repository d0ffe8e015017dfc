/**
 * Scaffolding for the remap tests of the inventory, price history and funnels: a retention map
 * built from the strings to drop, and the renamed history a twin model is fed.
 *
 * The twin is the oracle. A compaction makes a dropped id a stranger: its past stays in the
 * aggregates of other keys, and the same string seen later is a new id. A model that never
 * compacts but saw the dropped strings' past events under other names (`x` → `x#gone`) is in
 * exactly that position, so after the same later events it must give the compacted model's
 * answers for every string that is not renamed.
 */
import type { RetailEvent } from '../../../engine/events.js';
import { decodeState, encodeState } from '../../../engine/snapshot/sections.js';
import type { Dictionary, EventStore } from '../../../engine/store/index.js';

export const GONE = '#gone';

/** The retention map dropping `dropped` from `dict`, and the size it leaves. */
export function mapDropping(
  dict: Dictionary,
  dropped: ReadonlySet<string>,
): { map: Uint32Array; size: number } {
  const map = new Uint32Array(dict.size + 1);
  let size = 0;
  for (let id = 1; id <= dict.size; id++) {
    if (!dropped.has(dict.value(id)!)) map[id] = ++size;
  }
  return { map, size };
}

/** Renumbers the store's log and dictionary of `kind` as the engine does after its parts. */
export function compactStore(store: EventStore, kind: 'item' | 'user', map: Uint32Array): void {
  store.remap(kind, map);
  store.dicts[kind].compact(map);
}

/** The events with the dropped items and users renamed, as the twin sees the past. */
export function renamed(
  events: readonly RetailEvent[],
  items: ReadonlySet<string>,
  users: ReadonlySet<string> = new Set(),
): RetailEvent[] {
  return events.map((e) => {
    const out = { ...e } as Record<string, unknown>;
    if ('item' in e && items.has(e.item)) out.item = e.item + GONE;
    if ('user' in e && e.user !== undefined && users.has(e.user)) out.user = e.user + GONE;
    return out as unknown as RetailEvent;
  });
}

/** Feeds `events` in batches of `size` rows (the same cut for a model and its twin). */
export function inBatches(
  events: readonly RetailEvent[],
  size: number,
  feed: (batch: RetailEvent[]) => void,
): void {
  for (let i = 0; i < events.length; i += size) feed(events.slice(i, i + size));
}

/** The strings of `pool` picked by `mask` (bit i picks pool[i]). */
export function picked(pool: readonly string[], mask: readonly boolean[]): Set<string> {
  const out = new Set<string>();
  pool.forEach((s, i) => {
    if (mask[i] === true) out.add(s);
  });
  return out;
}

/** `state` written as a snapshot's state.bin and read back. */
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
