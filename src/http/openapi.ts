/**
 * The machine-readable description of the API: OpenAPI 3.1 generated from the route schemas,
 * served at /openapi.json, and a docs page at /docs with its assets from the package (nothing
 * fetched from elsewhere).
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/** Registers the generator; routes declared after it are described. */
export function registerOpenApi(app: FastifyInstance, version: string): void {
  app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'aisle',
        description:
          'Real-time recommendations and retail analytics over one engine. Every error has ' +
          'the shape {"error", "message", "requestId"?, "field"?}; see docs/http-api.md.',
        version,
      },
      tags: [
        { name: 'events', description: 'ingest retail events' },
        { name: 'recommendations', description: 'ranked items, each with a reason' },
        { name: 'analytics', description: 'behaviour and sales analytics at stream time' },
        { name: 'inventory', description: 'stock, alerts, prices and markdowns' },
        { name: 'models', description: 'the factor model and its trainings' },
        { name: 'ops', description: 'liveness, metrics and totals' },
      ],
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'an API key, when the server is started with keys',
          },
        },
      },
      // Keys are optional: a server started without any answers every route without one.
      security: [{}, { apiKey: [] }],
    },
  });
  app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
