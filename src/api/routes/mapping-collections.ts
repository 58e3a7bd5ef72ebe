import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { linkLookups } from '../../hub/index.js';
import {
  MappingCollection,
  MappingCollectionCreate,
  MappingCollectionUpdate,
  TranslationTableInput,
  cloneCollection,
  createCollection,
  createTranslator,
  deleteCollection,
  deleteTranslationTable,
  getCollection,
  getTranslations,
  listCollections,
  listVersions,
  previewCollection,
  reverseCloneCollection,
  updateCollection,
  upsertTranslationTable,
} from '../../mapping/index.js';
import { getSubscription } from '../../subscriptions/index.js';
import { IdParam } from './common.js';

const Collection = MappingCollection;
const VersionParam = z.object({ id: z.string().uuid(), version: z.coerce.number().int().min(1) }).strict();

/** Mapping collections: CRUD (every save a new version), versions, clone, reverse clone, preview; translation tables. */
export const mappingCollectionRoutes: FastifyPluginAsyncZod = async (app) => {
  const db = () => app.deps.db;

  app.get(
    '/mapping-collections',
    {
      schema: {
        tags: ['mapping'],
        summary: 'List mapping collections (current versions)',
        querystring: z
          .object({ subscriptionId: z.string().uuid().optional(), direction: z.enum(['TO_HUB', 'FROM_HUB']).optional(), hubModel: z.string().optional(), entity: z.string().optional() })
          .strict(),
        response: { 200: z.object({ items: z.array(Collection) }) },
      },
    },
    async (request) => ({ items: await listCollections(db(), request.tenantId, request.query) }),
  );

  app.post(
    '/mapping-collections',
    { schema: { tags: ['mapping'], summary: 'Create a mapping collection (version 1); formulas are compiled and rejected with positions', body: MappingCollectionCreate, response: { 201: Collection } } },
    async (request, reply) => reply.code(201).send(await db().transaction((tx) => createCollection(tx, request.tenantId, request.body))),
  );

  app.get('/mapping-collections/:id', { schema: { tags: ['mapping'], summary: 'Read the current version', params: IdParam, response: { 200: Collection } } }, async (request) =>
    getCollection(db(), request.tenantId, request.params.id),
  );

  app.put(
    '/mapping-collections/:id',
    {
      schema: {
        tags: ['mapping'],
        summary: 'Save a new version; send `expectedVersion` to refuse a save over someone else’s',
        params: IdParam,
        body: z.object({ changes: MappingCollectionUpdate, expectedVersion: z.number().int().min(1).optional() }).strict(),
        response: { 200: Collection },
      },
    },
    async (request) => {
      const { id } = request.params;
      return db().transaction((tx) => updateCollection(tx, request.tenantId, id, request.body.changes, request.body.expectedVersion));
    },
  );

  app.delete('/mapping-collections/:id', { schema: { tags: ['mapping'], summary: 'Delete a collection (old versions stay readable for transfers)', params: IdParam } }, async (request, reply) => {
    await db().transaction((tx) => deleteCollection(tx, request.tenantId, request.params.id));
    return reply.code(204).send();
  });

  app.get(
    '/mapping-collections/:id/versions',
    { schema: { tags: ['mapping'], summary: 'Every saved version', params: IdParam, response: { 200: z.object({ items: z.array(z.object({ version: z.number(), createdAt: z.string(), current: z.boolean() })) }) } } },
    async (request) => ({ items: await listVersions(db(), request.tenantId, request.params.id) }),
  );

  app.get('/mapping-collections/:id/versions/:version', { schema: { tags: ['mapping'], summary: 'One saved version', params: VersionParam, response: { 200: Collection } } }, async (request) =>
    getCollection(db(), request.tenantId, request.params.id, request.params.version),
  );

  app.post(
    '/mapping-collections/:id/clone',
    {
      schema: {
        tags: ['mapping'],
        summary: 'Clone (same direction) or reverse clone (direction and field sides swapped; what cannot be inverted is flagged for review)',
        params: IdParam,
        body: z.object({ name: z.string().min(1).max(200), reverse: z.boolean().default(false), subscriptionId: z.string().uuid().optional() }).strict(),
        response: { 201: z.object({ collection: Collection, review: z.array(z.unknown()) }) },
      },
    },
    async (request, reply) => {
      const { name, reverse, subscriptionId } = request.body;
      const result = await db().transaction(async (tx) => {
        const source = await getCollection(tx, request.tenantId, request.params.id);
        const target = subscriptionId ?? source.subscriptionId;
        const draft = reverse ? reverseCloneCollection(source, { name, subscriptionId: target }) : { collection: cloneCollection(source, { name, subscriptionId: target }), review: [] };
        const collection = await createCollection(tx, request.tenantId, { ...draft.collection, subscriptionId: target });
        return { collection, review: draft.review };
      });
      return reply.code(201).send(result);
    },
  );

  app.post(
    '/mapping-collections/:id/preview',
    {
      schema: {
        tags: ['mapping'],
        summary: 'Map a sample record: output, per-field trace and errors; writes nothing. Send `collection` to preview unsaved changes.',
        params: IdParam,
        body: z.object({ record: z.record(z.string(), z.unknown()), parent: z.record(z.string(), z.unknown()).optional(), collection: z.record(z.string(), z.unknown()).optional() }).strict(),
        response: {
          200: z.object({
            status: z.string(),
            output: z.record(z.string(), z.unknown()),
            trace: z.array(z.unknown()),
            errors: z.array(z.unknown()),
            reason: z.string().optional(),
          }),
        },
      },
    },
    async (request) => {
      const saved = await getCollection(db(), request.tenantId, request.params.id);
      const services = { ...linkLookups(db()), translate: createTranslator(await getTranslations(db(), saved.subscriptionId)) };
      return previewCollection(request.body.collection ?? saved, request.body.record, { systemId: saved.subscriptionId, services, parent: request.body.parent });
    },
  );

  app.put(
    '/subscriptions/:id/translations',
    {
      schema: { tags: ['mapping'], summary: 'Create or replace a translation table of a subscription (used by lookup mappings and LookupTranslation)', params: IdParam, body: TranslationTableInput },
    },
    async (request, reply) => {
      await db().transaction(async (tx) => {
        await getSubscription(tx, app.deps, request.tenantId, request.params.id);
        await upsertTranslationTable(tx, request.tenantId, request.params.id, request.body);
      });
      return reply.code(204).send();
    },
  );

  app.delete(
    '/subscriptions/:id/translations/:name',
    { schema: { tags: ['mapping'], summary: 'Delete a translation table', params: z.object({ id: z.string().uuid(), name: z.string().min(1) }).strict() } },
    async (request, reply) => {
      await db().transaction((tx) => deleteTranslationTable(tx, request.tenantId, request.params.id, request.params.name));
      return reply.code(204).send();
    },
  );
};
