/**
 * `aisle pulsar fetch|start|stop|status`: a real Apache Pulsar standalone broker on this machine,
 * without Docker, from jars fetched with Maven. See docs/operations-pulsar.md.
 */
import { Command } from 'commander';
import {
  brokerStatus,
  cacheRoot,
  DEFAULT_DATA_DIR,
  ensureJars,
  startStandalone,
  stopStandalone,
  type BrokerEndpoints,
} from '../pulsar/broker/index.js';
import { integer, mib } from './broker-options.js';

const say = (line: string): void => console.log(line);

function printEndpoints(urls: BrokerEndpoints, dataDir: string): void {
  say(`  websocket: ${urls.wsUrl}`);
  say(`  admin:     ${urls.adminUrl}`);
  say(`  service:   ${urls.serviceUrl}`);
  say(`  data:      ${dataDir}`);
  say(`  export PULSAR_WS_URL=${urls.wsUrl} PULSAR_ADMIN_URL=${urls.adminUrl}`);
}

interface StartFlags {
  dataDir: string;
  fresh?: boolean;
  heapMb: number;
  webPort?: number;
  brokerPort?: number;
  timeout: number;
}

async function start(flags: StartFlags): Promise<void> {
  const status = await brokerStatus(flags.dataDir);
  if (status.state !== 'stopped') {
    say(
      status.state === 'running'
        ? `pulsar: already running (pid ${status.pid}); 'aisle pulsar stop' first to restart it`
        : `pulsar: pid ${status.pid} is alive but not serving (still starting, or stuck); ` +
            `wait, or 'aisle pulsar stop'`,
    );
    if (status.wsUrl !== undefined) printEndpoints(status as BrokerEndpoints, status.dataDir);
    return;
  }
  const broker = await startStandalone({
    dataDir: flags.dataDir,
    fresh: flags.fresh === true,
    heapMb: flags.heapMb,
    ports: {
      ...(flags.webPort !== undefined && { web: flags.webPort }),
      ...(flags.brokerPort !== undefined && { broker: flags.brokerPort }),
    },
    readyTimeoutMs: flags.timeout * 1000,
    onProgress: say,
  });
  say(
    `pulsar ${broker.version}: ready in ${(broker.startMs / 1000).toFixed(1)} s ` +
      `(pid ${broker.pid}, ${mib(broker.rssBytes)} resident); it runs in the background`,
  );
  printEndpoints(broker, broker.dataDir);
  say(`  log:       ${broker.logFile}`);
}

/** The `pulsar` command group, for main.ts to add to the program. */
export function pulsarCommand(): Command {
  const pulsar = new Command('pulsar').description(
    'a real Apache Pulsar standalone broker on this machine (Java 17+, Maven; no Docker)',
  );
  const dataDir = (): [string, string, string] => [
    '--data-dir <dir>',
    'config, log, pid file and topics of the broker',
    DEFAULT_DATA_DIR,
  ];

  pulsar
    .command('fetch')
    .description(`download the broker jars with mvn into ${cacheRoot()} (env AISLE_CACHE_DIR)`)
    .option('--force', 'download again even when the cache is complete')
    .action(async (flags: { force?: boolean }) => {
      const jars = await ensureJars({ onProgress: say, force: flags.force === true });
      if (!jars.fetched) {
        say(`pulsar ${jars.version}: ${jars.jars} jars already in ${jars.libDir}`);
      }
    });

  pulsar
    .command('start')
    .description('start a standalone broker in the background and wait until it serves')
    .option(...dataDir())
    .option('--fresh', 'delete the topics and metadata of an earlier run first')
    .option('--heap-mb <n>', 'JVM heap (and direct memory) in MiB', integer(128, 65_536), 512)
    .option('--web-port <port>', 'admin and WebSocket port (default: free)', integer(1, 65_535))
    .option('--broker-port <port>', 'binary protocol port (default: free)', integer(1, 65_535))
    .option('--timeout <s>', 'seconds to wait for readiness', integer(1, 3_600), 120)
    .action(start);

  pulsar
    .command('stop')
    .description('stop the broker: SIGTERM, then SIGKILL after the timeout')
    .option(...dataDir())
    .option('--timeout <s>', 'seconds to wait after SIGTERM', integer(1, 3_600), 30)
    .action(async (flags: { dataDir: string; timeout: number }) => {
      const result = await stopStandalone(flags.dataDir, flags.timeout * 1000);
      if (!result.wasRunning) say(`pulsar: not running (${flags.dataDir})`);
      else {
        say(
          `pulsar: stopped pid ${result.pid} in ${(result.ms / 1000).toFixed(1)} s` +
            (result.forced ? ' (killed: it ignored SIGTERM)' : ''),
        );
      }
    });

  pulsar
    .command('status')
    .description('is the broker running and serving? (exit code 3 when it is not)')
    .option(...dataDir())
    .option('--json', 'print the status as JSON')
    .action(async (flags: { dataDir: string; json?: boolean }) => {
      const status = await brokerStatus(flags.dataDir);
      if (status.state !== 'running') process.exitCode = 3;
      if (flags.json) {
        say(JSON.stringify(status, null, 2));
        return;
      }
      if (status.state === 'stopped') {
        say(`pulsar: stopped (${status.dataDir})`);
        return;
      }
      say(
        `pulsar: ${status.state === 'running' ? 'running' : 'alive but not serving (starting or stuck)'}` +
          ` (pid ${status.pid}, ${mib(status.rssBytes)} resident)`,
      );
      if (status.wsUrl !== undefined) printEndpoints(status as BrokerEndpoints, status.dataDir);
      say(`  log:       ${status.logFile}`);
    });

  return pulsar;
}
