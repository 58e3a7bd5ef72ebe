import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  HubError,
  HubModelName,
  createHubRecord,
  deleteHubRecord,
  findLinkByExternalId,
  findLinkByHubId,
  getHubRecord,
  getHubRecordHistory,
  linkExternalId,
  listHubRecords,
  listLinksForRecord,
  updateHubRecord,
  type HubRecord,
} from '../../hub/index.js';
import type { Queryable } from '../../store/index.js';
import { getSubscription } from '../../subscriptions/index.js';
import { ApiError } from '../problem.js';
import { Page, PagingQuery } from './common.js';

const ModelParams = z.object({ model: HubModelName }).strict();
const RecordParams = z.object({ model: HubModelName, id: z.string().uuid() }).strict();

const HubRecordView = z.object({
  id: z.string(),
  model: z.string(),
  data: z.record(z.string(), z.unknown()),
  version: z.number(),
  origin: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  deletedAt: z.string().nullable(),
});
const view = (r: HubRecord) => ({ id: r.id, model: r.model, data: r.data, version: r.version, origin: r.origin, createdAt: r.createdAt, updatedAt: r.updatedAt, deletedAt: r.deletedAt });

const LinkView = z.object({ subscriptionId: z.string(), model: z.string(), hubId: z.string(), externalId: z.string(), createdAt: z.string() });

/** Hub validation names fields inside `data`; the API names them from the body's root. */
async function inBody<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof HubError && error.code === 'HUB_INVALID_RECORD') {
      const issues = error.details.issues?.map((i) => ({ ...i, field: `data.${i.field}` }));
      throw new HubError(error.code, error.message, { field: issues?.[0]?.field ?? 'data', issues });
    }
    throw error;
  }
}

/** `where=EmailAddress:jane@example.com;LastName:Doe` → { EmailAddress: ..., LastName: ... } */
function parseWhere(where: string | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const part of (where ?? '').split(';').filter(Boolean)) {
    const at = part.indexOf(':');
    const field = part.slice(0, at);
    if (at < 1 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(field)) throw new ApiError('VALIDATION_FAILED', `Filter '${part}' must look like Field:value.`, { field: 'querystring.where' });
    result[field] = part.slice(at + 1);
  }
  return result;
}

export const hubRecordRoutes: FastifyPluginAsyncZod = async (app) => {
  const db = () => app.deps.db;

  /**
   * Runs a hub write in one transaction with its fan-out: a changed record is queued for every
   * subscription's FROM_HUB collections of its model, like a change that came from a system.
   */
  async function writeAndFanOut(write: (tx: Queryable) => Promise<{ record: HubRecord; changed: boolean }>): Promise<HubRecord> {
    const sync = app.deps.sync;
    if (sync) await sync.ensureQueues();
    return db().transaction(async (tx) => {
      const { record, changed } = await write(tx);
      if (changed && sync) await sync.hubRecordChanged(tx, { tenantId: record.tenantId, hubId: record.id, version: record.version, model: record.model });
      return record;
    });
  }

  app.get(
    '/hub/:model/records',
    {
      schema: {
        tags: ['hub'],
        summary: 'List hub records of a model (cursor paged)',
        params: ModelParams,
        querystring: PagingQuery.extend({
          updatedAfter: z.string().datetime({ offset: true }).optional(),
          where: z.string().max(2000).optional().describe('Field:value pairs separated by ";" (exact, case-insensitive)'),
          includeDeleted: z.enum(['true', 'false']).optional(),
        }).strict(),
        response: { 200: Page(HubRecordView) },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await listHubRecords(db(), request.tenantId, {
        model: request.params.model,
        limit: q.limit,
        cursor: q.cursor,
        updatedAfter: q.updatedAfter,
        where: parseWhere(q.where),
        includeDeleted: q.includeDeleted === 'true',
      });
      return { items: page.items.map(view), nextCursor: page.nextCursor };
    },
  );

  app.post(
    '/hub/:model/records',
    {
      schema: {
        tags: ['hub'],
        summary: 'Create a hub record',
        params: ModelParams,
        body: z.object({ data: z.record(z.string(), z.unknown()) }).strict(),
        response: { 201: HubRecordView },
      },
    },
    async (request, reply) => {
      const record = await inBody(
        writeAndFanOut(async (tx) => ({ record: await createHubRecord(tx, { tenantId: request.tenantId, model: request.params.model, data: request.body.data }), changed: true })),
      );
      return reply.code(201).header('etag', `"${record.version}"`).send(view(record));
    },
  );

  app.get('/hub/:model/records/:id', { schema: { tags: ['hub'], summary: 'Read a hub record', params: RecordParams, response: { 200: HubRecordView } } }, async (request, reply) => {
    const record = await getHubRecord(db(), request.tenantId, request.params.id, { model: request.params.model });
    return reply.header('etag', `"${record.version}"`).send(view(record));
  });

  app.put(
    '/hub/:model/records/:id',
    {
      schema: {
        tags: ['hub'],
        summary: 'Replace a hub record’s data; send `version` (or If-Match) to refuse stale writes with 409',
        params: RecordParams,
        body: z.object({ data: z.record(z.string(), z.unknown()), version: z.number().int().min(1).optional() }).strict(),
        response: { 200: HubRecordView },
      },
    },
    async (request) => {
      const ifMatch = request.headers['if-match'];
      const expectedVersion = request.body.version ?? (typeof ifMatch === 'string' ? Number(ifMatch.replace(/"/g, '')) || undefined : undefined);
      const record = await inBody(
        writeAndFanOut((tx) => updateHubRecord(tx, { tenantId: request.tenantId, id: request.params.id, model: request.params.model, data: request.body.data, expectedVersion })),
      );
      return view(record);
    },
  );

  app.delete(
    '/hub/:model/records/:id',
    {
      schema: {
        tags: ['hub'],
        summary: 'Soft delete a hub record',
        params: RecordParams,
        querystring: z.object({ version: z.coerce.number().int().min(1).optional() }).strict(),
        response: { 200: HubRecordView },
      },
    },
    async (request) => {
      // A delete is a change like any other: DELETE collections remove the record from their systems.
      const record = await writeAndFanOut(async (tx) => ({
        record: await deleteHubRecord(tx, { tenantId: request.tenantId, id: request.params.id, model: request.params.model, expectedVersion: request.query.version }),
        changed: true,
      }));
      return view(record);
    },
  );

  app.get(
    '/hub/:model/records/:id/history',
    {
      schema: {
        tags: ['hub'],
        summary: 'What changed, when, from which subscription',
        params: RecordParams,
        response: {
          200: z.object({
            items: z.array(
              z.object({
                version: z.number(),
                action: z.string(),
                changes: z.array(z.object({ path: z.string(), from: z.unknown(), to: z.unknown() })),
                subscriptionId: z.string().nullable(),
                transferId: z.string().nullable(),
                changedAt: z.string(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      await getHubRecord(db(), request.tenantId, request.params.id, { model: request.params.model, includeDeleted: true });
      return { items: await getHubRecordHistory(db(), request.tenantId, request.params.id) };
    },
  );

  app.get(
    '/hub/:model/records/:id/links',
    { schema: { tags: ['links'], summary: 'External ids linked to a hub record', params: RecordParams, response: { 200: z.object({ items: z.array(LinkView) }) } } },
    async (request) => {
      await getHubRecord(db(), request.tenantId, request.params.id, { model: request.params.model });
      return { items: await listLinksForRecord(db(), request.tenantId, request.params.id) };
    },
  );

  app.post(
    '/hub/:model/records/:id/links',
    {
      schema: {
        tags: ['links'],
        summary: 'Link a hub record to an external id in a subscription (unique both ways)',
        params: RecordParams,
        body: z.object({ subscriptionId: z.string().uuid(), externalId: z.string().min(1).max(500), replace: z.boolean().optional() }).strict(),
        response: { 201: LinkView },
      },
    },
    async (request, reply) => {
      const link = await db().transaction(async (tx) => {
        await getHubRecord(tx, request.tenantId, request.params.id, { model: request.params.model });
        await getSubscription(tx, app.deps, request.tenantId, request.body.subscriptionId);
        return linkExternalId(tx, { tenantId: request.tenantId, model: request.params.model, hubId: request.params.id, ...request.body });
      });
      return reply.code(201).send(link);
    },
  );

  app.get(
    '/links',
    {
      schema: {
        tags: ['links'],
        summary: 'Look a link up either way: by external id or by hub id',
        querystring: z
          .object({ subscriptionId: z.string().uuid(), model: HubModelName, externalId: z.string().optional(), hubId: z.string().uuid().optional() })
          .strict()
          .refine((q) => Boolean(q.externalId) !== Boolean(q.hubId), { message: 'give exactly one of externalId or hubId', path: ['externalId'] }),
        response: { 200: LinkView },
      },
    },
    async (request) => {
      const { subscriptionId, model, externalId, hubId } = request.query;
      await getSubscription(db(), app.deps, request.tenantId, subscriptionId);
      const link = externalId ? await findLinkByExternalId(db(), subscriptionId, model, externalId) : await findLinkByHubId(db(), subscriptionId, model, hubId as string);
      if (!link) throw new ApiError('LINK_NOT_FOUND', `No ${model} link for ${externalId ? `external id '${externalId}'` : `hub id ${hubId}`} in subscription ${subscriptionId}.`, { field: externalId ? 'externalId' : 'hubId' });
      return link;
    },
  );
};
