/**
 * Shared helpers for the Pulsar transport tests: the broker under test comes from the suite's
 * globalSetup through PULSAR_WS_URL and PULSAR_ADMIN_URL. Missing or silent broker = failure,
 * never a skip: these tests are the only proof the transport works.
 */
import { randomBytes } from 'node:crypto';
import type { Consumer, Message, MessageStream } from '../../../src/pulsar/index.js';

export interface Broker {
  readonly wsUrl: string;
  readonly adminUrl: string;
}

/** Reads the env and checks the broker answers; throws with instructions otherwise. */
export async function requireBroker(): Promise<Broker> {
  const wsUrl = process.env.PULSAR_WS_URL;
  const adminUrl = process.env.PULSAR_ADMIN_URL;
  if (!wsUrl || !adminUrl) {
    throw new Error(
      'PULSAR_WS_URL and PULSAR_ADMIN_URL must point at a running Pulsar broker ' +
        '(the vitest globalSetup sets them; by hand: PULSAR_WS_URL=ws://127.0.0.1:8080 ' +
        'PULSAR_ADMIN_URL=http://127.0.0.1:8080)',
    );
  }
  let status: number;
  try {
    const res = await fetch(`${adminUrl}/admin/v2/namespaces/public/default`, {
      signal: AbortSignal.timeout(10_000),
    });
    status = res.status;
    await res.arrayBuffer();
  } catch (err) {
    throw new Error(`Pulsar broker at ${adminUrl} does not answer: ${(err as Error).message}`);
  }
  if (status !== 200) {
    throw new Error(`Pulsar broker at ${adminUrl} answered HTTP ${status} for public/default`);
  }
  return { wsUrl, adminUrl };
}

/** A topic name no other test (or earlier run) uses. */
export function uniqueTopic(label: string): string {
  return `persistent://public/default/aisle-${label}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** Creates a partitioned topic through the admin API. */
export async function createPartitionedTopic(
  broker: Broker,
  topic: string,
  partitions: number,
): Promise<void> {
  const local = topic.replace(/^persistent:\/\//, '');
  const res = await fetch(`${broker.adminUrl}/admin/v2/persistent/${local}/partitions`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: String(partitions),
  });
  if (res.status !== 204) {
    throw new Error(
      `creating ${topic} with ${partitions} partitions: HTTP ${res.status} ${await res.text()}`,
    );
  }
}

/** Receives exactly `count` messages, failing if any single wait exceeds `timeoutMs`. */
export async function take(
  stream: MessageStream,
  count: number,
  timeoutMs = 15_000,
): Promise<Message[]> {
  const out: Message[] = [];
  while (out.length < count) out.push(await stream.receive({ timeoutMs }));
  return out;
}

/** Receives until `quietMs` pass without a message; acks each one when `consumer` is given. */
export async function drain(
  stream: MessageStream,
  quietMs: number,
  ack?: Consumer,
): Promise<Message[]> {
  const out: Message[] = [];
  for (;;) {
    let m: Message;
    try {
      m = await stream.receive({ timeoutMs: quietMs });
    } catch (err) {
      if ((err as { code?: string }).code === 'PULSAR_TIMEOUT') return out;
      throw err;
    }
    out.push(m);
    if (ack) await ack.ack(m);
  }
}

export const text = (m: Message): string => Buffer.from(m.payload).toString('utf8');

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it is true or `timeoutMs` passes. */
export async function until(
  check: () => boolean,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * Polls the admin API until `subscription` has a backlog of `backlog` (and, with
 * `noConsumers`, no consumer attached). Acks and closes have no receipt in the WebSocket API,
 * so a test that drops or reopens a session waits here for the broker to have seen them.
 */
export async function subscriptionSettled(
  adminUrl: string,
  topic: string,
  subscription: string,
  expect: { backlog: number; noConsumers?: boolean },
): Promise<void> {
  const path = topic.replace('persistent://', '');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await fetch(`${adminUrl}/admin/v2/persistent/${path}/stats`);
    const stats = (await res.json()) as {
      subscriptions?: Record<string, { msgBacklog: number; consumers: unknown[] }>;
    };
    const sub = stats.subscriptions?.[subscription];
    const consumersOk = expect.noConsumers !== true || sub?.consumers.length === 0;
    if (sub !== undefined && sub.msgBacklog === expect.backlog && consumersOk) return;
    if (Date.now() > deadline) {
      throw new Error(`${subscription} on ${topic} did not settle: ${JSON.stringify(sub)}`);
    }
    await sleep(50);
  }
}
