/**
 * Customers: for every identified shopper who bought, the facts RFM segmentation needs (when they
 * last bought, how many distinct orders they placed, what they spent), kept from purchase rows as
 * they arrive, and their RFM segments (segments.ts) on demand.
 *
 * Facts live in dense typed arrays by user id, grown geometrically, so a row costs a few stores.
 * An order is counted once, for the first customer named on one of its lines: a bitset by order id
 * remembers which orders were counted, so lines of one order may arrive in any batches and
 * interleave with other orders' lines. Each line's value goes to the customer it names. Rows
 * without a user are not any customer's; rows that cannot be sales (no order, a quantity or price
 * that is not positive, a negative time) are counted as ignored.
 *
 * Scoring selects each measure's quintile cut points and scores every customer, O(U) (about 10 ms
 * for 100,000 customers). The scoring is cached and rebuilt only after an ingest that changed a
 * fact (a version counter); scores do not depend on the `now` asked for (see segments.ts), so the
 * cache needs no time key, and a repeated question costs O(segments).
 */
import type { IdKind } from '../activity.js';
import { AisleError } from '../errors.js';
import { EVENT_TYPE_CODE } from '../events.js';
import { dropsNothing } from '../remap-map.js';
import { expectState, isArrayOf, isCount } from '../snapshot/check.js';
import type { EncodedBatch } from '../store/index.js';
import { fromCents, lineCents } from './money.js';
import { RfmScoring, type RfmScores, type RfmSummary } from './segments.js';

const PURCHASE = EVENT_TYPE_CODE.purchase;
const DAY_MS = 86_400_000;

/** What a snapshot keeps of the customers: the per-user facts and the counted orders. */
export interface CustomersState {
  /** Newest purchase time counted, ms; −Infinity before any. */
  newest: number;
  /** Purchase rows that could not be sales. */
  ignored: number;
  /** Per user id (index 0 unused): last purchase time, −Infinity for a user who never bought. */
  last: Float64Array;
  /** Per user id: distinct orders counted for them. */
  orders: Uint32Array;
  /** Per user id: amount spent, cents. */
  spent: Float64Array;
  /** Bit `o` set once order `o` was counted (bit o & 7 of byte o >> 3). */
  counted: Uint8Array;
}

/** One customer's facts. */
export interface CustomerFacts {
  user: number;
  /** Time of the last purchase, epoch ms. */
  lastPurchase: number;
  /** Distinct orders. */
  orders: number;
  /** Amount spent, currency units. */
  monetary: number;
}

/** One customer's facts, scores and segment at a time `now`. */
export interface CustomerSegment extends CustomerFacts, RfmScores {
  /** Days from the last purchase to `now`. */
  recencyDays: number;
}

function invalid(field: string, message: string): never {
  throw new AisleError('AISLE_INVALID_ARGUMENT', `customers ${field}: ${message}`, { field });
}

function grownF64(a: Float64Array, n: number, fill: number): Float64Array {
  const out = new Float64Array(Math.max(n, a.length * 2, 64));
  out.set(a);
  if (fill !== 0) out.fill(fill, a.length);
  return out;
}

function grownU32(a: Uint32Array, n: number): Uint32Array {
  const out = new Uint32Array(Math.max(n, a.length * 2, 64));
  out.set(a);
  return out;
}

export class Customers {
  private last: Float64Array = new Float64Array(0);
  private orders: Uint32Array = new Uint32Array(0);
  private spent: Float64Array = new Float64Array(0);
  private counted: Uint8Array = new Uint8Array(0);
  /** Per-user length in use: the largest user id that bought + 1. */
  private users = 0;
  /** Bytes of `counted` in use: the largest order id counted / 8 + 1. */
  private countedBytes = 0;
  private customerCount = 0;
  private newestTs = -Infinity;
  private ignoredRows = 0;
  private changes = 0;
  private scoring: RfmScoring | undefined;
  private scoringVersion = -1;

  /**
   * Restores customers from `exportState`. Throws AisleError('AISLE_SNAPSHOT') when the arrays
   * disagree or hold impossible facts. O(users + orders / 8).
   */
  static fromState(state: CustomersState): Customers {
    expectState(typeof state === 'object' && state !== null, 'customers: missing');
    const n = state.last?.length ?? 0;
    expectState(
      isArrayOf(state.last, Float64Array) &&
        isArrayOf(state.orders, Uint32Array, n) &&
        isArrayOf(state.spent, Float64Array, n) &&
        isArrayOf(state.counted, Uint8Array) &&
        isCount(state.ignored) &&
        (state.newest === -Infinity || (Number.isFinite(state.newest) && state.newest >= 0)),
      'customers: arrays or counters',
    );
    const out = new Customers();
    let newest = -Infinity;
    let customers = 0;
    for (let u = 0; u < n; u++) {
      const t = state.last[u]!;
      const spent = state.spent[u]!;
      if (t === -Infinity) {
        expectState(state.orders[u] === 0 && spent === 0, `customers: user ${u} never bought`);
        continue;
      }
      expectState(
        u > 0 && Number.isFinite(t) && t >= 0 && Number.isSafeInteger(spent) && spent >= 0,
        `customers: facts of user ${u}`,
      );
      customers++;
      if (t > newest) newest = t;
    }
    expectState(newest === state.newest, 'customers: newest is not the latest purchase');
    out.last = state.last.slice();
    out.orders = state.orders.slice();
    out.spent = state.spent.slice();
    out.counted = state.counted.slice();
    out.users = n;
    out.countedBytes = state.counted.length;
    out.customerCount = customers;
    out.newestTs = state.newest;
    out.ignoredRows = state.ignored;
    return out;
  }

  /** A copy of the state, consistent as of the call. O(users + orders / 8). */
  exportState(): CustomersState {
    return {
      newest: this.newestTs,
      ignored: this.ignoredRows,
      last: this.last.slice(0, this.users),
      orders: this.orders.slice(0, this.users),
      spent: this.spent.slice(0, this.users),
      counted: this.counted.slice(0, this.countedBytes),
    };
  }

  /** Customers: users with at least one purchase line. */
  get customers(): number {
    return this.customerCount;
  }

  /** Newest purchase time counted (ms); −Infinity before any. */
  get newest(): number {
    return this.newestTs;
  }

  /** Purchase rows that could not be sales and were left out. */
  get ignored(): number {
    return this.ignoredRows;
  }

  /** Bumped by every ingest that changed a fact: the key of the cached scoring. */
  get version(): number {
    return this.changes;
  }

  /** Bytes held by the per-user arrays and the order bitset (not the transient scoring). */
  get bytes(): number {
    return (
      this.last.byteLength +
      this.orders.byteLength +
      this.spent.byteLength +
      this.counted.byteLength
    );
  }

  /**
   * Adds the batch's purchase rows that name a user; other rows are skipped (not counted as
   * ignored). Rows may arrive out of order: the last purchase is the latest time seen. O(rows),
   * amortised.
   */
  ingest(batch: EncodedBatch): void {
    const { ts, type, user, ref, quantity, price } = batch;
    let changed = false;
    for (let i = 0; i < batch.length; i++) {
      if (type[i] !== PURCHASE) continue;
      const u = user[i]!;
      if (u === 0) continue;
      const t = ts[i]!;
      const order = ref[i]!;
      const cents = lineCents(quantity[i]!, price[i]!);
      if (order === 0 || cents < 0 || !(t >= 0)) {
        this.ignoredRows++;
        continue;
      }
      if (u >= this.users) this.growUsers(u + 1);
      const before = this.last[u]!;
      if (before === -Infinity) this.customerCount++;
      if (t > before) this.last[u] = t;
      this.spent[u]! += cents;
      const byte = order >>> 3;
      const bit = 1 << (order & 7);
      if (byte >= this.countedBytes) this.growCounted(byte + 1);
      if ((this.counted[byte]! & bit) === 0) {
        this.counted[byte]! |= bit;
        this.orders[u]!++;
      }
      if (t > this.newestTs) this.newestTs = t;
      changed = true;
    }
    if (changed) this.changes++;
  }

  /**
   * Renumbers user or order ids (engine/retention.ts): `map[id]` is the new id, 0 when dropped;
   * kept ids keep their order, numbered 1..`size`.
   * - user: kept customers' facts move to their new ids; a dropped customer is forgotten and
   *   leaves the segments (the population is rescored), and the newest purchase becomes the
   *   latest of the customers kept.
   * - order: the counted orders follow their ids; a dropped order is forgotten, so a late line of
   *   it (which gets a new id) counts as a new order.
   * Arrays are reallocated to fit. Other kinds are not held. Throws
   * AisleError('AISLE_INVALID_ARGUMENT') when the map does not cover the ids held, before
   * changing anything. O(users) or O(orders / 8).
   */
  remap(kind: IdKind, map: Uint32Array, size: number): void {
    if (dropsNothing(map, size)) return;
    if (kind === 'user') this.remapUsers(map);
    else if (kind === 'order') this.remapOrders(map);
  }

  /** A customer's facts; undefined for a user who never bought (or an unknown id). O(1). */
  facts(user: number): CustomerFacts | undefined {
    if (!Number.isSafeInteger(user) || user <= 0 || user >= this.users) return undefined;
    const last = this.last[user]!;
    if (last === -Infinity) return undefined;
    return {
      user,
      lastPurchase: last,
      orders: this.orders[user]!,
      monetary: fromCents(this.spent[user]!),
    };
  }

  /**
   * Every customer's RFM segment, summarised per segment, with recency measured at stream time
   * `now`. The first question after new purchases scores everyone (O(U)); later ones reuse it
   * (O(segments)). Throws AisleError('AISLE_INVALID_ARGUMENT') naming `now` when it is not a
   * time or is before the newest purchase counted (recency would be negative).
   */
  segments(now: number): RfmSummary {
    this.checkNow(now);
    return this.scored().summary(now);
  }

  /**
   * One customer's facts, scores and segment at `now`; undefined for a user who never bought.
   * Costs a scoring (as `segments`) when purchases arrived since the last one, else O(1).
   * Throws as `segments` does for a bad `now`, and naming `user` for an id that is not one.
   */
  segmentOf(user: number, now: number): CustomerSegment | undefined {
    if (!Number.isSafeInteger(user) || user < 0) {
      invalid('user', `must be a dense user id (integer ≥ 0), not ${String(user)}`);
    }
    this.checkNow(now);
    const facts = this.facts(user);
    if (facts === undefined) return undefined;
    const { r, f, m, fm, segment } = this.scored().scores(
      facts.lastPurchase,
      facts.orders,
      this.spent[user]!,
    );
    return {
      user,
      lastPurchase: facts.lastPurchase,
      orders: facts.orders,
      monetary: facts.monetary,
      recencyDays: (now - facts.lastPurchase) / DAY_MS,
      r,
      f,
      m,
      fm,
      segment,
    };
  }

  private scored(): RfmScoring {
    if (this.scoring !== undefined && this.scoringVersion === this.changes) return this.scoring;
    const n = this.customerCount;
    const last = new Float64Array(n);
    const orders = new Uint32Array(n);
    const spent = new Float64Array(n);
    let at = 0;
    for (let u = 1; u < this.users; u++) {
      const t = this.last[u]!;
      if (t === -Infinity) continue;
      last[at] = t;
      orders[at] = this.orders[u]!;
      spent[at] = this.spent[u]!;
      at++;
    }
    this.scoring = new RfmScoring({ last, orders, spent });
    this.scoringVersion = this.changes;
    return this.scoring;
  }

  private checkNow(now: number): void {
    if (typeof now !== 'number' || !Number.isFinite(now) || now < 0) {
      invalid('now', `must be a time in epoch ms, not ${String(now)}`);
    }
    if (now < this.newestTs) {
      invalid(
        'now',
        `${new Date(now).toISOString()} is before the newest purchase counted ` +
          `(${new Date(this.newestTs).toISOString()})`,
      );
    }
  }

  private remapUsers(map: Uint32Array): void {
    if (this.users > map.length) invalid('map', `covers users below ${map.length}`);
    let bound = 0;
    for (let u = 1; u < this.users; u++) {
      if (map[u] !== 0 && this.last[u] !== -Infinity) bound = map[u]! + 1;
    }
    const cap = Math.max(bound, 64);
    const last = new Float64Array(cap).fill(-Infinity);
    const orders = new Uint32Array(cap);
    const spent = new Float64Array(cap);
    let customers = 0;
    let newest = -Infinity;
    for (let u = 1; u < this.users; u++) {
      const to = map[u]!;
      const t = this.last[u]!;
      if (to === 0 || t === -Infinity) continue;
      last[to] = t;
      orders[to] = this.orders[u]!;
      spent[to] = this.spent[u]!;
      customers++;
      if (t > newest) newest = t;
    }
    this.last = last;
    this.orders = orders;
    this.spent = spent;
    this.users = bound;
    this.customerCount = customers;
    this.newestTs = newest;
    // The population changed: the cached scoring must go, and the version tells its owners.
    this.scoring = undefined;
    this.changes++;
  }

  private remapOrders(map: Uint32Array): void {
    const counted = this.counted;
    const bytes = this.countedBytes;
    for (let o = map.length; o < bytes * 8; o++) {
      if ((counted[o >>> 3]! & (1 << (o & 7))) !== 0) {
        invalid('map', `covers orders below ${map.length}, order ${o} was counted`);
      }
    }
    let top = 0;
    for (let byte = 0; byte < bytes; byte++) {
      const bits = counted[byte]!;
      if (bits === 0) continue;
      for (let b = 0; b < 8; b++) {
        if ((bits & (1 << b)) !== 0 && map[byte * 8 + b]! > top) top = map[byte * 8 + b]!;
      }
    }
    const used = top === 0 ? 0 : (top >>> 3) + 1;
    const next = new Uint8Array(Math.max(used, 64));
    for (let byte = 0; byte < bytes; byte++) {
      const bits = counted[byte]!;
      if (bits === 0) continue;
      for (let b = 0; b < 8; b++) {
        if ((bits & (1 << b)) === 0) continue;
        const to = map[byte * 8 + b]!;
        if (to !== 0) next[to >>> 3]! |= 1 << (to & 7);
      }
    }
    this.counted = next;
    this.countedBytes = used;
  }

  private growUsers(n: number): void {
    if (n > this.last.length) {
      this.last = grownF64(this.last, n, -Infinity);
      this.orders = grownU32(this.orders, n);
      this.spent = grownF64(this.spent, n, 0);
    }
    this.users = n;
  }

  private growCounted(n: number): void {
    if (n > this.counted.length) {
      const out = new Uint8Array(Math.max(n, this.counted.length * 2, 64));
      out.set(this.counted);
      this.counted = out;
    }
    this.countedBytes = n;
  }
}
