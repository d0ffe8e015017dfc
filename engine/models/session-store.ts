/**
 * Sessions by dense id, in the order they were added (the model's notion of time). Finished
 * sessions live in one flat Uint32Array addressed by offset + length; live ones, whose clicks
 * interleave, in a small array each until they are closed.
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
}

/** A live session as the store holds it: read it, never write it. */
export interface LiveSession {
  readonly id: number;
  readonly items: number[];
}

export class SessionStore {
  private flat = new Uint32Array(1 << 16);
  private flatLen = 0;
  private offset = new Uint32Array(1 << 12);
  private len = new Uint32Array(1 << 12);
  private n = 0;
  private readonly liveByKey = new Map<SessionKey, LiveSession>();
  private readonly liveById = new Map<number, number[]>();

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
    const out = new SessionStore();
    out.n = n;
    out.offset = grow(state.offset, n);
    out.len = grow(state.len, n);
    // Shared, not copied: it is full, so the first append copies it before writing.
    out.flat = state.flat;
    out.flatLen = state.flat.length;
    let at = 0;
    const open = (key: SessionKey, id: number): void => {
      expectState(id < n && !out.liveById.has(id), 'session store: live session ids');
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
    return this.flat.byteLength + this.offset.byteLength + this.len.byteLength + live;
  }

  /** Stores a finished session and returns its id. */
  add(items: ArrayLike<number>): number {
    const id = this.newId();
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

  private newId(): number {
    const id = this.n++;
    if (id >= this.offset.length) {
      this.offset = grow(this.offset, id + 1);
      this.len = grow(this.len, id + 1);
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
