import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, validateBatch, validateEvent } from '../../engine/events.js';

const NOW = Date.parse('2026-11-27T12:00:00Z');
const TS = 1732700000000;

const valid: Array<[string, Record<string, unknown>]> = [
  ['view', { type: 'view', ts: TS, user: 'u1', session: 's1', item: 'sku-1', category: 'shoes' }],
  ['add_to_cart', { type: 'add_to_cart', ts: TS, user: 'u1', item: 'sku-1', quantity: 2 }],
  ['remove_from_cart', { type: 'remove_from_cart', ts: TS, item: 'sku-1' }],
  [
    'purchase',
    { type: 'purchase', ts: TS, user: 'u1', item: 'sku-1', order: 'o1', quantity: 1, price: 9.5 },
  ],
  ['search', { type: 'search', ts: TS, user: 'u1', query: 'red shoes' }],
  [
    'inventory set',
    { type: 'inventory', item: 'sku-1', op: 'set', quantity: 12, location: 'store-7' },
  ],
  ['inventory receive', { type: 'inventory', ts: TS, item: 'sku-1', op: 'receive', quantity: 5 }],
  ['inventory adjust', { type: 'inventory', ts: TS, item: 'sku-1', op: 'adjust', quantity: -3 }],
  ['price_change', { type: 'price_change', item: 'sku-1', price: 19.99 }],
];

const invalid: Array<[string, unknown, string, RegExp]> = [
  ['not an object', 'view', '(event)', /JSON object/],
  ['array', [], '(event)', /JSON object/],
  ['no type', { item: 'a' }, 'type', /required/],
  ['unknown type', { type: 'click', item: 'a' }, 'type', /one of/],
  ['ts in seconds', { type: 'view', ts: 1732700000, item: 'a' }, 'ts', /milliseconds/],
  ['ts garbage', { type: 'view', ts: 'yesterday', item: 'a' }, 'ts', /ISO-8601/],
  ['ts NaN-ish', { type: 'view', ts: Infinity, item: 'a' }, 'ts', /finite/],
  ['ts bad date', { type: 'view', ts: '2026-13-45T00:00:00Z', item: 'a' }, 'ts', /valid/],
  ['no item', { type: 'view', ts: TS }, 'item', /required/],
  ['empty item', { type: 'view', ts: TS, item: '' }, 'item', /empty/],
  ['object item', { type: 'view', ts: TS, item: { id: 1 } }, 'item', /string/],
  ['long item', { type: 'view', ts: TS, item: 'x'.repeat(300) }, 'item', /at most 256/],
  ['lone surrogate', { type: 'view', ts: TS, item: 'a\ud800b' }, 'item', /lone surrogate/],
  ['user bad', { type: 'view', ts: TS, item: 'a', user: true }, 'user', /string/],
  [
    'purchase no order',
    { type: 'purchase', item: 'a', quantity: 1, price: 1 },
    'order',
    /required/,
  ],
  [
    'purchase zero price',
    { type: 'purchase', item: 'a', order: 'o', quantity: 1, price: 0 },
    'price',
    /greater than 0/,
  ],
  [
    'purchase NaN price',
    { type: 'purchase', item: 'a', order: 'o', quantity: 1, price: 'NaN' },
    'price',
    /finite/,
  ],
  [
    'purchase fractional quantity',
    { type: 'purchase', item: 'a', order: 'o', quantity: 1.5, price: 1 },
    'quantity',
    /integer/,
  ],
  [
    'purchase negative quantity',
    { type: 'purchase', item: 'a', order: 'o', quantity: -1, price: 1 },
    'quantity',
    /at least 1/,
  ],
  [
    'absurd quantity',
    { type: 'purchase', item: 'a', order: 'o', quantity: 1e9, price: 1 },
    'quantity',
    /at most/,
  ],
  ['search blank', { type: 'search', query: '   ' }, 'query', /blank/],
  ['search missing', { type: 'search' }, 'query', /required/],
  ['inventory no op', { type: 'inventory', item: 'a', quantity: 1 }, 'op', /required/],
  ['inventory bad op', { type: 'inventory', item: 'a', op: 'sell', quantity: 1 }, 'op', /one of/],
  [
    'inventory set negative',
    { type: 'inventory', item: 'a', op: 'set', quantity: -1 },
    'quantity',
    /at least 0/,
  ],
  [
    'inventory receive 0',
    { type: 'inventory', item: 'a', op: 'receive', quantity: 0 },
    'quantity',
    /at least 1/,
  ],
  [
    'inventory adjust 0',
    { type: 'inventory', item: 'a', op: 'adjust', quantity: 0 },
    'quantity',
    /not be 0/,
  ],
  [
    'price_change negative',
    { type: 'price_change', item: 'a', price: -2 },
    'price',
    /greater than 0/,
  ],
];

describe('validateEvent', () => {
  it.each(valid)('accepts %s', (_name, raw) => {
    const v = validateEvent(raw, NOW);
    expect(v.ok).toBe(true);
    if (v.ok) expect(v.event.type).toBe(raw.type);
  });

  it.each(invalid)('rejects %s naming the field', (_name, raw, field, reason) => {
    const v = validateEvent(raw, NOW);
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.error.field).toBe(field);
      expect(v.error.reason).toMatch(reason);
    }
  });

  it('takes ISO-8601 timestamps and fills a missing ts with the receive time', () => {
    const iso = validateEvent({ type: 'view', ts: '2024-11-27T09:33:20Z', item: 'a' }, NOW);
    expect(iso.ok && iso.event.ts).toBe(Date.parse('2024-11-27T09:33:20Z'));
    const none = validateEvent({ type: 'price_change', item: 'a', price: 1 }, NOW);
    expect(none.ok && none.event.ts).toBe(NOW);
  });

  it('accepts ids with characters outside the BMP', () => {
    expect(validateEvent({ type: 'view', ts: TS, item: 'sku-👟' }, NOW).ok).toBe(true);
  });

  it('defaults cart quantity to 1 and turns numeric ids into strings', () => {
    const v = validateEvent({ type: 'add_to_cart', ts: TS, item: 12345, user: 17850 }, NOW);
    expect(v.ok).toBe(true);
    if (v.ok && v.event.type === 'add_to_cart') {
      expect(v.event.quantity).toBe(1);
      expect(v.event.item).toBe('12345');
      expect(v.event.user).toBe('17850');
    }
  });

  it('never throws and always names a field, whatever the input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.record(
            {
              type: fc.oneof(fc.constantFrom(...EVENT_TYPES), fc.string()),
              ts: fc.oneof(
                fc.integer(),
                fc.double(),
                fc.string(),
                fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
              ),
              item: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
              quantity: fc.oneof(fc.integer(), fc.double()),
              price: fc.oneof(fc.double(), fc.integer()),
              order: fc.string(),
              op: fc.oneof(fc.constantFrom('set', 'receive', 'adjust'), fc.string()),
              query: fc.string(),
            },
            { requiredKeys: [] },
          ),
        ),
        (raw) => {
          const v = validateEvent(raw, NOW);
          if (!v.ok) {
            expect(v.error.field.length).toBeGreaterThan(0);
            expect(v.error.reason.length).toBeGreaterThan(0);
          } else {
            // Whatever passes is sane enough for the store and the models.
            expect(Number.isFinite(v.event.ts)).toBe(true);
            if ('price' in v.event) expect(v.event.price).toBeGreaterThan(0);
            if ('item' in v.event) expect(typeof v.event.item).toBe('string');
          }
        },
      ),
      { numRuns: 2000, interruptAfterTimeLimit: 10_000 },
    );
  });
});

describe('strict fields, dates and ids', () => {
  it.each([
    ['a typo of quantity', { type: 'add_to_cart', ts: TS, item: 'a', qty: 3 }, 'qty'],
    ['an unknown field with null', { type: 'view', ts: TS, item: 'a', colour: null }, 'colour'],
    ['__proto__ from JSON', JSON.parse('{"type":"view","item":"a","__proto__":{}}'), '__proto__'],
  ])('refuses %s naming it', (_name, raw, field) => {
    const v = validateEvent(raw, NOW);
    expect(v).toEqual({ ok: false, error: { field, reason: 'is not a known field' } });
  });

  it('ignores a field of another type, as columnar producers send every column', () => {
    const v = validateEvent({ type: 'view', ts: TS, item: 'a', quantity: 0, price: 0 }, NOW);
    expect(v).toEqual({ ok: true, event: { type: 'view', ts: TS, item: 'a' } });
    const inv = validateEvent({ ...valid[5]![1], user: 'u1', order: null }, NOW);
    expect(inv.ok && 'user' in inv.event).toBe(false);
  });

  it('accepts every field its type documents, category on a search included', () => {
    const full = {
      type: 'purchase',
      ts: TS,
      user: 'u',
      session: 's',
      category: 'c',
      item: 'i',
      order: 'o',
      quantity: 2,
      price: 1,
    };
    expect(validateEvent(full, NOW).ok).toBe(true);
    expect(validateEvent({ type: 'search', query: 'q', category: 'c' }, NOW).ok).toBe(true);
  });

  it('shortens an absurdly long unknown key in the rejection', () => {
    const v = validateEvent({ type: 'view', item: 'a', ['k'.repeat(5000)]: 1 }, NOW);
    expect(!v.ok && v.error.field.length).toBeLessThan(70);
  });

  it.each([
    '2024-02-30',
    '2023-02-29',
    '1900-02-29T00:00:00Z',
    '2024-13-01',
    '2024-00-10',
    '2024-04-31T10:00:00Z',
    '2024-06-00',
    '2024-01-01T24:00:00Z',
    '2024-01-01T23:60Z',
    '2024-01-01T23:59:60Z',
    '2024-01-01T10:00:00+24:00',
    '2024-01-01T10:00:00-05:75',
  ])('refuses the impossible date-time %s', (ts) => {
    const v = validateEvent({ type: 'view', ts, item: 'a' }, NOW);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.error.field).toBe('ts');
  });

  it.each([
    ['2024-02-29', Date.UTC(2024, 1, 29)],
    ['2000-02-29T12:00:00Z', Date.UTC(2000, 1, 29, 12)],
    ['2023-12-31T23:59:59.999Z', Date.UTC(2023, 11, 31, 23, 59, 59, 999)],
    ['2024-04-30T10:00:00+05:30', Date.UTC(2024, 3, 30, 4, 30)],
    ['2024-04-30T10:00:00-0800', Date.UTC(2024, 3, 30, 18)],
  ])('accepts the real date-time %s', (ts, ms) => {
    const v = validateEvent({ type: 'view', ts, item: 'a' }, NOW);
    expect(v.ok && v.event.ts).toBe(ms);
  });

  it.each(['\u0000', '\n', '\t', '\u001f', '\u007f', '\u0085', '\u009f'])(
    'refuses the control character %j in every id field',
    (c) => {
      const cases: Array<[string, Record<string, unknown>]> = [
        ['item', { type: 'view', item: `a${c}b` }],
        ['user', { type: 'view', item: 'a', user: `u${c}` }],
        ['session', { type: 'view', item: 'a', session: c }],
        ['category', { type: 'view', item: 'a', category: `${c}c` }],
        ['order', { type: 'purchase', item: 'a', order: `o${c}`, quantity: 1, price: 1 }],
        ['location', { type: 'inventory', item: 'a', op: 'set', quantity: 1, location: `l${c}` }],
        ['category', { type: 'price_change', item: 'a', price: 1, category: `x${c}` }],
      ];
      for (const [field, raw] of cases) {
        const v = validateEvent(raw, NOW);
        expect(v).toEqual({
          ok: false,
          error: { field, reason: 'must not contain control characters' },
        });
      }
    },
  );

  it('keeps ids with printable non-ASCII characters and queries with any text', () => {
    expect(validateEvent({ type: 'view', item: 'café\u00a0№ 5' }, NOW).ok).toBe(true);
    expect(validateEvent({ type: 'search', query: 'red\tshoes' }, NOW).ok).toBe(true);
  });
});

describe('validateBatch', () => {
  it('reports every bad event with its index and keeps the good ones apart', () => {
    const { events, rejected } = validateBatch(
      [valid[0]![1], { type: 'view' }, valid[4]![1], { type: 'purchase', item: 'a' }],
      NOW,
    );
    expect(events).toHaveLength(2);
    expect(rejected.map((r) => [r.index, r.field])).toEqual([
      [1, 'item'],
      [3, 'order'],
    ]);
  });
});
