import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

/**
 * Inbound webhooks: `POST /api/v1/webhooks/:subscriptionId`, outside API-key auth. The engine
 * verifies the call (the subscription's webhook key as Bearer, or the connector's own scheme),
 * enqueues the notifications in the outbox and the route answers 202 at once; a connector
 * handshake (Business Central `validationToken`) answers 200 text/plain.
 */
export const webhookRoutes: FastifyPluginAsyncZod = async (app) => {
  // Handshakes arrive with an empty body; notifications as JSON.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, null);
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      (error as { statusCode?: number }).statusCode = 400;
      done(error as Error, undefined);
    }
  });

  app.post(
    '/webhooks/:subscriptionId',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Receive change notifications from a system (answers 202 once queued)',
        security: [],
        params: z.object({ subscriptionId: z.string().uuid() }).strict(),
        querystring: z.record(z.string(), z.string()).optional(),
      },
    },
    async (request, reply) => {
      const answer = await app.deps.sync.receiveWebhook(request.params.subscriptionId, {
        headers: request.headers as Record<string, string | undefined>,
        query: (request.query ?? {}) as Record<string, string | undefined>,
        body: request.body,
      });
      if (answer.contentType === 'text/plain') return reply.code(answer.status).type('text/plain').send(String(answer.body));
      return reply.code(answer.status).send(answer.body);
    },
  );
};
