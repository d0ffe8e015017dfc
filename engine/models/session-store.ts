/**
 * Sessions by dense id, in the order they were added (the model's notion of time). Finished
 * sessions live in one flat Uint32Array addressed by offset + length; live ones, whose clicks
 * interleave, in a block each of a shared pool until they are closed. Blocks come in power-of-
 * two sizes with a free list per size, so opening, growing and closing sessions allocates no JS
 * object and the pool's memory is reused.
 *
 * Every session remembers the numeric key it was opened under, so that a retention compaction
 * can tell which stored sessions belong to a dropped session or user id and remove them
 * (`compact`): that is how old sessions leave the index.
 */
import { allBelow, expectState, isArrayOf } from '../snapshot/check.js';

/** A live session key: whatever the caller identifies its open sessions by. */
export type SessionKey = string | number;

/**
 * What a snapshot keeps of a store. Keys are split by type so numeric ones, the common case,
 * travel as a typed array rather than in the JSON header.
 */
export interface SessionStoreState {
  /** Per session id: clicks held. */
  len: Uint32Array;
  /** Per session id: start in `flat` (meaningless for live sessions). */
  offset: Uint32Array;
  /** Clicks of the finished sessions, in the order they were finished. */
  flat: Uint32Array;
  /** Live sessions with a numeric key: keys and ids. */
  liveNumberKeys: Float64Array;
  liveNumberIds: Uint32Array;
  /** Live sessions with a string key: keys and ids. */
  liveStringKeys: string[];
  liveStringIds: Uint32Array;
  /** Clicks of the live sessions, numeric keys first, each `len[id]` long. */
  liveItems: Uint32Array;
  /**
   * Per session id: the numeric key it was opened under, 0 for a string key or none (sessions
   * added whole). Absent in snapshots from before retention: their finished sessions restore
   * with key 0, which no compaction drops, and their live ones with their live keys.
   */
  keys?: Float64Array;
}

// Initial capacities: sessions and clicks. Arrays double from there, and a compaction
// reallocates them to fit but never below these.
const SESSIONS = 1 << 12;
const CLICKS = 1 << 16;
// Smallest pool block (clicks); block sizes double from it. Most sessions fit the first.
const BLOCK = 8;
const NO_BLOCK = 0xffff_ffff;

export class SessionStore {
  private flat = new Uint32Array(CLICKS);
  private flatLen = 0;
  private offset = new Uint32Array(SESSIONS);
  private len = new Uint32Array(SESSIONS);
  private key = new Float64Array(SESSIONS);
  // Per session id: start of its block in `pool` + 1 while it is live, else 0.
  private liveAt = new Uint32Array(SESSIONS);
  private n = 0;
  // Live sessions under a numeric key (entry → session id), then under a string key; each in
  // the order they opened.
  private liveNumbers = new KeyTable();
  private liveNumberId = new Uint32Array(16);
  private liveStrings = new Map<string, number>();
  // Clicks of the live sessions, a block each, and per block size the first free block.
  private pool = new Uint32Array(CLICKS);
  private poolLen = 0;
  private freeBlocks = new Uint32Array(32).fill(NO_BLOCK);

  /**
   * Restores a store from `exportState` without modifying the state. With `items`, every click
   * must be below it. Throws AisleError('AISLE_SNAPSHOT') naming what does not fit. O(state).
   */
  static fromState(state: SessionStoreState, items = Infinity): SessionStore {
    expectState(typeof state === 'object' && state !== null, 'session store: not an object');
    const n = state.len?.length ?? 0;
    expectState(
      isArrayOf(state.len, Uint32Array) &&
        isArrayOf(state.offset, Uint32Array, n) &&
        isArrayOf(state.flat, Uint32Array) &&
        isArrayOf(state.liveItems, Uint32Array),
      'session store: session arrays',
    );
    const nNum = state.liveNumberKeys?.length ?? 0;
    const nStr = Array.isArray(state.liveStringKeys) ? state.liveStringKeys.length : 0;
    expectState(
      isArrayOf(state.liveNumberKeys, Float64Array) &&
        isArrayOf(state.liveNumberIds, Uint32Array, nNum) &&
        Array.isArray(state.liveStringKeys) &&
        state.liveStringKeys.every((k) => typeof k === 'string') &&
        isArrayOf(state.liveStringIds, Uint32Array, nStr),
      'session store: live session keys',
    );
    expectState(
      state.keys === undefined || (isArrayOf(state.keys, Float64Array, n) && validKeys(state.keys)),
      'session store: session keys',
    );
    const out = new SessionStore();
    out.n = n;
    out.offset = grow(state.offset, n);
    out.len = grow(state.len, n);
    out.key = growF64(state.keys ?? new Float64Array(n), n);
    out.liveAt = new Uint32Array(out.offset.length);
    // Shared, not copied: it is full, so the first append copies it before writing.
    out.flat = state.flat;
    out.flatLen = state.flat.length;
    let at = 0;
    let duplicate = false;
    const open = (key: SessionKey, id: number): void => {
      expectState(id < n && out.liveAt[id] === 0, 'session store: live session ids');
      if (state.keys === undefined) out.key[id] = numericKey(key);
      const end = at + state.len[id]!;
      expectState(end <= state.liveItems.length, 'session store: live clicks run short');
      const block = out.alloc(blockSize(end - at));
      out.pool.set(state.liveItems.subarray(at, end), block);
      out.liveAt[id] = block + 1;
      at = end;
      duplicate ||= out.liveId(key) >= 0;
      if (!duplicate) out.keep(key, id);
    };
    for (let i = 0; i < nNum; i++) open(state.liveNumberKeys[i]!, state.liveNumberIds[i]!);
    for (let i = 0; i < nStr; i++) open(state.liveStringKeys[i]!, state.liveStringIds[i]!);
    expectState(
      at === state.liveItems.length && !duplicate,
      'session store: live clicks or duplicate keys',
    );
    // A live session is opened under the key it records, or a compaction would miss it.
    out.forEachLive((key, id) => {
      expectState(
        out.key[id] === numericKey(key),
        `session store: session ${id} records another key`,
      );
    });
    // Finished sessions must tile `flat` exactly, each inside it.
    let finished = 0;
    for (let id = 0; id < n; id++) {
      if (out.liveAt[id] !== 0) continue;
      const end = state.offset[id]! + state.len[id]!;
      expectState(end <= out.flatLen, `session store: session ${id} runs past the clicks`);
      finished += state.len[id]!;
    }
    expectState(finished === out.flatLen, 'session store: finished clicks do not add up');
    expectState(
      allBelow(state.flat, items) && allBelow(state.liveItems, items),
      'session store: clicks on unknown items',
    );
    return out;
  }

  /** A copy of the store. O(state). */
  exportState(): SessionStoreState {
    const liveNumberKeys: number[] = [];
    const liveNumberIds: number[] = [];
    const liveStringKeys: string[] = [];
    const liveStringIds: number[] = [];
    let liveClicks = 0;
    this.forEachLive((key, id) => {
      if (typeof key === 'number') {
        liveNumberKeys.push(key);
        liveNumberIds.push(id);
      } else {
        liveStringKeys.push(key);
        liveStringIds.push(id);
      }
      liveClicks += this.len[id]!;
    });
    const liveItems = new Uint32Array(liveClicks);
    let at = 0;
    for (const id of [...liveNumberIds, ...liveStringIds]) {
      liveItems.set(this.items(id), at);
      at += this.len[id]!;
    }
    return {
      len: this.len.slice(0, this.n),
      offset: this.offset.slice(0, this.n),
      flat: this.flat.slice(0, this.flatLen),
      liveNumberKeys: Float64Array.from(liveNumberKeys),
      liveNumberIds: Uint32Array.from(liveNumberIds),
      liveStringKeys,
      liveStringIds: Uint32Array.from(liveStringIds),
      liveItems,
      keys: this.key.slice(0, this.n),
    };
  }

  /** Sessions stored (finished and live); ids are 0 .. count-1. */
  get count(): number {
    return this.n;
  }

  /** Live (open) sessions. */
  get liveCount(): number {
    return this.liveNumbers.size + this.liveStrings.size;
  }

  /** Bytes held (allocated, so growth slack included; string keys estimated). */
  bytes(): number {
    return (
      this.flat.byteLength +
      this.offset.byteLength +
      this.len.byteLength +
      this.key.byteLength +
      this.liveAt.byteLength +
      this.pool.byteLength +
      this.liveNumbers.bytes() +
      this.liveNumberId.byteLength +
      this.liveStrings.size * 64
    );
  }

  /** Stores a finished session (with no key) and returns its id. */
  add(items: ArrayLike<number>): number {
    const id = this.newId();
    this.key[id] = 0;
    this.ensureFlat(items.length);
    this.offset[id] = this.flatLen;
    this.len[id] = items.length;
    for (let i = 0; i < items.length; i++) this.flat[this.flatLen++] = items[i]!;
    return id;
  }

  /**
   * Appends a click to live session `id` (from `open` or `liveId`) and returns the click before
   * it, or -1 when it is the first: a caller that keeps the id spares the key lookup per click.
   */
  appendTo(id: number, item: number): number {
    const length = this.len[id]!;
    let at = this.liveAt[id]! - 1;
    if (length >= BLOCK && (length & (length - 1)) === 0) {
      // The block is full: move the clicks to one twice the size.
      const moved = this.alloc(2 * length);
      this.pool.copyWithin(moved, at, at + length);
      this.release(at, length);
      at = moved;
      this.liveAt[id] = at + 1;
    }
    const pool = this.pool;
    pool[at + length] = item;
    this.len[id] = length + 1;
    return length > 0 ? pool[at + length - 1]! : -1;
  }

  /** The id of the live session `key`, or -1. */
  liveId(key: SessionKey): number {
    if (typeof key === 'number') {
      const e = this.liveNumbers.find(key);
      return e < 0 ? -1 : this.liveNumberId[e]!;
    }
    return this.liveStrings.get(key) ?? -1;
  }

  /** Moves the live session `key` into the flat store. */
  close(key: SessionKey): void {
    let id: number;
    if (typeof key === 'number') {
      const e = this.liveNumbers.find(key);
      if (e < 0) return;
      id = this.liveNumberId[e]!;
      this.liveNumbers.remove(e);
    } else {
      const found = this.liveStrings.get(key);
      if (found === undefined) return;
      id = found;
      this.liveStrings.delete(key);
    }
    const length = this.len[id]!;
    const at = this.liveAt[id]! - 1;
    this.ensureFlat(length);
    this.offset[id] = this.flatLen;
    const pool = this.pool;
    const flat = this.flat;
    let to = this.flatLen;
    for (let i = at; i < at + length; i++) flat[to++] = pool[i]!;
    this.flatLen = to;
    this.release(at, length);
    this.liveAt[id] = 0;
  }

  /** Clicks of session `id`, as a view: do not keep it across additions. */
  items(id: number): Uint32Array {
    const live = this.liveAt[id]!;
    if (live !== 0) return this.pool.subarray(live - 1, live - 1 + this.len[id]!);
    const o = this.offset[id]!;
    return this.flat.subarray(o, o + this.len[id]!);
  }

  /**
   * The array that holds the clicks of session `id`, where `spans` says: what `items` views,
   * without making a view, for loops that visit many sessions per query. Do not keep it across
   * additions (they may move the clicks to a new array).
   */
  buffer(id: number): Uint32Array {
    return this.liveAt[id] !== 0 ? this.pool : this.flat;
  }

  /**
   * Click counts of sessions `ids[0 .. n)` into `out`. One tight pass whose loads do not depend
   * on each other, so the CPU overlaps their cache misses instead of paying them one by one.
   */
  lengths(ids: Uint32Array, n: number, out: Uint32Array): void {
    const len = this.len;
    for (let i = 0; i < n; i++) out[i] = len[ids[i]!]!;
  }

  /**
   * Where the clicks of sessions `ids[0 .. n)` start in their `buffer`, into `starts`, and how
   * many they are, into `lengths`: in one pass, for the same reason as `lengths`.
   */
  spans(ids: Uint32Array, n: number, starts: Uint32Array, lengths: Uint32Array): void {
    const liveAt = this.liveAt;
    const offset = this.offset;
    const len = this.len;
    for (let i = 0; i < n; i++) {
      const id = ids[i]!;
      const live = liveAt[id]!;
      starts[i] = live !== 0 ? live - 1 : offset[id]!;
      lengths[i] = len[id]!;
    }
  }

  /** Number of clicks of session `id`. */
  length(id: number): number {
    return this.len[id]!;
  }

  /** The numeric key session `id` was opened under (0 for a string key or none). */
  keyOf(id: number): number {
    return this.key[id]!;
  }

  /**
   * Gives every session the numeric key `keys[id]` (the keys of a compaction that removes no
   * session); live sessions under a key that names an id move to their new key, in the same
   * order. Other keys stay. O(sessions).
   */
  setKeys(keys: Float64Array): void {
    this.key.set(keys.subarray(0, this.n));
    this.rekeyLive(keys, (id) => id);
  }

  /**
   * Compacts the store: session `id` becomes `keep[id] - 1`, or goes when `keep[id]` is 0; kept
   * sessions must keep their order and number 0 .. kept-1, so recency (the id) keeps its order.
   * `keys[id]` is the kept session's new numeric key. With `items`, every click `i` becomes
   * `items[i]` and clicks mapped to 0 are removed (the caller removes sessions left empty).
   * Arrays are reallocated to fit; finished clicks are laid out by session id. Live sessions
   * keep their order. O(sessions + clicks).
   */
  compact(keep: Uint32Array, kept: number, keys: Float64Array, items?: Uint32Array): void {
    const n = this.n;
    let total = 0;
    for (let id = 0; id < n; id++) {
      if (keep[id] === 0 || this.liveAt[id] !== 0) continue;
      total += items === undefined ? this.len[id]! : keptClicks(this.items(id), items);
    }
    const cap = Math.max(SESSIONS, kept);
    const offset = new Uint32Array(cap);
    const len = new Uint32Array(cap);
    const key = new Float64Array(cap);
    const liveAt = new Uint32Array(cap);
    const flat = new Uint32Array(Math.max(CLICKS, total));
    const old = this.flat;
    // Live clicks move to a new pool that fits them.
    const oldPool = this.pool;
    this.pool = new Uint32Array(CLICKS);
    this.poolLen = 0;
    this.freeBlocks.fill(NO_BLOCK);
    let at = 0;
    for (let id = 0; id < n; id++) {
      const to = keep[id]!;
      if (to === 0) continue;
      const nid = to - 1;
      key[nid] = keys[id]!;
      if (this.liveAt[id] !== 0) {
        const start = this.liveAt[id]! - 1;
        const clicks = oldPool.subarray(start, start + this.len[id]!);
        const length = items === undefined ? clicks.length : keptClicks(clicks, items);
        const block = this.alloc(blockSize(length));
        let w = block;
        for (let i = 0; i < clicks.length; i++) {
          const v = items === undefined ? clicks[i]! : items[clicks[i]!]!;
          if (v !== 0) this.pool[w++] = v;
        }
        liveAt[nid] = block + 1;
        len[nid] = length;
        continue;
      }
      const start = this.offset[id]!;
      const end = start + this.len[id]!;
      offset[nid] = at;
      if (items === undefined) {
        flat.set(old.subarray(start, end), at);
        at += end - start;
      } else {
        for (let i = start; i < end; i++) {
          const v = items[old[i]!]!;
          if (v !== 0) flat[at++] = v;
        }
      }
      len[nid] = at - offset[nid]!;
    }
    this.flat = flat;
    this.flatLen = at;
    this.offset = offset;
    this.len = len;
    this.key = key;
    this.liveAt = liveAt;
    this.n = kept;
    this.rekeyLive(keys, (id) => keep[id]! - 1);
  }

  /**
   * Rebuilds the live keys in their order: a session `id` under a key naming an id moves to key
   * `keys[id]`, and every session to id `to(id)`, or goes when that is -1.
   */
  private rekeyLive(keys: Float64Array, to: (id: number) => number): void {
    const numbers = this.liveNumbers;
    const numberId = this.liveNumberId;
    const strings = this.liveStrings;
    this.liveNumbers = new KeyTable();
    this.liveNumberId = new Uint32Array(16);
    this.liveStrings = new Map();
    for (let e = numbers.first(); e >= 0; e = numbers.next(e)) {
      const id = numberId[e]!;
      const nid = to(id);
      if (nid < 0) continue;
      const k = numbers.keys[e]!;
      this.keep(numericKey(k) === 0 ? k : keys[id]!, nid);
    }
    for (const [k, id] of strings) {
      const nid = to(id);
      if (nid >= 0) this.keep(k, nid);
    }
  }

  /** Records `key` (not live yet) as the key of live session `id`. */
  private keep(key: SessionKey, id: number): void {
    if (typeof key !== 'number') {
      this.liveStrings.set(key, id);
      return;
    }
    const e = this.liveNumbers.add(key);
    if (e >= this.liveNumberId.length) {
      const grown = new Uint32Array(this.liveNumbers.capacity);
      grown.set(this.liveNumberId);
      this.liveNumberId = grown;
    }
    this.liveNumberId[e] = id;
  }

  /** Calls `f` on every live session, numeric keys first, each kind in opening order. */
  private forEachLive(f: (key: SessionKey, id: number) => void): void {
    const numbers = this.liveNumbers;
    for (let e = numbers.first(); e >= 0; e = numbers.next(e)) {
      f(numbers.keys[e]!, this.liveNumberId[e]!);
    }
    for (const [k, id] of this.liveStrings) f(k, id);
  }

  /**
   * Opens a live session under `key`, which must not be live, and returns its id. It is stored
   * (and exported) from then on, empty until its first click.
   */
  open(key: SessionKey): number {
    const id = this.newId();
    this.key[id] = numericKey(key);
    this.len[id] = 0;
    this.liveAt[id] = this.alloc(BLOCK) + 1;
    this.keep(key, id);
    return id;
  }

  /** A free block of `size` clicks (a power of two, at least BLOCK): its start in `pool`. */
  private alloc(size: number): number {
    const c = sizeClass(size);
    const head = this.freeBlocks[c]!;
    if (head !== NO_BLOCK) {
      this.freeBlocks[c] = this.pool[head]!;
      return head;
    }
    const at = this.poolLen;
    if (at + size > this.pool.length) this.pool = grow(this.pool, at + size);
    this.poolLen = at + size;
    return at;
  }

  /** Frees the block at `at` that holds `length` clicks. */
  private release(at: number, length: number): void {
    const c = sizeClass(blockSize(length));
    this.pool[at] = this.freeBlocks[c]!;
    this.freeBlocks[c] = at;
  }

  private newId(): number {
    const id = this.n++;
    if (id >= this.offset.length) {
      this.offset = grow(this.offset, id + 1);
      this.len = grow(this.len, id + 1);
      this.key = growF64(this.key, id + 1);
      this.liveAt = grow(this.liveAt, id + 1);
    }
    return id;
  }

  private ensureFlat(extra: number): void {
    if (this.flatLen + extra > this.flat.length) this.flat = grow(this.flat, this.flatLen + extra);
  }
}

/** A copy of `a` at least `min` long (at least doubled, so appends stay amortised O(1)). */
export function grow(a: Uint32Array, min: number): Uint32Array<ArrayBuffer> {
  const out = new Uint32Array(Math.max(min, a.length * 2));
  out.set(a);
  return out;
}

/** A copy of `a` at least `min` long, at least doubled. */
export function growF64(a: Float64Array, min: number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(Math.max(min, a.length * 2));
  out.set(a);
  return out;
}

/**
 * The key a session records: a numeric key that can be a dictionary id or its negation, else 0
 * (string keys and any other number name no id, so no compaction removes their sessions).
 */
function numericKey(key: SessionKey): number {
  return typeof key === 'number' && Number.isInteger(key) && key !== 0 && Math.abs(key) <= MAX_ID
    ? key
    : 0;
}

const MAX_ID = 0xffff_ffff;

/** Keys are whole numbers a Uint32 dictionary id can be, or its negation. */
function validKeys(keys: Float64Array): boolean {
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (!(Number.isInteger(k) && Math.abs(k) <= MAX_ID)) return false;
  }
  return true;
}

/** Clicks of `clicks` that `items` keeps (maps to a non-zero id). */
function keptClicks(clicks: ArrayLike<number>, items: Uint32Array): number {
  let c = 0;
  for (let i = 0; i < clicks.length; i++) if (items[clicks[i]!] !== 0) c++;
  return c;
}

/** Clicks a pool block holds for a session of `length` clicks. */
function blockSize(length: number): number {
  return length <= BLOCK ? BLOCK : 2 ** (32 - Math.clz32(length - 1));
}

/** Free-list index of a block size. */
function sizeClass(size: number): number {
  return 31 - Math.clz32(size / BLOCK);
}

/**
 * Numeric keys → small dense entry numbers, kept in insertion order like a Map's keys, without
 * a JS object or Map entry per key: callers keep their per-entry values in typed arrays indexed
 * by entry (at least `capacity` long). Keys compare like Map keys (SameValueZero). Freed entry
 * numbers are reused. Open addressing with linear probing and backward-shift removal.
 */
export class KeyTable {
  /** Key of each entry in use. */
  keys = new Float64Array(16);
  /** Entries in use. */
  size = 0;
  private after = new Int32Array(16);
  private before = new Int32Array(16);
  // Entry + 1 per slot, 0 when empty; at most half full.
  private slots = new Int32Array(32);
  private head = -1;
  private tail = -1;
  private free = -1;
  private used = 0;

  /** Length the callers' per-entry arrays need. */
  get capacity(): number {
    return this.keys.length;
  }

  /** The entry of `key`, or -1. */
  find(key: number): number {
    const slots = this.slots;
    const keys = this.keys;
    const mask = slots.length - 1;
    for (let s = hashKey(key) & mask; ; s = (s + 1) & mask) {
      const e = slots[s]! - 1;
      if (e < 0) return -1;
      const k = keys[e]!;
      if (k === key || (k !== k && key !== key)) return e;
    }
  }

  /** Adds `key`, which must be absent, last in order; returns its entry. */
  add(key: number): number {
    if (2 * (this.size + 1) > this.slots.length) this.rehash(this.slots.length * 2);
    let e = this.free;
    if (e >= 0) this.free = this.after[e]!;
    else {
      e = this.used++;
      if (e === this.keys.length) this.growEntries();
    }
    // Map keys hold +0 for -0.
    this.keys[e] = key === 0 ? 0 : key;
    this.place(e);
    this.after[e] = -1;
    this.before[e] = this.tail;
    if (this.tail >= 0) this.after[this.tail] = e;
    else this.head = e;
    this.tail = e;
    this.size++;
    return e;
  }

  /** Removes entry `e` (in use); the other entries keep their order. */
  remove(e: number): void {
    const slots = this.slots;
    const mask = slots.length - 1;
    let i = hashKey(this.keys[e]!) & mask;
    while (slots[i] !== e + 1) i = (i + 1) & mask;
    // Backward shift: pull later entries of the probe run into the hole so lookups stay exact.
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const f = slots[j]!;
      if (f === 0) break;
      const h = hashKey(this.keys[f - 1]!) & mask;
      const stays = i <= j ? i < h && h <= j : i < h || h <= j;
      if (!stays) {
        slots[i] = f;
        i = j;
      }
    }
    slots[i] = 0;
    const a = this.after[e]!;
    const b = this.before[e]!;
    if (b >= 0) this.after[b] = a;
    else this.head = a;
    if (a >= 0) this.before[a] = b;
    else this.tail = b;
    this.after[e] = this.free;
    this.free = e;
    this.size--;
  }

  /** The oldest entry, or -1. */
  first(): number {
    return this.head;
  }

  /** The entry added after `e`, or -1. */
  next(e: number): number {
    return this.after[e]!;
  }

  /** Bytes held. */
  bytes(): number {
    return this.keys.byteLength * 2 + this.slots.byteLength;
  }

  private place(e: number): void {
    const slots = this.slots;
    const mask = slots.length - 1;
    let s = hashKey(this.keys[e]!) & mask;
    while (slots[s] !== 0) s = (s + 1) & mask;
    slots[s] = e + 1;
  }

  private rehash(size: number): void {
    this.slots = new Int32Array(size);
    for (let e = this.head; e >= 0; e = this.after[e]!) this.place(e);
  }

  private growEntries(): void {
    const n = this.keys.length * 2;
    this.keys = growF64(this.keys, n);
    const after = new Int32Array(n);
    after.set(this.after);
    this.after = after;
    const before = new Int32Array(n);
    before.set(this.before);
    this.before = before;
  }
}

const bits = new Float64Array(1);
const bitWords = new Uint32Array(bits.buffer);

function hashKey(key: number): number {
  let h: number;
  if ((key | 0) === key) h = key | 0;
  else if (key !== key) h = 0;
  else {
    bits[0] = key;
    h = bitWords[0]! ^ Math.imul(bitWords[1]!, 0x9e3779b1);
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return h ^ (h >>> 13);
}
