/**
 * When each id was last seen: the part that tells retention which users, items, sessions, orders
 * and queries have fallen out of the horizon. Items fed by the catalogue are pinned: they stay
 * known however long they go without events (a product on the shelf that nobody looked at is
 * still a product).
 */
import { expectState, isArrayOf } from './snapshot/check.js';
import type { EncodedBatch } from './store/index.js';
import { EVENT_TYPE_CODE } from './events.js';

/** The id kinds retention can drop and renumber (categories and locations stay: they are few). */
export type IdKind = 'user' | 'item' | 'session' | 'order' | 'query';
export const ID_KINDS: readonly IdKind[] = ['user', 'item', 'session', 'order', 'query'];

export interface ActivityState {
  /** Per kind, by id (index 0 unused): newest event time that carried the id, epoch ms. */
  user: Float64Array;
  item: Float64Array;
  session: Float64Array;
  order: Float64Array;
  query: Float64Array;
  /** By item id: 1 for an item the catalogue feed named. */
  pinned: Uint8Array;
}

const PURCHASE = EVENT_TYPE_CODE.purchase;
const SEARCH = EVENT_TYPE_CODE.search;

export class Activity {
  private seen: Record<IdKind, Float64Array> = {
    user: new Float64Array(1024),
    item: new Float64Array(1024),
    session: new Float64Array(1024),
    order: new Float64Array(1024),
    query: new Float64Array(1024),
  };
  private pin: Uint8Array<ArrayBuffer> = new Uint8Array(1024);

  /**
   * Restores from `exportState`; a snapshot written before activity was kept has none, and then
   * every id known counts as seen at `now` (nothing is dropped until a whole horizon has passed).
   */
  static fromState(
    state: ActivityState | undefined,
    sizes: Record<IdKind, number>,
    now: number,
  ): Activity {
    const out = new Activity();
    if (state === undefined) {
      const t = Number.isFinite(now) ? now : 0;
      for (const kind of ID_KINDS) {
        out.seen[kind] = new Float64Array(sizes[kind] + 1).fill(t);
        out.seen[kind][0] = 0;
      }
      out.pin = new Uint8Array(sizes.item + 1);
      return out;
    }
    for (const kind of ID_KINDS) {
      expectState(
        isArrayOf(state[kind], Float64Array) && state[kind].length >= sizes[kind] + 1,
        `activity: ${kind} times`,
      );
      out.seen[kind] = state[kind].slice();
    }
    expectState(
      isArrayOf(state.pinned, Uint8Array) && state.pinned.length >= sizes.item + 1,
      'activity: pinned items',
    );
    out.pin = state.pinned.slice();
    return out;
  }

  exportState(): ActivityState {
    return {
      user: this.seen.user.slice(),
      item: this.seen.item.slice(),
      session: this.seen.session.slice(),
      order: this.seen.order.slice(),
      query: this.seen.query.slice(),
      pinned: this.pin.slice(),
    };
  }

  /** Notes the batch's ids as seen at their events' times. O(batch). */
  ingest(batch: EncodedBatch, sizes: Record<IdKind, number>): void {
    for (const kind of ID_KINDS) this.fit(kind, sizes[kind]);
    const { ts, type, user, item, session, ref } = batch;
    const u = this.seen.user;
    const it = this.seen.item;
    const s = this.seen.session;
    const o = this.seen.order;
    const q = this.seen.query;
    for (let i = 0; i < batch.length; i++) {
      const t = ts[i]!;
      if (u[user[i]!]! < t) u[user[i]!] = t;
      if (it[item[i]!]! < t) it[item[i]!] = t;
      if (s[session[i]!]! < t) s[session[i]!] = t;
      const code = type[i]!;
      if (code === PURCHASE) {
        if (o[ref[i]!]! < t) o[ref[i]!] = t;
      } else if (code === SEARCH) {
        if (q[ref[i]!]! < t) q[ref[i]!] = t;
      }
    }
  }

  /** Marks an item as named by the catalogue feed: never dropped for inactivity. */
  pinItem(id: number): void {
    if (id >= this.pin.length) this.pin = grow8(this.pin, id + 1);
    this.pin[id] = 1;
  }

  isPinned(id: number): boolean {
    return this.pin[id] === 1;
  }

  /** Last time `id` of `kind` was seen (0 when never, or unknown). */
  lastSeen(kind: IdKind, id: number): number {
    return this.seen[kind][id] ?? 0;
  }

  /** The times array of a kind, index = id (owned: read only). Length may exceed the size. */
  times(kind: IdKind): Float64Array {
    return this.seen[kind];
  }

  /** Applies a renumbering (see engine/retention.ts). O(old size). */
  remap(kind: IdKind, map: Uint32Array, size: number): void {
    const old = this.seen[kind];
    const next = new Float64Array(Math.max(1024, size + 1));
    for (let id = 1; id < map.length && id < old.length; id++) {
      const to = map[id]!;
      if (to !== 0) next[to] = old[id]!;
    }
    this.seen[kind] = next;
    if (kind === 'item') {
      const pin = new Uint8Array(next.length);
      for (let id = 1; id < map.length && id < this.pin.length; id++) {
        const to = map[id]!;
        if (to !== 0) pin[to] = this.pin[id]!;
      }
      this.pin = pin;
    }
  }

  private fit(kind: IdKind, size: number): void {
    const a = this.seen[kind];
    if (size < a.length) return;
    const next = new Float64Array(Math.max(size + 1, a.length * 2));
    next.set(a);
    this.seen[kind] = next;
    if (kind === 'item' && this.pin.length < next.length) this.pin = grow8(this.pin, next.length);
  }
}

function grow8(a: Uint8Array, min: number): Uint8Array<ArrayBuffer> {
  const next = new Uint8Array(Math.max(min, a.length * 2));
  next.set(a);
  return next;
}
