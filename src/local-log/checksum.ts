/**
 * CRC-32 (IEEE) of a record. Node's zlib.crc32 (native, 20.15+) when present; a table-driven
 * fallback otherwise, so older Node 20 releases read and write the same logs.
 */
import zlib from 'node:zlib';

let table: Uint32Array | undefined;

function tableCrc32(data: Uint8Array, seed: number): number {
  if (table === undefined) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = ~seed >>> 0;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** CRC-32 of `data`, continuing from `seed` (the CRC of the bytes before it; 0 to start). */
export function crc32(data: Uint8Array, seed = 0): number {
  return native !== undefined ? native(data, seed) >>> 0 : tableCrc32(data, seed);
}

/** The fallback, exported so a test can check it agrees with the native one. */
export const crc32Portable = (data: Uint8Array, seed = 0): number => tableCrc32(data, seed);
