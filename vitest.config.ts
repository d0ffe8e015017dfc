import { defineConfig } from 'vitest/config';

// In CI a JSON report is written too, so .ci/run can print a one-line summary of the counts.
const ci = process.env.CI === 'true';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    reporters: ci ? ['default', 'json'] : ['default'],
    ...(ci && { outputFile: { json: '.ci/results/vitest.json' } }),
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      // The dashboard in Debian's Chromium against the built CLI (test/browser/support.ts).
      { extends: true, test: { name: 'browser', include: ['test/browser/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // One real Pulsar broker for the run (or the one PULSAR_WS_URL/PULSAR_ADMIN_URL name),
          // and one real Kafka broker (or the one KAFKA_BOOTSTRAP names).
          globalSetup: ['test/setup/broker.ts', 'test/setup/kafka.ts'],
        },
      },
    ],
  },
});
