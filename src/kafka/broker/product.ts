/** Kafka as the shared broker tooling (src/broker) sees it: its name, cache folder and errors. */
import type { BrokerProduct } from '../../broker/index.js';
import { KafkaBrokerError } from './errors.js';

/** Kafka: jars under `<cacheRoot>/kafka-<version>`, failures as `KAFKA_*` KafkaBrokerErrors. */
export const KAFKA: BrokerProduct = {
  name: 'Kafka',
  id: 'kafka',
  // Kafka 4 brokers (and its tools) need Java 17.
  minJava: 17,
  fail: (failure, message) => new KafkaBrokerError(`KAFKA_${failure}`, message),
};
