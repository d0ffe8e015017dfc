/** Failures of the shared broker tooling carry each product's own error class and code prefix. */
import { describe, expect, it } from 'vitest';
import { isCodedError } from '../../../engine/errors.js';
import type { CommonFailure } from '../../../src/broker/index.js';
import { isKafkaBrokerError, KAFKA } from '../../../src/kafka/broker/index.js';
import { isBrokerError } from '../../../src/pulsar/broker/index.js';
import { PULSAR } from '../../../src/pulsar/broker/product.js';

const failures: CommonFailure[] = [
  'JAVA_MISSING',
  'MVN_MISSING',
  'FETCH_FAILED',
  'START_FAILED',
  'STOP_FAILED',
];

describe.each(failures)('%s', (failure) => {
  it('is a KAFKA_ error of the Kafka tooling', () => {
    const err = KAFKA.fail(failure, 'why');
    expect(err.code).toBe(`KAFKA_${failure}`);
    expect(err.message).toBe('why');
    expect(isKafkaBrokerError(err)).toBe(true);
    expect(isBrokerError(err)).toBe(false);
    expect(isCodedError(err)).toBe(true);
  });

  it('is a PULSAR_ error of the Pulsar tooling', () => {
    const err = PULSAR.fail(failure, 'why');
    expect(err.code).toBe(`PULSAR_${failure}`);
    expect(isBrokerError(err)).toBe(true);
    expect(isKafkaBrokerError(err)).toBe(false);
  });
});
