/**
 * The routes the dashboard adds, over a real socket: the page and its assets (open even where
 * reads need a key), a shopper's history, and the latency of each route in /v1/stats.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../engine/index.js';
import { parseApiKeys } from '../../src/http/api-keys.js';
import { listen } from '../../src/http/server.js';
import { createSimulator } from '../../src/sim/index.js';

const READ = 'reader-key-0123456789';

let engine: Engine;
const apps: FastifyInstance[] = [];
let url: string;
/** A user with a purchase, and the items they bought. */
let buyer = '';

beforeAll(async () => {
  engine = await createEngine();
  const sim = createSimulator({ seed: 8 });
  engine.loadCatalogue(sim.catalogue());
  const events = sim.next(40_000);
  for (const e of events) if (e.type === 'purchase' && e.user !== undefined) buyer = e.user;
  engine.ingestEvents(events);
  const open = await listen(engine, { port: 0 });
  apps.push(open.app);
  url = open.url;
});

afterAll(async () => {
  for (const app of apps) await app.close();
});

interface HistoryReply {
  user: string;
  items: { item: string; lastSeen: number; strength: number; bought: boolean }[];
}

describe('the dashboard page', () => {
  it('is served at / and /dashboard with a strict content policy', async () => {
    for (const path of ['/', '/dashboard']) {
      const res = await fetch(url + path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      const html = await res.text();
      for (const panel of ['now', 'trending', 'funnel', 'alerts', 'item', 'shopper'])
        expect(html).toContain(`data-panel="${panel}"`);
    }
  });

  it('serves its four assets and stays under 300 kB in all', async () => {
    let bytes = (await (await fetch(url + '/')).arrayBuffer()).byteLength;
    for (const [name, type] of [
      ['app.js', 'text/javascript'],
      ['style.css', 'text/css'],
      ['uplot.js', 'text/javascript'],
      ['uplot.css', 'text/css'],
    ] as const) {
      const res = await fetch(`${url}/dashboard/assets/${name}`);
      expect(res.status, name).toBe(200);
      expect(res.headers.get('content-type')).toContain(type);
      bytes += (await res.arrayBuffer()).byteLength;
    }
    expect(bytes).toBeLessThan(300_000);
  });

  it('answers an unknown asset with a 404 naming the files it has', async () => {
    const res = await fetch(`${url}/dashboard/assets/secrets.json`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe('not_found');
    expect(body.message).toContain('secrets.json');
    expect(body.message).toContain('app.js');
    // Nothing outside the assets, however the name is spelt.
    expect((await fetch(`${url}/dashboard/assets/..%2Fpackage.json`)).status).toBe(404);
  });

  it('opens without a key where reads need one; the data behind it does not', async () => {
    const keys = parseApiKeys(`${READ}:read`, 'test');
    const { app, url: strict } = await listen(engine, {
      port: 0,
      guard: { keys, authReads: true },
    });
    apps.push(app);
    expect((await fetch(strict + '/')).status).toBe(200);
    expect((await fetch(strict + '/dashboard/assets/app.js')).status).toBe(200);
    expect((await fetch(strict + '/v1/stats')).status).toBe(401);
    const withKey = await fetch(strict + '/v1/stats', {
      headers: { authorization: `Bearer ${READ}` },
    });
    expect(withKey.status).toBe(200);
  });
});

describe('GET /v1/users/:id/history', () => {
  it("lists a shopper's items newest first, purchases marked", async () => {
    const res = await fetch(`${url}/v1/users/${buyer}/history?limit=200`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as HistoryReply;
    expect(body.user).toBe(buyer);
    expect(body.items.length).toBeGreaterThan(0);
    expect(body.items.some((i) => i.bought)).toBe(true);
    for (let k = 1; k < body.items.length; k++)
      expect(body.items[k]!.lastSeen).toBeLessThanOrEqual(body.items[k - 1]!.lastSeen);
    for (const i of body.items) expect(i.strength).toBeGreaterThan(0);
    expect(new Set(body.items.map((i) => i.item)).size).toBe(body.items.length);
    // The same as the engine's, and a limit takes the newest.
    expect(body.items).toEqual(engine.analytics.userHistory(buyer, { limit: 200 }).items);
    const two = (await (
      await fetch(`${url}/v1/users/${buyer}/history?limit=2`)
    ).json()) as HistoryReply;
    expect(two.items).toEqual(body.items.slice(0, 2));
  });

  it('gives an unknown shopper no items, and a bad limit a 400 naming it', async () => {
    const unknown = (await (
      await fetch(`${url}/v1/users/nobody-here/history`)
    ).json()) as HistoryReply;
    expect(unknown.items).toEqual([]);
    for (const limit of ['0', '201', 'x']) {
      const res = await fetch(`${url}/v1/users/${buyer}/history?limit=${limit}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message).toContain('limit');
    }
  });
});

describe('GET /v1/analytics/funnel with step', () => {
  it('adds the window as a series whose points add up to the totals', async () => {
    const res = await fetch(`${url}/v1/analytics/funnel?window=1h&step=15m`);
    expect(res.status).toBe(200);
    const f = (await res.json()) as {
      views: number;
      carts: number;
      purchases: number;
      step: number;
      points: { from: number; to: number; views: number; carts: number; purchases: number }[];
    };
    expect(f.step).toBe(15 * 60_000);
    expect(f.points).toHaveLength(4);
    expect(f.views).toBeGreaterThan(0);
    for (const k of ['views', 'carts', 'purchases'] as const)
      expect(f.points.reduce((a, p) => a + p[k], 0)).toBe(f[k]);
    for (let i = 1; i < 4; i++) expect(f.points[i]!.from).toBe(f.points[i - 1]!.to);
    const plain = (await (await fetch(`${url}/v1/analytics/funnel?window=1h`)).json()) as object;
    expect(plain).not.toHaveProperty('points');
  });

  it('refuses a step that does not fit with a 400 naming it', async () => {
    for (const step of ['7s', '2h', 'soon']) {
      const res = await fetch(`${url}/v1/analytics/funnel?window=1h&step=${step}`);
      expect(res.status, step).toBe(400);
      expect(((await res.json()) as { message: string }).message).toContain('step');
    }
  });
});

describe('GET /v1/stats: latency per route', () => {
  it('counts the requests of each matched route, with p50 ≤ p99', async () => {
    const before = await stats();
    const was = before.find((r) => r.route === '/v1/items/:id/similar')?.count ?? 0;
    for (let i = 0; i < 25; i++) await fetch(`${url}/v1/items/sku-${i}/similar?k=5`);
    await fetch(`${url}/no/such/route/${Math.random()}`);
    const after = await stats();
    const similar = after.find((r) => r.route === '/v1/items/:id/similar' && r.method === 'GET');
    expect(similar?.count).toBe(was + 25);
    expect(similar!.p50Ms).toBeGreaterThan(0);
    expect(similar!.p50Ms).toBeLessThanOrEqual(similar!.p99Ms);
    expect(after.some((r) => r.route.startsWith('/no/'))).toBe(false);
  });
});

async function stats() {
  const res = await fetch(`${url}/v1/stats`);
  const body = (await res.json()) as {
    http: {
      routes: { route: string; method: string; count: number; p50Ms: number; p99Ms: number }[];
    };
  };
  return body.http.routes;
}
