/**
 * The Kafka broker the integration tests talk to, as test/setup/kafka.ts provided it (or the
 * environment, for code that runs outside a test file's context).
 */
import { inject } from 'vitest';

/** Where the tests' Kafka broker listens, and where its files are when the setup started it. */
export interface KafkaTarget {
  /** Bootstrap address(es), `host:port[,host:port]`, e.g. `127.0.0.1:40583`. */
  bootstrap: string;
  /** The data directory of a broker the setup started; absent for an external broker. */
  dataDir?: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    kafka: KafkaTarget;
  }
}

/** The tests' Kafka bootstrap address. Throws when the Kafka global setup did not run. */
export function kafkaBootstrap(): string {
  let provided: KafkaTarget | undefined;
  try {
    provided = inject('kafka');
  } catch {
    // Not inside a vitest worker: fall back to the environment the setup exported.
  }
  if (provided !== undefined) return provided.bootstrap;
  const bootstrap = process.env.KAFKA_BOOTSTRAP;
  if (!bootstrap) {
    throw new Error(
      'no Kafka broker: run vitest with globalSetup test/setup/kafka.ts, or set KAFKA_BOOTSTRAP',
    );
  }
  return bootstrap;
}
