/**
 * `aisle tune sessions`, `aisle eval sessions --tune` and `aisle serve --params` from the built
 * CLI, on a small session data set in the two-file format written here: clicks that follow a
 * fixed successor most of the time, so the order of clicks is what predicts the next one.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readParamsFile } from '../../src/tune/params-file.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'dist/src/cli/main.js');
const dir = mkdtempSync(path.join(tmpdir(), 'aisle-tune-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Sessions of 3..8 clicks over 300 items; item i is followed by (7i + 3) mod 300 four times in five. */
function sessions(n: number, seed: number): number[][] {
  let s = seed;
  const rand = (): number => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
  const out: number[][] = [];
  for (let k = 0; k < n; k++) {
    const len = 3 + Math.floor(rand() * 6);
    let item = 1 + Math.floor(rand() * 300);
    const session = [item];
    while (session.length < len) {
      item = rand() < 0.8 ? ((7 * item + 3) % 300) + 1 : 1 + Math.floor(rand() * 300);
      session.push(item);
    }
    out.push(session);
  }
  return out;
}

writeFileSync(
  path.join(dir, 'train-sessions.tsv.gz'),
  gzipSync(
    `${sessions(4_000, 1)
      .map((s) => s.join(' '))
      .join('\n')}\n`,
  ),
);
const testLines: string[] = [];
for (const s of sessions(300, 2)) {
  for (let i = 1; i < s.length; i++) {
    testLines.push(`${s.slice(0, s.length - i).join(' ')}\t${s[s.length - i]}`);
  }
}
writeFileSync(path.join(dir, 'test.tsv.gz'), gzipSync(`${testLines.join('\n')}\n`));

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * `aisle serve --demo` on a free port with `args`; `seen(re)` waits (up to 60 s) for its output
 * to match, and the process is killed by `stop`.
 */
function serveDemo(args: string[]): {
  seen: (re: RegExp) => Promise<RegExpExecArray>;
  output: () => string;
  stop: () => void;
} {
  const child = spawn(
    process.execPath,
    [cli, 'serve', '--demo', '--port', '0', '--rate', '200', ...args],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const seen = (re: RegExp): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${re} within 60 s:\n${out}`)), 60_000);
      const take = (chunk?: Buffer): void => {
        if (chunk !== undefined) out += chunk.toString();
        const m = re.exec(out);
        if (m !== null) {
          clearTimeout(timer);
          resolve(m);
        }
      };
      child.stdout.on('data', take);
      child.stderr.on('data', take);
      child.on('exit', (code) => reject(new Error(`exited with ${code}:\n${out}`)));
      take();
    });
  return { seen, output: () => out, stop: () => child.kill('SIGKILL') };
}

describe('aisle tune sessions', () => {
  it('searches within its budget, reports the gain and writes a parameters file', () => {
    const out = path.join(dir, 'params.json');
    const r = run(['tune', 'sessions', '--data', dir, '--budget', '15s', '--json', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      tune_s: number;
      changed: Record<string, number>;
      validation: { gain: { objective: number; 'mrr@20': number } };
    };
    expect(report.tune_s).toBeLessThanOrEqual(15);
    // Order is everything here: the transitions' weight goes up and MRR with it.
    expect(report.changed.transitionWeight).toBeGreaterThan(0.05);
    expect(report.validation.gain['mrr@20']).toBeGreaterThan(0);
    // The search went to stderr, one line per evaluation off a terminal.
    expect(r.stderr).toMatch(/defaults .*objective/);
    const file = readParamsFile(out);
    expect(file.sessions?.transitionWeight).toBe(report.changed.transitionWeight);
    expect(file.tuned?.sessions?.on).toBe(path.basename(dir));
  });

  it('evaluates the test file once with what it tuned (eval sessions --tune)', () => {
    const plain = run(['eval', 'sessions', '--data', dir, '--json']);
    const tuned = run(['eval', 'sessions', '--data', dir, '--tune', '--budget', '10s', '--json']);
    expect(tuned.code, tuned.stderr).toBe(0);
    const a = JSON.parse(plain.stdout) as { 'mrr@20': number };
    const b = JSON.parse(tuned.stdout) as { 'mrr@20': number; tune_s: number; params: object };
    expect(b.tune_s).toBeLessThanOrEqual(10);
    expect(b['mrr@20']).toBeGreaterThan(a['mrr@20']);
  });

  it('serve runs with the tuned parameters and shows where they came from', async () => {
    const file = path.join(dir, 'params.json');
    const server = serveDemo(['--warmup', '20000', '--params', file]);
    try {
      const url = (await server.seen(/listening on (http:\/\/\S+)/))[1]!;
      const body = (await (await fetch(`${url}/v1/models/sessions`)).json()) as {
        params: { transitionWeight: number };
        source: string;
        file: string;
        tuned: { on: string; chosenAt: string };
      };
      expect(body.source).toBe('params file');
      expect(body.params.transitionWeight).toBe(readParamsFile(file).sessions?.transitionWeight);
      expect(body.tuned.on).toBe(path.basename(dir));
    } finally {
      server.stop();
    }
  });

  it('serve --tune-every re-tunes on its own stream in the background and says what it did', async () => {
    const server = serveDemo(['--warmup', '100000', '--tune-every', '1s', '--tune-budget', '6s']);
    const { seen } = server;
    try {
      const url = (await seen(/listening on (http:\/\/\S+)/))[1]!;
      await seen(/tuning: (new session parameters|the parameters in force stay)/);
      const body = (await (await fetch(`${url}/v1/models/sessions`)).json()) as {
        source: string;
        tuned?: { on: string };
      };
      if (/new session parameters/.test(server.output())) {
        expect(body.source).toBe('stream');
        expect(body.tuned?.on).toMatch(/newest sessions/);
      } else {
        expect(body.source).toBe('defaults');
      }
    } finally {
      server.stop();
    }
  });

  it('serve refuses a parameters file with a bad field, naming it', () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ format: 'aisle-params', version: 1, sessions: { lambdaPos: 'x' } }),
    );
    const r = run(['serve', '--demo', '--port', '0', '--params', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/sessions\.lambdaPos/);
    expect(readFileSync(bad, 'utf8')).toContain('lambdaPos');
  });
});
