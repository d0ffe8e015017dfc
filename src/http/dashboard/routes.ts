/**
 * The live dashboard: one HTML page with its script, style sheet and the chart library, served
 * from memory at `/` and `/dashboard`. The page reads nothing but the public API, with the key
 * the person enters, so these routes are open (src/http/guard.ts) and hold no data.
 *
 * The files are read once, when the server is created: a missing asset fails the start, not the
 * first visit. They are found from the package root, because the compiled module runs from
 * dist/ while the assets stay in src/http/dashboard/assets/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { text } from '../recommend-params.js';
import { withErrors } from '../schemas.js';

const HTML = 'text/html; charset=utf-8';
const TYPES = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
} as const;

/**
 * Only the page's own files, from this origin. uPlot sizes its elements through inline styles,
 * hence 'unsafe-inline' for styles (never for scripts).
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  body: Buffer;
  type: string;
}

let rootCache: string | undefined;

/**
 * The nearest ancestor of this module holding a package.json: the package root from source
 * (src/http/dashboard/) and compiled (dist/src/http/dashboard/) alike, as engine/wasm/loader.ts
 * finds the kernel builds.
 */
function packageRoot(): string {
  if (rootCache !== undefined) return rootCache;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ;) {
    if (existsSync(join(dir, 'package.json'))) return (rootCache = dir);
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(`no package.json above ${start}: cannot find the dashboard`);
    dir = parent;
  }
}

/** The page and its assets by the name the page asks for, read now. */
function loadAssets(): { page: Buffer; assets: Map<string, Asset> } {
  const dir = join(packageRoot(), 'src', 'http', 'dashboard', 'assets');
  const require = createRequire(import.meta.url);
  const read = (path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`cannot read the dashboard's ${path}: ${(err as Error).message}`);
    }
  };
  const assets = new Map<string, Asset>([
    ['app.js', { body: read(join(dir, 'app.js')), type: TYPES.js }],
    ['style.css', { body: read(join(dir, 'style.css')), type: TYPES.css }],
    ['uplot.js', { body: read(require.resolve('uplot/dist/uPlot.iife.min.js')), type: TYPES.js }],
    ['uplot.css', { body: read(require.resolve('uplot/dist/uPlot.min.css')), type: TYPES.css }],
  ]);
  return { page: read(join(dir, 'index.html')), assets };
}

const none = { type: 'object', properties: {}, additionalProperties: false } as const;
const pageReply = withErrors({ 200: { type: 'string', description: 'the page, text/html' } });

export function dashboardRoutes(app: FastifyInstance): void {
  const { page, assets } = loadAssets();
  const names = [...assets.keys()];

  for (const path of ['/', '/dashboard']) {
    app.get(
      path,
      {
        schema: {
          tags: ['ops'],
          summary: 'The live dashboard (HTML; it reads the rest of this API)',
          querystring: none,
          response: pageReply,
        },
      },
      async (_request, reply) =>
        reply
          .type(HTML)
          .header('cache-control', 'no-cache')
          .header('content-security-policy', CSP)
          .header('x-content-type-options', 'nosniff')
          .header('referrer-policy', 'no-referrer')
          .send(page),
    );
  }

  app.get<{ Params: { name: string } }>(
    '/dashboard/assets/:name',
    {
      schema: {
        tags: ['ops'],
        summary: "The dashboard's script, style sheet and chart library",
        params: {
          type: 'object',
          properties: { name: { ...text(64), description: names.join(', ') } },
          required: ['name'],
          additionalProperties: false,
        },
        querystring: none,
        response: withErrors({ 200: { type: 'string', description: 'the file' } }, [
          [404, 'not_found: the dashboard has no such file'],
        ]),
      },
    },
    async (request, reply) => {
      const asset = assets.get(request.params.name);
      if (asset === undefined) {
        return reply.code(404).send({
          error: 'not_found',
          message: `the dashboard has no file ${request.params.name} (it has ${names.join(', ')})`,
          requestId: String(request.id),
        });
      }
      return reply
        .type(asset.type)
        .header('cache-control', 'no-cache')
        .header('x-content-type-options', 'nosniff')
        .send(asset.body);
    },
  );
}
