/**
 * The one error class of the Kafka broker tooling (the client side has its own, KafkaError), with
 * a stable `code` a caller (the CLI, the test setup) can switch on, and a message a person can
 * act on: what failed, and what to do. A CodedError, the base of every error aisle throws.
 */
import { CodedError } from '../../../engine/errors.js';

const BRAND = Symbol.for('aisle.kafka.broker.error');

/** Why a Kafka broker operation failed. */
export type KafkaBrokerErrorCode =
  | 'KAFKA_JAVA_MISSING'
  | 'KAFKA_MVN_MISSING'
  | 'KAFKA_FETCH_FAILED'
  /** `kafka.tools.StorageTool` could not format the log directory. */
  | 'KAFKA_FORMAT_FAILED'
  | 'KAFKA_ALREADY_RUNNING'
  | 'KAFKA_START_FAILED'
  | 'KAFKA_START_TIMEOUT'
  | 'KAFKA_STOP_FAILED';

/** An error from fetching, starting or stopping a Kafka broker. */
export class KafkaBrokerError extends CodedError<KafkaBrokerErrorCode> {
  readonly [BRAND] = true;

  constructor(code: KafkaBrokerErrorCode, message: string) {
    super(code, message);
    this.name = 'KafkaBrokerError';
  }
}

/** True for a {@link KafkaBrokerError}, even one from another copy of this module. */
export function isKafkaBrokerError(err: unknown): err is KafkaBrokerError {
  return (
    typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[BRAND] === true
  );
}
