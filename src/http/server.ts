/**
 * The HTTP adapter: a thin fastify layer over one Engine. It binds loopback unless told otherwise.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyReply } from 'fastify';
import { DEFAULT_ALS, type Engine } from '../../engine/index.js';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { LogLevel } from '../config.js';
import {
  DEFAULT_CONNECTION_LIMITS,
  limitConnections,
  type ConnectionLimits,
} from './connections.js';
import { ERROR_NAMES, installErrorHandler } from './errors.js';
import { installGuards, type GuardOptions } from './guard.js';
import { TrainingJobs } from './training-jobs.js';
import { registerOpenApi } from './openapi.js';
import { VERSION } from '../version.js';
import { createMetrics, type HttpMetrics } from './metrics.js';
import { RouteLatencies } from './latency.js';
import { dashboardRoutes } from './dashboard/routes.js';
import type { LocalLogReport } from '../local-log/index.js';
import { eventsRoutes, type DurableIngest, type Publish } from './routes/events.js';
import { analyticsRoutes } from './routes/analytics.js';
import { inventoryRoutes } from './routes/inventory.js';
import { priceRecommendationRoutes } from './routes/price-recommendation.js';
import { audienceRoutes } from './routes/audience.js';
import { factorRoutes, opsRoutes, sessionModelRoutes, type SessionsSource } from './routes/ops.js';
import { personalRoutes } from './routes/personal.js';
import { recommendationRoutes } from './routes/recommendations.js';
import { statsRoutes, type StreamReport } from './routes/stats.js';

export interface ServerOptions {
  /** Structured log level (pino JSON lines on stderr); default silent. */
  logLevel?: LogLevel;
  /** Log every request, not only errors and start-up. */
  logRequests?: boolean;
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
  /** Keys, Host allow-list, CORS and rate limits (src/http/guard.ts); default: all open. */
  guard?: GuardOptions;
  /** Where the session parameters came from, for GET /v1/models/sessions; default: defaults. */
  sessionsSource?: () => SessionsSource;
}

export interface ListenOptions extends ServerOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Timeouts and the connection cap (src/http/connections.ts). */
  connections?: Partial<ConnectionLimits>;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: HttpMetrics;
  }
}

/** Ids up to 256 characters reach the route (and its schema, which names the field). */
const MAX_PARAM_LENGTH = 1024;

export function createServer(engine: Engine, opts: ServerOptions = {}): FastifyInstance {
  const level = opts.logLevel ?? 'silent';
  const app = Fastify({
    logger: level === 'silent' ? false : { level, stream: process.stderr },
    logController: new LogController({ disableRequestLogging: opts.logRequests !== true }),
    bodyLimit: opts.bodyLimit ?? 16 * 1024 * 1024,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Unknown query parameters are refused, not silently dropped: a typo should not look like
    // a default.
    ajv: { customOptions: { removeAdditional: false, allErrors: true } },
    // Requests Node's parser refuses (headers too large, malformed) get the one error shape too.
    clientErrorHandler: (err, socket) => answerClientError(err, socket),
    // So do URLs the router refuses (a path parameter over the limit, bad percent-encoding):
    // fastify's own reply would echo the URL.
    frameworkErrors: (err, request, reply) => {
      const status: 400 | 414 = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400;
      return (reply as FastifyReply).code(status).send({
        error: ERROR_NAMES[status]!,
        message:
          status === 414
            ? `a path parameter is longer than ${MAX_PARAM_LENGTH} characters (ids take at most 256)`
            : 'the URL is not valid (bad percent-encoding)',
        requestId: String(request.id),
      });
    },
  });
  // A plain-text body would reach a JSON route as a string: say what the route takes instead.
  // It is also what a cross-site form or fetch can send without a preflight.
  app.removeContentTypeParser('text/plain');
  const metrics: HttpMetrics = createMetrics(engine, opts.stream, opts.localLog);
  app.decorate('metrics', metrics);
  const latencies = new RouteLatencies();
  // A callback hook, not an async one: no promise per request for a synchronous observe.
  app.addHook('onResponse', (request, reply, done) => {
    metrics.requestSeconds.observe(
      {
        route: request.routeOptions.url ?? 'unmatched',
        method: request.method,
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    latencies.observe(request.method, request.routeOptions.url, reply.elapsedTime);
    done();
  });
  const jobs = new TrainingJobs(engine, () => DEFAULT_ALS.iterations);
  installErrorHandler(app, metrics);
  installGuards(app, opts.guard ?? {});
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
    factorRoutes(api, engine, jobs);
    sessionModelRoutes(api, engine, opts.sessionsSource ?? (() => ({ source: 'defaults' })));
    inventoryRoutes(api, engine);
    priceRecommendationRoutes(api, engine);
    audienceRoutes(api, engine);
    analyticsRoutes(api, engine);
    statsRoutes(api, engine, latencies, opts.stream, opts.localLog);
    dashboardRoutes(api);
  });
  return app;
}

/** Creates the server and listens; resolves with the base URL. */
export async function listen(
  engine: Engine,
  opts: ListenOptions = {},
): Promise<{ app: FastifyInstance; url: string }> {
  const app = createServer(engine, opts);
  app.metrics.connections = limitConnections(app.server, {
    ...DEFAULT_CONNECTION_LIMITS,
    ...opts.connections,
  });
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ host, port: opts.port ?? 7070 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : opts.port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return { app, url: `http://${shown}:${port}` };
}

function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const status =
    err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const body = JSON.stringify({
    error: ERROR_NAMES[status],
    message:
      status === 431
        ? 'request headers too large'
        : status === 408
          ? 'request took too long to arrive'
          : 'malformed HTTP request',
  });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
