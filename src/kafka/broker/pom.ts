/**
 * The Maven file that describes the Kafka broker, and the version it pins. pom.xml stays the one
 * place the version is written (`<kafka.version>`); this module reads it from there.
 */
import path from 'node:path';
import { readPom, type BrokerPom } from '../../broker/index.js';

let cached: BrokerPom | undefined;

/** Reads src/kafka/broker/pom.xml once per process. */
export function kafkaPom(): BrokerPom {
  cached ??= readPom(path.join('src', 'kafka', 'broker'), 'kafka.version');
  return cached;
}
