import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { installTemplates, listTemplates, resetTemplates, type TemplateReport } from '../../mapping/templates/index.js';
import { getSubscription } from '../../subscriptions/index.js';
import { IdParam } from './common.js';

const TemplateView = z.object({
  key: z.string(),
  system: z.string(),
  seed: z.string().describe('Seed article (000–004), or "support" for collections the seeds need'),
  summary: z.string(),
  name: z.string(),
  hubModel: z.string(),
  entity: z.string(),
  direction: z.string(),
  syncType: z.string(),
});

const ReportView = z.object({
  subscriptionId: z.string(),
  system: z.string(),
  results: z.array(
    z.object({
      key: z.string(),
      seed: z.string(),
      name: z.string(),
      action: z.enum(['created', 'exists', 'reset']),
      collectionId: z.string(),
      version: z.number(),
    }),
  ),
});

const KeysBody = z
  .object({ keys: z.array(z.string().min(1)).min(1).max(100).optional().describe('Only these template keys (default: all templates of the system)') })
  .strict()
  .default({});

const views = (system?: string) =>
  listTemplates(system).map((t) => ({
    key: t.key,
    system: t.system,
    seed: t.seed,
    summary: t.summary,
    name: t.collection.name,
    hubModel: t.collection.hubModel,
    entity: t.collection.entity,
    direction: t.collection.direction,
    syncType: t.collection.syncType,
  }));

/** Mapping collection templates: list, install the missing ones, reset to the shipped definitions. */
export const templateRoutes: FastifyPluginAsyncZod = async (app) => {
  const db = () => app.deps.db;

  app.get(
    '/templates',
    {
      schema: {
        tags: ['templates'],
        summary: 'Shipped mapping collection templates (the seed collections), all or those of one system',
        querystring: z.object({ system: z.string().optional() }).strict(),
        response: { 200: z.object({ items: z.array(TemplateView) }) },
      },
    },
    async (request) => ({ items: views(request.query.system) }),
  );

  const action = (reset: boolean) => async (request: { tenantId: string; params: { id: string }; body: { keys?: string[] } | undefined }): Promise<TemplateReport> =>
    db().transaction(async (tx) => {
      const subscription = await getSubscription(tx, app.deps, request.tenantId, request.params.id);
      const run = reset ? resetTemplates : installTemplates;
      return run(tx, request.tenantId, subscription, { ...(request.body?.keys ? { keys: request.body.keys } : {}) });
    });

  app.post(
    '/subscriptions/:id/templates/install',
    {
      schema: {
        tags: ['templates'],
        summary: "Install the subscription's templates that are missing (by name); installed collections are left as they are",
        params: IdParam,
        body: KeysBody,
        response: { 200: ReportView },
      },
    },
    action(false),
  );

  app.post(
    '/subscriptions/:id/templates/reset',
    {
      schema: {
        tags: ['templates'],
        summary: "Reset the subscription's template collections to the shipped definitions (a new version of each) and install missing ones",
        params: IdParam,
        body: KeysBody,
        response: { 200: ReportView },
      },
    },
    action(true),
  );
};
