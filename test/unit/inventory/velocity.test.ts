import { describe, expect, it } from 'vitest';
import { isAisleError } from '../../../engine/errors.js';
import type { RetailEvent } from '../../../engine/events.js';
import { DAY_MS, Velocity, type VelocityState } from '../../../engine/inventory/velocity.js';
import { allocateBatch } from '../../../engine/store/encode.js';
import { EventStore } from '../../../engine/store/index.js';

const T0 = Date.UTC(2024, 0, 1);
const HOUR = DAY_MS / 24;
const WEEK = 7 * DAY_MS;

const buy = (item: string, ts: number, quantity = 1): RetailEvent => ({
  type: 'purchase',
  ts,
  user: 'u',
  item,
  order: `o${ts}`,
  quantity,
  price: 1,
});
const set = (item: string, ts: number, quantity: number): RetailEvent => ({
  type: 'inventory',
  ts,
  item,
  op: 'set',
  quantity,
});
const view = (item: string, ts: number): RetailEvent => ({ type: 'view', ts, user: 'u', item });

function setup(minExposureDays = 1) {
  const store = new EventStore();
  const velocity = new Velocity(WEEK, minExposureDays * DAY_MS);
  const feed = (events: RetailEvent[]) => velocity.ingest(store.append(events));
  const id = (s: string) => store.dicts.item.lookup(s)!;
  return { store, velocity, feed, id };
}

/** `perDay` units a day of `item`, spread evenly over the hours of days [from, to). */
function steady(item: string, perDay: number, from: number, to: number): RetailEvent[] {
  const out: RetailEvent[] = [];
  const every = DAY_MS / perDay;
  for (let t = from + every / 2; t < to; t += every) out.push(buy(item, Math.round(t)));
  return out;
}

describe('Velocity', () => {
  it('reads a steady rate back at any stream age, young or old', () => {
    const { velocity, feed, id } = setup();
    feed([view('other', T0)]);
    for (let day = 0; day < 60; day++) {
      feed(steady('a', 24, T0 + day * DAY_MS, T0 + (day + 1) * DAY_MS));
      const now = T0 + (day + 1) * DAY_MS;
      if (day >= 1) expect(velocity.perDay(id('a'), now)).toBeCloseTo(24, 0);
    }
  });

  it('halves the contribution of old sales every half-life once they stop', () => {
    const { velocity, feed, id } = setup();
    feed(steady('a', 10, T0, T0 + 8 * WEEK));
    const end = T0 + 8 * WEEK;
    const v0 = velocity.perDay(id('a'), end);
    expect(v0).toBeCloseTo(10, 0);
    expect(velocity.perDay(id('a'), end + WEEK) / v0).toBeCloseTo(0.5, 2);
    expect(velocity.perDay(id('a'), end + 3 * WEEK) / v0).toBeCloseTo(0.125, 2);
  });

  it('times a launch from its first inventory event, a slow seller from the stream start', () => {
    const { velocity, feed, id } = setup();
    // The stream runs four weeks before the launch.
    feed([view('x', T0), set('slow', T0 + HOUR, 100)]);
    const launch = T0 + 4 * WEEK;
    feed([set('new', launch, 500)]);
    feed(steady('new', 30, launch, launch + 2 * DAY_MS));
    // A product on sale all along, whose only sale comes at the launch date.
    feed([buy('old', launch + DAY_MS)]);
    const now = launch + 2 * DAY_MS;
    expect(velocity.perDay(id('new'), now)).toBeCloseTo(30, 0);
    expect(velocity.ageMs(id('new'), now)).toBe(2 * DAY_MS);
    // One sale over a month is about one per ten days (the decayed window), not one a day.
    expect(velocity.perDay(id('old'), now)).toBeLessThan(0.15);
    expect(velocity.ageMs(id('old'), now)).toBe(now - T0);
    expect(velocity.perDay(id('slow'), now)).toBe(0);
  });

  it('floors the exposure so one early sale is not a spike', () => {
    const { velocity, feed, id } = setup(1);
    feed([buy('a', T0, 3)]);
    // One minute in: three units over a one-day floor (0.95 decayed days), not 4320 a day.
    const v = velocity.perDay(id('a'), T0 + 60_000);
    expect(v).toBeGreaterThan(3);
    expect(v).toBeLessThan(3.2);
  });

  it('stays finite and non-negative on odd input', () => {
    const { velocity, feed, id } = setup();
    expect(velocity.perDay(1, T0)).toBe(0);
    feed([buy('a', T0, 2)]);
    const a = id('a');
    for (const now of [Number.NaN, -Infinity, Infinity, 0, T0 - 100 * 365 * DAY_MS]) {
      const v = velocity.perDay(a, now);
      expect(Number.isFinite(v) && v >= 0).toBe(true);
    }
    expect(velocity.perDay(99_999, T0)).toBe(0);
    // A hand-made batch with a NaN time, a zero quantity and no item changes nothing.
    const batch = allocateBatch(3);
    (batch.ts as Float64Array).set([Number.NaN, T0, T0]);
    (batch.type as Uint8Array).set([3, 3, 3]);
    (batch.item as Uint32Array).set([a, a, 0]);
    (batch.quantity as Int32Array).set([5, 0, 5]);
    const before = velocity.perDay(a, T0 + DAY_MS);
    velocity.ingest(batch);
    expect(velocity.perDay(a, T0 + DAY_MS)).toBe(before);
  });

  it('rescales its forward weights over years of stream without drifting', () => {
    const { velocity, feed, id } = setup();
    // 40 / λ is about 400 days: two years cross the rescale point at least once.
    for (let day = 0; day < 730; day += 1) {
      feed([buy('a', T0 + day * DAY_MS + HOUR, 5)]);
    }
    const now = T0 + 730 * DAY_MS;
    expect(velocity.perDay(id('a'), now)).toBeCloseTo(5, 0);
    expect(Number.isFinite(velocity.exportState().tRef!)).toBe(true);
  });

  it('round-trips its state and refuses a malformed one', () => {
    const { velocity, feed, id, store } = setup();
    feed(steady('a', 5, T0, T0 + 3 * WEEK));
    const copy = Velocity.fromState(WEEK, DAY_MS, velocity.exportState());
    const more = store.append(steady('a', 9, T0 + 3 * WEEK, T0 + 4 * WEEK));
    velocity.ingest(more);
    copy.ingest(more);
    expect(copy.exportState()).toEqual(velocity.exportState());
    expect(copy.perDay(id('a'), T0 + 4 * WEEK)).toBe(velocity.perDay(id('a'), T0 + 4 * WEEK));

    const good = velocity.exportState();
    const cases: [number, VelocityState][] = [
      [2 * WEEK, good],
      [WEEK, { ...good, tRef: Number.NaN }],
      [WEEK, { ...good, oldest: good.newest + 1 }],
      [WEEK, { ...good, since: good.since.slice(1) }],
      [WEEK, { ...good, units: good.units.map(() => -1) }],
      [WEEK, { ...good, since: good.since.map(() => Infinity) }],
      [WEEK, {} as never],
    ];
    for (const [halfLife, state] of cases) {
      let code: unknown;
      try {
        Velocity.fromState(halfLife, DAY_MS, state);
      } catch (err) {
        code = isAisleError(err) ? err.code : err;
      }
      expect(code).toBe('AISLE_SNAPSHOT');
    }
  });
});
