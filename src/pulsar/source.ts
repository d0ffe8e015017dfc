/**
 * The engine's Pulsar source: reads topics, decodes payloads, ingests valid events, sends invalid
 * ones to a dead-letter topic, and keeps the stream position that a snapshot covers.
 *
 * Exactly once, by construction:
 * - Reader mode (default, one reader per topic or partition, no subscription): the state is a
 *   view of the topic up to `position`. After a crash the host restores the newest snapshot and
 *   a reader resumes strictly after the stored message id; anything at or before it is skipped.
 * - Subscription mode (Exclusive/Failover/Shared/Key_Shared): a message is acknowledged only once
 *   a durable snapshot holds its effect (or at once when there are no snapshots). Messages applied
 *   but not yet acknowledged travel in the snapshot, so a redelivery after a crash is recognised.
 * A snapshot is taken between messages, never inside one, and only after the dead-letter sends
 * it covers are acknowledged by the broker.
 */
import { AisleError, type Engine } from '../../engine/index.js';
import { applyPayload } from '../stream/apply.js';
import { deadLetter } from '../stream/dead-letter.js';
import type { SourceStats } from '../stream/stats.js';
import { compareMessageIds, messageIdKey, parseMessageId, type MessageId } from './message-id.js';
import type {
  Consumer,
  Message,
  MessageStream,
  Producer,
  PulsarTransport,
  SubscriptionType,
} from './transport.js';

/** What a snapshot stores about the stream; opaque to the engine. */
// A type alias, not an interface: it must be assignable to the snapshot's JSON value type.
export type StreamPosition = {
  /** Topic (or partition) → raw id of the last message applied from it. */
  topics: Record<string, string>;
  /** Messages applied (each once). */
  messages: number;
  /** Events refused and sent to the dead-letter topic (a whole unreadable payload counts 1). */
  deadLetters: number;
  /** Subscription mode: keys of messages applied but perhaps not yet acknowledged. */
  unacked: string[];
};

/**
 * A restored snapshot's position, checked to be a Pulsar one: a directory that holds a Kafka
 * engine's snapshots (or anything else) is refused by name rather than misread.
 */
export function pulsarPosition(value: unknown): StreamPosition {
  const p = value as Partial<StreamPosition> & { transport?: unknown };
  if (
    typeof p !== 'object' ||
    p === null ||
    p.transport !== undefined ||
    typeof p.topics !== 'object' ||
    p.topics === null
  ) {
    throw new AisleError(
      'AISLE_INVALID_ARGUMENT',
      'the snapshot directory holds a snapshot of another stream (not Pulsar): use a directory per source',
    );
  }
  return { ...EMPTY_POSITION, ...p } as StreamPosition;
}

export const EMPTY_POSITION: StreamPosition = {
  topics: {},
  messages: 0,
  deadLetters: 0,
  unacked: [],
};

export interface SourceOptions {
  engine: Engine;
  transport: PulsarTransport;
  /** Topics (or the partitions of a partitioned topic), each read in order. */
  topics: string[];
  deadLetterTopic: string;
  /** Where the restored snapshot left off. */
  position?: StreamPosition;
  /** Consume through a subscription instead of readers. */
  subscription?: { name: string; type: SubscriptionType };
  /** Writes a durable snapshot of the engine with this position; absent: no durability. */
  checkpoint?: (position: StreamPosition) => Promise<void>;
  /** Take a snapshot after this many ms of wall time with new messages (default 5000). */
  checkpointEveryMs?: number;
  /** Called after each applied message (derived events, metrics). */
  onApplied?: (message: Message) => void;
  /** Receive time for events without `ts`. */
  clock?: () => number;
  /** Connection or processing trouble that the source survived. */
  onError?: (err: unknown) => void;
}

export type { SourceStats } from '../stream/stats.js';

export class PulsarSource {
  private readonly topics: Map<string, MessageId | undefined>;
  private messages: number;
  private deadLetters: number;
  private duplicates = 0;
  private lastPublishTime = 0;
  private checkpoints = 0;
  private lastCheckpointMs = 0;
  private readonly streams: MessageStream[] = [];
  private dlq: Producer | undefined;
  /** Subscription mode: applied, not yet covered by a snapshot (acked after the next one). */
  private pendingAck: Message[] = [];
  /** Subscription mode: keys already applied that a redelivery might bring back. */
  private seen = new Set<string>();
  private previousSeen = new Set<string>();
  private dirtySince = 0;
  private inflight: Promise<void> | undefined;
  private stopped = false;
  private loops: Promise<void>[] = [];
  /** Serialises message handling and checkpoints across the per-topic loops. */
  private chain: Promise<void> = Promise.resolve();
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SourceOptions) {
    const pos = options.position ?? EMPTY_POSITION;
    this.topics = new Map(
      options.topics.map((t) => [
        t,
        pos.topics[t] === undefined ? undefined : parseMessageId(pos.topics[t]!),
      ]),
    );
    this.messages = pos.messages;
    this.deadLetters = pos.deadLetters;
    for (const key of pos.unacked) this.previousSeen.add(key);
  }

  /** Opens the dead-letter producer and the readers or consumers, then consumes until `stop()`. */
  async start(): Promise<void> {
    const { transport, subscription } = this.options;
    this.dlq = await transport.producer(this.options.deadLetterTopic);
    for (const [topic, last] of this.topics) {
      const stream = subscription
        ? await transport.consumer(topic, subscription.name, {
            subscriptionType: subscription.type,
            initialPosition: 'Earliest',
          })
        : await transport.reader(topic, { startMessageId: last ?? 'earliest' });
      this.streams.push(stream);
      this.loops.push(this.consume(stream));
    }
    if (this.options.checkpoint !== undefined) {
      // A quiet topic still gets its last messages snapshotted (and, with a subscription,
      // acknowledged): they must not wait for the next message to arrive.
      const every = this.options.checkpointEveryMs ?? 5000;
      this.idleTimer = setInterval(() => {
        this.chain = this.chain.then(() => this.checkpointIfDue());
      }, every);
      this.idleTimer.unref();
    }
  }

  private async checkpointIfDue(): Promise<void> {
    if (this.stopped || this.dirtySince === 0 || this.inflight !== undefined) return;
    if (Date.now() - this.dirtySince >= (this.options.checkpointEveryMs ?? 5000)) {
      await this.beginCheckpoint();
    }
  }

  /**
   * Stops consuming; takes a final snapshot when durability is on and, with a subscription,
   * acknowledges what it covers before the consumers close (messages that arrive meanwhile are
   * left unacknowledged, for the broker to deliver again).
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.idleTimer);
    await this.chain;
    await this.inflight;
    if (this.options.checkpoint !== undefined && this.dirtySince !== 0) await this.checkpoint();
    await Promise.all(this.streams.map((s) => s.close()));
    await Promise.allSettled(this.loops);
    await this.chain;
    await this.dlq?.flush();
    await this.dlq?.close();
  }

  stats(): SourceStats {
    const position: Record<string, string> = {};
    for (const [t, id] of this.topics) if (id !== undefined) position[t] = id.raw;
    return {
      messages: this.messages,
      deadLetters: this.deadLetters,
      duplicatesSkipped: this.duplicates,
      position,
      lastPublishTime: this.lastPublishTime,
      checkpoints: this.checkpoints,
      lastCheckpointMs: this.lastCheckpointMs,
    };
  }

  /** The position as of the last applied message. */
  position(): StreamPosition {
    return {
      topics: this.stats().position,
      messages: this.messages,
      deadLetters: this.deadLetters,
      unacked: this.options.subscription ? [...this.seen, ...this.previousSeen] : [],
    };
  }

  private async consume(stream: MessageStream): Promise<void> {
    try {
      for await (const message of stream) {
        // One message at a time across all loops: the engine is single-threaded state.
        this.chain = this.chain.then(() => this.handle(stream, message));
        await this.chain;
        if (this.stopped) break;
      }
    } catch (err) {
      if (!this.stopped) this.options.onError?.(err);
    }
  }

  private async handle(stream: MessageStream, message: Message): Promise<void> {
    // Stopping: the final snapshot is being taken; what comes now is for the next run.
    if (this.stopped) return;
    const topic = stream.topic;
    if (this.isDuplicate(topic, message)) {
      this.duplicates++;
      if (this.options.subscription) await (stream as Consumer).ack(message);
      return;
    }
    const applied = applyPayload(
      this.options.engine,
      message.payload,
      this.options.clock?.() ?? Date.now(),
    );
    if (applied.deadLetters > 0) {
      this.deadLetters += applied.deadLetters;
      this.sendToDeadLetters(topic, message, applied.error, applied.rejected);
    }
    this.messages++;
    this.topics.set(topic, message.id);
    if (message.publishTime > this.lastPublishTime) this.lastPublishTime = message.publishTime;
    if (this.dirtySince === 0) this.dirtySince = Date.now();
    if (this.options.subscription) {
      this.seen.add(messageIdKey(message.id));
      if (this.options.checkpoint === undefined) await (stream as Consumer).ack(message);
      else this.pendingAck.push(message);
    }
    this.options.onApplied?.(message);
    if (this.options.checkpoint !== undefined) await this.checkpointIfDue();
  }

  private isDuplicate(topic: string, message: Message): boolean {
    if (this.options.subscription) {
      const key = messageIdKey(message.id);
      return this.seen.has(key) || this.previousSeen.has(key);
    }
    const last = this.topics.get(topic);
    return last !== undefined && compareMessageIds(message.id, last) <= 0;
  }

  private sendToDeadLetters(
    topic: string,
    message: Message,
    error: string | undefined,
    rejected: readonly { index: number; field: string; reason: string }[],
  ): void {
    const { body, reason } = deadLetter(
      {
        topic,
        id: message.id.raw,
        publishTime: message.publishTime,
        payload: message.payload,
      },
      error,
      rejected,
    );
    this.dlq!.send(body, {
      properties: {
        sourceTopic: topic,
        sourceMessageId: message.id.raw,
        reason,
      },
      ...(message.key !== undefined && { key: message.key }),
    }).catch((err: unknown) => this.options.onError?.(err));
  }

  /** Waits for any snapshot in flight, then writes one covering everything applied so far. */
  private async checkpoint(): Promise<void> {
    await this.inflight;
    await this.beginCheckpoint();
    await this.inflight;
  }

  /**
   * Captures a snapshot now (the engine serialises its state synchronously inside the
   * `checkpoint` callback) and lets the file writes finish in the background while messages keep
   * flowing. What the snapshot covers is acknowledged once it is durable.
   */
  private async beginCheckpoint(): Promise<void> {
    const started = Date.now();
    // Dead letters first: the snapshot must not cover a refusal the broker has not stored.
    await this.dlq!.flush();
    const covered = this.pendingAck;
    const coveredKeys = this.seen;
    const position = this.position();
    this.pendingAck = [];
    // Keys from before the previous snapshot were acknowledged once it was durable; the ones
    // applied since stay recognisable until the snapshot after this one.
    this.previousSeen = this.seen;
    this.seen = new Set();
    this.dirtySince = 0;
    this.inflight = this.options.checkpoint!(position).then(
      async () => {
        this.checkpoints++;
        this.lastCheckpointMs = Date.now() - started;
        if (!this.options.subscription) return;
        const byTopic = new Map((this.streams as Consumer[]).map((c) => [c.topic, c]));
        for (const m of covered) await byTopic.get(m.topic)?.ack(m);
      },
      (err: unknown) => {
        // Not durable: nothing is acknowledged, and the next snapshot covers these messages.
        this.pendingAck = [...covered, ...this.pendingAck];
        for (const key of coveredKeys) this.seen.add(key);
        if (this.dirtySince === 0) this.dirtySince = Date.now();
        this.options.onError?.(err);
      },
    );
    const settled = this.inflight;
    void settled.finally(() => {
      if (this.inflight === settled) this.inflight = undefined;
    });
  }
}
