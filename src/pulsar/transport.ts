/**
 * The transport the engine's Pulsar source and producer talk to. One interface, several backends
 * (duckdb-wasm's bindings shape): the WebSocket API now (`ws/`), a native `pulsar-client`
 * binding later. Nothing here names a socket, a URL or a JSON frame.
 *
 * Delivery is at least once everywhere: a producer may re-send after a reconnect, a consumer sees
 * unacknowledged messages again. Deduplicate with `messageIdKey` from `message-id.ts`.
 */
import { CodedError } from '../../engine/errors.js';
import type { MessageId } from './message-id.js';

export type { MessageId } from './message-id.js';

/** How a subscription spreads messages across its consumers. */
export type SubscriptionType = 'Exclusive' | 'Failover' | 'Shared' | 'Key_Shared';

/** Where a new subscription starts; ignored when the subscription already exists. */
export type InitialPosition = 'Earliest' | 'Latest';

/** One received message. Owned by the caller; the transport keeps no reference to it. */
export interface Message {
  /** Full name of the topic it came from (`persistent://tenant/ns/topic`), as the handle's `topic`. */
  readonly topic: string;
  readonly id: MessageId;
  readonly payload: Uint8Array;
  /** Routing key (partition key), when the producer set one. */
  readonly key?: string;
  readonly properties: Readonly<Record<string, string>>;
  /** Broker publish time, milliseconds since the Unix epoch. */
  readonly publishTime: number;
  /** Producer-set event time, milliseconds since the Unix epoch, when set. */
  readonly eventTime?: number;
  /** How many times the broker has delivered this message before (0 on first delivery). */
  readonly redeliveryCount: number;
}

/** Per-message options of `Producer.send`. */
export interface SendOptions {
  /** Routing key: picks the partition and the Key_Shared consumer. */
  key?: string;
  properties?: Readonly<Record<string, string>>;
  /** Event time as a Date or milliseconds since the Unix epoch. */
  eventTime?: Date | number;
}

export interface ProducerOptions {
  /** Producer name; the broker picks one when omitted. */
  name?: string;
  /**
   * Sends awaiting acknowledgement before `send()` waits for a slot (default 1000). Bounds memory
   * and the re-send burst after a reconnect.
   */
  maxPendingSends?: number;
  /** A send not acknowledged within this many milliseconds fails (default 30000; 0 = never). */
  sendTimeoutMs?: number;
  /** Let the broker side batch messages (default false: one entry per message). */
  batchingEnabled?: boolean;
  batchingMaxMessages?: number;
  /** Milliseconds. */
  batchingMaxPublishDelayMs?: number;
  compressionType?: 'NONE' | 'LZ4' | 'ZLIB' | 'ZSTD' | 'SNAPPY';
}

export interface ConsumerOptions {
  /** Default Exclusive. */
  subscriptionType?: SubscriptionType;
  /** Default Latest. */
  initialPosition?: InitialPosition;
  /**
   * Messages delivered but not yet acknowledged before the broker pauses (default 1000, the
   * WebSocket service's maximum). Also bounds the client-side buffer.
   */
  receiverQueueSize?: number;
  /** When true nothing arrives until `permit(n)` grants room for n messages. */
  pullMode?: boolean;
  consumerName?: string;
  /** Lower is served first among Shared consumers. */
  priorityLevel?: number;
  /** Redeliver messages not acknowledged within this many milliseconds (0 = never). */
  ackTimeoutMs?: number;
  /** Delay before a negatively acknowledged message is redelivered, milliseconds. */
  negativeAckRedeliveryDelayMs?: number;
  /** After this many redeliveries a message goes to the dead letter topic. */
  maxRedeliverCount?: number;
  /** Default `{topic}-{subscription}-DLQ` when `maxRedeliverCount` is set. */
  deadLetterTopic?: string;
}

export interface ReaderOptions {
  /**
   * Where to start. A MessageId starts strictly AFTER that message (exclusive), the position the
   * engine needs to resume from a snapshot. Default `'latest'`. A whole partitioned topic only
   * takes `'earliest'` or `'latest'` (the broker refuses an id): to resume by id, read each
   * partition, `{topic}-partition-{n}`, with its own reader.
   */
  startMessageId?: 'earliest' | 'latest' | MessageId;
  /** Messages in flight to this reader (default 1000, the WebSocket service's maximum). */
  receiverQueueSize?: number;
  readerName?: string;
}

/** Options of a blocking receive. */
export interface ReceiveOptions {
  /** Fail with `PULSAR_TIMEOUT` after this many milliseconds. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface Producer {
  /** Full topic name, `persistent://tenant/ns/topic`, whatever short form was given. */
  readonly topic: string;
  /**
   * Publishes one message and resolves with its id once the broker has persisted it. Many sends
   * may be in flight at once; they are written in call order. Rejects with `PULSAR_SEND_FAILED`
   * (the broker's reason), `PULSAR_TIMEOUT` or `PULSAR_CLOSED`.
   */
  send(payload: Uint8Array | string, options?: SendOptions): Promise<MessageId>;
  /** Resolves when every send issued before this call has settled, successfully or not. */
  flush(): Promise<void>;
  /** Sends awaiting acknowledgement, including those waiting for a slot. */
  readonly pending: number;
  /** Idempotent. Pending sends reject with `PULSAR_CLOSED`; call `flush()` first to keep them. */
  close(): Promise<void>;
}

/** A message stream; iteration ends when the handle is closed. */
export interface MessageStream extends AsyncIterable<Message> {
  /** Full topic name, `persistent://tenant/ns/topic`, whatever short form was given. */
  readonly topic: string;
  /** Resolves with the next message. Rejects with `PULSAR_CLOSED` when the handle closes. */
  receive(options?: ReceiveOptions): Promise<Message>;
  /** Idempotent. Pending receives reject with `PULSAR_CLOSED`. */
  close(): Promise<void>;
}

export interface Consumer extends MessageStream {
  readonly subscription: string;
  /**
   * Acknowledges one message. Resolves once written to the connection (the WebSocket API sends no
   * receipt); queued while reconnecting. Until acked, a message counts against
   * `receiverQueueSize` and is redelivered after a reconnect.
   */
  ack(message: Message | MessageId): Promise<void>;
  /** Asks for redelivery after `negativeAckRedeliveryDelayMs`. */
  nack(message: Message | MessageId): Promise<void>;
  /** Pull mode only: room for `count` more messages. Outstanding permits survive reconnects. */
  permit(count: number): void;
}

/**
 * Reads a topic without a durable subscription. Flow control is handled inside: each message is
 * acknowledged to the service as it is handed out, which is what lets the next one through.
 */
export type Reader = MessageStream;

/** A connection to a Pulsar cluster that creates producers, consumers and readers. */
export interface PulsarTransport {
  /** Topic names may be `persistent://tenant/ns/topic`, `tenant/ns/topic` or a bare name. */
  producer(topic: string, options?: ProducerOptions): Promise<Producer>;
  consumer(topic: string, subscription: string, options?: ConsumerOptions): Promise<Consumer>;
  reader(topic: string, options?: ReaderOptions): Promise<Reader>;
  /** Closes every handle this transport created. Idempotent. */
  close(): Promise<void>;
}

/** Reconnection policy: exponential backoff with jitter between attempts. */
export interface ReconnectOptions {
  /** First delay, milliseconds (default 100). */
  minDelayMs?: number;
  /** Cap on the delay, milliseconds (default 30000). */
  maxDelayMs?: number;
  /**
   * Reconnect attempts before the handle fails for good (default unlimited). Counts attempts
   * since the last session that stayed up for 2 s, so a connection that keeps dropping right
   * after each reconnect also runs out.
   */
  maxAttempts?: number;
}

/** Reported through `onEvent` so hosts can log and count connection trouble. */
export type ConnectionEvent =
  | { type: 'disconnected'; topic: string; role: HandleRole; error: PulsarError }
  | { type: 'reconnected'; topic: string; role: HandleRole; attempts: number }
  | { type: 'failed'; topic: string; role: HandleRole; error: PulsarError };

export type HandleRole = 'producer' | 'consumer' | 'reader';

export type PulsarErrorCode =
  /** The topic or subscription name cannot be used. */
  | 'PULSAR_INVALID_TOPIC'
  | 'PULSAR_INVALID_MESSAGE_ID'
  | 'PULSAR_INVALID_ARGUMENT'
  /** The broker refused the connection: `status` and the broker's reason are set. */
  | 'PULSAR_CONNECT_FAILED'
  | 'PULSAR_AUTH_FAILED'
  /** The connection dropped (or reconnecting gave up): `closeCode`/`reason` when known. */
  | 'PULSAR_DISCONNECTED'
  | 'PULSAR_SEND_FAILED'
  | 'PULSAR_TIMEOUT'
  /** A receive was cancelled through its AbortSignal. */
  | 'PULSAR_ABORTED'
  | 'PULSAR_PROTOCOL'
  | 'PULSAR_CLOSED';

const BRAND = Symbol.for('aisle.pulsar.error');

/**
 * The one error type transports throw; `code` is stable, the message is for people. A CodedError
 * like every error aisle throws, so a host can log and count all of them the same way.
 */
export class PulsarError extends CodedError<PulsarErrorCode> {
  /** HTTP status of a refused WebSocket handshake. */
  readonly status: number | undefined;
  /** WebSocket close code sent by the server. */
  readonly closeCode: number | undefined;
  /** The broker's own words, when it gave any. */
  readonly reason: string | undefined;
  readonly [BRAND] = true;

  constructor(
    code: PulsarErrorCode,
    message: string,
    details: { status?: number; closeCode?: number; reason?: string; cause?: unknown } = {},
  ) {
    const { cause, ...given } = details;
    const known = Object.entries(given).filter(([, v]) => v !== undefined);
    super(
      code,
      message,
      known.length === 0 ? undefined : Object.fromEntries(known),
      cause === undefined ? undefined : { cause },
    );
    this.name = 'PulsarError';
    this.status = details.status;
    this.closeCode = details.closeCode;
    this.reason = details.reason;
  }
}

export function isPulsarError(err: unknown): err is PulsarError {
  return (
    typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[BRAND] === true
  );
}
