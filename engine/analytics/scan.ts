/**
 * Windowed group-by over the Arrow event log: events, units and revenue per item, user or
 * category for the events of some types in a time window. One kernel call per column chunk;
 * sealed chunks whose time range misses the window are skipped without being read.
 *
 * The log's columns live in JavaScript memory, so each chunk scanned is copied into the kernels'
 * scratch first (21 bytes per row: ts, type, key, quantity, price). `groupByWindowJs` runs the
 * same scan in plain TypeScript over the columns in place, as the baseline the kernel has to beat.
 */
import { AisleError } from '../errors.js';
import { EVENT_TYPE_CODE, EVENT_TYPES, type EventType } from '../events.js';
import type { EventChunk, EventStore } from '../store/index.js';
import { reference, type Kernels } from '../wasm/index.js';

/** What the rows are grouped by: the item, the user, or the item's category. */
export type ScanKey = 'item' | 'user' | 'category';

/** A windowed group-by over the log. */
export interface WindowQuery {
  by: ScanKey;
  /** Window [from, to) in epoch ms; -Infinity / Infinity leave an end open. */
  from: number;
  to: number;
  /** Event types counted; default all. */
  types?: readonly EventType[];
  /** Category id (the store's category dictionary) per item id; required for `by: 'category'`. */
  categoryOf?: Uint32Array;
  /** Keep only the best `top` rows; default all. */
  top?: number;
}

/**
 * One group. Events without the key (anonymous users, searches, items without a category) are
 * left out.
 */
export interface GroupRow {
  /** The dictionary value: item id, user id or category name. */
  key: string;
  events: number;
  /** Sum of quantity. */
  units: number;
  /** Sum of quantity × unit price (f32 prices, summed in f64). */
  revenue: number;
}

const SCAN_KEYS: readonly ScanKey[] = ['item', 'user', 'category'];
const KNOWN_TYPES: ReadonlySet<unknown> = new Set(EVENT_TYPES);

/** The query checked and resolved against the store: dense ids, the type mask, i64-safe ends. */
interface Plan {
  key: 'item' | 'user';
  dict: 'item' | 'user' | 'category';
  nGroups: number;
  lookup: Uint32Array | undefined;
  from: number;
  to: number;
  typeMask: number;
  top: number;
}

function invalid(field: string, message: string): AisleError {
  return new AisleError('AISLE_INVALID_ARGUMENT', `${field}: ${message}`, { field });
}

function isEnd(v: unknown): v is number {
  return typeof v === 'number' && !Number.isNaN(v);
}

/**
 * Checks a query and resolves it against the store. Window ends are rounded up to whole ms:
 * timestamps are integers, so `ts >= 1.5` and `ts >= 2` select the same rows. O(items) for a
 * category lookup (each entry is checked), else O(1).
 */
function plan(store: EventStore, q: WindowQuery): Plan {
  if (typeof q !== 'object' || q === null) throw invalid('query', 'must be an object');
  if (!SCAN_KEYS.includes(q.by)) throw invalid('by', `must be one of ${SCAN_KEYS.join(', ')}`);
  if (!isEnd(q.from)) throw invalid('from', 'must be a number (epoch ms) or -Infinity');
  if (!isEnd(q.to)) throw invalid('to', 'must be a number (epoch ms) or Infinity');
  if (q.to < q.from) throw invalid('to', `is before from (${q.from})`);
  let typeMask = 0;
  if (q.types === undefined) typeMask = (1 << EVENT_TYPES.length) - 1;
  else {
    const types: unknown = q.types;
    if (!Array.isArray(types) || types.length === 0) {
      throw invalid('types', 'must list at least one event type');
    }
    types.forEach((t: unknown, i) => {
      if (!KNOWN_TYPES.has(t)) {
        throw invalid(`types[${i}]`, `must be one of ${EVENT_TYPES.join(', ')}`);
      }
      typeMask |= 1 << EVENT_TYPE_CODE[t as EventType];
    });
  }
  let top = Infinity;
  if (q.top !== undefined) {
    if (!Number.isInteger(q.top) || q.top < 1) throw invalid('top', 'must be an integer ≥ 1');
    top = q.top;
  }
  const dicts = store.dicts;
  const window = { from: roundEnd(q.from), to: roundEnd(q.to), typeMask, top };
  if (q.by !== 'category') {
    if (q.categoryOf !== undefined) throw invalid('categoryOf', "only applies to by 'category'");
    return { ...window, key: q.by, dict: q.by, nGroups: dicts[q.by].size + 1, lookup: undefined };
  }
  const categoryOf = q.categoryOf;
  if (categoryOf === undefined) throw invalid('categoryOf', "is required for by 'category'");
  if (!(categoryOf instanceof Uint32Array)) throw invalid('categoryOf', 'must be a Uint32Array');
  const nGroups = dicts.category.size + 1;
  for (let i = 0; i < categoryOf.length; i++) {
    if (categoryOf[i]! >= nGroups) {
      throw invalid(
        `categoryOf[${i}]`,
        `${categoryOf[i]} is not a category id (the store knows ${nGroups - 1})`,
      );
    }
  }
  // Items the table does not reach (newer than it) have no category: group 0, left out.
  const items = dicts.item.size + 1;
  let lookup = categoryOf;
  if (categoryOf.length < items) {
    lookup = new Uint32Array(items);
    lookup.set(categoryOf);
  }
  return { ...window, key: 'item', dict: 'category', nGroups, lookup };
}

/** Whole ms (ts are integers), clamped to what a double holds exactly; ±Infinity stays. */
function roundEnd(v: number): number {
  if (!Number.isFinite(v)) return v;
  return Math.min(Math.max(Math.ceil(v), Number.MIN_SAFE_INTEGER), Number.MAX_SAFE_INTEGER);
}

interface Range {
  min: number;
  max: number;
}

/** Time range per sealed chunk: sealed chunks never change, so it is computed once. */
const ranges = new WeakMap<EventChunk, Range>();

function rangeOf(chunk: EventChunk): Range {
  const n = chunk.length;
  const words = new Int32Array(chunk.ts.buffer, chunk.ts.byteOffset, n * 2);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = words[2 * i + 1]! * 4294967296 + (words[2 * i]! >>> 0);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/**
 * The chunks that may hold rows of the window. Only full chunks have their range remembered:
 * the open chunk is a fresh view on every call and still growing, and it is the newest, so
 * nearly every window reaches it anyway.
 */
function chunksIn(store: EventStore, from: number, to: number): EventChunk[] {
  const out: EventChunk[] = [];
  for (const chunk of store.chunks()) {
    if (chunk.length === 0) continue;
    if (chunk.length === store.chunkRows) {
      let r = ranges.get(chunk);
      if (r === undefined) ranges.set(chunk, (r = rangeOf(chunk)));
      if (r.max < from || r.min >= to) continue;
    }
    out.push(chunk);
  }
  return out;
}

/**
 * Events, units and revenue per key for the events of `query.types` with ts in
 * [query.from, query.to), best first: by revenue, then events, then the older dictionary id.
 * Throws AisleError('AISLE_INVALID_ARGUMENT') naming the field of a malformed query.
 * O(rows of the chunks overlapping the window + groups · log top).
 */
export function groupByWindow(store: EventStore, kernels: Kernels, query: WindowQuery): GroupRow[] {
  const p = plan(store, query);
  const { arena } = kernels;
  const chunks = chunksIn(store, p.from, p.to);
  const mark = arena.scratchMark();
  try {
    const g = p.nGroups;
    const counts = arena.scratch(g * 4);
    const units = arena.scratch(g * 8);
    const revenue = arena.scratch(g * 8);
    const nLookup = p.lookup?.length ?? 0;
    const lookup = p.lookup === undefined ? 0 : arena.scratch(nLookup * 4);
    arena.u32(counts, g).fill(0);
    arena.f64(units, g).fill(0);
    arena.f64(revenue, g).fill(0);
    if (p.lookup !== undefined) arena.u32(lookup, nLookup).set(p.lookup);
    for (const chunk of chunks) {
      const n = chunk.length;
      const chunkMark = arena.scratchMark();
      const ts = arena.scratch(n * 8);
      const type = arena.scratch(n);
      const keys = arena.scratch(n * 4);
      const quantity = arena.scratch(n * 4);
      const price = arena.scratch(n * 4);
      const sel = arena.scratch(n * 4);
      // Views only once everything is allocated: an allocation may grow (detach) the memory.
      new BigInt64Array(kernels.memory.buffer, ts, n).set(chunk.ts);
      arena.u8(type, n).set(chunk.type);
      arena.u32(keys, n).set(chunk[p.key]);
      arena.i32(quantity, n).set(chunk.quantity);
      arena.f32(price, n).set(chunk.price);
      kernels.windowGroupByU32({
        counts,
        units,
        revenue,
        nGroups: g,
        ts,
        type,
        keys,
        lookup,
        nLookup,
        quantity,
        price,
        n,
        from: p.from,
        to: p.to,
        typeMask: p.typeMask,
        sel,
      });
      arena.scratchReset(chunkMark);
    }
    return rows(store, p, arena.u32(counts, g), arena.f64(units, g), arena.f64(revenue, g));
  } finally {
    arena.scratchReset(mark);
  }
}

/**
 * `groupByWindow` in plain TypeScript over the log's columns in place (no copies, no kernels),
 * with the same checks, chunk skipping and answer. The benchmark's baseline.
 */
export function groupByWindowJs(store: EventStore, query: WindowQuery): GroupRow[] {
  const p = plan(store, query);
  const g = p.nGroups;
  const counts = new Uint32Array(g);
  const units = new Float64Array(g);
  const revenue = new Float64Array(g);
  let sel = new Uint32Array(0);
  for (const chunk of chunksIn(store, p.from, p.to)) {
    if (sel.length < chunk.length) sel = new Uint32Array(chunk.length);
    reference.windowGroupByU32({
      counts,
      units,
      revenue,
      nGroups: g,
      ts: chunk.ts,
      type: chunk.type,
      keys: chunk[p.key],
      lookup: p.lookup,
      quantity: chunk.quantity,
      price: chunk.price,
      n: chunk.length,
      from: p.from,
      to: p.to,
      typeMask: p.typeMask,
      sel,
    });
  }
  return rows(store, p, counts, units, revenue);
}

/** a ranks above b: more revenue, then more events, then the lower (older) id. */
function above(c: Uint32Array, r: Float64Array, a: number, b: number): boolean {
  return r[a]! > r[b]! || (r[a] === r[b] && (c[a]! > c[b]! || (c[a] === c[b] && a < b)));
}

/** The groups with events (id 0, "absent", left out), best first, at most `top` of them. */
function rows(
  store: EventStore,
  p: Plan,
  counts: Uint32Array,
  units: Float64Array,
  revenue: Float64Array,
): GroupRow[] {
  const ids: number[] = [];
  for (let id = 1; id < counts.length; id++) if (counts[id]! > 0) ids.push(id);
  const best = p.top < ids.length ? topIds(ids, p.top, counts, revenue) : ids;
  best.sort((a, b) => (above(counts, revenue, a, b) ? -1 : 1));
  const dict = store.dicts[p.dict];
  return best.map((id) => ({
    key: dict.value(id)!,
    events: counts[id]!,
    units: units[id]!,
    revenue: revenue[id]!,
  }));
}

/**
 * The best k of `ids`, unordered: a min-heap of k entries whose root is the worst kept.
 * O(n log k).
 */
function topIds(ids: number[], k: number, c: Uint32Array, r: Float64Array): number[] {
  const heap = ids.slice(0, k);
  const down = (at: number): void => {
    for (;;) {
      const l = 2 * at + 1;
      if (l >= k) return;
      let w = l;
      if (l + 1 < k && above(c, r, heap[w]!, heap[l + 1]!)) w = l + 1;
      if (!above(c, r, heap[at]!, heap[w]!)) return;
      [heap[at], heap[w]] = [heap[w]!, heap[at]!];
      at = w;
    }
  };
  for (let i = (k >> 1) - 1; i >= 0; i--) down(i);
  for (let i = k; i < ids.length; i++) {
    if (above(c, r, ids[i]!, heap[0]!)) {
      heap[0] = ids[i]!;
      down(0);
    }
  }
  return heap;
}
