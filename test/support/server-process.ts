/**
 * `aisle serve` as a child process, the way a user runs it: started from the built CLI on a free
 * port, found by the URL it prints, and killed (-9 or gracefully) by tests that check what
 * survives a crash. Every child started is killed by `killAll`, which a test calls after all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'dist/src/cli/main.js');
const children = new Set<ChildProcess>();

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** Everything the server printed so far (stdout and stderr). */
  output: () => string;
}

/** Starts `aisle serve --port 0 <args>` and resolves once it prints the URL it listens on. */
export function startServe(args: readonly string[]): Promise<ServerProcess> {
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m !== null) resolve({ child, url: m[1]!, output: () => out });
    });
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code, signal) =>
      reject(new Error(`server exited (${code ?? signal}) before serving:\n${out}`)),
    );
  });
}

/** kill -9, resolved once the process is gone. */
export function kill9(child: ChildProcess): Promise<void> {
  return stop(child, 'SIGKILL');
}

/** SIGTERM (a graceful stop), resolved once the process is gone. */
export function terminate(child: ChildProcess): Promise<void> {
  return stop(child, 'SIGTERM');
}

/** Whether `child` was started here and not stopped yet. */
export function running(child: ChildProcess): boolean {
  return children.has(child);
}

/** Kills every server still running. */
export function killAll(): void {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
}

function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    children.delete(child);
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}
