/**
 * The store's dictionaries as one Arrow table (`dict` code, `id`, `value`) for snapshots.
 */
import {
  makeData,
  RecordBatch,
  Schema,
  Field,
  Struct,
  Table,
  Uint32,
  Uint8,
  Utf8,
} from 'apache-arrow';
import { Buffer } from 'node:buffer';
import { AisleError } from '../errors.js';
import {
  Dictionary,
  DICTIONARY_NAMES,
  type DictionaryName,
  type StoreDictionaries,
} from './dictionary.js';

/** Schema of `dictionaries.arrow`; `dict` is the index of the name in DICTIONARY_NAMES. */
export const DICTIONARY_SCHEMA = new Schema(
  [
    new Field('dict', new Uint8(), false),
    new Field('id', new Uint32(), false),
    new Field('value', new Utf8(), false),
  ],
  new Map([['aisle.dict', DICTIONARY_NAMES.join(',')]]),
);

/**
 * A Utf8 column built straight from offsets and one encoded buffer: arrow's vectorFromArray
 * appends value by value and took ~2.5 µs per string (0.5 s for 190k session ids).
 * Values must be well-formed (checked before), or byte lengths and the joined encoding differ.
 */
function utf8Column(values: readonly string[]) {
  const offsets = new Int32Array(values.length + 1);
  let bytes = 0;
  for (let i = 0; i < values.length; i++) {
    bytes += Buffer.byteLength(values[i]!, 'utf8');
    offsets[i + 1] = bytes;
  }
  const joined = Buffer.from(values.join(''), 'utf8');
  const data = new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength);
  return makeData({
    type: new Utf8(),
    length: values.length,
    nullCount: 0,
    valueOffsets: offsets,
    data,
  });
}

function batchFor(code: number, values: readonly string[]): RecordBatch {
  const length = values.length;
  const ids = new Uint32Array(length);
  for (let i = 0; i < length; i++) ids[i] = i + 1;
  const children = [
    makeData({ type: new Uint8(), length, nullCount: 0, data: new Uint8Array(length).fill(code) }),
    makeData({ type: new Uint32(), length, nullCount: 0, data: ids }),
    utf8Column(values),
  ];
  const struct = makeData({
    type: new Struct(DICTIONARY_SCHEMA.fields),
    length,
    nullCount: 0,
    children,
  });
  return new RecordBatch(DICTIONARY_SCHEMA, struct);
}

// A lone UTF-16 surrogate cannot be written as UTF-8: it would come back as U+FFFD, another
// string, and two such values could even collide. Refuse it rather than restore a different id map.

function checkWellFormed(name: DictionaryName, values: readonly string[]): void {
  for (let i = 0; i < values.length; i++) {
    // isWellFormed (ES2024, Node 20) is native; the regex costs ~1 µs per value.
    if (!(values[i] as unknown as { isWellFormed(): boolean }).isWellFormed()) {
      throw new AisleError(
        'AISLE_SNAPSHOT',
        `dictionary ${name}: value of id ${i + 1} holds a lone UTF-16 surrogate and cannot be ` +
          'stored as UTF-8; reject such ids at validation',
        { dictionary: name, id: i + 1 },
      );
    }
  }
}

/**
 * One record batch per non-empty dictionary, ids dense from 1. Copies the values as they are
 * now, so later additions do not leak into a snapshot being written. Throws
 * AisleError('AISLE_SNAPSHOT') on a value that is not well-formed UTF-16. O(total characters).
 */
export function dictionariesToTable(dicts: StoreDictionaries): Table {
  const batches: RecordBatch[] = [];
  DICTIONARY_NAMES.forEach((name, code) => {
    const values = dicts[name].values().slice();
    checkWellFormed(name, values);
    if (values.length > 0) batches.push(batchFor(code, values));
  });
  return new Table(DICTIONARY_SCHEMA, batches);
}

function corrupt(why: string): never {
  throw new AisleError('AISLE_SNAPSHOT', `dictionaries.arrow: ${why}`);
}

/**
 * Rebuilds the dictionaries; throws AisleError('AISLE_SNAPSHOT') unless every dictionary's ids
 * are exactly 1..n with unique values. O(total values).
 */
export function dictionariesFromTable(table: Table): StoreDictionaries {
  const names = table.schema.fields.map((f) => f.name).join(',');
  if (names !== 'dict,id,value') corrupt(`unexpected columns ${names}`);
  const values: Record<DictionaryName, string[]> = {
    user: [],
    session: [],
    item: [],
    category: [],
    order: [],
    query: [],
    location: [],
  };
  for (const batch of table.batches) {
    const dict = batch.getChildAt(0)!;
    const id = batch.getChildAt(1)!;
    const value = batch.getChildAt(2)!;
    for (let i = 0; i < batch.numRows; i++) {
      const name = DICTIONARY_NAMES[dict.get(i) as number];
      if (name === undefined) corrupt(`row ${i}: unknown dictionary code ${String(dict.get(i))}`);
      const list = values[name];
      const v = value.get(i) as unknown;
      if (id.get(i) !== list.length + 1) {
        corrupt(`${name}: id ${String(id.get(i))} where ${list.length + 1} was expected`);
      }
      if (typeof v !== 'string') corrupt(`${name}: id ${list.length + 1} has no value`);
      list.push(v);
    }
  }
  const out = {} as Record<DictionaryName, Dictionary>;
  for (const name of DICTIONARY_NAMES) {
    try {
      out[name] = Dictionary.fromValues(values[name]);
    } catch (err) {
      corrupt(`${name}: ${(err as Error).message}`);
    }
  }
  return out;
}
