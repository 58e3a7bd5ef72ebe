import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  SubscriptionCreate,
  SubscriptionUpdate,
  createSubscription,
  deleteSubscription,
  getSubscription,
  listSubscriptions,
  updateSubscription,
  type Subscription,
} from '../../subscriptions/index.js';
import { installTemplates } from '../../mapping/templates/index.js';
import { allConnectorDefinitions } from '../../connectors/index.js';
import { IdParam, Page, PagingQuery } from './common.js';

const SubscriptionView = z.object({
  id: z.string(),
  system: z.string(),
  name: z.string(),
  settings: z.record(z.string(), z.unknown()),
  secretsSet: z.array(z.string()).describe('Names of the secret settings that are set; their values are write-only'),
  throttle: z.object({ requests: z.number(), perSeconds: z.number(), concurrency: z.number() }),
  enabled: z.boolean(),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const view = (s: Subscription) => ({
  id: s.id,
  system: s.system,
  name: s.name,
  settings: s.settings,
  secretsSet: s.secretsSet,
  throttle: s.throttle,
  enabled: s.enabled,
  version: s.version,
  createdAt: s.createdAt,
  updatedAt: s.updatedAt,
});

export const subscriptionRoutes: FastifyPluginAsyncZod = async (app) => {
  const db = () => app.deps.db;

  app.get(
    '/systems',
    {
      schema: {
        tags: ['subscriptions'],
        summary: 'Systems Junction can connect to, with their settings',
        response: {
          200: z.object({
            items: z.array(
              z.object({
                system: z.string(),
                displayName: z.string(),
                settings: z.array(z.object({ key: z.string(), label: z.string(), required: z.boolean(), secret: z.boolean(), description: z.string() })),
                entities: z.array(z.object({ name: z.string(), hubModel: z.string(), idFormats: z.array(z.string()) })),
              }),
            ),
          }),
        },
      },
    },
    async () => ({
      items: allConnectorDefinitions().map((d) => ({ system: d.system, displayName: d.displayName, settings: d.settings, entities: d.entities })),
    }),
  );

  app.get(
    '/subscriptions',
    {
      schema: {
        tags: ['subscriptions'],
        summary: 'List subscriptions',
        querystring: PagingQuery.extend({ system: z.string().optional(), enabled: z.enum(['true', 'false']).optional() }).strict(),
        response: { 200: Page(SubscriptionView) },
      },
    },
    async (request) => {
      const { limit, cursor, system, enabled } = request.query;
      const page = await listSubscriptions(db(), app.deps, request.tenantId, { limit, cursor, system, enabled: enabled === undefined ? undefined : enabled === 'true' });
      return { items: page.items.map(view), nextCursor: page.nextCursor };
    },
  );

  app.post(
    '/subscriptions',
    {
      schema: {
        tags: ['subscriptions'],
        summary: 'Create a subscription; secrets are stored sealed and never returned. The webhook key is shown once.',
        body: SubscriptionCreate.extend({ installTemplates: z.boolean().default(true).describe("Install the system's mapping collection templates (default true)") }),
        response: { 201: SubscriptionView.extend({ webhookKey: z.string(), templates: z.array(z.object({ key: z.string(), name: z.string(), collectionId: z.string() })) }) },
      },
    },
    async (request, reply) => {
      const { installTemplates: withTemplates, ...body } = request.body;
      const { subscription, webhookKey, templates } = await db().transaction(async (tx) => {
        const created = await createSubscription(tx, app.deps, request.tenantId, body);
        const report = withTemplates ? await installTemplates(tx, request.tenantId, created.subscription) : { results: [] };
        return { ...created, templates: report.results.map((r) => ({ key: r.key, name: r.name, collectionId: r.collectionId })) };
      });
      return reply.code(201).send({ ...view(subscription), webhookKey, templates });
    },
  );

  app.get('/subscriptions/:id', { schema: { tags: ['subscriptions'], summary: 'Read a subscription', params: IdParam, response: { 200: SubscriptionView } } }, async (request) =>
    view(await getSubscription(db(), app.deps, request.tenantId, request.params.id)),
  );

  app.patch(
    '/subscriptions/:id',
    {
      schema: {
        tags: ['subscriptions'],
        summary: 'Change settings, secrets, throttling or the enabled flag; omitted secrets keep their value',
        params: IdParam,
        body: SubscriptionUpdate,
        response: { 200: SubscriptionView },
      },
    },
    async (request) => view(await db().transaction((tx) => updateSubscription(tx, app.deps, request.tenantId, request.params.id, request.body))),
  );

  app.delete('/subscriptions/:id', { schema: { tags: ['subscriptions'], summary: 'Delete a subscription with its links', params: IdParam } }, async (request, reply) => {
    await db().transaction((tx) => deleteSubscription(tx, request.tenantId, request.params.id));
    return reply.code(204).send();
  });
};
