/**
 * Tooling for a real Apache Pulsar broker on this machine without Docker: jars from Maven
 * Central, a standalone broker in the background, and the admin calls tests need. Built on the
 * shared broker tooling of src/broker. See docs/operations-pulsar.md.
 */
export {
  createNamespace,
  createPartitionedTopic,
  getNamespaceRetention,
  isHealthy,
  isReady,
  partitionCount,
  setNamespaceRetention,
  topicPath,
  type Retention,
} from './admin.js';
export { brokerUrls, type BrokerPorts } from './config.js';
export { BrokerError, isBrokerError, type BrokerErrorCode } from './errors.js';
export { brokerFiles, DEFAULT_DATA_DIR, type BrokerFiles } from './files.js';
export { findJava, MIN_JAVA, type JavaRuntime } from './java.js';
export { cacheRoot, ensureJars, type BrokerJars, type EnsureJarsOptions } from './jars.js';
export { brokerPom, type BrokerPom } from './pom.js';
export { freePorts, residentBytes } from '../../broker/index.js';
export {
  brokerStatus,
  startStandalone,
  stopStandalone,
  type BrokerEndpoints,
  type BrokerStatus,
  type StandaloneBroker,
  type StartOptions,
  type StopResult,
} from './standalone.js';
