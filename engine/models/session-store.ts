/**
 * Sessions by dense id, in the order they were added (the model's notion of time). Finished
 * sessions live in one flat Uint32Array addressed by offset + length; live ones, whose clicks
 * interleave, in a small array each until they are closed.
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

/** A live session as the store holds it: read it, never write it. */
export interface LiveSession {
  readonly id: number;
  readonly items: number[];
}

// Initial capacities: sessions and clicks. Arrays double from there, and a compaction
// reallocates them to fit but never below these.
const SESSIONS = 1 << 12;
const CLICKS = 1 << 16;

export class SessionStore {
  private flat = new Uint32Array(CLICKS);
  private flatLen = 0;
  private offset = new Uint32Array(SESSIONS);
  private len = new Uint32Array(SESSIONS);
  private key = new Float64Array(SESSIONS);
  private n = 0;
  private liveByKey = new Map<SessionKey, LiveSession>();
  private liveById = new Map<number, number[]>();

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
    // Shared, not copied: it is full, so the first append copies it before writing.
    out.flat = state.flat;
    out.flatLen = state.flat.length;
    let at = 0;
    const open = (key: SessionKey, id: number): void => {
      expectState(id < n && !out.liveById.has(id), 'session store: live session ids');
      if (state.keys === undefined) out.key[id] = numericKey(key);
      const end = at + state.len[id]!;
      expectState(end <= state.liveItems.length, 'session store: live clicks run short');
      const live = { id, items: Array.from(state.liveItems.subarray(at, end)) };
      at = end;
      out.liveByKey.set(key, live);
      out.liveById.set(id, live.items);
    };
    for (let i = 0; i < nNum; i++) open(state.liveNumberKeys[i]!, state.liveNumberIds[i]!);
    for (let i = 0; i < nStr; i++) open(state.liveStringKeys[i]!, state.liveStringIds[i]!);
    expectState(
      at === state.liveItems.length && out.liveByKey.size === nNum + nStr,
      'session store: live clicks or duplicate keys',
    );
    // A live session is opened under the key it records, or a compaction would miss it.
    for (const [key, live] of out.liveByKey) {
      expectState(
        out.key[live.id] === numericKey(key),
        `session store: session ${live.id} records another key`,
      );
    }
    // Finished sessions must tile `flat` exactly, each inside it.
    let finished = 0;
    for (let id = 0; id < n; id++) {
      if (out.liveById.has(id)) continue;
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
    for (const [key, live] of this.liveByKey) {
      if (typeof key === 'number') {
        liveNumberKeys.push(key);
        liveNumberIds.push(live.id);
      } else {
        liveStringKeys.push(key);
        liveStringIds.push(live.id);
      }
      liveClicks += live.items.length;
    }
    const liveItems = new Uint32Array(liveClicks);
    let at = 0;
    for (const id of [...liveNumberIds, ...liveStringIds]) {
      const items = this.liveById.get(id)!;
      for (let i = 0; i < items.length; i++) liveItems[at++] = items[i]!;
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
    return this.liveByKey.size;
  }

  /** Bytes held (allocated, so growth slack included; live sessions estimated). */
  bytes(): number {
    let live = 0;
    for (const s of this.liveByKey.values()) live += 64 + 8 * s.items.length;
    return (
      this.flat.byteLength +
      this.offset.byteLength +
      this.len.byteLength +
      this.key.byteLength +
      live
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
   * Appends a click to the live session `key` (opened on its first click) and returns the
   * session, so the caller needs no second lookup.
   */
  append(key: SessionKey, item: number): LiveSession {
    let live = this.liveByKey.get(key);
    if (live === undefined) {
      live = { id: this.newId(), items: [] };
      this.key[live.id] = numericKey(key);
      this.liveByKey.set(key, live);
      this.liveById.set(live.id, live.items);
    }
    live.items.push(item);
    this.len[live.id] = live.items.length;
    return live;
  }

  /** The id of the live session `key`, or -1. */
  liveId(key: SessionKey): number {
    return this.liveByKey.get(key)?.id ?? -1;
  }

  /** Moves the live session `key` into the flat store. */
  close(key: SessionKey): void {
    const live = this.liveByKey.get(key);
    if (live === undefined) return;
    this.ensureFlat(live.items.length);
    this.offset[live.id] = this.flatLen;
    for (const item of live.items) this.flat[this.flatLen++] = item;
    this.liveByKey.delete(key);
    this.liveById.delete(live.id);
  }

  /** Clicks of session `id`, as a view: do not keep it across additions. */
  items(id: number): ArrayLike<number> {
    const live = this.liveById.get(id);
    if (live !== undefined) return live;
    const o = this.offset[id]!;
    return this.flat.subarray(o, o + this.len[id]!);
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
    const byKey = new Map<SessionKey, LiveSession>();
    for (const [k, live] of this.liveByKey) {
      byKey.set(numericKey(k) === 0 ? k : keys[live.id]!, live);
    }
    this.liveByKey = byKey;
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
      if (keep[id] === 0 || this.liveById.has(id)) continue;
      total += items === undefined ? this.len[id]! : keptClicks(this.items(id), items);
    }
    const cap = Math.max(SESSIONS, kept);
    const offset = new Uint32Array(cap);
    const len = new Uint32Array(cap);
    const key = new Float64Array(cap);
    const flat = new Uint32Array(Math.max(CLICKS, total));
    const old = this.flat;
    let at = 0;
    for (let id = 0; id < n; id++) {
      const to = keep[id]!;
      if (to === 0) continue;
      const nid = to - 1;
      key[nid] = keys[id]!;
      const live = this.liveById.get(id);
      if (live !== undefined) {
        if (items !== undefined) keepClicks(live, items);
        len[nid] = live.length;
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
    const byKey = new Map<SessionKey, LiveSession>();
    const byId = new Map<number, number[]>();
    for (const [k, live] of this.liveByKey) {
      const to = keep[live.id]!;
      if (to === 0) continue;
      byKey.set(numericKey(k) === 0 ? k : keys[live.id]!, { id: to - 1, items: live.items });
      byId.set(to - 1, live.items);
    }
    this.flat = flat;
    this.flatLen = at;
    this.offset = offset;
    this.len = len;
    this.key = key;
    this.n = kept;
    this.liveByKey = byKey;
    this.liveById = byId;
  }

  private newId(): number {
    const id = this.n++;
    if (id >= this.offset.length) {
      this.offset = grow(this.offset, id + 1);
      this.len = grow(this.len, id + 1);
      this.key = growF64(this.key, id + 1);
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

function growF64(a: Float64Array, min: number): Float64Array<ArrayBuffer> {
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

/** Translates a live session's clicks through `items` in place, removing those mapped to 0. */
function keepClicks(clicks: number[], items: Uint32Array): void {
  let at = 0;
  for (let i = 0; i < clicks.length; i++) {
    const v = items[clicks[i]!]!;
    if (v !== 0) clicks[at++] = v;
  }
  clicks.length = at;
}
