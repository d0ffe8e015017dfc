/**
 * Reader over `/ws/v2/reader/...?messageId=`. The service starts strictly after a given message
 * id (exclusive; verified against Pulsar 4.0.7 for plain and batched ids) and stops after
 * `receiverQueueSize` messages until the client answers each one, so every message handed out by
 * `receive()` is answered then: the local buffer never outgrows the queue size.
 *
 * On a reconnect the reader keeps its buffer and resumes after the last message it received,
 * so nothing is lost or repeated. The one gap: a reader started at `latest` that had received
 * nothing yet restarts at the new `latest`.
 *
 * A partitioned topic read as a whole is different: the service refuses a message id as the start
 * ("The partitioned topic startMessageId is illegal"). Such a reader started at `earliest`
 * resumes by starting over and skipping, per partition, what it already received; one started at
 * `latest` cannot resume and fails on its first drop. To resume from a position, read each
 * partition (`{topic}-partition-{n}`) with its own reader.
 */
import { compareMessageIds, type MessageId } from '../message-id.js';
import {
  PulsarError,
  type Message,
  type ReaderOptions,
  type ReceiveOptions,
  type Reader,
} from '../transport.js';
import type { HandleContext } from './context.js';
import { decodeMessage, parseFrame } from './frames.js';
import { Inbox, iterate } from './inbox.js';
import { ManagedSocket, type SocketOwner } from './socket.js';
import { endpointUrl } from './url.js';

interface Received {
  readonly message: Message;
  /** The socket session it arrived on; only that session wants the flow answer. */
  readonly session: number;
}

/** `Reader` over one reconnecting WebSocket; created and opened by `createWsTransport`. */
export class WsReader implements Reader, SocketOwner {
  readonly topic: string;
  private readonly socket: ManagedSocket;
  private readonly what: string;
  private readonly inbox: Inbox<Received>;
  private readonly urlFor: (start: string) => string;
  private readonly startAt: string;
  private last: MessageId | undefined;
  /** The name is not one partition's, so ids with a partition mean a whole partitioned topic. */
  private readonly mayBePartitioned: boolean;
  /** Set once ids show a whole partitioned topic: the last id received per partition. */
  private partitions: Map<number, MessageId> | undefined;
  private closing: Promise<void> | undefined;

  constructor(ctx: HandleContext, options: ReaderOptions) {
    this.topic = ctx.topic.full;
    this.what = ctx.socket.what;
    this.inbox = new Inbox(this.what);
    const start = options.startMessageId ?? 'latest';
    if (start !== 'earliest' && start !== 'latest' && typeof start?.raw !== 'string') {
      throw new PulsarError(
        'PULSAR_INVALID_ARGUMENT',
        `startMessageId must be 'earliest', 'latest' or a MessageId`,
      );
    }
    this.startAt = typeof start === 'string' ? start : start.raw;
    this.mayBePartitioned = !/-partition-\d+$/.test(ctx.topic.local);
    this.urlFor = (messageId) =>
      endpointUrl(ctx.base, 'reader', ctx.topic, undefined, {
        messageId,
        receiverQueueSize: options.receiverQueueSize,
        readerName: options.readerName,
        ...ctx.params,
      });
    this.socket = new ManagedSocket(this, ctx.socket, this);
  }

  /** Opens the first session; rejects with the broker's refusal. */
  async open(): Promise<void> {
    try {
      await this.socket.open();
    } catch (err) {
      const e = err as PulsarError;
      if (!/partitioned topic startMessageId is illegal/.test(e.message)) throw e;
      throw new PulsarError(
        e.code,
        `${e.message} (a partitioned topic can only be read from earliest or latest as a whole: read each partition, ${this.topic}-partition-N, to start from a message id)`,
        { status: e.status, reason: e.reason, cause: e },
      );
    }
  }

  async receive(options?: ReceiveOptions): Promise<Message> {
    const { message, session } = await this.inbox.take(options);
    if (session === this.socket.session) {
      this.socket.send(JSON.stringify({ messageId: message.id.raw }));
    }
    return message;
  }

  [Symbol.asyncIterator](): AsyncIterator<Message> {
    return iterate(
      () => this.receive(),
      () => this.closing !== undefined,
    );
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.inbox.end(new PulsarError('PULSAR_CLOSED', `${this.what}: reader closed`));
    this.closing = this.socket.close();
    return this.closing;
  }

  // --- SocketOwner ---

  url(): string {
    if (this.partitions) return this.urlFor(this.startAt);
    return this.urlFor(this.last?.raw ?? this.startAt);
  }

  resumeError(): PulsarError | undefined {
    if (!this.partitions || this.startAt === 'earliest') return undefined;
    return new PulsarError(
      'PULSAR_DISCONNECTED',
      `${this.what}: connection lost and a reader of a whole partitioned topic started at ${this.startAt} cannot resume without loss; read each partition (${this.topic}-partition-N) on its own`,
    );
  }

  opened(): void {
    // nothing to restore: the URL already carries the resume position
  }

  message(text: string): void {
    let message: Message;
    try {
      const frame = parseFrame(text, this.what);
      if (typeof frame.messageId !== 'string' || !('payload' in frame)) return;
      message = decodeMessage(this.topic, frame);
    } catch (err) {
      this.inbox.end(err as PulsarError);
      void this.socket.close();
      return;
    }
    const { id } = message;
    if (this.mayBePartitioned && id.partition >= 0) {
      this.partitions ??= new Map();
      const seen = this.partitions.get(id.partition);
      if (seen && compareMessageIds(id, seen) <= 0) {
        // already received before a reconnect started over: skip it, but answer for flow
        this.socket.send(JSON.stringify({ messageId: id.raw }));
        return;
      }
      this.partitions.set(id.partition, id);
    }
    this.last = id;
    this.inbox.push({ message, session: this.socket.session });
  }

  dropped(): void {
    // the buffer stays: the next session starts after `last`
  }

  failed(error: PulsarError): void {
    this.inbox.end(error);
  }
}
