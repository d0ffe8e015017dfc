import { COLUMN_NAMES } from '../../../engine/store/schema.js';
import { describe, expect, it } from 'vitest';
import { isAisleError } from '../../../engine/errors.js';
import { EVENT_TYPE_CODE, INVENTORY_OP_CODE, type RetailEvent } from '../../../engine/events.js';
import { EventStore } from '../../../engine/store/event-store.js';

const TS = 1_700_000_000_000;

/** Expected row, with ids given as strings looked up afterwards (undefined = absent = 0). */
interface Row {
  type: number;
  op?: number;
  user?: string;
  session?: string;
  item?: string;
  quantity?: number;
  price?: number;
  ref?: ['order' | 'query' | 'location', string];
  category?: string;
}

const cases: [string, RetailEvent, Row][] = [
  [
    'view with every shopper field',
    { type: 'view', ts: TS, user: 'u1', session: 's1', item: 'i1', category: 'c1' },
    { type: EVENT_TYPE_CODE.view, user: 'u1', session: 's1', item: 'i1', category: 'c1' },
  ],
  [
    'anonymous view',
    { type: 'view', ts: TS + 1, item: 'i2' },
    { type: EVENT_TYPE_CODE.view, item: 'i2' },
  ],
  [
    'add_to_cart',
    { type: 'add_to_cart', ts: TS + 2, user: 'u1', item: 'i1', quantity: 3 },
    { type: EVENT_TYPE_CODE.add_to_cart, user: 'u1', item: 'i1', quantity: 3 },
  ],
  [
    'remove_from_cart',
    { type: 'remove_from_cart', ts: TS + 3, session: 's2', item: 'i3', quantity: 1 },
    { type: EVENT_TYPE_CODE.remove_from_cart, session: 's2', item: 'i3', quantity: 1 },
  ],
  [
    'purchase: ref is the order',
    {
      type: 'purchase',
      ts: TS + 4,
      user: 'u2',
      session: 's1',
      item: 'i1',
      order: 'o9',
      quantity: 2,
      price: 19.99,
    },
    {
      type: EVENT_TYPE_CODE.purchase,
      user: 'u2',
      session: 's1',
      item: 'i1',
      quantity: 2,
      price: 19.99,
      ref: ['order', 'o9'],
    },
  ],
  [
    'search: no item, ref is the query',
    { type: 'search', ts: TS + 5, user: 'u1', query: 'red shoes', category: 'c2' },
    { type: EVENT_TYPE_CODE.search, user: 'u1', ref: ['query', 'red shoes'], category: 'c2' },
  ],
  [
    'inventory set with a location',
    { type: 'inventory', ts: TS + 6, item: 'i1', op: 'set', quantity: 40, location: 'dc-1' },
    {
      type: EVENT_TYPE_CODE.inventory,
      op: INVENTORY_OP_CODE.set,
      item: 'i1',
      quantity: 40,
      ref: ['location', 'dc-1'],
    },
  ],
  [
    'inventory receive without a location',
    { type: 'inventory', ts: TS + 7, item: 'i4', op: 'receive', quantity: 5 },
    { type: EVENT_TYPE_CODE.inventory, op: INVENTORY_OP_CODE.receive, item: 'i4', quantity: 5 },
  ],
  [
    'inventory adjust, negative',
    { type: 'inventory', ts: TS + 8, item: 'i4', op: 'adjust', quantity: -2, location: 'dc-1' },
    {
      type: EVENT_TYPE_CODE.inventory,
      op: INVENTORY_OP_CODE.adjust,
      item: 'i4',
      quantity: -2,
      ref: ['location', 'dc-1'],
    },
  ],
  [
    'price_change with a category',
    { type: 'price_change', ts: TS + 9, item: 'i2', price: 4.5, category: 'c1' },
    { type: EVENT_TYPE_CODE.price_change, item: 'i2', price: 4.5, category: 'c1' },
  ],
];

describe('EventStore.append encoding', () => {
  const store = new EventStore({ chunkRows: 4 });
  const events = cases.map((c) => c[1]);
  const batch = store.append(events);
  const stored = [...store.chunks()];
  const col = <
    K extends 'ts' | 'type' | 'op' | 'user' | 'session' | 'item' | 'quantity' | 'price' | 'ref',
  >(
    k: K,
  ) => stored.flatMap((c) => Array.from(c[k] as ArrayLike<number | bigint>));
  const { dicts } = store;
  const idOf = (dict: keyof typeof dicts, s: string | undefined) =>
    s === undefined ? 0 : dicts[dict].lookup(s);

  it('returns a batch of exactly the events given', () => {
    expect(batch.length).toBe(cases.length);
    for (const k of COLUMN_NAMES) {
      expect(batch[k].length).toBe(cases.length);
    }
    expect(batch.itemCategory.length).toBe(cases.length);
    expect(store.length).toBe(cases.length);
  });

  it.each(cases.map((c, i) => [c[0], i] as const))('%s', (_name, i) => {
    const [, event, row] = cases[i]!;
    const expected = {
      ts: event.ts,
      type: row.type,
      op: row.op ?? 0,
      user: idOf('user', row.user),
      session: idOf('session', row.session),
      item: idOf('item', row.item),
      quantity: row.quantity ?? 0,
      price: Math.fround(row.price ?? 0),
      ref: row.ref === undefined ? 0 : idOf(row.ref[0], row.ref[1]),
      itemCategory: idOf('category', row.category),
    };
    for (const v of [expected.user, expected.session, expected.item, expected.ref]) {
      expect(v).toBeDefined();
    }
    expect({
      ts: batch.ts[i],
      type: batch.type[i],
      op: batch.op[i],
      user: batch.user[i],
      session: batch.session[i],
      item: batch.item[i],
      quantity: batch.quantity[i],
      price: batch.price[i],
      ref: batch.ref[i],
      itemCategory: batch.itemCategory[i],
    }).toEqual(expected);
    // The log holds the same row, ts as int64.
    expect({
      ts: col('ts')[i],
      type: col('type')[i],
      op: col('op')[i],
      user: col('user')[i],
      session: col('session')[i],
      item: col('item')[i],
      quantity: col('quantity')[i],
      price: col('price')[i],
      ref: col('ref')[i],
    }).toEqual({ ...expected, ts: BigInt(event.ts), itemCategory: undefined });
  });

  it('encodes every string into its own dictionary, ids dense from 1', () => {
    expect(dicts.user.values()).toEqual(['u1', 'u2']);
    expect(dicts.session.values()).toEqual(['s1', 's2']);
    expect(dicts.item.values()).toEqual(['i1', 'i2', 'i3', 'i4']);
    expect(dicts.category.values()).toEqual(['c1', 'c2']);
    expect(dicts.order.values()).toEqual(['o9']);
    expect(dicts.query.values()).toEqual(['red shoes']);
    expect(dicts.location.values()).toEqual(['dc-1']);
  });
});

describe('EventStore.append rejections', () => {
  const bad: [string, unknown][] = [
    ['an unknown type', { type: 'refund', ts: TS, item: 'x' }],
    ['an unknown inventory op', { type: 'inventory', ts: TS, item: 'x', op: 'steal', quantity: 1 }],
  ];
  it.each(bad)('throws AISLE_INVALID_ARGUMENT on %s and appends nothing', (_name, event) => {
    const store = new EventStore({ chunkRows: 2 });
    store.append([{ type: 'view', ts: TS, item: 'a' }]);
    const good: RetailEvent = { type: 'view', ts: TS, item: 'b' };
    let caught: unknown;
    try {
      store.append([good, good, event as RetailEvent]);
    } catch (err) {
      caught = err;
    }
    expect(isAisleError(caught) && caught.code).toBe('AISLE_INVALID_ARGUMENT');
    expect((caught as Error).message).toContain('event 2');
    expect(store.length).toBe(1);
    expect([...store.chunks()].map((c) => c.length)).toEqual([1]);
  });

  it('rejects bad options', () => {
    for (const opts of [
      { chunkRows: 0 },
      { chunkRows: 1.5 },
      { retentionMs: -1 },
      { retentionMs: NaN },
    ]) {
      expect(() => new EventStore(opts)).toThrow(/chunkRows|retentionMs/);
    }
  });

  it('accepts an empty batch', () => {
    const store = new EventStore();
    expect(store.append([]).length).toBe(0);
    expect(store.length).toBe(0);
  });
});
