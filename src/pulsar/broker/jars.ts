/**
 * The Pulsar broker's jars in the shared jar cache (src/broker/jars.ts): fetched once from Maven
 * Central into `<cacheRoot>/pulsar-<version>/lib` and reused by every later start.
 */
import {
  ensureJars as ensureJarsOf,
  type BrokerJars,
  type EnsureJarsOptions,
} from '../../broker/index.js';
import { brokerPom } from './pom.js';
import { PULSAR } from './product.js';

export { cacheRoot } from '../../broker/index.js';
export type { BrokerJars, EnsureJarsOptions };

/**
 * Makes sure the jars of the pinned Pulsar version are in the cache, running
 * `mvn dependency:copy-dependencies` when they are not. Cost: one directory listing when cached;
 * about 245 MB in 317 jars when not (about 25 s from Maven Central with an empty ~/.m2 here).
 * Throws a BrokerError (PULSAR_JAVA_MISSING, PULSAR_MVN_MISSING, PULSAR_FETCH_FAILED).
 */
export function ensureJars(options: EnsureJarsOptions = {}): Promise<BrokerJars> {
  return ensureJarsOf({ product: PULSAR, pom: brokerPom(), size: 'about 245 MB' }, options);
}
