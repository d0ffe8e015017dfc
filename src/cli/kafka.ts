/**
 * `aisle kafka fetch|start|stop|status`: a real Apache Kafka broker (single node, KRaft) on this
 * machine, without Docker or ZooKeeper, from jars fetched with Maven. See docs/operations-kafka.md.
 */
import { Command } from 'commander';
import {
  cacheRoot,
  DEFAULT_KAFKA_DATA_DIR,
  ensureKafkaJars,
  kafkaBrokerStatus,
  startKafkaBroker,
  stopKafkaBroker,
  type KafkaPorts,
} from '../kafka/broker/index.js';
import { integer, mib } from './broker-options.js';

const say = (line: string): void => console.log(line);

function printAddresses(bootstrap: string, ports: KafkaPorts, dataDir: string): void {
  say(`  bootstrap:  ${bootstrap}`);
  say(`  controller: 127.0.0.1:${ports.controller}`);
  say(`  data:       ${dataDir}`);
  say(`  export KAFKA_BOOTSTRAP=${bootstrap}`);
}

interface StartFlags {
  dataDir: string;
  fresh?: boolean;
  heapMb: number;
  port?: number;
  controllerPort?: number;
  timeout: number;
}

async function start(flags: StartFlags): Promise<void> {
  const status = await kafkaBrokerStatus(flags.dataDir);
  if (status.state !== 'stopped') {
    say(
      status.state === 'running'
        ? `kafka: already running (pid ${status.pid}); 'aisle kafka stop' first to restart it`
        : `kafka: pid ${status.pid} is alive but not serving (still starting, or stuck); ` +
            `wait, or 'aisle kafka stop'`,
    );
    if (status.bootstrap !== undefined && status.ports !== undefined) {
      printAddresses(status.bootstrap, status.ports, status.dataDir);
    }
    return;
  }
  const broker = await startKafkaBroker({
    dataDir: flags.dataDir,
    fresh: flags.fresh === true,
    heapMb: flags.heapMb,
    ports: {
      ...(flags.port !== undefined && { broker: flags.port }),
      ...(flags.controllerPort !== undefined && { controller: flags.controllerPort }),
    },
    readyTimeoutMs: flags.timeout * 1000,
    onProgress: say,
  });
  say(
    `kafka ${broker.version}: ready in ${(broker.startMs / 1000).toFixed(1)} s ` +
      `(pid ${broker.pid}, ${mib(broker.rssBytes)} resident); it runs in the background`,
  );
  printAddresses(broker.bootstrap, broker.ports, broker.dataDir);
  say(`  log:        ${broker.logFile}`);
}

/** The `kafka` command group, for main.ts to add to the program. */
export function kafkaCommand(): Command {
  const kafka = new Command('kafka').description(
    'a real Apache Kafka broker (single node, KRaft) on this machine (Java 17+, Maven; no Docker)',
  );
  const dataDir = (): [string, string, string] => [
    '--data-dir <dir>',
    'config, log, pid file and topics of the broker',
    DEFAULT_KAFKA_DATA_DIR,
  ];

  kafka
    .command('fetch')
    .description(`download the broker jars with mvn into ${cacheRoot()} (env AISLE_CACHE_DIR)`)
    .option('--force', 'download again even when the cache is complete')
    .action(async (flags: { force?: boolean }) => {
      const jars = await ensureKafkaJars({ onProgress: say, force: flags.force === true });
      if (!jars.fetched) say(`kafka ${jars.version}: ${jars.jars} jars already in ${jars.libDir}`);
    });

  kafka
    .command('start')
    .description('start a single-node KRaft broker in the background and wait until it serves')
    .option(...dataDir())
    .option('--fresh', 'delete the topics and metadata of an earlier run first')
    .option('--heap-mb <n>', 'JVM heap in MiB', integer(128, 65_536), 512)
    .option('--port <port>', 'client (bootstrap) port (default: free)', integer(1, 65_535))
    .option('--controller-port <port>', 'KRaft controller port (default: free)', integer(1, 65_535))
    .option('--timeout <s>', 'seconds to wait for readiness', integer(1, 3_600), 60)
    .action(start);

  kafka
    .command('stop')
    .description('stop the broker: SIGTERM, then SIGKILL after the timeout')
    .option(...dataDir())
    .option('--timeout <s>', 'seconds to wait after SIGTERM', integer(1, 3_600), 30)
    .action(async (flags: { dataDir: string; timeout: number }) => {
      const result = await stopKafkaBroker(flags.dataDir, flags.timeout * 1000);
      if (!result.wasRunning) say(`kafka: not running (${flags.dataDir})`);
      else {
        say(
          `kafka: stopped pid ${result.pid} in ${(result.ms / 1000).toFixed(1)} s` +
            (result.forced ? ' (killed: it ignored SIGTERM)' : ''),
        );
      }
    });

  kafka
    .command('status')
    .description('is the broker running and serving? (exit code 3 when it is not)')
    .option(...dataDir())
    .option('--json', 'print the status as JSON')
    .action(async (flags: { dataDir: string; json?: boolean }) => {
      const status = await kafkaBrokerStatus(flags.dataDir);
      if (status.state !== 'running') process.exitCode = 3;
      if (flags.json) {
        say(JSON.stringify(status, null, 2));
        return;
      }
      if (status.state === 'stopped') {
        say(`kafka: stopped (${status.dataDir})`);
        return;
      }
      say(
        `kafka: ${status.state === 'running' ? 'running' : 'alive but not serving (starting or stuck)'}` +
          ` (pid ${status.pid}, ${mib(status.rssBytes)} resident)`,
      );
      if (status.bootstrap !== undefined && status.ports !== undefined) {
        printAddresses(status.bootstrap, status.ports, status.dataDir);
      }
      say(`  log:        ${status.logFile}`);
    });

  return kafka;
}
