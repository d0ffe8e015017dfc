/**
 * The binary state file (`state.bin`): a JSON header describing a tree of plain values, whose
 * typed arrays are stored after it as raw little-endian sections.
 *
 * Layout (all integers little-endian):
 *
 *     0   8 bytes   magic "AISLESTA"
 *     8   u32       format version (1)
 *     12  u32       header length H in bytes
 *     16  H bytes   header, UTF-8 JSON: { sections: [{ path, type, offset, length }], tree }
 *     ..  zero padding to a multiple of 8
 *     D   sections, each at D + offset, offset a multiple of 8, length elements of its type
 *
 * In `tree`, a typed array is `{ "$s": index }` and a number JSON cannot spell is
 * `{ "$n": "NaN" | "Infinity" | "-Infinity" | "-0" }`; the tree holds engine state only (no
 * user-supplied keys), so those markers cannot collide with data. Raw sections rather than Arrow
 * IPC: model state is a handful of flat arrays, and a memcpy is the fastest codec there is.
 */
import { AisleError } from '../errors.js';
import type { SectionArray } from './check.js';
import { decodeNumber, encodeNumber } from './json.js';

/** Element types a section can hold. */
export type SectionType = 'u8' | 'u32' | 'i32' | 'f32' | 'f64';

/** One typed array of the tree, as stored. */
export interface SectionInfo {
  /** Where it sits in the tree, e.g. `popularity.long.counters`. */
  path: string;
  type: SectionType;
  /** Bytes of data (padding excluded). */
  bytes: number;
}

/** An encoded state file, as pieces to write in order (they alias the tree's arrays). */
export interface EncodedState {
  pieces: Uint8Array[];
  /** Sum of the pieces' lengths. */
  bytes: number;
  sections: SectionInfo[];
}

const MAGIC = 'AISLESTA';
const VERSION = 1;
const PREFIX = 16;
const ALIGN = 8;
const PADDING = new Uint8Array(ALIGN);

const CTORS = {
  u8: Uint8Array,
  u32: Uint32Array,
  i32: Int32Array,
  f32: Float32Array,
  f64: Float64Array,
} as const;

/** Bytes per element of each section type. */
export const SECTION_BYTES: Readonly<Record<SectionType, number>> = {
  u8: 1,
  u32: 4,
  i32: 4,
  f32: 4,
  f64: 8,
};

/** Bytes before a state file's JSON header: magic, version, header length. */
export const STATE_PREFIX_BYTES = PREFIX;

// Sections are the arrays' own bytes: on a big-endian host they would not be little-endian.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function typeOf(a: ArrayBufferView): SectionType | undefined {
  if (a instanceof Uint8Array) return 'u8';
  if (a instanceof Uint32Array) return 'u32';
  if (a instanceof Int32Array) return 'i32';
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Float64Array) return 'f64';
  return undefined;
}

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

function assertLittleEndian(): void {
  if (!LITTLE_ENDIAN) {
    throw new AisleError('AISLE_SNAPSHOT', 'snapshots need a little-endian host');
  }
}

/**
 * Encodes `tree` (plain objects, arrays, strings, booleans, null, numbers, and the typed arrays
 * of SectionType) without copying the arrays: the pieces alias them, so write them before the
 * arrays change. Throws AisleError('AISLE_SNAPSHOT') on any other value. O(tree) + O(1) per array.
 */
export function encodeState(tree: unknown): EncodedState {
  assertLittleEndian();
  const arrays: SectionArray[] = [];
  const sections: SectionInfo[] = [];
  const header: { path: string; type: SectionType; offset: number; length: number }[] = [];
  let offset = 0;
  const walk = (v: unknown, path: string): unknown => {
    if (typeof v === 'number') return encodeNumber(v);
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (ArrayBuffer.isView(v)) {
      const type = typeOf(v);
      if (type === undefined) throw cannotStore(path, v.constructor.name);
      const a = v as SectionArray;
      header.push({ path, type, offset, length: a.length });
      sections.push({ path, type, bytes: a.byteLength });
      arrays.push(a);
      offset = align(offset + a.byteLength);
      return { $s: arrays.length - 1 };
    }
    if (Array.isArray(v)) return v.map((x: unknown, i) => walk(x, `${path}[${i}]`));
    if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (k.startsWith('$')) throw cannotStore(`${path}.${k}`, 'a key starting with $');
        if (x !== undefined) out[k] = walk(x, path === '' ? k : `${path}.${k}`);
      }
      return out;
    }
    throw cannotStore(path, typeof v);
  };
  const encodedTree = walk(tree, '');
  const json = new TextEncoder().encode(JSON.stringify({ sections: header, tree: encodedTree }));
  const dataStart = align(PREFIX + json.byteLength);
  const prefix = new Uint8Array(dataStart);
  for (let i = 0; i < MAGIC.length; i++) prefix[i] = MAGIC.charCodeAt(i);
  const view = new DataView(prefix.buffer);
  view.setUint32(8, VERSION, true);
  view.setUint32(12, json.byteLength, true);
  prefix.set(json, PREFIX);

  const pieces: Uint8Array[] = [prefix];
  let bytes = dataStart;
  for (const a of arrays) {
    pieces.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    const pad = align(a.byteLength) - a.byteLength;
    if (pad > 0) pieces.push(PADDING.subarray(0, pad));
    bytes += a.byteLength + pad;
  }
  return { pieces, bytes, sections };
}

function cannotStore(path: string, what: string): AisleError {
  return new AisleError('AISLE_SNAPSHOT', `cannot store ${what} at state path "${path}"`, {
    path,
  });
}

function corrupt(file: string, why: string): never {
  throw new AisleError('AISLE_SNAPSHOT', `${file}: ${why}`, { file });
}

/** One section as the header of a state file lists it. */
export interface SectionEntry {
  path: string;
  type: SectionType;
  /** Bytes from the start of the data area; a multiple of 8. */
  offset: number;
  /** Elements of `type`. */
  length: number;
}

/** The header of a state file: its section table and where the data area starts. */
export interface StateHeader {
  sections: SectionEntry[];
  dataStart: number;
  /** Bytes the whole file must have: the data area ends with the last section, padded to 8. */
  bytes: number;
  tree: unknown;
}

/**
 * Parses the prefix and JSON header of a state file (the first bytes of it suffice: `size` is
 * the whole file's) and checks the section table: known types, offsets aligned, increasing and
 * not overlapping, every section inside the file. Throws AisleError('AISLE_SNAPSHOT') naming
 * `file`. O(header).
 */
export function readStateHeader(bytes: Uint8Array, size: number, file = 'state.bin'): StateHeader {
  assertLittleEndian();
  if (bytes.byteLength < PREFIX || size < PREFIX) corrupt(file, 'is shorter than its prefix');
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC.charCodeAt(i)) corrupt(file, 'is not an aisle state file');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== VERSION) corrupt(file, `format version ${version} is not ${VERSION}`);
  const headerBytes = view.getUint32(12, true);
  if (PREFIX + headerBytes > Math.min(size, bytes.byteLength)) {
    corrupt(file, 'header runs past the end');
  }
  let header: { sections?: unknown; tree?: unknown };
  try {
    const text = new TextDecoder().decode(bytes.subarray(PREFIX, PREFIX + headerBytes));
    header = JSON.parse(text) as { sections?: unknown; tree?: unknown };
  } catch {
    return corrupt(file, 'header is not valid JSON');
  }
  if (typeof header !== 'object' || header === null || !Array.isArray(header.sections)) {
    corrupt(file, 'header lists no sections');
  }
  const dataStart = align(PREFIX + headerBytes);
  let end = 0;
  const sections = header.sections.map((s: unknown, i: number): SectionEntry => {
    const { path, type, offset, length } = (s ?? {}) as Partial<Record<string, unknown>>;
    const ctor = Object.hasOwn(CTORS, type as string) ? CTORS[type as SectionType] : undefined;
    if (
      ctor === undefined ||
      typeof path !== 'string' ||
      !Number.isSafeInteger(offset) ||
      !Number.isSafeInteger(length) ||
      (offset as number) < end ||
      (offset as number) % ALIGN !== 0 ||
      (length as number) < 0
    ) {
      return corrupt(file, `section ${i} is malformed`);
    }
    const sectionBytes = (length as number) * ctor.BYTES_PER_ELEMENT;
    if (dataStart + (offset as number) + sectionBytes > size) {
      corrupt(file, `section ${i} runs past the end (truncated?)`);
    }
    end = (offset as number) + sectionBytes;
    return { path, type: type as SectionType, offset: offset as number, length: length as number };
  });
  return { sections, dataStart, bytes: dataStart + align(end), tree: header.tree };
}

// Deeper than any engine state; bounds the recursion over a header read from disk.
const MAX_DEPTH = 64;

/**
 * Decodes a state file into its tree; every typed array is a fresh copy that owns its memory.
 * Throws AisleError('AISLE_SNAPSHOT') naming `file` when the bytes are not a state file of this
 * version or a section falls outside them. O(bytes).
 */
export function decodeState(bytes: Uint8Array, file = 'state.bin'): unknown {
  const header = readStateHeader(bytes, bytes.byteLength, file);
  const arrays = header.sections.map(({ type, offset, length }) => {
    const ctor = CTORS[type];
    const start = header.dataStart + offset;
    const out = new ctor(length);
    new Uint8Array(out.buffer).set(bytes.subarray(start, start + out.byteLength));
    return out;
  });
  const used = new Uint8Array(arrays.length);
  const revive = (v: unknown, depth: number): unknown => {
    if (depth > MAX_DEPTH) corrupt(file, `header nests deeper than ${MAX_DEPTH} levels`);
    if (Array.isArray(v)) return v.map((x) => revive(x, depth + 1));
    if (typeof v !== 'object' || v === null) return v;
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === '$s') {
      const ref = (v as { $s: unknown }).$s;
      const i = Number.isInteger(ref) ? (ref as number) : -1;
      if (arrays[i] === undefined || used[i] === 1) {
        corrupt(file, `section reference ${String(ref)} is invalid`);
      }
      used[i] = 1;
      return arrays[i];
    }
    if (keys.length === 1 && keys[0] === '$n') {
      const n = decodeNumber(v);
      if (n === undefined) corrupt(file, 'a special number is malformed');
      return n;
    }
    const out: Record<string, unknown> = {};
    for (const k of keys) {
      // Assigning "__proto__" would set the prototype instead of a field; the writer never emits it.
      if (k === '__proto__') corrupt(file, 'header holds a __proto__ key');
      out[k] = revive((v as Record<string, unknown>)[k], depth + 1);
    }
    return out;
  };
  return revive(header.tree, 0);
}
