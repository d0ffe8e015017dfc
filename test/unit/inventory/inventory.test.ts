import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAisleError } from '../../../engine/errors.js';
import type { InventoryOp, RetailEvent } from '../../../engine/events.js';
import {
  DAY_MS,
  Inventory,
  poissonQuantile,
  type InventoryAlert,
  type InventoryOptions,
  type InventoryState,
} from '../../../engine/inventory/index.js';
import { decodeState, encodeState } from '../../../engine/snapshot/sections.js';
import { allocateBatch } from '../../../engine/store/encode.js';
import { EventStore } from '../../../engine/store/index.js';

const T0 = Date.UTC(2024, 0, 1);
const HOUR = DAY_MS / 24;

const buy = (item: string, ts: number, quantity = 1): RetailEvent => ({
  type: 'purchase',
  ts,
  user: 'u',
  item,
  order: `o${ts}`,
  quantity,
  price: 1,
});
const inv = (
  item: string,
  ts: number,
  op: InventoryOp,
  quantity: number,
  location?: string,
): RetailEvent => ({
  type: 'inventory',
  ts,
  item,
  op,
  quantity,
  ...(location !== undefined && { location }),
});
const view = (item: string, ts: number): RetailEvent => ({ type: 'view', ts, user: 'u', item });

function setup(options: Partial<InventoryOptions> = {}) {
  const store = new EventStore();
  const inventory = new Inventory(options);
  const feed = (events: RetailEvent[]) => inventory.ingest(store.append(events));
  const id = (s: string) => store.dicts.item.lookup(s)!;
  return { store, inventory, feed, id };
}

/** `perDay` units a day of `item`, one unit at a time, evenly spaced over [from, to). */
function steady(item: string, perDay: number, from: number, to: number): RetailEvent[] {
  const out: RetailEvent[] = [];
  const every = DAY_MS / perDay;
  for (let t = from + every / 2; t < to; t += every) out.push(buy(item, Math.round(t)));
  return out;
}

/** Feeds `days` days of steady sales, one batch a day; returns every alert raised. */
function sellDaily(
  feed: (events: RetailEvent[]) => InventoryAlert[],
  item: string,
  perDay: number,
  fromDay: number,
  days: number,
): InventoryAlert[] {
  const out: InventoryAlert[] = [];
  for (let day = fromDay; day < fromDay + days; day++) {
    out.push(...feed(steady(item, perDay, T0 + day * DAY_MS, T0 + (day + 1) * DAY_MS)));
  }
  return out;
}

const ofType = (alerts: InventoryAlert[], type: InventoryAlert['type'], item?: number) =>
  alerts.filter((a) => a.type === type && (item === undefined || a.item === item));

function codeOf(run: () => unknown): unknown {
  try {
    run();
  } catch (err) {
    return isAisleError(err) ? err.code : err;
  }
  return undefined;
}

describe('Inventory', () => {
  describe('days of cover with constant demand', () => {
    for (const perDay of [3, 24]) {
      for (const n of [5, 20, 60]) {
        it(`flags ${n} days of cover at ${perDay} units/day`, () => {
          // A lead time past the cover makes the item at risk, so it is flagged with its cover.
          const { inventory, feed, id } = setup({ leadTimeDays: 1.5 * n });
          feed([inv('a', T0, 'set', 100_000)]);
          sellDaily(feed, 'a', perDay, 0, 28);
          const stock = n * perDay;
          const alerts = feed([inv('a', T0 + 28 * DAY_MS, 'set', stock)]);
          const [flag] = ofType(alerts, 'stockout_risk', id('a'));
          expect(flag).toBeDefined();
          expect(flag!.level).toBe(stock);
          expect(Math.abs(flag!.daysOfCover - n) / n).toBeLessThan(0.1);
          expect(Math.abs(flag!.velocityPerDay - perDay) / perDay).toBeLessThan(0.1);
          expect(flag!.reason).toContain(`${stock} on hand covers`);
          const report = inventory.report(id('a'));
          expect(Math.abs(report.daysOfCover! - n) / n).toBeLessThan(0.1);
          // Half the cover later, half of it is left.
          sellDaily(feed, 'a', perDay, 28, n / 2 + (n % 2) / 2);
          const later = inventory.report(id('a')).daysOfCover!;
          const left = n - (n / 2 + (n % 2) / 2);
          expect(Math.abs(later - left) / left).toBeLessThan(0.1);
        });
      }
    }

    it('with the default 7-day lead time, only the 5-day cover is at risk', () => {
      for (const n of [5, 20, 60]) {
        const { feed, id } = setup();
        feed([inv('a', T0, 'set', 100_000)]);
        sellDaily(feed, 'a', 24, 0, 28);
        const alerts = feed([inv('a', T0 + 28 * DAY_MS, 'set', n * 24)]);
        expect(ofType(alerts, 'stockout_risk', id('a'))).toHaveLength(n === 5 ? 1 : 0);
      }
    });
  });

  it('raises a stockout risk below lead-time demand and clears it on a receive', () => {
    const { inventory, feed, id } = setup();
    feed([inv('a', T0, 'set', 300)]);
    const a = id('a');
    let first: InventoryAlert | undefined;
    let day = 0;
    for (; day < 30 && first === undefined; day++) {
      [first] = ofType(sellDaily(feed, 'a', 10, day, 1), 'stockout_risk');
    }
    // 10 a day over a 7-day lead time is Poisson(70): even odds of selling out at about 70.
    expect(first).toBeDefined();
    expect(first!.item).toBe(a);
    expect(first!.level).toBeGreaterThanOrEqual(60);
    expect(first!.level).toBeLessThanOrEqual(80);
    expect(first!.risk).toBeGreaterThanOrEqual(0.5);
    expect(first!.reorderPoint).toBe(poissonQuantile(0.95, first!.velocityPerDay * 7));
    expect(first!.orderQuantity).toBe(Math.ceil(first!.velocityPerDay * 21 - first!.level));
    expect(first!.reason).toMatch(/% chance of selling out within the 7-day lead time/);
    expect(inventory.drainAlerts()).toEqual([first]);

    // Still at risk while it sells on: not raised again.
    expect(ofType(sellDaily(feed, 'a', 10, day, 3), 'stockout_risk')).toHaveLength(0);
    expect(ofType(inventory.alerts(), 'stockout_risk', a)).toHaveLength(1);
    day += 3;

    expect(feed([inv('a', T0 + day * DAY_MS, 'receive', 300)])).toEqual([]);
    expect(ofType(inventory.alerts(), 'stockout_risk', a)).toHaveLength(0);
    expect(inventory.report(a).stockoutRisk).toBeLessThan(0.01);

    // The next episode is raised afresh.
    const again = ofType(sellDaily(feed, 'a', 10, day, 30), 'stockout_risk');
    expect(again).toHaveLength(1);
  });

  it('raises nothing for an item without stock data', () => {
    const { inventory, feed, id } = setup();
    feed([inv('b', T0, 'set', 5)]);
    const alerts: InventoryAlert[] = [];
    for (let day = 0; day < 60; day++) {
      const t = T0 + day * DAY_MS;
      alerts.push(...feed([...steady('ghost', 50, t, t + DAY_MS), buy('ghost', t + HOUR, 1000)]));
      alerts.push(...feed([view('b', t + 2 * HOUR)]));
    }
    const ghost = id('ghost');
    expect(alerts.filter((a) => a.item === ghost)).toEqual([]);
    const report = inventory.report(ghost);
    expect(report.level).toBeUndefined();
    expect(report.daysOfCover).toBeUndefined();
    expect(report.stockoutRisk).toBeUndefined();
    expect(report.orderQuantity).toBeUndefined();
    expect(report.overstock).toBe(false);
    expect(report.oversoldUnits).toBe(0);
    expect(report.velocityPerDay).toBeGreaterThan(50);
    expect(report.reorderPoint).toBeGreaterThan(0);
    // An id never seen at all.
    expect(inventory.report(123_456)).toMatchObject({ level: undefined, velocityPerDay: 0 });
  });

  it('flags oversell with the units, once per episode, negative adjustments included', () => {
    const { inventory, feed, id } = setup();
    const alerts = feed([inv('a', T0, 'set', 3), buy('a', T0 + 1, 5)]);
    const a = id('a');
    const [over] = ofType(alerts, 'oversell', a);
    expect(over).toMatchObject({ level: -2, oversoldUnits: 2, item: a, ts: T0 + 1 });
    expect(over!.reason).toBe('2 units sold beyond stock; level is now -2');
    expect(inventory.report(a).oversoldUnits).toBe(2);

    expect(ofType(feed([buy('a', T0 + 2, 1)]), 'oversell')).toHaveLength(0);
    expect(inventory.report(a).oversoldUnits).toBe(3);
    expect(ofType(inventory.alerts(), 'oversell', a)).toHaveLength(1);

    feed([inv('a', T0 + 3, 'receive', 10)]);
    expect(ofType(inventory.alerts(), 'oversell', a)).toHaveLength(0);
    expect(ofType(feed([buy('a', T0 + 4, 9)]), 'oversell', a)).toMatchObject([
      { oversoldUnits: 2, level: -2 },
    ]);

    // The feed itself taking the level below zero.
    const adjusted = feed([inv('c', T0 + 5, 'set', 2), inv('c', T0 + 6, 'adjust', -5)]);
    expect(ofType(adjusted, 'oversell', id('c'))).toMatchObject([{ oversoldUnits: 3, level: -3 }]);

    // Sold short and paid back within one batch: raised, and already over.
    const paid = feed([
      inv('d', T0 + 7, 'set', 1),
      buy('d', T0 + 8, 3),
      inv('d', T0 + 9, 'receive', 5),
    ]);
    expect(ofType(paid, 'oversell', id('d'))).toMatchObject([{ oversoldUnits: 2, level: 3 }]);
    expect(ofType(inventory.alerts(), 'oversell', id('d'))).toHaveLength(0);
  });

  it('flags overstock once an item has history, sold or untouched, and clears it', () => {
    const { inventory, feed, id } = setup();
    feed([inv('slow', T0, 'set', 1000), inv('still', T0, 'set', 500), inv('few', T0, 'set', 5)]);
    const seen: InventoryAlert[] = [];
    for (let day = 0; day < 10; day++) {
      const t = T0 + day * DAY_MS;
      const raised = feed([buy('slow', t + HOUR), view('other', t + 12 * HOUR)]);
      if (day < 6) expect(ofType(raised, 'overstock')).toEqual([]);
      seen.push(...raised);
    }
    const over = ofType(seen, 'overstock');
    expect(over.map((a) => a.item).sort()).toEqual([id('slow'), id('still')].sort());
    const still = over.find((a) => a.item === id('still'))!;
    expect(still.daysOfCover).toBe(Infinity);
    expect(still.reason).toBe(
      '500 on hand with no recent sales, beyond the 120-day overstock threshold',
    );
    const slow = over.find((a) => a.item === id('slow'))!;
    expect(slow.daysOfCover).toBeGreaterThan(120);
    expect(slow.reason).toMatch(/^\d+ on hand covers \d+ days at [\d.]+ units\/day, beyond/);
    expect(inventory.report(id('slow')).overstock).toBe(true);
    expect(inventory.report(id('few')).overstock).toBe(false);

    feed([inv('slow', T0 + 10 * DAY_MS, 'set', 50)]);
    expect(ofType(inventory.alerts(), 'overstock', id('slow'))).toHaveLength(0);
    expect(ofType(inventory.alerts(), 'overstock', id('still'))).toHaveLength(1);
  });

  it('reports per location', () => {
    const { inventory, feed, id, store } = setup();
    feed([inv('a', T0, 'set', 4, 'north'), inv('a', T0, 'set', 6, 'south'), buy('a', T0 + 1, 2)]);
    const loc = (s: string) => store.dicts.location.lookup(s)!;
    expect(inventory.report(id('a'))).toMatchObject({
      level: 8,
      byLocation: [
        { location: 0, level: -2 },
        { location: loc('north'), level: 4 },
        { location: loc('south'), level: 6 },
      ],
    });
    feed([inv('b', T0 + 2, 'set', 1)]);
    expect(inventory.report(id('b')).byLocation).toBeUndefined();
  });

  it('keeps a bounded list of current alerts and a bounded queue', () => {
    const { inventory, feed } = setup({ maxAlerts: 3 });
    for (let i = 0; i < 10; i++) feed([inv(`i${i}`, T0 + i, 'adjust', -1)]);
    const current = inventory.alerts();
    expect(current.map((a) => a.level)).toEqual([-1, -1, -1]);
    expect(current.map((a) => a.ts)).toEqual([T0 + 7, T0 + 8, T0 + 9]);
    const drained = inventory.drainAlerts();
    expect(drained.map((a) => a.ts)).toEqual([T0 + 7, T0 + 8, T0 + 9]);
    expect(inventory.droppedAlerts).toBe(7);
    expect(inventory.drainAlerts()).toEqual([]);
    // Evicted from the list, still open: the next purchase does not raise it again.
    expect(ofType(feed([buy('i0', T0 + 20)]), 'oversell')).toEqual([]);
  });

  it('does not throw on odd batches and odd times', () => {
    const { inventory, feed, id } = setup();
    feed([inv('a', T0, 'set', 5), buy('a', T0, 1)]);
    const a = id('a');
    const batch = allocateBatch(5);
    (batch.ts as Float64Array).set([Number.NaN, T0, T0, T0, T0]);
    (batch.type as Uint8Array).set([3, 5, 3, 5, 3]);
    (batch.op as Uint8Array).set([0, 9, 0, 1, 0]);
    (batch.item as Uint32Array).set([a, a, 0, a, a]);
    (batch.quantity as Int32Array).set([2, 4, 1, 0, 0]);
    expect(() => inventory.ingest(batch)).not.toThrow();
    expect(inventory.report(a).level).toBe(0);
    for (const now of [Number.NaN, Infinity, -Infinity, 0]) {
      const r = inventory.report(a, now);
      expect(Number.isNaN(r.velocityPerDay)).toBe(false);
      expect(r.velocityPerDay).toBeGreaterThanOrEqual(0);
    }
    expect(() => inventory.ingest(allocateBatch(0))).not.toThrow();
  });

  describe('options', () => {
    it('fills defaults and names the bad field', () => {
      expect(new Inventory().options.leadTimeDays).toBe(7);
      expect(new Inventory({ leadTimeDays: undefined }).options.leadTimeDays).toBe(7);
      const cases: [Partial<InventoryOptions>, string][] = [
        [{ serviceLevel: 1 }, 'serviceLevel'],
        [{ leadTimeDays: 0 }, 'leadTimeDays'],
        [{ halfLifeDays: Number.NaN }, 'halfLifeDays'],
        [{ halfLifeDays: 0.001 }, 'halfLifeDays'],
        [{ maxAlerts: 1.5 }, 'maxAlerts'],
        [{ riskThreshold: '0.5' as never }, 'riskThreshold'],
        [{ clearMargin: 1 }, 'clearMargin'],
        [{ leadTime: 3 } as never, 'leadTime'],
      ];
      for (const [options, field] of cases) {
        let details: unknown;
        try {
          new Inventory(options);
        } catch (err) {
          expect(isAisleError(err) && err.code).toBe('AISLE_INVALID_ARGUMENT');
          details = isAisleError(err) ? err.details : undefined;
        }
        expect(details).toEqual({ field });
      }
    });
  });

  describe('state', () => {
    /** A day-by-day stream over a dozen items with every kind of event, deterministic. */
    function days(count: number): RetailEvent[][] {
      let seed = 7;
      const rand = () => {
        seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
        return seed / 2 ** 32;
      };
      const out: RetailEvent[][] = [];
      for (let day = 0; day < count; day++) {
        const events: RetailEvent[] = [];
        const t = T0 + day * DAY_MS;
        for (let k = 0; k < 40; k++) {
          const item = `i${Math.floor(rand() * 12)}`;
          const ts = t + Math.floor(rand() * DAY_MS);
          const r = rand();
          if (r < 0.7) events.push(buy(item, ts, 1 + Math.floor(rand() * 3)));
          else if (r < 0.8) events.push(inv(item, ts, 'receive', 5 + Math.floor(rand() * 60)));
          else if (r < 0.85) events.push(inv(item, ts, 'set', Math.floor(rand() * 200), 'w1'));
          else if (r < 0.9) events.push(inv(item, ts, 'adjust', -1 - Math.floor(rand() * 5)));
          else events.push(view(item, ts));
        }
        out.push(events);
      }
      return out;
    }
    const options: Partial<InventoryOptions> = { leadTimeDays: 5, overstockDays: 30 };
    const reports = (inventory: Inventory) =>
      Array.from({ length: 16 }, (_, i) => inventory.report(i));

    it('round-trips through a snapshot file and continues identically', () => {
      const all = days(90);
      const whole = setup(options);
      const part = setup(options);
      const wholeAlerts = all.flatMap((events) => whole.feed(events));
      const partAlerts = all.slice(0, 50).flatMap((events) => part.feed(events));
      expect(wholeAlerts.length).toBeGreaterThan(partAlerts.length);
      expect(new Set(wholeAlerts.map((a) => a.type))).toEqual(
        new Set(['stockout_risk', 'oversell', 'overstock']),
      );

      const encoded = encodeState(part.inventory.exportState());
      const bytes = new Uint8Array(encoded.bytes);
      let at = 0;
      for (const p of encoded.pieces) {
        bytes.set(p, at);
        at += p.length;
      }
      const restored = Inventory.fromState(options, decodeState(bytes) as InventoryState);
      expect(reports(restored)).toEqual(reports(part.inventory));
      expect(restored.alerts()).toEqual(part.inventory.alerts());

      const rest: InventoryAlert[] = [];
      for (const events of all.slice(50)) {
        const batch = part.store.append(events);
        const fromPart = part.inventory.ingest(batch);
        expect(restored.ingest(batch)).toEqual(fromPart);
        rest.push(...fromPart);
      }
      expect([...partAlerts, ...rest]).toEqual(wholeAlerts);
      expect(reports(restored)).toEqual(reports(whole.inventory));
      expect(restored.exportState()).toEqual(whole.inventory.exportState());
      expect(restored.drainAlerts()).toEqual(whole.inventory.drainAlerts());
      expect(restored.bytes()).toBeGreaterThan(0);
    });

    it('refuses malformed state with AISLE_SNAPSHOT', () => {
      const { inventory, feed } = setup(options);
      for (const events of days(30)) feed(events);
      const good = inventory.exportState();
      expect(good.alerts.current.length).toBeGreaterThan(0);
      const [first] = good.alerts.current;
      const cases: InventoryState[] = [
        { ...good, nextCheck: Number.NaN },
        { ...good, velocity: { ...good.velocity, units: new Float64Array(3) } },
        { ...good, alerts: { ...good.alerts, current: [{ ...first!, type: 'nope' as never }] } },
        { ...good, alerts: { ...good.alerts, current: [first!, first!] } },
        { ...good, alerts: { ...good.alerts, active: new Uint8Array(0) } },
        { ...good, alerts: { ...good.alerts, dropped: -1 } },
        { ...good, stock: { ...good.stock, oversold: new Float64Array(1) } },
        { ...good, velocity: undefined as never },
        {
          ...good,
          velocity: { ...good.velocity, units: new Float64Array(0), since: new Float64Array(0) },
        },
        {} as never,
      ];
      for (const state of cases) {
        expect(codeOf(() => Inventory.fromState(options, state))).toBe('AISLE_SNAPSHOT');
      }
      // Another half-life cannot continue these counters.
      expect(codeOf(() => Inventory.fromState({ ...options, halfLifeDays: 3 }, good))).toBe(
        'AISLE_SNAPSHOT',
      );
      expect(codeOf(() => Inventory.fromState({ ...options, leadTimeDays: -1 }, good))).toBe(
        'AISLE_INVALID_ARGUMENT',
      );
    });
  });

  it('keeps velocity finite and ≥ 0, and cover equal to level / velocity (property)', () => {
    const event = fc.record({
      kind: fc.constantFrom('purchase', 'set', 'receive', 'adjust', 'view'),
      item: fc.integer({ min: 0, max: 5 }),
      quantity: fc.integer({ min: 1, max: 500 }),
      gapMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 30 * DAY_MS })),
    });
    fc.assert(
      fc.property(fc.array(fc.array(event, { maxLength: 20 }), { maxLength: 6 }), (batches) => {
        const { inventory, store } = setup({ leadTimeDays: 3 });
        const stocked = new Set<string>();
        let t = T0;
        for (const batch of batches) {
          const events: RetailEvent[] = batch.map((e) => {
            t += e.gapMs;
            const item = `i${e.item}`;
            if (e.kind === 'purchase') return buy(item, t, e.quantity);
            if (e.kind === 'view') return view(item, t);
            stocked.add(item);
            const q =
              e.kind === 'adjust' ? -e.quantity : e.kind === 'set' ? e.quantity - 1 : e.quantity;
            return inv(item, t, e.kind, q);
          });
          const raised = inventory.ingest(store.append(events));
          for (const a of raised) {
            expect(stocked.has(store.dicts.item.value(a.item)!)).toBe(true);
          }
          for (let id = 1; id <= store.dicts.item.size; id++) {
            const r = inventory.report(id);
            expect(Number.isFinite(r.velocityPerDay)).toBe(true);
            expect(r.velocityPerDay).toBeGreaterThanOrEqual(0);
            expect(Number.isInteger(r.reorderPoint) && r.reorderPoint >= 0).toBe(true);
            if (r.level === undefined) {
              expect(r.daysOfCover).toBeUndefined();
              continue;
            }
            if (r.level <= 0) expect(r.daysOfCover).toBe(0);
            else if (r.velocityPerDay === 0) expect(r.daysOfCover).toBe(Infinity);
            else expect(r.daysOfCover).toBeCloseTo(r.level / r.velocityPerDay, 9);
            expect(r.stockoutRisk).toBeGreaterThanOrEqual(0);
            expect(r.stockoutRisk).toBeLessThanOrEqual(1);
            expect(Number.isInteger(r.orderQuantity) && r.orderQuantity! >= 0).toBe(true);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
