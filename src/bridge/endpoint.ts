/**
 * The two ends of `aisle bridge`, written as URIs:
 * - `pulsar://host:port/topic` (`pulsar+tls://` for wss): host:port is the broker's (or
 *   proxy's) web port, where the WebSocket API and the admin REST API listen; the topic may be a
 *   bare name, `tenant/ns/topic`, or `persistent/tenant/ns/topic`.
 * - `kafka://host:port[,host:port]/topic`: the bootstrap brokers and the topic.
 */
import { KafkaError } from '../kafka/errors.js';

export type Endpoint =
  | { kind: 'pulsar'; wsUrl: string; adminUrl: string; topic: string }
  | { kind: 'kafka'; bootstrap: string; topic: string };

export function parseEndpoint(uri: string): Endpoint {
  const m = /^(pulsar|pulsar\+tls|kafka):\/\/([^/]+)\/(.+)$/.exec(uri.trim());
  if (m === null) {
    throw new KafkaError(
      'KAFKA_INVALID_ARGUMENT',
      `"${uri}" is neither pulsar://host:port/topic nor kafka://host:port/topic`,
    );
  }
  const [, scheme, authority, path] = m as unknown as [string, string, string, string];
  if (!/^[^\s,]+:\d{1,5}(,[^\s,]+:\d{1,5})*$/.test(authority)) {
    throw new KafkaError('KAFKA_INVALID_ARGUMENT', `"${authority}" in "${uri}" is not host:port`);
  }
  if (scheme === 'kafka') {
    if (!/^[A-Za-z0-9._-]{1,249}$/.test(path)) {
      throw new KafkaError('KAFKA_INVALID_ARGUMENT', `"${path}" is not a Kafka topic name`);
    }
    return { kind: 'kafka', bootstrap: authority, topic: path };
  }
  if (authority.includes(',')) {
    throw new KafkaError('KAFKA_INVALID_ARGUMENT', `a Pulsar endpoint takes one host:port`);
  }
  const tls = scheme === 'pulsar+tls';
  // `persistent://t/ns/x` inside the URI is accepted too, as people paste full topic names.
  const segments = path.replace(/^persistent:?\/+/, '').split('/');
  const topic =
    segments.length === 3
      ? `persistent://${segments.join('/')}`
      : segments.length === 1
        ? `persistent://public/default/${segments[0]}`
        : undefined;
  if (topic === undefined) {
    throw new KafkaError(
      'KAFKA_INVALID_ARGUMENT',
      `"${path}" is not a Pulsar topic (name, tenant/ns/name or persistent/tenant/ns/name)`,
    );
  }
  return {
    kind: 'pulsar',
    wsUrl: `${tls ? 'wss' : 'ws'}://${authority}`,
    adminUrl: `${tls ? 'https' : 'http'}://${authority}`,
    topic,
  };
}

export function describeEndpoint(e: Endpoint): string {
  return e.kind === 'kafka' ? `kafka://${e.bootstrap}/${e.topic}` : `${e.topic} on ${e.wsUrl}`;
}
