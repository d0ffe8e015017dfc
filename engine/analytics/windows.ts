/**
 * Sliding windows of stream time, kept as rings of fixed-width time buckets.
 *
 * Each key (an item, a category, the whole shop) holds only the buckets it had activity in, in
 * bucket order, so a large catalogue of mostly quiet items costs memory in proportion to its
 * activity rather than to items × buckets. A window's answer is a sum over at most `slots`
 * buckets of one key, whatever the length of the stream.
 *
 * Buckets are aligned to the epoch: bucket `b` of width `w` covers [b·w, (b+1)·w). The ring keeps
 * the `slots` newest buckets of stream time, (head − slots, head], where head is the newest bucket
 * added to or advanced to; anything older has left every window the ring can answer.
 */
import { AisleError } from '../errors.js';
import { expectState, isArrayOf, isCount, sum } from '../snapshot/check.js';

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$/;

/**
 * A duration as milliseconds: a positive integer number of ms, or a string such as `'90s'`,
 * `'15m'`, `'1h'`, `'1.5h'`, `'7d'` or `'2w'` (units ms, s, m, h, d, w).
 * Throws AisleError('AISLE_INVALID_ARGUMENT') naming the value and `field` otherwise.
 */
export function parseWindow(value: string | number, field = 'window'): number {
  let ms = Number.NaN;
  if (typeof value === 'number') ms = value;
  else if (typeof value === 'string') {
    const m = DURATION.exec(value);
    if (m !== null) ms = Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    const shown = typeof value === 'string' ? `"${value}"` : String(value);
    throw new AisleError(
      'AISLE_INVALID_ARGUMENT',
      `${field} ${shown} is not a duration: use a positive whole number of milliseconds or a ` +
        `string such as 90s, 15m, 1h or 7d`,
      { field, value },
    );
  }
  return ms;
}

/** Formats a duration in the largest unit that divides it (`3600000` → `1h`). */
export function formatWindow(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    const size = UNIT_MS[unit]!;
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** One resolution of a set of rings: buckets of `resolution` covering the last `span` of time. */
export interface BucketTier {
  /** Bucket width: ms or a duration string (`'1m'`). At least 1 s. */
  resolution: string | number;
  /** Time the tier covers: ms or a duration string (`'1d'`); a whole number of buckets. */
  span: string | number;
}

/** 1-minute buckets for windows up to a day, 1-hour buckets for windows up to 30 days. */
export const DEFAULT_TIERS: readonly BucketTier[] = Object.freeze([
  { resolution: '1m', span: '1d' },
  { resolution: '1h', span: '30d' },
]);

/** A tier in force, durations in ms; `slots` = span / resolution. */
export interface ResolvedTier {
  readonly resolutionMs: number;
  readonly spanMs: number;
  readonly slots: number;
}

const MIN_RESOLUTION_MS = 1000;
const MAX_SLOTS = 100_000;
const MAX_TIERS = 8;

/** Throws AisleError('AISLE_INVALID_ARGUMENT') with a message `<owner> <field>: <message>`. */
function invalid(owner: string, field: string, message: string): never {
  throw new AisleError('AISLE_INVALID_ARGUMENT', `${owner} ${field}: ${message}`, { field });
}

/**
 * Checks tiers given as an option of `owner` (`'funnel'`, `'revenue'`, the start of each error
 * message): 1 to 8 of them, finest first, each coarser and longer than the one before, each
 * resolution at least 1 s and each span a whole number of at most 100,000 buckets. `raw`
 * undefined gives {@link DEFAULT_TIERS}.
 * Throws AisleError('AISLE_INVALID_ARGUMENT') naming the first bad field (`tiers`, `tiers[i]`,
 * `tiers[i].resolution`, `tiers[i].span`).
 */
export function resolveTiers(
  raw: readonly BucketTier[] | undefined,
  owner: string,
): ResolvedTier[] {
  const given: unknown = raw ?? DEFAULT_TIERS;
  if (!Array.isArray(given) || given.length === 0 || given.length > MAX_TIERS) {
    invalid(owner, 'tiers', `must be an array of 1..${MAX_TIERS} tiers`);
  }
  const tiers: ResolvedTier[] = [];
  given.forEach((tier: BucketTier, i: number) => {
    const at = `tiers[${i}]`;
    if (typeof tier !== 'object' || tier === null) {
      invalid(owner, at, 'must be { resolution, span }');
    }
    const resolutionMs = parseWindow(tier.resolution, `${at}.resolution`);
    const spanMs = parseWindow(tier.span, `${at}.span`);
    if (resolutionMs < MIN_RESOLUTION_MS) invalid(owner, `${at}.resolution`, 'must be at least 1s');
    if (spanMs % resolutionMs !== 0) {
      invalid(
        owner,
        `${at}.span`,
        `must be a whole number of ${formatWindow(resolutionMs)} buckets`,
      );
    }
    const slots = spanMs / resolutionMs;
    if (slots > MAX_SLOTS) invalid(owner, `${at}.span`, `must be at most ${MAX_SLOTS} buckets`);
    const prev = tiers[i - 1];
    if (prev !== undefined && (resolutionMs <= prev.resolutionMs || spanMs <= prev.spanMs)) {
      invalid(owner, at, 'must be coarser and longer than the tier before it');
    }
    tiers.push({ resolutionMs, spanMs, slots });
  });
  return tiers;
}

/** A window ending now, for an item, a category or (neither) the whole shop. */
export interface WindowQuery {
  /** Window length: ms or a duration string (`'15m'`, `'1h'`, `'7d'`). */
  window: string | number;
  /** Dense item id; omit (with `category`) for the whole shop. */
  item?: number;
  /** Dense category id. */
  category?: number;
}

/** A checked {@link WindowQuery}: the window in ms, at most one of the ids. */
export interface CheckedWindowQuery {
  window: number;
  item: number | undefined;
  category: number | undefined;
}

/**
 * Checks a query of `owner` and the stream time `now` it ends at (epoch ms, finite, ≥ 0).
 * Throws AisleError('AISLE_INVALID_ARGUMENT') naming `query`, `window`, `item`, `category` or
 * `now`, in that order.
 */
export function checkWindowQuery(
  query: WindowQuery,
  now: number,
  owner: string,
): CheckedWindowQuery {
  if (typeof query !== 'object' || query === null) invalid(owner, 'query', 'must be an object');
  const window = parseWindow(query.window, 'window');
  const { item, category } = query;
  if (item !== undefined && category !== undefined) {
    invalid(owner, 'item', 'give an item or a category, not both');
  }
  if (item !== undefined && !(Number.isSafeInteger(item) && item > 0)) {
    invalid(owner, 'item', `must be a dense item id (integer ≥ 1), not ${String(item)}`);
  }
  if (category !== undefined && !(Number.isSafeInteger(category) && category > 0)) {
    invalid(
      owner,
      'category',
      `must be a dense category id (integer ≥ 1), not ${String(category)}`,
    );
  }
  checkNow(now, owner);
  return { window, item, category };
}

/** Throws AisleError('AISLE_INVALID_ARGUMENT') naming `now` unless it is a finite time ≥ 0, ms. */
export function checkNow(now: number, owner: string): void {
  if (typeof now !== 'number' || !Number.isFinite(now) || now < 0) {
    invalid(owner, 'now', `must be a time in epoch ms, not ${String(now)}`);
  }
}

/**
 * The finest of `tiers` (finest first) whose span covers `window` ms. Throws
 * AisleError('AISLE_INVALID_ARGUMENT') naming `window` when it is longer than every span.
 */
export function tierFor<T extends ResolvedTier>(
  tiers: readonly T[],
  window: number,
  owner: string,
): T {
  const tier = tiers.find((t) => t.spanMs >= window);
  if (tier === undefined) {
    const longest = tiers[tiers.length - 1]!.spanMs;
    invalid(owner, 'window', `${formatWindow(window)} is longer than ${formatWindow(longest)}`);
  }
  return tier;
}

/** Most points a series gives: a day in 1-minute steps. */
export const MAX_SERIES_POINTS = 1440;

/**
 * How a window is cut into `step`s: ⌈window / step⌉ points from the finest of `tiers` whose
 * buckets divide the step and whose span holds every point, `per` buckets a point.
 * Throws AisleError('AISLE_INVALID_ARGUMENT') naming `window` when no tier covers it, and `step`
 * when it is not a duration, is longer than the window, gives more than MAX_SERIES_POINTS points
 * or fits no tier's buckets.
 */
export function seriesPlan<T extends ResolvedTier>(
  tiers: readonly T[],
  window: number,
  stepRaw: string | number,
  owner: string,
): { tier: T; step: number; count: number; per: number } {
  const step = parseWindow(stepRaw, 'step');
  // The window must fit some tier; the step may need a coarser one.
  tierFor(tiers, window, owner);
  if (step > window) invalid(owner, 'step', `${formatWindow(step)} is longer than the window`);
  const count = Math.ceil(window / step);
  if (count > MAX_SERIES_POINTS) {
    invalid(
      owner,
      'step',
      `${formatWindow(step)} gives ${count} points; at most ${MAX_SERIES_POINTS}`,
    );
  }
  const tier = tiers.find((t) => step % t.resolutionMs === 0 && t.spanMs >= count * step);
  if (tier === undefined) {
    const widths = tiers.map((t) => formatWindow(t.resolutionMs)).join(' or ');
    invalid(
      owner,
      'step',
      `${count} steps of ${formatWindow(step)} fit no tier: a step must be a whole number of ` +
        `${widths} buckets, and all steps must fit in that tier's span`,
    );
  }
  return { tier, step, count, per: step / tier.resolutionMs };
}

/**
 * Buckets `first..last` (inclusive) of `rings` for `span` ms ending with the bucket holding `now`:
 * ⌈span / width⌉ whole buckets, so [first·width, (last + 1)·width) in ms.
 * Throws AisleError('AISLE_INVALID_ARGUMENT') naming `now` when the first bucket has already left
 * the rings (`now` too far behind their head): the answer would silently miss buckets.
 */
export function windowBuckets(
  rings: BucketRings,
  span: number,
  now: number,
  owner: string,
): { first: number; last: number } {
  const width = rings.widthMs;
  const last = Math.floor(now / width);
  const first = last - Math.ceil(span / width) + 1;
  if (!rings.retains(first)) {
    invalid(
      owner,
      'now',
      `a ${formatWindow(span)} window ending at ${new Date(now).toISOString()} starts ` +
        `before the ${formatWindow(width * rings.slots)} this resolution keeps`,
    );
  }
  return { first, last };
}

/** What a snapshot keeps of a ring set: the retained buckets of every non-empty key. */
export interface BucketRingsState {
  /** Newest bucket index seen; −1 before any. */
  head: number;
  /** Keys with retained buckets, ascending. */
  keys: Uint32Array;
  /** Retained buckets per key (same order). */
  lens: Uint32Array;
  /** Bucket indexes, key by key, ascending within a key. */
  buckets: Uint32Array;
  /** `channels` counters per bucket, in the order of `buckets`. */
  counts: Uint32Array;
}

const FIRST_CAPACITY = 4;
/** Per-key fields of `meta`: where the key's ring starts in the pool, and its shape. */
const OFFSET = 0;
const CAPACITY = 1;
const START = 2;
const LEN = 3;
const META = 4;

/**
 * Counters per (key, bucket, channel) over the newest `slots` buckets of stream time.
 * Keys are dense non-negative integers. Counts are unsigned: a decrement must follow an
 * increment of the same bucket (the caller's invariant; see the distinct-user counts).
 *
 * Every key's ring is a circular buffer in bucket order inside one pool of entries (a bucket
 * index followed by its counters), with its shape in one flat metadata array: an update for a
 * random item then touches two cache lines rather than a chain of small objects. A ring that
 * fills moves to a block twice its size at the end of the pool; a full pool is compacted when
 * abandoned blocks are a quarter of the live ones, and grows otherwise.
 */
export class BucketRings {
  /** Per key: OFFSET (entry index in the pool), CAPACITY (0 = no ring, else a power of 2), START, LEN. */
  private meta = new Uint32Array(64 * META);
  /** Entries of `stride` u32: bucket index, then `channels` counters. */
  private pool: Uint32Array;
  /** Entries handed out from the pool, live or abandoned. */
  private used = 0;
  /** Entries in abandoned blocks. */
  private abandoned = 0;
  private headBucket = -1;
  private moveCount = 0;
  private readonly stride: number;
  /** Largest ring capacity: a power of two ≥ slots, so a position is `index & mask`. */
  private readonly maxCapacity: number;

  constructor(
    /** Width of a bucket, ms. */
    readonly widthMs: number,
    /** Buckets retained. */
    readonly slots: number,
    /** Counters per bucket. */
    readonly channels: number,
  ) {
    let cap = FIRST_CAPACITY;
    while (cap < slots) cap *= 2;
    this.maxCapacity = cap;
    this.stride = 1 + channels;
    this.pool = new Uint32Array(1024 * this.stride);
  }

  /**
   * Restores rings from `exportState`. Throws AisleError('AISLE_SNAPSHOT') unless every key's
   * buckets ascend inside the retained range and the arrays agree in length. O(entries).
   */
  static fromState(
    widthMs: number,
    slots: number,
    channels: number,
    state: BucketRingsState,
  ): BucketRings {
    expectState(typeof state === 'object' && state !== null, 'bucket rings: missing');
    const n = state.keys?.length ?? 0;
    expectState(
      (state.head === -1 || isCount(state.head)) &&
        isArrayOf(state.keys, Uint32Array) &&
        isArrayOf(state.lens, Uint32Array, n) &&
        isArrayOf(state.buckets, Uint32Array, sum(state.lens)) &&
        isArrayOf(state.counts, Uint32Array, state.buckets.length * channels),
      'bucket rings: arrays',
    );
    const out = new BucketRings(widthMs, slots, channels);
    out.headBucket = state.head;
    const stride = out.stride;
    let at = 0;
    let prevKey = -1;
    for (let i = 0; i < n; i++) {
      const key = state.keys[i]!;
      const len = state.lens[i]!;
      expectState(key > prevKey && len > 0, 'bucket rings: keys must ascend and hold buckets');
      expectState(len <= slots, `bucket rings: key ${key} holds more than ${slots} buckets`);
      prevKey = key;
      let prev = -1;
      for (let j = 0; j < len; j++) {
        const b = state.buckets[at + j]!;
        expectState(
          b > prev && b <= state.head && b > state.head - slots,
          `bucket rings: key ${key} bucket ${b} out of order or out of range`,
        );
        prev = b;
      }
      let cap = FIRST_CAPACITY;
      while (cap < len) cap *= 2;
      const offset = out.allocate(cap);
      const m = out.metaOf(key);
      out.meta[m + OFFSET] = offset;
      out.meta[m + CAPACITY] = cap;
      out.meta[m + LEN] = len;
      for (let j = 0; j < len; j++) {
        const e = (offset + j) * stride;
        out.pool[e] = state.buckets[at + j]!;
        out.pool.set(state.counts.subarray((at + j) * channels, (at + j + 1) * channels), e + 1);
      }
      at += len;
    }
    return out;
  }

  /** A copy of the retained buckets (expired ones left out), consistent as of the call. */
  exportState(): BucketRingsState {
    const limit = this.headBucket - this.slots;
    const ch = this.channels;
    const keys: number[] = [];
    const lens: number[] = [];
    let total = 0;
    const bound = this.keyBound;
    for (let key = 0; key < bound; key++) {
      const m = key * META;
      if (this.meta[m + CAPACITY] === 0) continue;
      const live = this.meta[m + LEN]! - this.expiredCount(m, limit);
      if (live === 0) continue;
      keys.push(key);
      lens.push(live);
      total += live;
    }
    const buckets = new Uint32Array(total);
    const counts = new Uint32Array(total * ch);
    let at = 0;
    for (const key of keys) {
      const m = key * META;
      const skip = this.expiredCount(m, limit);
      for (let j = skip; j < this.meta[m + LEN]!; j++) {
        const e = this.entry(m, j);
        buckets[at] = this.pool[e]!;
        counts.set(this.pool.subarray(e + 1, e + 1 + ch), at * ch);
        at++;
      }
    }
    return {
      head: this.headBucket,
      keys: Uint32Array.from(keys),
      lens: Uint32Array.from(lens),
      buckets,
      counts,
    };
  }

  /**
   * Renumbers the keys (engine/retention.ts): key `k` becomes `map[k]`, and its buckets go when
   * that is 0 (or `k` is past the map); key 0, the absent id, stays. Kept keys keep their counts
   * exactly. Buckets that have left the ring are dropped on the way, and the pool and metadata
   * are rebuilt to fit the live buckets and `size` keys. O(keys + live buckets).
   */
  remapKeys(map: Uint32Array, size: number): void {
    const oldKeys = this.meta.length / META;
    this.rebuild(
      (key) => (key === 0 ? 0 : map[key]!),
      Math.min(size + 1, oldKeys),
      Math.min(oldKeys, map.length),
      this.headBucket - this.slots,
    );
  }

  /**
   * Retention: drops every key's buckets before `bucket`, as if they had left the ring, and
   * rebuilds the pool to fit what stays. Returns false, changing nothing, when no bucket is that
   * old. O(keys + live buckets).
   */
  forgetBefore(bucket: number): boolean {
    const limit = Math.min(bucket - 1, this.headBucket);
    if (limit <= this.headBucket - this.slots) return false;
    const bound = this.keyBound;
    let any = false;
    for (let key = 0; key < bound && !any; key++) {
      const m = key * META;
      any = this.meta[m + CAPACITY] !== 0 && this.expiredCount(m, limit) > 0;
    }
    if (any) this.rebuild((key) => key, bound, bound, limit);
    return any;
  }

  /**
   * Moves key `k`'s buckets newer than `limit` to key `target(k)` (0 drops them, except for key
   * 0, which stays 0) in a pool and metadata rebuilt to fit them: `keys` key slots, the old keys
   * below `bound` read. O(keys + live buckets).
   */
  private rebuild(
    target: (key: number) => number,
    keys: number,
    bound: number,
    limit: number,
  ): void {
    const stride = this.stride;
    const meta = this.meta;
    // Kept keys never grow (they keep their order from 1), so what held the old keys holds them.
    const next = new Uint32Array(Math.max(64, keys) * META);
    let total = 0;
    for (let key = 0; key < bound; key++) {
      const m = key * META;
      if (meta[m + CAPACITY] === 0) continue;
      const to = target(key);
      if (key !== 0 && to === 0) continue;
      const live = meta[m + LEN]! - this.expiredCount(m, limit);
      if (live === 0) continue;
      let cap = FIRST_CAPACITY;
      while (cap < live) cap *= 2;
      const n = to * META;
      next[n + OFFSET] = total;
      next[n + CAPACITY] = cap;
      next[n + LEN] = live;
      total += cap;
    }
    const pool = new Uint32Array(Math.max(1024, total) * stride);
    for (let key = 0; key < bound; key++) {
      const m = key * META;
      if (meta[m + CAPACITY] === 0) continue;
      const to = target(key);
      if (key !== 0 && to === 0) continue;
      const n = to * META;
      const live = next[n + LEN]!;
      if (next[n + CAPACITY] === 0) continue;
      const skip = meta[m + LEN]! - live;
      const base = next[n + OFFSET]! * stride;
      for (let j = 0; j < live; j++) {
        const e = this.entry(m, skip + j);
        const at = base + j * stride;
        for (let c = 0; c < stride; c++) pool[at + c] = this.pool[e + c]!;
      }
    }
    this.meta = next;
    this.pool = pool;
    this.used = total;
    this.abandoned = 0;
    this.moveCount++;
  }

  /**
   * Changes whenever buckets may have changed place in the pool (a ring grown or shifted, the pool
   * compacted or rebuilt): a place from {@link locate} of a bucket still retained holds for as
   * long as this is unchanged.
   */
  get moves(): number {
    return this.moveCount;
  }

  /** Newest bucket index seen; −1 before any. */
  get head(): number {
    return this.headBucket;
  }

  /** Moves the head forward to `bucket` (never back); older buckets leave the ring. */
  advance(bucket: number): void {
    if (bucket > this.headBucket) this.headBucket = bucket;
  }

  /** True when `bucket` is inside the ring: not yet pushed out by the head. */
  retains(bucket: number): boolean {
    return bucket > this.headBucket - this.slots;
  }

  /**
   * Adds `delta` to one counter, moving the head up to `bucket` if it is newer. Returns false,
   * changing nothing, when the bucket has left the ring. O(1) for the key's newest bucket or a
   * newer one; O(log n) for an older bucket it has, O(n) to insert an older bucket it lacks
   * (out-of-order arrivals only).
   */
  add(key: number, bucket: number, channel: number, delta: number): boolean {
    // Only an increment opens a bucket: a decrement always follows its increment.
    const at = this.locate(key, bucket, delta >= 0);
    if (at < 0) return false;
    this.pool[at + channel]! += delta;
    return true;
  }

  /**
   * Where the counters of `key`'s `bucket` are, for {@link counter} and {@link addAt}: the bucket
   * is opened with zero counters when the key lacks it (unless `open` is false), and the head
   * moves up to `bucket` if it is newer. −1, changing nothing but the head, when the bucket has
   * left the ring (or is missing and `open` is false). The place holds while {@link moves} stays
   * the same and the bucket is retained. Costs as `add`.
   */
  locate(key: number, bucket: number, open = true): number {
    if (bucket > this.headBucket) this.headBucket = bucket;
    else if (bucket <= this.headBucket - this.slots) return -1;
    const m = key * META;
    if (m >= this.meta.length || this.meta[m + CAPACITY] === 0) {
      if (!open) return -1;
      this.open(key);
    }
    const meta = this.meta;
    let len = meta[m + LEN]!;
    if (len > 0) {
      const tail = this.entry(m, len - 1);
      const last = this.pool[tail]!;
      if (last === bucket) return tail + 1;
      if (last > bucket) {
        const found = this.find(m, bucket, last);
        if (found >= 0) return found + 1;
      }
    }
    if (!open) return -1;
    if (len === meta[m + CAPACITY]) {
      // Expired buckets go only when room is needed (they are skipped when read). At most
      // `slots` are live, so a ring of `slots` entries then always has room.
      this.trim(m);
      len = meta[m + LEN]!;
      if (len === meta[m + CAPACITY]) this.grow(m);
    }
    let pos = len;
    while (pos > 0 && this.pool[this.entry(m, pos - 1)]! > bucket) pos--;
    const stride = this.stride;
    if (pos < len) this.moveCount++;
    for (let j = len; j > pos; j--) {
      this.pool.copyWithin(this.entry(m, j), this.entry(m, j - 1), this.entry(m, j - 1) + stride);
    }
    const e = this.entry(m, pos);
    this.pool[e] = bucket;
    for (let c = 1; c < stride; c++) this.pool[e + c] = 0;
    meta[m + LEN] = len + 1;
    return e + 1;
  }

  /** Counter `channel` of the bucket at `at` (from {@link locate}). */
  counter(at: number, channel: number): number {
    return this.pool[at + channel]!;
  }

  /** Adds `delta` to counter `channel` of the bucket at `at` (from {@link locate}), mod 2^32. */
  addAt(at: number, channel: number, delta: number): void {
    this.pool[at + channel]! += delta;
  }

  /**
   * Adds the counters of `key` over buckets `from..to` (inclusive, clipped to the ring) into
   * `out[0..channels)`. O(buckets of the key newer than `from`).
   */
  sumInto(key: number, from: number, to: number, out: Float64Array): void {
    const m = key * META;
    if (m >= this.meta.length || this.meta[m + CAPACITY] === 0) return;
    const lo = Math.max(from, this.headBucket - this.slots + 1);
    const ch = this.channels;
    const pool = this.pool;
    for (let j = this.meta[m + LEN]! - 1; j >= 0; j--) {
      const e = this.entry(m, j);
      const b = pool[e]!;
      if (b < lo) break;
      if (b > to) continue;
      for (let c = 0; c < ch; c++) out[c]! += pool[e + 1 + c]!;
    }
  }

  /**
   * Adds the counters of `key` over `count` consecutive steps of `per` buckets, the first step
   * starting at bucket `from` (clipped to the ring), into `out[p·channels + c]` for step `p`:
   * `sumInto` of every step in one walk from the newest bucket back.
   * O(buckets of the key newer than `from`), whatever the number of steps.
   */
  sumSteps(key: number, from: number, per: number, count: number, out: Float64Array): void {
    const m = key * META;
    if (m >= this.meta.length || this.meta[m + CAPACITY] === 0) return;
    const lo = Math.max(from, this.headBucket - this.slots + 1);
    const to = from + per * count - 1;
    const ch = this.channels;
    const pool = this.pool;
    for (let j = this.meta[m + LEN]! - 1; j >= 0; j--) {
      const e = this.entry(m, j);
      const b = pool[e]!;
      if (b < lo) break;
      if (b > to) continue;
      const at = Math.floor((b - from) / per) * ch;
      for (let c = 0; c < ch; c++) out[at + c]! += pool[e + 1 + c]!;
    }
  }

  /** Bytes held by the typed arrays (pool slack and abandoned blocks included). */
  get bytes(): number {
    return this.meta.byteLength + this.pool.byteLength;
  }

  /** One past the largest key that has held a ring. */
  get keyBound(): number {
    let bound = this.meta.length / META;
    while (bound > 0 && this.meta[(bound - 1) * META + CAPACITY] === 0) bound--;
    return bound;
  }

  /** Pool index (in u32) of the `j`-th oldest entry of the ring whose metadata is at `m`. */
  private entry(m: number, j: number): number {
    const meta = this.meta;
    const slot = (meta[m + START]! + j) & (meta[m + CAPACITY]! - 1);
    return (meta[m + OFFSET]! + slot) * this.stride;
  }

  /** Metadata index of `key`, growing the metadata to hold it. */
  private metaOf(key: number): number {
    const m = key * META;
    if (m >= this.meta.length) {
      const bigger = new Uint32Array(Math.max(m + META, this.meta.length * 2));
      bigger.set(this.meta);
      this.meta = bigger;
    }
    return m;
  }

  private open(key: number): void {
    // Allocate first: compaction rewrites offsets in the metadata.
    const offset = this.allocate(FIRST_CAPACITY);
    const m = this.metaOf(key);
    this.meta[m + OFFSET] = offset;
    this.meta[m + CAPACITY] = FIRST_CAPACITY;
    this.meta[m + START] = 0;
    this.meta[m + LEN] = 0;
  }

  /** First entry of a fresh block of `n` entries, compacting or growing the pool as needed. */
  private allocate(n: number): number {
    const stride = this.stride;
    if ((this.used + n) * stride > this.pool.length) {
      // A ring that doubles leaves blocks adding up to nearly its size behind: reclaim them once
      // they are a quarter of the live entries, else make room.
      if (this.abandoned * 4 > this.used - this.abandoned) this.compact(n);
      const need = (this.used + n) * stride;
      if (need > this.pool.length) {
        const bigger = new Uint32Array(Math.max(need, this.pool.length * 2));
        bigger.set(this.pool.subarray(0, this.used * stride));
        this.pool = bigger;
      }
    }
    const offset = this.used;
    this.used += n;
    return offset;
  }

  /**
   * Moves every live block to the front of a new pool with room for as many again (and `n`
   * more), in key order. O(live entries), paid for by the allocations that filled the pool.
   */
  private compact(n: number): void {
    const stride = this.stride;
    const live = this.used - this.abandoned;
    const fresh = new Uint32Array(Math.max(1024, (live + n) * 2) * stride);
    let at = 0;
    const meta = this.meta;
    for (let m = 0; m < meta.length; m += META) {
      const cap = meta[m + CAPACITY]!;
      if (cap === 0) continue;
      const from = meta[m + OFFSET]! * stride;
      fresh.set(this.pool.subarray(from, from + cap * stride), at * stride);
      meta[m + OFFSET] = at;
      at += cap;
    }
    this.pool = fresh;
    this.used = at;
    this.abandoned = 0;
    this.moveCount++;
  }

  private expiredCount(m: number, limit: number): number {
    const len = this.meta[m + LEN]!;
    let k = 0;
    while (k < len && this.pool[this.entry(m, k)]! <= limit) k++;
    return k;
  }

  private trim(m: number): void {
    const k = this.expiredCount(m, this.headBucket - this.slots);
    if (k === 0) return;
    const meta = this.meta;
    meta[m + LEN] = meta[m + LEN]! - k;
    meta[m + START] = meta[m + LEN] === 0 ? 0 : (meta[m + START]! + k) & (meta[m + CAPACITY]! - 1);
  }

  /** Moves a full ring to a block twice its size (never beyond what `slots` needs). */
  private grow(m: number): void {
    const stride = this.stride;
    const cap = this.meta[m + CAPACITY]!;
    const next = Math.min(cap * 2, this.maxCapacity);
    const offset = this.allocate(next);
    const meta = this.meta;
    const len = meta[m + LEN]!;
    // The ring is at most two runs of the old block (start..end, then 0..): one copy each
    // rather than one per entry.
    const base = meta[m + OFFSET]! * stride;
    const start = meta[m + START]!;
    const head = Math.min(len, cap - start);
    const pool = this.pool;
    pool.copyWithin(offset * stride, base + start * stride, base + (start + head) * stride);
    if (head < len) pool.copyWithin((offset + head) * stride, base, base + (len - head) * stride);
    this.abandoned += cap;
    this.moveCount++;
    meta[m + OFFSET] = offset;
    meta[m + CAPACITY] = next;
    meta[m + START] = 0;
  }

  /**
   * Pool index of `bucket` in the ring at `m` (whose newest bucket is `last`), or −1. A ring
   * with a bucket every step (a busy key) has it exactly `last − bucket` entries from the end, so
   * that guess is tried before a binary search over the logical order.
   */
  private find(m: number, bucket: number, last: number): number {
    const len = this.meta[m + LEN]!;
    const guess = len - 1 - (last - bucket);
    if (guess >= 0) {
      const e = this.entry(m, guess);
      if (this.pool[e] === bucket) return e;
    }
    let lo = 0;
    let hi = len - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const e = this.entry(m, mid);
      const b = this.pool[e]!;
      if (b === bucket) return e;
      if (b < bucket) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}
