/**
 * Checks that restored state is shaped the way its class needs before the class trusts it.
 *
 * A snapshot's bytes are checksummed, so a failed check here means a bug or a snapshot from an
 * incompatible build, not disk damage. The checks still matter: they turn what would be an
 * out-of-bounds loop or an endless hash probe into one AisleError naming the field.
 */
import { AisleError } from '../errors.js';

/** The typed-array classes that snapshot sections hold. */
export type SectionArray = Uint8Array | Uint32Array | Int32Array | Float32Array | Float64Array;

/** Throws AisleError('AISLE_SNAPSHOT') naming `what` unless `ok`. */
export function expectState(ok: boolean, what: string): asserts ok {
  if (!ok) throw new AisleError('AISLE_SNAPSHOT', `snapshot state is invalid: ${what}`, { what });
}

/** A number that is an integer in [0, 2^53). */
export function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** An instance of `ctor`, of exactly `length` elements when given. */
export function isArrayOf<T extends SectionArray>(
  v: unknown,
  ctor: abstract new (...args: never[]) => T,
  length?: number,
): v is T {
  return v instanceof ctor && (length === undefined || v.length === length);
}

/** Every element of `a` is below `bound`. O(n). */
export function allBelow(a: ArrayLike<number>, bound: number): boolean {
  for (let i = 0; i < a.length; i++) if (!(a[i]! < bound)) return false;
  return true;
}

/** Sum of the elements of `a`. O(n). */
export function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}
