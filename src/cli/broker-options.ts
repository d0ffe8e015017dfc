/** Option parsing and formatting the broker commands (`aisle pulsar`, `aisle kafka`) share. */
import { InvalidArgumentError } from 'commander';

/** A commander parser for an integer option within [min, max]. */
export function integer(min: number, max: number): (raw: string) => number {
  return (raw) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    }
    return n;
  };
}

/** Bytes as whole MiB, or `unknown`. */
export const mib = (bytes: number | undefined): string =>
  bytes === undefined ? 'unknown' : `${(bytes / 2 ** 20).toFixed(0)} MiB`;
