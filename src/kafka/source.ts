/**
 * The engine's Kafka source: reads a topic through a consumer group, applies each record's
 * payload the way the Pulsar source does (src/stream: decode, validate, ingest, dead letters),
 * and keeps the offset of the last record applied from each partition.
 *
 * Exactly once, by construction:
 * - The snapshot stores, per partition, the offset of the last record it covers. After a crash
 *   the host restores the newest snapshot; a record at or before that offset is recognised and
 *   skipped, whoever delivers it again.
 * - With a named group, offsets are committed to the group only once a durable snapshot holds
 *   their effect: the group's offset never runs ahead of what some engine has kept. A partition
 *   that moves to another engine is read there from that offset; the engine that lost it keeps
 *   what it had applied (acknowledged or not) and drops nothing.
 * - Without a group, the source reads every partition through a private group that commits
 *   nothing, and seeks each partition to just after the snapshot's offset.
 * A snapshot is taken between records, never inside one, and only after the dead-letter sends
 * it covers are acknowledged by the broker.
 */
import { randomUUID } from 'node:crypto';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Engine } from '../../engine/index.js';
import { applyPayload } from '../stream/apply.js';
import { deadLetter } from '../stream/dead-letter.js';
import type { SourceStats } from '../stream/stats.js';
import { partitionKey } from './client.js';
import { KafkaError } from './errors.js';
import type { KafkaSink } from './sink.js';

/** What a snapshot stores about a Kafka stream; opaque to the engine. */
// A type alias, not an interface: it must be assignable to the snapshot's JSON value type.
export type KafkaPosition = {
  transport: 'kafka';
  topic: string;
  /** `topic/partition` → offset of the last record applied from it. */
  partitions: Record<string, string>;
  messages: number;
  deadLetters: number;
};

export interface KafkaSourceOptions {
  engine: Engine;
  kafka: Kafka;
  topic: string;
  /** Consumer group; absent: a private group that reads every partition and commits nothing. */
  group?: string;
  deadLetters: KafkaSink;
  /** Where the restored snapshot left off. */
  position?: KafkaPosition;
  /** Writes a durable snapshot of the engine with this position; absent: no durability. */
  checkpoint?: (position: KafkaPosition) => Promise<void>;
  /** Take a snapshot after this many ms of wall time with new records (default 5000). */
  checkpointEveryMs?: number;
  /** Called after each applied record (derived events, metrics). */
  onApplied?: (record: KafkaMessage) => void;
  /** Receive time for events without `ts`. */
  clock?: () => number;
  /** Trouble the source survived. */
  onError?: (err: unknown) => void;
  /** Group membership changes, for the log. */
  onAssigned?: (partitions: string[]) => void;
}

/** Checks that a restored snapshot's position belongs to this topic on Kafka. */
export function kafkaPosition(value: unknown, topic: string): KafkaPosition {
  const p = value as Partial<KafkaPosition> | undefined;
  if (p?.transport !== 'kafka') {
    throw new KafkaError(
      'KAFKA_POSITION_MISMATCH',
      'the snapshot directory holds a snapshot of another stream (not Kafka): use a directory per source',
    );
  }
  if (p.topic !== topic) {
    throw new KafkaError(
      'KAFKA_POSITION_MISMATCH',
      `the snapshot directory holds a snapshot of Kafka topic "${p.topic}", not "${topic}"`,
    );
  }
  return p as KafkaPosition;
}

export class KafkaSource {
  private readonly consumer: Consumer;
  private readonly group: string;
  /** Offset (as bigint) of the last record applied, per `topic/partition`. */
  private readonly last = new Map<string, bigint>();
  /** Offsets last committed to the group, per `topic/partition`. */
  private readonly committed = new Map<string, bigint>();
  private assigned: string[] = [];
  private messages: number;
  private deadLetterCount: number;
  private duplicates = 0;
  private lastPublishTime = 0;
  private checkpoints = 0;
  private lastCheckpointMs = 0;
  private dirtySince = 0;
  private inflight: Promise<void> | undefined;
  private stopped = false;
  /** Settles when the batch being handled (if any) is done. */
  private busy: Promise<void> = Promise.resolve();
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: KafkaSourceOptions) {
    const pos = options.position;
    for (const [k, v] of Object.entries(pos?.partitions ?? {})) this.last.set(k, BigInt(v));
    this.messages = pos?.messages ?? 0;
    this.deadLetterCount = pos?.deadLetters ?? 0;
    this.group = options.group ?? `aisle-private-${randomUUID()}`;
    this.consumer = options.kafka.consumer({
      groupId: this.group,
      // The broker's least (group.min.session.timeout.ms): an engine killed without leaving
      // holds its partitions this long, and a restarted one waits as long for them.
      sessionTimeout: 6_000,
      rebalanceTimeout: 30_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 100,
      allowAutoTopicCreation: true,
    });
  }

  /** Joins the group and starts consuming; resolves once the consumer runs. */
  async start(): Promise<void> {
    const { topic } = this.options;
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => {
      const partitions = e.payload.memberAssignment[topic] ?? [];
      this.assigned = partitions.map((p) => partitionKey(topic, p));
      // A private group has no offsets of its own: resume each partition right after the
      // snapshot. A named group resumes from its committed offsets, and records this engine
      // already holds are skipped as they come (see `handle`).
      if (this.options.group === undefined) {
        for (const p of partitions) {
          const last = this.last.get(partitionKey(topic, p));
          if (last !== undefined) {
            this.consumer.seek({ topic, partition: p, offset: (last + 1n).toString() });
          }
        }
      }
      this.options.onAssigned?.(this.assigned);
    });
    this.consumer.on(this.consumer.events.CRASH, (e) => {
      if (!this.stopped) this.options.onError?.(e.payload.error);
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [topic], fromBeginning: true });
    if (this.options.checkpoint !== undefined) {
      // A quiet topic still gets its last records snapshotted and committed: the group's offset
      // must not wait for the next record to catch up.
      const every = this.options.checkpointEveryMs ?? 5000;
      this.idleTimer = setInterval(() => this.serially(() => this.checkpointIfDue()), every);
      this.idleTimer.unref();
    }
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.serially(() => this.handleBatch(payload)),
    });
  }

  /** Runs `work` after everything queued before it: batches and snapshots never interleave. */
  private serially(work: () => Promise<void>): Promise<void> {
    const run = this.busy.then(work);
    this.busy = run.catch(() => {});
    return run;
  }

  private async checkpointIfDue(): Promise<void> {
    if (this.stopped || this.dirtySince === 0 || this.inflight !== undefined) return;
    if (Date.now() - this.dirtySince >= (this.options.checkpointEveryMs ?? 5000)) {
      await this.beginCheckpoint();
    }
  }

  /** Stops consuming after a final snapshot and commit of what it covers, then leaves the group. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.idleTimer);
    await this.busy;
    await this.inflight;
    if (this.options.checkpoint !== undefined && this.dirtySince !== 0) {
      await this.beginCheckpoint();
      await this.inflight;
    }
    await this.consumer.disconnect();
  }

  /** The consumer group this source reads through. */
  get groupId(): string {
    return this.group;
  }

  /** Group only: the next offset committed per `topic/partition` (the group resumes there). */
  committedOffsets(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of this.committed) out[k] = v.toString();
    return out;
  }

  /** The partitions this engine holds now. */
  get assignment(): string[] {
    return [...this.assigned];
  }

  stats(): SourceStats {
    return {
      messages: this.messages,
      deadLetters: this.deadLetterCount,
      duplicatesSkipped: this.duplicates,
      position: this.offsets(),
      lastPublishTime: this.lastPublishTime,
      checkpoints: this.checkpoints,
      lastCheckpointMs: this.lastCheckpointMs,
    };
  }

  /** The position as of the last applied record. */
  position(): KafkaPosition {
    return {
      transport: 'kafka',
      topic: this.options.topic,
      partitions: this.offsets(),
      messages: this.messages,
      deadLetters: this.deadLetterCount,
    };
  }

  private offsets(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of this.last) out[k] = v.toString();
    return out;
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const key = partitionKey(batch.topic, batch.partition);
    let n = 0;
    for (const message of batch.messages) {
      // Stopping, or the partition was taken away in a rebalance: leave the rest unresolved, for
      // whoever holds the partition next.
      if (this.stopped || !isRunning() || isStale()) return;
      this.handle(key, batch.partition, message);
      resolveOffset(message.offset);
      if (++n % 64 === 0) {
        await heartbeat();
        // A batch can hold thousands of records and every await above may resolve at once:
        // yield to the event loop, so a snapshot's file writes (and HTTP requests) go on
        // while a long batch is applied.
        await new Promise((r) => setImmediate(r));
      }
      if (this.options.checkpoint !== undefined) await this.checkpointIfDue();
    }
    if (this.options.checkpoint === undefined && this.options.group !== undefined) {
      // No snapshots: the state lives as long as the process, so committing at once is all
      // the durability there is.
      await this.commit(new Map(this.last));
    }
  }

  private handle(key: string, partition: number, message: KafkaMessage): void {
    const offset = BigInt(message.offset);
    const last = this.last.get(key);
    if (last !== undefined && offset <= last) {
      this.duplicates++;
      return;
    }
    const value = message.value ?? Buffer.alloc(0);
    const applied = applyPayload(this.options.engine, value, this.options.clock?.() ?? Date.now());
    const publishTime = Number(message.timestamp);
    if (applied.deadLetters > 0) {
      this.deadLetterCount += applied.deadLetters;
      const { body, reason } = deadLetter(
        { topic: this.options.topic, partition, id: message.offset, publishTime, payload: value },
        applied.error,
        applied.rejected,
      );
      this.options.deadLetters
        .send({
          value: body,
          ...(message.key !== null && { key: message.key.toString() }),
          headers: {
            sourceTopic: this.options.topic,
            sourcePartition: String(partition),
            sourceOffset: message.offset,
            reason,
          },
        })
        .catch((err: unknown) => this.options.onError?.(err));
    }
    this.messages++;
    this.last.set(key, offset);
    if (publishTime > this.lastPublishTime) this.lastPublishTime = publishTime;
    if (this.dirtySince === 0) this.dirtySince = Date.now();
    this.options.onApplied?.(message);
  }

  /**
   * Captures a snapshot now (the engine serialises its state synchronously inside the
   * `checkpoint` callback) and lets the file writes finish in the background while records keep
   * flowing. The offsets it covers are committed to the group once it is durable.
   */
  private async beginCheckpoint(): Promise<void> {
    const started = Date.now();
    // Dead letters first: the snapshot must not cover a refusal the broker has not stored.
    await this.options.deadLetters.flush();
    const position = this.position();
    const covered = new Map(this.last);
    this.dirtySince = 0;
    const settled = this.options.checkpoint!(position).then(
      async () => {
        this.checkpoints++;
        this.lastCheckpointMs = Date.now() - started;
        if (this.options.group !== undefined) await this.commit(covered);
      },
      (err: unknown) => {
        // Not durable: nothing is committed, and the next snapshot covers these records.
        if (this.dirtySince === 0) this.dirtySince = Date.now();
        this.options.onError?.(err);
      },
    );
    this.inflight = settled;
    void settled.finally(() => {
      if (this.inflight === settled) this.inflight = undefined;
    });
  }

  /** Commits the offsets after `covered` for the partitions this engine holds and has advanced. */
  private async commit(covered: Map<string, bigint>): Promise<void> {
    const held = new Set(this.assigned);
    const topicPartitions = [];
    for (const [key, last] of covered) {
      const next = last + 1n;
      if (!held.has(key) || (this.committed.get(key) ?? -1n) >= next) continue;
      const partition = Number(key.slice(key.lastIndexOf('/') + 1));
      topicPartitions.push({ topic: this.options.topic, partition, offset: next.toString() });
    }
    if (topicPartitions.length === 0) return;
    try {
      await this.consumer.commitOffsets(topicPartitions);
      for (const t of topicPartitions) {
        this.committed.set(partitionKey(t.topic, t.partition), BigInt(t.offset));
      }
    } catch (err) {
      // A rebalance took the partition meanwhile: its next holder reads from the older offset,
      // which is safe (the engines' states overlap, none misses anything).
      if (!this.stopped) this.options.onError?.(err);
    }
  }
}
