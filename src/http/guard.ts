/**
 * What stands between the network and the routes: the Host allow-list (against DNS rebinding),
 * the Origin check on writes (against cross-site requests), API keys with scopes, CORS for the
 * listed origins only, and a rate limit per key or client address. Each refusal is an
 * HttpRefusal with its status, answered in the one error shape by the error handler.
 */
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { findKey, isLoopbackHost, type ApiKey, type Scope } from './api-keys.js';

export interface GuardOptions {
  /** Keys with their scopes; none: every route is open (loopback, or --insecure). */
  keys?: readonly ApiKey[];
  /** Reads need a key too. */
  authReads?: boolean;
  /** Origins a browser may call from (CORS); none: no CORS headers. */
  corsOrigins?: readonly string[];
  /** Host header names answered (any port); undefined: any. */
  allowedHosts?: readonly string[];
  /** Requests per client per window; max 0 (or undefined) = no limit. */
  rateLimit?: { max: number; windowMs: number };
  /** Requests per client per window on admin routes (training, bulk scans). */
  adminRateLimit?: { max: number; windowMs: number };
}

/** A refusal with its HTTP status and the error name of the one error shape. */
export class HttpRefusal extends Error {
  constructor(
    readonly statusCode: number,
    readonly error: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The API key the request authenticated with, if any. */
    apiKey?: ApiKey;
  }
}

/**
 * Who may call a route. Open: health, the API description and the dashboard's page and assets
 * (which hold no data: the page asks the other routes, with the key the person enters). Admin: what changes the model or
 * costs seconds of CPU (training, a group-by scan of the whole log). Write: posting events.
 * Read: everything else, POST /v1/sessions/recommendations included (it changes nothing).
 */
export function scopeOf(method: string, url: string | undefined): Scope | 'open' {
  if (url === undefined) return 'read';
  if (url === '/healthz' || url === '/openapi.json' || url.startsWith('/docs')) return 'open';
  if (url === '/' || url === '/dashboard' || url.startsWith('/dashboard/')) return 'open';
  if (url === '/v1/models/factors/train' || url === '/v1/analytics/group-by') return 'admin';
  if (method === 'POST' && url === '/v1/events') return 'write';
  return 'read';
}

/** Host names answered when bound to loopback: what a browser on this machine sends. */
export const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]', '::1'];

/** The Host allow-list a server bound to `host` uses unless told otherwise. */
export function defaultAllowedHosts(host: string): string[] | undefined {
  return isLoopbackHost(host) ? LOOPBACK_NAMES : undefined;
}

/** `Host: name:port` → `name` (IPv6 in brackets kept), lower case. */
export function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.indexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
}

function bearer(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  if (h === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m === null ? '' : m[1];
}

export function installGuards(app: FastifyInstance, o: GuardOptions): void {
  const keys = o.keys ?? [];
  const allowed = o.allowedHosts === undefined ? undefined : new Set(o.allowedHosts);
  const origins = new Set(o.corsOrigins ?? []);

  app.addHook('onRequest', async (request) => {
    // A page on another site that resolves its own name to this address (DNS rebinding) sends
    // its own name as Host: answer only the names this server is known by.
    if (allowed !== undefined) {
      const name = hostName(request.headers.host ?? '');
      if (!allowed.has(name)) {
        throw new HttpRefusal(421, 'misdirected_request', 'this server does not answer that Host');
      }
    }
    const scope = scopeOf(request.method, request.routeOptions.url);
    // Browsers send Origin with every cross-site POST, even one that needs no preflight: refuse
    // changes from origins that were not listed, whatever the key situation.
    const origin = request.headers.origin;
    if (
      request.method !== 'GET' &&
      request.method !== 'HEAD' &&
      request.method !== 'OPTIONS' &&
      origin !== undefined &&
      !origins.has(origin) &&
      !sameOrigin(origin, request.headers.host)
    ) {
      throw new HttpRefusal(403, 'forbidden', 'requests from this origin are not allowed');
    }
    if (keys.length === 0 || scope === 'open') return;
    const token = bearer(request);
    const key = token === undefined || token === '' ? undefined : findKey(keys, token);
    if (key !== undefined) request.apiKey = key;
    const needed = scope === 'read' && !o.authReads ? undefined : scope;
    if (needed === undefined) return;
    if (key === undefined) {
      throw new HttpRefusal(
        401,
        'unauthorized',
        token === undefined
          ? `this route needs an API key with scope ${needed}: Authorization: Bearer <key>`
          : 'the API key is not valid',
        { 'www-authenticate': 'Bearer' },
      );
    }
    if (!key.scopes.has(needed) && !key.scopes.has('admin')) {
      throw new HttpRefusal(403, 'forbidden', `the API key lacks scope ${needed}`);
    }
  });

  if (origins.size > 0) {
    app.register(cors, {
      origin: (origin, cb) => cb(null, origin !== undefined && origins.has(origin)),
      allowedHeaders: ['authorization', 'content-type'],
      methods: ['GET', 'POST'],
      maxAge: 600,
    });
  }

  const limit = o.rateLimit;
  if (limit !== undefined && limit.max > 0) {
    app.register(rateLimit, {
      max: (request) => (isAdmin(request) ? (o.adminRateLimit?.max ?? limit.max) : limit.max),
      timeWindow: limit.windowMs,
      // A key is one client wherever it calls from; without one, the address is. Admin calls
      // count in a bucket of their own, with their own (lower) limit.
      keyGenerator: (request) =>
        (request.apiKey === undefined ? `ip:${request.ip}` : `key:${request.apiKey.name}`) +
        (isAdmin(request) && o.adminRateLimit !== undefined ? ':admin' : ''),
      // Health checks come from load balancers at their own pace.
      allowList: (request) => scopeOf(request.method, request.routeOptions.url) === 'open',
      errorResponseBuilder: (_request, context) =>
        new HttpRefusal(
          429,
          'rate_limited',
          `more than ${context.max} requests in ${context.after}; retry later`,
          { 'retry-after': String(Math.ceil(context.ttl / 1000)) },
        ),
    });
  }
}

function isAdmin(request: FastifyRequest): boolean {
  return scopeOf(request.method, request.routeOptions.url) === 'admin';
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    return new URL(origin).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}
