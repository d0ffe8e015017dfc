/**
 * Turns every failure into a JSON reply a client can act on: 4xx for anything the request did
 * wrong (naming the field), 500 only for our own bugs.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { isAisleError } from '../../engine/index.js';
import type { HttpMetrics } from './metrics.js';

export interface ErrorBody {
  error: string;
  message: string;
  [extra: string]: unknown;
}

interface AjvIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** `querystring.k: must be <= 100` — the part and the field first, then what is wrong. */
export function describeValidation(context: string, issues: readonly AjvIssue[]): string {
  return issues
    .map((issue) => {
      const extra = issue.params?.additionalProperty ?? issue.params?.missingProperty;
      const path = (issue.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
      const field = [context, path, extra].filter((p) => p !== undefined && p !== '').join('.');
      const msg =
        issue.params?.additionalProperty !== undefined ? 'is not a known parameter' : issue.message;
      return `${field}: ${msg ?? 'is invalid'}`;
    })
    .join('; ');
}

export function installErrorHandler(app: FastifyInstance, metrics: HttpMetrics): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err.validation) {
      metrics.httpRejected.inc({ reason: 'validation' });
      return reply.code(400).send({
        error: 'bad_request',
        message: describeValidation(err.validationContext ?? 'request', err.validation),
      } satisfies ErrorBody);
    }
    if (isAisleError(err) && err.code === 'AISLE_INVALID_ARGUMENT') {
      metrics.httpRejected.inc({ reason: 'argument' });
      return reply.code(400).send({ error: 'bad_request', message: err.message });
    }
    if (isAisleError(err) && err.code === 'AISLE_FAILED') {
      // The engine refuses writes after a part failed; a restart restores it from a snapshot.
      metrics.httpRejected.inc({ reason: 'failed' });
      return reply.code(503).send({ error: 'unavailable', message: err.message });
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Fastify's own client errors: unparseable JSON, body too large, wrong content type.
      const error =
        err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError
          ? 'invalid_json'
          : err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
            ? 'payload_too_large'
            : 'bad_request';
      metrics.httpRejected.inc({ reason: error });
      return reply.code(status).send({ error, message: err.message });
    }
    request.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ error: 'internal', message: 'internal error; see server log' });
  });
  app.setNotFoundHandler((request, reply) => {
    metrics.httpRejected.inc({ reason: 'not_found' });
    return reply
      .code(404)
      .send({ error: 'not_found', message: `no route ${request.method} ${request.url}` });
  });
}
