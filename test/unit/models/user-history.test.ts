import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAisleError } from '../../../engine/errors.js';
import type { RetailEvent } from '../../../engine/events.js';
import { nnz } from '../../../engine/models/csr.js';
import {
  DEFAULT_USER_HISTORY,
  UserHistory,
  type UserHistoryState,
} from '../../../engine/models/user-history.js';
import { EventStore } from '../../../engine/store/index.js';

const T0 = Date.UTC(2024, 0, 1);

const view = (ts: number, user: string, item: string): RetailEvent => ({
  type: 'view',
  ts: T0 + ts,
  user,
  item,
});
const cart = (ts: number, user: string, item: string): RetailEvent => ({
  type: 'add_to_cart',
  ts: T0 + ts,
  user,
  item,
  quantity: 1,
});
const buy = (ts: number, user: string, item: string, order: string, quantity = 1): RetailEvent => ({
  type: 'purchase',
  ts: T0 + ts,
  user,
  item,
  order,
  quantity,
  price: 1,
});

function setup(options = DEFAULT_USER_HISTORY) {
  const store = new EventStore();
  const history = new UserHistory(options);
  const feed = (events: RetailEvent[]) => history.ingest(store.append(events));
  const item = (s: string) => store.dicts.item.lookup(s)!;
  const user = (s: string) => store.dicts.user.lookup(s)!;
  const names = (ids: Uint32Array) => Array.from(ids, (i) => store.dicts.item.value(i));
  return { store, history, feed, item, user, names };
}

/** Every answer the history gives, for comparing two histories. */
function answers(h: UserHistory) {
  const out: unknown[] = [h.userCount, h.pairCount, h.toCsr()];
  for (let u = 0; u <= h.maxUserId + 1; u++) {
    const items = h.itemsOf(u);
    out.push(items, h.recentItems(u, 100), h.boughtItems(u), h.orderCount(u), h.version(u));
    for (const i of items.items) out.push(h.purchaseStats(u, i), h.lastSeen(u, i));
  }
  return out;
}

function expectSnapshotError(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    expect(isAisleError(err) && err.code).toBe('AISLE_SNAPSHOT');
    return;
  }
  throw new Error('expected AISLE_SNAPSHOT');
}

describe('UserHistory', () => {
  it('sums weighted strengths and counts an order once however many rows it has', () => {
    const { history, feed, item, user } = setup();
    feed([
      view(1, 'u1', 'a'),
      view(2, 'u1', 'a'),
      cart(3, 'u1', 'a'),
      buy(4, 'u1', 'a', 'o1', 2),
      buy(4, 'u1', 'b', 'o1'),
      buy(4, 'u1', 'a', 'o1', 1), // the same item listed twice in one order
      { type: 'search', ts: T0 + 5, user: 'u1', query: 'milk' },
      { type: 'inventory', ts: T0 + 5, item: 'a', op: 'set', quantity: 3 },
      { type: 'remove_from_cart', ts: T0 + 5, user: 'u1', item: 'c', quantity: 1 },
      view(6, 'u2', 'a'),
      { type: 'view', ts: T0 + 6, item: 'z' }, // anonymous
    ]);
    feed([buy(10, 'u1', 'a', 'o2', 5)]);
    const u1 = user('u1');
    expect(history.strength(u1, item('a'))).toBe(1 + 1 + 2 + 4 + 4 + 4);
    expect(history.strength(u1, item('b'))).toBe(4);
    expect(history.purchaseStats(u1, item('a'))).toEqual({
      orders: 2,
      units: 8,
      firstTs: T0 + 4,
      lastTs: T0 + 10,
    });
    expect(history.purchaseStats(u1, item('b'))).toEqual({
      orders: 1,
      units: 1,
      firstTs: T0 + 4,
      lastTs: T0 + 4,
    });
    expect(history.orderCount(u1)).toBe(2);
    expect(history.lastSeen(u1, item('a'))).toBe(T0 + 10);
    // remove_from_cart weighs 0 by default, so it is not an interaction; item z had no user.
    expect(history.itemsOf(u1).items).toEqual(Uint32Array.from([item('a'), item('b')]));
    expect(history.userCount).toBe(2);
    expect(history.pairCount).toBe(3);
    expect(history.purchaseStats(user('u2'), item('a'))).toBeUndefined();
  });

  it('answers hasBought and boughtItems', () => {
    const { history, feed, item, user, names } = setup();
    feed([view(1, 'u', 'a'), buy(2, 'u', 'c', 'o'), buy(2, 'u', 'b', 'o'), view(3, 'v', 'c')]);
    const u = user('u');
    expect(history.hasBought(u, item('b'))).toBe(true);
    expect(history.hasBought(u, item('a'))).toBe(false);
    expect(history.hasBought(user('v'), item('c'))).toBe(false);
    expect(history.hasBought(999, item('c'))).toBe(false);
    expect(names(history.boughtItems(u)).sort()).toEqual(['b', 'c']);
    const ids = history.boughtItems(u);
    expect(ids[0]! < ids[1]!).toBe(true);
    expect(history.boughtItems(user('v'))).toEqual(new Uint32Array(0));
  });

  it('lists recent items newest first, each once, up to the recent cap', () => {
    const { history, feed, user, names } = setup({ ...DEFAULT_USER_HISTORY, recent: 3 });
    feed(['a', 'b', 'c', 'a', 'd'].map((it, i) => view(i, 'u', it)));
    const u = user('u');
    expect(names(history.recentItems(u, 10))).toEqual(['d', 'a', 'c']);
    expect(names(history.recentItems(u, 2))).toEqual(['d', 'a']);
    feed([view(9, 'u', 'c')]);
    expect(names(history.recentItems(u, 10))).toEqual(['c', 'd', 'a']);
    expect(history.recentItems(0, 10)).toEqual(new Uint32Array(0));
    expect(history.recentItems(12345, 10)).toEqual(new Uint32Array(0));
  });

  it('keeps long recent lists and large users in order (table and list growth)', () => {
    const { history, feed, user, names } = setup();
    const events: RetailEvent[] = [];
    for (let i = 0; i < 300; i++) events.push(view(i, 'big', `i${i}`));
    for (let i = 0; i < 300; i += 7) events.push(view(1000 + i, 'big', `i${i}`));
    for (let u = 0; u < 200; u++) events.push(view(u, `small${u}`, `i${u % 5}`));
    feed(events);
    const big = user('big');
    const recent = names(history.recentItems(big, 1000));
    expect(recent).toHaveLength(50);
    expect(recent.slice(0, 3)).toEqual(['i294', 'i287', 'i280']);
    expect(history.itemsOf(big).items).toHaveLength(300);
    expect(history.strength(big, history.itemsOf(big).items[0]!)).toBeGreaterThan(0);
    expect(history.userCount).toBe(201);
  });

  it("changes a user's version with each of their events, and only theirs", () => {
    const { history, feed, user } = setup();
    feed([view(1, 'u', 'a'), view(1, 'v', 'a')]);
    const u = user('u');
    const v = user('v');
    const before = [history.version(u), history.version(v)];
    feed([view(2, 'u', 'a')]);
    expect(history.version(u)).not.toBe(before[0]);
    expect(history.version(v)).toBe(before[1]);
    const again = history.version(u);
    feed([{ type: 'search', ts: T0 + 3, user: 'u', query: 'x' }]);
    expect(history.version(u)).toBe(again);
    feed([buy(4, 'u', 'b', 'o')]);
    expect(history.version(u)).not.toBe(again);
    expect(history.version(4242)).toBe(0);
  });

  it('exports a CSR matrix that matches itemsOf for every user', () => {
    const { history, feed } = setup();
    const events: RetailEvent[] = [];
    for (let i = 0; i < 500; i++) {
      const u = `u${(i * 7) % 31}`;
      const it = `i${(i * 13) % 47}`;
      events.push(i % 5 === 0 ? buy(i, u, it, `o${i >> 3}`) : view(i, u, it));
    }
    feed(events);
    const m = history.toCsr();
    expect(m.rows).toBe(history.maxUserId + 1);
    expect(m.cols).toBe(history.maxItemId + 1);
    expect(m.indptr[1]).toBe(0);
    expect(nnz(m)).toBe(history.pairCount);
    for (let u = 0; u < m.rows; u++) {
      const row = m.indices.subarray(m.indptr[u]!, m.indptr[u + 1]!);
      const values = m.values.subarray(m.indptr[u]!, m.indptr[u + 1]!);
      const mine = history.itemsOf(u);
      expect(row).toEqual(mine.items);
      expect(values).toEqual(mine.strengths);
    }
    const wide = history.toCsr(m.rows + 3, m.cols + 5);
    expect(wide.indptr).toHaveLength(m.rows + 4);
    expect(nnz(wide)).toBe(nnz(m));
    expect(() => history.toCsr(m.rows - 1)).toThrow(/rows/);
    expect(() => history.toCsr(m.rows, m.cols - 1)).toThrow(/cols/);
    expect(nnz(new UserHistory().toCsr())).toBe(0);
  });

  it('notifies purchase listeners with the facts before and after', () => {
    const { history, feed, item } = setup();
    const seen: number[][] = [];
    const stop = history.onPurchase((_u, it, po, _pf, _pl, o) => seen.push([it, po, o]));
    feed([buy(1, 'u', 'a', 'o1'), buy(1, 'u', 'a', 'o1'), buy(5, 'u', 'a', 'o2')]);
    stop();
    feed([buy(9, 'u', 'a', 'o3')]);
    const a = item('a');
    // The second row of o1 changes nothing and is not reported.
    expect(seen).toEqual([
      [a, 0, 1],
      [a, 1, 2],
    ]);
  });

  it('refuses bad options', () => {
    expect(() => new UserHistory({ ...DEFAULT_USER_HISTORY, recent: -1 })).toThrow(/recent/);
    expect(() => new UserHistory({ weights: { view: -1 }, recent: 5 })).toThrow(/weight/);
    expect(() => new UserHistory({ weights: { nope: 1 } as never, recent: 5 })).toThrow(/nope/);
  });

  describe('state', () => {
    function stream(n: number, seed: number): RetailEvent[] {
      let x = seed;
      const rnd = (k: number) => {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        return (x >>> 8) % k;
      };
      const out: RetailEvent[] = [];
      for (let i = 0; i < n; i++) {
        const u = `u${rnd(40)}`;
        const it = `i${rnd(60)}`;
        const kind = rnd(4);
        if (kind === 0) out.push(buy(i, u, it, `o${u}-${i >> 4}`, 1 + rnd(3)));
        else if (kind === 1) out.push(cart(i, u, it));
        else out.push(view(i, u, it));
      }
      return out;
    }

    it('round-trips: same answers, and ingest after a restore equals ingest without one', () => {
      const events = stream(3000, 7);
      const whole = setup();
      whole.feed(events.slice(0, 1000));
      whole.feed(events.slice(1000));

      const split = setup();
      split.feed(events.slice(0, 1000));
      const restored = UserHistory.fromState(DEFAULT_USER_HISTORY, split.history.exportState());
      expect(answers(restored)).toEqual(answers(split.history));
      // The same store keeps the dictionaries; only the model is rebuilt.
      restored.ingest(split.store.append(events.slice(1000)));
      expect(answers(restored)).toEqual(answers(whole.history));
      expect(restored.exportState()).toEqual(whole.history.exportState());
      expect(restored.bytes()).toBeGreaterThan(0);
    });

    it('refuses malformed state with AISLE_SNAPSHOT', () => {
      const { history, feed } = setup();
      feed(stream(300, 3));
      const good = history.exportState();
      const bad = (patch: Partial<UserHistoryState>) =>
        expectSnapshotError(() =>
          UserHistory.fromState(DEFAULT_USER_HISTORY, { ...good, ...patch }),
        );
      bad({ items: good.items.slice(1) });
      bad({ items: undefined as never });
      // Two pairs of one user, made to name the same item.
      const j = good.users.findIndex((u, k) => k > 0 && u === good.users[0]);
      expect(j).toBeGreaterThan(0);
      const duplicate = good.items.slice();
      duplicate[j] = duplicate[0]!;
      bad({ items: duplicate });
      bad({ items: good.items.map(() => 0) });
      bad({ users: good.users.map(() => 0) });
      bad({ users: good.users.map(() => good.version.length) });
      const shared = good.purchase.slice();
      const owners = [...shared.keys()].filter((i) => shared[i] !== 0);
      shared[owners[1]!] = shared[owners[0]!]!;
      bad({ purchase: shared });
      bad({ purchase: good.purchase.map(() => 0) });
      bad({ touch: good.touch.subarray(1) });
      bad({ seenTs: good.seenTs.map(() => NaN) });
      bad({ strengths: good.strengths.map(() => -1) });
      bad({ version: new Float64Array(good.version.length).fill(-1) });
      bad({ lastOrder: good.lastOrder.subarray(1) });
      bad({ purchaseOrders: new Uint32Array(good.purchaseOrders.length) });
      bad({ purchaseFirstTs: good.purchaseFirstTs.map(() => Infinity) });
      expectSnapshotError(() => UserHistory.fromState(DEFAULT_USER_HISTORY, {} as never));
    });
  });

  it('agrees with a reference fold (property)', () => {
    const event = fc.record({
      kind: fc.constantFrom('view', 'add_to_cart', 'purchase', 'search', 'remove_from_cart'),
      user: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
      item: fc.integer({ min: 0, max: 7 }),
      order: fc.integer({ min: 0, max: 3 }),
      ts: fc.integer({ min: 0, max: 1000 }),
    });
    fc.assert(
      fc.property(fc.array(fc.array(event, { maxLength: 30 }), { maxLength: 6 }), (batches) => {
        const { history, feed, item, user, names } = setup();
        const strength = new Map<string, number>();
        const touched = new Map<string, string[]>();
        const orders = new Map<string, { n: number; last: string }>();
        const weight: Record<string, number> = { view: 1, add_to_cart: 2, purchase: 4 };
        for (const batch of batches) {
          const events: RetailEvent[] = batch.map((e) => {
            const who = e.user === undefined ? {} : { user: `u${e.user}` };
            const it = `i${e.item}`;
            const ts = T0 + e.ts;
            if (e.kind === 'search') return { type: 'search', ts, ...who, query: it };
            if (e.kind === 'purchase') {
              return {
                type: 'purchase',
                ts,
                ...who,
                item: it,
                order: `o${e.order}`,
                quantity: 1,
                price: 1,
              };
            }
            if (e.kind === 'view') return { type: 'view', ts, ...who, item: it };
            return { type: e.kind, ts, ...who, item: it, quantity: 1 };
          });
          feed(events);
          for (const e of batch) {
            const w = weight[e.kind];
            if (e.user === undefined || w === undefined) continue;
            const key = `u${e.user}|i${e.item}`;
            strength.set(key, (strength.get(key) ?? 0) + w);
            const list = (touched.get(`u${e.user}`) ?? []).filter((x) => x !== `i${e.item}`);
            touched.set(`u${e.user}`, [`i${e.item}`, ...list]);
            if (e.kind !== 'purchase') continue;
            const o = orders.get(key);
            const order = `o${e.order}`;
            if (o === undefined) orders.set(key, { n: 1, last: order });
            else if (o.last !== order) orders.set(key, { n: o.n + 1, last: order });
          }
        }
        expect(nnz(history.toCsr())).toBe(strength.size);
        expect(history.pairCount).toBe(strength.size);
        for (const [u, list] of touched) {
          expect(names(history.recentItems(user(u), 5))).toEqual(list.slice(0, 5));
        }
        for (const [key, s] of strength) {
          const [u, it] = key.split('|') as [string, string];
          expect(history.strength(user(u), item(it))).toBe(s);
          expect(history.purchaseStats(user(u), item(it))?.orders).toBe(orders.get(key)?.n);
        }
      }),
      { numRuns: 200 },
    );
  });
});
