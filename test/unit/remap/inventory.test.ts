import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAisleError } from '../../../engine/errors.js';
import type { InventoryOp, RetailEvent } from '../../../engine/events.js';
import {
  DAY_MS,
  Inventory,
  type InventoryAlert,
  type InventoryOptions,
} from '../../../engine/inventory/index.js';
import { flagUnknownSkus } from '../../../engine/inventory/unknown-skus.js';
import { EventStore } from '../../../engine/store/index.js';
import { GONE, picked, renamed } from './renamed-twin.js';
import { compactStore, dropping, identity, inBatches, throughBytes } from './support.js';

const T0 = Date.UTC(2024, 0, 1);
const HOUR = DAY_MS / 24;
const BATCH = 7;
/** Items named x… are not in the catalogue: their inventory events raise unknown-SKU alerts. */
const ITEMS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'x1', 'x2'];
const NEW_ITEMS = ['n1', 'n2', 'n3'];
const LOCATIONS = ['north', 'south'];
// Tight thresholds so that random streams raise every kind of alert.
const OPTIONS: Partial<InventoryOptions> = {
  halfLifeDays: 3,
  leadTimeDays: 2,
  overstockDays: 10,
  overstockMinUnits: 5,
  minHistoryDays: 1,
  recheckDays: 0.5,
};

/** A model fed the way the inventory part is: levels, velocity and alerts, then unknown SKUs. */
class Harness {
  constructor(
    readonly inventory = new Inventory(OPTIONS),
    readonly store = new EventStore(),
  ) {}

  feed(events: RetailEvent[]): void {
    const batch = this.store.append(events);
    this.inventory.ingest(batch);
    // Judged on the name without the twin's suffix, so both sides flag the same events.
    flagUnknownSkus(this.inventory, batch, events, (_id, sku) => !sku.startsWith('x'));
  }

  feedAll(events: readonly RetailEvent[]): void {
    inBatches(events, BATCH, (b) => this.feed(b));
  }

  id(item: string): number | undefined {
    return this.store.dicts.item.lookup(item);
  }

  /** Every answer of the inventory, items by name; `skip` leaves out the twin's renamed items. */
  answers(items: readonly string[], skip = false) {
    const inv = this.inventory;
    const dict = this.store.dicts.item;
    const named = (a: InventoryAlert) => ({ ...a, item: dict.value(a.item)! });
    const keep = (a: { item: string }) => !(skip && a.item.endsWith(GONE));
    const reports: Record<string, unknown> = {};
    for (const s of items) {
      const id = this.id(s);
      if (id === undefined) continue;
      const { byLocation, ...rest } = inv.report(id);
      reports[s] = {
        ...rest,
        byLocation: byLocation?.map((l) => ({
          location: l.location === 0 ? null : this.store.dicts.location.value(l.location),
          level: l.level,
        })),
        inStock: inv.stock.inStock(id),
        levelAt0: inv.stock.levelAt(id, 0),
      };
    }
    const state = inv.exportState();
    return {
      reports,
      alerts: inv.alerts().map(named).filter(keep),
      pending: state.alerts.pending.map(named).filter(keep),
      unknownSkuEvents: inv.unknownSkuEvents,
      droppedAlerts: inv.droppedAlerts,
      now: inv.now,
      nextCheck: state.nextCheck,
    };
  }
}

interface Step {
  kind: 'inv' | 'buy' | 'view';
  item: number;
  op: InventoryOp;
  quantity: number;
  location: number;
  gap: number;
}

const step: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom<Step['kind']>('inv', 'buy', 'buy', 'buy', 'view'),
  item: fc.nat(ITEMS.length + NEW_ITEMS.length - 1),
  op: fc.constantFrom<InventoryOp>('set', 'receive', 'adjust'),
  quantity: fc.integer({ min: 1, max: 25 }),
  location: fc.nat(LOCATIONS.length),
  gap: fc.integer({ min: 0, max: 8 * HOUR }),
});

/** Events from steps, from time `t0` on; `pool` names the items. */
function toEvents(steps: readonly Step[], pool: readonly string[], t0: number): RetailEvent[] {
  let ts = t0;
  return steps.map((s, i) => {
    ts += s.gap;
    const item = pool[s.item % pool.length]!;
    if (s.kind === 'view') return { type: 'view', ts, user: `u${i % 5}`, item };
    if (s.kind === 'buy') {
      return {
        type: 'purchase',
        ts,
        user: `u${i % 5}`,
        item,
        order: `o${t0}-${i}`,
        quantity: 1 + (s.quantity % 3),
        price: 2,
      };
    }
    const quantity = s.op === 'adjust' ? (s.quantity % 7) - 3 || 1 : s.quantity;
    const location = s.location === 0 ? undefined : LOCATIONS[s.location - 1];
    return {
      type: 'inventory',
      ts,
      item,
      op: s.op,
      quantity,
      ...(location !== undefined && { location }),
    };
  });
}

function restored(inv: Inventory): Inventory {
  return Inventory.fromState(OPTIONS, throughBytes(inv.exportState()));
}

describe('Inventory.remap', () => {
  it('keeps kept items exactly, forgets dropped ones, and agrees with a twin afterwards', () => {
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 20, maxLength: 90 }),
        fc.array(step, { minLength: 5, maxLength: 40 }),
        fc.array(fc.boolean(), { minLength: ITEMS.length, maxLength: ITEMS.length }),
        (before, after, mask) => {
          const dropped = picked(ITEMS, mask);
          const past = toEvents(before, ITEMS, T0);
          const t1 = past[past.length - 1]!.ts + HOUR;
          const later = toEvents(after, [...ITEMS, ...NEW_ITEMS], t1);

          const model = new Harness();
          model.feedAll(past);
          const kept = ITEMS.filter((s) => !dropped.has(s));
          const old = model.answers(kept);
          const { map, size } = dropping(model.store.dicts.item, dropped);
          model.inventory.remap('item', map, size);
          compactStore(model.store, 'item', map);

          // (a, f) Kept items, the open and pending alerts of kept items, the stream's counters.
          const keptAlert = (a: { item: string }) => !dropped.has(a.item);
          const now = model.answers(kept);
          expect(now).toEqual({
            ...old,
            alerts: old.alerts.filter(keptAlert),
            pending: old.pending.filter(keptAlert),
          });
          // (b) A dropped item is a stranger: the id it would get back reports as never seen.
          const fresh = new Inventory(OPTIONS);
          for (let k = 1; k <= dropped.size; k++) {
            expect(model.inventory.report(size + k)).toEqual(
              fresh.report(size + k, model.inventory.now),
            );
            expect(model.inventory.stock.inStock(size + k)).toBe(true);
          }
          // The restore checks: located buckets name items the dictionary knows.
          const state = model.inventory.exportState();
          expect(Math.max(0, ...state.stock.locItems)).toBeLessThanOrEqual(size);
          for (const a of state.alerts.current) expect(a.item).toBeLessThanOrEqual(size);
          // (d) A snapshot after the remap restores to the same answers.
          const back = new Harness(restored(model.inventory), model.store);
          expect(back.answers(kept)).toEqual(now);

          // (e) Later events, returning dropped items and new items included, agree with a twin
          // that saw the dropped items' past under other names.
          const twin = new Harness();
          twin.feedAll(renamed(past, dropped));
          model.feedAll(later);
          twin.feedAll(later);
          const all = [...ITEMS, ...NEW_ITEMS];
          expect(model.answers(all)).toEqual(twin.answers(all, true));
          expect(
            model.inventory.drainAlerts().map((a) => model.store.dicts.item.value(a.item)),
          ).toEqual(
            twin.inventory
              .drainAlerts()
              .map((a) => twin.store.dicts.item.value(a.item)!)
              .filter((s) => !s.endsWith(GONE)),
          );
        },
      ),
      { seed: 20240601, numRuns: 60 },
    );
  });

  it('changes nothing when it drops nothing, or only an id it never held', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 20, maxLength: 80 }), (before) => {
        const model = new Harness();
        const past = toEvents(before, ITEMS, T0);
        model.feedAll(past);
        // The newest id belongs to an item only ever viewed: the inventory holds nothing of it.
        model.feed([{ type: 'view', ts: past[past.length - 1]!.ts, user: 'u0', item: 'viewed' }]);
        const state = model.inventory.exportState();
        const old = model.answers(ITEMS);
        const n = model.store.dicts.item.size;

        const same = identity(n);
        model.inventory.remap('item', same.map, same.size);
        expect(model.inventory.exportState()).toEqual(state);
        expect(model.answers(ITEMS)).toEqual(old);

        const { map, size } = dropping(model.store.dicts.item, new Set(['viewed']));
        model.inventory.remap('item', map, size);
        expect(model.inventory.exportState()).toEqual(state);
        expect(model.answers(ITEMS)).toEqual(old);

        // Kinds the inventory does not hold are ignored, whatever the map.
        for (const kind of ['user', 'session', 'order', 'query'] as const) {
          model.inventory.remap(kind, new Uint32Array([0, 0, 1]), 1);
        }
        expect(model.inventory.exportState()).toEqual(state);
      }),
      { seed: 7, numRuns: 30 },
    );
  });

  it('closes the open alerts of dropped items and renames the others', () => {
    const model = new Harness();
    const t = T0 + DAY_MS;
    model.feed([
      { type: 'inventory', ts: T0, item: 'a', op: 'set', quantity: 1 },
      { type: 'inventory', ts: T0, item: 'b', op: 'set', quantity: 1 },
      { type: 'inventory', ts: T0, item: 'x1', op: 'set', quantity: 4, location: 'north' },
    ]);
    const buys = (item: string): RetailEvent[] =>
      [0, 1, 2].map((i) => ({
        type: 'purchase',
        ts: t + i,
        item,
        order: `${item}${i}`,
        quantity: 1,
        price: 1,
      }));
    model.feed([...buys('a'), ...buys('b')]);
    const types = (item: string) =>
      model.inventory
        .alerts()
        .filter((a) => model.store.dicts.item.value(a.item) === item)
        .map((a) => a.type)
        .sort();
    expect(types('a')).toEqual(['oversell', 'stockout_risk']);
    expect(types('b')).toEqual(['oversell', 'stockout_risk']);
    expect(types('x1')).toEqual(['unknown_sku']);

    const { map, size } = dropping(model.store.dicts.item, new Set(['a', 'x1']));
    model.inventory.remap('item', map, size);
    compactStore(model.store, 'item', map);
    const b = model.id('b')!;
    expect(b).toBe(1);
    expect(model.inventory.alerts().map((a) => a.item)).toEqual([1, 1]);
    expect(model.inventory.drainAlerts().map((a) => [a.item, a.type])).toEqual([
      [1, 'oversell'],
      [1, 'stockout_risk'],
    ]);
    expect(model.inventory.droppedAlerts).toBe(0);
    expect(model.inventory.unknownSkuEvents).toBe(1);

    // `a` and `x1` come back as new ids with no past: nothing is open for them, and their first
    // events raise afresh.
    model.feed([
      { type: 'inventory', ts: t + 10, item: 'x1', op: 'set', quantity: 3 },
      { type: 'purchase', ts: t + 11, item: 'a', order: 'late', quantity: 2, price: 1 },
    ]);
    const x1 = model.id('x1')!;
    const a = model.id('a')!;
    expect([a, x1].sort()).toEqual([size + 1, size + 2]);
    expect(model.inventory.report(a).level).toBeUndefined();
    expect(model.inventory.report(x1).level).toBe(3);
    expect(model.inventory.report(x1).byLocation).toBeUndefined();
    expect(types('x1')).toEqual(['unknown_sku']);
    expect(model.inventory.unknownSkuEvents).toBe(2);
  });

  it('refuses a map that is not a retention map', () => {
    const model = new Harness();
    model.feed([{ type: 'inventory', ts: T0, item: 'a', op: 'set', quantity: 1 }]);
    for (const [map, size] of [
      [new Uint32Array([0, 2]), 2],
      [new Uint32Array([1, 1]), 1],
      [new Uint32Array([0, 1, 1]), 2],
      [new Uint32Array([0, 1, 0]), 2],
    ] as const) {
      let err: unknown;
      try {
        model.inventory.remap('item', map, size);
      } catch (e) {
        err = e;
      }
      expect(isAisleError(err) && err.code).toBe('AISLE_INVALID_ARGUMENT');
    }
    expect(model.inventory.report(1).level).toBe(1);
  });
});
