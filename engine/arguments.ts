/**
 * Checks of the arguments of the public API, made once at the boundary (engine.ts, facets.ts,
 * the snapshot functions) so that a bad argument from embedding code is an
 * AisleError('AISLE_INVALID_ARGUMENT') naming the field, never a TypeError from deep inside a
 * model. Each is a few comparisons: they run on every call.
 */
import { invalidArgument } from './errors.js';

/**
 * An options object: absent means `{}`; anything but a plain object, or a key not in `keys`,
 * is refused (a typo must not silently fall back to a default).
 */
export function checkOptions<T extends object>(
  field: string,
  value: T | undefined,
  keys: readonly string[],
): T {
  if (value === undefined) return {} as T;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidArgument(field, 'must be an object');
  }
  for (const key in value) {
    if (!keys.includes(key)) throw invalidArgument(`${field}.${key}`, 'is not a known option');
  }
  return value;
}

/** A name to look up (an item, a user, a category): a non-empty string. */
export function checkName(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw invalidArgument(field, 'must be a non-empty string');
  }
  return value;
}

/** An optional name: undefined passes. */
export function checkOptionalName(field: string, value: unknown): string | undefined {
  return value === undefined ? undefined : checkName(field, value);
}

/** A window or step such as `'15m'`, whose format the analytics models check. */
export function checkDuration(field: string, value: unknown): string {
  if (typeof value !== 'string') throw invalidArgument(field, "must be a duration such as '1h'");
  return value;
}

export function checkOptionalBoolean(field: string, value: unknown): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') {
    throw invalidArgument(field, 'must be a boolean');
  }
  return value;
}

/** A finite number ≥ `min` (or > `min` when `exclusive`), an integer when `integer`. */
export function checkNumber(
  field: string,
  value: unknown,
  opts: { min: number; exclusive?: boolean; integer?: boolean },
): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (opts.exclusive === true ? value > opts.min : value >= opts.min) &&
    (opts.integer !== true || Number.isInteger(value));
  if (!ok) {
    const what = opts.integer === true ? 'an integer' : 'a finite number';
    throw invalidArgument(
      field,
      `must be ${what} ${opts.exclusive === true ? '>' : '≥'} ${opts.min}`,
    );
  }
  return value as number;
}

/** A list: an array, of at most `max` entries. */
export function checkArray<T>(field: string, value: unknown, max = Infinity): readonly T[] {
  if (!Array.isArray(value)) throw invalidArgument(field, 'must be an array');
  if (value.length > max) throw invalidArgument(field, `must hold at most ${max} entries`);
  return value as T[];
}

export function checkFunction(field: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') {
    throw invalidArgument(field, 'must be a function');
  }
}
