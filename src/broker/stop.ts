/**
 * Stopping a broker started by launch.ts, found through its pid file: SIGTERM to its process
 * group so its shutdown hooks run, SIGKILL after a grace period.
 */
import fs from 'node:fs';
import { readPid } from './files.js';
import { terminateGroup } from './process.js';
import type { BrokerProduct } from './product.js';

/** What a stop did. */
export interface StopResult {
  /** False when no broker of this data directory was running (a stale pid file is removed). */
  wasRunning: boolean;
  pid?: number;
  /** True when SIGTERM was not enough and the group was killed. */
  forced: boolean;
  /** Time from SIGTERM to the last process gone, in milliseconds. */
  ms: number;
}

/**
 * Stops the process group whose leader's pid is in `pidFile`, when `isOurs(pid)` confirms it is
 * the broker (a pid file can outlive its process and the number be reused), then removes the pid
 * file. Throws the product's `*_STOP_FAILED` if the group survives SIGKILL.
 */
export async function stopByPidFile(
  product: BrokerProduct,
  pidFile: string,
  isOurs: (pid: number) => boolean,
  graceMs: number,
): Promise<StopResult> {
  const pid = readPid(pidFile);
  if (pid === undefined || !isOurs(pid)) {
    fs.rmSync(pidFile, { force: true });
    return { wasRunning: false, forced: false, ms: 0 };
  }
  const started = performance.now();
  const { forced, gone } = await terminateGroup(pid, graceMs);
  if (!gone) throw product.fail('STOP_FAILED', `pid ${pid} still runs after SIGKILL`);
  fs.rmSync(pidFile, { force: true });
  return { wasRunning: true, pid, forced, ms: performance.now() - started };
}
