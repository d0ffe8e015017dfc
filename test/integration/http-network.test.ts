/**
 * The adapter as it is put on a network, over real sockets: API keys and scopes, the Host
 * allow-list, the Origin check, CORS, rate limits, content types, one error shape for every
 * status, and trainings as jobs.
 */
import { request as httpRequest } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../engine/index.js';
import { parseApiKeys } from '../../src/http/api-keys.js';
import { defaultAllowedHosts, type GuardOptions } from '../../src/http/guard.js';
import { listen } from '../../src/http/server.js';
import { createSimulator } from '../../src/sim/index.js';

const READ = 'reader-key-0123456789';
const WRITE = 'writer-key-0123456789';
const ADMIN = 'admin-key-01234567890';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
  text: string;
}

/** A request with any headers (fetch would not let a test set Host or Origin). */
function send(
  base: string,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: u.hostname,
        port: u.port,
        path,
        method: opts.method ?? 'GET',
        headers: {
          ...(opts.body !== undefined && {
            'content-length': String(Buffer.byteLength(opts.body)),
          }),
          ...opts.headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          let body: Record<string, unknown> = {};
          try {
            body = JSON.parse(text) as Record<string, unknown>;
          } catch {
            // Not JSON (metrics, the docs page): the text is there.
          }
          resolve({ status: res.statusCode!, headers: res.headers, body, text });
        });
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

const json = { 'content-type': 'application/json' };
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const event = (i: number) =>
  JSON.stringify([{ type: 'view', ts: Date.now() - 1000, item: `sku-${i}`, session: `s-${i}` }]);

let engine: Engine;
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  engine = await createEngine();
  const sim = createSimulator({ seed: 5 });
  engine.loadCatalogue(sim.catalogue());
  // Simulated history up to now, so that events posted with the wall clock are in order.
  const history = sim.next(20_000);
  const shift = Date.now() - 60_000 - history[history.length - 1]!.ts;
  engine.ingestEvents(history.map((e) => ({ ...e, ts: e.ts + shift })));
});

afterAll(async () => {
  for (const app of apps) await app.close();
});

async function server(guard: GuardOptions): Promise<string> {
  const { app, url } = await listen(engine, { port: 0, guard });
  apps.push(app);
  return url;
}

const keys = parseApiKeys(`${READ}:read,${WRITE}:write,${ADMIN}:admin`, 'test');

describe('API keys', () => {
  let url: string;
  beforeAll(async () => {
    url = await server({ keys, allowedHosts: defaultAllowedHosts('127.0.0.1') });
  });

  it('refuses a write without a key (401) and takes it with a write key', async () => {
    const none = await send(url, '/v1/events', { method: 'POST', headers: json, body: event(1) });
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(none.body).toMatchObject({ error: 'unauthorized' });
    expect(none.body.message).toMatch(/scope write/);
    expect(typeof none.body.requestId).toBe('string');
    const wrong = await send(url, '/v1/events', {
      method: 'POST',
      headers: { ...json, ...bearer('not-a-key-0123456789') },
      body: event(2),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.message).toBe('the API key is not valid');
    const before = engine.stats().events;
    const ok = await send(url, '/v1/events', {
      method: 'POST',
      headers: { ...json, ...bearer(WRITE) },
      body: event(3),
    });
    expect(ok.status).toBe(200);
    expect(engine.stats().events).toBe(before + 1);
  });

  it('needs the right scope: 403 for a read key on a write, admin covers everything', async () => {
    const read = await send(url, '/v1/events', {
      method: 'POST',
      headers: { ...json, ...bearer(READ) },
      body: event(4),
    });
    expect(read.status).toBe(403);
    expect(read.body).toMatchObject({
      error: 'forbidden',
      message: 'the API key lacks scope write',
    });
    const admin = await send(url, '/v1/events', {
      method: 'POST',
      headers: { ...json, ...bearer(ADMIN) },
      body: event(5),
    });
    expect(admin.status).toBe(200);
    const scan = await send(url, '/v1/analytics/group-by?by=item&window=1d', {
      headers: bearer(WRITE),
    });
    expect(scan.status).toBe(403);
  });

  it('leaves reads and health open unless reads need keys', async () => {
    expect((await send(url, '/v1/trending?k=3')).status).toBe(200);
    expect((await send(url, '/healthz')).status).toBe(200);
    const strict = await server({ keys, authReads: true });
    expect((await send(strict, '/v1/trending?k=3')).status).toBe(401);
    expect((await send(strict, '/v1/trending?k=3', { headers: bearer(READ) })).status).toBe(200);
    expect((await send(strict, '/healthz')).status).toBe(200);
    expect((await send(strict, '/openapi.json')).status).toBe(200);
  });
});

describe('Host, Origin and CORS', () => {
  let url: string;
  beforeAll(async () => {
    url = await server({
      allowedHosts: defaultAllowedHosts('127.0.0.1'),
      corsOrigins: ['https://shop.example'],
    });
  });

  it('answers loopback names and refuses a foreign Host with 421', async () => {
    const port = new URL(url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
      expect((await send(url, '/v1/stats', { headers: { host } })).status, host).toBe(200);
    }
    const foreign = await send(url, '/v1/stats', { headers: { host: `evil.example:${port}` } });
    expect(foreign.status).toBe(421);
    expect(foreign.body).toMatchObject({ error: 'misdirected_request' });
  });

  it('sends CORS headers to listed origins only', async () => {
    const listed = await send(url, '/v1/trending', { headers: { origin: 'https://shop.example' } });
    expect(listed.headers['access-control-allow-origin']).toBe('https://shop.example');
    const other = await send(url, '/v1/trending', { headers: { origin: 'https://evil.example' } });
    expect(other.status).toBe(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const open = await server({});
    const none = await send(open, '/v1/trending', { headers: { origin: 'https://shop.example' } });
    expect(none.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses writes and trainings from an unlisted origin, whatever the content type', async () => {
    const before = engine.stats().events;
    const post = await send(url, '/v1/events', {
      method: 'POST',
      headers: { ...json, origin: 'https://evil.example' },
      body: event(6),
    });
    expect(post.status).toBe(403);
    const train = await send(url, '/v1/models/factors/train', {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(train.status).toBe(403);
    expect(engine.stats().events).toBe(before);
  });
});

describe('rate limits', () => {
  it('answers 429 past the rate, per key, with Retry-After', async () => {
    const url = await server({ keys, rateLimit: { max: 5, windowMs: 60_000 } });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await send(url, '/v1/trending')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const limited = await send(url, '/v1/trending');
    expect(limited.body).toMatchObject({ error: 'rate_limited' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // A key is a client of its own.
    expect((await send(url, '/v1/trending', { headers: bearer(READ) })).status).toBe(200);
    // Health checks are never limited.
    expect((await send(url, '/healthz')).status).toBe(200);
  });
});

describe('one error shape', () => {
  let url: string;
  beforeAll(async () => {
    url = await server({});
  });

  it('answers text/plain with 415', async () => {
    const r = await send(url, '/v1/events', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: event(7),
    });
    expect(r.status).toBe(415);
    expect(r.body).toMatchObject({ error: 'unsupported_media_type' });
  });

  it('names the field of an id past 256 characters instead of a 414, and never echoes the URL', async () => {
    const long = 'x'.repeat(300);
    const r = await send(url, `/v1/items/${long}/similar`);
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/^params\.id: /);
    const huge = await send(url, `/v1/items/${'<b>'.repeat(700)}/similar`);
    expect(huge.status).toBe(414);
    expect(huge.body).toMatchObject({ error: 'uri_too_long' });
    expect(huge.text).not.toContain('<b>');
    const bad = await send(url, '/v1/items/%ZZ<i>/similar');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'bad_request' });
    expect(bad.text).not.toContain('<i>');
    const missing = await send(url, '/v1/no-such/%3Cscript%3E');
    expect(missing.status).toBe(404);
    expect(missing.text).not.toMatch(/<script>/i);
    expect(missing.body).toMatchObject({ error: 'not_found' });
  });

  it('answers oversized headers with 431 in the same shape', async () => {
    const r = await send(url, '/v1/trending', { headers: { 'x-big': 'y'.repeat(20_000) } });
    expect(r.status).toBe(431);
    expect(r.body).toMatchObject({ error: 'headers_too_large' });
  });

  it('gives every error status the same fields', async () => {
    const replies = [
      await send(url, '/v1/trending?k=0'),
      await send(url, '/nowhere'),
      await send(url, '/v1/events', { method: 'POST', headers: json, body: '[' }),
    ];
    for (const r of replies) {
      expect(Object.keys(r.body).sort()).toEqual(
        expect.arrayContaining(['error', 'message', 'requestId']),
      );
      expect(typeof r.body.error).toBe('string');
      expect(typeof r.body.message).toBe('string');
    }
  });
});

describe('training jobs', () => {
  it('answers 202 with a job, 409 with its id while it runs, and reports it when done', async () => {
    const url = await server({ keys });
    const first = await send(url, '/v1/models/factors/train', {
      method: 'POST',
      headers: bearer(ADMIN),
    });
    expect(first.status).toBe(202);
    const job = first.body.job as { id: string; state: string };
    expect(job.state).toBe('running');
    expect(first.headers.location).toBe(`/v1/models/factors/jobs/${job.id}`);
    const second = await send(url, '/v1/models/factors/train', {
      method: 'POST',
      headers: bearer(ADMIN),
    });
    expect(second.status).toBe(409);
    expect((second.body.job as { id: string }).id).toBe(job.id);
    expect(second.body.error).toBe('conflict');
    const noKey = await send(url, '/v1/models/factors/train', { method: 'POST' });
    expect(noKey.status).toBe(401);
    let state = 'running';
    let seen: Record<string, unknown> = {};
    for (let i = 0; i < 600 && state === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      seen = (await send(url, first.headers.location as string)).body.job as Record<
        string,
        unknown
      >;
      state = seen.state as string;
    }
    expect(state).toBe('done');
    expect(seen.iteration).toBe(seen.iterations);
    expect((seen.report as { users: number }).users).toBeGreaterThan(0);
    const unknown = await send(url, '/v1/models/factors/jobs/00000000-0000-0000-0000-000000000000');
    expect(unknown.status).toBe(404);
  });
});
