/**
 * Turns every failure into a JSON reply a client can act on: 4xx for anything the request did
 * wrong (naming the field), 500 only for our own bugs.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { isAisleError } from '../../engine/index.js';
import { HttpRefusal } from './guard.js';
import { NO_CONTROL } from './recommend-params.js';
import type { HttpMetrics } from './metrics.js';

/**
 * The one error shape of every status: a stable `error` name, a `message` for people, the
 * `requestId` to find the request in the server log, and `field` when one field is to blame.
 */
export interface ErrorBody {
  error: string;
  message: string;
  requestId?: string;
  field?: string;
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
      const raw = issue.params?.additionalProperty ?? issue.params?.missingProperty;
      // An unknown parameter's name is the client's text: shown only in a safe form.
      const extra = raw === undefined ? undefined : safeName(String(raw));
      const path = (issue.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
      const field = [context, path, extra].filter((p) => p !== undefined && p !== '').join('.');
      const msg =
        issue.params?.additionalProperty !== undefined
          ? 'is not a known parameter'
          : issue.params?.pattern === NO_CONTROL
            ? 'must not contain control characters'
            : issue.message;
      return `${field}: ${msg ?? 'is invalid'}`;
    })
    .join('; ');
}

function safeName(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9_.-]/g, '?');
  return clean.length > 64 ? `${clean.slice(0, 64)}...` : clean;
}

/** The error name of each status, so every reply of a status reads the same. */
export const ERROR_NAMES: Readonly<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  421: 'misdirected_request',
  429: 'rate_limited',
  431: 'headers_too_large',
  500: 'internal',
  503: 'unavailable',
};

function errorName(status: number): string {
  return ERROR_NAMES[status] ?? (status >= 500 ? 'internal' : 'bad_request');
}

/**
 * A path as it may appear in a message: printable ASCII only, at most 100 characters, so a reply
 * never carries back what a client smuggled into the URL.
 */
export function safePath(url: string): string {
  const path = url.split('?')[0] ?? '';
  const clean = path.replace(/[^A-Za-z0-9/_.~%-]/g, '?');
  return clean.length > 100 ? `${clean.slice(0, 100)}...` : clean;
}

export function installErrorHandler(app: FastifyInstance, metrics: HttpMetrics): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const requestId = String(request.id);
    if (err instanceof HttpRefusal) {
      metrics.httpRejected.inc({ reason: err.error });
      void reply.headers(err.headers);
      return reply.code(err.statusCode).send({
        error: err.error,
        message: err.message,
        requestId,
      } satisfies ErrorBody);
    }
    if (err.validation) {
      metrics.httpRejected.inc({ reason: 'validation' });
      return reply.code(400).send({
        error: 'bad_request',
        message: describeValidation(err.validationContext ?? 'request', err.validation),
        requestId,
      } satisfies ErrorBody);
    }
    if (isAisleError(err) && err.code === 'AISLE_INVALID_ARGUMENT') {
      metrics.httpRejected.inc({ reason: 'argument' });
      const field = err.details?.field;
      return reply.code(400).send({
        error: 'bad_request',
        message: err.message,
        requestId,
        ...(typeof field === 'string' && { field }),
      } satisfies ErrorBody);
    }
    if (isAisleError(err) && (err.code === 'AISLE_FAILED' || err.code === 'AISLE_CLOSED')) {
      // The engine refuses writes after a part failed; a restart restores it from a snapshot.
      metrics.httpRejected.inc({ reason: 'failed' });
      return reply.code(503).send({ error: 'unavailable', message: err.message, requestId });
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Fastify's own client errors: unparseable JSON, body too large, wrong content type.
      const error =
        err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError
          ? 'invalid_json'
          : errorName(status);
      metrics.httpRejected.inc({ reason: error });
      const message =
        status === 415
          ? 'unsupported content type: send application/json or application/x-ndjson'
          : err.message;
      return reply.code(status).send({ error, message, requestId });
    }
    request.log.error({ err, requestId }, 'unhandled error');
    return reply.code(500).send({
      error: 'internal',
      message: `internal error; see the server log for request ${requestId}`,
      requestId,
    });
  });
  app.setNotFoundHandler((request, reply) => {
    metrics.httpRejected.inc({ reason: 'not_found' });
    return reply.code(404).send({
      error: 'not_found',
      message: `no route ${request.method} ${safePath(request.url)}`,
      requestId: String(request.id),
    });
  });
}
