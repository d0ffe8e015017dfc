/**
 * The few calls of Pulsar's admin REST API (v2) that starting a broker and setting up tests need.
 * Plain fetch, no client library: readiness, health, namespaces, retention, partitioned topics.
 */
import { BrokerError } from './errors.js';

const REQUEST_TIMEOUT_MS = 5_000;

async function call(
  adminUrl: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Response> {
  try {
    return await fetch(new URL(path, adminUrl), {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (err) {
    const cause = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
    throw new BrokerError('PULSAR_ADMIN', `${method} ${adminUrl}${path}: ${cause}`);
  }
}

async function expectOk(res: Response, what: string): Promise<void> {
  if (res.ok) return;
  const text = (await res.text()).slice(0, 500);
  throw new BrokerError('PULSAR_ADMIN', `${what}: HTTP ${res.status} ${text}`);
}

/**
 * True once the broker serves the `public/default` namespace, which the standalone starter
 * creates only after the broker, the bookie and the web service are all up; false on any error.
 */
export async function isReady(adminUrl: string): Promise<boolean> {
  try {
    const res = await call(adminUrl, 'GET', '/admin/v2/namespaces/public/default');
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

/**
 * Pulsar's own health check (`/admin/v2/brokers/health`): it writes to and reads from a
 * heartbeat topic, so a true answer means the storage path works too. False on any error.
 */
export async function isHealthy(adminUrl: string): Promise<boolean> {
  try {
    const res = await call(adminUrl, 'GET', '/admin/v2/brokers/health');
    return res.status === 200 && (await res.text()).trim() === 'ok';
  } catch {
    return false;
  }
}

/** `public/default/orders`, `persistent://public/default/orders` → its REST path segments. */
export function topicPath(topic: string): string {
  const m = /^(?:(persistent|non-persistent):\/\/)?([^/]+)\/([^/]+)\/(.+)$/.exec(topic);
  if (m === null) {
    throw new BrokerError(
      'PULSAR_ADMIN',
      `topic "${topic}" is not [persistent://]tenant/namespace/topic`,
    );
  }
  return `${m[1] ?? 'persistent'}/${m[2]}/${m[3]}/${encodeURIComponent(m[4]!)}`;
}

/**
 * Creates a partitioned topic with `partitions` partitions (≥ 1). Throws PULSAR_ADMIN when it
 * exists already (HTTP 409) or the broker refuses.
 */
export async function createPartitionedTopic(
  adminUrl: string,
  topic: string,
  partitions: number,
): Promise<void> {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new BrokerError(
      'PULSAR_ADMIN',
      `partitions must be a positive integer, not ${partitions}`,
    );
  }
  const path = `/admin/v2/${topicPath(topic)}/partitions`;
  await expectOk(await call(adminUrl, 'PUT', path, partitions), `create ${topic}`);
}

/** The partition count of a topic: 0 for a non-partitioned (or absent) topic. */
export async function partitionCount(adminUrl: string, topic: string): Promise<number> {
  const path = `/admin/v2/${topicPath(topic)}/partitions`;
  const res = await call(adminUrl, 'GET', path);
  await expectOk(res, `metadata of ${topic}`);
  return ((await res.json()) as { partitions: number }).partitions;
}

/** Creates `tenant/namespace` (the tenant must exist; `public` does on a standalone broker). */
export async function createNamespace(adminUrl: string, namespace: string): Promise<void> {
  const res = await call(adminUrl, 'PUT', `/admin/v2/namespaces/${namespace}`);
  await expectOk(res, `create namespace ${namespace}`);
}

/** A namespace's retention: how long and how much acknowledged data is kept; -1 is no limit. */
export interface Retention {
  retentionTimeInMinutes: number;
  retentionSizeInMB: number;
}

/** Sets the retention of `tenant/namespace`; the default `{-1, -1}` keeps every message. */
export async function setNamespaceRetention(
  adminUrl: string,
  namespace: string,
  retention: Retention = { retentionTimeInMinutes: -1, retentionSizeInMB: -1 },
): Promise<void> {
  const res = await call(
    adminUrl,
    'POST',
    `/admin/v2/namespaces/${namespace}/retention`,
    retention,
  );
  await expectOk(res, `set retention of ${namespace}`);
}

/** The retention set on `tenant/namespace`, or undefined when the namespace has none of its own. */
export async function getNamespaceRetention(
  adminUrl: string,
  namespace: string,
): Promise<Retention | undefined> {
  const res = await call(adminUrl, 'GET', `/admin/v2/namespaces/${namespace}/retention`);
  await expectOk(res, `retention of ${namespace}`);
  const text = await res.text();
  return text.trim() === '' ? undefined : (JSON.parse(text) as Retention);
}
