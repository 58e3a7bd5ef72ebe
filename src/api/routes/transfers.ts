import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { TransferRow } from '../../sync/index.js';
import { Page, PagingQuery } from './common.js';

const Status = z.enum(['pending', 'success', 'filtered', 'error', 'retrying', 'skipped']);
const TransferView = z.object({
  id: z.string(),
  subscriptionId: z.string(),
  collectionId: z.string().nullable(),
  collectionVersion: z.number().nullable(),
  direction: z.enum(['TO_HUB', 'FROM_HUB']),
  trigger: z.string(),
  entity: z.string(),
  hubModel: z.string().nullable(),
  externalId: z.string().nullable(),
  hubId: z.string().nullable(),
  status: Status,
  action: z.string().nullable(),
  attempts: z.number(),
  errorCode: z.string().nullable(),
  errorField: z.string().nullable(),
  errorMessage: z.string().nullable(),
  sourcePayload: z.unknown().describe('Source record as read (secrets redacted)'),
  mappedPayload: z.unknown().describe('Mapped record (secrets redacted)'),
  editedPayload: z.unknown().describe('The edited source payload this replay ran with, if any'),
  replayOf: z.string().nullable(),
  runId: z.string().nullable(),
  sourceVersion: z.string().nullable(),
  triggeredAt: z.string(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
});
const view = (t: TransferRow) => {
  const { tenantId: _tenant, ...rest } = t;
  return rest;
};

const Filter = z
  .object({
    status: Status.optional(),
    subscriptionId: z.string().uuid().optional(),
    collectionId: z.string().max(100).optional(),
    direction: z.enum(['TO_HUB', 'FROM_HUB']).optional(),
    from: z.string().datetime({ offset: true }).optional(),
    to: z.string().datetime({ offset: true }).optional(),
    externalId: z.string().max(500).optional(),
    hubId: z.string().uuid().optional(),
    runId: z.string().uuid().optional(),
  })
  .strict();

/** Transfer log and error log (status=error), one transfer, and replay. */
export const transferRoutes: FastifyPluginAsyncZod = async (app) => {

  app.get(
    '/transfers',
    {
      schema: {
        tags: ['transfers'],
        summary: 'Transfer log, newest first (status=error is the error log)',
        querystring: PagingQuery.merge(Filter).strict(),
        response: { 200: Page(TransferView) },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      const page = await app.deps.sync.listTransfers(request.tenantId, filter, { limit, ...(cursor ? { cursor } : {}) });
      return { items: page.items.map(view), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/transfers/:id',
    { schema: { tags: ['transfers'], summary: 'One transfer', params: z.object({ id: z.string().uuid() }).strict(), response: { 200: TransferView } } },
    async (request) => view(await app.deps.sync.getTransfer(request.tenantId, request.params.id)),
  );

  app.post(
    '/transfers/replay',
    {
      schema: {
        tags: ['transfers'],
        summary: 'Replay transfers (one id, many ids, or every transfer matching a filter) with the current mapping version',
        body: z
          .object({
            ids: z.array(z.string().uuid()).min(1).max(10_000).optional(),
            filter: Filter.optional(),
            editedPayload: z.record(z.string(), z.unknown()).optional().describe('Edited source payload; only with exactly one id (recorded on the new transfer)'),
          })
          .strict()
          .refine((b) => (b.ids === undefined) !== (b.filter === undefined), { message: 'give either ids or filter', path: ['ids'] })
          .refine((b) => b.editedPayload === undefined || b.ids?.length === 1, { message: 'editedPayload needs exactly one id', path: ['editedPayload'] }),
        response: { 202: z.object({ enqueued: z.number(), transferIds: z.array(z.string()) }) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const result = await app.deps.sync.replay({ tenantId: request.tenantId, ...(b.ids ? { ids: b.ids } : {}), ...(b.filter ? { filter: b.filter } : {}), ...(b.editedPayload ? { editedPayload: b.editedPayload } : {}) });
      return reply.code(202).send(result);
    },
  );
};
