/**
 * Event counts per item over the Arrow event log, by the group-by kernel: one kernel call per
 * column chunk, so a count over millions of events costs a scan, not a hash map per event.
 * Counts cover the events the log holds (all of them unless a retention window is set).
 */
import { EVENT_TYPE_CODE, type EventType } from '../events.js';
import type { EventStore } from '../store/index.js';
import type { Kernels } from '../wasm/index.js';

/** Item id → number of logged events for it (of `type` when given); items with none left out. */
export function countByItem(
  store: EventStore,
  kernels: Kernels,
  type?: EventType,
): Map<string, number> {
  const { arena } = kernels;
  const groups = store.dicts.item.size + 1;
  const code = type === undefined ? -1 : EVENT_TYPE_CODE[type];
  const mark = arena.scratchMark();
  try {
    const countsPtr = arena.scratch(groups * 4);
    arena.u32(countsPtr, groups).fill(0);
    for (const chunk of store.chunks()) {
      const n = chunk.length;
      if (n === 0) continue;
      const chunkMark = arena.scratchMark();
      const keysPtr = arena.scratch(n * 4);
      const keys = arena.u32(keysPtr, n);
      let m = n;
      if (code < 0) keys.set(chunk.item);
      else {
        m = 0;
        for (let i = 0; i < n; i++) if (chunk.type[i] === code) keys[m++] = chunk.item[i]!;
      }
      kernels.groupCountU32(countsPtr, groups, keysPtr, m);
      arena.scratchReset(chunkMark);
    }
    const counts = arena.u32(countsPtr, groups);
    const out = new Map<string, number>();
    // Id 0 is "no item" (searches): not an item.
    for (let id = 1; id < groups; id++)
      if (counts[id]! > 0) out.set(store.dicts.item.value(id)!, counts[id]!);
    return out;
  } finally {
    arena.scratchReset(mark);
  }
}
