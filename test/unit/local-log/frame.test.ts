/**
 * The log's framing: whole records read back, and a torn or corrupted tail is detected at the
 * first bad byte with every record before it intact.
 */
import { describe, expect, it } from 'vitest';
import { crc32, crc32Portable } from '../../../src/local-log/checksum.js';
import {
  encodeFrame,
  FRAME_HEADER_BYTES,
  readFrame,
  scanFrames,
} from '../../../src/local-log/frame.js';

const payloads = [1, 7, 300, 4096].map((n, k) =>
  Uint8Array.from({ length: n }, (_, i) => (i * 31 + k) & 0xff),
);
const log = Buffer.concat(payloads.map((p) => encodeFrame(p)));
const lastStart = log.length - encodeFrame(payloads.at(-1)!).length;

describe('log framing', () => {
  it('reads back every record, in order, with its kind', () => {
    const withVoid = Buffer.concat([log, encodeFrame(Buffer.from('{"void":[]}'), 'void')]);
    const scan = scanFrames(withVoid);
    expect(scan.damage).toBeUndefined();
    expect(scan.end).toBe(withVoid.length);
    expect(scan.records.map((r) => Buffer.from(r.payload))).toEqual([
      ...payloads.map((p) => Buffer.from(p)),
      Buffer.from('{"void":[]}'),
    ]);
    expect(scan.records.map((r) => r.kind)).toEqual([
      'events',
      'events',
      'events',
      'events',
      'void',
    ]);
  });

  it('detects a tail torn at any length and keeps everything before it', () => {
    for (let cut = lastStart + 1; cut < log.length; cut++) {
      const scan = scanFrames(log.subarray(0, cut));
      expect(scan.damage, `cut at ${cut}`).toMatch(/torn/);
      expect(scan.end).toBe(lastStart);
      expect(scan.records).toHaveLength(payloads.length - 1);
    }
    // Cut exactly between records: nothing is wrong.
    expect(scanFrames(log.subarray(0, lastStart)).damage).toBeUndefined();
  });

  it('detects a flipped bit anywhere in the last record', () => {
    for (let at = lastStart; at < log.length; at += 37) {
      for (const bit of [0, 5]) {
        const bad = Buffer.from(log);
        bad[at]! ^= 1 << bit;
        const scan = scanFrames(bad);
        expect(scan.damage, `bit ${bit} of byte ${at}`).toBeDefined();
        expect(scan.end).toBe(lastStart);
        expect(scan.records.map((r) => Buffer.from(r.payload))).toEqual(
          payloads.slice(0, -1).map((p) => Buffer.from(p)),
        );
      }
    }
  });

  it('detects zeros and garbage after the last record', () => {
    for (const tail of [Buffer.alloc(4096), Buffer.from('garbage that is not a record')]) {
      const scan = scanFrames(Buffer.concat([log, tail]));
      expect(scan.damage).toBeDefined();
      expect(scan.end).toBe(log.length);
      expect(scan.records).toHaveLength(payloads.length);
    }
  });

  it('refuses a length damaged into another plausible value', () => {
    const bad = Buffer.from(log);
    bad.writeUInt32LE(bad.readUInt32LE(lastStart + 4) - 1, lastStart + 4);
    expect(readFrame(bad, lastStart)).toEqual({ ok: false, reason: 'checksum mismatch' });
    expect(FRAME_HEADER_BYTES).toBe(12);
  });

  it('refuses an empty payload', () => {
    expect(() => encodeFrame(new Uint8Array(0))).toThrow(RangeError);
  });

  it('computes the same checksum natively and portably', () => {
    for (const p of payloads) expect(crc32Portable(p)).toBe(crc32(p));
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });
});
