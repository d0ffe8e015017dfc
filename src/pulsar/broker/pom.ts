/**
 * Where the Maven files that describe the broker live, and the Pulsar version they pin.
 * pom.xml stays the one place the version is written; this module reads it from there.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const RELATIVE = path.join('src', 'pulsar', 'broker');

/** The pom, the Maven settings, the pinned version and a hash of the pom's bytes. */
export interface BrokerPom {
  pomFile: string;
  settingsFile: string;
  /** The `<pulsar.version>` property, e.g. `4.0.7`. */
  version: string;
  /** sha256 of pom.xml, so that any edit to it (a dependency, a plugin) means a new fetch. */
  sha256: string;
}

// The XML files are not compiled into dist/, so from dist/src/pulsar/broker/*.js as from
// src/pulsar/broker/*.ts we walk up to the package root and take them from its src/.
function brokerSourceDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, RELATIVE);
    if (fs.existsSync(path.join(candidate, 'pom.xml'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find ${RELATIVE}/pom.xml above ${import.meta.url}`);
    dir = parent;
  }
}

let cached: BrokerPom | undefined;

/** Reads the broker's pom once per process. */
export function brokerPom(): BrokerPom {
  if (cached !== undefined) return cached;
  const dir = brokerSourceDir();
  const pomFile = path.join(dir, 'pom.xml');
  const text = fs.readFileSync(pomFile);
  const version = /<pulsar\.version>\s*([^<\s]+)\s*<\/pulsar\.version>/.exec(text.toString());
  if (version === null) throw new Error(`${pomFile} has no <pulsar.version> property`);
  cached = {
    pomFile,
    settingsFile: path.join(dir, 'settings.xml'),
    version: version[1]!,
    sha256: createHash('sha256').update(text).digest('hex'),
  };
  return cached;
}
