/**
 * A failed engine over HTTP: once a part throws while applying a batch, writes answer 503,
 * /healthz answers 503 with the reason, and reads still answer.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../engine/index.js';
import { listen } from '../../src/http/server.js';

let engine: Engine;
let app: FastifyInstance;
let url: string;

beforeAll(async () => {
  engine = await createEngine();
  ({ app, url } = await listen(engine, { port: 0 }));
});

afterAll(async () => {
  await app.close();
});

const post = (body: unknown): Promise<Response> =>
  fetch(`${url}/v1/events`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });

describe('a failed engine over HTTP', () => {
  it('is healthy, then after a part fails refuses writes with 503 and says why on /healthz', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await post([{ type: 'view', item: 'a', user: 'u' }])).status).toBe(200);
    // A fault inside one part while it applies a batch.
    const internals = engine as unknown as { parts: { sales: { ingest: () => void } } };
    internals.parts.sales.ingest = () => {
      throw new RangeError('offset is out of bounds');
    };
    const failed = await post([{ type: 'view', item: 'b', user: 'u' }]);
    expect(failed.status).toBe(503);
    expect(((await failed.json()) as { error: string }).error).toBe('unavailable');
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(503);
    const body = (await health.json()) as { status: string; reason: string };
    expect(body.status).toBe('failed');
    expect(body.reason).toMatch(/offset is out of bounds/);
    expect((await post([{ type: 'view', item: 'c', user: 'u' }])).status).toBe(503);
    expect((await fetch(`${url}/v1/trending?k=3`)).status).toBe(200);
  });
});
