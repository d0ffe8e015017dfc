/**
 * A broker's jars, fetched once from Maven Central into a per-user cache outside the repo and
 * reused by every later start. A marker written after a complete copy makes the check cheap
 * and makes an interrupted fetch count as absent.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findJava } from './java.js';
import { withLock } from './lock.js';
import { runMaven } from './maven.js';
import type { BrokerPom } from './pom.js';
import type { BrokerProduct } from './product.js';

const MARKER = 'complete.json';

/** What the marker records: enough to tell a copy made from another pom, or a damaged one. */
interface Marker {
  pomSha256: string;
  jars: number;
  bytes: number;
}

/** Which jars to fetch: a product and the pom that pins them. */
export interface JarSource {
  product: BrokerProduct;
  pom: BrokerPom;
  /** What a person should expect from a first fetch, e.g. `about 245 MB`. */
  size: string;
}

/** A complete set of broker jars. */
export interface BrokerJars {
  /** The product's version, from its pom.xml. */
  version: string;
  /** The folder of jars, for `java -cp "<libDir>/*"`. */
  libDir: string;
  jars: number;
  bytes: number;
  /** False when the jars were already in the cache and nothing ran. */
  fetched: boolean;
  /** Wall time of the Maven run, in seconds (0 when nothing was fetched). */
  seconds: number;
}

/** Options of {@link ensureJars}. */
export interface EnsureJarsOptions {
  /** Receives human-readable progress lines while Maven runs. */
  onProgress?: (line: string) => void;
  /** Overrides the cache root; default {@link cacheRoot}. */
  cacheDir?: string;
  /** Fetch again even when the cache is complete. */
  force?: boolean;
  /** Environment for the cache location and JAVA_HOME; default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/**
 * The cache root: `$AISLE_CACHE_DIR`, else `$XDG_CACHE_HOME/aisle`, else `~/.cache/aisle`.
 * Jars go to `<root>/<product>-<version>/lib`.
 */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AISLE_CACHE_DIR) return path.resolve(env.AISLE_CACHE_DIR);
  if (env.XDG_CACHE_HOME) return path.join(path.resolve(env.XDG_CACHE_HOME), 'aisle');
  return path.join(os.homedir(), '.cache', 'aisle');
}

function readMarker(file: string): Marker | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Marker;
  } catch {
    return undefined;
  }
}

function jarStats(dir: string): { jars: number; bytes: number } {
  let jars = 0;
  let bytes = 0;
  for (const name of fs.readdirSync(dir)) {
    if (!name.endsWith('.jar')) continue;
    jars++;
    bytes += fs.statSync(path.join(dir, name)).size;
  }
  return { jars, bytes };
}

/** The jar count and size of a complete cache folder made from this pom, else undefined. */
function isComplete(
  versionDir: string,
  pomSha256: string,
): { jars: number; bytes: number } | undefined {
  const marker = readMarker(path.join(versionDir, MARKER));
  if (marker === undefined || marker.pomSha256 !== pomSha256) return undefined;
  try {
    const ok = jarStats(path.join(versionDir, 'lib')).jars === marker.jars;
    return ok ? { jars: marker.jars, bytes: marker.bytes } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Makes sure the jars `source.pom` pins are in the cache, running
 * `mvn dependency:copy-dependencies` when they are not. Cost: one directory listing when cached.
 * Throws the product's `*_JAVA_MISSING`, `*_MVN_MISSING` or `*_FETCH_FAILED`.
 */
export async function ensureJars(
  source: JarSource,
  options: EnsureJarsOptions = {},
): Promise<BrokerJars> {
  const { product, pom } = source;
  const root = options.cacheDir ?? cacheRoot(options.env);
  const versionDir = path.join(root, `${product.id}-${pom.version}`);
  const libDir = path.join(versionDir, 'lib');
  const have = options.force ? undefined : isComplete(versionDir, pom.sha256);
  if (have !== undefined) {
    return { version: pom.version, libDir, ...have, fetched: false, seconds: 0 };
  }

  const say = options.onProgress ?? (() => {});
  findJava(product, options.env);
  fs.mkdirSync(versionDir, { recursive: true });
  return withLock(
    path.join(versionDir, 'fetch.lock'),
    (pid) => say(`waiting for another fetch of ${product.name} ${pom.version} jars (pid ${pid})`),
    async () => {
      // The fetch we waited for may have filled the cache meanwhile.
      const done = options.force ? undefined : isComplete(versionDir, pom.sha256);
      return done === undefined
        ? copyJars(source, versionDir, say)
        : { version: pom.version, libDir, ...done, fetched: false, seconds: 0 };
    },
  );
}

async function copyJars(
  { product, pom, size }: JarSource,
  versionDir: string,
  say: (line: string) => void,
): Promise<BrokerJars> {
  const libDir = path.join(versionDir, 'lib');
  // A copy of the pom, so Maven's base directory (and any target/ it makes) is the cache folder.
  fs.copyFileSync(pom.pomFile, path.join(versionDir, 'pom.xml'));
  const partial = path.join(versionDir, `lib.partial-${process.pid}`);
  fs.rmSync(partial, { recursive: true, force: true });
  say(`fetching ${product.name} ${pom.version} broker jars with Maven into ${libDir}`);
  say(`(${size}: up to a few minutes when ~/.m2 is empty, seconds when it is warm)`);
  const started = performance.now();
  try {
    const run = await runMaven(
      product,
      [
        '-s',
        pom.settingsFile,
        '-f',
        path.join(versionDir, 'pom.xml'),
        'dependency:copy-dependencies',
        `-DoutputDirectory=${partial}`,
      ],
      versionDir,
      say,
    );
    const stats = jarStats(partial);
    fs.rmSync(path.join(versionDir, MARKER), { force: true });
    fs.rmSync(libDir, { recursive: true, force: true });
    fs.renameSync(partial, libDir);
    const marker: Marker = { pomSha256: pom.sha256, ...stats };
    fs.writeFileSync(path.join(versionDir, MARKER), JSON.stringify(marker, null, 2) + '\n');
    const seconds = (performance.now() - started) / 1000;
    say(
      `${product.name} ${pom.version}: ${stats.jars} jars, ${(stats.bytes / 1e6).toFixed(0)} MB ` +
        `in ${seconds.toFixed(1)} s (${run.downloadedFiles} files downloaded into ~/.m2)`,
    );
    return { version: pom.version, libDir, ...stats, fetched: true, seconds };
  } finally {
    fs.rmSync(partial, { recursive: true, force: true });
  }
}
