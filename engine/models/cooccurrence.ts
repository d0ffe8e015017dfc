/**
 * Item-to-item co-occurrence, updated online: "also viewed" (same session) and "also bought"
 * (same order). Each context keeps a short ring of its distinct recent items; a new item pairs
 * with every item in the ring, so the cost per event is bounded by the window, not the session.
 */
import type { IdKind } from '../activity.js';
import type { EncodedBatch } from '../store/index.js';
import { AisleError } from '../errors.js';
import { keepsAll } from '../remap-map.js';
import { allBelow, expectState, isArrayOf, isCount } from '../snapshot/check.js';
import { minuteOf, PairCounts, type PairCountsState } from './pair-counts.js';
import { topK, type TopK } from './top-k.js';

export interface CooccurrenceOptions {
  /** Event type codes that place an item in a context. */
  types: readonly number[];
  /** Which column keys the context: `session` (falls back to user) or `order` (the ref column). */
  context: 'session' | 'order';
  /** Distinct recent items per context that a new item pairs with. */
  window: number;
  /** A context idle this long (stream time, ms) is forgotten. */
  idleMs: number;
  /** Shrinks scores of pairs seen few times: score * c / (c + shrink). */
  shrink: number;
  /** Neighbour entries the query-side row cache holds at most (default 4,000,000, 8 bytes each). */
  rowCacheEntries?: number;
}

/** `association`: figures of a pair (named for orders, the context they are read for). */
export interface Association {
  orders: number;
  support: number;
  confidence: number;
  lift: number;
}

export interface Neighbour {
  item: number;
  score: number;
  /** Contexts in which both items were seen. */
  count: number;
}

/**
 * What a snapshot keeps of a co-occurrence model. The context map is kept in its iteration order
 * and the free slots in stack order, so sweeps and slot reuse after a restore happen exactly as
 * they would have.
 */
export interface CooccurrenceState {
  pairs: PairCountsState;
  /** Context keys (session ids, negated user ids or order ids), in the map's insertion order. */
  contextKeys: Float64Array;
  /** Ring slot of each context key. */
  contextSlots: Uint32Array;
  /** Ring arrays at their allocated capacity: items (capacity × window), length, next, last ts. */
  ringItems: Uint32Array;
  ringLen: Uint8Array;
  ringNext: Uint8Array;
  ringTs: Float64Array;
  /** Slots of forgotten contexts, reused last in first out. */
  freeSlots: Uint32Array;
  /** Slots handed out so far (free ones included). */
  slots: number;
  /** Contexts that held each item, by item id. */
  occurrences: Float64Array;
  /** Batches ingested; sweeps run every SWEEP_EVERY of them. */
  batches: number;
  /** Contexts ever opened (sessions, orders): the N of support and lift. */
  contextsOpened: number;
  /** Minute up to which pairs were last forgotten (see `forget`); absent before retention. */
  forgotTo?: number;
}

const SWEEP_EVERY = 64;
/** log2 of the smallest context index table. */
const MIN_INDEX_LOG = 10;

/**
 * Context key → ring slot, iterated in insertion order as the `Map` it replaces was (snapshots
 * keep that order, and sweeps free slots in it). A `Map` lookup hashed and chased a chain per
 * event; here the (key, slot) entries sit in an append-only list in insertion order, indexed by
 * an open-addressing table of typed arrays. Keys are nonzero integers (negated user ids are
 * negative), so 0 marks an empty table cell. Entries leave only through `compact`, which the
 * caller uses after rewriting the list in place, and which rebuilds the table.
 */
class ContextIndex {
  /** Keys and slots in insertion order; `size` of them are live. */
  keys = new Float64Array(1024);
  slots = new Uint32Array(1024);
  size = 0;
  private log = MIN_INDEX_LOG;
  private tableKeys = new Float64Array(1 << MIN_INDEX_LOG);
  /** Slot of each table cell's key: a lookup reads the cell and nothing else. */
  private tableSlots = new Uint32Array(1 << MIN_INDEX_LOG);

  /** Slot of `key`, or -1. */
  get(key: number): number {
    const mask = (1 << this.log) - 1;
    const keys = this.tableKeys;
    let h = Math.imul(key | 0, 0x9e3779b1) >>> (32 - this.log);
    for (;;) {
      const k = keys[h]!;
      if (k === key) return this.tableSlots[h]!;
      if (k === 0) return -1;
      h = (h + 1) & mask;
    }
  }

  /** Appends `key` (which must be absent) with `slot`. */
  add(key: number, slot: number): void {
    const i = this.size++;
    if (i === this.keys.length) {
      const keys = new Float64Array(i * 2);
      keys.set(this.keys);
      this.keys = keys;
      const slots = new Uint32Array(i * 2);
      slots.set(this.slots);
      this.slots = slots;
    }
    this.keys[i] = key;
    this.slots[i] = slot;
    // At most half full, so probes stay short.
    if (this.size * 2 > 1 << this.log) this.rebuild();
    else this.place(key, slot);
  }

  /**
   * Keeps the first `n` entries of the list (rewritten in place by the caller) and reindexes. The
   * only way entries change: the table holds slots by value.
   */
  compact(n: number): void {
    this.size = n;
    this.rebuild();
  }

  bytes(): number {
    return (
      this.keys.byteLength +
      this.slots.byteLength +
      this.tableKeys.byteLength +
      this.tableSlots.byteLength
    );
  }

  private place(key: number, slot: number): void {
    const mask = (1 << this.log) - 1;
    const keys = this.tableKeys;
    let h = Math.imul(key | 0, 0x9e3779b1) >>> (32 - this.log);
    while (keys[h] !== 0) h = (h + 1) & mask;
    keys[h] = key;
    this.tableSlots[h] = slot;
  }

  private rebuild(): void {
    let log = MIN_INDEX_LOG;
    while (this.size * 2 > 1 << log) log++;
    if (log !== this.log) {
      this.log = log;
      this.tableKeys = new Float64Array(1 << log);
      this.tableSlots = new Uint32Array(1 << log);
    } else {
      this.tableKeys.fill(0);
    }
    for (let i = 0; i < this.size; i++) this.place(this.keys[i]!, this.slots[i]!);
  }
}
/** Neighbour entries the query-side row cache holds at most (8 bytes each). */
const ROW_CACHE_ENTRIES = 4_000_000;
/**
 * Changed neighbours a cached row notes before they are folded into it (a quarter of the row
 * when more): enough that most queries answer from the best list and the changes alone.
 */
const MAX_CHANGED = 256;
/** Least size of a row's cached best list: queries ask for 50 and more candidates. */
const MIN_TOP = 64;
/** Entries a best list may grow to by folds before the next query scores the row afresh. */
const TOP_CAP = 1024;
/**
 * What a cached row costs beyond its entries (the map entry, the row object, its arrays' headers),
 * in entries of 8 bytes: rows without neighbours count too, so the cap bounds how many rows exist.
 */
const ROW_BASE = 16;

/** A cached neighbour row (see `Cooccurrence.neighbours`). */
interface Row {
  ids: Uint32Array;
  counts: Float32Array;
  /** The best `ids` as of the last full scoring, best first, with their counts then. */
  top: { ids: Uint32Array; counts: Float32Array; na: number; bound: number } | null;
  /** Neighbours whose pair count changed (or that are new) since the row was built; null: none. */
  changed: Set<number> | null;
}

export class Cooccurrence {
  private pairs = new PairCounts();
  /** Context key → slot in the flat ring arrays below; no object per session. */
  private contexts = new ContextIndex();
  private ringItems = new Uint32Array(0);
  private ringLen = new Uint8Array(0);
  private ringNext = new Uint8Array(0);
  private ringTs = new Float64Array(0);
  private freeSlots: number[] = [];
  private slots = 0;
  private occurrences = new Float64Array(1024);
  /** Scores by item id for `neighbours`, reused: a popular item has thousands of neighbours. */
  private scratch = new Float64Array(0);
  private countScratch = new Float64Array(0);
  /** Position + 1 of each neighbour in the row being folded, 0 elsewhere; reused, left zeroed. */
  private positions = new Uint32Array(0);
  /**
   * Per item, its neighbours with their counts as of the last full query, the best of them as
   * scored then (`top`), and the neighbours whose pair count changed since (`changed`). Not
   * snapshotted; see `neighbours` for why answers from it are exact.
   */
  private readonly rows = new Map<number, Row>();
  /** Neighbour entries the cached rows hold (ids, counts, tops and changes). */
  private rowEntries = 0;
  /** 1 for an item whose row is cached: ingest checks it before touching the map. */
  private cached = new Uint8Array(1024);
  private readonly isType: Uint8Array;
  private batches = 0;
  private contextsOpened = 0;
  /** Per row of the batch being ingested, its context's slot or -1; reused across batches. */
  private rowSlots = new Int32Array(0);
  /** Minute up to which pairs were last forgotten (see `forget`). */
  private forgotTo = 0;

  constructor(readonly options: CooccurrenceOptions) {
    if (!(Number.isInteger(options.window) && options.window >= 1 && options.window <= 255)) {
      throw new AisleError('AISLE_INVALID_ARGUMENT', 'co-occurrence window must be 1..255');
    }
    const cap = options.rowCacheEntries;
    if (cap !== undefined && !(Number.isSafeInteger(cap) && cap >= 1)) {
      throw new AisleError(
        'AISLE_INVALID_ARGUMENT',
        'co-occurrence rowCacheEntries must be a positive integer',
      );
    }
    this.isType = new Uint8Array(256);
    for (const t of options.types) this.isType[t] = 1;
  }

  /**
   * Restores a model from `exportState` with the options it was built with. Throws
   * AisleError('AISLE_SNAPSHOT') when the state does not fit them. O(state).
   */
  static fromState(options: CooccurrenceOptions, state: CooccurrenceState): Cooccurrence {
    const out = new Cooccurrence(options);
    const cap = state.ringLen?.length ?? 0;
    const n = state.contextKeys?.length ?? 0;
    expectState(
      isArrayOf(state.ringLen, Uint8Array) &&
        isArrayOf(state.ringNext, Uint8Array, cap) &&
        isArrayOf(state.ringTs, Float64Array, cap) &&
        isArrayOf(state.ringItems, Uint32Array, cap * options.window) &&
        allBelow(state.ringLen, options.window + 1) &&
        allBelow(state.ringNext, options.window),
      'co-occurrence: ring arrays do not fit the window',
    );
    expectState(
      isCount(state.slots) &&
        state.slots <= cap &&
        isArrayOf(state.contextKeys, Float64Array) &&
        isArrayOf(state.contextSlots, Uint32Array, n) &&
        isArrayOf(state.freeSlots, Uint32Array) &&
        allBelow(state.contextSlots, state.slots) &&
        allBelow(state.freeSlots, state.slots),
      'co-occurrence: contexts or slots',
    );
    expectState(
      isArrayOf(state.occurrences, Float64Array) &&
        isCount(state.batches) &&
        isCount(state.contextsOpened),
      'co-occurrence: occurrences or batch count',
    );
    // Pairs from a snapshot without their minutes count as seen at its newest context's time.
    let newest = 0;
    for (let i = 0; i < state.slots; i++) if (state.ringTs[i]! > newest) newest = state.ringTs[i]!;
    out.pairs = PairCounts.fromState(state.pairs, minuteOf(newest));
    for (let i = 0; i < n; i++) {
      const key = state.contextKeys[i]!;
      // Keys are integer ids, never 0 (an event without one has no context).
      expectState(Number.isInteger(key) && key !== 0, 'co-occurrence: a context key is not an id');
      expectState(out.contexts.get(key) < 0, 'co-occurrence: duplicate context keys');
      out.contexts.add(key, state.contextSlots[i]!);
    }
    out.ringItems = state.ringItems;
    out.ringLen = state.ringLen;
    out.ringNext = state.ringNext;
    out.ringTs = state.ringTs;
    out.freeSlots = Array.from(state.freeSlots);
    out.slots = state.slots;
    out.occurrences = state.occurrences;
    out.batches = state.batches;
    out.contextsOpened = state.contextsOpened;
    if (state.forgotTo !== undefined) {
      expectState(isCount(state.forgotTo), 'co-occurrence: forgotTo is not a minute');
      out.forgotTo = state.forgotTo;
    }
    return out;
  }

  /** A copy of the state, consistent as of the call. O(state). */
  exportState(): CooccurrenceState {
    const n = this.contexts.size;
    const contextKeys = this.contexts.keys.slice(0, n);
    const contextSlots = this.contexts.slots.slice(0, n);
    return {
      pairs: this.pairs.exportState(),
      contextKeys,
      contextSlots,
      ringItems: this.ringItems.slice(),
      ringLen: this.ringLen.slice(),
      ringNext: this.ringNext.slice(),
      ringTs: this.ringTs.slice(),
      freeSlots: Uint32Array.from(this.freeSlots),
      slots: this.slots,
      occurrences: this.occurrences.slice(),
      batches: this.batches,
      contextsOpened: this.contextsOpened,
      forgotTo: this.forgotTo,
    };
  }

  /** Distinct unordered pairs held. */
  get pairCount(): number {
    return this.pairs.size;
  }

  get liveContexts(): number {
    return this.contexts.size;
  }

  bytes(): number {
    const rings = this.ringItems.byteLength + this.ringLen.byteLength * 2 + this.ringTs.byteLength;
    // Cached rows: about 8 bytes per id and count, more for the change sets' entries.
    const rows = this.rowEntries * 8 + this.cached.byteLength + this.positions.byteLength;
    return this.pairs.bytes() + this.occurrences.byteLength + rings + this.contexts.bytes() + rows;
  }

  /** Applies one encoded batch. O(batch × window). */
  ingest(batch: EncodedBatch): void {
    const { type, item, session, user, ref, ts, length } = batch;
    const bySession = this.options.context === 'session';
    if (this.rowSlots.length < length) this.rowSlots = new Int32Array(length);
    const rowSlots = this.rowSlots;
    let newest = -Infinity;
    // Contexts first, then the rings and pairs. Within a batch contexts are only opened (sweeps
    // run after it), so finding them all first gives every event the slot it would have had, and
    // the lookups, each a likely cache miss, overlap instead of waiting behind the pair updates.
    for (let i = 0; i < length; i++) {
      rowSlots[i] = -1;
      if (this.isType[type[i]!] !== 1) continue;
      if (item[i] === 0) continue;
      // Users without a session id get one context per user; negative keys keep them apart.
      const key = bySession ? (session[i]! !== 0 ? session[i]! : -user[i]!) : ref[i]!;
      if (key === 0) continue;
      const t = ts[i]!;
      if (t > newest) newest = t;
      rowSlots[i] = this.contextOf(key);
    }
    for (let i = 0; i < length; i++) {
      const slot = rowSlots[i]!;
      if (slot >= 0) this.place(slot, item[i]!, ts[i]!);
    }
    if (++this.batches % SWEEP_EVERY === 0 && newest > -Infinity) this.sweep(newest);
  }

  /**
   * Items most often seen with `item`, best first (ties: lower id). Score:
   * c / sqrt(na · nb) · c / (c + shrink), with c the pair's count and na, nb the items' counts.
   *
   * A full scoring visits every neighbour (thousands for a popular item); it keeps the best
   * `m ≥ 2k` of them and the score of the next one, `bound`. Later queries score only those and
   * the neighbours whose pair count changed since, which is exact: counts only grow, so a
   * neighbour whose pair did not change can only have lost score (its own count grew) or lost it
   * in the same proportion as every other (the anchor's count grew, by sqrt(na then / na now)),
   * and none of them can now beat a k-th score above `bound` so scaled. When the k-th is not
   * above it, or `k > m`, the full scoring runs again. O(m + changed) against O(degree).
   */
  neighbours(item: number, k: number): Neighbour[] {
    const na = this.occurrences[item] ?? 0;
    if (na <= 0 || k <= 0) return [];
    const cached = this.cached[item] === 1 ? this.rows.get(item) : undefined;
    if (cached?.top != null && cached.top.ids.length >= Math.min(k, cached.ids.length)) {
      const fast = this.fromTop(item, cached, na, k);
      if (fast !== null) return fast;
    }
    const { ids, counts } = this.rowOf(item);
    if (ids.length === 0) return [];
    const scoring = this.scoring(na, ids.length);
    for (let j = 0; j < ids.length; j++) scoring.add(ids[j]!, counts[j]!);
    const m = Math.max(2 * k, MIN_TOP);
    const top = scoring.top(m + 1);
    const countOf = this.countScratch;
    const row = this.rows.get(item);
    if (row !== undefined) {
      const kept = Math.min(m, top.items.length);
      const topIds = top.items.slice(0, kept);
      if (row.top !== null) this.rowEntries -= row.top.ids.length;
      row.top = {
        ids: topIds,
        counts: Float32Array.from(topIds, (b) => countOf[b]!),
        na,
        // Every neighbour is in the list when it is this short: nothing outside can compete.
        bound: top.items.length > m ? top.scores[m]! : Number.NEGATIVE_INFINITY,
      };
      this.rowEntries += kept;
    }
    return this.named(top, k);
  }

  /** `neighbours` from a row's best list and its changes, or null when that cannot be exact. */
  private fromTop(item: number, row: Row, na: number, k: number): Neighbour[] | null {
    const top = row.top!;
    const changed = row.changed;
    const scoring = this.scoring(na, top.ids.length + (changed?.size ?? 0));
    for (let j = 0; j < top.ids.length; j++) {
      const b = top.ids[j]!;
      if (changed === null || !changed.has(b)) scoring.add(b, top.counts[j]!);
    }
    if (changed !== null) for (const b of changed) scoring.add(b, this.pairs.get(item, b));
    const best = scoring.top(k);
    if (top.bound !== Number.NEGATIVE_INFINITY) {
      if (best.items.length < k) return null;
      // Scores of unchanged neighbours outside the list were at most `bound` with the anchor's
      // count then; a margin keeps rounding from deciding a tie.
      const limit = top.bound * Math.sqrt(top.na / na) * (1 + 1e-9);
      if (!(best.scores[k - 1]! > limit)) return null;
    }
    return this.named(best, k);
  }

  /**
   * Scores neighbours of an item counted `na` times into the scratch arrays (score
   * c / sqrt(na · nb) · c / (c + shrink), see `neighbours`), then ranks them.
   */
  private scoring(
    na: number,
    capacity: number,
  ): {
    add(b: number, c: number): void;
    top(k: number): TopK;
  } {
    const shrink = this.options.shrink;
    const scores = this.scoreScratch();
    const countOf = this.countScratch;
    const live = new Uint32Array(capacity);
    let n = 0;
    return {
      add: (b, c) => {
        const nb = this.occurrences[b] ?? 0;
        if (c <= 0 || nb <= 0) return;
        scores[b] = (c / Math.sqrt(na * nb)) * (c / (c + shrink));
        countOf[b] = c;
        live[n++] = b;
      },
      top: (k) => topK(live, n, scores, k),
    };
  }

  /** The first `k` of a ranking as neighbours, with the counts `scoring` noted. */
  private named(top: TopK, k: number): Neighbour[] {
    const out: Neighbour[] = [];
    for (let i = 0; i < top.items.length && i < k; i++) {
      const b = top.items[i]!;
      out.push({ item: b, score: top.scores[i]!, count: this.countScratch[b]! });
    }
    return out;
  }

  private scoreScratch(): Float64Array {
    if (this.scratch.length < this.occurrences.length) {
      this.scratch = new Float64Array(this.occurrences.length);
    }
    if (this.countScratch.length < this.occurrences.length) {
      this.countScratch = new Float64Array(this.occurrences.length);
    }
    return this.scratch;
  }

  /**
   * The cached neighbour row of `item`, with the pairs that changed since folded in; built from
   * the pair table when not cached.
   */
  private rowOf(item: number): Row {
    const cached = this.cached[item] === 1 ? this.rows.get(item) : undefined;
    if (cached !== undefined) {
      if (cached.changed !== null) this.fold(item, cached);
      return cached;
    }
    const list = this.pairs.neighboursOf(item);
    const ids = list.slice();
    const counts = new Float32Array(ids.length);
    this.pairs.countsOf(item, ids, counts);
    // Past the bound the rows cached longest go, a quarter of the cache at a time: starting over
    // instead made every anchor's next query rebuild its row at once, a burst of slow queries.
    const cap = this.options.rowCacheEntries ?? ROW_CACHE_ENTRIES;
    if (this.rowEntries + ROW_BASE + ids.length > cap) {
      this.evictRows((cap * 3) / 4 - ROW_BASE - ids.length);
    }
    const row: Row = { ids, counts, top: null, changed: null };
    this.rows.set(item, row);
    this.rowEntries += ROW_BASE + ids.length;
    if (item >= this.cached.length) {
      const bigger = new Uint8Array(Math.max(item + 1, this.cached.length * 2));
      bigger.set(this.cached);
      this.cached = bigger;
    }
    this.cached[item] = 1;
    return row;
  }

  /**
   * Brings a cached row's counts up to date with its changed neighbours (new ones appended, in
   * the order they changed) and forgets its best list, which the changes may have overtaken.
   * Reading the pair table only for the changed pairs is what keeps a popular anchor cheap: a
   * rebuild probes the table once per neighbour, thousands of cache misses. O(row + changed).
   */
  private fold(item: number, row: Row): void {
    const changed = row.changed!;
    // Neighbours are counted items, but a changed one may be new to this very event.
    let size = this.occurrences.length;
    for (const b of changed) if (b >= size) size = b + 1;
    let pos = this.positions;
    if (pos.length < size) pos = this.positions = new Uint32Array(Math.max(size, pos.length * 2));
    const { ids, counts } = row;
    for (let j = 0; j < ids.length; j++) pos[ids[j]!] = j + 1;
    let added = 0;
    for (const b of changed) if (pos[b] === 0) added++;
    let outIds = ids;
    let outCounts = counts;
    if (added > 0) {
      outIds = new Uint32Array(ids.length + added);
      outIds.set(ids);
      outCounts = new Float32Array(ids.length + added);
      outCounts.set(counts);
    }
    let n = ids.length;
    for (const b of changed) {
      const c = this.pairs.get(item, b);
      const at = pos[b]!;
      if (at !== 0) {
        outCounts[at - 1] = c;
      } else {
        outIds[n] = b;
        outCounts[n++] = c;
      }
    }
    for (let j = 0; j < ids.length; j++) pos[ids[j]!] = 0;
    const before = row.top?.ids.length ?? 0;
    row.top = row.top === null ? null : this.foldTop(item, row.top, changed, pos);
    this.rowEntries += added - changed.size + (row.top?.ids.length ?? 0) - before;
    row.ids = outIds;
    row.counts = outCounts;
    row.changed = null;
  }

  /**
   * The best list after a fold: the changed neighbours join it with their counts now, the bound
   * stays. Still exact: a neighbour outside the list was outside when it was scored and its pair
   * has not changed since (a changed one is in the list now), so its score is still at most the
   * bound scaled to the anchor's count, as `fromTop` assumes. Dropping the list instead cost the
   * next query a full scoring of the row, thousands of neighbours for a popular anchor. Null
   * (a full scoring next) once the list would pass TOP_CAP. `pos` is zeroed scratch, left zeroed.
   */
  private foldTop(
    item: number,
    top: NonNullable<Row['top']>,
    changed: ReadonlySet<number>,
    pos: Uint32Array,
  ): Row['top'] {
    const { ids, counts } = top;
    for (let j = 0; j < ids.length; j++) pos[ids[j]!] = j + 1;
    let added = 0;
    for (const b of changed) if (pos[b] === 0) added++;
    let out: Row['top'] = null;
    if (ids.length + added <= TOP_CAP) {
      const outIds = added > 0 ? new Uint32Array(ids.length + added) : ids;
      const outCounts = added > 0 ? new Float32Array(ids.length + added) : counts;
      if (added > 0) {
        outIds.set(ids);
        outCounts.set(counts);
      }
      let n = ids.length;
      for (const b of changed) {
        const c = this.pairs.get(item, b);
        const at = pos[b]!;
        if (at !== 0) {
          outCounts[at - 1] = c;
        } else {
          outIds[n] = b;
          outCounts[n++] = c;
        }
      }
      out = { ids: outIds, counts: outCounts, na: top.na, bound: top.bound };
    }
    for (let j = 0; j < ids.length; j++) pos[ids[j]!] = 0;
    return out;
  }

  /** Drops cached rows, first cached first, until they hold at most `target` entries. */
  private evictRows(target: number): void {
    for (const [item, row] of this.rows) {
      if (this.rowEntries <= target) break;
      this.rowEntries -=
        ROW_BASE + row.ids.length + (row.top?.ids.length ?? 0) + (row.changed?.size ?? 0);
      this.rows.delete(item);
      this.cached[item] = 0;
    }
  }

  private clearRows(): void {
    this.rows.clear();
    this.rowEntries = 0;
    this.cached.fill(0);
  }

  /** The pair (item, other) changed: a cached row of `item` notes it, or goes when too many did. */
  private pairChanged(item: number, other: number): void {
    if (this.cached[item] !== 1) return;
    const row = this.rows.get(item)!;
    row.changed ??= new Set();
    if (row.changed.has(other)) return;
    if (row.changed.size >= Math.max(MAX_CHANGED, row.ids.length >>> 2)) {
      this.fold(item, row);
      row.changed = new Set();
    }
    row.changed.add(other);
    this.rowEntries++;
  }

  /**
   * Renumbers one id kind (engine/retention.ts): `map[id]` is the new id of `id`, 0 when dropped,
   * kept ids in their old order and numbered 1..`size`.
   *
   * - 'item': pairs with a dropped item go, kept pairs and occurrences move to the new ids, each
   *   live context's ring loses its dropped items and keeps the rest oldest first (so it evicts
   *   in the same order as before), and the query caches start over. Neighbour lists of kept
   *   items are the old ones translated without the dropped items, scores included: a score reads
   *   only the pair's count and the two items' occurrences, which stay.
   * - the context's kind ('session' and 'user' for session contexts, whose keys are session ids
   *   or negated user ids; 'order' for order contexts): a context whose key is dropped is
   *   forgotten, as an idle one is, and the others are rekeyed.
   *
   * Counts that dropped ids contributed to under kept items (pair counts, occurrences, contexts
   * opened) stay. Other kinds are not held; a map that drops nothing changes nothing.
   * O(pair table + contexts + items).
   */
  remap(kind: IdKind, map: Uint32Array, size: number): void {
    const keys =
      this.options.context === 'session' ? kind === 'session' || kind === 'user' : kind === 'order';
    if ((kind !== 'item' && !keys) || keepsAll(map, size)) return;
    if (kind === 'item') this.remapItems(map, size);
    else this.remapContexts(map, kind === 'user');
  }

  private remapItems(map: Uint32Array, size: number): void {
    this.pairs.remap(map);
    const occ = new Float64Array(Math.max(1024, size + 1));
    const old = this.occurrences;
    const end = Math.min(map.length, old.length);
    for (let id = 1; id < end; id++) {
      const to = map[id]!;
      if (to !== 0) occ[to] = old[id]!;
    }
    this.occurrences = occ;
    const w = this.options.window;
    const ring = this.ringItems;
    const kept = new Uint32Array(w);
    // Live contexts only: a free slot's ring is stale and is reset when the slot is reused.
    const live = this.contexts;
    for (let i = 0; i < live.size; i++) {
      const slot = live.slots[i]!;
      const base = slot * w;
      const len = this.ringLen[slot]!;
      // Oldest first: a full ring's oldest entry sits at its write position.
      const start = len < w ? 0 : this.ringNext[slot]!;
      let n = 0;
      for (let j = 0; j < len; j++) {
        const at = start + j < w ? start + j : start + j - w;
        const to = map[ring[base + at]!] ?? 0;
        if (to !== 0) kept[n++] = to;
      }
      if (n === len) {
        // Nothing dropped: every entry keeps its position, so the write position stays.
        for (let j = 0; j < len; j++) {
          ring[base + (start + j < w ? start + j : start + j - w)] = kept[j]!;
        }
        continue;
      }
      ring.set(kept.subarray(0, n), base);
      ring.fill(0, base + n, base + w);
      this.ringLen[slot] = n;
      this.ringNext[slot] = n;
    }
    this.clearFreeRings();
    // The caches are keyed by old ids; they refill on the next queries.
    this.rows.clear();
    this.rowEntries = 0;
    this.cached = new Uint8Array(Math.max(1024, size + 1));
    this.scratch = new Float64Array(0);
    this.countScratch = new Float64Array(0);
    this.positions = new Uint32Array(0);
  }

  private remapContexts(map: Uint32Array, users: boolean): void {
    // Rewritten in place, order kept: kept ids map to distinct ids, so no two keys merge.
    const ctx = this.contexts;
    const { keys, slots } = ctx;
    let n = 0;
    for (let i = 0; i < ctx.size; i++) {
      const key = keys[i]!;
      const slot = slots[i]!;
      // Session and order keys are positive ids, users' keys negated ones; the other sign stays.
      if (users ? key > 0 : key < 0) {
        keys[n] = key;
        slots[n++] = slot;
        continue;
      }
      const to = map[users ? -key : key] ?? 0;
      if (to === 0) {
        this.freeSlots.push(slot);
      } else {
        keys[n] = users ? -to : to;
        slots[n++] = slot;
      }
    }
    ctx.compact(n);
    this.clearFreeRings();
  }

  /** Empties the rings of free slots, so no stale id outlives a remap in the state. */
  private clearFreeRings(): void {
    const w = this.options.window;
    for (const slot of this.freeSlots) {
      this.ringItems.fill(0, slot * w, slot * w + w);
      this.ringLen[slot] = 0;
      this.ringNext[slot] = 0;
    }
  }

  /** Contexts opened so far (a context forgotten when idle and seen again counts twice). */
  get contextCount(): number {
    return this.contextsOpened;
  }

  /** Contexts that held both items. */
  countOf(a: number, b: number): number {
    return this.pairs.get(a, b);
  }

  /** Contexts that held `item`. */
  occurrencesOf(item: number): number {
    return this.occurrences[item] ?? 0;
  }

  /**
   * How strongly two items go together: contexts holding both, their share of all contexts
   * (support), of `a`'s contexts (confidence), and confidence over `b`'s own share (lift; above 1
   * means together more than by chance). Null when no context held both.
   */
  association(a: number, b: number): Association | null {
    const both = this.pairs.get(a, b);
    if (both === 0) return null;
    const na = this.occurrencesOf(a);
    const all = this.contextsOpened;
    return {
      orders: both,
      support: both / all,
      confidence: both / na,
      lift: (both * all) / (na * this.occurrencesOf(b)),
    };
  }

  /** The ring slot of context `key`, opening the context when it is not live. */
  private contextOf(key: number): number {
    let slot = this.contexts.get(key);
    if (slot < 0) {
      slot = this.freeSlots.pop() ?? this.newSlot();
      this.contextsOpened++;
      this.contexts.add(key, slot);
      this.ringLen[slot] = 0;
      this.ringNext[slot] = 0;
    }
    return slot;
  }

  /**
   * Retention: forgets the pairs not seen together since `cutoff` (stream time, ms), the horizon
   * behind `now`; a pair seen since keeps its whole count, as a kept id keeps its history.
   * Occurrences and contexts opened stay. A sweep costs O(pair table), so it runs only once at
   * least an eighth of the horizon has passed since the last one (or the horizon was pulled in
   * past it); the query caches start over when pairs went.
   */
  forget(cutoff: number, now: number): void {
    const minute = minuteOf(cutoff);
    const step = Math.max(1, minuteOf(now - cutoff) / 8);
    if (minute < this.forgotTo + step) return;
    this.forgotTo = minute;
    if (this.pairs.forgetBefore(minute) > 0) this.clearRows();
  }

  private place(slot: number, it: number, t: number): void {
    const w = this.options.window;
    this.ringTs[slot] = t;
    const ring = this.ringItems;
    const base = slot * w;
    const len = this.ringLen[slot]!;
    for (let j = 0; j < len; j++) if (ring[base + j] === it) return;
    if (len > 0) this.pairs.touch(it, ring, base, len);
    const itCached = it < this.cached.length && this.cached[it] === 1;
    const minute = minuteOf(t);
    for (let j = 0; j < len; j++) {
      const other = ring[base + j]!;
      this.pairs.add(it, other, 1, minute);
      if (itCached) this.pairChanged(it, other);
      if (other < this.cached.length && this.cached[other] === 1) this.pairChanged(other, it);
    }
    this.countOccurrence(it);
    const next = this.ringNext[slot]!;
    ring[base + next] = it;
    this.ringNext[slot] = next + 1 === w ? 0 : next + 1;
    if (len < w) this.ringLen[slot] = len + 1;
  }

  private newSlot(): number {
    if (this.slots === this.ringLen.length) {
      const cap = Math.max(1024, this.slots * 2);
      const w = this.options.window;
      const items = new Uint32Array(cap * w);
      items.set(this.ringItems);
      this.ringItems = items;
      const len = new Uint8Array(cap);
      len.set(this.ringLen);
      this.ringLen = len;
      const next = new Uint8Array(cap);
      next.set(this.ringNext);
      this.ringNext = next;
      const ts = new Float64Array(cap);
      ts.set(this.ringTs);
      this.ringTs = ts;
    }
    return this.slots++;
  }

  private countOccurrence(it: number): void {
    if (it >= this.occurrences.length) {
      const bigger = new Float64Array(Math.max(it + 1, this.occurrences.length * 2));
      bigger.set(this.occurrences);
      this.occurrences = bigger;
    }
    this.occurrences[it] = this.occurrences[it]! + 1;
  }

  private sweep(now: number): void {
    const cutoff = now - this.options.idleMs;
    const ctx = this.contexts;
    const { keys, slots } = ctx;
    let n = 0;
    for (let i = 0; i < ctx.size; i++) {
      const slot = slots[i]!;
      if (this.ringTs[slot]! < cutoff) {
        this.freeSlots.push(slot);
      } else {
        keys[n] = keys[i]!;
        slots[n++] = slot;
      }
    }
    if (n < ctx.size) ctx.compact(n);
  }
}
