/**
 * Producer over `/ws/v2/producer/...`. Each send carries a `context` the service echoes in its
 * receipt, so any number of sends can be in flight and settle independently. Sends still waiting
 * for a receipt when the connection drops are written again, in order, on the next session:
 * the broker may then store a message twice (at least once), never zero times.
 */
import { parseMessageId, type MessageId } from '../message-id.js';
import {
  PulsarError,
  type Producer,
  type ProducerOptions,
  type SendOptions,
} from '../transport.js';
import { Fifo } from './fifo.js';
import { encodeSend, parseFrame } from './frames.js';
import type { HandleContext } from './context.js';
import { ManagedSocket, type SocketOwner } from './socket.js';
import { endpointUrl } from './url.js';

interface PendingSend {
  readonly seq: number;
  readonly frame: string;
  readonly startedAt: number;
  resolve(id: MessageId): void;
  reject(err: PulsarError): void;
}

interface FlushWaiter {
  readonly upTo: number;
  resolve(): void;
}

const DEFAULT_MAX_PENDING = 1000;
const DEFAULT_SEND_TIMEOUT_MS = 30_000;

/** `Producer` over one reconnecting WebSocket; created and opened by `createWsTransport`. */
export class WsProducer implements Producer, SocketOwner {
  readonly topic: string;
  private readonly socket: ManagedSocket;
  private readonly what: string;
  private readonly maxPending: number;
  private readonly sendTimeoutMs: number;
  private readonly endpoint: string;
  /** Written (or to be re-written), awaiting a receipt; keyed by context, in send order. */
  private readonly inflight = new Map<string, PendingSend>();
  /** Waiting for an in-flight slot; every seq here is above every seq in `inflight`. */
  private readonly waiting = new Fifo<PendingSend>();
  private readonly flushers: FlushWaiter[] = [];
  private seq = 0;
  private sweeper: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private terminal: PulsarError | undefined;

  constructor(ctx: HandleContext, options: ProducerOptions) {
    this.topic = ctx.topic.full;
    this.what = ctx.socket.what;
    this.maxPending = options.maxPendingSends ?? DEFAULT_MAX_PENDING;
    this.sendTimeoutMs = options.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
    if (!(this.maxPending >= 1) || !(this.sendTimeoutMs >= 0)) {
      throw new PulsarError(
        'PULSAR_INVALID_ARGUMENT',
        'maxPendingSends must be >= 1 and sendTimeoutMs >= 0',
      );
    }
    this.endpoint = endpointUrl(ctx.base, 'producer', ctx.topic, undefined, {
      producerName: options.name,
      batchingEnabled: options.batchingEnabled,
      batchingMaxMessages: options.batchingMaxMessages,
      batchingMaxPublishDelay: options.batchingMaxPublishDelayMs,
      compressionType: options.compressionType,
      // the service's own timeout would fail a send our re-send logic could still save
      sendTimeoutMillis: 0,
      ...ctx.params,
    });
    this.socket = new ManagedSocket(this, ctx.socket, this);
  }

  /** Opens the first session; rejects with the broker's refusal. */
  async open(): Promise<void> {
    await this.socket.open();
    if (this.sendTimeoutMs > 0) {
      this.sweeper = setInterval(() => this.expire(), Math.min(1_000, this.sendTimeoutMs / 4));
      this.sweeper.unref();
    }
  }

  get pending(): number {
    return this.inflight.size + this.waiting.size;
  }

  send(payload: Uint8Array | string, options?: SendOptions): Promise<MessageId> {
    if (this.terminal) return Promise.reject(this.terminal);
    const seq = ++this.seq;
    let frame: string;
    try {
      frame = encodeSend(payload, options, String(seq));
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<MessageId>((resolve, reject) => {
      const send: PendingSend = { seq, frame, startedAt: Date.now(), resolve, reject };
      if (this.waiting.size > 0 || this.inflight.size >= this.maxPending) this.waiting.push(send);
      else this.dispatch(send);
    });
  }

  flush(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.flushers.push({ upTo: this.seq, resolve }));
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.shutdown(new PulsarError('PULSAR_CLOSED', `${this.what}: producer closed`));
    this.closing = this.socket.close();
    return this.closing;
  }

  // --- SocketOwner ---

  url(): string {
    return this.endpoint;
  }

  opened(reconnect: boolean): void {
    if (!reconnect) return;
    for (const send of this.inflight.values()) this.socket.send(send.frame);
  }

  message(text: string): void {
    let receipt: Record<string, unknown>;
    try {
      receipt = parseFrame(text, this.what);
    } catch {
      return; // without a context nothing can be attributed; pending sends time out instead
    }
    const context = typeof receipt.context === 'string' ? receipt.context : undefined;
    const send = context === undefined ? undefined : this.inflight.get(context);
    if (!send) return; // a receipt for a send that already timed out
    this.inflight.delete(context!);
    if (receipt.result === 'ok' && typeof receipt.messageId === 'string') {
      try {
        send.resolve(parseMessageId(receipt.messageId));
      } catch (err) {
        send.reject(err as PulsarError);
      }
    } else {
      const reason = typeof receipt.errorMsg === 'string' ? receipt.errorMsg : undefined;
      send.reject(
        new PulsarError(
          'PULSAR_SEND_FAILED',
          `${this.what}: send failed (${String(receipt.result)})${reason ? `: ${reason}` : ''}`,
          reason === undefined ? {} : { reason },
        ),
      );
    }
    this.settled();
  }

  dropped(): void {
    // in-flight sends stay put and are written again once `opened(true)` runs
  }

  failed(error: PulsarError): void {
    this.shutdown(error);
  }

  // --- internals ---

  private dispatch(send: PendingSend): void {
    this.inflight.set(String(send.seq), send);
    this.socket.send(send.frame);
  }

  /** After any settle: admit waiting sends and release flushes that are now complete. */
  private settled(): void {
    while (this.waiting.size > 0 && this.inflight.size < this.maxPending) {
      this.dispatch(this.waiting.shift()!);
    }
    if (this.flushers.length === 0) return;
    const oldest = this.inflight.values().next().value?.seq ?? this.waiting.peek()?.seq;
    for (let i = this.flushers.length - 1; i >= 0; i--) {
      const f = this.flushers[i]!;
      if (oldest === undefined || oldest > f.upTo) {
        this.flushers.splice(i, 1);
        f.resolve();
      }
    }
  }

  private expire(): void {
    const deadline = Date.now() - this.sendTimeoutMs;
    const timeout = (send: PendingSend): void =>
      send.reject(
        new PulsarError(
          'PULSAR_TIMEOUT',
          `${this.what}: send not acknowledged within ${this.sendTimeoutMs} ms`,
        ),
      );
    let any = false;
    for (const [context, send] of this.inflight) {
      if (send.startedAt > deadline) break;
      this.inflight.delete(context);
      timeout(send);
      any = true;
    }
    while (this.waiting.size > 0 && this.waiting.peek()!.startedAt <= deadline) {
      timeout(this.waiting.shift()!);
      any = true;
    }
    if (any) this.settled();
  }

  private shutdown(error: PulsarError): void {
    if (this.terminal) return;
    this.terminal = error;
    clearInterval(this.sweeper);
    const all = [...this.inflight.values(), ...this.waiting.drain()];
    this.inflight.clear();
    for (const send of all) send.reject(error);
    this.settled();
  }
}
