/** Operational routes: liveness and Prometheus metrics. */
import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../../engine/index.js';
import type { HttpMetrics } from '../metrics.js';

export function opsRoutes(app: FastifyInstance, engine: Engine, metrics: HttpMetrics): void {
  app.get('/healthz', async (_request, reply) => {
    const s = engine.stats();
    const health = engine.health();
    // Unhealthy is a 503, so a load balancer or supervisor takes the replica out and restarts it.
    if (!health.ok) {
      return reply.code(503).send({ status: 'failed', reason: health.reason, events: s.events });
    }
    return { status: 'ok', events: s.events, items: s.items, simd: s.simd };
  });
  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}

/** The factor model: what serves now, and training on demand. */
export function factorRoutes(app: FastifyInstance, engine: Engine): void {
  const none = { type: 'object', properties: {}, additionalProperties: false } as const;
  app.get('/v1/models/factors', { schema: { querystring: none } }, async () => ({
    factors: engine.factors,
  }));
  // Training takes seconds in a worker; the reply waits for the swap so a caller knows it is live.
  app.post('/v1/models/factors/train', { schema: { querystring: none } }, async () => ({
    report: await engine.trainFactors(),
  }));
}
