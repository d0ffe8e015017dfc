/**
 * One process per data directory: two servers appending to the same segments would interleave
 * records and delete each other's files. The lock is a file holding the owner's pid; a lock left
 * by a process that no longer runs (kill -9, power loss) is taken over.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { logError } from './errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DirLock {
  release(): void;
}

export function lockDataDir(dir: string): DirLock {
  const path = join(dir, 'lock');
  let held: number | undefined;
  try {
    held = Number(readFileSync(path, 'utf8').trim());
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (
    held !== undefined &&
    Number.isSafeInteger(held) &&
    held > 0 &&
    held !== process.pid &&
    alive(held)
  ) {
    throw logError('locked', `${dir} is in use by process ${held}`);
  }
  writeFileSync(path, `${process.pid}\n`);
  return {
    release() {
      try {
        if (Number(readFileSync(path, 'utf8').trim()) === process.pid) unlinkSync(path);
      } catch {
        // Already gone; the next start takes over a stale lock anyway.
      }
    },
  };
}
