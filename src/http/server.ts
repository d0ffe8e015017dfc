/**
 * The HTTP adapter: a thin fastify layer over one Engine. It binds loopback unless told otherwise.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Engine } from '../../engine/index.js';
import { installErrorHandler } from './errors.js';
import { registerOpenApi } from './openapi.js';
import { VERSION } from '../version.js';
import { createMetrics, type HttpMetrics } from './metrics.js';
import type { LocalLogReport } from '../local-log/index.js';
import { eventsRoutes, type DurableIngest, type Publish } from './routes/events.js';
import { analyticsRoutes } from './routes/analytics.js';
import { inventoryRoutes } from './routes/inventory.js';
import { factorRoutes, opsRoutes } from './routes/ops.js';
import { personalRoutes } from './routes/personal.js';
import { recommendationRoutes } from './routes/recommendations.js';
import { statsRoutes, type StreamReport } from './routes/stats.js';

export interface ServerOptions {
  /** Log requests (pino, JSON lines). */
  logger?: boolean;
  /** Largest accepted request body in bytes. */
  bodyLimit?: number;
  /** Totals of the stream the engine consumes, when it consumes one. */
  stream?: () => StreamReport;
  /** With a stream, POST /v1/events publishes to it instead of ingesting directly. */
  publish?: Publish;
  /** With a local log, POST /v1/events makes events durable through it before answering. */
  durable?: DurableIngest;
  /** The local log's position and size, for /v1/stats and /metrics. */
  localLog?: () => LocalLogReport;
}

export interface ListenOptions extends ServerOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
}

export function createServer(engine: Engine, opts: ServerOptions = {}): FastifyInstance {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: opts.bodyLimit ?? 16 * 1024 * 1024,
    // Unknown query parameters are refused, not silently dropped: a typo should not look like
    // a default.
    ajv: { customOptions: { removeAdditional: false, allErrors: true } },
  });
  const metrics: HttpMetrics = createMetrics(engine, opts.stream, opts.localLog);
  app.addHook('onResponse', async (request, reply) => {
    metrics.requestSeconds.observe(
      {
        route: request.routeOptions.url ?? 'unmatched',
        method: request.method,
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
  installErrorHandler(app, metrics);
  registerOpenApi(app, VERSION);
  // Routes are declared inside a plugin registered after the OpenAPI generator, so that its
  // route hook sees every one of them.
  app.register(async (api) => {
    opsRoutes(api, engine, metrics);
    eventsRoutes(api, engine, {
      ...(opts.publish !== undefined && { publish: opts.publish }),
      ...(opts.durable !== undefined && { durable: opts.durable }),
    });
    recommendationRoutes(api, engine);
    personalRoutes(api, engine);
    factorRoutes(api, engine);
    inventoryRoutes(api, engine);
    analyticsRoutes(api, engine);
    statsRoutes(api, engine, opts.stream, opts.localLog);
  });
  return app;
}

/** Creates the server and listens; resolves with the base URL. */
export async function listen(
  engine: Engine,
  opts: ListenOptions = {},
): Promise<{ app: FastifyInstance; url: string }> {
  const app = createServer(engine, opts);
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ host, port: opts.port ?? 7070 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : opts.port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return { app, url: `http://${shown}:${port}` };
}
