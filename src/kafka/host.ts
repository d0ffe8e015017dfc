/**
 * Runs an engine on a Kafka topic: restore the newest good snapshot, resume after the offsets it
 * covers, snapshot periodically, send dead letters, derived events and alerts back to Kafka.
 * The Kafka twin of src/pulsar/host.ts; both share src/stream.
 */
import type { Engine, EngineOptions, RetailEvent } from '../../engine/index.js';
import { snapshotWriter, startEngine } from '../stream/engine-state.js';
import { encodePayload } from '../stream/encode.js';
import { byKey } from '../stream/keys.js';
import { streamOutputs, type RecordSink } from '../stream/outputs.js';
import type { StreamReport } from '../stream/stats.js';
import { createKafkaClient } from './client.js';
import { KafkaSink } from './sink.js';
import { KafkaSource, kafkaPosition } from './source.js';
import { ensureTopics } from './topics.js';

export interface KafkaHostOptions {
  /** `host:port[,host:port]`. */
  bootstrap: string;
  topic: string;
  /** Consumer group shared by the engines that split the topic's partitions. */
  group?: string;
  /** Default `<topic>-dlq`. */
  deadLetterTopic?: string;
  derivedTopic?: string;
  alertTopic?: string;
  snapshotDir?: string;
  snapshotEveryMs?: number;
  keepSnapshots?: number;
  engine?: EngineOptions;
  onError?: (err: unknown) => void;
  log?: (line: string) => void;
}

export interface KafkaHost {
  readonly engine: Engine;
  readonly source: KafkaSource;
  readonly restoredFrom: string | undefined;
  stats(): StreamReport;
  /** Publishes events to the consumed topic, one record per user so keys pick partitions. */
  publish(events: RetailEvent[]): Promise<void>;
  stop(): Promise<void>;
}

function keyedSink(sink: KafkaSink): RecordSink {
  return { send: (value, key) => sink.send({ value, key }) };
}

export async function startKafkaHost(opts: KafkaHostOptions): Promise<KafkaHost> {
  const log = opts.log ?? (() => {});
  const onError = (err: unknown): void => opts.onError?.(err);
  const kafka = createKafkaClient({
    bootstrap: opts.bootstrap,
    onLog: (line) => log(line),
  });
  const { engine, position, restoredFrom } = await startEngine({
    snapshotDir: opts.snapshotDir,
    engine: opts.engine,
    readPosition: (value) => kafkaPosition(value, opts.topic),
    log,
  });
  const deadLetterTopic = opts.deadLetterTopic ?? `${opts.topic}-dlq`;
  await ensureTopics(
    kafka,
    [opts.topic, deadLetterTopic, opts.derivedTopic, opts.alertTopic].filter(
      (t): t is string => t !== undefined && t !== '',
    ),
  );
  const deadLetters = await KafkaSink.open(kafka, deadLetterTopic);
  const derived = opts.derivedTopic ? await KafkaSink.open(kafka, opts.derivedTopic) : undefined;
  const alerts = opts.alertTopic ? await KafkaSink.open(kafka, opts.alertTopic) : undefined;
  const outputs = streamOutputs(
    engine,
    {
      ...(derived !== undefined && { derived: keyedSink(derived) }),
      ...(alerts !== undefined && { alerts: keyedSink(alerts) }),
    },
    onError,
  );
  const snapshotDir = opts.snapshotDir;
  const source = new KafkaSource({
    engine,
    kafka,
    topic: opts.topic,
    deadLetters,
    ...(opts.group !== undefined && { group: opts.group }),
    ...(position !== undefined && { position }),
    ...(snapshotDir !== undefined && {
      checkpoint: snapshotWriter(engine, snapshotDir, opts.keepSnapshots ?? 2),
    }),
    ...(opts.snapshotEveryMs !== undefined && { checkpointEveryMs: opts.snapshotEveryMs }),
    onApplied: () => outputs.afterApply(),
    onError,
    onAssigned: (partitions) =>
      log(`kafka: holding ${partitions.length === 0 ? 'no partitions' : partitions.join(', ')}`),
  });
  await source.start();
  log(
    `consuming Kafka topic ${opts.topic} on ${opts.bootstrap} ${
      opts.group === undefined ? 'with every partition (no group)' : `in group ${opts.group}`
    }`,
  );
  let ingress: KafkaSink | undefined;
  const publish = async (events: RetailEvent[]): Promise<void> => {
    ingress ??= await KafkaSink.open(kafka, opts.topic);
    const sink = ingress;
    await Promise.all(
      [...byKey(events)].map(([key, group]) =>
        sink.send({ value: encodePayload(group, 'ndjson'), ...(key !== '' && { key }) }),
      ),
    );
  };
  return {
    engine,
    source,
    restoredFrom,
    stats: () => ({
      transport: 'kafka',
      ...source.stats(),
      derivedEvents: outputs.derivedEvents,
      alertEvents: outputs.alertEvents,
      ...(opts.group !== undefined && {
        group: opts.group,
        assigned: source.assignment,
        committed: source.committedOffsets(),
      }),
    }),
    publish,
    async stop() {
      await ingress?.close();
      await source.stop();
      await deadLetters.close();
      await derived?.close();
      await alerts?.close();
      engine.close();
    },
  };
}
