/**
 * Shopping funnels, view → add_to_cart → purchase, per item, per category and for the whole shop,
 * over sliding windows of stream time.
 *
 * Every event adds one to a time bucket of its item, its category and the shop, in each tier of
 * bucket rings (by default 1-minute buckets over the last day and 1-hour buckets over the last 30
 * days). A query sums the buckets its window covers in the finest tier long enough for it, so it
 * costs at most one tier's slots whatever the length of the stream, and its counts are exact for
 * the bucket-aligned window it reports as [from, to).
 *
 * Steps count events, not units or shoppers: a purchase line of three units is one purchase, and
 * the step ratios are ratios of event counts within the window (a cart whose view fell before the
 * window still counts), so they can exceed 1.
 *
 * Distinct users per step are exact, for the shop and per category, on windows that reach the
 * newest event. Each (scope, step, user) remembers when it was last seen and is counted in that
 * bucket only; a later event moves the count to the newer bucket. Users whose last event is in the
 * window are then exactly the users with any event in it. Only identified users (events with a
 * `user`) are counted.
 *
 * Retention (`remap`). Dropping items takes their windows; the shop's and the categories' counts
 * stay as they are. Dropping users takes them out of the last-seen table and leaves every count
 * where it is: a dropped user is still counted in the bucket of their last event, so every window
 * answers as before, the user having been active there. Only a dropped user who comes back (as a
 * new id: the engine has forgotten who they were) is counted again in the bucket of their new
 * event, so a window reaching back to both buckets counts them twice, once per (scope, step).
 * The engine drops a user for inactivity only once their last event is older than the horizon,
 * which in a default server is at least the longest tier: that bucket has then left every tier
 * and the counts stay exact. Only a user cap (or a horizon shorter than the longest tier), which
 * drops users whose last bucket is still held, can cause the overcount: at most one per returning
 * user, and gone once the window no longer reaches the bucket where they were last counted.
 */
import type { IdKind } from '../activity.js';
import { AisleError } from '../errors.js';
import { EVENT_TYPE_CODE } from '../events.js';
import { remapKeepsAll } from '../remap-map.js';
import { allBelow, expectState, isArrayOf } from '../snapshot/check.js';
import type { EncodedBatch } from '../store/index.js';
import {
  BucketRings,
  DEFAULT_TIERS,
  checkWindowQuery,
  resolveTiers,
  seriesPlan,
  tierFor,
  windowBuckets,
  type BucketRingsState,
  type BucketTier,
  type ResolvedTier,
  type WindowQuery,
} from './windows.js';

/** One resolution of the funnel: buckets of `resolution` covering the last `span` of time. */
export type FunnelTier = BucketTier;

export interface FunnelOptions {
  /**
   * Category id (dense, from the store's category dictionary) of an item id; 0 when it has none.
   * Consulted once per event as it is ingested, so the catalogue's assignment at that time holds.
   * Default: no categories.
   */
  categoryOf?: (item: number) => number;
  /** Resolutions, finest first, each longer than the last. Default {@link DEFAULT_FUNNEL_TIERS}. */
  tiers?: readonly FunnelTier[];
  /** Count distinct users per step for the shop and per category. Default true. */
  distinctUsers?: boolean;
}

/** 1-minute buckets for windows up to a day, 1-hour buckets for windows up to 30 days. */
export const DEFAULT_FUNNEL_TIERS: readonly FunnelTier[] = DEFAULT_TIERS;

/** The options in force, durations in ms. */
export interface ResolvedFunnelOptions {
  categoryOf: (item: number) => number;
  tiers: readonly ResolvedTier[];
  distinctUsers: boolean;
}

/** A window ending now, for an item, a category or (neither) the whole shop. */
export type FunnelQuery = WindowQuery;

export interface FunnelSteps {
  views: number;
  carts: number;
  purchases: number;
}

export interface FunnelResult extends FunnelSteps {
  /** The window asked for, ms. */
  window: number;
  /** Bucket width the answer was computed at, ms. */
  resolution: number;
  /**
   * The window actually counted, [from, to): whole buckets, ending with the bucket holding `now`
   * and spanning `window` rounded up to the resolution.
   */
  from: number;
  to: number;
  /** carts / views; null when there were no views. */
  viewToCart: number | null;
  /** purchases / carts; null when there were no carts. */
  cartToPurchase: number | null;
  /** purchases / views; null when there were no views. */
  viewToPurchase: number | null;
  /**
   * Distinct identified users per step, exact. Null for an item, for a window that ends before
   * the newest event (users seen after it are no longer counted where they were), when distinct
   * users are turned off, or for a category id of 699,050 or more.
   */
  users: FunnelSteps | null;
}

/** One step of a funnel series: the counts of the bucket-aligned [from, to). */
export interface FunnelPoint extends FunnelSteps {
  from: number;
  to: number;
}

/** `series`: the window as consecutive steps, oldest first. */
export interface FunnelSeries {
  window: number;
  step: number;
  resolution: number;
  /** [from, to): `points.length` whole steps, the last ending with the bucket holding `now`. */
  from: number;
  to: number;
  points: FunnelPoint[];
}

/** What a snapshot keeps of the funnels. */
export interface FunnelState {
  /** Newest event time counted, ms; −Infinity before any. */
  newest: number;
  /** Events that arrived after their bucket had left the finest tier. */
  late: number;
  /** Per tier, the bucket before which item buckets were last forgotten; absent before retention. */
  forgotTo?: number[];
  /** Per tier (order of the options): item rings and shop/category rings. */
  tiers: { items: BucketRingsState; scopes: BucketRingsState }[];
  /** Last-seen time per (scope·3 + step, user); null when distinct users are off. */
  users: { scopeStep: Uint32Array; user: Uint32Array; last: Float64Array } | null;
}

const OPTION_KEYS = new Set(['categoryOf', 'tiers', 'distinctUsers']);
/** Funnel step of each event type code, −1 for types that are not a step. */
const STEP_OF = new Int8Array(256).fill(-1);
STEP_OF[EVENT_TYPE_CODE.view] = 0;
STEP_OF[EVENT_TYPE_CODE.add_to_cart] = 1;
STEP_OF[EVENT_TYPE_CODE.purchase] = 2;
const STEPS = 3;
/** Scope key of the whole shop in the scope rings; categories use their own ids (≥ 1). */
const SHOP = 0;
/**
 * Categories with distinct users: their (scope, step) key times 2^32 plus a user id must stay an
 * exact double, which is how snapshots sort the table. Far beyond any real catalogue.
 */
const MAX_USER_SCOPE = Math.floor(2 ** 21 / STEPS);

function invalid(field: string, message: string): never {
  throw new AisleError('AISLE_INVALID_ARGUMENT', `funnel ${field}: ${message}`, { field });
}

/**
 * Fills defaults and checks every option.
 * Throws AisleError('AISLE_INVALID_ARGUMENT') naming the first bad field.
 */
export function resolveFunnelOptions(options: FunnelOptions = {}): ResolvedFunnelOptions {
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) invalid(key, 'is not a funnel option');
  }
  const categoryOf = options.categoryOf ?? (() => 0);
  if (typeof categoryOf !== 'function') invalid('categoryOf', 'must be a function');
  const distinctUsers = options.distinctUsers ?? true;
  if (typeof distinctUsers !== 'boolean') invalid('distinctUsers', 'must be a boolean');
  const tiers = resolveTiers(options.tiers, 'funnel');
  return { categoryOf, tiers, distinctUsers };
}

function ratio(num: number, den: number): number | null {
  return den > 0 ? num / den : null;
}

/**
 * When each (scope, step, user) was last seen: open addressing with linear probing over flat
 * arrays. Entries whose time has left every tier are dropped when the table is rebuilt, so its
 * size follows the users active in the longest span.
 *
 * A slot is 16 bytes in one buffer, user and scope-step as u32 then the time as f64, so a probe
 * and the time it finds share a cache line: the table is far larger than the caches and is hit
 * at a random slot for every identified event.
 */
class LastSeen {
  /** Per slot: user (0 = empty), scope-step, then the two words of the time. */
  readonly cells: Uint32Array;
  /** The same buffer as f64: the time of slot `s` is at `2s + 1`. */
  readonly times: Float64Array;
  /** Slots: a power of two. */
  readonly capacity: number;
  size = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.times = new Float64Array(capacity * 2);
    this.cells = new Uint32Array(this.times.buffer);
  }

  get byteLength(): number {
    return this.times.byteLength;
  }

  userAt(slot: number): number {
    return this.cells[slot * 4]!;
  }

  scopeStepAt(slot: number): number {
    return this.cells[slot * 4 + 1]!;
  }

  lastAt(slot: number): number {
    return this.times[slot * 2 + 1]!;
  }

  setLast(slot: number, last: number): void {
    this.times[slot * 2 + 1] = last;
  }

  /**
   * First slot probed for the entry. Hashed on the user alone, then offset by the scope-step: a
   * user's entries lie side by side (the shop's three steps, then each category's three, in one
   * or two cache lines each), so the events of a session, which are one user's, find their slots
   * already cached.
   */
  private home(scopeStep: number, user: number): number {
    let h = Math.imul(user, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
    return ((h ^ (h >>> 13)) + scopeStep) & (this.capacity - 1);
  }

  /** Slot of the entry, or −1 − (the empty slot where it would go). `user` is never 0. */
  find(scopeStep: number, user: number): number {
    const cells = this.cells;
    const mask = this.capacity - 1;
    let slot = this.home(scopeStep, user);
    for (;;) {
      const u = cells[slot * 4]!;
      if (u === 0) return -1 - slot;
      if (u === user && cells[slot * 4 + 1] === scopeStep) return slot;
      slot = (slot + 1) & mask;
    }
  }

  insertAt(empty: number, scopeStep: number, user: number, last: number): void {
    this.cells[empty * 4] = user;
    this.cells[empty * 4 + 1] = scopeStep;
    this.times[empty * 2 + 1] = last;
    this.size++;
  }

  /**
   * A table of the entries `keep` accepts, each user renamed to `map[user]`, entries of users
   * mapped to 0 (or past the map) left out, with room to grow.
   */
  remapped(map: Uint32Array, keep: (last: number) => boolean): LastSeen {
    let live = 0;
    for (let i = 0; i < this.capacity; i++) {
      const u = this.userAt(i);
      if (u !== 0 && u < map.length && map[u] !== 0 && keep(this.lastAt(i))) live++;
    }
    let cap = 1024;
    while (cap < live * 4) cap *= 2;
    const out = new LastSeen(cap);
    for (let i = 0; i < this.capacity; i++) {
      const u = this.userAt(i);
      if (u === 0 || u >= map.length || !keep(this.lastAt(i))) continue;
      const to = map[u]!;
      if (to === 0) continue;
      const key = this.scopeStepAt(i);
      out.insertAt(-1 - out.find(key, to), key, to, this.lastAt(i));
    }
    return out;
  }

  /** A table of the entries `keep` accepts, with room to grow. */
  rebuilt(keep: (last: number) => boolean): LastSeen {
    let live = 0;
    for (let i = 0; i < this.capacity; i++) {
      if (this.userAt(i) !== 0 && keep(this.lastAt(i))) live++;
    }
    let cap = 1024;
    while (cap < live * 4) cap *= 2;
    const out = new LastSeen(cap);
    for (let i = 0; i < this.capacity; i++) {
      const u = this.userAt(i);
      if (u === 0 || !keep(this.lastAt(i))) continue;
      const key = this.scopeStepAt(i);
      out.insertAt(-1 - out.find(key, u), key, u, this.lastAt(i));
    }
    return out;
  }
}

/**
 * Where the newest bucket each scope was added to lies in a tier's scope rings. The shop and each
 * busy category take event after event in the same bucket, so a remembered place spares searching
 * the ring for it; it is used only while the rings have moved no bucket since it was found and
 * still retain it, which is when `locate` would find the same place.
 */
class ScopePlaces {
  /** Per scope key: bucket (−1 = none), place, the rings' `moves` when found. */
  private cells = new Float64Array(3 * 64).fill(-1);

  /** `rings.locate(key, bucket)`, from the remembered place when it still holds. */
  place(rings: BucketRings, key: number, bucket: number): number {
    const c = key * 3;
    let cells = this.cells;
    if (
      c < cells.length &&
      cells[c] === bucket &&
      cells[c + 2] === rings.moves &&
      rings.retains(bucket)
    ) {
      return cells[c + 1]!;
    }
    const at = rings.locate(key, bucket);
    if (at < 0) return at;
    if (c >= cells.length) {
      cells = new Float64Array(Math.max(c + 3, cells.length * 2)).fill(-1);
      cells.set(this.cells);
      this.cells = cells;
    }
    cells[c] = bucket;
    cells[c + 1] = at;
    cells[c + 2] = rings.moves;
    return at;
  }
}

interface Tier extends ResolvedTier {
  /** Per item: steps 0..2. */
  items: BucketRings;
  /** Per scope (shop 0, category ids): steps 0..2, then distinct users per step 3..5. */
  scopes: BucketRings;
  /** Places in `scopes`, rebuilt with it. */
  places: ScopePlaces;
}

export class Funnels {
  readonly options: ResolvedFunnelOptions;
  private readonly tiers: Tier[];
  private readonly categoryOf: (item: number) => number;
  private seen: LastSeen | undefined;
  private newestTs = -Infinity;
  private lateCount = 0;
  /** Per tier, the bucket before which item buckets were last forgotten (see `forget`). */
  private forgotTo: number[] = [];
  /** Per tier, the bucket of the event being ingested. */
  private readonly buckets: Float64Array;

  /** Throws AisleError('AISLE_INVALID_ARGUMENT') naming a bad option. */
  constructor(options: FunnelOptions = {}) {
    this.options = resolveFunnelOptions(options);
    this.categoryOf = this.options.categoryOf;
    const scopeChannels = this.options.distinctUsers ? 2 * STEPS : STEPS;
    this.tiers = this.options.tiers.map((t) => ({
      ...t,
      items: new BucketRings(t.resolutionMs, t.slots, STEPS),
      scopes: new BucketRings(t.resolutionMs, t.slots, scopeChannels),
      places: new ScopePlaces(),
    }));
    this.buckets = new Float64Array(this.tiers.length);
    if (this.options.distinctUsers) this.seen = new LastSeen(1024);
    this.forgotTo = this.tiers.map(() => -1);
  }

  /**
   * Restores funnels from `exportState` with the options they were built with. Throws
   * AisleError('AISLE_SNAPSHOT') when the state does not fit them. O(state).
   */
  static fromState(options: FunnelOptions, state: FunnelState): Funnels {
    const out = new Funnels(options);
    expectState(
      (Number.isFinite(state.newest) || state.newest === -Infinity) &&
        Number.isSafeInteger(state.late) &&
        state.late >= 0,
      'funnel: newest or late',
    );
    expectState(
      Array.isArray(state.tiers) && state.tiers.length === out.tiers.length,
      'funnel: tiers differ from the options',
    );
    const channels = out.options.distinctUsers ? 2 * STEPS : STEPS;
    out.tiers.forEach((tier, i) => {
      const s = state.tiers[i]!;
      expectState(typeof s === 'object' && s !== null, `funnel: tier ${i} missing`);
      tier.items = BucketRings.fromState(tier.resolutionMs, tier.slots, STEPS, s.items);
      tier.scopes = BucketRings.fromState(tier.resolutionMs, tier.slots, channels, s.scopes);
      tier.places = new ScopePlaces();
    });
    out.newestTs = state.newest;
    out.lateCount = state.late;
    if (state.forgotTo !== undefined) {
      expectState(
        Array.isArray(state.forgotTo) &&
          state.forgotTo.length === out.tiers.length &&
          state.forgotTo.every((b) => Number.isInteger(b) && b >= -1),
        'funnel: forgotTo',
      );
      out.forgotTo = state.forgotTo.slice();
    }
    if (out.options.distinctUsers) {
      const u = state.users;
      expectState(u !== null && typeof u === 'object', 'funnel: distinct users missing');
      const n = u.user?.length ?? 0;
      expectState(
        isArrayOf(u.scopeStep, Uint32Array, n) &&
          isArrayOf(u.user, Uint32Array, n) &&
          isArrayOf(u.last, Float64Array, n) &&
          !u.user.includes(0) &&
          allBelow(u.scopeStep, MAX_USER_SCOPE * STEPS) &&
          u.last.every((t) => Number.isFinite(t)),
        'funnel: distinct users arrays',
      );
      let cap = 1024;
      while (cap < n * 4) cap *= 2;
      const seen = new LastSeen(cap);
      for (let i = 0; i < n; i++) {
        const at = seen.find(u.scopeStep[i]!, u.user[i]!);
        expectState(at < 0, 'funnel: a distinct user is listed twice');
        seen.insertAt(-1 - at, u.scopeStep[i]!, u.user[i]!, u.last[i]!);
      }
      out.seen = seen;
    } else {
      expectState(state.users === null, 'funnel: distinct users present but turned off');
    }
    return out;
  }

  /** A copy of the state, consistent as of the call. O(retained buckets + users). */
  exportState(): FunnelState {
    let users: FunnelState['users'] = null;
    if (this.seen !== undefined) {
      const seen = this.seen;
      // In key order, so the same counts always give the same snapshot: each key packed into one
      // exact double (scopeStep · 2^32 + user) so a numeric typed-array sort orders them.
      const packed: number[] = [];
      for (let i = 0; i < seen.capacity; i++) {
        if (seen.userAt(i) === 0 || !this.stillCounted(seen.lastAt(i))) continue;
        packed.push(seen.scopeStepAt(i) * 2 ** 32 + seen.userAt(i));
      }
      const keys = Float64Array.from(packed).sort();
      const n = keys.length;
      users = {
        scopeStep: new Uint32Array(n),
        user: new Uint32Array(n),
        last: new Float64Array(n),
      };
      for (let i = 0; i < n; i++) {
        const scopeStep = Math.floor(keys[i]! / 2 ** 32);
        const user = keys[i]! % 2 ** 32;
        users.scopeStep[i] = scopeStep;
        users.user[i] = user;
        users.last[i] = seen.lastAt(seen.find(scopeStep, user));
      }
    }
    return {
      newest: this.newestTs,
      late: this.lateCount,
      forgotTo: this.forgotTo.slice(),
      tiers: this.tiers.map((t) => ({
        items: t.items.exportState(),
        scopes: t.scopes.exportState(),
      })),
      users,
    };
  }

  /**
   * Renumbers the ids of `kind` (engine/retention.ts): items and users are held here. `map[id]`
   * is the new id of `id`, 0 when it is dropped, and kept ids run 1..`size` in their old order.
   * A dropped item's windows go; a dropped user leaves the distinct-user table with their counts
   * left in place (see the file header for what that keeps exact). The shop's and categories'
   * counts never change. Other kinds are ignored. Throws AisleError('AISLE_INVALID_ARGUMENT')
   * for a map that is not a retention map. O(item buckets) for items, O(table) for users.
   */
  remap(kind: IdKind, map: Uint32Array, size: number): void {
    if (kind === 'item') {
      if (remapKeepsAll(map, size, 'funnel')) return;
      for (const tier of this.tiers) tier.items.remapKeys(map, size);
    } else if (kind === 'user') {
      if (remapKeepsAll(map, size, 'funnel') || this.seen === undefined) return;
      this.seen = this.seen.remapped(map, (last) => this.stillCounted(last));
    }
  }

  /**
   * Retention: per-item buckets older than `cutoff` (stream time, ms), the horizon behind `now`,
   * go, so an item's windows reach back at most the horizon; the shop's and the categories'
   * counts keep their whole tiers. A tier is swept once at least an eighth of the horizon has
   * passed since its last sweep: O(its live item buckets) then.
   */
  forget(cutoff: number, now: number): void {
    this.tiers.forEach((tier, i) => {
      const width = tier.resolutionMs;
      const bucket = Math.floor(cutoff / width);
      const step = Math.max(1, Math.floor((now - cutoff) / width / 8));
      if (bucket < this.forgotTo[i]! + step) return;
      this.forgotTo[i] = bucket;
      tier.items.forgetBefore(bucket);
    });
  }

  /** Newest event time counted (ms); −Infinity before any. */
  get newest(): number {
    return this.newestTs;
  }

  /** Events that arrived after their bucket had left the finest tier (missing from its windows). */
  get late(): number {
    return this.lateCount;
  }

  /** Bytes held by the counters and the distinct-user table. */
  get bytes(): number {
    let total = 0;
    for (const t of this.tiers) total += t.items.bytes + t.scopes.bytes;
    const seen = this.seen;
    if (seen !== undefined) {
      total += seen.byteLength;
    }
    return total;
  }

  /** Longest window any tier can answer, ms. */
  get maxWindow(): number {
    return this.tiers[this.tiers.length - 1]!.spanMs;
  }

  /**
   * Counts the view, add_to_cart and purchase events of a batch; other types are ignored.
   * Events may arrive out of order: one is counted in every tier that still holds its bucket.
   * O(rows × tiers), plus a hash probe per identified shopper event when distinct users are on.
   */
  ingest(batch: EncodedBatch): void {
    const { ts, type, item, user } = batch;
    const tiers = this.tiers;
    const count = tiers.length;
    const buckets = this.buckets;
    const categoryOf = this.categoryOf;
    const distinct = this.seen !== undefined;
    for (let i = 0; i < batch.length; i++) {
      const step = STEP_OF[type[i]!]!;
      const it = item[i]!;
      const t = ts[i]!;
      // Negative times cannot be bucketed as unsigned indexes; validated events never have them.
      if (step < 0 || it === 0 || !(t >= 0)) continue;
      if (t > this.newestTs) this.newestTs = t;
      const category = categoryOf(it);
      for (let k = 0; k < count; k++) {
        const tier = tiers[k]!;
        const b = Math.floor(t / tier.resolutionMs);
        buckets[k] = b;
        if (!tier.items.add(it, b, step, 1)) {
          if (k === 0) this.lateCount++;
          continue;
        }
        const scopes = tier.scopes;
        const places = tier.places;
        const shop = places.place(scopes, SHOP, b);
        if (shop >= 0) scopes.addAt(shop, step, 1);
        if (category > 0) {
          const at = places.place(scopes, category, b);
          if (at >= 0) scopes.addAt(at, step, 1);
        }
      }
      const u = user[i]!;
      if (u !== 0 && distinct) {
        this.see(SHOP, step, u, t);
        if (category > 0 && category < MAX_USER_SCOPE) this.see(category, step, u, t);
      }
    }
  }

  /**
   * The funnel over the `window` ending with the bucket holding `now` (stream time, ms), for an
   * item, a category or (neither given) the whole shop. Answered by the finest tier whose span
   * covers the window. Unknown ids give zero counts.
   *
   * Throws AisleError('AISLE_INVALID_ARGUMENT') naming the field when the window is not a
   * duration or is longer than the longest tier, when both or bad ids are given, or when `now`
   * is so far behind the newest event that the window starts before what the tier still holds.
   */
  funnel(query: FunnelQuery, now: number): FunnelResult {
    const { window, item, category } = checkWindowQuery(query, now, 'funnel');
    const tier = tierFor(this.tiers, window, 'funnel');
    const width = tier.resolutionMs;
    const rings = item === undefined ? tier.scopes : tier.items;
    const { first, last } = windowBuckets(rings, window, now, 'funnel');
    const sums = new Float64Array(2 * STEPS);
    rings.sumInto(item ?? category ?? SHOP, first, last, sums);
    const [views, carts, purchases] = sums;
    const to = (last + 1) * width;
    const exactUsers =
      this.seen !== undefined &&
      item === undefined &&
      (category ?? SHOP) < MAX_USER_SCOPE &&
      to > this.newestTs;
    return {
      window,
      resolution: width,
      from: first * width,
      to,
      views: views!,
      carts: carts!,
      purchases: purchases!,
      viewToCart: ratio(carts!, views!),
      cartToPurchase: ratio(purchases!, carts!),
      viewToPurchase: ratio(purchases!, views!),
      users: exactUsers ? { views: sums[3]!, carts: sums[4]!, purchases: sums[5]! } : null,
    };
  }

  /**
   * The window as consecutive steps of `step`, oldest first, the last ending with the bucket
   * holding `now`: ⌈window / step⌉ points (at most 1,440) of views, carts and purchases, from the
   * finest tier whose buckets divide the step and whose span holds every point. One walk over
   * the key's buckets, as `funnel` does. Distinct users are not given per point.
   *
   * Throws as `funnel` does, and naming `step` when it is not a duration, is longer than the
   * window, gives too many points, or fits no tier's buckets.
   */
  series(query: FunnelQuery & { step: string | number }, now: number): FunnelSeries {
    const { window, item, category } = checkWindowQuery(query, now, 'funnel');
    const { tier, step, count, per } = seriesPlan(this.tiers, window, query.step, 'funnel');
    const width = tier.resolutionMs;
    const rings = item === undefined ? tier.scopes : tier.items;
    const { first, last } = windowBuckets(rings, count * step, now, 'funnel');
    const channels = rings.channels;
    const sums = new Float64Array(count * channels);
    rings.sumSteps(item ?? category ?? SHOP, first, per, count, sums);
    const points: FunnelPoint[] = [];
    for (let p = 0; p < count; p++) {
      const from = first + p * per;
      const at = p * channels;
      points.push({
        from: from * width,
        to: (from + per) * width,
        views: sums[at]!,
        carts: sums[at + 1]!,
        purchases: sums[at + 2]!,
      });
    }
    return { window, step, resolution: width, from: first * width, to: (last + 1) * width, points };
  }

  /**
   * Records that `user` did `step` in `scope` at `t`, moving their count to the newest bucket.
   * `buckets` holds the buckets of `t`.
   */
  private see(scope: number, step: number, user: number, t: number): void {
    let seen = this.seen!;
    const key = scope * STEPS + step;
    const channel = STEPS + step;
    const tiers = this.tiers;
    const buckets = this.buckets;
    let slot = seen.find(key, user);
    if (slot < 0) {
      if ((seen.size + 1) * 2 > seen.capacity) {
        seen = this.seen = seen.rebuilt((last) => this.stillCounted(last));
        slot = seen.find(key, user);
      }
      seen.insertAt(-1 - slot, key, user, t);
      for (let k = 0; k < tiers.length; k++) {
        const tier = tiers[k]!;
        const at = tier.places.place(tier.scopes, scope, buckets[k]!);
        if (at >= 0) tier.scopes.addAt(at, channel, 1);
      }
      return;
    }
    const before = seen.lastAt(slot);
    if (t <= before) return;
    seen.setLast(slot, t);
    for (let k = 0; k < tiers.length; k++) {
      const tier = tiers[k]!;
      const from = Math.floor(before / tier.resolutionMs);
      const to = buckets[k]!;
      if (from === to) continue;
      // A bucket still held was held when the user was counted in it, so it has their count.
      if (tier.scopes.retains(from)) tier.scopes.add(scope, from, channel, -1);
      const at = tier.places.place(tier.scopes, scope, to);
      if (at >= 0) tier.scopes.addAt(at, channel, 1);
    }
  }

  /** True while a last-seen time still lies in some tier's buckets. */
  private stillCounted(last: number): boolean {
    for (const tier of this.tiers) {
      if (tier.scopes.retains(Math.floor(last / tier.resolutionMs))) return true;
    }
    return false;
  }
}
