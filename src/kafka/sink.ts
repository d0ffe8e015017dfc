/**
 * A Kafka topic to write records to, batched: records sent while a request is in flight go out
 * together in the next one. One request in flight at a time keeps the idempotent producer's
 * sequence numbers in order (kafkajs's idempotence is only safe that way) and the records in
 * the order they were sent. `send` resolves once the broker has the record (acks=all).
 */
import type { Kafka, Message, Producer } from 'kafkajs';
import { KafkaError } from './errors.js';

export interface KafkaRecord {
  value: string | Uint8Array;
  key?: string;
  headers?: Record<string, string>;
  /** Record timestamp, epoch ms; default: when the producer sends it. */
  timestamp?: number;
}

export interface KafkaSinkOptions {
  /** Records waiting (queued or in flight) before `send` waits for room (default 10000). */
  maxPending?: number;
  /** Records per produce request (default 1000). */
  maxBatch?: number;
  /**
   * Bytes of values per produce request (default 768 KiB): a request is one record batch on the
   * broker, which refuses batches above its message.max.bytes (1 MiB by default).
   */
  maxBatchBytes?: number;
}

interface Queued {
  message: Message;
  bytes: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class KafkaSink {
  private readonly producer: Producer;
  private queue: Queued[] = [];
  private inFlight = 0;
  private draining: Promise<void> | undefined;
  private readonly room: (() => void)[] = [];
  private closed = false;
  private sent = 0;

  private constructor(
    kafka: Kafka,
    readonly topic: string,
    private readonly options: KafkaSinkOptions,
  ) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
    });
  }

  static async open(
    kafka: Kafka,
    topic: string,
    options: KafkaSinkOptions = {},
  ): Promise<KafkaSink> {
    const sink = new KafkaSink(kafka, topic, options);
    await sink.producer.connect();
    return sink;
  }

  /** Records the broker has acknowledged. */
  get acknowledged(): number {
    return this.sent;
  }

  /** Records queued or in flight. */
  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  async send(record: KafkaRecord): Promise<void> {
    if (this.closed) throw new KafkaError('KAFKA_CLOSED', `sink to ${this.topic} is closed`);
    while (this.pending >= (this.options.maxPending ?? 10_000)) {
      await new Promise<void>((r) => this.room.push(r));
    }
    const value = typeof record.value === 'string' ? record.value : Buffer.from(record.value);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({
        message: {
          value,
          ...(record.key !== undefined && { key: record.key }),
          ...(record.headers !== undefined && { headers: record.headers }),
          ...(record.timestamp !== undefined && { timestamp: String(record.timestamp) }),
        },
        bytes: value.length,
        resolve,
        reject,
      });
      this.draining ??= this.drain();
    });
  }

  /** Resolves when everything sent before the call has settled. */
  async flush(): Promise<void> {
    while (this.draining !== undefined) await this.draining;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    await this.producer.disconnect();
  }

  /** How many queued records the next request takes: at least one, within both limits. */
  private batchLength(): number {
    const maxRecords = this.options.maxBatch ?? 1000;
    const maxBytes = this.options.maxBatchBytes ?? 768 * 1024;
    let bytes = this.queue[0]!.bytes;
    let n = 1;
    while (n < this.queue.length && n < maxRecords && bytes + this.queue[n]!.bytes <= maxBytes) {
      bytes += this.queue[n]!.bytes;
      n++;
    }
    return n;
  }

  private async drain(): Promise<void> {
    // Let the sends of this turn of the event loop join the first request.
    await new Promise((r) => setImmediate(r));
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.batchLength());
      this.inFlight = batch.length;
      try {
        await this.producer.send({
          topic: this.topic,
          acks: -1,
          messages: batch.map((q) => q.message),
        });
        this.sent += batch.length;
        for (const q of batch) q.resolve();
      } catch (err) {
        const e = new KafkaError(
          'KAFKA_SEND_FAILED',
          `send to ${this.topic} failed: ${(err as Error).message}`,
          { cause: err },
        );
        for (const q of batch) q.reject(e);
      }
      this.inFlight = 0;
      for (const wake of this.room.splice(0)) wake();
    }
    this.draining = undefined;
  }
}
