/**
 * Start, stop and inspect a single-node Kafka broker in KRaft mode (broker and controller in one
 * JVM, no ZooKeeper) that runs in the background from the cached jars, with all its state in one
 * folder.
 */
import fs from 'node:fs';
import {
  choosePorts,
  fileMatches,
  findJava,
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
import { bootstrapAddress, readPorts, writeConfig, type KafkaPorts } from './config.js';
import { KafkaBrokerError } from './errors.js';
import { DEFAULT_KAFKA_DATA_DIR, kafkaFiles, type KafkaFiles } from './files.js';
import { ensureKafkaJars } from './jars.js';
import { isKafkaReady } from './probe.js';
import { KAFKA } from './product.js';
import { formatStorage } from './storage.js';

export type { StopResult };

const LOG_TAIL_LINES = 40;
const POLL_MS = 250;
const PROBE_TIMEOUT_MS = 2_000;
const PORT_ATTEMPTS = 3;
const PORT_NAMES = ['broker', 'controller'] as const;

/** Options of {@link startKafkaBroker}. */
export interface KafkaStartOptions {
  /** Where config, log, pid file and topics live; default `.aisle/kafka` under the cwd. */
  dataDir?: string;
  /** Delete the topics, metadata and logs of an earlier run first (and format anew). */
  fresh?: boolean;
  /** JVM heap in MiB; default 512. */
  heapMb?: number;
  /** Fixed ports; any left out are the earlier run's (when still free) or new free ones. */
  ports?: Partial<KafkaPorts>;
  /** How long to wait for the broker to answer a metadata request; default 60 000 ms. */
  readyTimeoutMs?: number;
  /** Progress lines of the jar fetch, the format and the start. */
  onProgress?: (line: string) => void;
  /** Jar cache root; default `cacheRoot()`. */
  cacheDir?: string;
  /** Environment for the JVM, JAVA_HOME and the cache location; default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** A broker started by {@link startKafkaBroker}; it keeps running after this process exits. */
export interface KafkaBroker {
  version: string;
  /** The bootstrap address for clients, `127.0.0.1:<port>`. */
  bootstrap: string;
  pid: number;
  ports: KafkaPorts;
  dataDir: string;
  logFile: string;
  /** From spawning the broker's JVM to its first metadata answer, in milliseconds. */
  startMs: number;
  /** Resident memory of the JVM right after it became ready, in bytes, where /proc tells. */
  rssBytes: number | undefined;
  /** Stops this broker: {@link stopKafkaBroker} on its data directory. */
  stop(graceMs?: number): Promise<StopResult>;
}

/** What {@link kafkaBrokerStatus} found. */
export interface KafkaBrokerStatus {
  /** running: alive and serving; unresponsive: alive but not (yet) serving; stopped: no JVM. */
  state: 'running' | 'unresponsive' | 'stopped';
  dataDir: string;
  logFile: string;
  pid?: number;
  bootstrap?: string;
  ports?: KafkaPorts;
  rssBytes?: number;
}

// A stale pid file's number may now belong to another program, or to another Kafka broker
// (one of someone else's, started from another server.properties).
const isOurBroker =
  (files: KafkaFiles) =>
  (pid: number): boolean =>
    isProcessOf(pid, ['kafka.Kafka', files.conf]);

// Searched in the whole log: the bind error sits above the shutdown that follows it.
const bindFailed = (files: KafkaFiles): boolean => fileMatches(files.log, /Address already in use/);

function javaArgs(files: KafkaFiles, libDir: string, heapMb: number): string[] {
  return [
    `-Xmx${heapMb}m`,
    // A broker in an unknown state after an OutOfMemoryError is worse than a stopped one.
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${files.log4j}`,
    '-cp',
    `${libDir}/*`,
    'kafka.Kafka',
    // Absolute, so the command line names this data directory (see isOurBroker).
    files.conf,
  ];
}

function clean(files: KafkaFiles): void {
  for (const f of [files.logDirs, files.log, files.previousLog, files.conf, files.pid]) {
    fs.rmSync(f, { recursive: true, force: true });
  }
}

/**
 * Starts a single-node KRaft broker in the background: fetches the jars if needed, writes its
 * config into the data directory, formats the storage on first use, spawns the JVM as its own
 * process group (logging to broker.log, pid in broker.pid) and waits until the port accepts and
 * the broker answers a metadata request. With cached jars about 4 s here (plus about 2 s for the
 * first format) and about 350 MiB resident. Throws a KafkaBrokerError: KAFKA_ALREADY_RUNNING,
 * KAFKA_FORMAT_FAILED, KAFKA_START_FAILED (the JVM exited; the message ends with its log) or
 * KAFKA_START_TIMEOUT (the JVM is killed first), or one of {@link ensureKafkaJars}'s.
 */
export async function startKafkaBroker(options: KafkaStartOptions = {}): Promise<KafkaBroker> {
  const files = kafkaFiles(options.dataDir ?? DEFAULT_KAFKA_DATA_DIR);
  const say = options.onProgress ?? (() => {});
  const running = readPid(files.pid);
  if (running !== undefined && isOurBroker(files)(running)) {
    const ports = readPorts(files);
    throw new KafkaBrokerError(
      'KAFKA_ALREADY_RUNNING',
      `a Kafka broker already runs from ${files.dataDir} (pid ${running}` +
        `${ports ? `, ${bootstrapAddress(ports)}` : ''}); stop it first`,
    );
  }
  const jars = await ensureKafkaJars({
    onProgress: say,
    ...(options.cacheDir !== undefined && { cacheDir: options.cacheDir }),
    ...(options.env !== undefined && { env: options.env }),
  });
  const java = findJava(KAFKA, options.env);
  fs.mkdirSync(files.dataDir, { recursive: true });
  if (options.fresh) clean(files);
  const heapMb = options.heapMb ?? 512;
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const fixed = options.ports ?? {};
  const attempts = fixed.broker !== undefined && fixed.controller !== undefined ? 1 : PORT_ATTEMPTS;

  for (let attempt = 1; ; attempt++) {
    const ports = await choosePorts(PORT_NAMES, fixed, readPorts(files));
    // Another broker on the port would answer our readiness check in its place.
    const taken = await takenPorts(ports);
    if (taken.length > 0) {
      if (attempt < attempts) continue;
      throw new KafkaBrokerError(
        'KAFKA_START_FAILED',
        `port ${taken.join(' and ')} of 127.0.0.1 is in use (another broker? ` +
          `'aisle kafka status --data-dir <dir>' tells); choose another or leave it out`,
      );
    }
    const bootstrap = bootstrapAddress(ports);
    writeConfig(files, ports);
    const formatStarted = performance.now();
    const clusterId = await formatStorage(java, jars.libDir, files);
    if (clusterId !== undefined) {
      const s = ((performance.now() - formatStarted) / 1000).toFixed(1);
      say(`formatted ${files.logDirs} for cluster ${clusterId} in ${s} s`);
    }
    say(`starting Kafka ${jars.version} (KRaft) on ${bootstrap} (data in ${files.dataDir})`);
    const started = performance.now();
    const { pid, exited } = launchDetached(KAFKA, {
      command: java.command,
      args: javaArgs(files, jars.libDir, heapMb),
      cwd: files.dataDir,
      env: options.env ?? process.env,
      logFile: files.log,
      previousLog: files.previousLog,
      pidFile: files.pid,
    });

    const outcome = await waitReady(
      () => isKafkaReady(bootstrap, PROBE_TIMEOUT_MS),
      exited,
      readyTimeoutMs,
      POLL_MS,
    );
    if (outcome.kind === 'ready') {
      return {
        version: jars.version,
        bootstrap,
        pid,
        ports,
        dataDir: files.dataDir,
        logFile: files.log,
        startMs: performance.now() - started,
        rssBytes: residentBytes(pid),
        stop: (graceMs?: number) => stopKafkaBroker(files.dataDir, graceMs),
      };
    }
    if (outcome.kind === 'timeout') await terminateGroup(pid, 10_000);
    fs.rmSync(files.pid, { force: true });
    if (outcome.kind === 'exited' && attempt < attempts && bindFailed(files)) {
      say('a port was taken before the broker bound it; retrying with other ports');
      continue;
    }
    const what =
      outcome.kind === 'timeout'
        ? `did not answer within ${(readyTimeoutMs / 1000).toFixed(0)} s (killed it)`
        : `exited with code ${outcome.code} before it was ready`;
    throw new KafkaBrokerError(
      outcome.kind === 'timeout' ? 'KAFKA_START_TIMEOUT' : 'KAFKA_START_FAILED',
      `Kafka broker (pid ${pid}) ${what}. Last lines of ${files.log}:\n` +
        tailFile(files.log, LOG_TAIL_LINES),
    );
  }
}

/**
 * Stops the broker of `dataDir`: SIGTERM to its process group (Kafka then flushes and closes its
 * logs), SIGKILL after `graceMs` (default 30 000 ms), then removes the pid file. Resolves with
 * wasRunning false when none ran. Throws KAFKA_STOP_FAILED if the processes survive SIGKILL.
 */
export function stopKafkaBroker(
  dataDir: string = DEFAULT_KAFKA_DATA_DIR,
  graceMs = 30_000,
): Promise<StopResult> {
  const files = kafkaFiles(dataDir);
  return stopByPidFile(KAFKA, files.pid, isOurBroker(files), graceMs);
}

/** Whether the broker of `dataDir` runs (its JVM is alive) and serves (it answers metadata). */
export async function kafkaBrokerStatus(
  dataDir: string = DEFAULT_KAFKA_DATA_DIR,
): Promise<KafkaBrokerStatus> {
  const files = kafkaFiles(dataDir);
  const base = { dataDir: files.dataDir, logFile: files.log };
  const pid = readPid(files.pid);
  if (pid === undefined || !isOurBroker(files)(pid)) return { state: 'stopped', ...base };
  const ports = readPorts(files);
  const bootstrap = ports === undefined ? undefined : bootstrapAddress(ports);
  const ready = bootstrap !== undefined && (await isKafkaReady(bootstrap, PROBE_TIMEOUT_MS));
  const rssBytes = residentBytes(pid);
  return {
    state: ready ? 'running' : 'unresponsive',
    ...base,
    pid,
    ...(bootstrap !== undefined && { bootstrap, ports }),
    ...(rssBytes !== undefined && { rssBytes }),
  };
}
