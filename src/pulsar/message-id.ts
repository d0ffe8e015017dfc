/**
 * Pulsar message ids as the WebSocket API exchanges them: base64 of the protobuf `MessageIdData`
 * from `PulsarApi.proto`:
 *
 * ```proto
 * message MessageIdData {
 *   required uint64 ledgerId = 1;
 *   required uint64 entryId = 2;
 *   optional int32 partition = 3 [default = -1];
 *   optional int32 batch_index = 4 [default = -1];
 *   repeated int64 ack_set = 5;
 *   optional int32 batch_size = 6;
 *   optional MessageIdData first_chunk_message_id = 7;
 * }
 * ```
 *
 * A hand-written varint codec keeps this dependency-free; the message is tiny and fixed.
 * Fields 5 and 7 are skipped when parsing: they never change a message's position, and `raw` keeps
 * the exact bytes for anything sent back to the broker.
 */
import { PulsarError } from './transport.js';

/** The position of one message in a topic (or in one partition of a partitioned topic). */
export interface MessageId {
  /** BookKeeper ledger id. */
  readonly ledger: bigint;
  /** Entry id inside the ledger. */
  readonly entry: bigint;
  /** Partition index, or -1 on a non-partitioned topic. */
  readonly partition: number;
  /** Index inside a batched entry, or -1 when the entry is not a batch. */
  readonly batchIndex: number;
  /**
   * Number of messages in the batch, when the id carries it. Not part of the position: the broker
   * reports 0 in a producer's acknowledgement and the real size to consumers for the same message.
   */
  readonly batchSize?: number;
  /** The base64 text exactly as the broker sent it; sent back verbatim to ack or seek. */
  readonly raw: string;
}

/** The fields `formatMessageId` encodes; `raw` is ignored if present. */
export type MessageIdFields = Omit<MessageId, 'raw'> & { readonly raw?: string };

const U64_MAX = (1n << 64n) - 1n;
const I32_MIN = -(2 ** 31);
const I32_MAX = 2 ** 31 - 1;

function invalid(text: string, why: string): PulsarError {
  return new PulsarError('PULSAR_INVALID_MESSAGE_ID', `invalid message id "${text}": ${why}`);
}

/** Reads protobuf fields one at a time from a byte array. */
class Reader {
  pos = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly text: string,
  ) {}

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  varint(): bigint {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.bytes.length) throw invalid(this.text, 'truncated varint');
      const byte = this.bytes[this.pos++]!;
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value & U64_MAX;
    }
    throw invalid(this.text, 'varint longer than 10 bytes');
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.advance(8);
        return;
      case 2:
        this.advance(Number(this.varint()));
        return;
      case 5:
        this.advance(4);
        return;
      default:
        throw invalid(this.text, `unsupported wire type ${wireType}`);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.bytes.length) throw invalid(this.text, 'truncated field');
    this.pos += n;
  }
}

/** protobuf int32 travels as the low 64 bits of its sign extension; take the low 32 back. */
function toInt32(v: bigint): number {
  return Number(BigInt.asIntN(32, v));
}

/**
 * Decodes a base64 `MessageIdData`. O(length). Throws `PulsarError` with code
 * `PULSAR_INVALID_MESSAGE_ID` on malformed input or when ledger or entry is missing.
 */
export function parseMessageId(base64: string): MessageId {
  if (typeof base64 !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64 === '') {
    throw invalid(String(base64), 'not base64');
  }
  const bytes = Buffer.from(base64, 'base64');
  const r = new Reader(bytes, base64);
  let ledger: bigint | undefined;
  let entry: bigint | undefined;
  let partition = -1;
  let batchIndex = -1;
  let batchSize: number | undefined;
  while (!r.done) {
    const tag = r.varint();
    const field = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    if (field >= 1 && field <= 4 && wireType === 0) {
      const v = r.varint();
      if (field === 1) ledger = v;
      else if (field === 2) entry = v;
      else if (field === 3) partition = toInt32(v);
      else batchIndex = toInt32(v);
    } else if (field === 6 && wireType === 0) {
      batchSize = toInt32(r.varint());
    } else if (field === 0) {
      throw invalid(base64, 'field number 0');
    } else {
      r.skip(wireType);
    }
  }
  if (ledger === undefined || entry === undefined) throw invalid(base64, 'missing ledger or entry');
  return batchSize === undefined
    ? { ledger, entry, partition, batchIndex, raw: base64 }
    : { ledger, entry, partition, batchIndex, batchSize, raw: base64 };
}

function pushVarint(out: number[], value: bigint): void {
  let v = value;
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
}

function pushInt32(out: number[], field: number, value: number, name: string): void {
  if (!Number.isInteger(value) || value < I32_MIN || value > I32_MAX) {
    throw new PulsarError('PULSAR_INVALID_MESSAGE_ID', `${name} ${value} is not an int32`);
  }
  pushVarint(out, BigInt(field << 3));
  pushVarint(out, BigInt.asUintN(64, BigInt(value)));
}

/**
 * Encodes a message id as base64 `MessageIdData`, the way the broker does: partition and batch
 * index only when not -1, batch size only when defined. `parseMessageId(formatMessageId(x))`
 * gives back the same fields. O(1).
 */
export function formatMessageId(id: MessageIdFields): string {
  for (const [name, v] of [
    ['ledger', id.ledger],
    ['entry', id.entry],
  ] as const) {
    if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) {
      throw new PulsarError('PULSAR_INVALID_MESSAGE_ID', `${name} ${String(v)} is not a uint64`);
    }
  }
  const out: number[] = [];
  pushVarint(out, 1n << 3n);
  pushVarint(out, id.ledger);
  pushVarint(out, 2n << 3n);
  pushVarint(out, id.entry);
  if (id.partition !== -1) pushInt32(out, 3, id.partition, 'partition');
  if (id.batchIndex !== -1) pushInt32(out, 4, id.batchIndex, 'batchIndex');
  if (id.batchSize !== undefined) pushInt32(out, 6, id.batchSize, 'batchSize');
  return Buffer.from(out).toString('base64');
}

/**
 * Orders two ids by ledger, then entry, then batch index, then partition. The order is the
 * publication order only within one topic or one partition; across partitions it is merely a
 * total order. Returns -1, 0 or 1. `batchSize` and `raw` are ignored. O(1).
 */
export function compareMessageIds(a: MessageId, b: MessageId): -1 | 0 | 1 {
  if (a.ledger !== b.ledger) return a.ledger < b.ledger ? -1 : 1;
  if (a.entry !== b.entry) return a.entry < b.entry ? -1 : 1;
  if (a.batchIndex !== b.batchIndex) return a.batchIndex < b.batchIndex ? -1 : 1;
  if (a.partition !== b.partition) return a.partition < b.partition ? -1 : 1;
  return 0;
}

/**
 * A canonical text key for deduplication and logs: `ledger:entry:partition:batchIndex`. Two ids
 * for the same message always give the same key, even when their `raw` differs (batch size).
 */
export function messageIdKey(id: MessageId): string {
  return `${id.ledger}:${id.entry}:${id.partition}:${id.batchIndex}`;
}
