/**
 * The Kafka broker's jars in the shared jar cache (src/broker/jars.ts): fetched once from Maven
 * Central into `<cacheRoot>/kafka-<version>/lib` and reused by every later start.
 */
import { ensureJars, type BrokerJars, type EnsureJarsOptions } from '../../broker/index.js';
import { kafkaPom } from './pom.js';
import { KAFKA } from './product.js';

/**
 * Makes sure the jars of the pinned Kafka version are in the cache, running
 * `mvn dependency:copy-dependencies` when they are not. Cost: one directory listing when cached;
 * about 43 MB in 46 jars when not (about 7 s with a warm ~/.m2 here). Throws a KafkaBrokerError
 * (KAFKA_JAVA_MISSING, KAFKA_MVN_MISSING, KAFKA_FETCH_FAILED).
 */
export function ensureKafkaJars(options: EnsureJarsOptions = {}): Promise<BrokerJars> {
  return ensureJars({ product: KAFKA, pom: kafkaPom(), size: 'about 43 MB' }, options);
}
