/**
 * Everything a producer, consumer or reader needs from the transport that created it.
 */
import type { SocketOptions } from './socket.js';
import type { QueryParams, TopicName } from './url.js';

export interface HandleContext {
  /** Service URL, `ws://host:port`. */
  readonly base: string;
  readonly topic: TopicName;
  readonly socket: SocketOptions;
  /** Query parameters added to every endpoint (the token, when it must ride in the URL). */
  readonly params: QueryParams;
}
