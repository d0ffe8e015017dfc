import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  basketCases,
  customerTargets,
  hiddenIndex,
  splitBaskets,
} from '../../../src/eval/basket-split.js';
import type { PurchaseEvent } from '../../../engine/events.js';

const DAY = 24 * 60 * 60 * 1000;

function buy(ts: number, order: string, item: string, user?: string): PurchaseEvent {
  const e: PurchaseEvent = { type: 'purchase', ts, order, item, quantity: 1, price: 1 };
  if (user !== undefined) e.user = user;
  return e;
}

describe('splitBaskets', () => {
  const last = 100 * DAY;
  const events = [
    buy(0, 'o1', 'a', 'u1'),
    buy(last - 30 * DAY - 1, 'o2', 'b', 'u1'),
    buy(last - 30 * DAY, 'o3', 'c', 'u2'),
    buy(last, 'o4', 'd', 'u1'),
  ];

  it('puts the last testDays in test, an order exactly at the boundary included', () => {
    const split = splitBaskets(events);
    expect(split.mode).toBe('test');
    expect(split.boundary).toBe(last - 30 * DAY);
    expect(split.train.map((e) => e.order)).toEqual(['o1', 'o2']);
    expect(split.test.map((e) => e.order)).toEqual(['o3', 'o4']);
    expect(splitBaskets(events, { testDays: 10 }).test.map((e) => e.order)).toEqual(['o4']);
  });

  it('keeps an order whole, on the side of its earliest line', () => {
    const boundary = last - 30 * DAY;
    const split = splitBaskets([
      buy(boundary - 60_000, 'o1', 'a', 'u1'),
      buy(boundary, 'o1', 'b', 'u1'),
      buy(last, 'o2', 'c', 'u1'),
    ]);
    expect(split.train.map((e) => e.item)).toEqual(['a', 'b']);
    expect(split.test.map((e) => e.item)).toEqual(['c']);
  });

  it('carves validation from the training period only', () => {
    const split = splitBaskets(events, { mode: 'validation' });
    // Training ends at o2, so validation is the 30 days before it.
    expect(split.boundary).toBe(last - 60 * DAY - 1);
    expect(split.train.map((e) => e.order)).toEqual(['o1']);
    expect(split.test.map((e) => e.order)).toEqual(['o2']);
  });

  it('keeps anonymous purchases in training', () => {
    const split = splitBaskets([buy(0, 'o1', 'a'), buy(last, 'o2', 'b', 'u1')]);
    expect(split.train).toHaveLength(1);
    expect(split.train[0]!.user).toBeUndefined();
  });

  it('refuses empty input and nothing before the test period', () => {
    expect(() => splitBaskets([])).toThrow(/no events/);
    expect(() => splitBaskets([buy(0, 'o1', 'a')], { mode: 'validation' })).toThrow(/nothing/);
  });

  it('never lets validation see the test period', () => {
    const event = fc
      .record({
        ts: fc.integer({ min: 0, max: 200 * DAY }),
        order: fc.integer({ min: 0, max: 40 }),
        item: fc.constantFrom('a', 'b', 'c', 'd'),
        user: fc.option(fc.constantFrom('u1', 'u2', 'u3'), { nil: undefined }),
      })
      .map((r) => buy(r.ts, `o${r.order}`, r.item, r.user));
    fc.assert(
      fc.property(
        fc.array(event, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 90 }),
        fc.integer({ min: 1, max: 90 }),
        (evs, testDays, validationDays) => {
          const outer = splitBaskets(evs, { testDays });
          fc.pre(outer.train.length > 0);
          const inner = splitBaskets(evs, { mode: 'validation', testDays, validationDays });
          const training = new Set(outer.train);
          const placed = new Map<string, number>();
          for (const e of evs) placed.set(e.order, Math.min(e.ts, placed.get(e.order) ?? e.ts));
          for (const e of [...inner.train, ...inner.test]) {
            expect(training.has(e)).toBe(true);
            expect(placed.get(e.order)!).toBeLessThan(outer.boundary);
          }
          expect(inner.train.length + inner.test.length).toBe(outer.train.length);
          const testOrders = new Set(outer.test.map((e) => e.order));
          for (const e of inner.test) expect(testOrders.has(e.order)).toBe(false);
        },
      ),
    );
  });
});

describe('customerTargets', () => {
  it('splits known customers targets into repeat and new, cold ones apart', () => {
    const last = 100 * DAY;
    const split = splitBaskets([
      buy(0, 'o1', 'a', 'u1'),
      buy(0, 'o1', 'b', 'u1'),
      buy(0, 'o2', 'c', 'u2'),
      buy(0, 'o9', 'x'),
      buy(last, 'o3', 'a', 'u1'),
      buy(last, 'o3', 'c', 'u1'),
      buy(last, 'o4', 'a', 'u1'),
      buy(last, 'o5', 'b', 'u3'),
      buy(last, 'o6', 'z'),
    ]);
    const { known, cold } = customerTargets(split);
    expect(known.map((t) => t.user)).toEqual(['u1']);
    expect([...known[0]!.all]).toEqual(['a', 'c']);
    expect([...known[0]!.repeat]).toEqual(['a']);
    expect([...known[0]!.new]).toEqual(['c']);
    expect(cold.map((t) => t.user)).toEqual(['u3']);
    expect([...cold[0]!.new]).toEqual(['b']);
    expect(cold[0]!.repeat.size).toBe(0);
  });
});

describe('basketCases', () => {
  const last = 100 * DAY;
  const test = [
    buy(last, 'o1', 'a', 'u1'),
    buy(last, 'o1', 'b', 'u1'),
    buy(last, 'o1', 'c', 'u1'),
    buy(last, 'o2', 'a', 'u2'),
    buy(last, 'o2', 'a', 'u2'),
    buy(last, 'o3', 'd', 'u2'),
    buy(last, 'o4', 'a'),
    buy(last, 'o4', 'b'),
  ];
  const split = { mode: 'test' as const, train: [], test, boundary: 0 };

  it('gives one case per identified order with two or more distinct items', () => {
    const cases = basketCases(split, 7);
    expect(cases.map((c) => c.order)).toEqual(['o1']);
    const [c] = cases;
    expect(c!.query).toHaveLength(2);
    expect(c!.query).not.toContain(c!.hidden);
    expect([...c!.query, c!.hidden].sort()).toEqual(['a', 'b', 'c']);
    expect(c!.hidden).toBe(['a', 'b', 'c'][hiddenIndex('o1', 3, 7)]);
  });

  it('is deterministic for a seed and moves with it', () => {
    expect(basketCases(split, 7)).toEqual(basketCases(split, 7));
    const hidden = new Set(
      Array.from({ length: 20 }, (_, seed) => basketCases(split, seed)[0]!.hidden),
    );
    expect(hidden.size).toBeGreaterThan(1);
  });

  it('never hides the only item, and keeps the hidden index in range', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 50 }), fc.integer(), (order, n, seed) => {
        const h = hiddenIndex(order, n, seed);
        expect(h).toBeGreaterThanOrEqual(0);
        expect(h).toBeLessThan(n);
      }),
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ order: fc.integer({ min: 0, max: 5 }), item: fc.integer({ max: 6 }) }),
        ),
        fc.integer(),
        (lines, seed) => {
          const events = lines.map((l) => buy(last, `o${l.order}`, `i${l.item}`, 'u'));
          for (const c of basketCases({ ...split, test: events }, seed)) {
            expect(c.query.length).toBeGreaterThanOrEqual(1);
            expect(c.query).not.toContain(c.hidden);
          }
        },
      ),
    );
  });
});
