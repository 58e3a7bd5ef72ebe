import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { metrics, registry } from '../observability/index.js';
import { registerApiKeyAuth } from './auth.js';
import { consolePlugin } from './console.js';
import type { AppDeps } from './deps.js';
import { errorHandler } from './problem.js';
import { hubRecordRoutes } from './routes/hub-records.js';
import { mappingCollectionRoutes } from './routes/mapping-collections.js';
import { subscriptionRoutes } from './routes/subscriptions.js';
import { templateRoutes } from './routes/templates.js';
import { syncRoutes } from './routes/sync.js';
import { transferRoutes } from './routes/transfers.js';
import { webhookRoutes } from './routes/webhooks.js';

export const BODY_LIMIT = 1024 * 1024;

export interface ServerOptions {
  logger?: boolean;
}

/** Builds the HTTP API; listening is the caller's business (tests use `inject`). */
export async function buildServer(deps: AppDeps, options: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ? { level: 'info', redact: ['req.headers.authorization', 'req.headers.cookie'] } : false,
    bodyLimit: BODY_LIMIT,
  }).withTypeProvider<ZodTypeProvider>();
  app.decorate('deps', deps);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).type('application/problem+json').send({ type: 'about:blank', title: 'NOT_FOUND', status: 404, code: 'NOT_FOUND', detail: `No route ${request.method} ${request.url.split('?')[0]}` }),
  );

  await app.register(swagger, {
    openapi: {
      info: { title: 'Junction API', version: '1', description: 'Hub records, subscriptions, mapping collections, transfers.' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.addHook('onResponse', async (request, reply) => {
    metrics.httpRequests.inc({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) });
  });
  registerApiKeyAuth(app, { publicPrefixes: ['/api/v1/webhooks/'] });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));

  await app.register(hubRecordRoutes, { prefix: '/api/v1' });
  await app.register(subscriptionRoutes, { prefix: '/api/v1' });
  await app.register(mappingCollectionRoutes, { prefix: '/api/v1' });
  await app.register(templateRoutes, { prefix: '/api/v1' });
  await app.register(syncRoutes, { prefix: '/api/v1' });
  await app.register(transferRoutes, { prefix: '/api/v1' });
  await app.register(webhookRoutes, { prefix: '/api/v1' });
  await app.register(consolePlugin);
  return app;
}
