/** The package's version, read once from package.json (for the CLI and the API description). */
import { readFileSync } from 'node:fs';

function packageVersion(): string {
  // dist/src/version.js and src/version.ts both sit two levels under the package root's file.
  for (const rel of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'aisle' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // Not here: try the next level up.
    }
  }
  return '0.0.0';
}

export const VERSION = packageVersion();
