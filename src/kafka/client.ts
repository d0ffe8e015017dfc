/**
 * The Kafka client aisle uses: kafkajs, pure JavaScript. `@confluentinc/kafka-javascript` (the
 * librdkafka binding) was the first choice, but its install runs node-pre-gyp, which fetches a
 * prebuilt binary from outside the npm registry or compiles librdkafka; a fresh clone must
 * build from the registry alone, so kafkajs it is. Everything Kafka-specific in aisle goes
 * through this module, so swapping the client later touches only src/kafka/.
 */
import { Kafka, logLevel, type logCreator } from 'kafkajs';
import { KafkaError } from './errors.js';

export interface KafkaClientOptions {
  /** `host:port[,host:port...]`. */
  bootstrap: string;
  clientId?: string;
  /** Broker trouble kafkajs reports at error level (it retries on its own). */
  onLog?: (line: string) => void;
}

/** `host:port[,host:port]` into broker addresses; throws KAFKA_INVALID_ARGUMENT. */
export function parseBootstrap(bootstrap: string): string[] {
  const brokers = bootstrap
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  if (brokers.length === 0) throw new KafkaError('KAFKA_INVALID_ARGUMENT', 'no Kafka broker given');
  for (const b of brokers) {
    if (!/^[A-Za-z0-9.[\]:-]+:\d{1,5}$/.test(b)) {
      throw new KafkaError(
        'KAFKA_INVALID_ARGUMENT',
        `Kafka bootstrap address "${b}" is not host:port`,
      );
    }
  }
  return brokers;
}

export function createKafkaClient(opts: KafkaClientOptions): Kafka {
  const onLog = opts.onLog;
  const creator: logCreator =
    () =>
    ({ level, log }) => {
      if (onLog !== undefined && level <= logLevel.ERROR) onLog(`kafka: ${log.message}`);
    };
  return new Kafka({
    clientId: opts.clientId ?? 'aisle',
    brokers: parseBootstrap(opts.bootstrap),
    // Every connection and request has a timeout; kafkajs retries with backoff within them.
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 10_000 },
    logLevel: onLog === undefined ? logLevel.NOTHING : logLevel.ERROR,
    logCreator: creator,
  });
}

/** `topic/partition`: how a Kafka partition is named in positions and stats. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}
