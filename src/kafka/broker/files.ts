/**
 * The layout of a Kafka broker's data directory. The broker runs with this directory as its
 * working directory, so everything it writes stays inside, and a fresh start is one folder to
 * delete. Kafka calls its data "logs": `logs/` holds the topics and the KRaft metadata log, while
 * `broker.log` is the log a person reads.
 */
import path from 'node:path';

/** Default data directory of the CLI, relative to the current directory (git-ignored). */
export const DEFAULT_KAFKA_DATA_DIR = path.join('.aisle', 'kafka');

/** Absolute paths of everything a Kafka broker keeps in its data directory. */
export interface KafkaFiles {
  dataDir: string;
  /** server.properties: the broker's config, also the record of the ports in use. */
  conf: string;
  /** log4j2.properties: what the broker logs, and where. */
  log4j: string;
  /** stdout and stderr of the JVM: the broker's warnings plus anything the JVM prints. */
  log: string;
  /** The previous start's log, kept across one restart. */
  previousLog: string;
  /** The pid of the running JVM, which is also its process group id. */
  pid: string;
  /** `log.dirs`: the topics' partitions and the KRaft metadata log. */
  logDirs: string;
  /** Written by `StorageTool format`; its presence means the storage is formatted. */
  meta: string;
}

/** The files of the broker whose data directory is `dataDir` (resolved against the cwd). */
export function kafkaFiles(dataDir: string): KafkaFiles {
  const dir = path.resolve(dataDir);
  const logDirs = path.join(dir, 'logs');
  return {
    dataDir: dir,
    conf: path.join(dir, 'server.properties'),
    log4j: path.join(dir, 'log4j2.properties'),
    log: path.join(dir, 'broker.log'),
    previousLog: path.join(dir, 'broker.log.1'),
    pid: path.join(dir, 'broker.pid'),
    logDirs,
    meta: path.join(logDirs, 'meta.properties'),
  };
}
