/**
 * The Java runtime the broker and Maven run on. Pulsar 4.0 is built for Java 17, so an older
 * runtime is refused here with a clear message rather than with a class-version stack trace.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BrokerError } from './errors.js';

/** The oldest Java feature release Pulsar 4.0 runs on. */
export const MIN_JAVA = 17;

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

/** Finds Java and checks its version; throws PULSAR_JAVA_MISSING when there is none fit. */
export function findJava(env: NodeJS.ProcessEnv = process.env): JavaRuntime {
  const home = env.JAVA_HOME;
  const fromHome = home ? path.join(home, 'bin', 'java') : undefined;
  const command = fromHome !== undefined && fs.existsSync(fromHome) ? fromHome : 'java';
  const run = spawnSync(command, ['-version'], { encoding: 'utf8', timeout: 30_000 });
  if (run.error !== undefined) {
    throw new BrokerError(
      'PULSAR_JAVA_MISSING',
      `cannot run ${command} (${run.error.message}): Pulsar needs Java ${MIN_JAVA} or newer; ` +
        'install a JDK (Debian: apt-get install openjdk-17-jdk-headless) or set JAVA_HOME',
    );
  }
  const major = javaMajor(`${run.stderr}${run.stdout}`);
  if (major === undefined || major < MIN_JAVA) {
    throw new BrokerError(
      'PULSAR_JAVA_MISSING',
      `${command} is Java ${major ?? '(unknown version)'}, Pulsar needs ${MIN_JAVA} or newer; ` +
        'install a newer JDK or point JAVA_HOME at one',
    );
  }
  return { command, major };
}
