/**
 * Column chunks of the log: the open chunk being filled, sealing it into an Arrow RecordBatch,
 * and typed-array views over a batch's data buffers.
 */
import {
  Float32,
  Int32,
  makeData,
  RecordBatch,
  Struct,
  TimestampMillisecond,
  Uint32,
  Uint8,
  type Data,
} from 'apache-arrow';
import { AisleError } from '../errors.js';
import { ColumnBuilder, TimestampBuilder } from './columns.js';
import type { EncodedBatch } from './encode.js';
import { EVENT_SCHEMA } from './schema.js';

/**
 * One chunk of the log as typed arrays over the Arrow data buffers (zero copy), `length` rows
 * each. Read-only: the arrays alias the log's memory. See the schema for each column's meaning.
 */
export interface EventChunk {
  readonly length: number;
  /** Event time, epoch milliseconds. */
  readonly ts: BigInt64Array;
  readonly type: Uint8Array;
  readonly op: Uint8Array;
  readonly user: Uint32Array;
  readonly session: Uint32Array;
  readonly item: Uint32Array;
  readonly quantity: Int32Array;
  readonly price: Float32Array;
  readonly ref: Uint32Array;
}

/**
 * A copy of the chunk in fresh arrays of exactly its length, so that it owns its memory (restored
 * chunks would otherwise pin the whole snapshot file until the last of them is evicted). O(length).
 */
export function copyChunk(c: EventChunk): EventChunk {
  return {
    length: c.length,
    ts: c.ts.slice(),
    type: c.type.slice(),
    op: c.op.slice(),
    user: c.user.slice(),
    session: c.session.slice(),
    item: c.item.slice(),
    quantity: c.quantity.slice(),
    price: c.price.slice(),
    ref: c.ref.slice(),
  };
}

/** Largest value of the chunk's `ts` column (epoch ms), -Infinity when empty; O(length). */
export function newestTs(chunk: EventChunk): number {
  let max = -Infinity;
  const ts = chunk.ts;
  for (let i = 0; i < ts.length; i++) {
    const v = Number(ts[i]!);
    if (v > max) max = v;
  }
  return max;
}

function values<T>(batch: RecordBatch, index: number, length: number): T {
  const data = batch.data.children[index]!;
  if (data.nullCount > 0) {
    throw new AisleError('AISLE_SNAPSHOT', `column ${data.type} holds nulls; the log has none`);
  }
  // IPC bodies are padded to 8 bytes, so a buffer can be longer than the rows it holds.
  return (data.values as { subarray(a: number, b: number): T }).subarray(0, length);
}

/** Views over one RecordBatch of the event schema; O(1), zero copy. */
export function chunkOf(batch: RecordBatch): EventChunk {
  const n = batch.numRows;
  return {
    length: n,
    ts: values(batch, 0, n),
    type: values(batch, 1, n),
    op: values(batch, 2, n),
    user: values(batch, 3, n),
    session: values(batch, 4, n),
    item: values(batch, 5, n),
    quantity: values(batch, 6, n),
    price: values(batch, 7, n),
    ref: values(batch, 8, n),
  };
}

/** Wraps typed arrays as a RecordBatch of the event schema without copying them. */
export function batchOf(chunk: EventChunk): RecordBatch {
  const length = chunk.length;
  const children: Data[] = [
    makeData({ type: new TimestampMillisecond(), length, nullCount: 0, data: chunk.ts }),
    makeData({ type: new Uint8(), length, nullCount: 0, data: chunk.type }),
    makeData({ type: new Uint8(), length, nullCount: 0, data: chunk.op }),
    makeData({ type: new Uint32(), length, nullCount: 0, data: chunk.user }),
    makeData({ type: new Uint32(), length, nullCount: 0, data: chunk.session }),
    makeData({ type: new Uint32(), length, nullCount: 0, data: chunk.item }),
    makeData({ type: new Int32(), length, nullCount: 0, data: chunk.quantity }),
    makeData({ type: new Float32(), length, nullCount: 0, data: chunk.price }),
    makeData({ type: new Uint32(), length, nullCount: 0, data: chunk.ref }),
  ];
  const struct = makeData({
    type: new Struct(EVENT_SCHEMA.fields),
    length,
    nullCount: 0,
    children,
  });
  return new RecordBatch(EVENT_SCHEMA, struct);
}

// Small first allocation so that a store holding a few events stays small; capacity doubles.
const FIRST_CAPACITY = 1024;

/**
 * The chunk being filled: one growable builder per column. Rows are only ever appended, so
 * views and slices handed out earlier stay valid and unchanged.
 */
export class OpenChunk {
  private readonly ts: TimestampBuilder;
  private readonly type: ColumnBuilder<Uint8Array>;
  private readonly op: ColumnBuilder<Uint8Array>;
  private readonly user: ColumnBuilder<Uint32Array>;
  private readonly session: ColumnBuilder<Uint32Array>;
  private readonly item: ColumnBuilder<Uint32Array>;
  private readonly quantity: ColumnBuilder<Int32Array>;
  private readonly price: ColumnBuilder<Float32Array>;
  private readonly ref: ColumnBuilder<Uint32Array>;
  private newest = -Infinity;

  /** @param chunkRows rows at which the chunk is full */
  constructor(readonly chunkRows: number) {
    const first = Math.min(FIRST_CAPACITY, chunkRows);
    this.ts = new TimestampBuilder(first, chunkRows);
    this.type = new ColumnBuilder(Uint8Array, first, chunkRows);
    this.op = new ColumnBuilder(Uint8Array, first, chunkRows);
    this.user = new ColumnBuilder(Uint32Array, first, chunkRows);
    this.session = new ColumnBuilder(Uint32Array, first, chunkRows);
    this.item = new ColumnBuilder(Uint32Array, first, chunkRows);
    this.quantity = new ColumnBuilder(Int32Array, first, chunkRows);
    this.price = new ColumnBuilder(Float32Array, first, chunkRows);
    this.ref = new ColumnBuilder(Uint32Array, first, chunkRows);
  }

  get length(): number {
    return this.type.length;
  }

  /** Rows that still fit before the chunk is full. */
  get room(): number {
    return this.chunkRows - this.type.length;
  }

  /** Largest ts appended so far (epoch ms), -Infinity when empty. */
  get newestTs(): number {
    return this.newest;
  }

  get capacityBytes(): number {
    return (
      this.ts.capacityBytes +
      this.type.capacityBytes +
      this.op.capacityBytes +
      this.user.capacityBytes +
      this.session.capacityBytes +
      this.item.capacityBytes +
      this.quantity.capacityBytes +
      this.price.capacityBytes +
      this.ref.capacityBytes
    );
  }

  /** Copies rows `[start, start + count)` of `b`; the caller keeps `count <= room`. O(count). */
  append(b: EncodedBatch, start: number, count: number): void {
    this.ts.append(b.ts, start, count);
    this.type.append(b.type, start, count);
    this.op.append(b.op, start, count);
    this.user.append(b.user, start, count);
    this.session.append(b.session, start, count);
    this.item.append(b.item, start, count);
    this.quantity.append(b.quantity, start, count);
    this.price.append(b.price, start, count);
    this.ref.append(b.ref, start, count);
    let newest = this.newest;
    const ts = b.ts;
    for (let i = start; i < start + count; i++) if (ts[i]! > newest) newest = ts[i]!;
    this.newest = Math.trunc(newest);
  }

  /** Copies a whole chunk in (restoring a partly filled chunk); the caller keeps it within room. */
  appendChunk(c: EventChunk): void {
    this.ts.appendInt64(c.ts);
    this.type.append(c.type, 0, c.length);
    this.op.append(c.op, 0, c.length);
    this.user.append(c.user, 0, c.length);
    this.session.append(c.session, 0, c.length);
    this.item.append(c.item, 0, c.length);
    this.quantity.append(c.quantity, 0, c.length);
    this.price.append(c.price, 0, c.length);
    this.ref.append(c.ref, 0, c.length);
    this.newest = Math.max(this.newest, newestTs(c));
  }

  /** The filled rows as views over the builders' memory; valid until the next append. O(1). */
  view(): EventChunk {
    return {
      length: this.length,
      ts: this.ts.view(),
      type: this.type.view(),
      op: this.op.view(),
      user: this.user.view(),
      session: this.session.view(),
      item: this.item.view(),
      quantity: this.quantity.view(),
      price: this.price.view(),
      ref: this.ref.view(),
    };
  }

  /**
   * Hands the filled rows over as a chunk (no copy) and starts empty with room for a full chunk,
   * since a store that filled one chunk is likely to fill the next.
   */
  seal(): EventChunk {
    const rows = this.chunkRows;
    const out: EventChunk = {
      length: this.length,
      ts: this.ts.take(rows),
      type: this.type.take(rows),
      op: this.op.take(rows),
      user: this.user.take(rows),
      session: this.session.take(rows),
      item: this.item.take(rows),
      quantity: this.quantity.take(rows),
      price: this.price.take(rows),
      ref: this.ref.take(rows),
    };
    this.newest = -Infinity;
    return out;
  }
}
