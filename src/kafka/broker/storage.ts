/**
 * Formatting a KRaft node's storage, once per data directory: a KRaft broker refuses to start on
 * a log directory without meta.properties, which only `kafka.tools.StorageTool format` writes
 * (with the cluster id and the bootstrap metadata). Later starts find it and skip the format.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import type { JavaRuntime } from '../../broker/index.js';
import { KafkaBrokerError } from './errors.js';
import type { KafkaFiles } from './files.js';

const TOOL_TIMEOUT_MS = 60_000;

/** True when the log directory was formatted (its meta.properties exists). */
export function isFormatted(files: KafkaFiles): boolean {
  return fs.existsSync(files.meta);
}

function storageTool(
  java: JavaRuntime,
  libDir: string,
  files: KafkaFiles,
  args: string[],
): Promise<string> {
  const jvm = [
    // A short-lived tool: the JVM's default heap (a quarter of the machine) is far too much.
    '-Xmx256m',
    `-Dlog4j2.configurationFile=${files.log4j}`,
    '-cp',
    `${libDir}/*`,
    'kafka.tools.StorageTool',
  ];
  return new Promise((resolve, reject) => {
    execFile(
      java.command,
      [...jvm, ...args],
      { cwd: files.dataDir, timeout: TOOL_TIMEOUT_MS, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err === null) {
          resolve(stdout);
          return;
        }
        const output = `${stdout}${stderr}`.trim().split('\n').slice(-20).join('\n');
        reject(
          new KafkaBrokerError(
            'KAFKA_FORMAT_FAILED',
            `kafka.tools.StorageTool ${args[0]} failed (${err.killed ? 'timed out' : `exit ${err.code}`})` +
              ` in ${files.dataDir}; its output:\n${output}`,
          ),
        );
      },
    );
  });
}

/**
 * Formats the log directory of server.properties (which must be written first) with a new random
 * cluster id, unless it is formatted already. Two short JVM runs, about 2 s together here; 0 when
 * already formatted. Returns the new cluster id, or undefined when nothing ran. Throws
 * KAFKA_FORMAT_FAILED with the tool's output.
 */
export async function formatStorage(
  java: JavaRuntime,
  libDir: string,
  files: KafkaFiles,
): Promise<string | undefined> {
  if (isFormatted(files)) return undefined;
  const clusterId = (await storageTool(java, libDir, files, ['random-uuid'])).trim();
  if (!/^[\w-]{22}$/.test(clusterId)) {
    throw new KafkaBrokerError(
      'KAFKA_FORMAT_FAILED',
      `kafka.tools.StorageTool random-uuid printed "${clusterId}", not a cluster id`,
    );
  }
  await storageTool(java, libDir, files, ['format', '-t', clusterId, '-c', files.conf]);
  return clusterId;
}
