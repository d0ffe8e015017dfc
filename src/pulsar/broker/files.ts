/**
 * The layout of a broker's data directory. The broker runs with this directory as its working
 * directory, so everything it writes stays inside, and a fresh start is one folder to delete.
 */
import fs from 'node:fs';
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

/** The pid in the pid file, or undefined when there is none or it is not a number. */
export function readPid(files: BrokerFiles): number | undefined {
  try {
    const pid = Number(fs.readFileSync(files.pid, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The last `lines` lines of a text file (reads at most its last 64 KiB), '' when absent. */
export function tailFile(file: string, lines: number): string {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = fs.fstatSync(fd).size;
    const length = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(length);
    fs.readSync(fd, buf, 0, length, size - length);
    return buf
      .toString('utf8')
      .split('\n')
      .slice(-lines - 1)
      .join('\n')
      .trimEnd();
  } finally {
    fs.closeSync(fd);
  }
}
