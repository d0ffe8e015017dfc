/**
 * The small parts of the shared broker tooling: Java and Maven output parsing, the cache location,
 * the jar cache's marker, the fetch lock, pid and log files, and process identity.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cacheRoot,
  downloadedBytes,
  ensureJars,
  fileMatches,
  isAlive,
  isProcessOf,
  javaMajor,
  readPid,
  readPom,
  tailFile,
  withLock,
} from '../../../src/broker/index.js';
import { KAFKA } from '../../../src/kafka/broker/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aisle-broker-'));
  dirs.push(dir);
  return dir;
}

describe('javaMajor', () => {
  it.each([
    ['openjdk version "17.0.15" 2025-04-15', 17],
    ['openjdk version "21" 2023-09-19', 21],
    ['java version "1.8.0_412"', 8],
    ['openjdk version "11.0.2-ea"', 11],
    ['no version here', undefined],
  ])('%s → %s', (output, major) => {
    expect(javaMajor(output)).toBe(major);
  });
});

describe('downloadedBytes', () => {
  it.each([
    ['Downloaded from central: https://repo/x.jar (6.7 MB at 41 MB/s)', 6.7e6],
    ['Downloaded from central: https://repo/x.pom (2.1 kB at 30 kB/s)', 2100],
    ['Downloaded from central: https://repo/x.sha1 (40 B at 1 kB/s)', 40],
    ['Downloading from central: https://repo/x.jar', undefined],
  ])('%s → %s', (line, bytes) => {
    if (bytes === undefined) expect(downloadedBytes(line)).toBeUndefined();
    else expect(downloadedBytes(line)).toBeCloseTo(bytes);
  });
});

describe('cacheRoot', () => {
  it.each([
    [{ AISLE_CACHE_DIR: '/c/aisle', XDG_CACHE_HOME: '/x' }, '/c/aisle'],
    [{ XDG_CACHE_HOME: '/x' }, '/x/aisle'],
    [{}, path.join(os.homedir(), '.cache', 'aisle')],
  ])('%j → %s', (env, root) => {
    expect(cacheRoot(env)).toBe(path.resolve(root));
  });
});

describe('readPom', () => {
  it.each([
    ['src/pulsar/broker', 'pulsar.version'],
    ['src/kafka/broker', 'kafka.version'],
  ])('reads the version %s/pom.xml pins', (dir, property) => {
    const pom = readPom(dir, property);
    expect(pom.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pom.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.existsSync(pom.settingsFile)).toBe(true);
  });
});

describe('ensureJars', () => {
  it('finds a complete cache without running Maven', async () => {
    const root = tmp();
    const pom = readPom('src/kafka/broker', 'kafka.version');
    const versionDir = path.join(root, `kafka-${pom.version}`);
    fs.mkdirSync(path.join(versionDir, 'lib'), { recursive: true });
    fs.writeFileSync(path.join(versionDir, 'lib', 'a.jar'), 'abc');
    const marker = { pomSha256: pom.sha256, jars: 1, bytes: 3 };
    fs.writeFileSync(path.join(versionDir, 'complete.json'), JSON.stringify(marker));
    const jars = await ensureJars({ product: KAFKA, pom, size: 'tiny' }, { cacheDir: root });
    expect(jars).toEqual({
      version: pom.version,
      libDir: path.join(versionDir, 'lib'),
      jars: 1,
      bytes: 3,
      fetched: false,
      seconds: 0,
    });
  });
});

describe('withLock', () => {
  it('runs one holder at a time', async () => {
    const file = path.join(tmp(), 'fetch.lock');
    const order: string[] = [];
    const hold = (name: string) =>
      withLock(
        file,
        () => order.push(`${name} waits`),
        async () => {
          order.push(`${name} in`);
          await new Promise((r) => setTimeout(r, 50));
          order.push(`${name} out`);
        },
      );
    // Both are in this process, so the second sees a live holder and waits for the file to go.
    await Promise.all([hold('a'), hold('b')]);
    expect(order.slice(0, 2)).toEqual(['a in', 'b waits']);
    expect(order.indexOf('b in')).toBeGreaterThan(order.indexOf('a out'));
    expect(fs.existsSync(file)).toBe(false);
  });

  it('takes over a lock whose holder died', async () => {
    const file = path.join(tmp(), 'fetch.lock');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    expect(isAlive(dead)).toBe(false);
    fs.writeFileSync(file, `${dead}\n`);
    expect(
      await withLock(
        file,
        () => {},
        async () => 'ran',
      ),
    ).toBe('ran');
  });
});

describe('pid and log files', () => {
  it.each([
    ['1234\n', 1234],
    ['', undefined],
    ['-5', undefined],
    ['abc', undefined],
  ])('readPid(%j) → %s', (text, pid) => {
    const file = path.join(tmp(), 'broker.pid');
    fs.writeFileSync(file, text);
    expect(readPid(file)).toBe(pid);
  });

  it('reads no pid from a missing file', () => {
    expect(readPid(path.join(tmp(), 'none.pid'))).toBeUndefined();
  });

  it('tails and searches a log', () => {
    const file = path.join(tmp(), 'broker.log');
    fs.writeFileSync(file, Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n') + '\n');
    expect(tailFile(file, 3)).toBe('line 97\nline 98\nline 99');
    expect(fileMatches(file, /line 42\n/)).toBe(true);
    expect(fileMatches(file, /Address already in use/)).toBe(false);
    expect(tailFile(path.join(tmp(), 'none.log'), 3)).toBe('');
  });
});

describe('isProcessOf', () => {
  it('needs every mark in the command line', () => {
    const node = path.basename(process.execPath);
    expect(isProcessOf(process.pid, [node])).toBe(true);
    expect(isProcessOf(process.pid, [node, 'kafka.Kafka /no/such/server.properties'])).toBe(false);
  });
});
