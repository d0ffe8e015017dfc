import { describe, expect, it } from 'vitest';
import { isAisleError } from '../../../engine/errors.js';
import type { RetailEvent } from '../../../engine/events.js';
import {
  BuyAgain,
  DEFAULT_BUY_AGAIN,
  type BuyAgainState,
} from '../../../engine/models/buy-again.js';
import { DEFAULT_USER_HISTORY, UserHistory } from '../../../engine/models/user-history.js';
import { EventStore } from '../../../engine/store/index.js';

const DAY = 24 * 60 * 60 * 1000;
const T0 = Date.UTC(2024, 0, 1);

const buy = (day: number, user: string, item: string, order: string): RetailEvent => ({
  type: 'purchase',
  ts: T0 + day * DAY,
  user,
  item,
  order,
  quantity: 1,
  price: 2,
});

/**
 * Six shoppers buy milk weekly (with bread in the same order) and a kettle once; the shopper
 * "me" bought milk in four orders, a kettle once, and only looked at coffee.
 */
function shop(): RetailEvent[] {
  const events: RetailEvent[] = [];
  for (let s = 0; s < 6; s++) {
    for (let w = 0; w < 4; w++) {
      events.push(buy(w * 7 + s, `s${s}`, 'milk', `s${s}-${w}`));
      events.push(buy(w * 7 + s, `s${s}`, 'milk', `s${s}-${w}`)); // a second row of the order
    }
    events.push(buy(s, `s${s}`, 'kettle', `s${s}-k`));
  }
  for (let w = 0; w < 4; w++) events.push(buy(w * 7, 'me', 'milk', `me-${w}`));
  events.push(buy(21, 'me', 'kettle', 'me-3'));
  events.push({ type: 'view', ts: T0 + 22 * DAY, user: 'me', item: 'coffee' });
  return events;
}

function setup() {
  const store = new EventStore();
  const history = new UserHistory(DEFAULT_USER_HISTORY);
  const model = new BuyAgain(history);
  const feed = (events: RetailEvent[]) => history.ingest(store.append(events));
  const item = (s: string) => store.dicts.item.lookup(s)!;
  const user = (s: string) => store.dicts.user.lookup(s)!;
  const names = (ids: Uint32Array) => Array.from(ids, (i) => store.dicts.item.value(i));
  return { store, history, model, feed, item, user, names };
}

describe('BuyAgain', () => {
  it('keeps item repeat statistics as purchases arrive', () => {
    const { model, feed, item } = setup();
    feed(shop());
    const milk = model.itemStats(item('milk'));
    expect(milk.buyers).toBe(7);
    expect(milk.repeatBuyers).toBe(7);
    expect(milk.intervalMs).toBeCloseTo(7 * DAY, 0);
    const kettle = model.itemStats(item('kettle'));
    expect(kettle).toMatchObject({ buyers: 7, repeatBuyers: 0, intervalMs: undefined });
    // Shrinkage keeps a never-repeated item above 0 and a always-repeated one below 1.
    expect(kettle.repeatRate).toBeGreaterThan(0);
    expect(milk.repeatRate).toBeLessThan(1);
    expect(milk.repeatRate).toBeGreaterThan(kettle.repeatRate);
  });

  it('ranks a due staple above a one-off, and leaves out what was never bought', () => {
    const { model, feed, user, names } = setup();
    feed(shop());
    const now = T0 + 28 * DAY; // a week after the last milk order: due
    const got = model.recommend(user('me'), 10, now);
    expect(names(got.items)).toEqual(['milk', 'kettle']);
    expect(got.scores[0]!).toBeGreaterThan(got.scores[1]!);
    expect(got.details[0]).toEqual({
      orders: 4,
      lastTs: T0 + 21 * DAY,
      intervalMs: expect.closeTo(7 * DAY, 0) as number,
    });
    expect(got.details[1]!.orders).toBe(1);
    expect(got.details[1]!.intervalMs).toBe(DEFAULT_BUY_AGAIN.defaultIntervalMs);
    expect(names(model.recommend(user('me'), 1, now).items)).toEqual(['milk']);
    expect(model.recommend(user('me'), 0, now).items).toHaveLength(0);
  });

  it('rises toward the due date and stays high when overdue', () => {
    const { model, feed, user, item } = setup();
    feed(shop());
    const me = user('me');
    const milkScore = (day: number) => {
      const got = model.recommend(me, 10, T0 + day * DAY);
      return got.scores[got.items.indexOf(item('milk'))]!;
    };
    const justBought = milkScore(21);
    const halfway = milkScore(24.5);
    const due = milkScore(28);
    const overdue = milkScore(21 + 70);
    expect(justBought).toBeLessThan(halfway);
    expect(halfway).toBeLessThan(due);
    expect(overdue).toBeLessThan(due);
    expect(overdue).toBeGreaterThanOrEqual(due * DEFAULT_BUY_AGAIN.overdueFloor);
    const late = model.recommend(me, 10, T0 + 91 * DAY);
    expect(late.items[0]).toBe(item('milk'));
  });

  it('recommends nothing to a shopper without purchases', () => {
    const { model, feed, user } = setup();
    feed(shop());
    feed([{ type: 'view', ts: T0, user: 'browser', item: 'milk' }]);
    expect(model.recommend(user('browser'), 5, T0).items).toHaveLength(0);
    expect(model.recommend(99_999, 5, T0).items).toHaveLength(0);
  });

  it('catches up with a history it did not follow', () => {
    const { history, model, feed, item } = setup();
    feed(shop());
    const late = new BuyAgain(history);
    for (const name of ['milk', 'kettle']) {
      const a = model.itemStats(item(name));
      const b = late.itemStats(item(name));
      expect(b.buyers).toBe(a.buyers);
      expect(b.repeatBuyers).toBe(a.repeatBuyers);
      expect(b.intervalMs ?? 0).toBeCloseTo(a.intervalMs ?? 0, 3);
    }
  });

  it('stops following the history once closed', () => {
    const { model, feed, item } = setup();
    feed(shop());
    model.close();
    feed([buy(40, 'new', 'milk', 'n1')]);
    expect(model.itemStats(item('milk')).buyers).toBe(7);
  });

  it('round-trips its state and continues exactly as without a restore', () => {
    const events = shop();
    const whole = setup();
    whole.feed(events);
    whole.feed([buy(30, 'me', 'milk', 'me-4'), buy(31, 's1', 'kettle', 'x')]);

    const part = setup();
    part.feed(events);
    const history = UserHistory.fromState(DEFAULT_USER_HISTORY, part.history.exportState());
    const model = BuyAgain.fromState(history, DEFAULT_BUY_AGAIN, part.model.exportState());
    const me = part.user('me');
    expect(model.recommend(me, 5, T0 + 30 * DAY)).toEqual(
      part.model.recommend(me, 5, T0 + 30 * DAY),
    );
    history.ingest(
      part.store.append([buy(30, 'me', 'milk', 'me-4'), buy(31, 's1', 'kettle', 'x')]),
    );
    expect(model.exportState()).toEqual(whole.model.exportState());
    expect(model.recommend(me, 5, T0 + 40 * DAY)).toEqual(
      whole.model.recommend(me, 5, T0 + 40 * DAY),
    );
    expect(model.bytes()).toBeGreaterThan(0);
  });

  it('refuses malformed state with AISLE_SNAPSHOT', () => {
    const { history, model, feed } = setup();
    feed(shop());
    const good = model.exportState();
    const cases: BuyAgainState[] = [
      { ...good, repeatBuyers: good.repeatBuyers.slice(1) },
      { ...good, buyers: new Uint32Array(good.buyers.length) }, // repeat buyers > buyers
      { ...good, logIntervalSum: good.logIntervalSum.map(() => NaN) },
      { ...good, buyers: Array.from(good.buyers) as never },
      {} as never,
    ];
    for (const state of cases) {
      let code: unknown;
      try {
        BuyAgain.fromState(history, DEFAULT_BUY_AGAIN, state);
      } catch (err) {
        code = isAisleError(err) ? err.code : err;
      }
      expect(code).toBe('AISLE_SNAPSHOT');
    }
  });

  it('refuses bad options', () => {
    const history = new UserHistory();
    expect(() => new BuyAgain(history, { ...DEFAULT_BUY_AGAIN, overdueFloor: 0 })).toThrow(
      /floors/,
    );
    expect(() => new BuyAgain(history, { ...DEFAULT_BUY_AGAIN, shrink: -1 })).toThrow(/shrink/);
  });
});
