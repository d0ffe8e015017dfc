/**
 * Compaction of buy-again: `BuyAgain.remap` for items (and users, which it leaves to the
 * history), checked by names against the same model without the compaction.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IdKind } from '../../../engine/activity.js';
import type { RetailEvent } from '../../../engine/events.js';
import { BuyAgain, DEFAULT_BUY_AGAIN } from '../../../engine/models/buy-again.js';
import { DEFAULT_USER_HISTORY, UserHistory } from '../../../engine/models/user-history.js';
import { EventStore } from '../../../engine/store/index.js';
import { dropping, inBatches, ints, pool } from './support.js';

const T0 = Date.UTC(2024, 0, 1);
const HOURS_6 = 6 * 3_600_000;

/** Purchases (and a few views) over small pools, six hours apart. */
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
    const ts = T0 + (from + k) * HOURS_6;
    const user = users[r(users.length)]!;
    const item = items[r(items.length)]!;
    if (r(5) === 0) out.push({ type: 'view', ts, user, item });
    else {
      const order = `${tag}${user}-${Math.floor((from + k) / 8)}`;
      out.push({ type: 'purchase', ts, user, item, order, quantity: 1, price: 3 });
    }
  }
  return out;
}

const USERS = pool('u', 10);
const ITEMS = pool('i', 12);

class Fed {
  readonly store = new EventStore();
  readonly history = new UserHistory(DEFAULT_USER_HISTORY);
  readonly model = new BuyAgain(this.history, DEFAULT_BUY_AGAIN);
  feed(evs: readonly RetailEvent[]): void {
    inBatches(evs, 29, (batch) => this.history.ingest(this.store.append(batch)));
  }
  user(name: string): number {
    return this.store.dicts.user.lookup(name) ?? 0;
  }
  item(name: string): number {
    return this.store.dicts.item.lookup(name) ?? 0;
  }
  /** Renumbers history, buy-again and the dictionary, as the engine's compaction does. */
  compact(kind: IdKind, drop: (name: string) => boolean): void {
    const { map, size } = dropping(this.store.dicts[kind], drop);
    this.history.remap(kind, map, size);
    this.model.remap(kind, map, size);
    this.store.dicts[kind].compact(map);
  }
}

/** Every user's ranking at `now` and every item's figures, by name. */
function answers(fed: Fed, users: readonly string[], items: readonly string[], now: number) {
  const ranked: Record<string, unknown[]> = {};
  for (const u of users) {
    const got = fed.model.recommend(fed.user(u), 100, now);
    ranked[u] = Array.from(got.items, (i, k) => [
      fed.store.dicts.item.value(i),
      got.scores[k],
      got.details[k],
    ]);
  }
  const stats: Record<string, unknown> = {};
  for (const i of items) if (fed.item(i) !== 0) stats[i] = fed.model.itemStats(fed.item(i));
  return { ranked, stats };
}

/** Answers by id, for comparing a model with its restored copy. */
function byIds(fed: { model: BuyAgain; history: UserHistory }, now: number) {
  const out: unknown[] = [];
  for (let u = 0; u <= fed.history.maxUserId + 1; u++) out.push(fed.model.recommend(u, 100, now));
  for (let i = 1; i <= fed.history.maxItemId + 1; i++) out.push(fed.model.itemStats(i));
  return out;
}

function restored(fed: Fed) {
  const history = UserHistory.fromState(DEFAULT_USER_HISTORY, fed.history.exportState());
  const model = BuyAgain.fromState(history, DEFAULT_BUY_AGAIN, fed.model.exportState());
  return { history, model };
}

const withoutItems = (a: ReturnType<typeof answers>, gone: (i: string) => boolean) => ({
  ranked: Object.fromEntries(
    Object.entries(a.ranked).map(([u, list]) => [
      u,
      list.filter((row) => !gone((row as [string])[0])),
    ]),
  ),
  stats: Object.fromEntries(Object.entries(a.stats).filter(([i]) => !gone(i))),
});

const RUNS = { seed: 4_242, numRuns: 40 };

describe('BuyAgain.remap', () => {
  it('drops items: kept rankings lose only the dropped items, scores exact', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 11 }), (seed, dropCount) => {
        const r = ints(seed);
        const old = events(r, 240, 0, USERS, ITEMS, 'a');
        const dropped = new Set(ITEMS.filter((_, k) => (k * 5 + seed) % 12 < dropCount));
        const gone = (i: string) => dropped.has(i);
        const a = new Fed();
        const b = new Fed();
        a.feed(old);
        b.feed(old);
        let now = T0 + 250 * HOURS_6;
        a.compact('item', gone);
        expect(answers(a, USERS, ITEMS, now)).toEqual(
          withoutItems(answers(b, USERS, ITEMS, now), gone),
        );
        for (const i of dropped) expect(a.item(i)).toBe(0);
        expect(byIds(restored(a), now)).toEqual(byIds(a, now));

        // Later purchases of kept and new items by kept and new users.
        const kept = ITEMS.filter((i) => !gone(i));
        const items = [...kept, 'n1', 'n2'];
        const users = [...USERS, 'v1'];
        const later = events(r, 120, 250, users, items, 'b');
        a.feed(later);
        b.feed(later);
        now += 130 * HOURS_6;
        expect(answers(a, users, items, now)).toEqual(
          withoutItems(answers(b, users, items, now), gone),
        );
        expect(byIds(restored(a), now)).toEqual(byIds(a, now));
      }),
      RUNS,
    );
  });

  it('drops users: kept users rank as before, item figures stay, dropped users are unknown', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 9 }), (seed, dropCount) => {
        const r = ints(seed);
        const old = events(r, 240, 0, USERS, ITEMS, 'a');
        const dropped = new Set(USERS.filter((_, k) => (k * 3 + seed) % 10 < dropCount));
        const a = new Fed();
        const b = new Fed();
        a.feed(old);
        b.feed(old);
        let now = T0 + 250 * HOURS_6;
        const statsBefore = a.model.exportState();
        a.compact('user', (u) => dropped.has(u));
        expect(a.model.exportState()).toEqual(statsBefore);
        const kept = USERS.filter((u) => !dropped.has(u));
        expect(answers(a, kept, ITEMS, now)).toEqual(answers(b, kept, ITEMS, now));
        for (const u of dropped) expect(a.user(u)).toBe(0);
        const size = a.store.dicts.user.size;
        expect(a.model.recommend(size + 1, 100, now).items.length).toBe(0);
        expect(byIds(restored(a), now)).toEqual(byIds(a, now));

        const users = [...kept, 'v1', 'v2'];
        const later = events(r, 120, 250, users, [...ITEMS, 'n1'], 'b');
        a.feed(later);
        b.feed(later);
        now += 130 * HOURS_6;
        expect(answers(a, users, [...ITEMS, 'n1'], now)).toEqual(
          answers(b, users, [...ITEMS, 'n1'], now),
        );
        expect(byIds(restored(a), now)).toEqual(byIds(a, now));
      }),
      RUNS,
    );
  });

  it('a remap that drops nothing, or of a kind it does not hold, changes nothing', () => {
    const a = new Fed();
    a.feed(events(ints(11), 200, 0, USERS, ITEMS, 'a'));
    const now = T0 + 210 * HOURS_6;
    const state = a.model.exportState();
    const before = answers(a, USERS, ITEMS, now);
    for (const kind of ['item', 'user', 'order'] as const) a.compact(kind, () => false);
    a.model.remap('session', new Uint32Array([0, 0, 1]), 1);
    a.model.remap('order', new Uint32Array([0, 0, 1]), 1);
    expect(a.model.exportState()).toEqual(state);
    expect(answers(a, USERS, ITEMS, now)).toEqual(before);
  });

  it('fits its arrays to the items kept', () => {
    const a = new Fed();
    a.feed(events(ints(5), 4000, 0, USERS, pool('x', 3000), 'a'));
    expect(a.model.bytes()).toBeGreaterThan(3000 * 16);
    a.compact('item', (i) => i !== 'x7');
    expect(a.model.bytes()).toBe(1024 * 16);
  });
});
