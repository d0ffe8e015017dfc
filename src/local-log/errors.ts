/**
 * The local log's failures as AisleErrors. The engine's code list has no entry of its own for the
 * log, so its durable-state code is used (AISLE_CLOSED once closed) and `details.localLog` says
 * which failure it was, for the HTTP route to pick its status.
 */
import { AisleError, isAisleError } from '../../engine/index.js';

export type LogFailure =
  /** Appends are refused: the writer is closed or an I/O error stopped it. */
  | 'unavailable'
  /** The files on disk do not fit together (damage before the tail, a missing segment). */
  | 'damaged'
  /** Another live process holds the data directory. */
  | 'locked';

export function logError(failure: LogFailure, message: string, closed = false): AisleError {
  return new AisleError(closed ? 'AISLE_CLOSED' : 'AISLE_SNAPSHOT', `local log: ${message}`, {
    localLog: failure,
  });
}

export function isLogFailure(err: unknown, failure: LogFailure): boolean {
  return isAisleError(err) && err.details?.localLog === failure;
}
