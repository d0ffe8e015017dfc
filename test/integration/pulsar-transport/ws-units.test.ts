/**
 * The WebSocket transport's pure parts, no broker needed: endpoint URLs, backoff, the reason
 * found in a refused handshake, and the receive queue.
 */
import { describe, expect, it } from 'vitest';
import { backoffDelay, backoffPolicy } from '../../../src/pulsar/ws/backoff.js';
import { Fifo } from '../../../src/pulsar/ws/fifo.js';
import {
  handshakeError,
  isTransientStatus,
  reasonFromBody,
} from '../../../src/pulsar/ws/handshake.js';
import { Inbox } from '../../../src/pulsar/ws/inbox.js';
import { endpointUrl, parseTopic } from '../../../src/pulsar/ws/url.js';

describe('endpointUrl', () => {
  const topic = parseTopic('persistent://my-tenant/my-ns/orders');

  it.each([
    ['producer', undefined, {}, 'ws://h:8080/ws/v2/producer/persistent/my-tenant/my-ns/orders'],
    [
      'reader',
      undefined,
      { messageId: 'CAMQADAA' },
      'ws://h:8080/ws/v2/reader/persistent/my-tenant/my-ns/orders?messageId=CAMQADAA',
    ],
    [
      'consumer',
      'sub 1/é',
      { subscriptionType: 'Key_Shared', pullMode: true, skipped: undefined },
      'ws://h:8080/ws/v2/consumer/persistent/my-tenant/my-ns/orders/sub%201%2F%C3%A9?subscriptionType=Key_Shared&pullMode=true',
    ],
  ] as const)('%s', (endpoint, sub, params, expected) => {
    expect(endpointUrl('ws://h:8080', endpoint, topic, sub, params)).toBe(expected);
  });

  it('maps http(s) to ws(s), keeps a path prefix, and base64 ids survive the query', () => {
    expect(
      endpointUrl('https://proxy.example/pulsar/', 'reader', topic, undefined, {
        messageId: 'CAkQACABMAQ=',
      }),
    ).toBe(
      'wss://proxy.example/pulsar/ws/v2/reader/persistent/my-tenant/my-ns/orders?messageId=CAkQACABMAQ%3D',
    );
  });

  it('keeps slashes of a local name as path segments and encodes the rest', () => {
    const t = parseTopic('non-persistent://t/ns/a/b c');
    expect(t.full).toBe('non-persistent://t/ns/a/b c');
    expect(endpointUrl('ws://h', 'producer', t, undefined)).toBe(
      'ws://h/ws/v2/producer/non-persistent/t/ns/a/b%20c',
    );
  });

  it('short names default to persistent://public/default', () => {
    expect(parseTopic('orders').full).toBe('persistent://public/default/orders');
    expect(parseTopic('t/ns/orders').full).toBe('persistent://t/ns/orders');
  });
});

describe('backoff', () => {
  const policy = backoffPolicy({ minDelayMs: 100, maxDelayMs: 1_000 });

  it('doubles from the minimum up to the cap, with jitter in [nominal/2, nominal]', () => {
    const nominal = [100, 200, 400, 800, 1_000, 1_000];
    nominal.forEach((n, attempt) => {
      expect(backoffDelay(attempt, policy, () => 0)).toBe(n / 2);
      expect(backoffDelay(attempt, policy, () => 0.999999)).toBe(n);
    });
    expect(backoffDelay(5_000, policy, () => 0.5)).toBe(750);
  });

  it('defaults and validation', () => {
    expect(backoffPolicy()).toEqual({ minDelayMs: 100, maxDelayMs: 30_000, maxAttempts: Infinity });
    expect(backoffPolicy({ minDelayMs: 60_000 }).maxDelayMs).toBe(60_000);
    expect(() => backoffPolicy({ minDelayMs: 10, maxDelayMs: 5 })).toThrow(RangeError);
    expect(() => backoffPolicy({ maxAttempts: -1 })).toThrow(RangeError);
  });
});

describe('handshake refusals', () => {
  const jetty = (title: string): string =>
    `<html>\n<head>\n<title>${title}</title>\n</head>\n<body><h2>HTTP ERROR</h2></body></html>`;

  it('takes the reason from the Jetty title and drops the broker bookkeeping', () => {
    const body = jetty(
      'Error 404 Failed to create producer/consumer: {&quot;errorMsg&quot;:&quot;Namespace not found&quot;,&quot;reqId&quot;:42, &quot;remote&quot;:&quot;127.0.0.1/127.0.0.1:6650&quot;}',
    );
    expect(reasonFromBody(body)).toBe('Failed to create producer/consumer: Namespace not found');
    expect(
      reasonFromBody(jetty('Error 400 Invalid query params: Invalid subscriptionType Nope')),
    ).toBe('Invalid query params: Invalid subscriptionType Nope');
    expect(reasonFromBody('plain text')).toBe('plain text');
    expect(reasonFromBody('')).toBeUndefined();
  });

  it('classifies statuses', () => {
    expect(handshakeError('x', 401, '').code).toBe('PULSAR_AUTH_FAILED');
    expect(handshakeError('x', 403, '').message).toMatch(/lacks permission/);
    expect(handshakeError('x', 404, '')).toMatchObject({
      code: 'PULSAR_CONNECT_FAILED',
      status: 404,
    });
    expect([400, 401, 403, 404].map(isTransientStatus)).toEqual([false, false, false, false]);
    expect([408, 409, 429, 500, 503].map(isTransientStatus)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
  });
});

describe('Fifo and Inbox', () => {
  it('Fifo keeps order across compaction', () => {
    const q = new Fifo<number>();
    for (let i = 0; i < 5_000; i++) q.push(i);
    for (let i = 0; i < 3_000; i++) expect(q.shift()).toBe(i);
    q.push(5_000);
    expect(q.size).toBe(2_001);
    expect(q.peek()).toBe(3_000);
    expect(q.drain()).toEqual(Array.from({ length: 2_001 }, (_, i) => i + 3_000));
    expect(q.shift()).toBeUndefined();
  });

  it('Inbox hands items to waiters in order, times out, aborts, and ends', async () => {
    const inbox = new Inbox<number>('test');
    const first = inbox.take();
    const second = inbox.take();
    inbox.push(1);
    inbox.push(2);
    inbox.push(3);
    expect([await first, await second, await inbox.take()]).toEqual([1, 2, 3]);
    await expect(inbox.take({ timeoutMs: 10 })).rejects.toMatchObject({ code: 'PULSAR_TIMEOUT' });
    const ctrl = new AbortController();
    const aborted = inbox.take({ signal: ctrl.signal });
    ctrl.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'PULSAR_ABORTED' });
    inbox.push(4); // the timed-out and aborted waiters are gone: 4 is buffered
    expect(inbox.size).toBe(1);
    expect(await inbox.take()).toBe(4);
    const pending = inbox.take().then(
      () => 'resolved',
      () => 'rejected',
    );
    inbox.end(Object.assign(new Error('done'), { code: 'PULSAR_CLOSED' }) as never);
    expect(await pending).toBe('rejected');
    await expect(inbox.take()).rejects.toThrow('done');
  });
});
