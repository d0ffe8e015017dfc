/**
 * Schema pieces every route shares: the error body and the statuses a route can answer besides
 * its own success, so that the OpenAPI document lists them all in one shape.
 *
 * Response schemas are also what fastify serialises with: a property they leave out is dropped
 * from the reply, and a number they declare non-nullable turns null into 0. Declare everything a
 * handler returns, with `null` where the engine gives null or a non-finite number.
 */

/** Every error reply: a stable code, a message naming what was wrong, and route-specific extras. */
export const errorBody = {
  type: 'object',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string' },
    message: { type: 'string' },
    requestId: { type: 'string' },
    field: { type: 'string' },
  },
  // The invalid_event reply carries `accepted` and `rejected` next to these.
  additionalProperties: true,
} as const;

/**
 * What each error status means on this API, under its `error` name (ERROR_NAMES in errors.ts);
 * 404s are route-specific and say what was not found.
 */
const ERROR_MEANING = {
  400: 'bad_request: a parameter or body field is wrong, and the message names it (invalid_json and invalid_event for bodies)',
  401: 'unauthorized: the route needs an API key and none valid was given',
  403: 'forbidden: the API key lacks the scope, or the Origin is not allowed',
  404: 'not_found',
  408: 'request_timeout: the request took too long to arrive',
  409: 'conflict: the same work is already in progress',
  413: 'payload_too_large: the body is over the limit',
  414: 'uri_too_long: the URL or a path parameter is over the limit',
  415: 'unsupported_media_type: the body has a content type the route does not read',
  421: 'misdirected_request: the Host header names no host this server answers for',
  429: 'rate_limited: over the rate limit; retry after the time given',
  431: 'headers_too_large: the request headers are over the limit',
  500: 'internal: a bug in aisle; the server logs it under the requestId and keeps serving',
  503: 'unavailable: the engine is closing, or refuses writes after a part failed',
} as const;

export type ErrorStatus = keyof typeof ERROR_MEANING;

/**
 * Statuses any route can answer whatever it does: a query it refuses, the server's guards
 * (src/http/guard.ts: keys, Origin, Host, rate limit), the connection's limits, a bug, and an
 * engine that is closing.
 */
export const COMMON_ERRORS: readonly ErrorStatus[] = [
  400, 401, 403, 408, 414, 421, 429, 431, 500, 503,
];
/** A route that reads a body can also refuse its size or its content type. */
export const BODY_ERRORS: readonly ErrorStatus[] = [413, 415];

/** The error response of one status, described for the document. */
export function errorResponse(status: ErrorStatus, description?: string) {
  return { description: description ?? ERROR_MEANING[status], ...errorBody };
}

/**
 * A route's response map: its success responses, every common error, and the extra statuses it
 * answers itself (each a status, or a status with the route's own words for it).
 */
export function withErrors<T extends Record<number, unknown>>(
  ok: T,
  extra: readonly (ErrorStatus | [ErrorStatus, string])[] = [],
): T & Partial<Record<ErrorStatus, ReturnType<typeof errorResponse>>> {
  const out: Record<number, unknown> = { ...ok };
  for (const status of COMMON_ERRORS) out[status] = errorResponse(status);
  for (const e of extra) {
    const [status, description] = Array.isArray(e) ? e : [e, undefined];
    out[status] = errorResponse(status, description);
  }
  return out as T & Partial<Record<ErrorStatus, ReturnType<typeof errorResponse>>>;
}

/** A number that JSON spells null when the engine has none, or when it is infinite. */
export const nullableNumber = { type: ['number', 'null'] } as const;
export const count = { type: 'integer', minimum: 0 } as const;
/** Epoch milliseconds of stream time (the newest event's), not the wall clock. */
export const epochMs = { type: 'number', description: 'epoch milliseconds' } as const;
