import { randomUUID } from 'node:crypto';
import { ConnectorError, type Connector, type ExternalRecord } from '../connectors/types.js';
import { contentHash, linkExternalId, toHubRecord, type HubModelName, type HubRecord } from '../hub/index.js';
import { collisionMatchField, formatExternalId } from '../mapping/index.js';
import { metrics } from '../observability/index.js';
import { redact, QUEUES, type OutboundJob, type SyncContext } from './context.js';
import { SyncError } from './errors.js';
import { handleFailure } from './inbound.js';
import { RETRY } from './retry.js';
import { claimCreate, finishOutbound, loadOutbound, pendingTransfer, releaseClaim, type TransferWrite } from './sql.js';
import { newId } from '../store/index.js';

/** Update with etag; on a conflict re-read and retry (the mapped payload is from the current hub record). */
async function updateWithConflictRetry(connector: Connector, entity: string, externalId: string, data: Record<string, unknown>): Promise<ExternalRecord> {
  let etag: string | undefined;
  for (let i = 0; ; i++) {
    try {
      return await connector.update(entity, externalId, data, etag === undefined ? undefined : { etag });
    } catch (error) {
      if (!(error instanceof ConnectorError) || error.kind !== 'conflict' || i >= RETRY.conflictRetries) throw error;
      const current = await connector.get(entity, externalId);
      if (!current) throw new ConnectorError('not_found', 'JCT_SYNC_DESTINATION_GONE', `${entity} ${externalId} no longer exists at the destination.`);
      etag = current.etag;
    }
  }
}

/** Processes one outbound job: hub record → FROM_HUB collection → create or update at the destination. */
export async function processOutbound(ctx: SyncContext, job: OutboundJob): Promise<void> {
  const startedAt = ctx.now();
  const attempt = (job.attempt ?? 0) + 1;
  const transferId = job.transferId ?? newId();
  const model = job.hubModel as HubModelName;
  const base = pendingTransfer({
    id: transferId,
    tenantId: job.tenantId,
    subscriptionId: job.subscriptionId,
    collectionId: job.collectionId,
    direction: 'FROM_HUB',
    trigger: job.trigger,
    entity: '',
    hubModel: model,
    externalId: null,
    hubId: job.hubId,
    attempts: attempt,
    editedPayload: null,
    replayOf: job.replayOf ?? null,
    sourceVersion: String(job.hubVersion),
    triggeredAt: new Date(job.triggeredAt).toISOString(),
  });
  const claimToken = randomUUID();
  let claimed = false;
  try {
    const rt = await ctx.runtime(job.subscriptionId);
    const loaded = (await ctx.collections.find(ctx.db, { subscriptionId: job.subscriptionId, direction: 'FROM_HUB', id: job.collectionId }))[0];
    if (!loaded) throw new SyncError('JCT_SYNC_NO_COLLECTION', `FROM_HUB collection ${job.collectionId} of subscription ${job.subscriptionId} no longer exists or is disabled.`);
    const c = loaded.collection;
    base.collectionVersion = c.version;
    base.entity = c.entity;
    const loadedRow = await loadOutbound(ctx.db, job.tenantId, job.subscriptionId, model, job.hubId);
    if (!loadedRow.row) throw new SyncError('JCT_SYNC_HUB_NOT_FOUND', `${model} ${job.hubId} does not exist in the hub.`, { hubId: job.hubId });
    const hub: HubRecord = toHubRecord(loadedRow.row as unknown as Parameters<typeof toHubRecord>[0]);
    base.sourcePayload = redact(hub.data, rt.secrets);
    base.sourceVersion = String(hub.version);
    const link = loadedRow.linkExternalId === null ? null : { externalId: loadedRow.linkExternalId };
    base.externalId = link?.externalId ?? null;

    const finish = async (status: 'success' | 'skipped' | 'filtered', action: string, extra: Partial<TransferWrite> = {}) => {
      await ctx.writeTransfers(ctx.db, [{ ...base, ...extra, status, action, durationMs: ctx.now() - startedAt, finished: true }]);
    };

    if (hub.deletedAt !== null) {
      if (c.syncType !== 'DELETE' || !link) return finish('skipped', c.syncType === 'DELETE' ? 'not-linked' : 'delete-not-synced');
      await rt.connector.delete(c.entity, link.externalId);
      return finish('success', 'delete');
    }
    if (c.syncType === 'DELETE') return finish('skipped', 'not-deleted');

    const services = await ctx.services(ctx.db, job.subscriptionId);
    // Formulas see the hub record's id as `Id` (e.g. to look up its external id: GetExternalIdAsync(Id, …)).
    const mapped = loaded.compiled.map(hub.data, { systemId: job.subscriptionId, recordRef: `${model} ${hub.id}`, services, variables: { ...rt.settings, Id: hub.id } });
    const result = mapped instanceof Promise ? await mapped : mapped;
    base.mappedPayload = redact(result.output, rt.secrets);
    if (result.status === 'filtered') return finish('filtered', 'filtered', { errorMessage: result.reason ?? null });
    if (result.status === 'error') {
      const first = result.errors[0];
      throw new SyncError('JCT_SYNC_MAPPING', result.errors.map((e) => e.message).join(' '), first ? { field: first.field } : {});
    }
    const output = result.output;
    const hash = contentHash(output);
    if (link && !job.force && loadedRow.sentHash === hash) return finish('skipped', 'unchanged');

    const linkIdOf = (r: ExternalRecord) => formatExternalId(c.externalIdFormat, r.data) ?? r.id;
    const done = async (externalId: string, action: string, doLink: boolean | 'new') => {
      const transfer: TransferWrite = { ...base, externalId, status: 'success', action, durationMs: ctx.now() - startedAt, finished: true };
      const state = { tenantId: job.tenantId, subscriptionId: job.subscriptionId, model, hubId: job.hubId, stateExternalId: doLink ? externalId : null, sentHash: hash, hubVersion: hub.version };
      if (doLink === 'new') {
        await finishOutbound(ctx.db, { ...state, newLinkExternalId: externalId }, transfer);
      } else {
        await ctx.db.transaction(async (tx) => {
          if (doLink) await linkExternalId(tx, { tenantId: job.tenantId, subscriptionId: job.subscriptionId, model, hubId: job.hubId, externalId });
          await finishOutbound(tx, { ...state, newLinkExternalId: null }, transfer);
        });
      }
      metrics.transfers.inc({ status: 'success', direction: 'FROM_HUB' });
      claimed = false;
      metrics.transferLatency.observe({ direction: 'FROM_HUB' }, (ctx.now() - job.triggeredAt) / 1000);
    };

    if (link) {
      if (c.syncType === 'ADD') return finish('skipped', 'already-linked');
      await updateWithConflictRetry(rt.connector, c.entity, link.externalId, output);
      return done(link.externalId, 'update', false);
    }
    if (c.syncType === 'UPDATE') {
      throw new SyncError(
        'JCT_SYNC_NOT_LINKED',
        `${model} ${hub.id} is not linked to any ${c.entity} in this subscription, and collection "${c.name}" only updates linked records (sync type UPDATE); nothing was created.`,
        { hubId: hub.id },
      );
    }
    // Claim the create (committed before the external call), so a crash between the create and the
    // link is recovered by matching instead of creating a second record.
    const claim = await claimCreate(ctx.db, job.subscriptionId, model, job.hubId, claimToken, ctx.options.claimStaleMs);
    if (claim === 'busy') throw new ConnectorError('transient', 'JCT_SYNC_BUSY', `${model} ${hub.id} is being created at the destination by another job.`);
    claimed = true;
    const matchField = collisionMatchField(c);
    const value = output[matchField];
    const method = c.collision.method;
    if ((claim === 'recover' || method !== 'ERROR') && typeof value === 'string' && value.trim() !== '') {
      const matches = await rt.connector.findBy(c.entity, matchField, value);
      const first = matches[0];
      if (first && claim === 'recover' && method === 'ERROR') {
        // Our own earlier create, interrupted before it was linked: adopt it.
        await updateWithConflictRetry(rt.connector, c.entity, first.id, output);
        return done(linkIdOf(first), 'recover-link', true);
      }
      if (first) {
        await updateWithConflictRetry(rt.connector, c.entity, first.id, output);
        if (method === 'UPDATE_AND_NO_LINK') return done(linkIdOf(first), 'update-no-link', false);
        return done(linkIdOf(first), method === 'REMAP_AND_LINK' ? 'remap-link' : 'update-link', true);
      }
    }
    const created = await rt.connector.create(c.entity, output);
    return done(linkIdOf(created), 'create', 'new');
  } catch (error) {
    if (claimed) await releaseClaim(ctx.db, job.subscriptionId, model, job.hubId, claimToken).catch(() => undefined);
    await handleFailure(ctx, QUEUES.outbound, job, base, error, attempt, startedAt);
  }
}
