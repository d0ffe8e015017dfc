/**
 * `aisle serve --demo`, the process `npm start` runs, from the built CLI: it must answer
 * recommendations within 5 seconds of starting and stop cleanly on SIGTERM.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'dist/src/cli/main.js');

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

function waitForUrl(
  proc: ChildProcess,
  timeoutMs: number,
): Promise<{ url: string; out: string[] }> {
  return new Promise((resolve, reject) => {
    const out: string[] = [];
    const timer = setTimeout(
      () => reject(new Error(`no URL within ${timeoutMs} ms:\n${out.join('')}`)),
      timeoutMs,
    );
    proc.stdout!.on('data', (chunk: Buffer) => {
      out.push(chunk.toString());
      const m = /listening on (http:\/\/\S+)/.exec(out.join(''));
      if (m !== null && out.join('').includes('curl')) {
        clearTimeout(timer);
        resolve({ url: m[1]!, out });
      }
    });
    proc.stderr!.on('data', (chunk: Buffer) => out.push(chunk.toString()));
    proc.on('exit', (code) => reject(new Error(`exited with ${code}:\n${out.join('')}`)));
  });
}

describe('aisle serve --demo', () => {
  it('is built (npm install runs the build)', () => {
    expect(fs.existsSync(cli), `${cli} missing: run npm run build`).toBe(true);
  });

  it('serves trending and similar items within 5 seconds, then stops on SIGTERM', async () => {
    const started = Date.now();
    child = spawn(process.execPath, [cli, 'serve', '--demo', '--port', '0', '--rate', '500'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const { url, out } = await waitForUrl(child, 15_000);
    const trending = (await (await fetch(`${url}/v1/trending`)).json()) as {
      items: { item: string }[];
    };
    const elapsed = Date.now() - started;
    expect(trending.items.length).toBeGreaterThan(0);
    expect(elapsed).toBeLessThan(5_000);
    const printed = /curl (\S+\/similar\S*)/.exec(out.join(''))![1]!;
    const similar = (await (await fetch(printed)).json()) as {
      items: { score: number }[];
      fallback?: string;
    };
    expect(similar.fallback).toBeUndefined();
    expect(similar.items.length).toBeGreaterThan(0);
    expect(similar.items[0]!.score).toBeGreaterThan(0);
    // The factor model trains in its worker after start-up; once it is live, users get it.
    const deadline = Date.now() + 60_000;
    while (!out.join('').includes('factor model:')) {
      if (Date.now() > deadline) throw new Error(`no factor model trained:\n${out.join('')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const model = (await (await fetch(`${url}/v1/models/factors`)).json()) as {
      factors: { factors: number } | null;
    };
    expect(model.factors?.factors).toBe(64);
    const personal = (await (await fetch(`${url}/v1/users/u-1/recommendations?k=5`)).json()) as {
      items: { reason: string }[];
      fallback?: string;
    };
    expect(personal.fallback).toBeUndefined();
    expect(personal.items).toHaveLength(5);
    const exited = new Promise<number | null>((resolve) =>
      child!.on('exit', (code) => resolve(code)),
    );
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses a bad setting with its name and exit code 1', () => {
    const res = spawnSync(process.execPath, [cli, 'serve', '--port', 'abc'], { encoding: 'utf8' });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/--port \/ AISLE_PORT must be an integer/);
  });
});
