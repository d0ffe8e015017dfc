/**
 * What the shared broker tooling needs to know about one product (Pulsar, Kafka): its name for
 * people, the folder of its jar cache, the Java it needs, and how it reports a failure. Each
 * product keeps its own error class and code prefix (`PULSAR_*`, `KAFKA_*`), so a caller
 * switches on the same codes whichever part of the tooling failed.
 */
import type { CodedError } from '../../engine/errors.js';

/** Failures the shared tooling reports; a product's code is its prefix plus one of these. */
export type CommonFailure =
  'JAVA_MISSING' | 'MVN_MISSING' | 'FETCH_FAILED' | 'START_FAILED' | 'STOP_FAILED';

/** One broker product, as the shared tooling sees it. */
export interface BrokerProduct {
  /** For messages: `Pulsar`, `Kafka`. */
  name: string;
  /** Prefix of its cache folder: jars go to `<cacheRoot>/<id>-<version>/lib`. */
  id: string;
  /** The oldest Java feature release its broker runs on. */
  minJava: number;
  /** The product's own error for a failure of the shared tooling. */
  fail(failure: CommonFailure, message: string): CodedError;
}
