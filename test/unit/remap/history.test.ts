/**
 * Compaction of the user history: `UserHistory.remap` for users, items and orders, checked by
 * names against the same history without the compaction and against a history that never saw
 * the dropped ids.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IdKind } from '../../../engine/activity.js';
import { isAisleError } from '../../../engine/errors.js';
import type { RetailEvent } from '../../../engine/events.js';
import { DEFAULT_USER_HISTORY, UserHistory } from '../../../engine/models/user-history.js';
import { EventStore } from '../../../engine/store/index.js';
import { dropping, inBatches, ints, pool } from './support.js';

const T0 = Date.UTC(2024, 0, 1);
const MIN = 60_000;

/** Events over small pools of users, items and orders (`tag` makes fresh order names). */
function events(
  r: (n: number) => number,
  n: number,
  from: number,
  users: readonly string[],
  items: readonly string[],
  tag: string,
): RetailEvent[] {
  const out: RetailEvent[] = [];
  for (let k = 0; k < n; k++) {
    const ts = T0 + (from + k) * MIN;
    const user = users[r(users.length)]!;
    const item = items[r(items.length)]!;
    const roll = r(10);
    if (roll < 5) out.push({ type: 'view', ts, user, item });
    else if (roll < 7) out.push({ type: 'add_to_cart', ts, user, item, quantity: 1 });
    else {
      const order = `${tag}${user}-${r(3)}`;
      out.push({ type: 'purchase', ts, user, item, order, quantity: 1 + r(3), price: 2 });
    }
  }
  return out;
}

const USERS = pool('u', 12);
const ITEMS = pool('i', 20);

/** A store and a history fed from it. */
class Fed {
  readonly store = new EventStore();
  history = new UserHistory(DEFAULT_USER_HISTORY);
  feed(evs: readonly RetailEvent[]): void {
    inBatches(evs, 37, (batch) => this.history.ingest(this.store.append(batch)));
  }
  user(name: string): number {
    return this.store.dicts.user.lookup(name) ?? 0;
  }
  item(name: string): number {
    return this.store.dicts.item.lookup(name) ?? 0;
  }
  itemName(id: number): string {
    return this.store.dicts.item.value(id)!;
  }
}

/** Renumbers the history and the store's dictionary, as the engine's compaction does. */
function compact(fed: Fed, kind: IdKind, drop: (name: string) => boolean): void {
  const { map, size } = dropping(fed.store.dicts[kind], drop);
  fed.history.remap(kind, map, size);
  fed.store.dicts[kind].compact(map);
}

interface PairAnswer {
  strength: number;
  lastSeen: number | undefined;
  bought: boolean;
  stats: unknown;
}

/** What the history says about one user, by item name. */
function userAnswers(fed: Fed, name: string) {
  const h = fed.history;
  const u = fed.user(name);
  const { items, strengths } = h.itemsOf(u);
  const pairs: Record<string, PairAnswer> = {};
  items.forEach((i, k) => {
    pairs[fed.itemName(i)] = {
      strength: strengths[k]!,
      lastSeen: h.lastSeen(u, i),
      bought: h.hasBought(u, i),
      stats: h.purchaseStats(u, i),
    };
    expect(h.strength(u, i)).toBe(strengths[k]);
  });
  return {
    version: h.version(u),
    orders: h.orderCount(u),
    pairs,
    recent: Array.from(h.recentItems(u, 100), (i) => fed.itemName(i)),
    bought: Array.from(h.boughtItems(u), (i) => fed.itemName(i)).sort(),
  };
}

/** Every answer by id, for comparing a history with its restored copy. */
function byIds(h: UserHistory) {
  const out: unknown[] = [h.userCount, h.pairCount, h.maxUserId, h.maxItemId, h.toCsr()];
  for (let u = 0; u <= h.maxUserId + 1; u++) {
    const items = h.itemsOf(u);
    out.push(items, h.recentItems(u, 100), h.boughtItems(u), h.orderCount(u), h.version(u));
    for (const i of items.items) out.push(h.purchaseStats(u, i), h.lastSeen(u, i));
  }
  return out;
}

function restored(h: UserHistory): UserHistory {
  return UserHistory.fromState(DEFAULT_USER_HISTORY, h.exportState());
}

const omit = <T>(o: Record<string, T>, drop: (k: string) => boolean): Record<string, T> =>
  Object.fromEntries(Object.entries(o).filter(([k]) => !drop(k)));

const RUNS = { seed: 20_240_101, numRuns: 40 };

describe('UserHistory.remap', () => {
  it('drops users: kept users answer as before, dropped ones as never seen', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 11 }), (seed, dropCount) => {
        const r = ints(seed);
        const old = events(r, 300, 0, USERS, ITEMS, 'a');
        const dropped = new Set(USERS.filter((_, k) => (k * 7 + seed) % 12 < dropCount));
        const a = new Fed();
        a.feed(old);
        const before = new Map(USERS.map((u) => [u, userAnswers(a, u)]));
        compact(a, 'user', (u) => dropped.has(u));
        for (const u of USERS) {
          if (dropped.has(u)) {
            expect(a.user(u)).toBe(0);
          } else {
            expect(userAnswers(a, u)).toEqual(before.get(u));
          }
        }
        // Ids past the new size are unknown.
        const size = a.store.dicts.user.size;
        expect(a.history.version(size + 1)).toBe(0);
        expect(a.history.itemsOf(size + 1).items.length).toBe(0);
        expect(a.history.userCount).toBe(
          USERS.filter((u) => !dropped.has(u) && before.get(u)!.version > 0).length,
        );
        expect(byIds(restored(a.history))).toEqual(byIds(a.history));

        // Later events (dropped users come back as new ones) answer as in a history that never
        // saw the dropped users' earlier events.
        const later = events(r, 150, 300, USERS, [...ITEMS, 'new1', 'new2'], 'b');
        a.feed(later);
        const ref = new Fed();
        ref.feed(old.filter((e) => !('user' in e && dropped.has(e.user!))));
        ref.feed(later);
        for (const u of USERS) expect(userAnswers(a, u)).toEqual(userAnswers(ref, u));
        expect(a.history.pairCount).toBe(ref.history.pairCount);
        expect(byIds(restored(a.history))).toEqual(byIds(a.history));
      }),
      RUNS,
    );
  });

  it('drops items: their pairs go, users keep their versions and orders', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 19 }), (seed, dropCount) => {
        const r = ints(seed);
        const old = events(r, 300, 0, USERS, ITEMS, 'a');
        const dropped = new Set(ITEMS.filter((_, k) => (k * 11 + seed) % 20 < dropCount));
        const a = new Fed();
        const b = new Fed();
        a.feed(old);
        b.feed(old);
        compact(a, 'item', (i) => dropped.has(i));
        const gone = (i: string) => dropped.has(i);
        for (const u of USERS) {
          const was = userAnswers(b, u);
          expect(userAnswers(a, u)).toEqual({
            ...was,
            pairs: omit(was.pairs, gone),
            recent: was.recent.filter((i) => !gone(i)),
            bought: was.bought.filter((i) => !gone(i)),
          });
        }
        for (const i of dropped) expect(a.item(i)).toBe(0);
        expect(a.history.maxItemId).toBeLessThanOrEqual(a.store.dicts.item.size);
        expect(byIds(restored(a.history))).toEqual(byIds(a.history));

        // Later events: versions and orders go on as without the compaction; pairs of kept
        // items too; a dropped item seen again starts afresh, as if never seen before.
        const later = events(r, 150, 300, USERS, ITEMS, 'b');
        a.feed(later);
        b.feed(later);
        const ref = new Fed();
        ref.feed(old.filter((e) => !('item' in e) || !dropped.has(e.item)));
        ref.feed(later);
        const touched = new Set(
          later.map((e) => `${'user' in e ? e.user : ''} ${'item' in e ? e.item : ''}`),
        );
        for (const u of USERS) {
          const got = userAnswers(a, u);
          const was = userAnswers(b, u);
          const fresh = userAnswers(ref, u);
          expect(got.version).toBe(was.version);
          expect(got.orders).toBe(was.orders);
          expect(omit(got.pairs, gone)).toEqual(omit(was.pairs, gone));
          expect(omit(got.pairs, (i) => !gone(i))).toEqual(omit(fresh.pairs, (i) => !gone(i)));
          expect(got.recent).toEqual(
            was.recent.filter((i) => !gone(i) || touched.has(`${u} ${i}`)),
          );
        }
        expect(byIds(restored(a.history))).toEqual(byIds(a.history));
      }),
      RUNS,
    );
  });

  it('drops orders: answers stay, later rows of a dropped order count as a new order', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const r = ints(seed);
        const old = events(r, 300, 0, USERS, ITEMS, 'a');
        const a = new Fed();
        const b = new Fed();
        a.feed(old);
        b.feed(old);
        const drop = (o: string) => (o.length + o.charCodeAt(o.length - 1) + seed) % 3 === 0;
        compact(a, 'order', drop);
        for (const u of USERS) expect(userAnswers(a, u)).toEqual(userAnswers(b, u));
        expect(byIds(restored(a.history))).toEqual(byIds(a.history));
        const later = events(r, 150, 300, USERS, ITEMS, 'b');
        a.feed(later);
        b.feed(later);
        for (const u of USERS) expect(userAnswers(a, u)).toEqual(userAnswers(b, u));
        expect(byIds(restored(a.history))).toEqual(byIds(a.history));
      }),
      { ...RUNS, numRuns: 20 },
    );
  });

  it('a late row of a dropped last order counts again, of a kept one does not', () => {
    const fed = new Fed();
    const buy = (ts: number, user: string, item: string, order: string): RetailEvent => ({
      type: 'purchase',
      ts: T0 + ts,
      user,
      item,
      order,
      quantity: 1,
      price: 2,
    });
    fed.feed([buy(1, 'kept', 'x', 'k1'), buy(2, 'gone', 'x', 'g1')]);
    compact(fed, 'order', (o) => o === 'g1');
    fed.feed([buy(3, 'kept', 'x', 'k1'), buy(4, 'gone', 'x', 'g1')]);
    const h = fed.history;
    expect(h.orderCount(fed.user('kept'))).toBe(1);
    expect(h.purchaseStats(fed.user('kept'), fed.item('x'))!.orders).toBe(1);
    expect(h.orderCount(fed.user('gone'))).toBe(2);
    expect(h.purchaseStats(fed.user('gone'), fed.item('x'))!.orders).toBe(2);
  });

  it('a remap that drops nothing changes no answer and no state', () => {
    fc.assert(
      fc.property(fc.integer(), fc.constantFrom<IdKind>('user', 'item', 'order'), (seed, kind) => {
        const a = new Fed();
        a.feed(events(ints(seed), 200, 0, USERS, ITEMS, 'a'));
        const state = a.history.exportState();
        const answers = byIds(a.history);
        compact(a, kind, () => false);
        expect(a.history.exportState()).toEqual(state);
        expect(byIds(a.history)).toEqual(answers);
      }),
      { ...RUNS, numRuns: 15 },
    );
  });

  it('releases memory and ignores kinds it does not hold', () => {
    const a = new Fed();
    const many = pool('m', 400);
    a.feed(events(ints(7), 3000, 0, many, ITEMS, 'a'));
    const bytes = a.history.bytes();
    const state = a.history.exportState();
    compact(a, 'session', () => true);
    compact(a, 'query', () => true);
    expect(a.history.exportState()).toEqual(state);
    compact(a, 'user', (u) => u !== 'm1');
    expect(a.history.bytes()).toBeLessThan(bytes / 10);
    expect(a.history.userCount).toBe(1);
    expect(a.history.maxUserId).toBe(1);
  });

  it('refuses a map that does not cover the ids held, changing nothing', () => {
    const a = new Fed();
    a.feed(events(ints(3), 100, 0, USERS, ITEMS, 'a'));
    const state = a.history.exportState();
    let code: string | undefined;
    try {
      a.history.remap('item', new Uint32Array([0, 1, 0]), 1);
    } catch (err) {
      if (isAisleError(err)) code = err.code;
    }
    expect(code).toBe('AISLE_INVALID_ARGUMENT');
    expect(a.history.exportState()).toEqual(state);
  });
});
