/**
 * The layout of a broker's data directory. The broker runs with this directory as its working
 * directory, so everything it writes stays inside, and a fresh start is one folder to delete.
 */
import path from 'node:path';

/** Default data directory of the CLI, relative to the current directory (git-ignored). */
export const DEFAULT_DATA_DIR = path.join('.aisle', 'pulsar');

/** Absolute paths of everything a standalone broker keeps in its data directory. */
export interface BrokerFiles {
  dataDir: string;
  /** The broker (and bookie) configuration, also the record of the ports in use. */
  conf: string;
  log4j: string;
  /** stdout and stderr of the JVM: the broker log plus anything the JVM itself prints. */
  log: string;
  /** The previous start's log, kept across one restart. */
  previousLog: string;
  /** The pid of the running JVM, which is also its process group id. */
  pid: string;
  /** Metadata (RocksDB) and bookie ledgers: the topics' contents. */
  data: string;
}

/** The files of the broker whose data directory is `dataDir` (resolved against the cwd). */
export function brokerFiles(dataDir: string): BrokerFiles {
  const dir = path.resolve(dataDir);
  return {
    dataDir: dir,
    conf: path.join(dir, 'standalone.conf'),
    log4j: path.join(dir, 'log4j2.xml'),
    log: path.join(dir, 'broker.log'),
    previousLog: path.join(dir, 'broker.log.1'),
    pid: path.join(dir, 'broker.pid'),
    data: path.join(dir, 'data'),
  };
}
