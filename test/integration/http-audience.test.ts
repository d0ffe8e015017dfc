/** GET /v1/items/:id/audience and /v1/categories/:id/audience over a real socket. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../engine/index.js';
import { listen } from '../../src/http/server.js';
import { createSimulator } from '../../src/sim/index.js';

let app: FastifyInstance;
let url: string;
let item = '';

beforeAll(async () => {
  const engine = await createEngine();
  const sim = createSimulator({ seed: 13, items: 500, categories: 10, users: 2000 });
  engine.loadCatalogue(sim.catalogue());
  for (let i = 0; i < 8; i++) engine.ingestEvents(sim.next(10_000));
  await engine.trainFactors({ als: { factors: 16, iterations: 5 } });
  item = engine.recommend({ type: 'popular', k: 1 }).results[0]!.item;
  ({ app, url } = await listen(engine, { port: 0 }));
});

afterAll(async () => {
  await app.close();
});

async function get(path: string) {
  const res = await fetch(url + path);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('audience routes', () => {
  it('lists shoppers for an item and a category', async () => {
    const a = await get(`/v1/items/${item}/audience?k=7`);
    expect(a.status).toBe(200);
    expect(a.body.item).toBe(item);
    expect((a.body.audience as unknown[]).length).toBe(7);
    const c = await get('/v1/categories/cat-2/audience?k=5&segments=lost,hibernating');
    expect(c.status).toBe(200);
    for (const m of c.body.audience as { segment: string }[]) {
      expect(['lost', 'hibernating']).toContain(m.segment);
    }
  });

  it('404s the unknown and 400s a bad parameter by name', async () => {
    expect((await get('/v1/items/nothing/audience')).status).toBe(404);
    expect((await get('/v1/categories/nothing/audience')).status).toBe(404);
    for (const [q, field] of [
      ['k=0', 'k'],
      ['segments=vip', 'segments'],
      ['excludeDays=-1', 'excludeDays'],
    ]) {
      const r = await get(`/v1/items/${item}/audience?${q}`);
      expect(r.status, q).toBe(400);
      expect(String(r.body.message), q).toContain(field);
    }
  });
});
