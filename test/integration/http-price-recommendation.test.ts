/**
 * GET /v1/items/:id/price/recommendation over a real socket, on an item with a known demand
 * curve (units 60 · (p / 10)^−2.5 a day) and a catalogue cost.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type RetailEvent } from '../../engine/index.js';
import { listen } from '../../src/http/server.js';
import { Rng } from '../../src/sim/index.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 5);

let app: FastifyInstance;
let url: string;

beforeAll(async () => {
  const engine = await createEngine();
  engine.loadCatalogue([
    { id: 'tea', price: 10, cost: 7.2 },
    { id: 'jam', price: 3 },
  ]);
  const rng = new Rng(3);
  const events: RetailEvent[] = [];
  let price = 10;
  for (let d = 0; d < 120; d++) {
    const ts = T0 + d * DAY;
    if (d % 10 === 0) {
      price = d >= 110 ? 10 : [8, 9, 10, 11, 12][rng.int(5)]!;
      events.push({ type: 'price_change', item: 'tea', price, ts });
    }
    const units = Math.max(1, Math.round(60 * (price / 10) ** -2.5 * Math.exp(0.1 * rng.normal())));
    events.push({
      type: 'purchase',
      item: 'tea',
      order: `o${d}`,
      quantity: units,
      price,
      ts: ts + 1,
    });
    events.push({
      type: 'purchase',
      item: 'jam',
      order: `j${d}`,
      quantity: 2,
      price: 3,
      ts: ts + 2,
    });
  }
  const r = engine.ingest(events);
  if (r.accepted !== events.length) throw new Error(JSON.stringify(r).slice(0, 500));
  ({ app, url } = await listen(engine, { port: 0 }));
});

afterAll(async () => {
  await app.close();
});

async function get(path: string) {
  const res = await fetch(url + path);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('GET /v1/items/:id/price/recommendation', () => {
  it('recommends a price with the figures behind it', async () => {
    const { status, body } = await get('/v1/items/tea/price/recommendation?maxChange=0.1');
    expect(status).toBe(200);
    expect(body).toMatchObject({ item: 'tea', known: true, cost: 7.2, costFrom: 'catalogue' });
    expect(body.recommended).toMatchObject({ price: 11 });
    expect(body.bound).toBe('maxChange up');
    expect((body.curve as unknown[]).length).toBe(41);
    expect(String(body.reason)).toMatch(/largest step/);
    const cautious = await get('/v1/items/tea/price/recommendation?objective=cautious&cost=6');
    expect(cautious.status).toBe(200);
    expect(cautious.body.objective).toBe('cautious');
  });

  it('says why when it cannot, 404s an unknown item and 400s a bad option by name', async () => {
    const jam = await get('/v1/items/jam/price/recommendation?margin=0.3');
    expect(jam.status).toBe(200);
    expect(String(jam.body.refused)).toMatch(/no elasticity/);
    const noCost = await get('/v1/items/jam/price/recommendation');
    expect(String(noCost.body.refused)).toMatch(/no cost known/);
    expect((await get('/v1/items/nothing/price/recommendation')).status).toBe(404);
    for (const [q, field] of [
      ['maxChange=0', 'maxChange'],
      ['objective=greedy', 'objective'],
      ['ending=1', 'ending'],
      ['colour=red', 'colour'],
    ]) {
      const r = await get(`/v1/items/tea/price/recommendation?${q}`);
      expect(r.status, q).toBe(400);
      expect(String(r.body.message), q).toContain(field);
    }
  });
});
