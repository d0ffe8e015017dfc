/**
 * Per-user interaction history, updated online: for every (user, item) a weighted strength, the
 * last interaction time and, once bought, the purchase facts (distinct orders, units, first and
 * last purchase time). Feeds personal rankings (ALS via `toCsr`, buy-again, "not bought"
 * filters, recently viewed).
 *
 * Layout, chosen so that an event costs O(1) amortised with no allocation:
 * - pair facts live in dense typed arrays (entry e, purchase record p), appended on first sight;
 *   only bought pairs pay for a purchase record, and most pairs are never bought;
 * - each user owns an open-addressing table (cells of two u32: entry + 1, 0 = empty, and the
 *   item, so a probe compares items without a second, random read of the pair arrays) carved
 *   from one shared u32 slab in power-of-two blocks; a block outgrown is recycled through a free
 *   list per size, so millions of small users cost a few words each instead of a JS object and
 *   a Map;
 * - recency is a stamp per pair (the user's event count when last touched), so an event costs
 *   one store where a most-recently-used list would cost a scan and a shift, and `recentItems`
 *   pays a pass over the user's pairs at query time instead.
 * A snapshot copies the dense arrays (the pairs carry their user for this) and leaves the tables
 * out: a restore rebuilds them, and no answer depends on where a pair sits in its table.
 *
 * Events with no user or no item (searches) are skipped, as are types weighing 0 other than
 * purchases, which always record their facts.
 */
import { U32Slab } from './u32-slab.js';
import type { IdKind } from '../activity.js';
import { AisleError } from '../errors.js';
import { EVENT_TYPE_CODE, EVENT_TYPES, type EventType } from '../events.js';
import { dropsNothing } from '../remap-map.js';
import { allBelow, expectState, isArrayOf, isCount, sum } from '../snapshot/check.js';
import type { EncodedBatch } from '../store/index.js';
import type { Csr } from './csr.js';

export interface UserHistoryOptions {
  /** Strength added per event of each type; absent types weigh 0 and are not recorded. */
  weights: Readonly<Partial<Record<EventType, number>>>;
  /** Most distinct items `recentItems` returns, newest first (0..65535). */
  recent: number;
}

export const DEFAULT_USER_HISTORY: UserHistoryOptions = {
  weights: {
    view: 1,
    add_to_cart: 2,
    remove_from_cart: 0,
    purchase: 4,
    search: 0,
    inventory: 0,
    price_change: 0,
  },
  recent: 50,
};

/** Purchase facts of one (user, item). */
export interface PurchaseStats {
  /** Distinct orders that held the item. */
  orders: number;
  units: number;
  /** Event time (ms) of the earliest and latest purchase rows. */
  firstTs: number;
  lastTs: number;
}

/** `recent`: parallel arrays, newest first. */
export interface RecentPairs {
  items: Uint32Array;
  /** Last interaction time per item, ms. */
  lastSeen: Float64Array;
  /** Weighted strength per item (the sum of its events' weights). */
  strengths: Float32Array;
  /** 1 when the user bought the item, else 0. */
  bought: Uint8Array;
}

/**
 * Called after a purchase row changed a pair's orders or purchase times, with the facts before
 * (`prevOrders` 0 on a first purchase) and after. Lets derived statistics follow the history
 * without a second pass over the batch or a copy of the pair table.
 */
export type PurchaseListener = (
  user: number,
  item: number,
  prevOrders: number,
  prevFirstTs: number,
  prevLastTs: number,
  orders: number,
  firstTs: number,
  lastTs: number,
) => void;

/**
 * A snapshot of the history: per-user arrays indexed by user id, then the pair and purchase
 * arrays as they are (copies, not a regrouping: a snapshot is taken between messages and should
 * cost memcpy, not a pass over every user's table). A restore rebuilds the tables.
 */
export interface UserHistoryState {
  /** `version(user)`; index 0 (no user) unused. */
  version: Float64Array;
  /** Distinct orders of each user, and the last order seen (how consecutive rows collapse). */
  orders: Uint32Array;
  lastOrder: Uint32Array;
  /** Per pair, in first-seen order. */
  users: Uint32Array;
  items: Uint32Array;
  strengths: Float32Array;
  seenTs: Float64Array;
  /** The user's event count (mod 2^32) when the pair was last touched: orders `recentItems`. */
  touch: Uint32Array;
  /** Purchase record + 1, 0 for a pair never bought; each record belongs to one pair. */
  purchase: Uint32Array;
  /** Per purchase record. */
  purchaseOrders: Uint32Array;
  purchaseUnits: Float64Array;
  purchaseLastOrder: Uint32Array;
  purchaseFirstTs: Float64Array;
  purchaseLastTs: Float64Array;
}

const PURCHASE = EVENT_TYPE_CODE.purchase;
const MIN_TABLE_LOG = 2;
const EMPTY_U32 = new Uint32Array(0);

function grownU32(a: Uint32Array, n: number) {
  const out = new Uint32Array(Math.max(n, a.length * 2, 16));
  out.set(a);
  return out;
}
function grownF64(a: Float64Array, n: number) {
  const out = new Float64Array(Math.max(n, a.length * 2, 16));
  out.set(a);
  return out;
}
function grownF32(a: Float32Array, n: number) {
  const out = new Float32Array(Math.max(n, a.length * 2, 16));
  out.set(a);
  return out;
}
function grownU8(a: Uint8Array, n: number) {
  const out = new Uint8Array(Math.max(n, a.length * 2, 16));
  out.set(a);
  return out;
}

function invalidOptions(message: string): never {
  throw new AisleError('AISLE_INVALID_ARGUMENT', `user history: ${message}`);
}

export class UserHistory {
  /** Weight by event type code. */
  private readonly weight = new Float64Array(256);
  // Per-user tables are read as empty when fresh, so reused blocks are cleared.
  private slab = new U32Slab(1024, true);
  private readonly listeners: PurchaseListener[] = [];

  // Per user, indexed by user id.
  private uTable = new Uint32Array(0);
  /** log2 of the table's slots; 0 = no table yet. */
  private uTableLog = new Uint8Array(0);
  private uCount = new Uint32Array(0);
  private uVersion = new Float64Array(0);
  private uOrders = new Uint32Array(0);
  private uLastOrder = new Uint32Array(0);

  // Per pair (entry).
  private entries = 0;
  private eUser = new Uint32Array(0);
  private eItem = new Uint32Array(0);
  private eStrength = new Float32Array(0);
  private eSeen = new Float64Array(0);
  private eTouch = new Uint32Array(0);
  /** Purchase record + 1, 0 = never bought. */
  private ePurchase = new Uint32Array(0);

  // Per purchase record.
  private purchases = 0;
  private pOrders = new Uint32Array(0);
  private pUnits = new Float64Array(0);
  private pLastOrder = new Uint32Array(0);
  private pFirst = new Float64Array(0);
  private pLast = new Float64Array(0);

  /** Length in use of the per-user arrays (largest user id touched + 1). */
  private users = 0;
  private userTotal = 0;
  private maxUser = 0;
  private maxItem = 0;

  constructor(readonly options: UserHistoryOptions = DEFAULT_USER_HISTORY) {
    for (const [name, w] of Object.entries(options.weights)) {
      if (w === undefined) continue;
      if (!(EVENT_TYPES as readonly string[]).includes(name)) {
        invalidOptions(`unknown event type ${name} in weights`);
      }
      if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
        invalidOptions(`weight of ${name} must be a finite number >= 0`);
      }
      this.weight[EVENT_TYPE_CODE[name as EventType]] = w;
    }
    if (!(Number.isInteger(options.recent) && options.recent >= 0 && options.recent <= 0xffff)) {
      invalidOptions('recent must be an integer in 0..65535');
    }
  }

  /**
   * Rebuilds a history from `exportState` with the options it was built with. Throws
   * AisleError('AISLE_SNAPSHOT') when the state is malformed. O(state).
   */
  static fromState(options: UserHistoryOptions, state: UserHistoryState): UserHistory {
    const out = new UserHistory(options);
    const s = state;
    const nUsers = s.version?.length ?? 0;
    expectState(
      nUsers >= 1 &&
        isArrayOf(s.version, Float64Array) &&
        isArrayOf(s.orders, Uint32Array, nUsers) &&
        isArrayOf(s.lastOrder, Uint32Array, nUsers) &&
        s.version.every((v) => isCount(v)),
      'user history: per-user arrays',
    );
    const n = s.users?.length ?? 0;
    const p = s.purchaseOrders?.length ?? 0;
    expectState(
      isArrayOf(s.users, Uint32Array) &&
        isArrayOf(s.items, Uint32Array, n) &&
        isArrayOf(s.strengths, Float32Array, n) &&
        isArrayOf(s.seenTs, Float64Array, n) &&
        isArrayOf(s.touch, Uint32Array, n) &&
        isArrayOf(s.purchase, Uint32Array, n) &&
        allBelow(s.users, nUsers) &&
        allBelow(s.purchase, p + 1) &&
        s.strengths.every((v) => Number.isFinite(v) && v >= 0) &&
        !s.seenTs.some((v) => Number.isNaN(v)),
      'user history: pair arrays',
    );
    expectState(
      isArrayOf(s.purchaseOrders, Uint32Array) &&
        isArrayOf(s.purchaseUnits, Float64Array, p) &&
        isArrayOf(s.purchaseLastOrder, Uint32Array, p) &&
        isArrayOf(s.purchaseFirstTs, Float64Array, p) &&
        isArrayOf(s.purchaseLastTs, Float64Array, p),
      'user history: purchase arrays',
    );
    for (let r = 0; r < p; r++) {
      expectState(
        s.purchaseOrders[r]! >= 1 &&
          s.purchaseFirstTs[r]! <= s.purchaseLastTs[r]! &&
          s.purchaseUnits[r]! >= 0,
        'user history: purchase records',
      );
    }
    // Each record belongs to exactly one pair.
    const owned = new Uint8Array(p);
    for (let i = 0; i < n; i++) {
      const rec = s.purchase[i]!;
      if (rec === 0) continue;
      expectState(owned[rec - 1] === 0, 'user history: a purchase record shared by two pairs');
      owned[rec - 1] = 1;
    }
    expectState(sum(owned) === p, 'user history: a purchase record without a pair');
    out.ensureUser(nUsers - 1);
    out.uVersion.set(s.version);
    out.uOrders.set(s.orders);
    out.uLastOrder.set(s.lastOrder);
    // Size every table once, then insert in the original order: entries keep their indices.
    const counts = new Uint32Array(nUsers);
    for (let i = 0; i < n; i++) counts[s.users[i]!]!++;
    expectState(counts[0] === 0, 'user history: a pair without a user');
    for (let u = 1; u < nUsers; u++) if (counts[u]! > 0) out.reserve(u, counts[u]!);
    for (let i = 0; i < n; i++) {
      const u = s.users[i]!;
      const item = s.items[i]!;
      expectState(item !== 0 && out.find(u, item) < 0, 'user history: item 0 or a duplicate pair');
      out.insert(u, item);
    }
    out.eStrength.set(s.strengths);
    out.eSeen.set(s.seenTs);
    out.eTouch.set(s.touch);
    out.ePurchase.set(s.purchase);
    out.purchases = p;
    out.pOrders = s.purchaseOrders.slice();
    out.pUnits = s.purchaseUnits.slice();
    out.pLastOrder = s.purchaseLastOrder.slice();
    out.pFirst = s.purchaseFirstTs.slice();
    out.pLast = s.purchaseLastTs.slice();
    // After a compaction dropped items, a user may keep a version and orders without any pair;
    // the per-user arrays then reach past the last user with pairs, and so must `maxUser`.
    for (let u = nUsers - 1; u > out.maxUser; u--) {
      if (s.version[u]! > 0) {
        out.maxUser = u;
        break;
      }
    }
    return out;
  }

  /** A copy of the state, consistent as of the call. O(state), copies only. */
  exportState(): UserHistoryState {
    // A history that has seen no user yet still exports row 0, which fromState requires.
    this.ensureUser(this.maxUser);
    const nUsers = this.maxUser + 1;
    const n = this.entries;
    const p = this.purchases;
    return {
      version: this.uVersion.slice(0, nUsers),
      orders: this.uOrders.slice(0, nUsers),
      lastOrder: this.uLastOrder.slice(0, nUsers),
      users: this.eUser.slice(0, n),
      items: this.eItem.slice(0, n),
      strengths: this.eStrength.slice(0, n),
      seenTs: this.eSeen.slice(0, n),
      touch: this.eTouch.slice(0, n),
      purchase: this.ePurchase.slice(0, n),
      purchaseOrders: this.pOrders.slice(0, p),
      purchaseUnits: this.pUnits.slice(0, p),
      purchaseLastOrder: this.pLastOrder.slice(0, p),
      purchaseFirstTs: this.pFirst.slice(0, p),
      purchaseLastTs: this.pLast.slice(0, p),
    };
  }

  /** Registers `fn` for purchase changes; returns a function that removes it. */
  onPurchase(fn: PurchaseListener): () => void {
    this.listeners.push(fn);
    return () => {
      const i = this.listeners.indexOf(fn);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Applies one encoded batch. O(batch). */
  ingest(batch: EncodedBatch): void {
    const { type, user, item, ts, quantity, ref, length } = batch;
    const weight = this.weight;
    for (let i = 0; i < length; i++) {
      const t = type[i]!;
      const w = weight[t]!;
      const isPurchase = t === PURCHASE;
      // A zero weight means "not an interaction", except that purchases always carry facts.
      if (w === 0 && !isPurchase) continue;
      const u = user[i]!;
      const it = item[i]!;
      if (u === 0 || it === 0) continue;
      const at = ts[i]!;
      let e = this.find(u, it);
      if (e < 0) {
        e = this.insert(u, it);
        this.eSeen[e] = at;
      } else if (at > this.eSeen[e]!) {
        this.eSeen[e] = at;
      }
      this.eStrength[e] = this.eStrength[e]! + w;
      if (isPurchase) this.purchase(u, e, it, at, quantity[i]!, ref[i]!);
      const version = this.uVersion[u]! + 1;
      this.uVersion[u] = version;
      this.eTouch[e] = version >>> 0;
    }
  }

  /** The user's items (ascending id) with their strengths. O(m log m) for m items. */
  itemsOf(user: number): { items: Uint32Array; strengths: Float32Array } {
    const count = this.pairsOf(user);
    const items = new Uint32Array(count);
    const strengths = new Float32Array(count);
    if (count === 0) return { items, strengths };
    this.collect(user, items, false);
    items.sort();
    for (let k = 0; k < count; k++) strengths[k] = this.eStrength[this.find(user, items[k]!)]!;
    return { items, strengths };
  }

  hasBought(user: number, item: number): boolean {
    const e = this.find(user, item);
    return e >= 0 && this.ePurchase[e] !== 0;
  }

  /** Items the user bought, ascending id. */
  boughtItems(user: number): Uint32Array {
    const count = this.pairsOf(user);
    if (count === 0) return EMPTY_U32;
    const all = new Uint32Array(count);
    const n = this.collect(user, all, true);
    const out = all.slice(0, n);
    out.sort();
    return out;
  }

  purchaseStats(user: number, item: number): PurchaseStats | undefined {
    const e = this.find(user, item);
    if (e < 0) return undefined;
    const rec = this.ePurchase[e]!;
    if (rec === 0) return undefined;
    return {
      orders: this.pOrders[rec - 1]!,
      units: this.pUnits[rec - 1]!,
      firstTs: this.pFirst[rec - 1]!,
      lastTs: this.pLast[rec - 1]!,
    };
  }

  /** Strength of one pair (0 when never seen). */
  strength(user: number, item: number): number {
    const e = this.find(user, item);
    return e < 0 ? 0 : this.eStrength[e]!;
  }

  /** Last interaction time of one pair (ms), undefined when never seen. */
  lastSeen(user: number, item: number): number | undefined {
    const e = this.find(user, item);
    return e < 0 ? undefined : this.eSeen[e];
  }

  /**
   * Up to `n` (and at most `options.recent`) distinct items the user touched, newest first.
   * "Newest" is arrival order, which is event-time order on an ordered stream. O(m) for m pairs
   * when n is small.
   */
  recentItems(user: number, n: number): Uint32Array {
    const top = this.newestEntries(user, Math.min(n, this.options.recent));
    for (let k = 0; k < top.length; k++) top[k] = this.eItem[top[k]!]!;
    return top;
  }

  /**
   * Up to `n` distinct items the user touched, newest first as in `recentItems` but without its
   * cap, each with its last interaction time (ms), strength and whether it was bought. For
   * showing a history; rankings use `recentItems`. O(m) for m pairs when n is small.
   */
  recent(user: number, n: number): RecentPairs {
    const top = this.newestEntries(user, n);
    const take = top.length;
    const out: RecentPairs = {
      items: new Uint32Array(take),
      lastSeen: new Float64Array(take),
      strengths: new Float32Array(take),
      bought: new Uint8Array(take),
    };
    for (let k = 0; k < take; k++) {
      const e = top[k]!;
      out.items[k] = this.eItem[e]!;
      out.lastSeen[k] = this.eSeen[e]!;
      out.strengths[k] = this.eStrength[e]!;
      out.bought[k] = this.ePurchase[e] === 0 ? 0 : 1;
    }
    return out;
  }

  /** The entries of the user's `n` most recently touched pairs, newest first. */
  private newestEntries(user: number, n: number): Uint32Array {
    const count = this.pairsOf(user);
    const take = Math.max(0, Math.min(count, Math.floor(n)));
    if (!(take > 0)) return EMPTY_U32;
    // Insertion into a sorted top-`take` of entries: the user's pairs arrive in hash order, so
    // few of them displace anything.
    const top = new Uint32Array(take);
    let held = 0;
    const log = this.uTableLog[user]!;
    const off = this.uTable[user]!;
    const data = this.slab.data;
    const touch = this.eTouch;
    for (let s = off; s < off + (2 << log); s += 2) {
      const slot = data[s]!;
      if (slot === 0) continue;
      const e = slot - 1;
      const stamp = touch[e]!;
      if (held === take && stamp <= touch[top[take - 1]!]!) continue;
      let k = held < take ? held++ : take - 1;
      while (k > 0 && touch[top[k - 1]!]! < stamp) {
        top[k] = top[k - 1]!;
        k--;
      }
      top[k] = e;
    }
    return top;
  }

  /** Distinct orders the user placed (consecutive rows of one order count once). */
  orderCount(user: number): number {
    return user < this.users ? this.uOrders[user]! : 0;
  }

  /** Changes whenever the user's history does: a key for caches of per-user derived values. */
  version(user: number): number {
    return user < this.users ? this.uVersion[user]! : 0;
  }

  /** Users with at least one recorded interaction. */
  get userCount(): number {
    return this.userTotal;
  }

  /** Distinct (user, item) pairs. */
  get pairCount(): number {
    return this.entries;
  }

  /**
   * Largest user id with a recorded interaction (0 when none); after a compaction that dropped
   * items, possibly a user whose remaining facts are a version and an order count.
   */
  get maxUserId(): number {
    return this.maxUser;
  }

  /** Largest item id in any user's history (0 when none). */
  get maxItemId(): number {
    return this.maxItem;
  }

  /**
   * Calls `fn` for every bought pair, users ascending, items ascending within a user (a fixed
   * order, so sums built from it do not depend on the table layout). O(pairs log).
   */
  forEachPurchase(
    fn: (user: number, item: number, orders: number, firstTs: number, lastTs: number) => void,
  ): void {
    for (let u = 1; u <= this.maxUser; u++) {
      const items = this.boughtItems(u);
      for (let k = 0; k < items.length; k++) {
        const rec = this.ePurchase[this.find(u, items[k]!)]! - 1;
        fn(u, items[k]!, this.pOrders[rec]!, this.pFirst[rec]!, this.pLast[rec]!);
      }
    }
  }

  /**
   * The history as a user × item matrix of strengths. `rows` and `cols` default to the largest
   * ids seen + 1 and may be larger (e.g. dictionary sizes), never smaller. O(pairs log).
   */
  toCsr(rows = this.maxUser + 1, cols = this.maxItem + 1): Csr {
    if (!(Number.isInteger(rows) && rows > this.maxUser)) {
      throw new AisleError('AISLE_INVALID_ARGUMENT', `toCsr: rows must be > ${this.maxUser}`);
    }
    if (!(Number.isInteger(cols) && cols > this.maxItem)) {
      throw new AisleError('AISLE_INVALID_ARGUMENT', `toCsr: cols must be > ${this.maxItem}`);
    }
    const indptr = new Uint32Array(rows + 1);
    for (let u = 1; u < rows; u++) indptr[u + 1] = indptr[u]! + this.pairsOf(u);
    const total = indptr[rows]!;
    const indices = new Uint32Array(total);
    const values = new Float32Array(total);
    for (let u = 1; u <= this.maxUser; u++) {
      const start = indptr[u]!;
      const end = indptr[u + 1]!;
      if (end === start) continue;
      const row = indices.subarray(start, end);
      this.collect(u, row, false);
      row.sort();
      for (let k = start; k < end; k++) values[k] = this.eStrength[this.find(u, indices[k]!)]!;
    }
    return { rows, cols, indptr, indices, values };
  }

  /**
   * Renumbers the ids of `kind` (engine/retention.ts): `map[id]` is the new id of `id`, 0 when it
   * is dropped, and the kept ids keep their order, numbered 1..`size`.
   * - user: a dropped user's pairs, purchase records and per-user facts go (a cold-start user
   *   again); kept users keep theirs, versions included, under their new ids.
   * - item: pairs with a dropped item go with their purchase records. Users keep their version
   *   and order count: those describe the user, and serving compares versions to its own.
   * - order: the last order seen per user and per purchase record is renumbered, 0 when dropped,
   *   so a later row of a dropped order (its string gets a new id) counts as a new order.
   * Pair and purchase arrays are compacted in their old order, per-user arrays and the table slab
   * are reallocated to fit, and every table is rebuilt (no answer depends on table layout). Ids of
   * other kinds are not held. Throws AisleError('AISLE_INVALID_ARGUMENT') when the map does not
   * cover the ids held, before changing anything. O(users + pairs + purchase records).
   */
  remap(kind: IdKind, map: Uint32Array, size: number): void {
    if (dropsNothing(map, size)) return;
    if (kind === 'order') {
      this.remapOrders(map);
      return;
    }
    if (kind !== 'user' && kind !== 'item') return;
    const byUser = kind === 'user';
    const held = byUser ? this.users - 1 : this.maxItem;
    if (held >= map.length || map[0] !== 0) {
      throw new AisleError(
        'AISLE_INVALID_ARGUMENT',
        `user history: the ${kind} map covers ids below ${map.length}, the history holds ${held}`,
      );
    }
    this.compactPairs(byUser ? this.eUser : this.eItem, map);
    if (byUser) this.remapUsers(map);
    this.rebuildTables();
  }

  /** Bytes held by the arrays (capacity, not just the used part). */
  bytes(): number {
    const arrays: ArrayBufferView[] = [
      this.slab.data,
      this.uTable,
      this.uTableLog,
      this.uCount,
      this.uVersion,
      this.uOrders,
      this.uLastOrder,
      this.eTouch,
      this.eUser,
      this.eItem,
      this.eStrength,
      this.eSeen,
      this.ePurchase,
      this.pOrders,
      this.pUnits,
      this.pLastOrder,
      this.pFirst,
      this.pLast,
    ];
    let total = 0;
    for (const a of arrays) total += a.byteLength;
    return total;
  }

  /** Keeps the pairs whose `ids[e]` the map keeps, renumbering that id; same for their purchases. */
  private compactPairs(ids: Uint32Array, map: Uint32Array): void {
    const n = this.entries;
    const p = this.purchases;
    // A purchase record's new index + 1 (0 = dropped), so records keep their relative order.
    const recTo = new Uint32Array(p);
    let kept = 0;
    for (let e = 0; e < n; e++) {
      if (map[ids[e]!] === 0) continue;
      kept++;
      const rec = this.ePurchase[e]!;
      if (rec !== 0) recTo[rec - 1] = 1;
    }
    let keptP = 0;
    for (let r = 0; r < p; r++) if (recTo[r] !== 0) recTo[r] = ++keptP;

    const cap = Math.max(kept, 16);
    const eUser = new Uint32Array(cap);
    const eItem = new Uint32Array(cap);
    const eStrength = new Float32Array(cap);
    const eSeen = new Float64Array(cap);
    const eTouch = new Uint32Array(cap);
    const ePurchase = new Uint32Array(cap);
    const rewriteUser = ids === this.eUser;
    let to = 0;
    for (let e = 0; e < n; e++) {
      const id = map[ids[e]!]!;
      if (id === 0) continue;
      eUser[to] = rewriteUser ? id : this.eUser[e]!;
      eItem[to] = rewriteUser ? this.eItem[e]! : id;
      eStrength[to] = this.eStrength[e]!;
      eSeen[to] = this.eSeen[e]!;
      eTouch[to] = this.eTouch[e]!;
      const rec = this.ePurchase[e]!;
      ePurchase[to] = rec === 0 ? 0 : recTo[rec - 1]!;
      to++;
    }
    this.entries = kept;
    this.eUser = eUser;
    this.eItem = eItem;
    this.eStrength = eStrength;
    this.eSeen = eSeen;
    this.eTouch = eTouch;
    this.ePurchase = ePurchase;

    const capP = Math.max(keptP, 16);
    const pOrders = new Uint32Array(capP);
    const pUnits = new Float64Array(capP);
    const pLastOrder = new Uint32Array(capP);
    const pFirst = new Float64Array(capP);
    const pLast = new Float64Array(capP);
    for (let r = 0; r < p; r++) {
      const j = recTo[r]!;
      if (j === 0) continue;
      pOrders[j - 1] = this.pOrders[r]!;
      pUnits[j - 1] = this.pUnits[r]!;
      pLastOrder[j - 1] = this.pLastOrder[r]!;
      pFirst[j - 1] = this.pFirst[r]!;
      pLast[j - 1] = this.pLast[r]!;
    }
    this.purchases = keptP;
    this.pOrders = pOrders;
    this.pUnits = pUnits;
    this.pLastOrder = pLastOrder;
    this.pFirst = pFirst;
    this.pLast = pLast;
  }

  /** Moves the per-user facts of kept users to their new ids, in arrays sized to fit. */
  private remapUsers(map: Uint32Array): void {
    let bound = 0;
    for (let u = 1; u < this.users; u++) if (map[u] !== 0) bound = map[u]! + 1;
    const cap = Math.max(bound, 16);
    const version = new Float64Array(cap);
    const orders = new Uint32Array(cap);
    const lastOrder = new Uint32Array(cap);
    for (let u = 1; u < this.users; u++) {
      const to = map[u]!;
      if (to === 0) continue;
      version[to] = this.uVersion[u]!;
      orders[to] = this.uOrders[u]!;
      lastOrder[to] = this.uLastOrder[u]!;
    }
    this.uVersion = version;
    this.uOrders = orders;
    this.uLastOrder = lastOrder;
    // Counts and tables are refilled by rebuildTables.
    this.uTable = new Uint32Array(cap);
    this.uTableLog = new Uint8Array(cap);
    this.uCount = new Uint32Array(cap);
    this.users = bound;
  }

  /**
   * Rebuilds every user's table from the pair arrays in one slab sized to fit, and the counts
   * and bounds that follow from the pairs. Pairs keep their entries.
   */
  private rebuildTables(): void {
    const users = this.users;
    const count = this.uCount;
    count.fill(0);
    this.uTable.fill(0);
    this.uTableLog.fill(0);
    let maxItem = 0;
    for (let e = 0; e < this.entries; e++) {
      count[this.eUser[e]!]!++;
      if (this.eItem[e]! > maxItem) maxItem = this.eItem[e]!;
    }
    let slots = 0;
    let total = 0;
    let maxUser = 0;
    for (let u = 1; u < users; u++) {
      const c = count[u]!;
      if (c > 0) {
        let log = MIN_TABLE_LOG;
        while (c * 4 > 3 << log) log++;
        this.uTableLog[u] = log;
        slots += 2 << log;
        total++;
      }
      // Every event of a user bumps the version, so a version > 0 marks a user with facts (pairs,
      // or after dropped items only the version and the order count).
      if (c > 0 || this.uVersion[u]! > 0) maxUser = u;
    }
    const slab = new U32Slab(Math.max(1024, slots), true);
    for (let u = 1; u < users; u++) {
      const log = this.uTableLog[u]!;
      if (log !== 0) this.uTable[u] = slab.alloc(1 << (log + 1));
    }
    this.slab = slab;
    for (let e = 0; e < this.entries; e++) {
      const u = this.eUser[e]!;
      this.place(this.uTable[u]!, this.uTableLog[u]!, this.eItem[e]!, e + 1);
    }
    this.userTotal = total;
    this.maxUser = maxUser;
    this.maxItem = maxItem;
  }

  /** Renumbers the last order of each user and purchase record, 0 for a dropped one. */
  private remapOrders(map: Uint32Array): void {
    const n = map.length;
    for (let u = 1; u < this.users; u++) {
      const o = this.uLastOrder[u]!;
      if (o !== 0) this.uLastOrder[u] = o < n ? map[o]! : 0;
    }
    for (let r = 0; r < this.purchases; r++) {
      const o = this.pLastOrder[r]!;
      if (o !== 0) this.pLastOrder[r] = o < n ? map[o]! : 0;
    }
  }

  private pairsOf(user: number): number {
    return user < this.users ? this.uCount[user]! : 0;
  }

  /** Writes the user's item ids (table order) into `out`; only bought ones when asked. */
  private collect(user: number, out: Uint32Array, boughtOnly: boolean): number {
    if (user >= this.users) return 0;
    const log = this.uTableLog[user]!;
    if (log === 0) return 0;
    const off = this.uTable[user]!;
    const end = off + (2 << log);
    const data = this.slab.data;
    let n = 0;
    for (let s = off; s < end; s += 2) {
      const slot = data[s]!;
      if (slot === 0) continue;
      if (boughtOnly && this.ePurchase[slot - 1] === 0) continue;
      out[n++] = data[s + 1]!;
    }
    return n;
  }

  /** Entry of (user, item), or -1. */
  private find(user: number, item: number): number {
    if (user >= this.users) return -1;
    const log = this.uTableLog[user]!;
    if (log === 0) return -1;
    const off = this.uTable[user]!;
    const mask = (1 << log) - 1;
    const data = this.slab.data;
    let h = Math.imul(item, 0x9e3779b1) >>> (32 - log);
    for (;;) {
      const slot = data[off + 2 * h]!;
      if (slot === 0) return -1;
      if (data[off + 2 * h + 1] === item) return slot - 1;
      h = (h + 1) & mask;
    }
  }

  /** Adds a new pair (it must not exist) and returns its entry. */
  private insert(user: number, item: number): number {
    this.ensureUser(user);
    const count = this.uCount[user]!;
    let log = this.uTableLog[user]!;
    // Grow at 3/4 load: linear probing stays short, small users stay small.
    if (log === 0 || (count + 1) * 4 > 3 << log) {
      this.rehash(user, log === 0 ? MIN_TABLE_LOG : log + 1);
      log = this.uTableLog[user]!;
    }
    const e = this.entries++;
    if (e >= this.eItem.length) {
      this.eUser = grownU32(this.eUser, e + 1);
      this.eItem = grownU32(this.eItem, e + 1);
      this.eStrength = grownF32(this.eStrength, e + 1);
      this.eSeen = grownF64(this.eSeen, e + 1);
      this.eTouch = grownU32(this.eTouch, e + 1);
      this.ePurchase = grownU32(this.ePurchase, e + 1);
    }
    this.eUser[e] = user;
    this.eItem[e] = item;
    this.eStrength[e] = 0;
    this.ePurchase[e] = 0;
    this.place(this.uTable[user]!, log, item, e + 1);
    if (count === 0) {
      this.userTotal++;
      if (user > this.maxUser) this.maxUser = user;
    }
    this.uCount[user] = count + 1;
    if (item > this.maxItem) this.maxItem = item;
    return e;
  }

  /** Sizes the user's table for `count` pairs at once (a restore), skipping the doublings. */
  private reserve(user: number, count: number): void {
    this.ensureUser(user);
    let log = MIN_TABLE_LOG;
    while (count * 4 > 3 << log) log++;
    if (log > this.uTableLog[user]!) this.rehash(user, log);
  }

  private place(off: number, log: number, item: number, slotValue: number): void {
    const mask = (1 << log) - 1;
    const data = this.slab.data;
    let h = Math.imul(item, 0x9e3779b1) >>> (32 - log);
    while (data[off + 2 * h] !== 0) h = (h + 1) & mask;
    data[off + 2 * h] = slotValue;
    data[off + 2 * h + 1] = item;
  }

  private rehash(user: number, log: number): void {
    const oldLog = this.uTableLog[user]!;
    const oldOff = this.uTable[user]!;
    // Block offsets are slab indices: allocation may replace the slab array, so read after it.
    // Two u32 per cell: a table of 2^log cells is a block of 2^(log + 1).
    const off = this.slab.alloc(1 << (log + 1));
    this.uTable[user] = off;
    this.uTableLog[user] = log;
    if (oldLog === 0) return;
    const data = this.slab.data;
    for (let s = oldOff; s < oldOff + (2 << oldLog); s += 2) {
      const slot = data[s]!;
      if (slot !== 0) this.place(off, log, data[s + 1]!, slot);
    }
    this.slab.release(oldOff, 1 << (oldLog + 1));
  }

  private newPurchase(): number {
    const r = this.purchases++;
    if (r >= this.pOrders.length) {
      this.pOrders = grownU32(this.pOrders, r + 1);
      this.pUnits = grownF64(this.pUnits, r + 1);
      this.pLastOrder = grownU32(this.pLastOrder, r + 1);
      this.pFirst = grownF64(this.pFirst, r + 1);
      this.pLast = grownF64(this.pLast, r + 1);
    }
    this.pOrders[r] = 0;
    this.pUnits[r] = 0;
    this.pLastOrder[r] = 0;
    this.pFirst[r] = Infinity;
    this.pLast[r] = -Infinity;
    return r;
  }

  private purchase(
    user: number,
    e: number,
    item: number,
    at: number,
    units: number,
    order: number,
  ): void {
    let rec = this.ePurchase[e]!;
    if (rec === 0) {
      rec = this.newPurchase() + 1;
      this.ePurchase[e] = rec;
    }
    const r = rec - 1;
    const prevOrders = this.pOrders[r]!;
    const prevFirst = this.pFirst[r]!;
    const prevLast = this.pLast[r]!;
    // An order spans several rows (lines, or the same item listed twice): count it once.
    if (order !== this.pLastOrder[r] || prevOrders === 0) {
      this.pOrders[r] = prevOrders + 1;
      this.pLastOrder[r] = order;
    }
    this.pUnits[r] = this.pUnits[r]! + units;
    if (at < prevFirst) this.pFirst[r] = at;
    if (at > prevLast) this.pLast[r] = at;
    if (order !== this.uLastOrder[user] || this.uOrders[user] === 0) {
      this.uOrders[user] = this.uOrders[user]! + 1;
      this.uLastOrder[user] = order;
    }
    const orders = this.pOrders[r]!;
    const first = this.pFirst[r]!;
    const last = this.pLast[r]!;
    if (orders === prevOrders && first === prevFirst && last === prevLast) return;
    for (let l = 0; l < this.listeners.length; l++) {
      this.listeners[l]!(user, item, prevOrders, prevFirst, prevLast, orders, first, last);
    }
  }

  private ensureUser(user: number): void {
    if (user < this.users) return;
    const n = user + 1;
    if (n > this.uCount.length) {
      this.uTable = grownU32(this.uTable, n);
      this.uTableLog = grownU8(this.uTableLog, n);
      this.uCount = grownU32(this.uCount, n);
      this.uVersion = grownF64(this.uVersion, n);
      this.uOrders = grownU32(this.uOrders, n);
      this.uLastOrder = grownU32(this.uLastOrder, n);
    }
    this.users = n;
  }
}
