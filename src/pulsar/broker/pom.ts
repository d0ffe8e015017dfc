/**
 * The Maven file that describes the Pulsar broker, and the version it pins. pom.xml stays the
 * one place the version is written (`<pulsar.version>`); this module reads it from there.
 */
import path from 'node:path';
import { readPom, type BrokerPom } from '../../broker/index.js';

export type { BrokerPom };

let cached: BrokerPom | undefined;

/** Reads src/pulsar/broker/pom.xml once per process. */
export function brokerPom(): BrokerPom {
  cached ??= readPom(path.join('src', 'pulsar', 'broker'), 'pulsar.version');
  return cached;
}
