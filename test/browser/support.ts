/**
 * What the browser tests share: the built CLI serving the demo on a free port, and Debian's
 * Chromium driven by playwright-core (nothing is downloaded). Chromium is found through
 * CHROMIUM_PATH or at /usr/bin/chromium; without it the tests fail, saying how to install it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'dist/src/cli/main.js');

/** Chromium's executable, or a thrown error naming the fix. */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  for (const c of candidates) if (c !== undefined && c !== '' && fs.existsSync(c)) return c;
  throw new Error(
    'Chromium not found: install it (apt-get install chromium) or set CHROMIUM_PATH to its executable',
  );
}

export async function launchBrowser(): Promise<Browser> {
  // No sandbox: CI runs as root, where Chromium refuses to start with one.
  return chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
}

export interface Demo {
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** A port free now, for a server that must come back on the same one. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * `aisle serve --demo` with `args` added (on a free port unless they name one), with `env`
 * added to the environment; resolves once it says where.
 */
export function startDemo(
  args: string[],
  opts: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Demo> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  if (!fs.existsSync(cli)) throw new Error(`${cli} missing: run npm run build`);
  const port = args.includes('--port') ? [] : ['--port', '0'];
  const proc = spawn(process.execPath, [cli, 'serve', '--demo', ...port, ...args], {
    cwd: root,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (proc.exitCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`the demo gave no URL within ${timeoutMs} ms:\n${out.join('')}`));
    }, timeoutMs);
    proc.stdout!.on('data', (chunk: Buffer) => {
      out.push(chunk.toString());
      const m = /listening on (http:\/\/\S+)/.exec(out.join(''));
      if (m !== null && out.join('').includes('curl')) {
        clearTimeout(timer);
        resolve({ url: m[1]!, proc, stop });
      }
    });
    proc.stderr!.on('data', (chunk: Buffer) => out.push(chunk.toString()));
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the demo exited with ${code}:\n${out.join('')}`));
    });
  });
}

/** GET `url` as JSON, failing on any status but 200. */
export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** The first of u-0..u-499 whose history holds a purchase: a shopper with every list filled. */
export async function findBuyer(url: string): Promise<string> {
  for (let i = 0; i < 500; i++) {
    const user = `u-${i}`;
    const h = await getJson<{ items: { bought: boolean }[] }>(
      `${url}/v1/users/${user}/history?limit=200`,
    );
    if (h.items.some((e) => e.bought)) return user;
  }
  throw new Error(`no buyer among u-0..u-499 at ${url}`);
}
