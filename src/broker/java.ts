/**
 * The Java runtime a broker and Maven run on. Both brokers are built for Java 17, so an older
 * runtime is refused here with a clear message rather than with a class-version stack trace.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { BrokerProduct } from './product.js';

/** A usable Java launcher. */
export interface JavaRuntime {
  /** The command to run: `$JAVA_HOME/bin/java` when JAVA_HOME is set, else `java` from PATH. */
  command: string;
  /** The feature release, e.g. 17 for 17.0.15. */
  major: number;
}

/** Parses the first `version "…"` of `java -version` output into its feature release. */
export function javaMajor(versionOutput: string): number | undefined {
  const m = /version "(\d+)(?:\.(\d+))?[^"]*"/.exec(versionOutput);
  if (m === null) return undefined;
  // Java 8 and older report themselves as 1.x.
  return m[1] === '1' ? Number(m[2] ?? 0) : Number(m[1]);
}

/**
 * Finds Java and checks its version against `product.minJava`; throws the product's
 * `*_JAVA_MISSING` when there is none fit. Runs `java -version` (about 0.1 s).
 */
export function findJava(
  product: BrokerProduct,
  env: NodeJS.ProcessEnv = process.env,
): JavaRuntime {
  const home = env.JAVA_HOME;
  const fromHome = home ? path.join(home, 'bin', 'java') : undefined;
  const command = fromHome !== undefined && fs.existsSync(fromHome) ? fromHome : 'java';
  const run = spawnSync(command, ['-version'], { encoding: 'utf8', timeout: 30_000 });
  const min = product.minJava;
  if (run.error !== undefined) {
    throw product.fail(
      'JAVA_MISSING',
      `cannot run ${command} (${run.error.message}): ${product.name} needs Java ${min} or newer; ` +
        'install a JDK (Debian: apt-get install openjdk-17-jdk-headless) or set JAVA_HOME',
    );
  }
  const major = javaMajor(`${run.stderr}${run.stdout}`);
  if (major === undefined || major < min) {
    throw product.fail(
      'JAVA_MISSING',
      `${command} is Java ${major ?? '(unknown version)'}, ${product.name} needs ${min} or newer; ` +
        'install a newer JDK or point JAVA_HOME at one',
    );
  }
  return { command, major };
}
