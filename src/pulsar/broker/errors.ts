/**
 * The one error class of the broker tooling, with a stable `code` a caller (the CLI, the test
 * setup) can switch on, and a message a person can act on: what failed, and what to do. A
 * CodedError, the base of every error aisle throws.
 */
import { CodedError } from '../../../engine/errors.js';

const BRAND = Symbol.for('aisle.pulsar.broker.error');

/** Why a broker operation failed. */
export type BrokerErrorCode =
  | 'PULSAR_JAVA_MISSING'
  | 'PULSAR_MVN_MISSING'
  | 'PULSAR_FETCH_FAILED'
  | 'PULSAR_ALREADY_RUNNING'
  | 'PULSAR_START_FAILED'
  | 'PULSAR_START_TIMEOUT'
  | 'PULSAR_STOP_FAILED'
  | 'PULSAR_ADMIN';

/** An error from fetching, starting, stopping or administering a Pulsar broker. */
export class BrokerError extends CodedError<BrokerErrorCode> {
  readonly [BRAND] = true;

  constructor(code: BrokerErrorCode, message: string) {
    super(code, message);
    this.name = 'BrokerError';
  }
}

/** True for a {@link BrokerError}, even one from another copy of this module. */
export function isBrokerError(err: unknown): err is BrokerError {
  return (
    typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[BRAND] === true
  );
}
