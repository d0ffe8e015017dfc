/**
 * Tooling for a real Apache Kafka broker on this machine without Docker or ZooKeeper: jars from
 * Maven Central, a single-node KRaft broker in the background, and its readiness check. Built on
 * the shared broker tooling of src/broker. See docs/operations-kafka.md.
 */
export { bootstrapAddress, log4j2Properties, serverProperties, type KafkaPorts } from './config.js';
export { isKafkaBrokerError, KafkaBrokerError, type KafkaBrokerErrorCode } from './errors.js';
export { DEFAULT_KAFKA_DATA_DIR, kafkaFiles, type KafkaFiles } from './files.js';
export { ensureKafkaJars } from './jars.js';
export { kafkaPom } from './pom.js';
export { isKafkaReady } from './probe.js';
export { KAFKA } from './product.js';
export {
  kafkaBrokerStatus,
  startKafkaBroker,
  stopKafkaBroker,
  type KafkaBroker,
  type KafkaBrokerStatus,
  type KafkaStartOptions,
  type StopResult,
} from './single-node.js';
export { formatStorage, isFormatted } from './storage.js';
export { cacheRoot, type BrokerJars, type EnsureJarsOptions } from '../../broker/index.js';
