/** Errors of aisle's Kafka client side; the broker tooling has its own (src/kafka/broker). */
import { CodedError } from '../../engine/errors.js';

export type KafkaErrorCode =
  /** A bootstrap address, topic or URL that cannot be used. */
  | 'KAFKA_INVALID_ARGUMENT'
  /** A snapshot that another transport (or another topic) wrote. */
  | 'KAFKA_POSITION_MISMATCH'
  | 'KAFKA_SEND_FAILED'
  | 'KAFKA_CLOSED';

export class KafkaError extends CodedError<KafkaErrorCode> {
  constructor(code: KafkaErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, undefined, options);
    this.name = 'KafkaError';
  }
}
