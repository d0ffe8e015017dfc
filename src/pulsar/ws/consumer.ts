/**
 * Consumer over `/ws/v2/consumer/.../{subscription}`. The service pushes up to
 * `receiverQueueSize` unacknowledged messages, then waits for acks (push mode), or sends exactly
 * as many as permitted (pull mode). After a reconnect the broker redelivers everything not yet
 * acknowledged, so the local buffer is dropped rather than kept: keeping it would deliver twice.
 */
import type { MessageId } from '../message-id.js';
import {
  PulsarError,
  type Consumer,
  type ConsumerOptions,
  type Message,
  type ReceiveOptions,
} from '../transport.js';
import type { HandleContext } from './context.js';
import { Fifo } from './fifo.js';
import { decodeMessage, parseFrame } from './frames.js';
import { Inbox, iterate } from './inbox.js';
import { ManagedSocket, type SocketOwner } from './socket.js';
import { endpointUrl } from './url.js';

interface Outgoing {
  readonly frame: string;
  resolve(): void;
  reject(err: PulsarError): void;
}

const SUBSCRIPTION_TYPES = new Set(['Exclusive', 'Failover', 'Shared', 'Key_Shared']);

/** `Consumer` over one reconnecting WebSocket; created and opened by `createWsTransport`. */
export class WsConsumer implements Consumer, SocketOwner {
  readonly topic: string;
  readonly subscription: string;
  private readonly socket: ManagedSocket;
  private readonly what: string;
  private readonly endpoint: string;
  private readonly pullMode: boolean;
  private readonly inbox: Inbox<Message>;
  /** Acks and nacks written while no session was open; sent first on the next one. */
  private readonly outbox = new Fifo<Outgoing>();
  /** Pull mode: permits granted minus messages handed to the caller. */
  private permits = 0;
  private closing: Promise<void> | undefined;

  constructor(ctx: HandleContext, subscription: string, options: ConsumerOptions) {
    this.topic = ctx.topic.full;
    this.subscription = subscription;
    this.what = ctx.socket.what;
    this.pullMode = options.pullMode ?? false;
    const type = options.subscriptionType ?? 'Exclusive';
    if (!SUBSCRIPTION_TYPES.has(type)) {
      throw new PulsarError('PULSAR_INVALID_ARGUMENT', `unknown subscription type "${type}"`);
    }
    this.inbox = new Inbox(this.what);
    this.endpoint = endpointUrl(ctx.base, 'consumer', ctx.topic, subscription, {
      subscriptionType: type,
      subscriptionInitialPosition: options.initialPosition,
      receiverQueueSize: options.receiverQueueSize,
      pullMode: options.pullMode,
      consumerName: options.consumerName,
      priorityLevel: options.priorityLevel,
      ackTimeoutMillis: options.ackTimeoutMs,
      negativeAckRedeliveryDelay: options.negativeAckRedeliveryDelayMs,
      maxRedeliverCount: options.maxRedeliverCount,
      deadLetterTopic: options.deadLetterTopic,
      ...ctx.params,
    });
    this.socket = new ManagedSocket(this, ctx.socket, this);
  }

  /** Opens the first session; rejects with the broker's refusal. */
  open(): Promise<void> {
    return this.socket.open();
  }

  receive(options?: ReceiveOptions): Promise<Message> {
    const next = this.inbox.take(options);
    if (!this.pullMode) return next;
    return next.then((message) => {
      // a permit is used up when the caller gets the message, not when it lands in the buffer:
      // buffered messages are dropped on reconnect and their permits must be granted again
      if (this.permits > 0) this.permits--;
      return message;
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<Message> {
    return iterate(
      () => this.receive(),
      () => this.closing !== undefined,
    );
  }

  ack(message: Message | MessageId): Promise<void> {
    return this.write(JSON.stringify({ messageId: rawId(message) }));
  }

  nack(message: Message | MessageId): Promise<void> {
    return this.write(JSON.stringify({ type: 'negativeAcknowledge', messageId: rawId(message) }));
  }

  permit(count: number): void {
    if (!this.pullMode) {
      throw new PulsarError('PULSAR_INVALID_ARGUMENT', `${this.what}: permit() needs pullMode`);
    }
    if (!Number.isInteger(count) || count < 1) {
      throw new PulsarError('PULSAR_INVALID_ARGUMENT', `permit count must be >= 1, got ${count}`);
    }
    if (this.inbox.ended) throw this.inbox.ended;
    this.permits += count;
    // Only sent on an open session: a reconnect re-grants the whole outstanding count.
    this.socket.send(permitFrame(count));
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.shutdown(new PulsarError('PULSAR_CLOSED', `${this.what}: consumer closed`));
    this.closing = this.socket.close();
    return this.closing;
  }

  // --- SocketOwner ---

  url(): string {
    return this.endpoint;
  }

  opened(reconnect: boolean): void {
    for (const out of this.outbox.drain()) this.transmit(out);
    if (reconnect && this.pullMode && this.permits > 0) this.socket.send(permitFrame(this.permits));
  }

  message(text: string): void {
    let message: Message;
    try {
      const frame = parseFrame(text, this.what);
      if (typeof frame.messageId !== 'string' || !('payload' in frame)) return; // not a delivery
      message = decodeMessage(this.topic, frame);
    } catch (err) {
      this.shutdown(err as PulsarError);
      void this.socket.close();
      return;
    }
    this.inbox.push(message);
  }

  dropped(): void {
    this.inbox.clear();
  }

  failed(error: PulsarError): void {
    this.shutdown(error);
  }

  private write(frame: string): Promise<void> {
    const ended = this.inbox.ended;
    if (ended) return Promise.reject(ended);
    return new Promise<void>((resolve, reject) => this.transmit({ frame, resolve, reject }));
  }

  /** Writes now, or queues for the next session; a write lost to a drop is queued again. */
  private transmit(out: Outgoing): void {
    const written = this.socket.send(out.frame, (err) => {
      if (!err) return out.resolve();
      const ended = this.inbox.ended;
      if (ended) out.reject(ended);
      else this.outbox.push(out); // the drop is being handled: the next opened() sends it
    });
    if (!written) this.outbox.push(out);
  }

  private shutdown(error: PulsarError): void {
    this.inbox.end(error);
    for (const out of this.outbox.drain()) out.reject(error);
  }
}

function permitFrame(count: number): string {
  return JSON.stringify({ type: 'permit', permitMessages: count });
}

function rawId(message: Message | MessageId): string {
  const raw = 'raw' in message ? message.raw : message.id.raw;
  if (typeof raw !== 'string') {
    throw new PulsarError('PULSAR_INVALID_ARGUMENT', 'ack/nack needs a Message or a MessageId');
  }
  return raw;
}
