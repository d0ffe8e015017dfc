/**
 * The framing of one log record, so a reader can tell a whole record from a torn or damaged one:
 *
 *   0   4 bytes   magic: "ALR1" for a batch of events, "ALV1" for a void record
 *   4   u32 LE    payload length n, 1 ..= MAX_RECORD_BYTES
 *   8   u32 LE    CRC-32 of bytes 4..8 (the length) followed by the payload
 *   12  n bytes   payload: an Arrow IPC stream (event-codec.ts) or the void list (void-record.ts)
 *
 * The checksum covers the length too, so a length damaged into another plausible value is caught
 * instead of sending the reader into the middle of the next record. A crash mid-append leaves a
 * prefix of a record (or, on some filesystems, zeros) after the last whole one: both fail here.
 */
import { crc32 } from './checksum.js';

export const FRAME_HEADER_BYTES = 12;
/** Larger than any batch the HTTP route accepts (10,000 events), small enough to refuse garbage. */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;
/** A batch of events, or a record cancelling batches the engine could not apply. */
export type FrameKind = 'events' | 'void';
const MAGIC: Record<FrameKind, readonly number[]> = {
  events: [0x41, 0x4c, 0x52, 0x31], // "ALR1"
  void: [0x41, 0x4c, 0x56, 0x31], // "ALV1"
};

/** One record's bytes, header included, ready to append. */
export function encodeFrame(payload: Uint8Array, kind: FrameKind = 'events'): Buffer {
  if (payload.length === 0 || payload.length > MAX_RECORD_BYTES) {
    throw new RangeError(`a log record holds 1..${MAX_RECORD_BYTES} bytes, got ${payload.length}`);
  }
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.set(MAGIC[kind], 0);
  frame.writeUInt32LE(payload.length, 4);
  frame.set(payload, FRAME_HEADER_BYTES);
  frame.writeUInt32LE(crc32(payload, crc32(frame.subarray(4, 8))), 8);
  return frame;
}

export type FrameRead =
  | { ok: true; kind: FrameKind; payload: Uint8Array; end: number }
  | { ok: false; reason: string }
  /** `offset` is exactly the end of the bytes: no record there, and nothing wrong. */
  | { ok: false; reason: undefined };

/** The record starting at `offset` in `bytes`; the payload is a view, not a copy. */
export function readFrame(bytes: Uint8Array, offset: number): FrameRead {
  const left = bytes.length - offset;
  if (left === 0) return { ok: false, reason: undefined };
  if (left < FRAME_HEADER_BYTES) return { ok: false, reason: `torn header (${left} bytes)` };
  const kind = (['events', 'void'] as const).find((k) =>
    MAGIC[k].every((b, i) => bytes[offset + i] === b),
  );
  if (kind === undefined) return { ok: false, reason: 'no record marker' };
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, FRAME_HEADER_BYTES);
  const n = view.getUint32(4, true);
  if (n === 0 || n > MAX_RECORD_BYTES) return { ok: false, reason: `bad length ${n}` };
  if (left - FRAME_HEADER_BYTES < n) {
    return { ok: false, reason: `torn record (${left - FRAME_HEADER_BYTES} of ${n} bytes)` };
  }
  const start = offset + FRAME_HEADER_BYTES;
  const payload = bytes.subarray(start, start + n);
  const expected = view.getUint32(8, true);
  if (crc32(payload, crc32(bytes.subarray(offset + 4, offset + 8))) !== expected) {
    return { ok: false, reason: 'checksum mismatch' };
  }
  return { ok: true, kind, payload, end: start + n };
}

export interface FrameScan {
  /** Each whole record: where it starts and ends, and its payload (a view into the input). */
  records: { offset: number; end: number; kind: FrameKind; payload: Uint8Array }[];
  /** The end of the last whole record: everything after it is damage. */
  end: number;
  /** Why scanning stopped before the end of the bytes, if it did. */
  damage?: string;
}

/** Every whole record from `start` on, stopping at the first that is torn or damaged. */
export function scanFrames(bytes: Uint8Array, start = 0): FrameScan {
  const records: FrameScan['records'] = [];
  let offset = start;
  for (;;) {
    const r = readFrame(bytes, offset);
    if (!r.ok) {
      return r.reason === undefined
        ? { records, end: offset }
        : { records, end: offset, damage: `${r.reason} at byte ${offset}` };
    }
    records.push({ offset, end: r.end, kind: r.kind, payload: r.payload });
    offset = r.end;
  }
}
