import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { getSubscription } from '../../subscriptions/index.js';
import { SyncError } from '../../sync/index.js';

const Direction = z.enum(['TO_HUB', 'FROM_HUB']);
const SubParams = z.object({ id: z.string().uuid() }).strict();
const RunParams = z.object({ id: z.string().uuid(), runId: z.string().uuid() }).strict();
const RunView = z.object({
  id: z.string(),
  subscriptionId: z.string(),
  entity: z.string(),
  state: z.enum(['running', 'completed', 'cancelled', 'failed']),
  done: z.number(),
  total: z.number().nullable(),
  errors: z.number(),
  pages: z.number(),
  ratePerSecond: z.number(),
  etaSeconds: z.number().nullable(),
  checkpoint: z.string().nullable(),
  error: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
});

/** Manual sync, initializations and "test connection". */
export const syncRoutes: FastifyPluginAsyncZod = async (app) => {
  const ownSubscription = (tenantId: string, id: string) => getSubscription(app.deps.db, app.deps, tenantId, id);
  /** The run, if it belongs to that subscription (a run id under another subscription is not found). */
  const runOf = async (tenantId: string, subscriptionId: string, runId: string) => {
    const run = await app.deps.sync.getInitialization(tenantId, runId);
    if (run.subscriptionId !== subscriptionId) throw new SyncError('JCT_SYNC_NOT_FOUND', `No initialization run ${runId} on subscription ${subscriptionId}.`, { field: 'runId' });
    return run;
  };

  app.post(
    '/sync/manual',
    {
      schema: {
        tags: ['sync'],
        summary: 'Queue a manual sync of records by external id or hub id, in either direction',
        body: z
          .object({
            subscriptionId: z.string().uuid(),
            direction: Direction.default('TO_HUB'),
            entity: z.string().min(1).max(200).optional(),
            hubModel: z.string().min(1).max(100).optional(),
            collectionId: z.string().uuid().optional(),
            externalIds: z.array(z.string().min(1).max(500)).max(3000).optional(),
            hubIds: z.array(z.string().uuid()).max(3000).optional(),
          })
          .strict()
          .refine((b) => (b.externalIds?.length ?? 0) + (b.hubIds?.length ?? 0) > 0, { message: 'give externalIds or hubIds', path: ['externalIds'] }),
        response: { 202: z.object({ enqueued: z.number(), jobs: z.array(z.object({ externalId: z.string().optional(), hubId: z.string().optional(), collectionId: z.string().optional() })) }) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const result = await app.deps.sync.enqueueManual({
        tenantId: request.tenantId,
        subscriptionId: b.subscriptionId,
        direction: b.direction,
        ...(b.entity ? { entity: b.entity } : {}),
        ...(b.hubModel ? { hubModel: b.hubModel } : {}),
        ...(b.collectionId ? { collectionId: b.collectionId } : {}),
        ...(b.externalIds ? { externalIds: b.externalIds } : {}),
        ...(b.hubIds ? { hubIds: b.hubIds } : {}),
      });
      return reply.code(202).send(result);
    },
  );

  app.post(
    '/subscriptions/:id/initializations',
    {
      schema: {
        tags: ['sync'],
        summary: 'Start an initialization: page through every record of an entity into the hub',
        params: SubParams,
        body: z.object({ entity: z.string().min(1).max(200), collectionId: z.string().uuid().optional() }).strict(),
        response: { 202: RunView },
      },
    },
    async (request, reply) => {
      const run = await app.deps.sync.startInitialization({ tenantId: request.tenantId, subscriptionId: request.params.id, entity: request.body.entity, ...(request.body.collectionId ? { collectionId: request.body.collectionId } : {}) });
      return reply.code(202).send(run);
    },
  );

  app.get(
    '/subscriptions/:id/initializations/:runId',
    { schema: { tags: ['sync'], summary: 'Progress of an initialization (done, total, rate, ETA)', params: RunParams, response: { 200: RunView } } },
    async (request) => runOf(request.tenantId, request.params.id, request.params.runId),
  );

  app.delete(
    '/subscriptions/:id/initializations/:runId',
    { schema: { tags: ['sync'], summary: 'Cancel an initialization', params: RunParams, response: { 200: RunView } } },
    async (request) => {
      await runOf(request.tenantId, request.params.id, request.params.runId);
      return app.deps.sync.cancelInitialization(request.tenantId, request.params.runId);
    },
  );

  app.post(
    '/subscriptions/:id/test-connection',
    {
      schema: {
        tags: ['sync'],
        summary: 'Check that the subscription can reach its system',
        params: SubParams,
        response: { 200: z.object({ ok: z.boolean(), checks: z.array(z.object({ name: z.string(), ok: z.boolean(), message: z.string() })) }) },
      },
    },
    async (request) => {
      await ownSubscription(request.tenantId, request.params.id);
      const checks = await app.deps.sync.testConnection(request.params.id);
      return { ok: checks.every((c) => c.ok), checks };
    },
  );

  app.post(
    '/subscriptions/:id/webhooks',
    {
      schema: {
        tags: ['sync'],
        summary: "Register Junction's webhook endpoint at the system for every entity with a TO_HUB collection (renewed by the scheduler before expiry)",
        params: SubParams,
        body: z.object({ publicBaseUrl: z.string().url().describe('The address the system can reach Junction at, e.g. https://junction.example.com') }).strict(),
        response: { 201: z.object({ items: z.array(z.object({ entity: z.string(), id: z.string(), expiresAt: z.string().optional() })) }) },
      },
    },
    async (request, reply) => {
      await ownSubscription(request.tenantId, request.params.id);
      const items = await app.deps.sync.subscribeWebhooks(request.tenantId, request.params.id, request.body.publicBaseUrl);
      return reply.code(201).send({ items });
    },
  );
};
