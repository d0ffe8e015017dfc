/**
 * The event log's Arrow schema: fixed, non-nullable, 34 bytes per event.
 *
 * There are no validity bitmaps: an id of 0 means "absent" (dictionaries hand out ids from 1),
 * which keeps every column a bare typed array that kernels can read without a null check.
 */
import {
  Field,
  Float32,
  Int32,
  Schema,
  TimestampMillisecond,
  Uint32,
  Uint8,
  type DataType,
} from 'apache-arrow';

/** Version of the on-disk layout of the log (schema and snapshot files). */
export const STORE_FORMAT_VERSION = 1;

/** Column names, in schema order. */
export const COLUMN_NAMES = [
  'ts',
  'type',
  'op',
  'user',
  'session',
  'item',
  'quantity',
  'price',
  'ref',
] as const;

/** Name of one column of the log. */
export type ColumnName = (typeof COLUMN_NAMES)[number];

/** Bytes one event takes across all columns (8 + 1 + 1 + 4 * 4 + 4 + 4). */
export const BYTES_PER_EVENT = 34;

const ABSENT_ZERO = 'an id of 0 means absent; ids start at 1; no validity bitmap';

function field(name: ColumnName, type: DataType, meaning: string, absent = false): Field {
  const metadata = new Map([['aisle.meaning', meaning]]);
  if (absent) metadata.set('aisle.absent', ABSENT_ZERO);
  return new Field(name, type, false, metadata);
}

/**
 * Schema of every record batch in the log. Shared by all batches (one instance), so tables built
 * from them need no schema unification.
 */
export const EVENT_SCHEMA = new Schema(
  [
    field('ts', new TimestampMillisecond(), 'event time, epoch milliseconds'),
    field('type', new Uint8(), 'EVENT_TYPE_CODE'),
    field('op', new Uint8(), 'INVENTORY_OP_CODE for inventory events, else 0'),
    field('user', new Uint32(), 'user dictionary id', true),
    field('session', new Uint32(), 'session dictionary id', true),
    field('item', new Uint32(), 'item dictionary id (0 for search events)', true),
    field('quantity', new Int32(), 'units for purchase, cart and inventory events, else 0'),
    field('price', new Float32(), 'unit price for purchase and price_change events, else 0'),
    field(
      'ref',
      new Uint32(),
      'purchase: order id; search: query id; inventory: location id; else 0',
      true,
    ),
  ],
  new Map([
    ['aisle.format', 'aisle.events'],
    ['aisle.version', String(STORE_FORMAT_VERSION)],
  ]),
);

/**
 * Checks that a schema read from disk has our columns with our types, in order.
 * @returns a reason when it does not, else undefined
 */
export function schemaMismatch(schema: Schema): string | undefined {
  const want = EVENT_SCHEMA.fields;
  const got = schema.fields;
  if (got.length !== want.length) {
    return `expected ${want.length} columns, found ${got.length}`;
  }
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (g.name !== w.name || String(g.type) !== String(w.type)) {
      return `column ${i} is ${g.name}: ${String(g.type)}, expected ${w.name}: ${String(w.type)}`;
    }
  }
  return undefined;
}
