/** Pulsar as the shared broker tooling (src/broker) sees it: its name, cache folder and errors. */
import type { BrokerProduct } from '../../broker/index.js';
import { BrokerError } from './errors.js';

/** The oldest Java feature release Pulsar 4.0 runs on. */
export const MIN_JAVA = 17;

/** Pulsar: jars under `<cacheRoot>/pulsar-<version>`, failures as `PULSAR_*` BrokerErrors. */
export const PULSAR: BrokerProduct = {
  name: 'Pulsar',
  id: 'pulsar',
  minJava: MIN_JAVA,
  fail: (failure, message) => new BrokerError(`PULSAR_${failure}`, message),
};
