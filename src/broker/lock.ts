/**
 * A lock file between processes on one machine: two test runs (or a test run and
 * `aisle pulsar fetch`) that find a jar cache empty at once must not copy into it together.
 */
import fs from 'node:fs';
import { isAlive } from './process.js';

const POLL_MS = 500;

function owner(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs `fn` while holding `file` (created exclusively, holding our pid). While another live
 * process holds it, `onWait` is told once and we poll; a lock whose holder died is taken over.
 */
export async function withLock<T>(
  file: string,
  onWait: (holder: number) => void,
  fn: () => Promise<T>,
): Promise<T> {
  let told = false;
  for (;;) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = owner(file);
    // No pid yet means the holder is between creating and writing the file: give it a moment.
    if (holder !== undefined && !isAlive(holder)) {
      fs.rmSync(file, { force: true });
      continue;
    }
    if (!told && holder !== undefined) {
      onWait(holder);
      told = true;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(file, { force: true });
  }
}
