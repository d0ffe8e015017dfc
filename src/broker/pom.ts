/**
 * Where the Maven files that describe a broker's jars live, and the version they pin. Each
 * product's pom.xml stays the one place its version is written; this module reads it from there.
 * The Maven settings (src/broker/settings.xml) are shared by every product.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The pom, the Maven settings, the pinned version and a hash of the pom's bytes. */
export interface BrokerPom {
  pomFile: string;
  settingsFile: string;
  /** The version property's value, e.g. `4.0.7`. */
  version: string;
  /** sha256 of pom.xml, so that any edit to it (a dependency, a plugin) means a new fetch. */
  sha256: string;
}

// The XML files are not compiled into dist/, so from dist/src/broker/*.js as from
// src/broker/*.ts we walk up to the package root and take them from its src/.
function findUp(relative: string): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, relative);
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find ${relative} above ${import.meta.url}`);
    dir = parent;
  }
}

/**
 * Reads `<relativeDir>/pom.xml` (relative to the package root, e.g. `src/pulsar/broker`) and the
 * `<versionProperty>` it sets. Callers read it once per process.
 */
export function readPom(relativeDir: string, versionProperty: string): BrokerPom {
  const pomFile = findUp(path.join(relativeDir, 'pom.xml'));
  const text = fs.readFileSync(pomFile);
  const escaped = versionProperty.replace(/\./g, '\\.');
  const version = new RegExp(`<${escaped}>\\s*([^<\\s]+)\\s*</${escaped}>`).exec(text.toString());
  if (version === null) throw new Error(`${pomFile} has no <${versionProperty}> property`);
  return {
    pomFile,
    settingsFile: findUp(path.join('src', 'broker', 'settings.xml')),
    version: version[1]!,
    sha256: createHash('sha256').update(text).digest('hex'),
  };
}
