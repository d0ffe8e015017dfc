import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAisleError } from '../../../engine/errors.js';
import {
  AlertBook,
  INVENTORY_ALERT_TYPES,
  type AlertBookState,
  type InventoryAlert,
  type InventoryAlertType,
} from '../../../engine/inventory/alerts.js';

const alert = (item: number, type: InventoryAlertType, ts: number): InventoryAlert => ({
  type,
  item,
  ts,
  reason: `${type} on ${item}`,
  level: 1,
  velocityPerDay: 0,
  daysOfCover: Infinity,
});

describe('AlertBook', () => {
  it('raises once per episode and clears', () => {
    const book = new AlertBook(10);
    expect(book.raise(alert(3, 'oversell', 1))).toBe(true);
    expect(book.raise(alert(3, 'oversell', 2))).toBe(false);
    expect(book.raise(alert(3, 'overstock', 2))).toBe(true);
    expect(book.isActive(3, 'oversell')).toBe(true);
    expect(book.isActive(4, 'oversell')).toBe(false);
    expect(book.current().map((a) => [a.type, a.ts])).toEqual([
      ['oversell', 1],
      ['overstock', 2],
    ]);
    book.clear(3, 'oversell');
    book.clear(9, 'overstock');
    expect(book.isActive(3, 'oversell')).toBe(false);
    expect(book.current().map((a) => a.type)).toEqual(['overstock']);
    expect(book.drain().map((a) => a.ts)).toEqual([1, 2]);
    expect(book.drain()).toEqual([]);
    // Handed-out alerts are frozen: a consumer cannot edit the book's copy.
    expect(Object.isFrozen(book.current()[0])).toBe(true);
  });

  it('keeps the newest open alerts in raise order, whatever was cleared (property)', () => {
    const op = fc.record({
      clear: fc.boolean(),
      item: fc.integer({ min: 1, max: 6 }),
      type: fc.constantFrom(...INVENTORY_ALERT_TYPES),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(op, { maxLength: 300, size: 'max' }),
        (cap, ops) => {
          const book = new AlertBook(cap);
          const active = new Set<string>();
          let open: { key: string; ts: number }[] = [];
          ops.forEach((o, ts) => {
            const key = `${o.item}:${o.type}`;
            if (o.clear) {
              book.clear(o.item, o.type);
              active.delete(key);
              open = open.filter((e) => e.key !== key);
            } else {
              const raised = book.raise(alert(o.item, o.type, ts));
              expect(raised).toBe(!active.has(key));
              if (raised) {
                active.add(key);
                open.push({ key, ts });
                if (open.length > cap) open = open.slice(open.length - cap);
              }
            }
          });
          expect(book.current().map((a) => a.ts)).toEqual(open.map((e) => e.ts));
          for (let item = 1; item <= 6; item++) {
            for (const type of INVENTORY_ALERT_TYPES) {
              expect(book.isActive(item, type)).toBe(active.has(`${item}:${type}`));
            }
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('stays in step with a plain list over long raise and clear churn', () => {
    let seed = 11;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return Math.floor((seed / 2 ** 32) * n);
    };
    const cap = 3;
    const book = new AlertBook(cap);
    let open: { item: number; ts: number }[] = [];
    // Long enough that stale raise-order entries are compacted and rebuilt many times over.
    for (let ts = 0; ts < 50_000; ts++) {
      const item = 1 + rand(8);
      if (rand(3) === 0) {
        book.clear(item, 'oversell');
        open = open.filter((e) => e.item !== item);
      } else if (book.raise(alert(item, 'oversell', ts))) {
        open.push({ item, ts });
        if (open.length > cap) open.shift();
      }
      if (ts % 997 === 0) expect(book.current().map((a) => a.ts)).toEqual(open.map((e) => e.ts));
    }
    expect(book.current().map((a) => a.ts)).toEqual(open.map((e) => e.ts));
  });

  it('queues at most the newest capacity alerts for a drain, oldest first, counting the rest', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }),
        fc.array(
          fc.oneof(fc.constant('drain' as const), fc.constant('snapshot' as const), fc.nat(40)),
          {
            maxLength: 200,
          },
        ),
        (cap, ops) => {
          let book = new AlertBook(cap);
          let queue: number[] = [];
          let dropped = 0;
          let ts = 0;
          for (const o of ops) {
            if (o === 'drain') {
              expect(book.drain().map((a) => a.ts)).toEqual(queue);
              queue = [];
            } else if (o === 'snapshot') {
              book = AlertBook.fromState(cap, book.exportState());
            } else {
              ts++;
              if (book.raise(alert(o + 1, 'overstock', ts))) {
                queue.push(ts);
                if (queue.length > cap) {
                  queue.shift();
                  dropped++;
                }
              }
              book.clear(o + 1, 'overstock');
            }
            expect(book.dropped).toBe(dropped);
          }
          expect(book.exportState().pending.map((a) => a.ts)).toEqual(queue);
        },
      ),
    );
  });

  it('keeps frozen copies built field by field, in one order, reasons intact', () => {
    const book = new AlertBook(10);
    for (let i = 1; i <= 10; i++) {
      // Small integers and doubles in the same fields: a spread-and-freeze copy would give each
      // alert a hidden class of its own. The class is not observable here; the field order that
      // a field-by-field copy gives is.
      const a = { ...alert(i, 'stockout_risk', i), level: i % 2 === 0 ? i : i + 0.5, risk: 0.5 };
      book.raise({ ...a, reason: 'at risk: ' + String(i) + ' units, ' + String(a.level) });
    }
    const kept = book.current();
    expect(kept.every((a) => Object.isFrozen(a))).toBe(true);
    expect(kept.map((a) => Object.keys(a).join())).toEqual(
      Array(10).fill('type,item,ts,reason,level,velocityPerDay,daysOfCover,risk'),
    );
    expect(kept[3]!.reason).toBe('at risk: 4 units, 4');
  });

  it('restores, trimming to a smaller capacity, and refuses malformed state', () => {
    const book = new AlertBook(10);
    for (let i = 1; i <= 6; i++) book.raise(alert(i, 'overstock', i));
    const state = book.exportState();
    const same = AlertBook.fromState(10, state);
    expect(same.current()).toEqual(book.current());
    expect(same.exportState()).toEqual(state);
    const smaller = AlertBook.fromState(2, state);
    expect(smaller.current().map((a) => a.ts)).toEqual([5, 6]);
    expect(smaller.drain().map((a) => a.ts)).toEqual([5, 6]);
    expect(smaller.dropped).toBe(4);
    // Trimmed from the list, still open: not raised again.
    expect(smaller.raise(alert(1, 'overstock', 9))).toBe(false);

    const bad: AlertBookState[] = [
      { ...state, active: new Uint8Array([8]) },
      { ...state, current: [{ ...alert(1, 'overstock', 1), reason: 5 as never }] },
      { ...state, current: [{ ...alert(1, 'overstock', 1), item: 0 }] },
      { ...state, current: [{ ...alert(1, 'overstock', 1), daysOfCover: Number.NaN }] },
      { ...state, current: [alert(1, 'oversell', 1)] },
      { ...state, pending: [null as never] },
      { ...state, dropped: 0.5 },
      { ...state, current: {} as never },
    ];
    for (const s of bad) {
      let code: unknown;
      try {
        AlertBook.fromState(10, s);
      } catch (err) {
        code = isAisleError(err) ? err.code : err;
      }
      expect(code).toBe('AISLE_SNAPSHOT');
    }
  });
});
