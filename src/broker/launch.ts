/**
 * Starting a broker's JVM in the background and waiting until it serves. The JVM leads its own
 * process group, detached from ours, so it outlives the command that started it and a stop
 * signals everything it runs; its stdout and stderr go to a log file in its data directory.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { BrokerProduct } from './product.js';

/** How to run the JVM, and where its pid and output go. */
export interface LaunchSpec {
  command: string;
  args: string[];
  /** The data directory: whatever the broker writes by relative path stays inside. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Receives the JVM's stdout and stderr (appended). */
  logFile: string;
  /** Where an existing `logFile` is moved first, so one earlier start's log survives. */
  previousLog: string;
  /** Receives the JVM's pid, which is also its process group id. */
  pidFile: string;
}

/** A JVM that was spawned; it is not ready yet. */
export interface Launched {
  pid: number;
  /** Resolves with the exit code (null after a signal or a failed spawn) when the JVM ends. */
  exited: Promise<number | null>;
}

/** Spawns the JVM of `spec`; throws the product's `*_START_FAILED` when it cannot. */
export function launchDetached(product: BrokerProduct, spec: LaunchSpec): Launched {
  if (fs.existsSync(spec.logFile)) fs.renameSync(spec.logFile, spec.previousLog);
  const out = fs.openSync(spec.logFile, 'a');
  let child;
  try {
    child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', out, out],
    });
  } finally {
    fs.closeSync(out);
  }
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  child.unref();
  if (child.pid === undefined) {
    throw product.fail('START_FAILED', `could not spawn ${spec.command}`);
  }
  fs.writeFileSync(spec.pidFile, `${child.pid}\n`);
  return { pid: child.pid, exited };
}

/** How waiting for a launched JVM ended. */
export type Readiness =
  { kind: 'ready' } | { kind: 'exited'; code: number | null } | { kind: 'timeout' };

/**
 * Polls `probe` every `pollMs` until it answers true, the JVM exits, or `timeoutMs` passes.
 * The probe must not throw; each call should end well within the timeout.
 */
export async function waitReady(
  probe: () => Promise<boolean>,
  exited: Promise<number | null>,
  timeoutMs: number,
  pollMs = 250,
): Promise<Readiness> {
  let exit: Readiness | undefined;
  void exited.then((code) => (exit = { kind: 'exited', code }));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exit !== undefined) return exit;
    if (await probe()) return { kind: 'ready' };
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return exit ?? { kind: 'timeout' };
}
