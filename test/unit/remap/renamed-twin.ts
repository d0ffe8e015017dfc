/**
 * Scaffolding for the remap tests of the inventory, price history and funnels: the renamed
 * history a twin model is fed.
 *
 * The twin is the oracle. A compaction makes a dropped id a stranger: its past stays in the
 * aggregates of other keys, and the same string seen later is a new id. A model that never
 * compacts but saw the dropped strings' past events under other names (`x` → `x#gone`) is in
 * exactly that position, so after the same later events it must give the compacted model's
 * answers for every string that is not renamed.
 */
import type { RetailEvent } from '../../../engine/events.js';

export const GONE = '#gone';

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

/** The strings of `pool` picked by `mask` (bit i picks pool[i]). */
export function picked(pool: readonly string[], mask: readonly boolean[]): Set<string> {
  const out = new Set<string>();
  pool.forEach((s, i) => {
    if (mask[i] === true) out.add(s);
  });
  return out;
}
