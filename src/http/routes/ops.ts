/** Operational routes: liveness, Prometheus metrics, and the factor model's training jobs. */
import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../../engine/index.js';
import type { HttpMetrics } from '../metrics.js';
import { errorBody, withErrors } from '../schemas.js';
import type { TrainingJobs } from '../training-jobs.js';
import type { TunedNote } from '../../tune/params-file.js';

/**
 * Where the session parameters in force came from: the defaults, a parameters file (and what it
 * says of them), or a tuning on the server's own stream (`--tune-every`).
 */
export interface SessionsSource {
  source: 'defaults' | 'params file' | 'stream';
  file?: string;
  tuned?: TunedNote;
}

const none = { type: 'object', properties: {}, additionalProperties: false } as const;

const report = {
  type: 'object',
  properties: {
    skipped: { type: 'string' },
    users: { type: 'integer' },
    items: { type: 'integer' },
    interactions: { type: 'integer' },
    factors: { type: 'integer' },
    iterations: { type: 'integer' },
    trainSeconds: { type: 'number' },
    indexSeconds: { type: 'number' },
    index: { type: 'string' },
    indexedItems: { type: 'integer' },
  },
} as const;

const job = {
  type: 'object',
  required: ['id', 'state', 'startedAt', 'iteration', 'iterations'],
  properties: {
    id: { type: 'string' },
    state: { type: 'string', enum: ['running', 'done', 'failed'] },
    startedAt: { type: 'string' },
    finishedAt: { type: 'string' },
    iteration: { type: 'integer' },
    iterations: { type: 'integer' },
    report,
    error: { type: 'string' },
  },
} as const;

export function opsRoutes(app: FastifyInstance, engine: Engine, metrics: HttpMetrics): void {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['ops'],
        summary: 'Liveness: 200 while the engine takes writes, 503 once it has failed',
        querystring: none,
        response: {
          ...withErrors({
            200: {
              type: 'object',
              properties: {
                status: { type: 'string' },
                events: { type: 'number' },
                items: { type: 'number' },
                simd: { type: 'boolean' },
              },
            },
          }),
          // Unhealthy is not an error of the request: it says why, for the supervisor.
          503: {
            description: 'the engine failed and refuses writes until restored from a snapshot',
            type: 'object',
            properties: {
              status: { type: 'string' },
              reason: { type: 'string' },
              events: { type: 'number' },
            },
          },
        },
      },
    },
    async (_request, reply) => {
      const s = engine.stats();
      const health = engine.health();
      // Unhealthy is a 503, so a load balancer or supervisor takes the replica out and restarts it.
      if (!health.ok) {
        return reply.code(503).send({ status: 'failed', reason: health.reason, events: s.events });
      }
      return { status: 'ok', events: s.events, items: s.items, simd: s.simd };
    },
  );
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['ops'],
        summary: 'Prometheus metrics (text exposition format)',
        querystring: none,
        response: withErrors({ 200: { type: 'string' } }),
      },
    },
    async (_request, reply) => {
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    },
  );
}

/** The factor model: what serves now, and trainings on demand, one at a time. */
export function factorRoutes(app: FastifyInstance, engine: Engine, jobs: TrainingJobs): void {
  app.get(
    '/v1/models/factors',
    {
      schema: {
        tags: ['models'],
        summary: 'The factor model serving now (null before the first training)',
        querystring: none,
        response: withErrors({
          200: {
            type: 'object',
            properties: {
              factors: {
                type: ['object', 'null'],
                properties: {
                  users: { type: 'integer' },
                  items: { type: 'integer' },
                  factors: { type: 'integer' },
                  trainedAt: { type: 'number' },
                },
              },
              training: { ...job, type: ['object', 'null'] },
            },
          },
        }),
      },
    },
    async () => ({ factors: engine.factors, training: jobs.current ?? null }),
  );
  // Training takes seconds in a worker: the reply says where to follow it rather than waiting.
  app.post(
    '/v1/models/factors/train',
    {
      schema: {
        tags: ['models'],
        summary: 'Starts a training (202 with the job); 409 with the running job while one runs',
        querystring: none,
        response: {
          ...withErrors({ 202: { type: 'object', properties: { job } } }),
          409: {
            description: 'conflict: a training is running; `job` is that one',
            ...errorBody,
            required: ['error', 'message', 'job'],
            properties: { ...errorBody.properties, job },
          },
        },
      },
    },
    async (request, reply) => {
      const started = jobs.start();
      if (started === undefined) {
        const running = jobs.current!;
        return reply.code(409).send({
          error: 'conflict',
          message: `a training is running: job ${running.id}`,
          requestId: String(request.id),
          job: running,
        });
      }
      return reply
        .code(202)
        .header('location', `/v1/models/factors/jobs/${started.id}`)
        .send({ job: started });
    },
  );
  app.get<{ Params: { id: string } }>(
    '/v1/models/factors/jobs/:id',
    {
      schema: {
        tags: ['models'],
        summary: 'A training job: running (iterations done), done (its report) or failed',
        params: {
          type: 'object',
          properties: { id: { type: 'string', pattern: '^[0-9a-f-]{36}$' } },
          required: ['id'],
        },
        querystring: none,
        response: withErrors({ 200: { type: 'object', properties: { job } } }, [
          [404, 'not_found: no such job (the last 16 are kept)'],
        ]),
      },
    },
    async (request, reply) => {
      const found = jobs.get(request.params.id);
      if (found === undefined) {
        return reply.code(404).send({
          error: 'not_found',
          message: 'no such training job (the last 16 are kept)',
          requestId: String(request.id),
        });
      }
      return { job: found };
    },
  );
}

/** The session model's parameters and where they came from (`aisle tune`, or the defaults). */
export function sessionModelRoutes(
  app: FastifyInstance,
  engine: Engine,
  source: () => SessionsSource,
): void {
  app.get(
    '/v1/models/sessions',
    {
      schema: {
        tags: ['models'],
        summary: 'The session model’s parameters, and when and on what they were chosen',
        querystring: none,
        response: withErrors({
          200: {
            type: 'object',
            required: ['params', 'source'],
            properties: {
              params: { type: 'object', additionalProperties: true },
              source: { enum: ['defaults', 'params file', 'stream'] },
              file: { type: 'string' },
              tuned: {
                type: 'object',
                properties: {
                  chosenAt: { type: 'string' },
                  on: { type: 'string' },
                  validation: { type: 'object', additionalProperties: true },
                },
              },
            },
          },
        }),
      },
    },
    async () => ({ params: engine.sessionParams, ...source() }),
  );
}
