/** Operational routes: liveness and Prometheus metrics. */
import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../../engine/index.js';
import type { HttpMetrics } from '../metrics.js';

export function opsRoutes(app: FastifyInstance, engine: Engine, metrics: HttpMetrics): void {
  app.get('/healthz', async () => {
    const s = engine.stats();
    return { status: 'ok', events: s.events, items: s.items, simd: s.simd };
  });
  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}
