/**
 * Start, stop and inspect a standalone Pulsar broker (broker, one bookie and RocksDB metadata in
 * one JVM) that runs in the background from the cached jars, with all its state in one folder.
 */
import fs from 'node:fs';
import {
  choosePorts,
  fileMatches,
  isProcessOf,
  launchDetached,
  readPid,
  residentBytes,
  stopByPidFile,
  tailFile,
  takenPorts,
  terminateGroup,
  waitReady,
  type StopResult,
} from '../../broker/index.js';
import { isReady } from './admin.js';
import { brokerUrls, readPorts, writeConfig, type BrokerPorts } from './config.js';
import { BrokerError } from './errors.js';
import { brokerFiles, DEFAULT_DATA_DIR, type BrokerFiles } from './files.js';
import { findJava } from './java.js';
import { ensureJars } from './jars.js';
import { PULSAR } from './product.js';

export type { StopResult };

const LOG_TAIL_LINES = 40;
const POLL_MS = 250;
const PORT_ATTEMPTS = 3;

/** Options of {@link startStandalone}. */
export interface StartOptions {
  /** Where config, log, pid file and data live; default `.aisle/pulsar` under the cwd. */
  dataDir?: string;
  /** Delete the topics, metadata and logs of an earlier run first. */
  fresh?: boolean;
  /** JVM heap in MiB (and direct memory, at least 256); default 512. */
  heapMb?: number;
  /** Fixed ports; any left out are the earlier run's (when still free) or new free ones. */
  ports?: Partial<BrokerPorts>;
  /** How long to wait for the admin API to serve `public/default`; default 120 000 ms. */
  readyTimeoutMs?: number;
  /** Progress lines of the jar fetch and the start. */
  onProgress?: (line: string) => void;
  /** Jar cache root; default `cacheRoot()`. */
  cacheDir?: string;
  /** Environment for the JVM, JAVA_HOME and the cache location; default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** URLs of a broker on 127.0.0.1. */
export interface BrokerEndpoints {
  /** Base of the WebSocket API, e.g. `ws://127.0.0.1:8080` (paths start with /ws/v2/). */
  wsUrl: string;
  /** Base of the admin REST API, e.g. `http://127.0.0.1:8080`. */
  adminUrl: string;
  /** Binary protocol, e.g. `pulsar://127.0.0.1:6650`. */
  serviceUrl: string;
}

/** A broker started by {@link startStandalone}; it keeps running after this process exits. */
export interface StandaloneBroker extends BrokerEndpoints {
  version: string;
  pid: number;
  ports: BrokerPorts;
  dataDir: string;
  logFile: string;
  /** From spawning the JVM to the admin API serving `public/default`, in milliseconds. */
  startMs: number;
  /** Resident memory of the JVM right after it became ready, in bytes, where /proc tells. */
  rssBytes: number | undefined;
  /** Stops this broker: {@link stopStandalone} on its data directory. */
  stop(graceMs?: number): Promise<StopResult>;
}

/** What {@link brokerStatus} found. */
export interface BrokerStatus extends Partial<BrokerEndpoints> {
  /** running: alive and serving; unresponsive: alive but not (yet) serving; stopped: no JVM. */
  state: 'running' | 'unresponsive' | 'stopped';
  dataDir: string;
  logFile: string;
  pid?: number;
  rssBytes?: number;
}

const PORT_NAMES = ['web', 'broker'] as const;

// A stale pid file's number may now belong to another program, or to another broker.
const isOurBroker =
  (files: BrokerFiles) =>
  (pid: number): boolean =>
    isProcessOf(pid, ['PulsarStandaloneStarter', files.conf]);

// Searched in the whole log: the BindException sits above the shutdown that follows it.
const bindFailed = (files: BrokerFiles): boolean =>
  fileMatches(files.log, /BindException: Address already in use/);

function javaArgs(files: BrokerFiles, libDir: string, heapMb: number): string[] {
  const direct = Math.max(heapMb, 256);
  return [
    `-Xms${Math.min(heapMb, 256)}m`,
    `-Xmx${heapMb}m`,
    `-XX:MaxDirectMemorySize=${direct}m`,
    // A broker in an unknown state after an OutOfMemoryError is worse than a stopped one.
    '-XX:+ExitOnOutOfMemoryError',
    // The flags of Pulsar's own bin/pulsar launcher, which its netty and bookie code rely on.
    '-Dio.netty.tryReflectionSetAccessible=true',
    '-Djava.net.preferIPv4Stack=true',
    '--add-opens',
    'java.base/java.io=ALL-UNNAMED',
    '--add-opens',
    'java.base/java.util.zip=ALL-UNNAMED',
    '--add-opens',
    'java.base/java.nio=ALL-UNNAMED',
    '--add-opens',
    'java.base/jdk.internal.misc=ALL-UNNAMED',
    '--add-opens',
    'java.base/sun.net=ALL-UNNAMED',
    '--add-opens',
    'java.management/sun.management=ALL-UNNAMED',
    `-Dlog4j2.configurationFile=${files.log4j}`,
    '-cp',
    `${libDir}/*`,
    'org.apache.pulsar.PulsarStandaloneStarter',
    '-c',
    files.conf,
    '--no-functions-worker',
    '--no-stream-storage',
    '--metadata-dir',
    'data/metadata',
    // The bookie picks a free port itself (and keeps it across restarts through its cookie).
    '--bookkeeper-dir',
    'data/bookkeeper',
  ];
}

function clean(files: BrokerFiles): void {
  for (const f of [files.data, files.log, files.previousLog, files.conf, files.pid]) {
    fs.rmSync(f, { recursive: true, force: true });
  }
}

/**
 * Starts a standalone broker in the background: fetches the jars if needed, writes its config
 * into the data directory, spawns the JVM as its own process group (logging to broker.log,
 * pid in broker.pid) and waits until the admin API serves `public/default`. With cached jars
 * about 9 to 20 s here (CPU-bound: longer on a loaded machine) and about 400 MiB resident. Throws a BrokerError: PULSAR_ALREADY_RUNNING,
 * PULSAR_START_FAILED (the JVM exited; the message ends with its log) or PULSAR_START_TIMEOUT
 * (the JVM is killed first), or one of {@link ensureJars}'s.
 */
export async function startStandalone(options: StartOptions = {}): Promise<StandaloneBroker> {
  const files = brokerFiles(options.dataDir ?? DEFAULT_DATA_DIR);
  const say = options.onProgress ?? (() => {});
  const running = readPid(files.pid);
  if (running !== undefined && isOurBroker(files)(running)) {
    const ports = readPorts(files);
    throw new BrokerError(
      'PULSAR_ALREADY_RUNNING',
      `a broker already runs from ${files.dataDir} (pid ${running}` +
        `${ports ? `, ${brokerUrls(ports).adminUrl}` : ''}); stop it first`,
    );
  }
  const jars = await ensureJars({
    onProgress: say,
    ...(options.cacheDir !== undefined && { cacheDir: options.cacheDir }),
    ...(options.env !== undefined && { env: options.env }),
  });
  const java = findJava(options.env);
  fs.mkdirSync(files.dataDir, { recursive: true });
  if (options.fresh) clean(files);
  fs.mkdirSync(files.data, { recursive: true });
  const heapMb = options.heapMb ?? 512;
  const fixed = options.ports ?? {};
  const attempts = fixed.web !== undefined && fixed.broker !== undefined ? 1 : PORT_ATTEMPTS;
  // The starter switches to ZooKeeper metadata when this is set; we want RocksDB.
  const env = { ...(options.env ?? process.env) };
  delete env.PULSAR_STANDALONE_USE_ZOOKEEPER;

  for (let attempt = 1; ; attempt++) {
    const ports = await choosePorts(PORT_NAMES, fixed, readPorts(files));
    // Another broker on the web port would answer our readiness check in its place.
    const taken = await takenPorts(ports);
    if (taken.length > 0) {
      if (attempt < attempts) continue;
      throw new BrokerError(
        'PULSAR_START_FAILED',
        `port ${taken.join(' and ')} of 127.0.0.1 is in use (another broker? ` +
          `'aisle pulsar status --data-dir <dir>' tells); choose another or leave it out`,
      );
    }
    const urls = brokerUrls(ports);
    writeConfig(files, ports);
    say(
      `starting Pulsar ${jars.version} standalone on ${urls.adminUrl} (data in ${files.dataDir})`,
    );
    const started = performance.now();
    const { pid, exited } = launchDetached(PULSAR, {
      command: java.command,
      args: javaArgs(files, jars.libDir, heapMb),
      cwd: files.dataDir,
      env,
      logFile: files.log,
      previousLog: files.previousLog,
      pidFile: files.pid,
    });

    const outcome = await waitReady(
      () => isReady(urls.adminUrl),
      exited,
      options.readyTimeoutMs ?? 120_000,
      POLL_MS,
    );
    if (outcome.kind === 'ready') {
      const startMs = performance.now() - started;
      return {
        version: jars.version,
        ...urls,
        pid,
        ports,
        dataDir: files.dataDir,
        logFile: files.log,
        startMs,
        rssBytes: residentBytes(pid),
        stop: (graceMs?: number) => stopStandalone(files.dataDir, graceMs),
      };
    }
    if (outcome.kind === 'timeout') await terminateGroup(pid, 10_000);
    fs.rmSync(files.pid, { force: true });
    const tail = tailFile(files.log, LOG_TAIL_LINES);
    if (outcome.kind === 'exited' && attempt < attempts && bindFailed(files)) {
      say(`a port was taken before the broker bound it; retrying with other ports`);
      continue;
    }
    const what =
      outcome.kind === 'timeout'
        ? `did not become ready within ${((options.readyTimeoutMs ?? 120_000) / 1000).toFixed(0)} s (killed it)`
        : `exited with code ${outcome.code} before it was ready`;
    throw new BrokerError(
      outcome.kind === 'timeout' ? 'PULSAR_START_TIMEOUT' : 'PULSAR_START_FAILED',
      `Pulsar standalone (pid ${pid}) ${what}. Last lines of ${files.log}:\n${tail}`,
    );
  }
}

/**
 * Stops the broker of `dataDir`: SIGTERM to its process group, SIGKILL after `graceMs`
 * (default 30 000 ms), then removes the pid file. Resolves with wasRunning false when none ran.
 * Throws PULSAR_STOP_FAILED if the processes survive SIGKILL.
 */
export async function stopStandalone(
  dataDir: string = DEFAULT_DATA_DIR,
  graceMs = 30_000,
): Promise<StopResult> {
  const files = brokerFiles(dataDir);
  return stopByPidFile(PULSAR, files.pid, isOurBroker(files), graceMs);
}

/** Whether the broker of `dataDir` runs (its JVM is alive) and serves (its admin API answers). */
export async function brokerStatus(dataDir: string = DEFAULT_DATA_DIR): Promise<BrokerStatus> {
  const files = brokerFiles(dataDir);
  const base = { dataDir: files.dataDir, logFile: files.log };
  const pid = readPid(files.pid);
  if (pid === undefined || !isOurBroker(files)(pid)) {
    return { state: 'stopped', ...base };
  }
  const ports = readPorts(files);
  const urls = ports === undefined ? undefined : brokerUrls(ports);
  const ready = urls !== undefined && (await isReady(urls.adminUrl));
  const rssBytes = residentBytes(pid);
  return {
    state: ready ? 'running' : 'unresponsive',
    ...base,
    ...urls,
    pid,
    ...(rssBytes !== undefined && { rssBytes }),
  };
}
