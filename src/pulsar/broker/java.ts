/** The Java runtime the Pulsar broker and Maven run on (Pulsar 4.0 is built for Java 17). */
import { findJava as findJavaFor, type JavaRuntime } from '../../broker/index.js';
import { PULSAR } from './product.js';

export { MIN_JAVA } from './product.js';
export type { JavaRuntime };

/** Finds Java and checks its version; throws PULSAR_JAVA_MISSING when there is none fit. */
export function findJava(env: NodeJS.ProcessEnv = process.env): JavaRuntime {
  return findJavaFor(PULSAR, env);
}
