/**
 * Weighted counts of unordered item pairs, with the neighbour list of each item, and the minute of
 * stream time each pair was last counted in, so that pairs not seen together within the retention
 * horizon can be forgotten (`forgetBefore`).
 *
 * A pair is stored once, as (min, max): co-occurrence is symmetric, and one probe per update
 * instead of two halves the random memory traffic that dominates ingest.
 * Open addressing over flat typed arrays: a `Map` keyed by pairs costs an allocation and a
 * string or float key per update, which is most of the ingest budget at 500k events/s.
 * A slot's two keys, its count and its last minute sit side by side (four u32, the count as f32
 * bits: 16 bytes, so a slot never straddles a cache line), so a probe touches one line where
 * parallel arrays touched four; the snapshot still holds the arrays of the format, split on
 * export and interleaved again on restore.
 */
import { U32Slab } from './u32-slab.js';
import { allBelow, expectState, isArrayOf, isCount, sum } from '../snapshot/check.js';

const EMPTY = 0xffffffff;
/** u32 per table slot: key a, key b, count (f32 bits), minute last counted. */
const STRIDE = 4;
/** Probes `countsOf` issues together: their cells stay cached until they are resolved. */
const ROW_BLOCK = 256;
const MINUTE = 60_000;

/** The minute of stream time `ts` (ms) falls in, as a u32 (clamped at 0). */
export function minuteOf(ts: number): number {
  return ts > 0 ? Math.floor(ts / MINUTE) >>> 0 : 0;
}

/**
 * What a snapshot keeps of a pair table: the table arrays as they are (slot for slot, so no
 * rehash on restore) and the neighbour lists flattened, in first-seen order.
 */
export interface PairCountsState {
  /** Distinct pairs held. */
  used: number;
  /** Slot arrays, all of the table's power-of-two capacity; keysA is 0xffffffff in empty slots. */
  keysA: Uint32Array;
  keysB: Uint32Array;
  values: Float32Array;
  /**
   * Minute of stream time each slot's pair was last counted in (0 in empty slots). Absent in
   * snapshots from before retention: their pairs count as seen at the restore's newest minute.
   */
  seen?: Uint32Array;
  /** Per item id: neighbours held (0 for an item without a list). */
  degree: Uint32Array;
  /** Per item id: allocated length of its list (0 for none), so growth continues as it would have. */
  listCapacity: Uint32Array;
  /** Every item's neighbours, item by item, `degree[a]` entries each. */
  neighbours: Uint32Array;
}

export class PairCounts {
  private capacity: number;
  private mask: number;
  /** STRIDE u32 per slot; `counts` views the same buffer as f32. */
  private table: Uint32Array;
  private counts: Float32Array;
  private used = 0;
  /** Where `touch` leaves what it read, so the reads are not optimised away; means nothing. */
  touched = 0;
  /** `countsOf`'s slots of one block of probes. */
  private slotScratch = new Uint32Array(0);
  /**
   * Item a's list of every b with a count for {a, b}, in first-seen order, is `degree[a]` entries
   * at `listAt[a]` in `lists`, in a block of `listCap[a]` (0: no list) that doubles from 4 when
   * full. One slab and per-item typed arrays instead of an array of lists: a new pair appends to
   * two lists, and reading a list object's length to do it was a cache miss of its own.
   */
  private lists = new U32Slab();
  private listAt = new Uint32Array(0);
  private listCap = new Uint32Array(0);
  private degree = new Uint32Array(0);
  /** Largest item id with a list + 1. */
  private items = 0;

  constructor(initialCapacity = 1 << 16) {
    this.capacity = 1 << Math.ceil(Math.log2(Math.max(16, initialCapacity)));
    this.mask = this.capacity - 1;
    this.table = emptyTable(this.capacity);
    this.counts = new Float32Array(this.table.buffer);
  }

  /**
   * Restores a table from `exportState`. Throws AisleError('AISLE_SNAPSHOT') when the arrays do
   * not describe a valid table. O(capacity + neighbours).
   */
  static fromState(state: PairCountsState, legacySeen = 0): PairCounts {
    const capacity = state.keysA?.length ?? 0;
    expectState(
      capacity >= 16 && (capacity & (capacity - 1)) === 0,
      'pair counts: capacity is not a power of two >= 16',
    );
    expectState(
      isArrayOf(state.keysA, Uint32Array) &&
        isArrayOf(state.keysB, Uint32Array, capacity) &&
        isArrayOf(state.values, Float32Array, capacity) &&
        (state.seen === undefined || isArrayOf(state.seen, Uint32Array, capacity)),
      'pair counts: table arrays',
    );
    let occupied = 0;
    for (let i = 0; i < capacity; i++) if (state.keysA[i] !== EMPTY) occupied++;
    // A table more than half full would break the growth rule; a full one would probe forever.
    expectState(
      isCount(state.used) && state.used === occupied && state.used * 2 <= capacity,
      'pair counts: used does not match the table',
    );
    const items = state.degree?.length ?? 0;
    expectState(
      isArrayOf(state.degree, Uint32Array) &&
        isArrayOf(state.listCapacity, Uint32Array, items) &&
        isArrayOf(state.neighbours, Uint32Array, sum(state.degree)) &&
        allBelow(state.neighbours, items),
      'pair counts: neighbour lists',
    );
    const out = new PairCounts(16);
    out.capacity = capacity;
    out.mask = capacity - 1;
    const table = new Uint32Array(capacity * STRIDE);
    const bits = new Uint32Array(state.values.buffer, state.values.byteOffset, capacity);
    for (let i = 0, s = 0; i < capacity; i++, s += STRIDE) {
      table[s] = state.keysA[i]!;
      table[s + 1] = state.keysB[i]!;
      table[s + 2] = bits[i]!;
      if (state.keysA[i] !== EMPTY) table[s + 3] = state.seen?.[i] ?? legacySeen;
    }
    out.table = table;
    out.counts = new Float32Array(table.buffer);
    out.used = state.used;
    let at = 0;
    let blocks = 0;
    for (let a = 0; a < items; a++) blocks += state.listCapacity[a]!;
    out.lists = new U32Slab(Math.max(blocks, 16));
    out.ensureItem(items - 1);
    for (let a = 0; a < items; a++) {
      const cap = state.listCapacity[a]!;
      const d = state.degree[a]!;
      expectState(d <= cap, `pair counts: item ${a} holds more neighbours than its list`);
      if (cap === 0) continue;
      const block = out.lists.alloc(cap);
      out.lists.data.set(state.neighbours.subarray(at, at + d), block);
      out.listAt[a] = block;
      out.listCap[a] = cap;
      out.degree[a] = d;
      out.items = a + 1;
      at += d;
    }
    return out;
  }

  /** A copy of the state, consistent as of the call. O(capacity + neighbours). */
  exportState(): PairCountsState {
    const items = this.items;
    const degree = this.degree.slice(0, items);
    const listCapacity = this.listCap.slice(0, items);
    const neighbours = new Uint32Array(sum(degree));
    const data = this.lists.data;
    let at = 0;
    for (let a = 0; a < items; a++) {
      if (listCapacity[a] === 0) continue;
      neighbours.set(data.subarray(this.listAt[a]!, this.listAt[a]! + degree[a]!), at);
      at += degree[a]!;
    }
    const cap = this.capacity;
    const table = this.table;
    const keysA = new Uint32Array(cap);
    const keysB = new Uint32Array(cap);
    const values = new Float32Array(cap);
    const seen = new Uint32Array(cap);
    // Bits, not numbers, so the counts round-trip exactly as the arrays did.
    const bits = new Uint32Array(values.buffer);
    for (let i = 0, s = 0; i < cap; i++, s += STRIDE) {
      keysA[i] = table[s]!;
      keysB[i] = table[s + 1]!;
      bits[i] = table[s + 2]!;
      seen[i] = table[s + 3]!;
    }
    return {
      used: this.used,
      keysA,
      keysB,
      values,
      seen,
      degree,
      listCapacity,
      neighbours,
    };
  }

  /** Number of distinct unordered pairs held. */
  get size(): number {
    return this.used;
  }

  /** Bytes held by the table and the neighbour lists. */
  bytes(): number {
    const perItem = this.listAt.byteLength + this.listCap.byteLength + this.degree.byteLength;
    return this.capacity * STRIDE * 4 + this.lists.data.byteLength + perItem;
  }

  /**
   * Adds `w` to the count of {a, b}, seen in `minute` (see `minuteOf`; a pair keeps the newest
   * minute it was counted in). Amortised O(1).
   */
  add(x: number, y: number, w: number, minute = 0): void {
    const a = x < y ? x : y;
    const b = x < y ? y : x;
    let s = this.slot(a, b);
    if (this.table[s] === EMPTY) {
      if ((this.used + 1) * 2 > this.capacity) {
        this.grow();
        s = this.slot(a, b);
      }
      this.table[s] = a;
      this.table[s + 1] = b;
      this.used++;
      this.link(a, b);
      if (a !== b) this.link(b, a);
    }
    const counts = this.counts;
    counts[s + 2] = counts[s + 2]! + w;
    if (minute > this.table[s + 3]!) this.table[s + 3] = minute;
  }

  /** Minute {a, b} was last counted in, 0 when never seen. */
  seenAt(x: number, y: number): number {
    const a = x < y ? x : y;
    const b = x < y ? y : x;
    return this.table[this.slot(a, b) + 3]!;
  }

  /**
   * Forgets every pair last counted before `minute`, as if never seen; the others keep their
   * counts. The table is rebuilt at the smallest power of two that keeps it at most half full,
   * and each list keeps its surviving neighbours in first-seen order (in a block that fits them
   * when it lost some). Returns the pairs forgotten. O(capacity + neighbours).
   */
  forgetBefore(minute: number): number {
    const old = this.table;
    const end = this.capacity * STRIDE;
    let kept = 0;
    for (let s = 0; s < end; s += STRIDE) {
      if (old[s] !== EMPTY && old[s + 3]! >= minute) kept++;
    }
    const dropped = this.used - kept;
    if (dropped === 0) return 0;
    let capacity = 16;
    while (kept * 2 > capacity) capacity *= 2;
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.table = emptyTable(capacity);
    this.counts = new Float32Array(this.table.buffer);
    this.used = kept;
    for (let s = 0; s < end; s += STRIDE) {
      if (old[s] === EMPTY || old[s + 3]! < minute) continue;
      const to = this.slot(old[s]!, old[s + 1]!);
      this.table.set(old.subarray(s, s + STRIDE), to);
    }
    this.relist((a, b) => this.table[this.slot(a < b ? a : b, a < b ? b : a)] !== EMPTY);
    return dropped;
  }

  /**
   * Keeps in every list only the neighbours `keep` accepts, first-seen order kept, and moves the
   * lists into a slab that fits them: a list that lost entries gets the length doubling from 4
   * gives it, the others keep theirs; an item left without neighbours holds no list.
   */
  private relist(keep: (a: number, b: number) => boolean): void {
    const data = this.lists.data;
    const items = this.items;
    let blocks = 0;
    for (let a = 0; a < items; a++) {
      const cap = this.listCap[a]!;
      if (cap === 0) continue;
      const at = this.listAt[a]!;
      const d = this.degree[a]!;
      let n = 0;
      for (let j = 0; j < d; j++) {
        const b = data[at + j]!;
        if (keep(a, b)) data[at + n++] = b;
      }
      this.degree[a] = n;
      if (n === 0) {
        this.listCap[a] = 0;
        continue;
      }
      let fit = 4;
      while (fit < n) fit *= 2;
      if (n < d && fit < cap) this.listCap[a] = fit;
      blocks += this.listCap[a]!;
    }
    const lists = new U32Slab(Math.max(blocks, 16));
    let bound = 0;
    for (let a = 0; a < items; a++) {
      if (this.listCap[a] === 0) {
        this.listAt[a] = 0;
        continue;
      }
      const block = lists.alloc(this.listCap[a]!);
      lists.data.set(data.subarray(this.listAt[a]!, this.listAt[a]! + this.degree[a]!), block);
      this.listAt[a] = block;
      bound = a + 1;
    }
    this.lists = lists;
    // As a table that never held the forgotten pairs: items past the last list hold none.
    this.items = bound;
  }

  /**
   * Reads the home slot of {x, items[from + j]} for each j < n and changes nothing. Called before
   * the n `add`s of one event: the table is far bigger than the caches and each probe is a miss,
   * so starting the n loads together lets them overlap instead of waiting on one another.
   */
  touch(x: number, items: Uint32Array, from: number, n: number): void {
    const mask = this.mask;
    const table = this.table;
    let seen = 0;
    for (let j = from; j < from + n; j++) {
      const y = items[j]!;
      seen |= table[(hash(x < y ? x : y, x < y ? y : x) & mask) * STRIDE]!;
    }
    this.touched = seen;
  }

  /** Count of {a, b}, 0 when never seen. */
  get(x: number, y: number): number {
    const a = x < y ? x : y;
    const b = x < y ? y : x;
    const s = this.slot(a, b);
    return this.table[s] === EMPTY ? 0 : this.counts[s + 2]!;
  }

  /**
   * `out[j]` = `get(x, ys[j])` for every j: a whole row of counts, as a co-occurrence row is
   * built. Each probe is likely a cache miss in a table far larger than the caches; done one at
   * a time, each waits for the last. Here a block of them is hashed and its cells read in a tight
   * loop whose loads do not depend on each other, so the misses overlap, and the probes that
   * follow find the cells cached.
   */
  countsOf(x: number, ys: Uint32Array, out: Float32Array): void {
    const n = ys.length;
    let slots = this.slotScratch;
    if (slots.length < ROW_BLOCK) slots = this.slotScratch = new Uint32Array(ROW_BLOCK);
    const table = this.table;
    const counts = this.counts;
    const mask = this.mask;
    for (let from = 0; from < n; from += ROW_BLOCK) {
      const to = Math.min(n, from + ROW_BLOCK);
      let seen = 0;
      for (let j = from; j < to; j++) {
        const y = ys[j]!;
        const s = (hash(x < y ? x : y, x < y ? y : x) & mask) * STRIDE;
        slots[j - from] = s;
        seen |= table[s]!;
      }
      this.touched = seen;
      for (let j = from; j < to; j++) {
        const y = ys[j]!;
        const a = x < y ? x : y;
        const b = x < y ? y : x;
        let s = slots[j - from]!;
        for (;;) {
          const k = table[s]!;
          if (k === EMPTY) {
            out[j] = 0;
            break;
          }
          if (k === a && table[s + 1] === b) {
            out[j] = counts[s + 2]!;
            break;
          }
          s = (s + STRIDE) & (mask * STRIDE + STRIDE - 1);
        }
      }
    }
  }

  /** Items seen with `a`; a view of an internal buffer, valid until the next `add`. */
  neighboursOf(a: number): Uint32Array {
    if (!(a < this.items) || this.listCap[a] === 0) return new Uint32Array(0);
    const at = this.listAt[a]!;
    return this.lists.data.subarray(at, at + this.degree[a]!);
  }

  /**
   * Renumbers item ids (engine/retention.ts): `map[id]` is the new id of `id`, 0 when dropped,
   * kept ids in their old order. Pairs with a dropped item go; kept pairs keep their counts under
   * the new ids, and since new ids ascend with old ones each stays stored as (min, max). The
   * table is rebuilt at the smallest power of two that keeps it at most half full (the growth
   * rule), and the neighbour lists keep their first-seen order, each reallocated to the length
   * doubling from 4 gives it when it lost entries. O(capacity + neighbours).
   */
  remap(map: Uint32Array): void {
    const old = this.table;
    const end = this.capacity * STRIDE;
    let kept = 0;
    for (let s = 0; s < end; s += STRIDE) {
      const a = old[s]!;
      if (a !== EMPTY && (map[a] ?? 0) !== 0 && (map[old[s + 1]!] ?? 0) !== 0) kept++;
    }
    let capacity = 16;
    while (kept * 2 > capacity) capacity *= 2;
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.table = emptyTable(capacity);
    this.counts = new Float32Array(this.table.buffer);
    this.used = kept;
    for (let s = 0; s < end; s += STRIDE) {
      const a = old[s]!;
      if (a === EMPTY) continue;
      const ta = map[a] ?? 0;
      const tb = map[old[s + 1]!] ?? 0;
      if (ta === 0 || tb === 0) continue;
      const to = this.slot(ta, tb);
      this.table[to] = ta;
      this.table[to + 1] = tb;
      this.table[to + 2] = old[s + 2]!;
      this.table[to + 3] = old[s + 3]!;
    }
    const oldLists = this.lists.data;
    const oldAt = this.listAt;
    const oldCap = this.listCap;
    const oldDegree = this.degree;
    const items = Math.min(this.items, map.length);
    // Kept lists, renumbered in place in the old slab, then copied into a slab that fits them.
    let blocks = 0;
    let bound = 0;
    for (let a = 1; a < items; a++) {
      const to = map[a]!;
      if (oldCap[a] === 0 || to === 0) continue;
      const at = oldAt[a]!;
      const d = oldDegree[a]!;
      let n = 0;
      for (let j = 0; j < d; j++) {
        const b = map[oldLists[at + j]!] ?? 0;
        if (b !== 0) oldLists[at + n++] = b;
      }
      // An item whose every neighbour went holds no list, as if it had never paired.
      oldDegree[a] = n;
      if (n === 0) continue;
      let cap = 4;
      while (cap < n) cap *= 2;
      // Reallocated to fit only when it lost entries; otherwise it keeps its length.
      if (!(n < d && cap < oldCap[a]!)) cap = oldCap[a]!;
      oldCap[a] = cap;
      blocks += cap;
      bound = to + 1;
    }
    this.lists = new U32Slab(Math.max(blocks, 16));
    this.listAt = new Uint32Array(0);
    this.listCap = new Uint32Array(0);
    this.degree = new Uint32Array(0);
    this.items = 0;
    if (bound > 0) this.ensureItem(bound - 1);
    for (let a = 1; a < items; a++) {
      const to = map[a]!;
      const n = oldDegree[a]!;
      if (oldCap[a] === 0 || to === 0 || n === 0) continue;
      const block = this.lists.alloc(oldCap[a]!);
      this.lists.data.set(oldLists.subarray(oldAt[a]!, oldAt[a]! + n), block);
      this.listAt[to] = block;
      this.listCap[to] = oldCap[a]!;
      this.degree[to] = n;
    }
    this.items = bound;
  }

  /** Index in `table` of {a, b}'s slot, or of the empty slot where it would go. */
  private slot(a: number, b: number): number {
    const mask = this.mask;
    const table = this.table;
    let slot = hash(a, b) & mask;
    for (;;) {
      const s = slot * STRIDE;
      const k = table[s]!;
      if (k === EMPTY || (k === a && table[s + 1] === b)) return s;
      slot = (slot + 1) & mask;
    }
  }

  private link(a: number, b: number): void {
    if (a >= this.items) {
      this.ensureItem(a);
      this.items = a + 1;
    }
    const d = this.degree[a]!;
    const cap = this.listCap[a]!;
    if (cap === 0) {
      this.listAt[a] = this.lists.alloc(4);
      this.listCap[a] = 4;
    } else if (d === cap) {
      const lists = this.lists;
      const from = this.listAt[a]!;
      const to = lists.alloc(d * 2);
      // Read `data` after alloc: it may have replaced the array.
      lists.data.copyWithin(to, from, from + d);
      lists.release(from, d);
      this.listAt[a] = to;
      this.listCap[a] = d * 2;
    }
    this.lists.data[this.listAt[a]! + d] = b;
    this.degree[a] = d + 1;
  }

  /** Grows the per-item arrays to hold item `a`. */
  private ensureItem(a: number): void {
    if (a < this.degree.length) return;
    const n = Math.max(a + 1, this.degree.length * 2, 1024);
    const listAt = new Uint32Array(n);
    listAt.set(this.listAt);
    this.listAt = listAt;
    const listCap = new Uint32Array(n);
    listCap.set(this.listCap);
    this.listCap = listCap;
    const degree = new Uint32Array(n);
    degree.set(this.degree);
    this.degree = degree;
  }

  private grow(): void {
    const old = this.table;
    const end = this.capacity * STRIDE;
    this.capacity *= 2;
    this.mask = this.capacity - 1;
    const table = emptyTable(this.capacity);
    this.table = table;
    this.counts = new Float32Array(table.buffer);
    for (let s = 0; s < end; s += STRIDE) {
      const a = old[s]!;
      if (a === EMPTY) continue;
      const b = old[s + 1]!;
      const to = this.slot(a, b);
      // Field by field: a subarray per pair allocated millions of views while the table grew.
      table[to] = a;
      table[to + 1] = b;
      table[to + 2] = old[s + 2]!;
      table[to + 3] = old[s + 3]!;
    }
  }
}

/** Hash of the pair a <= b. Murmur3-style mixing of both halves keeps clustered dense ids apart. */
function hash(a: number, b: number): number {
  let h = Math.imul(a, 0xcc9e2d51) ^ Math.imul(b ^ (b >>> 16), 0x1b873593);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  return h ^ (h >>> 13);
}

/** A table of `capacity` empty slots. */
function emptyTable(capacity: number): Uint32Array {
  const table = new Uint32Array(capacity * STRIDE);
  for (let s = 0; s < table.length; s += STRIDE) table[s] = EMPTY;
  return table;
}
