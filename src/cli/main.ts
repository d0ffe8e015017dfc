#!/usr/bin/env node
/** The `aisle` command. The only module that exits the process. */
import { getHeapStatistics } from 'node:v8';
import { Command } from 'commander';
import { ConfigError, serveConfig, type ServeFlags } from '../config.js';
import { analyzeCommand } from './analyze.js';
import { evalCommand } from './eval.js';
import { produce } from './produce.js';
import { bridgeCommand } from './bridge.js';
import { kafkaCommand } from './kafka.js';
import { pulsarCommand } from './pulsar.js';
import { stopOnSignals } from './signals.js';
import { serve } from './serve.js';
import { tuneCommand } from './tune.js';
import { VERSION } from '../version.js';

const program = new Command();
/** What a supervisor waits between SIGTERM and SIGKILL, commonly 10 s: finish inside it. */
const SHUTDOWN_MS = 9_500;
program
  .name('aisle')
  .description('Real-time recommendation and analytics engine for retail')
  .version(VERSION);

function int(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  return n;
}

program
  .command('serve')
  .description('run the engine and serve HTTP (loopback unless --host says otherwise)')
  .option('--demo', 'feed the engine from the built-in retail simulator')
  .option('--host <host>', 'address to bind (env AISLE_HOST)', undefined)
  .option('--port <port>', 'port to bind, 0 for any free port (env AISLE_PORT; default 7070)')
  .option('--rate <n>', 'demo: simulated events per second (default 2000)')
  .option('--warmup <n>', 'demo: events of history before serving (default 300000)')
  .option('--seed <n>', 'demo: simulator seed (default 42)')
  .option('--pulsar <url>', 'consume a Pulsar topic through this WebSocket URL (env PULSAR_WS_URL)')
  .option(
    '--kafka <bootstrap>',
    'consume a Kafka topic from these brokers, host:port[,host:port] (env KAFKA_BOOTSTRAP)',
  )
  .option(
    '--group <group>',
    'Kafka: consumer group shared with other engines, which split the partitions (default: read all, commit nothing)',
  )
  .option('--topic <topic>', 'the topic of events to consume')
  .option(
    '--snapshot-dir <dir>',
    'durable snapshots here; restart resumes from the newest good one',
  )
  .option('--snapshot-every-ms <ms>', 'snapshot interval while messages arrive (default 5000)')
  .option('--dead-letter-topic <topic>', 'where invalid events go (default <topic>-dlq)')
  .option('--derived-topic <topic>', 'publish derived events (trending spikes) here')
  .option(
    '--alert-topic <topic>',
    'publish inventory alerts (stockout risk, oversell, overstock) here',
  )
  .option('--subscription <name>', 'Pulsar: consume through this subscription instead of a reader')
  .option(
    '--subscription-type <type>',
    'Exclusive, Failover, Shared or Key_Shared (default Exclusive)',
  )
  .option(
    '--retrain-every <s>',
    'seconds between factor-model trainings; one runs at start, 0 = only that one (default 600)',
  )
  .option(
    '--data-dir <dir>',
    'without --pulsar: durable local log and snapshots here (env AISLE_DATA_DIR; default .aisle/data, the demo stays in memory)',
  )
  .option('--no-data-dir', 'without --pulsar: keep accepted events in memory only')
  .option(
    '--snapshot-every <s>',
    'with the local log: seconds between snapshots, 0 = only at shutdown (default 60)',
  )
  .option(
    '--retention <duration>',
    'stream time kept in the log and in every model, e.g. 30d, 12h (env AISLE_RETENTION; default 30d)',
  )
  .option('--retention-bytes <size>', 'bytes of event log kept at most, e.g. 2GiB')
  .option('--max-users <n>', 'users kept at most; the least recently seen go first')
  .option(
    '--memory-budget <size>',
    'bytes the engine may hold, e.g. 1GiB; retention is pulled in past it (default 60% of the heap limit)',
  )
  .option(
    '--event-time <mode>',
    'wall: event times checked against the wall clock; stream: against the stream (replays) (default wall)',
  )
  .option(
    '--max-future-skew <duration>',
    'how far ahead of that clock an event may be (default 5m)',
  )
  .option('--no-factors', 'serve without the factor model (no training)')
  .option('--no-simd', 'use the scalar WASM kernels')
  .option('--log', 'log every request (JSON lines on stderr), not only errors and start-up')
  .option(
    '--log-level <level>',
    'fatal, error, warn, info, debug, trace or silent (env AISLE_LOG_LEVEL; default info)',
  )
  .option(
    '--api-keys-file <file>',
    'API keys with scopes (read, write, admin), JSON or key:scope+scope lines (env AISLE_API_KEYS holds key:scope entries too)',
  )
  .option(
    '--auth-reads',
    'reads need an API key too (writes and admin routes always do once keys are set)',
  )
  .option('--insecure', 'serve on a non-loopback address without API keys')
  .option(
    '--cors-origin <origins>',
    'comma-separated origins a browser may call from (default none)',
  )
  .option(
    '--allowed-hosts <names>',
    'Host header names answered, others get 421 (default: loopback names on loopback, else any)',
  )
  .option(
    '--rate-limit <rate>',
    'requests per client (key or address), e.g. 1000/min; 0 = off (default 60000/min)',
  )
  .option('--max-connections <n>', 'open connections at most (default 512)')
  .option('--params <file>', 'model parameters from `aisle tune` (a JSON parameters file)')
  .option(
    '--margins <list>',
    'margins assumed for items without a cost, e.g. drinks=0.3,*=0.4 (env AISLE_MARGINS)',
  )
  .option(
    '--tune-every <duration>',
    're-tune the session model on the stream this often (e.g. 6h), in a worker thread',
  )
  .option('--tune-budget <duration>', 'time each of those tunings may take (default 60s)')
  .action(async (flags: ServeFlags & { simd: boolean }) => {
    const config = serveConfig(
      { ...flags, simd: flags.simd === false ? false : undefined },
      process.env,
      getHeapStatistics().heap_size_limit,
    );
    const running = await serve(config, (line) => console.log(line));
    // A second signal means "now": the state is as durable as the last snapshot and log.
    stopOnSignals({
      announce: 'stopping intake, finishing requests, writing a final snapshot',
      stop: () => running.close(),
      done: () => 'stopped',
      graceMs: SHUTDOWN_MS,
    });
  });

program
  .command('produce')
  .description('replay the simulator or a dataset file into a Pulsar or Kafka topic')
  .requiredOption('--topic <topic>', 'topic to publish to')
  .option('--pulsar <url>', 'WebSocket URL of the broker (env PULSAR_WS_URL)')
  .option('--kafka <bootstrap>', 'Kafka brokers, host:port[,host:port], instead of Pulsar')
  .option('--per-user', 'one message per user within each batch, keyed by the user')
  .option('--source <sim|file>', '"sim" or the Online Retail CSV (folder or file)', 'sim')
  .option('--rate <n>', 'events per second, 0 = as fast as acknowledged', '0')
  .option('--batch <n>', 'events per message', '100')
  .option('--format <f>', 'json (one event or an array), ndjson or arrow', 'ndjson')
  .option('--count <n>', 'events to send (simulator: default 100000; a file: default all)')
  .option('--seed <n>', 'simulator seed', '42')
  .option('--window <n>', 'messages in flight before waiting for acknowledgements', '500')
  .option('--no-progress', 'print rate lines instead of a progress bar')
  .action(async (flags: Record<string, string | boolean>) => {
    const kafka = flags.kafka as string | undefined;
    const url =
      kafka === undefined
        ? ((flags.pulsar as string | undefined) ?? process.env.PULSAR_WS_URL)
        : undefined;
    if (kafka !== undefined && flags.pulsar !== undefined)
      throw new ConfigError('--pulsar and --kafka exclude each other');
    if (url === undefined && kafka === undefined)
      throw new ConfigError('--pulsar (or PULSAR_WS_URL) or --kafka is required');
    const format = flags.format as string;
    if (!['json', 'ndjson', 'arrow'].includes(format))
      throw new ConfigError('--format must be json, ndjson or arrow');
    await produce(
      {
        ...(url !== undefined && { pulsar: url }),
        ...(kafka !== undefined && { kafka }),
        perUser: flags.perUser === true,
        ...(process.env.PULSAR_TOKEN !== undefined && { token: process.env.PULSAR_TOKEN }),
        topic: flags.topic as string,
        source: flags.source as string,
        rate: int('--rate', flags.rate as string),
        batch: Math.max(1, int('--batch', flags.batch as string)),
        format: format as 'json' | 'ndjson' | 'arrow',
        ...(flags.count !== undefined && { count: int('--count', flags.count as string) }),
        seed: int('--seed', flags.seed as string),
        window: Math.max(1, int('--window', flags.window as string)),
        progress: flags.progress !== false && process.stderr.isTTY === true,
      },
      (line) => console.log(line),
    );
  });

program.addCommand(pulsarCommand());
program.addCommand(kafkaCommand());
program.addCommand(bridgeCommand());
program.addCommand(evalCommand());
program.addCommand(analyzeCommand());
program.addCommand(tuneCommand());

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(`aisle: ${err.message}`);
  else console.error(err instanceof Error ? `aisle: ${err.message}` : err);
  process.exit(1);
});
