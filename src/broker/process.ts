/**
 * A broker's JVM as an operating-system process: liveness, identity, memory and termination.
 * The JVM is started as the leader of its own process group, so the group id equals its pid and
 * signals go to the whole group.
 */
import fs from 'node:fs';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function signal(target: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(target, sig);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else, which still means alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// A child that exited but was not reaped yet still answers kill(pid, 0); it is dead all the same.
function isZombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** True when a process with this pid exists and has not exited. */
export function isAlive(pid: number): boolean {
  return signal(pid, 0) && !isZombie(pid);
}

/**
 * True when `pid` is alive and its command line holds every one of `marks` (a main class, the
 * path of its config file). Guards against a stale pid file whose number now belongs to another
 * program, or to another broker of the same kind; where /proc is missing, liveness has to do.
 */
export function isProcessOf(pid: number, marks: readonly string[]): boolean {
  if (!isAlive(pid)) return false;
  try {
    // Arguments are NUL-separated; a mark never spans two of them.
    const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return marks.every((mark) => args.some((arg) => arg.includes(mark)));
  } catch {
    return !fs.existsSync('/proc/self');
  }
}

/**
 * True while any process of the group `pgid` is alive. A zombie leader counts as gone: a broker's
 * JVM starts no children, so once its leader has exited nothing of the broker runs.
 */
export function isGroupAlive(pgid: number): boolean {
  return signal(-pgid, 0) && !isZombie(pgid);
}

/** Resident memory of `pid` in bytes (VmRSS from /proc), or undefined where unknown. */
export function residentBytes(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? undefined : Number(m[1]) * 1024;
  } catch {
    return undefined;
  }
}

/** Polls `done` every 100 ms until it is true or `timeoutMs` passes; returns whether it was. */
export async function waitFor(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (done()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
}

/** How a process group ended. */
export interface Termination {
  /** True when SIGTERM was not enough within the grace period and SIGKILL was sent. */
  forced: boolean;
  /** True when the group is gone. */
  gone: boolean;
}

/**
 * SIGTERM to the group, which lets the broker's shutdown hooks close its logs and metadata
 * store cleanly; SIGKILL to the group if it is still there after `graceMs`.
 */
export async function terminateGroup(pgid: number, graceMs: number): Promise<Termination> {
  signal(-pgid, 'SIGTERM');
  let forced = false;
  if (!(await waitFor(() => !isGroupAlive(pgid), graceMs))) {
    forced = true;
    signal(-pgid, 'SIGKILL');
    if (!(await waitFor(() => !isGroupAlive(pgid), 10_000))) return { forced, gone: false };
  }
  // When the JVM is our own child, Node reaps it on a later turn of the event loop; wait for
  // that briefly so that callers see no trace of it. Another parent's zombie is not ours to wait on.
  await waitFor(() => !signal(-pgid, 0), 1_000);
  return { forced, gone: true };
}
