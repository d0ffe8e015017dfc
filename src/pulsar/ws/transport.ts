/**
 * `createWsTransport`: the WebSocket backend of `PulsarTransport`.
 */
import {
  PulsarError,
  type ConnectionEvent,
  type Consumer,
  type ConsumerOptions,
  type HandleRole,
  type Producer,
  type ProducerOptions,
  type PulsarTransport,
  type Reader,
  type ReaderOptions,
  type ReconnectOptions,
} from '../transport.js';
import { backoffPolicy } from './backoff.js';
import type { HandleContext } from './context.js';
import { WsConsumer } from './consumer.js';
import { WsProducer } from './producer.js';
import { WsReader } from './reader.js';
import { endpointUrl, parseTopic } from './url.js';

export interface WsTransportOptions {
  /** Service URL of the broker's (or proxy's) web port, e.g. `ws://127.0.0.1:8080`. */
  url: string;
  /** JWT sent as `Authorization: Bearer <token>` on every handshake. */
  token?: string;
  /**
   * Also send the token as the `token` query parameter (as `Bearer <token>`, which both old and
   * new brokers accept), for proxies that drop headers. Off by default: URLs end up in logs.
   */
  tokenInQuery?: boolean;
  reconnect?: ReconnectOptions;
  /** Milliseconds allowed for each handshake (default 10000). */
  connectTimeoutMs?: number;
  /** Milliseconds between keep-alive pings; an unanswered ping drops the session (default 30000; 0 = off). */
  pingIntervalMs?: number;
  /** Connection trouble, for logs and metrics. Must not throw. */
  onEvent?: (event: ConnectionEvent) => void;
}

interface Handle {
  open(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A `PulsarTransport` over the broker's WebSocket API. Creating it opens nothing; each
 * producer/consumer/reader is its own WebSocket, opened by the call that creates it, which
 * rejects with a `PulsarError` carrying the broker's reason when the broker refuses.
 */
export function createWsTransport(options: WsTransportOptions): PulsarTransport {
  const policy = backoffPolicy(options.reconnect);
  // validates the URL once, up front, with a throwaway topic
  endpointUrl(options.url, 'producer', parseTopic('probe'), undefined);
  const headers: Record<string, string> = {};
  if (options.token !== undefined) {
    if (options.token.trim() === '') {
      throw new PulsarError('PULSAR_INVALID_ARGUMENT', 'token is empty');
    }
    headers.Authorization = `Bearer ${options.token}`;
  }
  const params =
    options.tokenInQuery && headers.Authorization ? { token: headers.Authorization } : {};
  const handles = new Set<Handle>();
  let closed: Promise<void> | undefined;

  const context = (role: HandleRole, topicName: string, subscription?: string): HandleContext => {
    const topic = parseTopic(topicName);
    return {
      base: options.url,
      topic,
      params,
      socket: {
        role,
        topic: topic.full,
        what: `${role} ${topic.full}${subscription === undefined ? '' : ` (subscription ${subscription})`}`,
        headers,
        policy,
        connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
        pingIntervalMs: options.pingIntervalMs ?? 30_000,
        onEvent: options.onEvent,
      },
    };
  };

  const open = async <T extends Handle>(create: () => T): Promise<T> => {
    if (closed) throw new PulsarError('PULSAR_CLOSED', 'transport closed');
    const handle = create();
    handles.add(handle);
    // closing a handle directly must also drop it from the set transport.close() walks
    const forget = (): void => void handles.delete(handle);
    const close = handle.close.bind(handle);
    handle.close = () => close().finally(forget);
    try {
      await handle.open();
    } catch (err) {
      await handle.close();
      throw err;
    }
    return handle;
  };

  return {
    producer(topic: string, opts: ProducerOptions = {}): Promise<Producer> {
      return open(() => new WsProducer(context('producer', topic), opts));
    },
    consumer(topic: string, subscription: string, opts: ConsumerOptions = {}): Promise<Consumer> {
      if (typeof subscription !== 'string' || subscription === '') {
        return Promise.reject(
          new PulsarError('PULSAR_INVALID_TOPIC', 'a consumer needs a non-empty subscription'),
        );
      }
      return open(
        () => new WsConsumer(context('consumer', topic, subscription), subscription, opts),
      );
    },
    reader(topic: string, opts: ReaderOptions = {}): Promise<Reader> {
      return open(() => new WsReader(context('reader', topic), opts));
    },
    close(): Promise<void> {
      closed ??= Promise.all([...handles].map((h) => h.close())).then(() => undefined);
      return closed;
    },
  };
}
