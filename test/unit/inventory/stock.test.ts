import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAisleError } from '../../../engine/errors.js';
import type { InventoryOp, RetailEvent } from '../../../engine/events.js';
import { Stock, type StockState } from '../../../engine/inventory/stock.js';
import { EventStore } from '../../../engine/store/index.js';

const T0 = Date.UTC(2024, 0, 1);

const inv = (item: string, op: InventoryOp, quantity: number, location?: string): RetailEvent => ({
  type: 'inventory',
  ts: T0,
  item,
  op,
  quantity,
  ...(location !== undefined && { location }),
});
const buy = (item: string, quantity: number): RetailEvent => ({
  type: 'purchase',
  ts: T0,
  user: 'u',
  item,
  order: 'o',
  quantity,
  price: 1,
});

function setup() {
  const store = new EventStore();
  const stock = new Stock();
  const feed = (events: RetailEvent[]) => stock.ingest(store.append(events));
  const item = (s: string) => store.dicts.item.lookup(s)!;
  const loc = (s: string) => store.dicts.location.lookup(s)!;
  return { store, stock, feed, item, loc };
}

describe('Stock', () => {
  it('applies set, receive, adjust and purchases per location and overall', () => {
    const { stock, feed, item, loc } = setup();
    feed([
      inv('a', 'set', 10),
      inv('a', 'set', 4, 'north'),
      inv('a', 'receive', 6, 'north'),
      inv('a', 'adjust', -3, 'south'),
      inv('a', 'receive', 5),
      buy('a', 2),
    ]);
    const a = item('a');
    expect(stock.levelAt(a, 0)).toBe(10 + 5 - 2);
    expect(stock.levelAt(a, loc('north'))).toBe(10);
    expect(stock.levelAt(a, loc('south'))).toBe(-3);
    expect(stock.level(a)).toBe(13 + 10 - 3);
    feed([inv('a', 'set', 1, 'north'), inv('a', 'adjust', 2)]);
    expect(stock.levelAt(a, loc('north'))).toBe(1);
    expect(stock.level(a)).toBe(15 + 1 - 3);
    const { locations, levels } = stock.locationsOf(a);
    expect(Array.from(locations)).toEqual([loc('north'), loc('south')]);
    expect(Array.from(levels)).toEqual([1, -3]);
    // A location seen for another item only is unknown for this one.
    feed([inv('b', 'receive', 1, 'east')]);
    expect(stock.levelAt(a, loc('east'))).toBeUndefined();
    expect(stock.itemCount).toBe(2);
  });

  it('tells unknown from zero: unknown is in stock, zero is not', () => {
    const { stock, feed, item } = setup();
    feed([buy('a', 3), inv('b', 'set', 0), inv('c', 'set', 1)]);
    const [a, b, c] = [item('a'), item('b'), item('c')];
    expect(stock.level(a)).toBeUndefined();
    expect(stock.levelAt(a, 0)).toBeUndefined();
    expect(stock.inStock(a)).toBe(true);
    expect(stock.oversold(a)).toBe(0);
    expect(stock.level(b)).toBe(0);
    expect(stock.inStock(b)).toBe(false);
    expect(stock.inStock(c)).toBe(true);
    expect(stock.level(12_345)).toBeUndefined();
    expect(stock.inStock(12_345)).toBe(true);
    expect(stock.locationsOf(12_345).locations).toHaveLength(0);
    // The purchase before the item was known is not held against it later.
    feed([inv('a', 'receive', 2)]);
    expect(stock.level(a)).toBe(2);
  });

  it('counts units sold below zero', () => {
    const { stock, feed, item } = setup();
    feed([inv('a', 'set', 3), buy('a', 5)]);
    const a = item('a');
    expect(stock.level(a)).toBe(-2);
    expect(stock.oversold(a)).toBe(2);
    expect(stock.inStock(a)).toBe(false);
    feed([buy('a', 1)]);
    expect(stock.oversold(a)).toBe(3);
    feed([inv('a', 'receive', 10), buy('a', 4)]);
    expect(stock.level(a)).toBe(3);
    expect(stock.oversold(a)).toBe(3);
    // Located stock counts toward what a purchase may take.
    feed([inv('b', 'set', 5, 'north'), buy('b', 6)]);
    expect(stock.level(item('b'))).toBe(-1);
    expect(stock.oversold(item('b'))).toBe(1);
  });

  it('agrees with a reference fold over buckets (property)', () => {
    const event = fc.oneof(
      fc.record({
        kind: fc.constant('inventory' as const),
        op: fc.constantFrom<InventoryOp>('set', 'receive', 'adjust'),
        item: fc.integer({ min: 0, max: 4 }),
        location: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
        quantity: fc.integer({ min: 1, max: 20 }),
        negative: fc.boolean(),
      }),
      fc.record({
        kind: fc.constant('purchase' as const),
        item: fc.integer({ min: 0, max: 4 }),
        quantity: fc.integer({ min: 1, max: 20 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.array(event, { maxLength: 25 }), { maxLength: 5 }), (batches) => {
        const { stock, feed, item, loc } = setup();
        const buckets = new Map<string, Map<string, number>>();
        const oversold = new Map<string, number>();
        const total = (it: string) => [...buckets.get(it)!.values()].reduce((s, v) => s + v, 0);
        for (const batch of batches) {
          const events: RetailEvent[] = [];
          for (const e of batch) {
            const it = `i${e.item}`;
            if (e.kind === 'purchase') {
              events.push(buy(it, e.quantity));
              if (!buckets.has(it)) continue;
              const after = total(it) - e.quantity;
              const mine = buckets.get(it)!;
              mine.set('', (mine.get('') ?? 0) - e.quantity);
              if (after < 0)
                oversold.set(it, (oversold.get(it) ?? 0) + Math.min(e.quantity, -after));
              continue;
            }
            const where = e.location === undefined ? undefined : `l${e.location}`;
            const q =
              e.op === 'set'
                ? e.quantity - 1
                : e.op === 'adjust' && e.negative
                  ? -e.quantity
                  : e.quantity;
            events.push(inv(it, e.op, q, where));
            const mine = buckets.get(it) ?? new Map<string, number>([['', 0]]);
            buckets.set(it, mine);
            const key = where ?? '';
            mine.set(key, e.op === 'set' ? q : (mine.get(key) ?? 0) + q);
          }
          feed(events);
        }
        for (let i = 0; i <= 4; i++) {
          const it = `i${i}`;
          const id = item(it);
          if (id === undefined) continue;
          const mine = buckets.get(it);
          if (mine === undefined) {
            expect(stock.level(id)).toBeUndefined();
            continue;
          }
          expect(stock.level(id)).toBe(total(it));
          expect(stock.oversold(id)).toBe(oversold.get(it) ?? 0);
          for (const [where, level] of mine) {
            expect(stock.levelAt(id, where === '' ? 0 : loc(where))).toBe(level);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  describe('state', () => {
    function events(n: number): RetailEvent[] {
      const out: RetailEvent[] = [];
      const ops: InventoryOp[] = ['set', 'receive', 'adjust'];
      for (let i = 0; i < n; i++) {
        const it = `i${(i * 7) % 50}`;
        if (i % 3 === 0) out.push(buy(it, 1 + (i % 4)));
        else {
          const op = ops[i % 3]!;
          const where = i % 5 === 0 ? undefined : `l${i % 7}`;
          out.push(inv(it, op, op === 'adjust' ? -1 - (i % 2) : 1 + (i % 9), where));
        }
      }
      return out;
    }
    const answers = (s: Stock) =>
      Array.from({ length: 60 }, (_, i) => [
        s.level(i),
        s.inStock(i),
        s.oversold(i),
        s.locationsOf(i),
        s.levelAt(i, 0),
      ]);

    it('round-trips, and continues after a restore as it would have without one', () => {
      const all = events(4000);
      const whole = setup();
      whole.feed(all);
      const part = setup();
      part.feed(all.slice(0, 1500));
      const restored = Stock.fromState(part.stock.exportState());
      expect(answers(restored)).toEqual(answers(part.stock));
      restored.ingest(part.store.append(all.slice(1500)));
      expect(answers(restored)).toEqual(answers(whole.stock));
      expect(restored.exportState().locLevels).toEqual(whole.stock.exportState().locLevels);
      expect(restored.bytes()).toBeGreaterThan(0);
    });

    it('refuses malformed state with AISLE_SNAPSHOT', () => {
      const { stock, feed } = setup();
      feed(events(500));
      const good = stock.exportState();
      const dupItems = good.locItems.slice();
      const dupIds = good.locIds.slice();
      dupItems[1] = dupItems[0]!;
      dupIds[1] = dupIds[0]!;
      const cases: StockState[] = [
        { ...good, oversold: good.oversold.slice(1) },
        { ...good, locIds: good.locIds.map(() => 0) },
        { ...good, locItems: dupItems, locIds: dupIds },
        { ...good, locItems: good.locItems.map(() => 1e9) },
        { ...good, known: good.known.map(() => 3) },
        { ...good, unlocated: good.unlocated.map(() => 0.5) },
        {} as never,
      ];
      for (const state of cases) {
        let code: unknown;
        try {
          Stock.fromState(state);
        } catch (err) {
          code = isAisleError(err) ? err.code : err;
        }
        expect(code).toBe('AISLE_SNAPSHOT');
      }
    });
  });
});
