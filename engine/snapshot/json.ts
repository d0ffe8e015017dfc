/**
 * JSON that round-trips exactly: the caller's stream position, and numbers JSON cannot spell.
 *
 * A position decides where a restored engine resumes its stream, so what comes back must equal
 * what went in: values JSON would silently change (undefined fields, -0, NaN, a Date, a BigInt)
 * are refused at write time instead of being altered on disk.
 */
import { AisleError } from '../errors.js';

/** A value that JSON.stringify and JSON.parse carry unchanged. */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

// Deep enough for any stream position; bounds the recursion on hostile input.
const MAX_DEPTH = 64;

function refuse(path: string, why: string): never {
  throw new AisleError('AISLE_INVALID_ARGUMENT', `position${path} ${why}`, { path });
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Returns `v` typed as JsonValue when JSON carries it unchanged; otherwise throws
 * AisleError('AISLE_INVALID_ARGUMENT') naming the path of the first offending value
 * (non-finite or negative-zero number, undefined, function, symbol, bigint, sparse array,
 * non-plain object, cycle). O(size of v).
 */
export function checkJsonValue(v: unknown, path = '', depth = 0): JsonValue {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) refuse(path, `is ${v}, which JSON cannot hold`);
    if (Object.is(v, -0)) refuse(path, 'is -0, which JSON stores as 0');
    return v;
  }
  if (typeof v !== 'object') refuse(path, `is a ${typeof v}, which JSON cannot hold`);
  if (depth >= MAX_DEPTH) refuse(path, `nests deeper than ${MAX_DEPTH} levels (a cycle?)`);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      if (!(i in v)) refuse(`${path}[${i}]`, 'is a hole in a sparse array');
      checkJsonValue(v[i], `${path}[${i}]`, depth + 1);
    }
    return v as JsonValue[];
  }
  if (!isPlainObject(v)) refuse(path, 'is not a plain object');
  for (const [key, value] of Object.entries(v)) checkJsonValue(value, `${path}.${key}`, depth + 1);
  return v as JsonValue;
}

/** Marker for a number JSON cannot spell, as `{ "$n": "NaN" | "Infinity" | "-Infinity" | "-0" }`. */
export interface SpecialNumber {
  $n: 'NaN' | 'Infinity' | '-Infinity' | '-0';
}

/** `v` itself, or its marker when JSON would lose it. */
export function encodeNumber(v: number): number | SpecialNumber {
  if (Number.isNaN(v)) return { $n: 'NaN' };
  if (v === Infinity) return { $n: 'Infinity' };
  if (v === -Infinity) return { $n: '-Infinity' };
  if (Object.is(v, -0)) return { $n: '-0' };
  return v;
}

/** The number a value from `encodeNumber` stands for, or undefined when it is neither. */
export function decodeNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'object' || v === null || Object.keys(v).length !== 1) return undefined;
  switch ((v as Partial<SpecialNumber>).$n) {
    case 'NaN':
      return NaN;
    case 'Infinity':
      return Infinity;
    case '-Infinity':
      return -Infinity;
    case '-0':
      return -0;
    default:
      return undefined;
  }
}
