/**
 * The broker the integration tests talk to, as test/setup/broker.ts provided it (or the
 * environment, for code that runs outside a test file's context).
 */
import { inject } from 'vitest';

/** Where the tests' broker listens, and where its files are when the setup started it. */
export interface PulsarUrls {
  /** Base of the WebSocket API, e.g. `ws://127.0.0.1:8080`. */
  wsUrl: string;
  /** Base of the admin REST API, e.g. `http://127.0.0.1:8080`. */
  adminUrl: string;
  /** Binary protocol URL; undefined for an external broker given without PULSAR_SERVICE_URL. */
  serviceUrl: string | undefined;
  /** The data directory of a broker the setup started; undefined for an external broker. */
  dataDir: string | undefined;
}

declare module 'vitest' {
  export interface ProvidedContext {
    pulsar: PulsarUrls;
  }
}

/** The tests' broker. Throws when the broker global setup did not run. */
export function pulsarUrls(): PulsarUrls {
  let provided: PulsarUrls | undefined;
  try {
    provided = inject('pulsar');
  } catch {
    // Not inside a vitest worker: fall back to the environment the setup exported.
  }
  if (provided !== undefined) return provided;
  const { PULSAR_WS_URL, PULSAR_ADMIN_URL, PULSAR_SERVICE_URL } = process.env;
  if (!PULSAR_WS_URL || !PULSAR_ADMIN_URL) {
    throw new Error(
      'no Pulsar broker: run vitest with globalSetup test/setup/broker.ts, ' +
        'or set PULSAR_WS_URL and PULSAR_ADMIN_URL',
    );
  }
  return {
    wsUrl: PULSAR_WS_URL,
    adminUrl: PULSAR_ADMIN_URL,
    serviceUrl: PULSAR_SERVICE_URL || undefined,
    dataDir: undefined,
  };
}
