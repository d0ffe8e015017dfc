/**
 * Vitest global setup: one real Pulsar broker for the whole run. With PULSAR_WS_URL and
 * PULSAR_ADMIN_URL set, that broker is used (and must answer); otherwise a fresh standalone
 * broker starts in a temporary directory on free ports, from jars fetched on first use.
 * The URLs reach the tests through `inject('pulsar')` (see test/support/pulsar.ts) and the
 * PULSAR_* environment variables. Nothing is skipped: a broker that cannot start fails the run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { isReady, startStandalone, type StandaloneBroker } from '../../src/pulsar/broker/index.js';
import type { PulsarUrls } from '../support/pulsar.js';

const log = (line: string): void => console.log(`[pulsar] ${line}`);

async function external(project: TestProject, env: NodeJS.ProcessEnv): Promise<() => void> {
  const urls: PulsarUrls = {
    wsUrl: env.PULSAR_WS_URL!,
    adminUrl: env.PULSAR_ADMIN_URL!,
    serviceUrl: env.PULSAR_SERVICE_URL || undefined,
    dataDir: undefined,
  };
  if (!(await isReady(urls.adminUrl))) {
    throw new Error(
      `PULSAR_ADMIN_URL=${urls.adminUrl} does not serve /admin/v2/namespaces/public/default: ` +
        'start that broker, or unset PULSAR_WS_URL and PULSAR_ADMIN_URL to let the tests start one',
    );
  }
  log(`using the broker at ${urls.adminUrl} (PULSAR_ADMIN_URL)`);
  project.provide('pulsar', urls);
  return () => {};
}

/** Starts (or checks) the broker; the returned function stops it and removes its files. */
export default async function setup(project: TestProject): Promise<() => Promise<void> | void> {
  const env = process.env;
  if (env.PULSAR_WS_URL || env.PULSAR_ADMIN_URL) {
    if (!env.PULSAR_WS_URL || !env.PULSAR_ADMIN_URL) {
      throw new Error('set both PULSAR_WS_URL and PULSAR_ADMIN_URL, or neither');
    }
    return external(project, env);
  }

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aisle-pulsar-'));
  let broker: StandaloneBroker;
  try {
    broker = await startStandalone({ dataDir, fresh: true, onProgress: log });
  } catch (err) {
    // The data directory stays for a post-mortem; the error names its log.
    const reason = err instanceof Error ? err.message : String(err);
    const message = `the tests' Pulsar broker did not start (files kept in ${dataDir}): ${reason}`;
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
  log(`ready in ${(broker.startMs / 1000).toFixed(1)} s, pid ${broker.pid}, ${mb} MiB resident`);

  const urls: PulsarUrls = {
    wsUrl: broker.wsUrl,
    adminUrl: broker.adminUrl,
    serviceUrl: broker.serviceUrl,
    dataDir,
  };
  project.provide('pulsar', urls);
  // Forked test workers inherit the environment too, for code that reads it directly.
  env.PULSAR_WS_URL = urls.wsUrl;
  env.PULSAR_ADMIN_URL = urls.adminUrl;
  env.PULSAR_SERVICE_URL = urls.serviceUrl;

  return async () => {
    process.removeListener('exit', killOnExit);
    delete env.PULSAR_WS_URL;
    delete env.PULSAR_ADMIN_URL;
    delete env.PULSAR_SERVICE_URL;
    await broker.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
}
