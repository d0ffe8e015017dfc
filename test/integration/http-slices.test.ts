/**
 * A large batch posted over HTTP goes in a slice at a time, so a query that arrives meanwhile is
 * answered before the batch is done rather than after it; the batch still goes in whole.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine, type RetailEvent } from '../../engine/index.js';
import { listen } from '../../src/http/server.js';
import { createSimulator } from '../../src/sim/index.js';

let engine: Engine;
let app: FastifyInstance;
let url: string;
const sim = createSimulator({ seed: 5 });

beforeAll(async () => {
  engine = await createEngine();
  engine.loadCatalogue(sim.catalogue());
  for (let i = 0; i < 10; i++) engine.ingestEvents(sim.next(5_000));
  ({ app, url } = await listen(engine, { port: 0 }));
});

afterAll(async () => {
  await app.close();
});

describe('POST /v1/events in slices', () => {
  it('answers a query that arrives during a 10,000-event batch before the batch completes', async () => {
    const order: string[] = [];
    for (let round = 0; round < 3; round++) {
      const events: RetailEvent[] = sim.next(10_000);
      const before = engine.stats().events;
      const posted = fetch(`${url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(events),
      }).then(async (r) => {
        order.push('post');
        expect(r.status).toBe(200);
        expect(((await r.json()) as { accepted: number }).accepted).toBe(events.length);
      });
      // Give the server the batch first: its parsing and checks take a while, the query does not.
      await new Promise((r) => setTimeout(r, 15));
      const asked = fetch(`${url}/v1/trending?k=5`).then(async (r) => {
        order.push('query');
        expect(r.status).toBe(200);
        await r.json();
      });
      await Promise.all([posted, asked]);
      expect(engine.stats().events).toBe(before + events.length);
    }
    // Most rounds see the query answered first (one may lose the race to the batch's parsing).
    const pairs = [0, 2, 4].map((i) => order.slice(i, i + 2).join(','));
    expect(pairs.filter((p) => p === 'query,post').length).toBeGreaterThanOrEqual(2);
  });
});
