/**
 * The HTTP adapter on a real socket, over a real engine fed by the simulator.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine, type RetailEvent } from '../../engine/index.js';
import { listen } from '../../src/http/server.js';
import { createSimulator } from '../../src/sim/index.js';

let engine: Engine;
let app: FastifyInstance;
let url: string;
/** A user with at least one purchase in the stream. */
let buyer = '';
const simEvents: RetailEvent[] = [];

beforeAll(async () => {
  engine = await createEngine();
  const sim = createSimulator({ seed: 3 });
  engine.loadCatalogue(sim.catalogue());
  for (let i = 0; i < 20; i++) {
    const batch = sim.next(5_000);
    simEvents.push(...batch);
    for (const e of batch) if (e.type === 'purchase' && e.user !== undefined) buyer = e.user;
    engine.ingestEvents(batch);
  }
  await engine.trainFactors({ als: { factors: 16, iterations: 5 } });
  ({ app, url } = await listen(engine, { port: 0 }));
});

afterAll(async () => {
  await app.close();
});

async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url + path);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function post(
  path: string,
  body: string,
  type = 'application/json',
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url + path, { method: 'POST', body, headers: { 'content-type': type } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

type Item = { item: string; score: number; reason: string; category?: string };

describe('HTTP adapter', () => {
  it('binds loopback and answers /healthz', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { status, body } = await get('/healthz');
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.events).toBe(100_000);
  });

  it('serves trending items (or flagged popular ones) with scores and reasons', async () => {
    const { status, body } = await get('/v1/trending?k=5');
    expect(status).toBe(200);
    const items = body.items as Item[];
    expect(items).toHaveLength(5);
    for (const it of items) {
      expect(typeof it.item).toBe('string');
      expect(it.score).toBeGreaterThan(0);
      expect(it.reason.length).toBeGreaterThan(0);
    }
    const cat = items[0]!.category!;
    const inCat = await get(`/v1/trending?k=3&category=${encodeURIComponent(cat)}`);
    expect(inCat.status).toBe(200);
    for (const it of inCat.body.items as Item[]) expect(it.category).toBe(cat);
  });

  it('answers trending, similar and bought-together exactly as engine.recommend does', async () => {
    // Through JSON, as the reply went.
    const same = (x: unknown): unknown => JSON.parse(JSON.stringify(x));
    const top = engine.recommend({ type: 'popular', k: 1 }).results[0]!.item;
    const trending = engine.recommend({ type: 'trending', k: 7 });
    expect((await get('/v1/trending?k=7')).body.items).toEqual(same(trending.results));
    const similar = engine.recommend({ type: 'similar', item: top, k: 6 });
    expect((await get(`/v1/items/${top}/similar?k=6`)).body.items).toEqual(same(similar.results));
    const bought = engine.recommend({ type: 'bought-together', item: top, k: 6 });
    const reply = await get(`/v1/items/${top}/bought-together?k=6`);
    expect(reply.body.items).toEqual(same(bought.results));
    expect(reply.body.orders).toBe(bought.orders);
    expect(bought.results.some((r) => r.lift !== undefined)).toBe(true);
  });

  it('serves scored similar items for a popular item', async () => {
    const top = engine.recommend({ type: 'popular', k: 1 }).results[0]!.item;
    const viewed = await get(`/v1/items/${top}/similar?k=5`);
    expect(viewed.status).toBe(200);
    expect(viewed.body.fallback).toBeUndefined();
    const items = viewed.body.items as Item[];
    expect(items.length).toBe(5);
    expect(items[0]!.score).toBeGreaterThan(0);
    expect(items[0]!.reason).toMatch(/viewed together with/);
    expect(items.map((i) => i.item)).not.toContain(top);
    const bought = await get(`/v1/items/${top}/similar?k=5&kind=bought`);
    expect(bought.status).toBe(200);
    const unknown = await get('/v1/items/no-such-sku/similar');
    expect(unknown.status).toBe(200);
    expect(unknown.body.fallback).toBe('popular');
  });

  it('answers malformed JSON with 400 and counts nothing', async () => {
    const before = engine.stats().events;
    const { status, body } = await post('/v1/events', '[{"type":"view",');
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_json');
    expect(engine.stats().events).toBe(before);
  });

  it('refuses a batch with a bad event whole, naming the index, field and reason', async () => {
    const before = engine.stats();
    const batch = [
      { type: 'view', ts: 1732700000000, user: 'u1', session: 's1', item: 'sku-1' },
      { type: 'view', ts: 1732700000001, user: 'u1', session: 's1', item: 'sku-2' },
      { type: 'purchase', ts: 1732700000002, item: 'sku-2', order: 'o1', quantity: 1, price: -4 },
    ];
    const { status, body } = await post('/v1/events', JSON.stringify(batch));
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_event');
    expect(body.message).toBe(
      'events[2].price: must be greater than 0; no event of this batch was kept',
    );
    expect(body.rejected).toEqual([{ index: 2, field: 'price', reason: 'must be greater than 0' }]);
    expect(engine.stats().events).toBe(before.events);
    expect(engine.stats().rejected).toBe(before.rejected + 1);

    const partial = await post('/v1/events?partial=true', JSON.stringify({ events: batch }));
    expect(partial.status).toBe(200);
    expect(partial.body.accepted).toBe(2);
    expect(engine.stats().events).toBe(before.events + 2);
  });

  it('refuses an event far in the future with 400 naming events[i].ts, and trending is unaffected', async () => {
    const before = engine.stats();
    const trending = engine.analytics.trending({ k: 5 }).items;
    const { status, body } = await post(
      '/v1/events',
      JSON.stringify([{ type: 'view', ts: 4102444799999, item: 'sku-1' }]),
    );
    expect(status).toBe(400);
    expect(body.message).toMatch(
      /^events\[0\]\.ts: is more than 5 min ahead of the engine's clock/,
    );
    expect(body.rejected).toEqual([
      { index: 0, field: 'ts', reason: expect.stringMatching(/ahead of the engine's clock/) },
    ]);
    expect(engine.stats().events).toBe(before.events);
    expect(engine.stats().streamTime).toBe(before.streamTime);
    expect(engine.analytics.trending({ k: 5 }).items).toEqual(trending);
  });

  it('reports memory by part, the budget and retention in /v1/stats and /metrics', async () => {
    const { status, body } = await get('/v1/stats');
    expect(status).toBe(200);
    const memory = body.memory as {
      total: number;
      parts: Record<string, number>;
      process: { rss: number };
      warnings: string[];
    };
    expect(memory.total).toBeGreaterThan(0);
    for (const part of ['log', 'dictionaries', 'history', 'alsoViewed', 'sessions', 'funnels']) {
      expect(memory.parts[part], part).toBeGreaterThan(0);
    }
    expect(memory.process.rss).toBeGreaterThan(memory.total / 4);
    expect(memory.warnings).toEqual([]);
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/aisle_memory_bytes\{part="log"\} \d+/);
    expect(text).toMatch(/aisle_retention_dropped_ids_total\{kind="user"\} \d+/);
  });

  it('accepts NDJSON and names the bad line', async () => {
    const good = [
      JSON.stringify({ type: 'search', query: 'red shoes', user: 'u9' }),
      JSON.stringify({ type: 'inventory', item: 'sku-1', op: 'receive', quantity: 3 }),
    ].join('\n');
    const ok = await post('/v1/events', good, 'application/x-ndjson');
    expect(ok.status).toBe(200);
    expect(ok.body.accepted).toBe(2);
    const bad = await post('/v1/events', `${good}\n{"type":`, 'application/x-ndjson');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^line 3:/);
  });

  it('answers bad parameters and bodies with 400 naming the field, never 500', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/v1/trending?k=0', /querystring\.k: must be >= 1/],
      ['/v1/trending?k=abc', /querystring\.k: must be integer/],
      ['/v1/trending?kk=5', /querystring\.kk: is not a known parameter/],
      ['/v1/items/sku-1/similar?kind=liked', /querystring\.kind: must be equal to one of/],
      ['/v1/trending?category=', /querystring\.category: must NOT have fewer than 1 characters/],
    ];
    for (const [path, message] of cases) {
      const { status, body } = await get(path);
      expect(status, path).toBe(400);
      expect(body.message, path).toMatch(message);
    }
    const notBatch = await post('/v1/events', '{"type":"view"}');
    expect(notBatch.status).toBe(400);
    expect(notBatch.body.message).toMatch(/^body: must be a JSON array/);
    const tooMany = await post('/v1/events', JSON.stringify(new Array(10_001).fill({})));
    expect(tooMany.status).toBe(400);
    const missing = await get('/v1/nothing');
    expect(missing.status).toBe(404);
    // Still serving after all of that.
    expect((await get('/healthz')).status).toBe(200);
  });

  it('exposes Prometheus metrics for events, rejections and request latency', async () => {
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/aisle_events_ingested_total\{type="view"\} \d+/);
    expect(text).toMatch(/aisle_events_rejected_total \d+/);
    expect(text).toMatch(/aisle_http_request_duration_seconds_bucket\{.*route="\/v1\/trending"/);
    expect(text).toMatch(/aisle_store_bytes_per_event \d/);
  });
});

describe('bought together over HTTP', () => {
  it('returns association figures for a popular item and validates k', async () => {
    const top = engine.recommend({ type: 'popular', k: 1 }).results[0]!.item;
    const { status, body } = await get(`/v1/items/${top}/bought-together?k=5`);
    expect(status).toBe(200);
    expect(body.orders).toBeGreaterThan(0);
    const items = body.items as {
      item: string;
      support: number;
      confidence: number;
      lift: number;
    }[];
    expect(items.length).toBe(5);
    // Items the blend adds from views or factors carry no association figures; pairs do.
    const paired = items.filter((it) => it.support !== undefined);
    expect(paired.length).toBeGreaterThan(0);
    for (const it of paired) {
      expect(it.support).toBeGreaterThan(0);
      expect(it.confidence).toBeGreaterThan(0);
      expect(it.confidence).toBeLessThanOrEqual(1);
      expect(it.lift).toBeGreaterThan(0);
    }
    const bad = await get(`/v1/items/${top}/bought-together?k=500`);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/querystring\.k/);
  });
});

describe('personal recommendations over HTTP', () => {
  it('serves a known user, with filters and diversity from the query string', async () => {
    const plain = await get(`/v1/users/${buyer}/recommendations?k=8`);
    expect(plain.status).toBe(200);
    expect(plain.body.user).toBe(buyer);
    expect(plain.body.type).toBe('user');
    expect(plain.body.fallback).toBeUndefined();
    const items = plain.body.items as Item[];
    expect(items).toHaveLength(8);
    for (const it of items) expect(it.reason.length).toBeGreaterThan(0);
    const cat = items[0]!.category!;
    const q = `inStock=true&notBought=true&category=${encodeURIComponent(cat)}&minPrice=0.5&maxPrice=500&categoryCap=3&mmr=0.7`;
    const filtered = await get(`/v1/users/${buyer}/recommendations?k=3&${q}`);
    expect(filtered.status).toBe(200);
    for (const it of filtered.body.items as Item[]) expect(it.category).toBe(cat);
    expect(filtered.body.filtered).toHaveProperty('category');
  });

  it('gives an unknown user a documented fallback, not an error', async () => {
    const { status, body } = await get('/v1/users/never-seen/recommendations?k=4');
    expect(status).toBe(200);
    expect(body.fallback).toBe('cold-start');
    expect((body.items as Item[]).length).toBe(4);
    expect((body.notes as string[]).join(' ')).toMatch(/unknown user never-seen/);
  });

  it('suggests buying again and recommends for a posted session', async () => {
    const again = await get(`/v1/users/${buyer}/buy-again?k=5`);
    expect(again.status).toBe(200);
    expect((again.body.items as Item[])[0]!.reason).toMatch(/you bought it/);
    const top = engine.recommend({ type: 'popular', k: 2 }).results.map((r) => r.item);
    const session = await post(
      '/v1/sessions/recommendations',
      JSON.stringify({ items: top, k: 5 }),
    );
    expect(session.status).toBe(200);
    expect(session.body.type).toBe('session');
    expect((session.body.items as Item[]).length).toBe(5);
    const filtered = await post(
      '/v1/sessions/recommendations',
      JSON.stringify({
        items: top,
        k: 5,
        filters: { inStock: true, exclude: top },
        diversity: { categoryCap: 2 },
      }),
    );
    expect(filtered.status).toBe(200);
    for (const it of filtered.body.items as Item[]) expect(top).not.toContain(it.item);
  });

  it('reports the factor model and retrains it on demand', async () => {
    const before = await get('/v1/models/factors');
    expect((before.body.factors as { factors: number }).factors).toBe(16);
    const res = await fetch(`${url}/v1/models/factors/train`, { method: 'POST' });
    expect(res.status).toBe(202);
    const { job } = (await res.json()) as { job: { id: string } };
    type Job = { state: string; report?: { factors: number; index: string } };
    let done: Job = { state: 'running' };
    while (done.state === 'running') {
      await new Promise((r) => setTimeout(r, 50));
      done = (await get(`/v1/models/factors/jobs/${job.id}`)).body.job as Job;
    }
    expect(done.state).toBe('done');
    expect(done.report!.factors).toBe(64);
    expect(done.report!.index).toBe('exact');
    const after = await get('/v1/models/factors');
    expect((after.body.factors as { factors: number }).factors).toBe(64);
  });

  it('filters similar items too', async () => {
    const top = engine.recommend({ type: 'popular', k: 1 }).results[0]!.item;
    const r = await get(`/v1/items/${top}/similar?k=5&maxPrice=20`);
    expect(r.status).toBe(200);
    for (const it of r.body.items as (Item & { price: number })[]) {
      expect(it.price).toBeLessThanOrEqual(20);
    }
    // notBought needs to know who asks: the item routes take a `user` for it.
    const mine = await get(`/v1/items/${top}/bought-together?k=5&notBought=true&user=${buyer}`);
    expect(mine.status).toBe(200);
    const anon = await get(`/v1/items/${top}/similar?notBought=true`);
    expect(anon.status).toBe(400);
    expect(anon.body.message).toMatch(/filters\.notBought: needs a user/);
  });

  it('answers every bad parameter or body with 400 naming it', async () => {
    const gets: Array<[string, RegExp]> = [
      ['/v1/users/u-1/recommendations?minPrice=-1', /querystring\.minPrice: must be >= 0/],
      ['/v1/users/u-1/recommendations?mmr=2', /querystring\.mmr: must be <= 1/],
      ['/v1/users/u-1/recommendations?inStock=maybe', /querystring\.inStock: must be boolean/],
      ['/v1/users/u-1/recommendations?colour=red', /querystring\.colour: is not a known/],
      ['/v1/users/u-1/recommendations?categoryCap=0', /querystring\.categoryCap: must be >= 1/],
      ['/v1/users/u-1/buy-again?k=101', /querystring\.k: must be <= 100/],
      ['/v1/users/u-1/recommendations?category=,', /filters\.categories: must hold at least one/],
      ['/v1/users/u-1/recommendations?user=u-2', /querystring\.user: is not a known parameter/],
      ['/v1/models/factors?verbose=1', /querystring\.verbose: is not a known parameter/],
      [
        '/v1/users/u-1/recommendations?minPrice=9&maxPrice=1',
        /filters\.minPrice: is above filters\.maxPrice/,
      ],
    ];
    for (const [path, message] of gets) {
      const { status, body } = await get(path);
      expect(status, path).toBe(400);
      expect(body.message, path).toMatch(message);
    }
    const posts: Array<[string, RegExp]> = [
      ['{}', /body\.items: is not a known parameter|must have required property 'items'/],
      ['{"items":[]}', /body\.items: must NOT have fewer than 1 items/],
      ['{"items":["a"],"colour":1}', /body\.colour: is not a known parameter/],
      ['{"items":["a"],"filters":{"maxPrice":-2}}', /body\.filters\.maxPrice: must be >= 0/],
      ['{"items":["a"],"filters":{"colour":"red"}}', /body\.filters\.colour: is not a known/],
      ['{"items":["a"],"diversity":{"mmr":3}}', /body\.diversity\.mmr: must be <= 1/],
      ['{"items":[""]}', /body\.items\.0: must NOT have fewer than 1 characters/],
    ];
    for (const [body, message] of posts) {
      const r = await post('/v1/sessions/recommendations', body);
      expect(r.status, body).toBe(400);
      expect(r.body.message, body).toMatch(message);
    }
  });
});

describe('inventory and price over HTTP', () => {
  it('reports stock, velocity and cover for a SKU, and 404 for an unknown one', async () => {
    const stocked = engine
      .recommend({ type: 'popular', k: 50 })
      .results.map((r) => r.item)
      .find((item) => engine.inventory.report(item).level !== undefined)!;
    expect(stocked).toBeDefined();
    const { status, body } = await get(`/v1/inventory/${stocked}`);
    expect(status).toBe(200);
    expect(body.item).toBe(stocked);
    expect(typeof body.level).toBe('number');
    expect(body.velocityPerDay as number).toBeGreaterThan(0);
    expect(body).toHaveProperty('reorderPoint');
    const unknown = await get('/v1/inventory/no-such-sku');
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toBe('unknown item no-such-sku');
    const alerts = await get('/v1/inventory/alerts');
    expect(alerts.status).toBe(200);
    const all = engine.inventory.alerts();
    expect(alerts.body.total).toBe(all.length);
    // Through JSON, as the reply went: infinite days of cover read as null.
    expect(alerts.body.alerts).toEqual(JSON.parse(JSON.stringify(all.slice(0, 100))));
    const counts = alerts.body.byType as Record<string, number>;
    const risky = await get('/v1/inventory/alerts?type=stockout_risk&limit=3');
    expect(risky.status).toBe(200);
    expect(risky.body.total).toBe(counts.stockout_risk);
    const page = risky.body.alerts as { type: string }[];
    expect(page.length).toBe(Math.min(3, counts.stockout_risk!));
    for (const a of page) expect(a.type).toBe('stockout_risk');
    const badType = await get('/v1/inventory/alerts?type=late');
    expect(badType.status).toBe(400);
    expect(badType.body.message).toMatch(/querystring\.type/);
    expect((await get('/v1/inventory/alerts?limit=0')).status).toBe(400);
  });

  it('serves price history with an elasticity or the reason there is none', async () => {
    const top = engine.recommend({ type: 'popular', k: 1 }).results[0]!.item;
    const { status, body } = await get(`/v1/items/${top}/price?stock=500&targetDays=30`);
    expect(status).toBe(200);
    expect(body.item).toBe(top);
    expect(Array.isArray(body.changes)).toBe(true);
    expect(body.elasticity).toBeDefined();
    expect(body.markdown).toBeDefined();
    const bad = await get(`/v1/items/${top}/price?targetDays=0`);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/querystring\.targetDays: must be > 0/);
    const unknownParam = await get('/v1/inventory/alerts?window=1h');
    expect(unknownParam.status).toBe(400);
    expect((await get('/v1/items/no-such-sku/price')).status).toBe(404);
  });
});

describe('behaviour analytics over HTTP', () => {
  it('reports trending items and categories with the numbers behind each', async () => {
    const r = await get('/v1/analytics/trending?k=5');
    expect(r.status).toBe(200);
    expect(r.body).toEqual(engine.analytics.trending({ k: 5 }));
    expect(r.body.shortHalfLife).toBe('1h');
    type Trend = { score: number; recent: number; expected: number; reason: string };
    for (const t of [...(r.body.items as Trend[]), ...(r.body.categories as Trend[])]) {
      expect(t.score).toBeGreaterThanOrEqual(r.body.minZ as number);
      expect(t.recent).toBeGreaterThanOrEqual(r.body.minSupport as number);
      expect(t.reason).toMatch(/^trending/);
    }
    const top = engine.recommend({ type: 'popular', k: 1 }).results[0]!;
    const within = await get(`/v1/analytics/trending?category=${top.category}`);
    expect(within.status).toBe(200);
    expect(within.body.category).toBe(top.category);
    for (const t of within.body.items as { category: string }[]) {
      expect(t.category).toBe(top.category);
    }
    const badK = await get('/v1/analytics/trending?k=0');
    expect(badK.status).toBe(400);
    expect(badK.body.message).toMatch(/k/);
    const extra = await get('/v1/analytics/trending?window=1h');
    expect(extra.status).toBe(400);
    const unknown = await get('/v1/analytics/trending?category=no-such-category');
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toBe('unknown category no-such-category');
  });

  it('counts the funnel of the shop, a category and an item over a window', async () => {
    const shop = await get('/v1/analytics/funnel?window=7d');
    expect(shop.status).toBe(200);
    // Exact counts of the simulated stream inside the window the answer says it counted (the
    // events other tests posted carry 2024 timestamps, far outside it).
    const { from, to } = shop.body as { from: number; to: number };
    const count = (type: string) =>
      simEvents.filter((e) => e.type === type && e.ts >= from && e.ts < to).length;
    expect(shop.body.views).toBe(count('view'));
    expect(shop.body.carts).toBe(count('add_to_cart'));
    expect(shop.body.purchases).toBe(count('purchase'));
    expect(shop.body.viewToPurchase as number).toBeCloseTo(count('purchase') / count('view'), 10);
    const top = engine.recommend({ type: 'popular', k: 1 }).results[0]!;
    const item = await get(`/v1/analytics/funnel?window=1h&item=${top.item}`);
    expect(item.status).toBe(200);
    expect(item.body.item).toBe(top.item);
    const cat = await get(`/v1/analytics/funnel?window=15m&category=${top.category}`);
    expect(cat.status).toBe(200);
    expect(cat.body.views as number).toBeLessThanOrEqual(shop.body.views as number);
  });

  it('reports segments, baskets and revenue that match the stream', async () => {
    const seg = await get('/v1/analytics/segments');
    expect(seg.status).toBe(200);
    const buyers = new Set<string>();
    for (const e of simEvents)
      if (e.type === 'purchase' && e.user !== undefined) buyers.add(e.user);
    expect(seg.body.customers).toBe(buyers.size);
    const segments = seg.body.segments as { customers: number }[];
    expect(segments.reduce((a, x) => a + x.customers, 0)).toBe(buyers.size);

    const one = await get(`/v1/users/${buyer}/segment`);
    expect(one.status).toBe(200);
    expect(one.body.user).toBe(buyer);
    expect(one.body.orders as number).toBeGreaterThan(0);
    const nobody = await get('/v1/users/never-bought/segment');
    expect(nobody.status).toBe(404);
    expect(nobody.body.message).toBe('user never-bought has no purchases');

    const baskets = await get('/v1/analytics/baskets');
    expect(baskets.status).toBe(200);
    const orders = new Set(simEvents.filter((e) => e.type === 'purchase').map((e) => e.order));
    expect(baskets.body.orders as number).toBeGreaterThanOrEqual(orders.size);

    const rev = await get('/v1/analytics/revenue?window=1h');
    expect(rev.status).toBe(200);
    const { from, to } = rev.body as { from: number; to: number };
    let cents = 0;
    for (const e of simEvents) {
      if (e.type === 'purchase' && e.ts >= from && e.ts < to) {
        cents += e.quantity * Math.round(Math.fround(e.price) * 100);
      }
    }
    expect(rev.body.revenue as number).toBeCloseTo(cents / 100, 6);
    const series = await get('/v1/analytics/revenue?window=1h&step=15m');
    expect(series.status).toBe(200);
    expect((series.body.points as unknown[]).length).toBe(4);
    const badStep = await get('/v1/analytics/revenue?window=1h&step=90s');
    expect(badStep.status).toBe(400);
    expect(badStep.body.message).toMatch(/step/);
    const badWindow = await get('/v1/analytics/revenue?window=soon');
    expect(badWindow.status).toBe(400);
    expect(badWindow.body.message).toMatch(/window "soon"/);
    const unknown = await get('/v1/analytics/revenue?item=no-such-item');
    expect(unknown.status).toBe(404);
  });

  it('groups the log by item, user or category over a window', async () => {
    // The simulated stream's last hour (other tests post events at other times).
    const to = Math.max(...simEvents.map((e) => e.ts)) + 1;
    const from = to - 3_600_000;
    const r = await get(
      `/v1/analytics/group-by?by=item&from=${from}&to=${to}&types=purchase,add_to_cart&top=5`,
    );
    expect(r.status).toBe(200);
    expect(r.body).toEqual(
      engine.analytics.groupBy({
        by: 'item',
        from,
        to,
        types: ['purchase', 'add_to_cart'],
        top: 5,
      }),
    );
    const rows = r.body.rows as { key: string; events: number }[];
    expect(rows).toHaveLength(5);
    const top = rows[0]!;
    const kept = simEvents.filter(
      (e) =>
        (e.type === 'purchase' || e.type === 'add_to_cart') &&
        e.item === top.key &&
        e.ts >= from &&
        e.ts < to,
    );
    expect(top.events).toBe(kept.length);
    const recent = await get('/v1/analytics/group-by?by=item&window=1h&top=5');
    expect(recent.status).toBe(200);
    const cats = await get('/v1/analytics/group-by?by=category');
    expect(cats.status).toBe(200);
    expect(cats.body.from).toBeNull();
    const badType = await get('/v1/analytics/group-by?by=item&types=purchase,refund');
    expect(badType.status).toBe(400);
    expect(badType.body.message).toMatch(/^querystring\.types: "refund" is not an event type/);
    const noBy = await get('/v1/analytics/group-by?window=1h');
    expect(noBy.status).toBe(400);
    expect(noBy.body.message).toMatch(/by/);
    const both = await get('/v1/analytics/group-by?by=user&window=1h&from=0');
    expect(both.status).toBe(400);
  });

  it('refuses bad windows and unknown keys with a message naming them', async () => {
    const bad = await get('/v1/analytics/funnel?window=15x');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/15x/);
    const both = await get('/v1/analytics/funnel?item=a&category=b');
    expect(both.status).toBe(400);
    const unknown = await get('/v1/analytics/funnel?category=no-such-category');
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toBe('unknown category no-such-category');
    const anomalies = await get('/v1/analytics/anomalies');
    expect(anomalies.status).toBe(200);
    expect(Array.isArray(anomalies.body.active)).toBe(true);
    expect(Array.isArray(anomalies.body.recent)).toBe(true);
  });
});

// Last in the file: the burst it posts would change the exact counts the tests above check.
describe('trending after a burst, over HTTP', () => {
  it('lists the burst item and its category with the numbers behind them', async () => {
    // A new category: on a stream an hour old, an established category's usual rate is still
    // mostly this hour, so only a very large burst would stand out in it.
    const category = 'flash-sale';
    const at = Math.max(...simEvents.map((e) => e.ts)) + 60_000;
    const burst = Array.from({ length: 60 }, (_, i) => ({
      type: 'view',
      item: 'burst-sku',
      category,
      user: `burst-${i}`,
      ts: at + i * 1000,
    }));
    expect((await post('/v1/events', JSON.stringify(burst))).status).toBe(200);
    const r = await get(`/v1/analytics/trending?k=5&category=${category}`);
    expect(r.status).toBe(200);
    type Trend = { score: number; recent: number; expected: number; lift: number; reason: string };
    const items = r.body.items as (Trend & { item: string })[];
    const categories = r.body.categories as (Trend & { category: string })[];
    expect(items[0]!.item).toBe('burst-sku');
    expect(categories.map((c) => c.category)).toContain(category);
    for (const t of [...items, ...categories]) {
      expect(t.score).toBeGreaterThanOrEqual(r.body.minZ as number);
      expect(t.recent).toBeGreaterThanOrEqual(r.body.minSupport as number);
      expect(t.recent).toBeGreaterThan(t.expected);
      expect(t.reason).toMatch(/^trending/);
    }
  });
});
