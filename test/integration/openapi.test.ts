/**
 * The OpenAPI document against the app and the docs: every route is described with a success
 * and an error schema, replies conform to their schemas (and, since fastify serialises with them,
 * still say everything the engine answered), the examples of docs/http-api.md validate, and the
 * docs page loads nothing from elsewhere.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine, type RetailEvent } from '../../engine/index.js';
import { createServer } from '../../src/http/server.js';
import { createSimulator } from '../../src/sim/index.js';

type Json = Record<string, unknown>;
interface Operation {
  requestBody?: { content: Record<string, { schema?: Json }> };
  responses: Record<string, { content?: Record<string, { schema?: Json }> }>;
}
type Spec = { openapi: string; paths: Record<string, Record<string, Operation>> };

let engine: Engine;
let app: FastifyInstance;
let url: string;
let spec: Spec;
/** Every route the app declared, as `METHOD /path/{param}`. */
const routes: string[] = [];
const simEvents: RetailEvent[] = [];
let buyer = '';
let top = '';
let stocked = '';

beforeAll(async () => {
  engine = await createEngine();
  const sim = createSimulator({ seed: 5 });
  engine.loadCatalogue(sim.catalogue());
  for (let i = 0; i < 12; i++) {
    const batch = sim.next(5_000);
    simEvents.push(...batch);
    engine.ingestEvents(batch);
  }
  for (const e of simEvents) {
    if (e.type === 'purchase' && e.user !== undefined) buyer = e.user;
    if (e.type === 'inventory') stocked = e.item;
  }
  top = engine.recommend({ type: 'popular', k: 1 }).results[0]!.item;
  app = createServer(engine);
  // Before listen: the routes are declared when the app boots, each passing this hook.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      routes.push(`${method} ${route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
    }
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  spec = (await (await fetch(`${url}/openapi.json`)).json()) as Spec;
});

afterAll(async () => {
  await app.close();
});

const ajv = new Ajv({ strict: false, allErrors: true });
const compiled = new Map<Json, ValidateFunction>();
function validator(schema: Json): ValidateFunction {
  let v = compiled.get(schema);
  if (v === undefined) {
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

/** Why `value` fails `schema`, or undefined when it conforms. */
function failures(schema: Json, value: unknown): string | undefined {
  const v = validator(schema);
  return v(value) ? undefined : ajv.errorsText(v.errors);
}

function operation(method: string, path: string): Operation | undefined {
  return spec.paths[path]?.[method.toLowerCase()];
}

function responseSchema(op: Operation, status: string): Json | undefined {
  return op.responses[status]?.content?.['application/json']?.schema;
}

/** The spec path a concrete path is an instance of. */
function templateOf(path: string): string | undefined {
  return Object.keys(spec.paths).find((p) =>
    new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path),
  );
}

/** Own routes: HEAD twins of GETs are fastify's, the document and the docs page describe them. */
function described(route: string): boolean {
  const [method, path] = route.split(' ') as [string, string];
  return method !== 'HEAD' && path !== '/openapi.json' && !path.startsWith('/docs');
}

function isErrorSchema(schema: Json | undefined): boolean {
  const required = (schema?.required ?? []) as string[];
  return required.includes('error') && required.includes('message');
}

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 and describes every route of the app', () => {
    expect(spec.openapi).toMatch(/^3\.1\.\d+$/);
    const own = routes.filter(described);
    expect(own.length).toBeGreaterThan(20);
    const missing = own.filter((r) => {
      const [method, path] = r.split(' ') as [string, string];
      return operation(method, path) === undefined;
    });
    expect(missing).toEqual([]);
    expect(spec.paths['/openapi.json']).toBeUndefined();
  });

  it('gives every operation a success schema and the error schema', () => {
    const lacking: string[] = [];
    for (const route of routes.filter(described)) {
      const [method, path] = route.split(' ') as [string, string];
      const op = operation(method, path)!;
      const statuses = Object.keys(op.responses);
      const ok = statuses.some(
        (s) => /^2/.test(s) && Object.values(op.responses[s]!.content ?? {}).some((c) => c.schema),
      );
      const error = statuses.some((s) => /^4/.test(s) && isErrorSchema(responseSchema(op, s)));
      if (!ok) lacking.push(`${route}: no 2xx schema`);
      if (!error) lacking.push(`${route}: no 4xx error schema`);
      if (op.responses['400'] !== undefined && !isErrorSchema(responseSchema(op, '400'))) {
        lacking.push(`${route}: 400 is not the error schema`);
      }
    }
    expect(lacking).toEqual([]);
  });
});

/** Through JSON, as a reply travels. */
const viaJson = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

async function call(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url + path, {
    method,
    ...(body !== undefined && {
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    }),
  });
  return { status: res.status, body: await res.json() };
}

/** Asks, checks the reply against the document's schema for its status, and returns it. */
async function conforming(method: string, path: string, body?: unknown): Promise<unknown> {
  const reply = await call(method, path, body);
  const template = templateOf(path.split('?')[0]!);
  expect(template, path).toBeDefined();
  const schema = responseSchema(operation(method, template!)!, String(reply.status));
  expect(schema, `${method} ${path} ${reply.status}`).toBeDefined();
  expect(failures(schema!, reply.body), `${method} ${path}`).toBeUndefined();
  return reply.body;
}

describe('replies against their schemas', () => {
  it('analytics replies conform and say all the engine answered', async () => {
    const a = engine.analytics;
    const category = engine.catalogue.get(top)?.category;
    expect(category).toBeDefined();
    const cases: [string, () => unknown][] = [
      ['/v1/analytics/trending?k=5', () => a.trending({ k: 5 })],
      [`/v1/analytics/trending?category=${category}`, () => a.trending({ k: 10, category })],
      ['/v1/analytics/funnel?window=1d', () => a.funnel({ window: '1d' })],
      [`/v1/analytics/funnel?item=${top}`, () => a.funnel({ window: '1h', item: top })],
      [`/v1/analytics/funnel?category=${category}`, () => a.funnel({ window: '1h', category })],
      ['/v1/analytics/segments', () => a.segments()],
      [`/v1/users/${buyer}/segment`, () => a.customerSegment(buyer)],
      ['/v1/analytics/baskets', () => a.basketStats()],
      ['/v1/analytics/revenue?window=7d', () => a.revenue({ window: '7d' })],
      [
        `/v1/analytics/revenue?window=1d&step=1h&item=${top}`,
        () => a.revenue({ window: '1d', step: '1h', item: top }),
      ],
      [
        '/v1/analytics/group-by?by=category&window=7d&types=purchase',
        () => a.groupBy({ by: 'category', window: '7d', types: ['purchase'], top: 100 }),
      ],
      ['/v1/analytics/anomalies', () => a.anomalies()],
      [`/v1/inventory/${stocked}`, () => engine.inventory.report(stocked)],
      [
        `/v1/items/${top}/price?targetDays=30&stock=500`,
        () => engine.prices.report(top, { targetDays: 30, stock: 500 }),
      ],
      [`/v1/items/${top}/price`, () => engine.prices.report(top)],
    ];
    for (const [path, answer] of cases) {
      const body = await conforming('GET', path);
      expect(body, path).toEqual(viaJson(answer()));
    }
    const alerts = (await conforming('GET', '/v1/inventory/alerts?limit=5')) as Json;
    expect(alerts.alerts).toEqual(viaJson(engine.inventory.alerts({ limit: 5 })));
    expect(alerts.byType).toEqual(engine.inventory.alertCounts());
  });

  it('recommendation replies conform and carry every item field', async () => {
    const cases: [string, () => unknown][] = [
      ['/v1/trending?k=5', () => engine.recommend({ type: 'trending', k: 5 })],
      [
        `/v1/users/${buyer}/recommendations?k=5`,
        () => engine.recommend({ type: 'user', user: buyer, k: 5 }),
      ],
      [
        `/v1/users/${buyer}/buy-again?k=5`,
        () => engine.recommend({ type: 'buy-again', user: buyer, k: 5 }),
      ],
      [
        `/v1/items/${top}/bought-together?k=5`,
        () => engine.recommend({ type: 'bought-together', item: top, k: 5 }),
      ],
      [
        `/v1/items/${top}/similar?k=5`,
        () => engine.recommend({ type: 'similar', item: top, k: 5 }),
      ],
      [
        '/v1/users/nobody/recommendations?k=3',
        () => engine.recommend({ type: 'user', user: 'nobody', k: 3 }),
      ],
    ];
    for (const [path, answer] of cases) {
      const body = (await conforming('GET', path)) as Json;
      const r = answer() as { results: unknown; notes: unknown; filtered: unknown };
      expect(body.items, path).toEqual(viaJson(r.results));
      expect(body.notes, path).toEqual(r.notes);
      expect(body.filtered, path).toEqual(r.filtered);
    }
    const session = (await conforming('POST', '/v1/sessions/recommendations', {
      items: [top],
      k: 4,
      filters: { inStock: true },
    })) as Json;
    const r = engine.recommend({
      type: 'session',
      session: [top],
      k: 4,
      filters: { inStock: true },
    });
    expect(session.items).toEqual(viaJson(r.results));
  });

  it('the stats, the events route and the error replies conform', async () => {
    await conforming('GET', '/v1/stats');
    const ts = engine.stats().streamTime!;
    const ok = (await conforming('POST', '/v1/events', [
      { type: 'view', ts, user: 'u-openapi', item: top },
    ])) as Json;
    expect(ok.accepted).toBe(1);
    const refused = (await conforming('POST', '/v1/events', [
      { type: 'view', ts, user: 'u-openapi', item: top },
      { type: 'purchase', ts, item: top, order: 'o-1', quantity: 1, price: -1 },
    ])) as Json;
    expect(refused.error).toBe('invalid_event');
    expect(refused.rejected).toEqual([
      { index: 1, field: 'price', reason: 'must be greater than 0' },
    ]);
    await conforming('GET', '/v1/inventory/no-such-sku');
    await conforming('GET', '/v1/trending?k=0');
  });

  it('takes ids of up to 256 characters and refuses longer ones and control characters', async () => {
    const long = 'x'.repeat(256);
    expect((await call('GET', `/v1/items/${long}/similar`)).status).toBe(200);
    expect((await call('GET', `/v1/trending?category=${long}`)).status).toBe(200);
    for (const path of [
      `/v1/items/${long}x/similar`,
      `/v1/trending?category=${long}x`,
      '/v1/items/a%01b/similar',
      '/v1/users/a%0Ab/recommendations',
      '/v1/analytics/funnel?item=a%7Fb',
      '/v1/analytics/funnel?category=a%C2%85b',
    ]) {
      const reply = await call('GET', path);
      expect(reply.status, path).toBe(400);
      expect((reply.body as Json).error).toBe('bad_request');
      if (path.includes('%') && !path.includes('%C2')) {
        expect((reply.body as Json).message, path).toMatch(/must not contain control characters/);
      }
    }
    const body = await call('POST', '/v1/sessions/recommendations', { items: ['a\u0000b'] });
    expect(body.status).toBe(400);
  });
});

interface Example {
  /** `METHOD /path` as the docs name the route. */
  route: string;
  /** A status, or `request` for a request body. */
  what: string;
  text: string;
  line: number;
}

const ROUTE = /`(GET|POST|PUT|PATCH|DELETE) (\/[^`?\s]*)/;

/**
 * The JSON examples of docs/http-api.md with the route each is about: the route of the nearest
 * heading, or of an `<!-- example: METHOD /path [status|request] -->` line just before the block;
 * and the request bodies and error replies of its curl lines.
 */
function examples(markdown: string): { json: Example[]; unattributed: number[] } {
  const lines = markdown.split('\n');
  const json: Example[] = [];
  const unattributed: number[] = [];
  let heading: string | undefined;
  let marker: { route: string; what: string } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const h = /^#{1,4} (.*)$/.exec(line);
    if (h !== null) {
      const m = ROUTE.exec(h[1]!);
      heading = m === null ? undefined : `${m[1]} ${m[2]}`;
      marker = undefined;
      continue;
    }
    const c = /^<!-- example: (GET|POST|PUT|PATCH|DELETE) (\S+)(?: (\d{3}|request))? -->$/.exec(
      line,
    );
    if (c !== null) {
      marker = { route: `${c[1]} ${c[2]}`, what: c[3] ?? '2xx' };
      continue;
    }
    const fence = /^```(\w*)$/.exec(line);
    if (fence === null) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end] !== '```') end++;
    const block = lines.slice(start, end);
    i = end;
    if (fence[1] === 'json') {
      const route = marker?.route ?? heading;
      if (route === undefined) unattributed.push(start);
      else json.push({ route, what: marker?.what ?? '2xx', text: block.join('\n'), line: start });
    } else if (fence[1] === 'sh') {
      json.push(...curlExamples(block, start));
    }
    marker = undefined;
  }
  return { json, unattributed };
}

/** Bodies of curl lines, and the `# {...}` error reply a curl line is followed by. */
function curlExamples(block: string[], first: number): Example[] {
  const out: Example[] = [];
  // Continuation lines belong to the curl they continue.
  const joined: { text: string; line: number }[] = [];
  for (let i = 0; i < block.length; i++) {
    let text = block[i]!;
    const line = first + i;
    while (text.endsWith('\\') && i + 1 < block.length) text = text.slice(0, -1) + block[++i];
    joined.push({ text, line });
  }
  joined.forEach(({ text, line }, i) => {
    if (!text.startsWith('curl ')) return;
    const path = /127\.0\.0\.1:7070(\/[^\s'"?]*)/.exec(text)?.[1];
    if (path === undefined) return;
    const method = /-X (\w+)/.exec(text)?.[1] ?? 'GET';
    const reply = joined[i + 1]?.text;
    const error = reply?.startsWith('# {') === true ? reply.slice(2) : undefined;
    const body = /-d '([^']*)'/.exec(text)?.[1];
    const route = `${method} ${path}`;
    if (error !== undefined) out.push({ route, what: '400', text: error, line: line + 1 });
    // A body answered with an error is meant to be wrong.
    else if (body !== undefined) out.push({ route, what: 'request', text: body, line });
  });
  return out;
}

describe('docs/http-api.md', () => {
  const markdown = readFileSync(new URL('../../docs/http-api.md', import.meta.url), 'utf8');
  const { json, unattributed } = examples(markdown);

  it('says which route each JSON example is about', () => {
    expect(unattributed).toEqual([]);
    expect(json.length).toBeGreaterThan(20);
  });

  it('has examples that validate against the document', () => {
    const wrong: string[] = [];
    for (const ex of json) {
      const [method, path] = ex.route.split(' ') as [string, string];
      const template = templateOf(path.replace(/:([A-Za-z0-9_]+)/g, '{$1}'));
      const op = template === undefined ? undefined : operation(method, template);
      const where = `line ${ex.line} (${ex.route} ${ex.what})`;
      if (op === undefined) {
        wrong.push(`${where}: no such route in the document`);
        continue;
      }
      let schema: Json | undefined;
      if (ex.what === 'request') {
        schema = op.requestBody?.content['application/json']?.schema;
      } else if (ex.what === '2xx') {
        const ok = Object.keys(op.responses).find((s) => /^2/.test(s));
        schema = ok === undefined ? undefined : responseSchema(op, ok);
      } else {
        schema = responseSchema(op, ex.what) ?? responseSchema(op, `${ex.what[0]}XX`);
      }
      if (schema === undefined) {
        wrong.push(`${where}: the document has no schema for it`);
        continue;
      }
      let value: unknown;
      try {
        value = JSON.parse(ex.text);
      } catch (err) {
        wrong.push(`${where}: not JSON: ${(err as Error).message}`);
        continue;
      }
      const why = failures(schema, value);
      if (why !== undefined) wrong.push(`${where}: ${why}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe('the docs page', () => {
  it('is HTML whose assets come from this server', async () => {
    const res = await fetch(`${url}/docs/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    const refs = [...html.matchAll(/(?:src|href)\s*=\s*["']([^"']+)["']/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref).not.toMatch(/^(?:[a-z]+:)?\/\//i);
      const asset = await fetch(new URL(ref, `${url}/docs/`));
      expect(asset.status, ref).toBe(200);
      // Read to the end, so the connection is idle and close does not wait for it.
      await asset.arrayBuffer();
    }
    expect(html).not.toMatch(/https?:\/\//);
    const init = await (await fetch(`${url}/docs/static/swagger-initializer.js`)).text();
    // Comments may cite a page; the code must name no other origin.
    const code = init.replace(/(^|\s)\/\/.*$/gm, '$1');
    expect(code).not.toMatch(/https?:\/\//);
  });
});
