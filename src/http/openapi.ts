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
        description: 'Real-time recommendations and retail analytics over one engine.',
        version,
      },
    },
  });
  app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
