import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Funnels, type FunnelOptions } from '../../../engine/analytics/funnel.js';
import { BucketRings } from '../../../engine/analytics/windows.js';
import { isAisleError } from '../../../engine/errors.js';
import type { RetailEvent } from '../../../engine/events.js';
import { EventStore } from '../../../engine/store/index.js';
import { GONE, picked, renamed } from './renamed-twin.js';
import { compactStore, dropping, identity, inBatches, throughBytes } from './support.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 1);
const BATCH = 11;
const ITEMS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const NEW_ITEMS = ['n1', 'n2'];
const USERS = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5'];
const CATEGORY: Record<string, string | undefined> = {
  a: 'shoes',
  b: 'shoes',
  c: 'hats',
  d: 'hats',
  e: undefined,
  f: 'bags',
  g: 'bags',
  h: 'shoes',
  n1: 'hats',
  n2: undefined,
};
const CATEGORIES = ['shoes', 'hats', 'bags'];
// Small tiers, so that a few days of stream push buckets out of both.
const TIERS = [
  { resolution: '1m', span: '2h' },
  { resolution: '15m', span: '2d' },
];
const WINDOWS = ['1m', '30m', '2h', '6h', '2d'];
const TYPES = ['view', 'view', 'add_to_cart', 'purchase'] as const;

/** A store and funnels fed from it, items' categories fixed by name as the catalogue would. */
class Harness {
  readonly funnels: Funnels;

  constructor(
    options: Omit<FunnelOptions, 'categoryOf'> = { tiers: TIERS },
    readonly store = new EventStore(),
    funnels?: Funnels,
  ) {
    this.funnels = funnels ?? new Funnels({ ...options, categoryOf: this.categoryOf });
  }

  readonly categoryOf = (id: number): number => {
    const name = this.store.dicts.item.value(id)?.replace(GONE, '');
    const category = name === undefined ? undefined : CATEGORY[name];
    return category === undefined ? 0 : (this.store.dicts.category.lookup(category) ?? 0);
  };

  feed(events: readonly RetailEvent[]): void {
    this.funnels.ingest(this.store.append(events));
  }

  feedAll(events: readonly RetailEvent[]): void {
    inBatches(events, BATCH, (b) => this.feed(b));
  }

  /** Every window of the shop, each category and each named item at the newest event. */
  answers(items: readonly string[]) {
    const f = this.funnels;
    const now = Math.max(0, f.newest);
    const out: Record<string, unknown> = { late: f.late, newest: f.newest };
    for (const window of WINDOWS) {
      out[`shop ${window}`] = f.funnel({ window }, now);
      for (const c of CATEGORIES) {
        const category = this.store.dicts.category.lookup(c);
        if (category !== undefined) out[`${c} ${window}`] = f.funnel({ window, category }, now);
      }
      for (const s of items) {
        const item = this.store.dicts.item.lookup(s);
        if (item !== undefined) out[`${s} ${window}`] = f.funnel({ window, item }, now);
      }
    }
    return out;
  }
}

interface Step {
  type: number;
  item: number;
  user: number;
  gap: number;
  late: number;
}

const step: fc.Arbitrary<Step> = fc.record({
  type: fc.nat(TYPES.length - 1),
  item: fc.nat(ITEMS.length + NEW_ITEMS.length - 1),
  // One in seven events is anonymous.
  user: fc.nat(USERS.length),
  gap: fc.oneof(fc.integer({ min: 0, max: 5 * MIN }), fc.integer({ min: 0, max: 6 * HOUR })),
  late: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 3 * HOUR })),
});

function toEvents(steps: readonly Step[], pool: readonly string[], t0: number): RetailEvent[] {
  let ts = t0;
  return steps.map((s) => {
    ts += s.gap;
    const item = pool[s.item % pool.length]!;
    const user = s.user === USERS.length ? undefined : USERS[s.user]!;
    const category = CATEGORY[item];
    const base = {
      ts: ts - s.late,
      item,
      ...(user !== undefined && { user }),
      ...(category !== undefined && { category }),
    };
    const type = TYPES[s.type]!;
    if (type === 'view') return { type, ...base };
    if (type === 'add_to_cart') return { type, ...base, quantity: 1 };
    return { type, ...base, order: `o${ts}`, quantity: 1, price: 3 };
  });
}

function restored(h: Harness): Harness {
  const state = throughBytes(h.funnels.exportState());
  return new Harness(
    undefined,
    h.store,
    Funnels.fromState({ tiers: TIERS, categoryOf: h.categoryOf }, state),
  );
}

describe('Funnels.remap', () => {
  it('keeps every answer, then agrees with a twin that saw the dropped ids under other names', () => {
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 10, maxLength: 120 }),
        fc.array(step, { minLength: 5, maxLength: 60 }),
        fc.array(fc.boolean(), { minLength: ITEMS.length, maxLength: ITEMS.length }),
        fc.array(fc.boolean(), { minLength: USERS.length, maxLength: USERS.length }),
        (before, after, itemMask, userMask) => {
          const items = picked(ITEMS, itemMask);
          const users = picked(USERS, userMask);
          const past = toEvents(before, ITEMS, T0);
          const t1 = Math.max(...past.map((e) => e.ts)) + MIN;
          const later = toEvents(after, [...ITEMS, ...NEW_ITEMS], t1);
          const kept = ITEMS.filter((s) => !items.has(s));

          const model = new Harness();
          model.feedAll(past);
          const old = model.answers(kept);
          const byItem = dropping(model.store.dicts.item, items);
          model.funnels.remap('item', byItem.map, byItem.size);
          compactStore(model.store, 'item', byItem.map);
          const byUser = dropping(model.store.dicts.user, users);
          model.funnels.remap('user', byUser.map, byUser.size);
          compactStore(model.store, 'user', byUser.map);

          // (a, f) Kept items, categories and the shop answer as before, distinct users included.
          const now = model.answers(kept);
          expect(now).toEqual(old);
          // (b) A dropped item is unknown: the id it would get back has no counts.
          const at = Math.max(0, model.funnels.newest);
          const fresh = new Funnels({ tiers: TIERS });
          for (let k = 1; k <= items.size; k++) {
            for (const window of WINDOWS) {
              const r = model.funnels.funnel({ window, item: byItem.size + k }, at);
              expect(r).toEqual({ ...fresh.funnel({ window, item: 1 }, at) });
            }
          }
          // The restore's view: every key of an item ring is a kept id.
          const state = model.funnels.exportState();
          for (const t of state.tiers) {
            expect(Math.max(0, ...t.items.keys)).toBeLessThanOrEqual(byItem.size);
          }
          expect(Math.max(0, ...(state.users?.user ?? []))).toBeLessThanOrEqual(byUser.size);
          // (d) A snapshot after the remap restores to the same answers.
          expect(restored(model).answers(kept)).toEqual(now);

          // (e) Later events, with returning dropped ids and new ones.
          const twin = new Harness();
          twin.feedAll(renamed(past, items, users));
          model.feedAll(later);
          twin.feedAll(later);
          const all = [...ITEMS, ...NEW_ITEMS];
          expect(model.answers(all)).toEqual(twin.answers(all));
          expect(restored(model).answers(all)).toEqual(twin.answers(all));
        },
      ),
      { seed: 1234567, numRuns: 60 },
    );
  });

  it('changes nothing when it drops nothing, or only ids it never held', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 10, maxLength: 100 }), (before) => {
        const model = new Harness();
        const past = toEvents(before, ITEMS, T0);
        model.feedAll(past);
        // The newest item and user ids come from events the funnels do not count.
        const ts = past[past.length - 1]!.ts;
        model.feed([
          { type: 'price_change', ts, item: 'priced', price: 2 },
          { type: 'search', ts, user: 'searcher', query: 'socks' },
        ]);
        const state = model.funnels.exportState();
        const old = model.answers(ITEMS);
        for (const kind of ['item', 'user'] as const) {
          const same = identity(model.store.dicts[kind].size);
          model.funnels.remap(kind, same.map, same.size);
          expect(model.funnels.exportState()).toEqual(state);
          const never = kind === 'item' ? 'priced' : 'searcher';
          const { map, size } = dropping(model.store.dicts[kind], new Set([never]));
          model.funnels.remap(kind, map, size);
          compactStore(model.store, kind, map);
          expect(model.funnels.exportState()).toEqual(state);
        }
        for (const kind of ['session', 'order', 'query'] as const) {
          model.funnels.remap(kind, new Uint32Array([0, 0, 1]), 1);
        }
        expect(model.funnels.exportState()).toEqual(state);
        expect(model.answers(ITEMS)).toEqual(old);
      }),
      { seed: 31337, numRuns: 30 },
    );
  });

  it('leaves distinct users where they were counted; only a returning dropped user counts twice', () => {
    const model = new Harness({});
    const view = (ts: number, user: string, item = 'a'): RetailEvent => ({
      type: 'view',
      ts,
      user,
      item,
      category: 'shoes',
    });
    model.feed([view(T0, 'u1'), view(T0 + MIN, 'u2'), view(T0 + 2 * MIN, 'u3')]);
    const users = (window: string, at: number) => model.funnels.funnel({ window }, at).users!.views;
    const now = T0 + 2 * MIN;
    expect(users('1h', now)).toBe(3);

    // A user cap drops u1 although it was active a minute ago: the counts stay as they were.
    const { map, size } = dropping(model.store.dicts.user, new Set(['u1']));
    model.funnels.remap('user', map, size);
    compactStore(model.store, 'user', map);
    expect(users('1h', now)).toBe(3);
    expect(users('1m', now)).toBe(1);

    // u1 comes back as a new id: it is counted again in its new bucket, so a window reaching back
    // to both counts it twice (the engine has forgotten who it was), the shop and its category.
    const back = T0 + 10 * MIN;
    model.feed([view(back, 'u1'), view(back, 'u2')]);
    expect(users('1h', back)).toBe(4);
    const shoes = model.store.dicts.category.lookup('shoes')!;
    expect(model.funnels.funnel({ window: '1h', category: shoes }, back).users!.views).toBe(4);
    // A window after u1's drop bucket counts it once: u1 and u2, exact.
    expect(users('5m', back)).toBe(2);
    // Once the window no longer reaches that bucket the count is exact again.
    model.feed([view(T0 + 2 * HOUR, 'u1')]);
    expect(users('1h', T0 + 2 * HOUR)).toBe(1);
    expect(users('3h', T0 + 2 * HOUR)).toBe(4);
  });

  it('is exact when users are dropped after a whole horizon of inactivity', () => {
    const model = new Harness({});
    const view = (ts: number, user: string): RetailEvent => ({ type: 'view', ts, user, item: 'a' });
    model.feed([view(T0, 'old'), view(T0, 'both')]);
    // 31 days later (the longest default tier is 30 days) 'old' and 'both' are dropped.
    const t = T0 + 31 * DAY;
    model.feed([view(t, 'new')]);
    const { map, size } = dropping(model.store.dicts.user, new Set(['old', 'both']));
    model.funnels.remap('user', map, size);
    compactStore(model.store, 'user', map);
    model.feed([view(t + MIN, 'both'), view(t + MIN, 'new')]);
    const users = (window: string) => model.funnels.funnel({ window }, t + MIN).users!.views;
    expect(users('30d')).toBe(2);
    expect(users('1d')).toBe(2);
    expect(model.funnels.exportState().users!.user.length).toBe(2);
  });

  it('releases the rings of dropped items', () => {
    const model = new Harness();
    const events: RetailEvent[] = [];
    for (let i = 0; i < 3000; i++) {
      events.push({ type: 'view', ts: T0 + (i % 100) * MIN, user: `u${i % 50}`, item: `i${i}` });
    }
    model.feedAll(events);
    const before = model.funnels.bytes;
    const keep = new Set(['i7', 'i2999']);
    const drop = new Set(
      events.map((e) => (e as { item: string }).item).filter((s) => !keep.has(s)),
    );
    const { map, size } = dropping(model.store.dicts.item, drop);
    model.funnels.remap('item', map, size);
    compactStore(model.store, 'item', map);
    expect(model.funnels.bytes).toBeLessThan(before / 2);
    expect(model.funnels.funnel({ window: '2h', item: 1 }, T0 + 99 * MIN).views).toBe(1);
    expect(model.funnels.funnel({ window: '2h', item: 2 }, T0 + 99 * MIN).views).toBe(1);
    expect(model.funnels.funnel({ window: '2h' }, T0 + 99 * MIN).views).toBe(3000);
    model.feed([{ type: 'view', ts: T0 + 99 * MIN, user: 'u1', item: 'fresh' }]);
    expect(model.funnels.funnel({ window: '2h', item: 3 }, T0 + 99 * MIN).views).toBe(1);
  });

  it('refuses a map that is not a retention map', () => {
    const model = new Harness();
    model.feed([{ type: 'view', ts: T0, user: 'u', item: 'a' }]);
    for (const kind of ['item', 'user'] as const) {
      let err: unknown;
      try {
        model.funnels.remap(kind, new Uint32Array([0, 0, 2]), 2);
      } catch (e) {
        err = e;
      }
      expect(isAisleError(err) && err.code).toBe('AISLE_INVALID_ARGUMENT');
    }
    expect(model.funnels.funnel({ window: '1h', item: 1 }, T0).views).toBe(1);
  });
});

describe('BucketRings.remapKeys', () => {
  it('moves kept keys with their live buckets and drops the rest', () => {
    const rings = new BucketRings(1000, 4, 2);
    for (let key = 1; key <= 6; key++) {
      for (let b = 0; b < 6; b++) rings.add(key, b, key % 2, key * 10 + b);
    }
    rings.add(0, 5, 0, 7);
    const map = new Uint32Array([0, 0, 1, 0, 2, 3, 0]);
    const state = rings.exportState();
    rings.remapKeys(map, 3);
    const after = rings.exportState();
    expect(Array.from(after.keys)).toEqual([0, 1, 2, 3]);
    const live = (key: number) => {
      const i = Array.from(state.keys).indexOf(key);
      const from = state.lens.slice(0, i).reduce((a, n) => a + n, 0);
      return Array.from(state.counts.slice(from * 2, (from + state.lens[i]!) * 2));
    };
    expect(Array.from(after.counts)).toEqual([...live(0), ...live(2), ...live(4), ...live(5)]);
    expect(after.head).toBe(state.head);
    // New keys and buckets keep working.
    expect(rings.add(4, 6, 0, 1)).toBe(true);
    expect(rings.add(2, 6, 0, 1)).toBe(true);
    const out = new Float64Array(2);
    rings.sumInto(2, 0, 6, out);
    expect(Array.from(out)).toEqual([43 + 44 + 45 + 1, 0]);
  });
});

describe('BucketRings.forgetBefore', () => {
  it('drops every key’s buckets before a bucket, keeps the rest exactly, and goes on', () => {
    const rings = new BucketRings(1000, 8, 2);
    for (let key = 0; key <= 5; key++) {
      for (let b = 0; b < 8; b++) if ((key + b) % 3 !== 0) rings.add(key, b, b % 2, key * 10 + b);
    }
    const before = rings.exportState();
    // Nothing as old as bucket 0 is held once the ring starts there.
    expect(rings.forgetBefore(0)).toBe(false);
    expect(rings.forgetBefore(5)).toBe(true);
    expect(rings.forgetBefore(5)).toBe(false);
    const after = rings.exportState();
    let at = 0;
    const expected: { key: number; buckets: number[]; counts: number[] }[] = [];
    before.keys.forEach((key, i) => {
      const n = before.lens[i]!;
      const buckets: number[] = [];
      const counts: number[] = [];
      for (let j = at; j < at + n; j++) {
        if (before.buckets[j]! < 5) continue;
        buckets.push(before.buckets[j]!);
        counts.push(before.counts[j * 2]!, before.counts[j * 2 + 1]!);
      }
      at += n;
      if (buckets.length > 0) expected.push({ key, buckets, counts });
    });
    expect(Array.from(after.keys)).toEqual(expected.map((e) => e.key));
    expect(Array.from(after.buckets)).toEqual(expected.flatMap((e) => e.buckets));
    expect(Array.from(after.counts)).toEqual(expected.flatMap((e) => e.counts));
    expect(after.head).toBe(before.head);
    const out = new Float64Array(2);
    rings.sumInto(2, 0, 7, out);
    // Key 2 keeps buckets 5 and 6 (7 is a multiple of 3 away): 25 + 26 over two channels.
    expect(Array.from(out)).toEqual([26, 25]);
    expect(rings.add(2, 8, 0, 1)).toBe(true);
  });
});
