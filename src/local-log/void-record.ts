/**
 * A void record names batches that are durable in the log but that the engine did not apply
 * (it refused them or failed on them, and their requests were answered with an error). Replay
 * skips them, so a restart reproduces what clients were told. It is written, and synced, before
 * those requests are answered.
 */
import { logError } from './errors.js';
import type { LogPosition } from './segments.js';

/** Each voided record is named by where it starts. */
export function encodeVoid(starts: readonly LogPosition[]): Uint8Array {
  return Buffer.from(JSON.stringify({ void: starts.map((p) => [p.segment, p.offset]) }));
}

export function decodeVoid(payload: Uint8Array): LogPosition[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    throw logError('damaged', 'a void record is not JSON');
  }
  const list = (parsed as { void?: unknown }).void;
  if (!Array.isArray(list)) throw logError('damaged', 'a void record lists no records');
  return list.map((pair: unknown) => {
    if (!Array.isArray(pair) || !pair.every((n) => Number.isSafeInteger(n) && n >= 0)) {
      throw logError('damaged', 'a void record names a record badly');
    }
    return { segment: pair[0] as number, offset: pair[1] as number };
  });
}

export const positionKey = (p: LogPosition): string => `${p.segment}:${p.offset}`;
