/**
 * Vitest global setup: one real Kafka broker (single node, KRaft) for the whole run. With
 * KAFKA_BOOTSTRAP set, that broker is used (and must answer); otherwise a fresh broker starts in
 * a temporary directory on free ports, from jars fetched on first use. The address reaches the
 * tests through `inject('kafka')` (see test/support/kafka.ts) and KAFKA_BOOTSTRAP. Nothing is
 * skipped: a broker that cannot start, or does not answer, fails the run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { isKafkaReady, startKafkaBroker, type KafkaBroker } from '../../src/kafka/broker/index.js';
import type { KafkaTarget } from '../support/kafka.js';

const log = (line: string): void => console.log(`[kafka] ${line}`);

async function external(project: TestProject, bootstrap: string): Promise<() => void> {
  if (!(await isKafkaReady(bootstrap, 10_000))) {
    throw new Error(
      `KAFKA_BOOTSTRAP=${bootstrap} does not answer a metadata request: start that broker ` +
        `('aisle kafka start'), or unset KAFKA_BOOTSTRAP to let the tests start one`,
    );
  }
  log(`using the broker at ${bootstrap} (KAFKA_BOOTSTRAP)`);
  project.provide('kafka', { bootstrap } satisfies KafkaTarget);
  return () => {};
}

/** Starts (or checks) the broker; the returned function stops it and removes its files. */
export default async function setup(project: TestProject): Promise<() => Promise<void> | void> {
  const env = process.env;
  if (env.KAFKA_BOOTSTRAP) return external(project, env.KAFKA_BOOTSTRAP);

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aisle-kafka-'));
  let broker: KafkaBroker;
  try {
    broker = await startKafkaBroker({ dataDir, fresh: true, onProgress: log });
  } catch (err) {
    // The data directory stays for a post-mortem; the error names its log.
    const reason = err instanceof Error ? err.message : String(err);
    const message = `the tests' Kafka broker did not start (files kept in ${dataDir}): ${reason}`;
    throw new Error(message, { cause: err });
  }
  // If vitest dies without running the teardown, the broker must not outlive it.
  const killOnExit = (): void => {
    try {
      process.kill(-broker.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  process.once('exit', killOnExit);
  const mb = broker.rssBytes === undefined ? '?' : (broker.rssBytes / 2 ** 20).toFixed(0);
  log(
    `${broker.bootstrap} ready in ${(broker.startMs / 1000).toFixed(1)} s, ` +
      `pid ${broker.pid}, ${mb} MiB resident`,
  );

  project.provide('kafka', { bootstrap: broker.bootstrap, dataDir } satisfies KafkaTarget);
  // Forked test workers inherit the environment too, for code that reads it directly.
  env.KAFKA_BOOTSTRAP = broker.bootstrap;

  return async () => {
    process.removeListener('exit', killOnExit);
    delete env.KAFKA_BOOTSTRAP;
    await broker.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
}
