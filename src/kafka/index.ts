/**
 * Kafka access for the hosts in `src/`: the client, a batching sink, the engine's source and its
 * host. engine/ never imports this. The broker tooling for development is in ./broker.
 */
export { createKafkaClient, parseBootstrap, partitionKey } from './client.js';
export { KafkaError, type KafkaErrorCode } from './errors.js';
export { startKafkaHost, type KafkaHost, type KafkaHostOptions } from './host.js';
export { KafkaSink, type KafkaRecord, type KafkaSinkOptions } from './sink.js';
export {
  KafkaSource,
  kafkaPosition,
  type KafkaPosition,
  type KafkaSourceOptions,
} from './source.js';
export { ensureTopics } from './topics.js';
