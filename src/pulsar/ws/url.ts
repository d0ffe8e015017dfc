/**
 * Topic names and WebSocket endpoint URLs. The service routes on path segments:
 * `/ws/v2/{producer|reader}/{domain}/{tenant}/{ns}/{topic}` and
 * `/ws/v2/consumer/{domain}/{tenant}/{ns}/{topic}/{subscription}`, query parameters after.
 */
import { PulsarError } from '../transport.js';

export interface TopicName {
  readonly domain: 'persistent' | 'non-persistent';
  readonly tenant: string;
  readonly namespace: string;
  /** The local name; may itself contain `/`. */
  readonly local: string;
  /** `domain://tenant/namespace/local`. */
  readonly full: string;
}

// Pulsar's NamedEntity rule for tenants and namespaces.
const NAMED_ENTITY = /^[-=:.\w]+$/;

function bad(topic: string, why: string): PulsarError {
  return new PulsarError('PULSAR_INVALID_TOPIC', `invalid topic name "${topic}": ${why}`);
}

/**
 * Parses `persistent://tenant/ns/topic`, `non-persistent://…`, `tenant/ns/topic` or a bare
 * `topic` (Pulsar's defaults: persistent, `public/default`). Throws `PULSAR_INVALID_TOPIC`.
 */
export function parseTopic(topic: string): TopicName {
  if (typeof topic !== 'string' || topic.trim() === '') throw bad(String(topic), 'empty');
  let domain: TopicName['domain'] = 'persistent';
  let rest = topic;
  const scheme = /^([a-z-]+):\/\/(.*)$/.exec(topic);
  if (scheme) {
    if (scheme[1] !== 'persistent' && scheme[1] !== 'non-persistent') {
      throw bad(topic, `unknown domain "${scheme[1]}" (use persistent or non-persistent)`);
    }
    domain = scheme[1];
    rest = scheme[2]!;
  }
  const parts = rest.split('/');
  let tenant = 'public';
  let namespace = 'default';
  let local: string;
  if (parts.length === 1 && !scheme) {
    local = parts[0]!;
  } else if (parts.length >= 3) {
    tenant = parts[0]!;
    namespace = parts[1]!;
    local = parts.slice(2).join('/');
  } else {
    throw bad(topic, 'expected tenant/namespace/topic');
  }
  if (!NAMED_ENTITY.test(tenant)) throw bad(topic, `bad tenant "${tenant}"`);
  if (!NAMED_ENTITY.test(namespace)) throw bad(topic, `bad namespace "${namespace}"`);
  if (local === '' || local.split('/').some((s) => s === '')) throw bad(topic, 'empty topic part');
  return { domain, tenant, namespace, local, full: `${domain}://${tenant}/${namespace}/${local}` };
}

export type Endpoint = 'producer' | 'consumer' | 'reader';

/** Query values; undefined entries are left out, everything else is stringified. */
export type QueryParams = Record<string, string | number | boolean | undefined>;

/**
 * `ws://host:port[/prefix]` (http/https are accepted and mapped to ws/wss) plus the endpoint path
 * and query. Each path segment is percent-encoded; the service decodes them.
 */
export function endpointUrl(
  base: string,
  endpoint: Endpoint,
  topic: TopicName,
  subscription: string | undefined,
  params: QueryParams = {},
): string {
  let url: URL;
  try {
    url = new URL(base);
  } catch (cause) {
    throw new PulsarError('PULSAR_INVALID_ARGUMENT', `invalid service URL "${base}"`, { cause });
  }
  const proto = { 'ws:': 'ws:', 'wss:': 'wss:', 'http:': 'ws:', 'https:': 'wss:' }[url.protocol];
  if (!proto) {
    throw new PulsarError('PULSAR_INVALID_ARGUMENT', `service URL "${base}" must be ws(s)://`);
  }
  const segments = [
    'ws',
    'v2',
    endpoint,
    topic.domain,
    topic.tenant,
    topic.namespace,
    ...topic.local.split('/'),
  ];
  if (endpoint === 'consumer') {
    if (!subscription) {
      throw new PulsarError('PULSAR_INVALID_TOPIC', 'a consumer needs a non-empty subscription');
    }
    segments.push(subscription);
  }
  const prefix = url.pathname.replace(/\/+$/, '');
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) query.set(k, String(v));
  const qs = query.toString();
  return `${proto}//${url.host}${prefix}/${segments.map(encodeURIComponent).join('/')}${qs ? `?${qs}` : ''}`;
}
