/**
 * Reading the files a broker leaves in its data directory: the pid file and the log. Each
 * product lays out its own directory; these helpers take plain paths.
 */
import fs from 'node:fs';

/** The pid in `pidFile`, or undefined when there is none or it is not a number. */
export function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
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

/** True when the whole of `file` matches `pattern`; false when it does not or is absent. */
export function fileMatches(file: string, pattern: RegExp): boolean {
  try {
    return pattern.test(fs.readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
}
