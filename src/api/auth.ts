import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticateApiKey } from '../security/index.js';
import { ApiError } from './problem.js';

/** Routes under `/api/v1` need `Authorization: Bearer <api key>`; webhooks authenticate themselves. */
export function registerApiKeyAuth(app: FastifyInstance, options: { publicPrefixes: string[] }): void {
  app.decorateRequest('tenantId', '');
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const path = request.url.split('?')[0] ?? '';
    if (!path.startsWith('/api/v1/') || options.publicPrefixes.some((p) => path.startsWith(p))) return;
    const header = request.headers.authorization;
    const key = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    const found = key ? await authenticateApiKey(app.deps.db, key) : null;
    if (!found) {
      throw new ApiError('UNAUTHORIZED', key ? 'The API key is unknown or revoked.' : 'Send an API key as "Authorization: Bearer <key>" (create one with `junction apikey create`).', {
        field: 'authorization',
      });
    }
    request.tenantId = found.tenantId;
  });
}
