/**
 * Clear errors: bad topic names, refusals from the real broker, and the token. The broker under
 * test runs without authentication, so the token case uses a tiny WebSocket server on 127.0.0.1
 * that records the handshake and answers like a broker with authentication on would.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import {
  createWsTransport,
  isPulsarError,
  type PulsarTransport,
} from '../../../src/pulsar/index.js';
import { requireBroker, uniqueTopic, type Broker } from './broker.js';

let broker: Broker;
let transport: PulsarTransport;

beforeAll(async () => {
  broker = await requireBroker();
  transport = createWsTransport({ url: broker.wsUrl });
});

afterAll(async () => {
  await transport?.close();
});

describe('topic names', () => {
  it.each([
    ['', /empty/],
    ['persistent://public/default', /tenant\/namespace\/topic/],
    ['persistent://public/default/', /empty topic part/],
    ['kafka://public/default/t', /unknown domain "kafka"/],
    ['persistent://bad tenant/default/t', /bad tenant/],
    ['public/default', /tenant\/namespace\/topic/],
  ])('rejects %j before connecting', async (topic, why) => {
    const err = await transport.producer(topic).catch((e: unknown) => e);
    expect(isPulsarError(err) && err.code).toBe('PULSAR_INVALID_TOPIC');
    expect((err as Error).message).toMatch(why);
  });

  it('rejects an empty subscription', async () => {
    await expect(transport.consumer(uniqueTopic('x'), '')).rejects.toMatchObject({
      code: 'PULSAR_INVALID_TOPIC',
    });
  });

  it('accepts bare and short names as public/default topics', async () => {
    const local = uniqueTopic('short').split('/').pop()!;
    const producer = await transport.producer(local);
    expect(producer.topic).toBe(`persistent://public/default/${local}`);
    const id = await producer.send('x');
    await producer.close();
    const reader = await transport.reader(`public/default/${local}`, {
      startMessageId: 'earliest',
    });
    expect((await reader.receive({ timeoutMs: 10_000 })).id).toEqual(id);
    await reader.close();
  });

  it('carries the broker reason when the namespace does not exist', async () => {
    const topic = 'persistent://public/aisle-no-such-namespace/t';
    const err = await transport.producer(topic).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'PULSAR_CONNECT_FAILED',
      status: 404,
      reason: expect.stringContaining('Namespace not found'),
      message: expect.stringContaining(`producer ${topic}`),
    });
    const readerErr = await transport.reader(topic).catch((e: unknown) => e);
    expect(readerErr).toMatchObject({
      code: 'PULSAR_CONNECT_FAILED',
      message: expect.stringContaining('Namespace not found'),
    });
  });

  it('carries the broker reason for an invalid consumer option', async () => {
    const err = await transport
      .consumer(uniqueTopic('bad-opt'), 'sub', { receiverQueueSize: 'many' as unknown as number })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PULSAR_CONNECT_FAILED', status: 400 });
  });

  it('fails fast when nothing listens at the URL', async () => {
    const t = createWsTransport({ url: 'ws://127.0.0.1:1', connectTimeoutMs: 2_000 });
    const err = await t.producer(uniqueTopic('nobody')).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'PULSAR_DISCONNECTED',
      message: expect.stringContaining('cannot connect'),
    });
    await t.close();
  });

  it('rejects a service URL that is not ws(s) or http(s)', () => {
    expect(() => createWsTransport({ url: 'ftp://127.0.0.1:1' })).toThrow(/must be ws/);
    expect(() => createWsTransport({ url: 'not a url' })).toThrow(/invalid service URL/);
  });
});

describe('token (stub server: the broker under test has authentication off)', () => {
  const handshakes: { url: string; authorization: string | undefined }[] = [];
  let server: WebSocketServer;
  let url: string;

  beforeAll(async () => {
    server = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      // answers like the broker's Jetty: status plus an HTML page whose title holds the reason
      verifyClient: (info, done) => {
        const authorization = info.req.headers.authorization;
        handshakes.push({ url: info.req.url ?? '', authorization });
        if (authorization === 'Bearer good-token') return done(true);
        done(false, 401, 'Unauthorized', {
          'content-type': 'text/html;charset=iso-8859-1',
        });
      },
    });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const client of server.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends Authorization: Bearer <token> on the handshake', async () => {
    const t = createWsTransport({ url, token: 'good-token' });
    const producer = await t.producer('persistent://public/default/t');
    await t.close();
    expect(producer.topic).toBe('persistent://public/default/t');
    expect(handshakes.at(-1)).toEqual({
      url: '/ws/v2/producer/persistent/public/default/t?sendTimeoutMillis=0',
      authorization: 'Bearer good-token',
    });
  });

  it('can also send the token as the `token` query parameter', async () => {
    const t = createWsTransport({ url, token: 'good-token', tokenInQuery: true });
    await (await t.reader('persistent://public/default/t')).close();
    await t.close();
    const last = new URL(handshakes.at(-1)!.url, url);
    expect(last.searchParams.get('token')).toBe('Bearer good-token');
    expect(handshakes.at(-1)!.authorization).toBe('Bearer good-token');
  });

  it('a refused token is PULSAR_AUTH_FAILED with status 401 and a hint', async () => {
    const t = createWsTransport({ url, token: 'bad-token' });
    const err = await t.consumer('persistent://public/default/t', 'sub').catch((e: unknown) => e);
    await t.close();
    expect(err).toMatchObject({
      code: 'PULSAR_AUTH_FAILED',
      status: 401,
      message: expect.stringMatching(
        /consumer persistent:\/\/public\/default\/t.*401.*check the token/,
      ),
    });
    expect(handshakes.at(-1)!.authorization).toBe('Bearer bad-token');
  });

  it('an empty token is refused before connecting', () => {
    expect(() => createWsTransport({ url, token: ' ' })).toThrow(/token is empty/);
  });
});
