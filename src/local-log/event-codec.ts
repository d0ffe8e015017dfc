/**
 * A batch of validated events as the payload of one log record: an Arrow IPC stream (schema and
 * one record batch) whose columns carry the events' own field names, so the payload reads like
 * the Arrow messages a Pulsar topic carries.
 *
 * Columns are discovered from the events rather than listed here: whatever fields validation
 * produces (strings, numbers, booleans) survive the round trip unchanged, even if the event
 * types grow. A field that is absent from an event is null in its column and absent again after
 * decoding. Numbers are float64, which holds every JS number exactly, so a replayed event equals
 * the one the engine ingested.
 *
 * The string columns are built from offsets and one buffer instead of through arrow's builders,
 * which cost microseconds per string: this runs on every accepted request.
 */
import {
  Bool,
  Field,
  Float64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableFromIPC,
  tableToIPC,
  Type,
  Utf8,
  type Data,
  type DataType,
} from 'apache-arrow';
import { AisleError, type RetailEvent } from '../../engine/index.js';

type Kind = 'string' | 'number' | 'boolean';
/** Schema metadata naming the payload, so a stray Arrow stream is not mistaken for events. */
const FORMAT_KEY = 'aisle.local-log';
const FORMAT_VERSION = '1';

function bitmap(n: number): Uint8Array {
  return new Uint8Array((n + 7) >> 3);
}

function column(kind: Kind, values: unknown[]): Data {
  const n = values.length;
  const valid = bitmap(n);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (values[i] === undefined) nulls++;
    else valid[i >> 3]! |= 1 << (i & 7);
  }
  const nullBitmap = nulls === 0 ? undefined : valid;
  if (kind === 'number') {
    const data = new Float64Array(n);
    for (let i = 0; i < n; i++) if (values[i] !== undefined) data[i] = values[i] as number;
    return makeData({ type: new Float64(), length: n, nullCount: nulls, nullBitmap, data });
  }
  if (kind === 'boolean') {
    const data = bitmap(n);
    for (let i = 0; i < n; i++) if (values[i] === true) data[i >> 3]! |= 1 << (i & 7);
    return makeData({ type: new Bool(), length: n, nullCount: nulls, nullBitmap, data });
  }
  const valueOffsets = new Int32Array(n + 1);
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    if (values[i] !== undefined) bytes += Buffer.byteLength(values[i] as string, 'utf8');
    valueOffsets[i + 1] = bytes;
  }
  const data = Buffer.allocUnsafe(bytes);
  for (let i = 0; i < n; i++) {
    if (values[i] !== undefined) data.write(values[i] as string, valueOffsets[i]!, 'utf8');
  }
  return makeData({
    type: new Utf8(),
    length: n,
    nullCount: nulls,
    nullBitmap,
    valueOffsets,
    data,
  });
}

/** The Arrow IPC stream of one batch. Throws AisleError for a field it cannot carry. */
export function encodeEvents(events: readonly RetailEvent[]): Uint8Array {
  const kinds = new Map<string, Kind>();
  const values = new Map<string, unknown[]>();
  const n = events.length;
  for (let i = 0; i < n; i++) {
    const e = events[i] as unknown as Record<string, unknown>;
    for (const key of Object.keys(e)) {
      const v = e[key];
      if (v === undefined) continue;
      const kind = typeof v;
      if (kind !== 'string' && kind !== 'number' && kind !== 'boolean') {
        throw new AisleError(
          'AISLE_INVALID_ARGUMENT',
          `events[${i}].${key}: a ${kind} cannot be written to the local log`,
        );
      }
      const known = kinds.get(key);
      if (known === undefined) {
        kinds.set(key, kind);
        values.set(key, new Array<unknown>(n).fill(undefined));
      } else if (known !== kind) {
        throw new AisleError(
          'AISLE_INVALID_ARGUMENT',
          `events[${i}].${key}: is a ${kind} where earlier events have a ${known}`,
        );
      }
      values.get(key)![i] = v;
    }
  }
  const fields: Field[] = [];
  const children: Data[] = [];
  for (const [key, kind] of kinds) {
    const data = column(kind, values.get(key)!);
    fields.push(new Field(key, data.type, true));
    children.push(data);
  }
  const schema = new Schema(fields, new Map([[FORMAT_KEY, FORMAT_VERSION]]));
  const struct = makeData({ type: new Struct(fields), length: n, nullCount: 0, children });
  return tableToIPC(new Table(new RecordBatch(schema, struct)), 'stream');
}

function isValid(data: Data, i: number): boolean {
  if (data.nullCount === 0) return true;
  const bits = data.nullBitmap;
  if (bits === undefined || bits.length === 0) return true;
  const j = data.offset + i;
  return (bits[j >> 3]! & (1 << (j & 7))) !== 0;
}

/** Writes column `name` of `data` into `out[row]` for rows where it is not null. */
function readColumn(name: string, data: Data, out: Record<string, unknown>[], row0: number): void {
  const type = data.type as DataType;
  if (type.typeId === Type.Utf8) {
    const offsets = data.valueOffsets as Int32Array;
    const values = data.values as Uint8Array;
    const text = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
    for (let i = 0; i < data.length; i++) {
      if (!isValid(data, i)) continue;
      const at = data.offset + i;
      out[row0 + i]![name] = text.toString('utf8', offsets[at]!, offsets[at + 1]!);
    }
    return;
  }
  if (type.typeId === Type.Float && (type as Float64).precision === 2) {
    const values = data.values as Float64Array;
    for (let i = 0; i < data.length; i++) {
      if (isValid(data, i)) out[row0 + i]![name] = values[data.offset + i];
    }
    return;
  }
  if (type.typeId === Type.Bool) {
    const values = data.values as Uint8Array;
    for (let i = 0; i < data.length; i++) {
      if (!isValid(data, i)) continue;
      const j = data.offset + i;
      out[row0 + i]![name] = (values[j >> 3]! & (1 << (j & 7))) !== 0;
    }
    return;
  }
  throw new AisleError(
    'AISLE_SNAPSHOT',
    `local log: column ${name} has an unexpected type ${type}`,
  );
}

/** The events of one record payload, equal to the ones `encodeEvents` was given. */
export function decodeEvents(payload: Uint8Array): RetailEvent[] {
  const table = tableFromIPC(payload);
  if (table.schema.metadata.get(FORMAT_KEY) !== FORMAT_VERSION) {
    throw new AisleError('AISLE_SNAPSHOT', 'local log: a record is not an aisle event batch');
  }
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < table.numRows; i++) out.push({});
  let row0 = 0;
  for (const batch of table.batches) {
    for (const field of batch.schema.fields) {
      const data = batch.getChild(field.name)!.data[0]!;
      readColumn(field.name, data, out, row0);
    }
    row0 += batch.numRows;
  }
  return out as unknown as RetailEvent[];
}
