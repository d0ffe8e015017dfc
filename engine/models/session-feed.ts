/**
 * The live stream into a SessionKnn: views and add-to-carts become clicks of their session, and
 * sessions close after a stretch of inactivity or at a length cap. A click counts in the very
 * next answer.
 *
 * Memory: SessionKnn keeps every session it was given until a retention compaction drops its
 * session id (or, for a session-less stream, its user id): `remap` then removes it from the
 * index and renumbers the rest, which is how old sessions leave. Growth per finished session is
 * 16 bytes (length, offset, key) plus, per click, 4 in the store, 4 in the item's session list
 * and up to 8 for a new transition pair, with up to 2x slack on the growable lists. On the
 * Diginetica sessions (4.9 clicks each, 43k items) that came to ~95 bytes per session before
 * the key was recorded, ~20 per click; `bytes()` reports it.
 */
import type { IdKind } from '../activity.js';
import { AisleError } from '../errors.js';
import { EVENT_TYPE_CODE } from '../events.js';
import { expectState, isArrayOf } from '../snapshot/check.js';
import type { EncodedBatch } from '../store/index.js';
import { KeyTable } from './session-store.js';
import {
  SessionKnn,
  type Recommendation,
  type SessionKnnParams,
  type SessionKnnState,
} from './session-knn.js';

export interface SessionFeedOptions {
  /** A session idle longer than this (stream time, ms) is closed; its next click opens a new one. */
  idleMs: number;
  /** Clicks a session holds at most; the click after that opens a new session. */
  maxSessionLength: number;
}

export const DEFAULT_SESSION_FEED_OPTIONS: SessionFeedOptions = {
  // The usual web-analytics session timeout.
  idleMs: 30 * 60_000,
  // Longer sessions are mostly crawlers; capping them also bounds STAN's walk over a neighbour.
  maxSessionLength: 200,
};

/**
 * What a snapshot keeps of a feed: the model and the feed's own bookkeeping of live sessions, in
 * the order they opened, so sweeps after a restore close the same sessions in the same order.
 */
export interface SessionFeedState {
  model: SessionKnnState;
  /** Live session keys: session ids, or negated user ids for clicks without a session. */
  keys: Float64Array;
  /** Per live session: time of its latest click, its clicks, its latest user (0 for none). */
  lastTs: Float64Array;
  clicks: Uint32Array;
  users: Uint32Array;
  /** User id → key of the live session they clicked in last. */
  userIds: Uint32Array;
  userKeys: Float64Array;
  /** Newest event time seen (-Infinity before the first click). */
  now: number;
  /** Stream time at which the next idle sweep is due. */
  nextSweep: number;
}

const VIEW = EVENT_TYPE_CODE.view;
const CART = EVENT_TYPE_CODE.add_to_cart;
const NONE: Recommendation = { items: new Uint32Array(0), scores: new Float64Array(0) };

export class SessionFeed {
  readonly options: SessionFeedOptions;
  // Live sessions by key, in the order they opened, and per entry of `live` the session's
  // latest click time, clicks and latest user (0 for none). Typed arrays rather than a Map of
  // objects: every click reads them and every session opens and closes one.
  private live = new KeyTable();
  private lastTs = new Float64Array(16);
  private clicks = new Uint32Array(16);
  private users = new Uint32Array(16);
  // Per entry of `live`: the model's id of the session, so a click costs one key lookup, not
  // two; and the entry of `userKey` its user had when last set, to skip setting it again.
  private sessionIds = new Uint32Array(16);
  private userAt = new Uint32Array(16);
  // User id → key of the live session they clicked in last, in insertion order like a Map.
  private userKey = new KeyTable();
  private userKeyOf = new Float64Array(16);
  private now = -Infinity;
  private nextSweep = -Infinity;
  // The last click's key and user: consecutive clicks of one user's session skip a Map write.
  private lastKey = NaN;
  private lastUser = 0;

  constructor(
    readonly model: SessionKnn = new SessionKnn(),
    options: Partial<SessionFeedOptions> = {},
  ) {
    this.options = { ...DEFAULT_SESSION_FEED_OPTIONS, ...options };
    const { idleMs, maxSessionLength } = this.options;
    if (!(idleMs >= 0) || !(Number.isInteger(maxSessionLength) && maxSessionLength >= 1)) {
      throw new AisleError(
        'AISLE_INVALID_ARGUMENT',
        'session feed: idleMs must be >= 0 and maxSessionLength an integer >= 1',
      );
    }
  }

  /**
   * Restores a feed from `exportState` with the parameters and options it was built with; the
   * state is not modified. Throws AisleError('AISLE_SNAPSHOT') naming what is malformed. O(state).
   */
  static fromState(
    params: Partial<SessionKnnParams>,
    options: Partial<SessionFeedOptions>,
    state: SessionFeedState,
  ): SessionFeed {
    expectState(typeof state === 'object' && state !== null, 'session feed: not an object');
    const feed = new SessionFeed(SessionKnn.fromState(params, state.model), options);
    const n = state.keys?.length ?? 0;
    expectState(
      isArrayOf(state.keys, Float64Array) &&
        isArrayOf(state.lastTs, Float64Array, n) &&
        isArrayOf(state.clicks, Uint32Array, n) &&
        isArrayOf(state.users, Uint32Array, n),
      'session feed: live session arrays',
    );
    let duplicate = false;
    for (let i = 0; i < n; i++) {
      const key = state.keys[i]!;
      const clicks = state.clicks[i]!;
      const held = feed.model.liveLength(key);
      expectState(held > 0, `session feed: session ${key} is not live in the model`);
      // The feed's count must match the model's, or the length cap would drift.
      expectState(
        clicks === held,
        `session feed: session ${key} holds ${held} clicks, not ${clicks}`,
      );
      // A repeated key takes the later values at the earlier place, as a Map would.
      let e = feed.live.find(key);
      if (e < 0) e = feed.openEntry(key);
      else duplicate = true;
      feed.lastTs[e] = state.lastTs[i]!;
      feed.clicks[e] = clicks;
      feed.users[e] = state.users[i]!;
      feed.sessionIds[e] = feed.model.liveId(key);
    }
    expectState(!duplicate, 'session feed: duplicate live session keys');
    const u = state.userIds?.length ?? 0;
    expectState(
      isArrayOf(state.userIds, Uint32Array) && isArrayOf(state.userKeys, Float64Array, u),
      'session feed: user arrays',
    );
    for (let i = 0; i < u; i++) {
      const key = state.userKeys[i]!;
      expectState(
        feed.live.find(key) >= 0,
        `session feed: user ${state.userIds[i]} has no live session`,
      );
      feed.setUserKey(state.userIds[i]!, key);
    }
    expectState(
      typeof state.now === 'number' &&
        !Number.isNaN(state.now) &&
        typeof state.nextSweep === 'number' &&
        !Number.isNaN(state.nextSweep),
      'session feed: stream time',
    );
    feed.now = state.now;
    feed.nextSweep = state.nextSweep;
    return feed;
  }

  /** A copy of the feed's state, model included, consistent as of the call. O(state). */
  exportState(): SessionFeedState {
    const n = this.live.size;
    const keys = new Float64Array(n);
    const lastTs = new Float64Array(n);
    const clicks = new Uint32Array(n);
    const users = new Uint32Array(n);
    let i = 0;
    for (let e = this.live.first(); e >= 0; e = this.live.next(e)) {
      keys[i] = this.live.keys[e]!;
      lastTs[i] = this.lastTs[e]!;
      clicks[i] = this.clicks[e]!;
      users[i++] = this.users[e]!;
    }
    const userIds = new Uint32Array(this.userKey.size);
    const userKeys = new Float64Array(this.userKey.size);
    i = 0;
    for (let e = this.userKey.first(); e >= 0; e = this.userKey.next(e)) {
      userIds[i] = this.userKey.keys[e]!;
      userKeys[i++] = this.userKeyOf[e]!;
    }
    return {
      model: this.model.exportState(),
      keys,
      lastTs,
      clicks,
      users,
      userIds,
      userKeys,
      now: this.now,
      nextSweep: this.nextSweep,
    };
  }

  /** Sessions open now. */
  get liveSessions(): number {
    return this.live.size;
  }

  /** Bytes held by the model and the feed's bookkeeping. */
  bytes(): number {
    return (
      this.model.bytes() +
      this.live.bytes() +
      this.lastTs.byteLength +
      this.clicks.byteLength +
      this.users.byteLength +
      this.sessionIds.byteLength +
      this.userAt.byteLength +
      this.userKey.bytes() +
      this.userKeyOf.byteLength
    );
  }

  /**
   * Applies one encoded batch: every view or add-to-cart with an item is a click of its session
   * (of its user when it has no session). A click into a session idle past `idleMs` or full
   * opens a new one; the rest of the idle sessions are closed by sweeps every `idleMs / 8` of
   * stream time. Amortised O(1) per click plus the transition update.
   */
  ingest(batch: EncodedBatch): void {
    const { type, item, session, user, ts, length } = batch;
    let now = this.now;
    for (let i = 0; i < length; i++) {
      const t = type[i]!;
      if (t !== VIEW && t !== CART) continue;
      const it = item[i]!;
      if (it === 0) continue;
      const u = user[i]!;
      // Negated user ids keep user-only streams apart from session ids (both are positive).
      const key = session[i]! !== 0 ? session[i]! : -u;
      if (key === 0) continue;
      const time = ts[i]!;
      if (time > now) now = time;
      this.click(key, u, it, time);
    }
    this.now = now;
    if (now >= this.nextSweep) this.sweep();
  }

  /** The `k` best next items for the live session with this session dictionary id. */
  recommendForSession(sessionId: number, k: number): Recommendation {
    return this.model.recommendFor(sessionId, k);
  }

  /** The `k` best next items for the live session this user clicked in last (empty if none). */
  recommendForUser(userId: number, k: number): Recommendation {
    const e = this.userKey.find(userId);
    return e < 0 ? NONE : this.model.recommendFor(this.userKeyOf[e]!, k);
  }

  /** The `k` best next items after an explicit list of recent items (oldest first). */
  recommend(items: ArrayLike<number>, k: number): Recommendation {
    return this.model.recommend(items, k);
  }

  /**
   * Renumbers ids of `kind` after a retention compaction (engine/retention.ts); see
   * `SessionKnn.remap`, which this applies to the model first. Then the feed's bookkeeping
   * follows: a live session under a dropped session id, or the session-less stream of a dropped
   * user, is forgotten (its next click opens a new session); a dropped user no longer owns a
   * session nor has one to answer from; a live session whose clicks were all of dropped items
   * is forgotten, and the others count only their kept clicks, so the length cap goes by them.
   * Live sessions keep their opening order, so sweeps close them in the same order.
   * Throws AisleError('AISLE_INVALID_ARGUMENT'), before changing anything, when `map` does not
   * cover an id the feed holds. O(model state + live sessions + users).
   */
  remap(kind: IdKind, map: Uint32Array, size: number): void {
    if (kind !== 'session' && kind !== 'user' && kind !== 'item') return;
    if (kind === 'user') {
      // The model checks the keys it holds; users the feed names beside them are checked here.
      let worst = 0;
      for (let e = this.userKey.first(); e >= 0; e = this.userKey.next(e)) {
        if (this.userKey.keys[e]! > worst) worst = this.userKey.keys[e]!;
      }
      for (let e = this.live.first(); e >= 0; e = this.live.next(e)) {
        if (this.users[e]! > worst) worst = this.users[e]!;
      }
      if (worst >= map.length) {
        throw new AisleError(
          'AISLE_INVALID_ARGUMENT',
          `session feed: the user map does not cover user ${worst}`,
          { kind, id: worst },
        );
      }
    }
    this.model.remap(kind, map, size);
    const rekey = (key: number): number => {
      if (kind === 'session' && key > 0) return map[key]!;
      if (kind === 'user' && key < 0) return map[-key] === 0 ? 0 : -map[-key]!;
      return key;
    };
    const old = this.live;
    const oldTs = this.lastTs;
    const oldUsers = this.users;
    const oldUserKey = this.userKey;
    const oldUserKeyOf = this.userKeyOf;
    this.live = new KeyTable();
    this.lastTs = new Float64Array(16);
    this.clicks = new Uint32Array(16);
    this.users = new Uint32Array(16);
    this.sessionIds = new Uint32Array(16);
    this.userAt = new Uint32Array(16);
    this.userKey = new KeyTable();
    this.userKeyOf = new Float64Array(16);
    for (let e = old.first(); e >= 0; e = old.next(e)) {
      const to = rekey(old.keys[e]!);
      if (to === 0) continue;
      // The model dropped the same sessions; for items, it holds their kept clicks.
      const held = this.model.liveLength(to);
      if (held === 0) continue;
      const user = oldUsers[e]!;
      let f = this.live.find(to);
      if (f < 0) f = this.openEntry(to);
      this.lastTs[f] = oldTs[e]!;
      this.clicks[f] = held;
      this.users[f] = kind === 'user' && user !== 0 ? map[user]! : user;
      this.sessionIds[f] = this.model.liveId(to);
    }
    for (let e = oldUserKey.first(); e >= 0; e = oldUserKey.next(e)) {
      const u = oldUserKey.keys[e]!;
      const user = kind === 'user' ? map[u]! : u;
      const to = rekey(oldUserKeyOf[e]!);
      if (user !== 0 && to !== 0 && this.live.find(to) >= 0) this.setUserKey(user, to);
    }
    // The one-click cache holds old ids.
    this.lastKey = NaN;
    this.lastUser = 0;
  }

  /** Opens an entry of `live` for the absent `key`, growing the per-entry arrays to fit. */
  private openEntry(key: number): number {
    const e = this.live.add(key);
    if (e >= this.lastTs.length) {
      const n = this.live.capacity;
      const lastTs = new Float64Array(n);
      lastTs.set(this.lastTs);
      this.lastTs = lastTs;
      const clicks = new Uint32Array(n);
      clicks.set(this.clicks);
      this.clicks = clicks;
      const users = new Uint32Array(n);
      users.set(this.users);
      this.users = users;
      const sessionIds = new Uint32Array(n);
      sessionIds.set(this.sessionIds);
      this.sessionIds = sessionIds;
      const userAt = new Uint32Array(n);
      userAt.set(this.userAt);
      this.userAt = userAt;
    }
    return e;
  }

  /**
   * Points `user` at the session `key`, like Map.set: a new user goes last. Returns the user's
   * entry of `userKey`.
   */
  private setUserKey(user: number, key: number): number {
    let e = this.userKey.find(user);
    if (e < 0) {
      e = this.userKey.add(user);
      if (e >= this.userKeyOf.length) {
        const grown = new Float64Array(this.userKey.capacity);
        grown.set(this.userKeyOf);
        this.userKeyOf = grown;
      }
    }
    this.userKeyOf[e] = key;
    return e;
  }

  /** Forgets `user`'s pointer when it points at `key`. */
  private dropUserKey(user: number, key: number): void {
    const e = this.userKey.find(user);
    if (e >= 0 && this.userKeyOf[e] === key) {
      this.userKey.remove(e);
      // No key is NaN: a freed entry never passes the check in `click`.
      this.userKeyOf[e] = NaN;
    }
  }

  private click(key: number, u: number, it: number, time: number): void {
    const { idleMs, maxSessionLength } = this.options;
    let e = this.live.find(key);
    if (e >= 0 && (time - this.lastTs[e]! > idleMs || this.clicks[e]! >= maxSessionLength)) {
      this.close(key, e);
      e = -1;
    }
    if (e < 0) {
      e = this.openEntry(key);
      this.lastTs[e] = time;
      this.clicks[e] = 0;
      this.users[e] = 0;
      this.sessionIds[e] = this.model.openSession(key);
    }
    this.clicks[e]!++;
    if (time > this.lastTs[e]!) this.lastTs[e] = time;
    if (u !== 0 && !(key === this.lastKey && u === this.lastUser)) {
      // A session belongs to its latest user; an earlier one's pointer to it goes.
      const prev = this.users[e]!;
      if (prev !== 0 && prev !== u) this.dropUserKey(prev, key);
      this.users[e] = u;
      // Most clicks find the user pointing here already: an entry that holds `u` and `key` is
      // the user's (a freed one holds NaN), and setting it would change nothing.
      const f = this.userAt[e]!;
      if (this.userKey.keys[f] !== u || this.userKeyOf[f] !== key) {
        this.userAt[e] = this.setUserKey(u, key);
      }
    }
    this.lastKey = key;
    this.lastUser = u;
    this.model.addClick(key, it, this.sessionIds[e]!);
  }

  /**
   * Closes every session idle past `idleMs`. A full scan, but one per `idleMs / 8` of stream
   * time, so its cost spread over the clicks of that stretch is a few steps per session; keeping
   * the sessions in recency order instead costs two list moves on every click.
   */
  private sweep(): void {
    const cutoff = this.now - this.options.idleMs;
    const live = this.live;
    for (let e = live.first(); e >= 0;) {
      const next = live.next(e);
      if (this.lastTs[e]! < cutoff) this.close(live.keys[e]!, e);
      e = next;
    }
    this.nextSweep = this.now + this.options.idleMs / 8;
  }

  private close(key: number, e: number): void {
    this.model.closeSession(key);
    const user = this.users[e]!;
    this.live.remove(e);
    if (user !== 0) this.dropUserKey(user, key);
    if (key === this.lastKey) this.lastKey = NaN;
  }
}
