/**
 * What running a real broker from Maven Central jars takes, whichever the broker: Java, a jar
 * cache filled by Maven, loopback ports, a detached JVM with a pid file, and its stop. Pulsar
 * (src/pulsar/broker) and Kafka (src/kafka/broker) each describe themselves as a
 * {@link BrokerProduct} and add their own config, start command and readiness check.
 */
export { fileMatches, readPid, tailFile } from './files.js';
export {
  cacheRoot,
  ensureJars,
  type BrokerJars,
  type EnsureJarsOptions,
  type JarSource,
} from './jars.js';
export { findJava, javaMajor, type JavaRuntime } from './java.js';
export {
  launchDetached,
  waitReady,
  type Launched,
  type LaunchSpec,
  type Readiness,
} from './launch.js';
export { withLock } from './lock.js';
export { downloadedBytes, runMaven, type MavenRun } from './maven.js';
export { readPom, type BrokerPom } from './pom.js';
export { choosePorts, freePorts, isPortFree, portAccepts, takenPorts } from './ports.js';
export {
  isAlive,
  isGroupAlive,
  isProcessOf,
  residentBytes,
  terminateGroup,
  waitFor,
  type Termination,
} from './process.js';
export type { BrokerProduct, CommonFailure } from './product.js';
export { stopByPidFile, type StopResult } from './stop.js';
