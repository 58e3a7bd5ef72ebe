import { ConnectorError, type ExternalRecord } from '../connectors/types.js';
import {
  contentHash,
  createHubRecord,
  deleteHubRecord,
  findHubRecordsByField,
  findLinkByExternalId,
  findLinkByHubId,
  getHubRecord,
  linkExternalId,
  updateHubRecord,
  type HubModelName,
} from '../hub/index.js';
import { collisionMatchField, formatExternalId, mergeIntoExisting, type MappingResult } from '../mapping/index.js';
import { metrics } from '../observability/index.js';
import { newId, type Queryable } from '../store/index.js';
import { pickCollection, type LoadedCollection } from './collections.js';
import { outboundKey, QUEUES, redact, type Enqueue, type InboundJob, type SyncContext } from './context.js';
import { SyncError } from './errors.js';
import { classify } from './retry.js';
import { getInboundState, lockInboundState, saveInboundStates, fanOutTargets, pendingTransfer, type InboundState, type TransferWrite } from './sql.js';

/** What applying one mapped record to the hub did. */
export interface InboundOutcome {
  status: 'success' | 'skipped';
  action: string;
  hubId: string | null;
  /** Set when the hub record changed: fan out to the other subscriptions. */
  changed?: { hubId: string; version: number; model: string };
  /** Shown on the (successful) transfer: something the user should know. */
  warning?: string;
}

export interface MappedInbound {
  loaded: LoadedCollection;
  subscriptionId: string;
  tenantId: string;
  entity: string;
  externalId: string;
  record: ExternalRecord;
  output: Record<string, unknown>;
  sourceHash: string;
  transferId: string;
  force: boolean;
  change?: 'created' | 'updated' | 'deleted';
}

const modifiedMs = (r: ExternalRecord): number | null => (r.modifiedAt ? Date.parse(r.modifiedAt) : null);

/**
 * Identity and write for one record, inside the caller's transaction: link → update; no link →
 * sync type and collision handling; then the hub write (with history naming the transfer).
 */
export async function applyToHub(tx: Queryable, item: MappedInbound, state: InboundState | undefined): Promise<InboundOutcome> {
  const c = item.loaded.collection;
  const model = c.hubModel as HubModelName;
  const modifiedAt = modifiedMs(item.record);
  if (!item.force && state) {
    if (state.sourceModifiedAt !== null && modifiedAt !== null && modifiedAt < state.sourceModifiedAt) {
      return { status: 'skipped', action: 'stale', hubId: state.hubId };
    }
    if (state.sourceHash === item.sourceHash && (modifiedAt === null || state.sourceModifiedAt === modifiedAt)) {
      return { status: 'skipped', action: 'unchanged', hubId: state.hubId };
    }
  }
  const ctx = { origin: item.subscriptionId, transferId: item.transferId };
  const link = await findLinkByExternalId(tx, item.subscriptionId, model, item.externalId);

  if (c.syncType === 'DELETE' || item.change === 'deleted') {
    if (c.syncType !== 'DELETE') return { status: 'skipped', action: 'delete-not-synced', hubId: link?.hubId ?? null };
    if (!link) return { status: 'skipped', action: 'not-linked', hubId: null };
    const deleted = await deleteHubRecord(tx, { tenantId: item.tenantId, id: link.hubId, ...ctx });
    return { status: 'success', action: 'delete', hubId: link.hubId, changed: { hubId: link.hubId, version: deleted.version, model } };
  }

  const update = async (hubId: string, action: string): Promise<InboundOutcome> => {
    const existing = await getHubRecord(tx, item.tenantId, hubId, { forUpdate: true });
    const merged = mergeIntoExisting(existing.data, item.output, item.loaded.compiled);
    const result = await updateHubRecord(tx, { tenantId: item.tenantId, id: hubId, data: merged, ...ctx });
    return { status: 'success', action, hubId, ...(result.changed ? { changed: { hubId, version: result.record.version, model } } : {}) };
  };

  if (link) {
    if (c.syncType === 'ADD') return { status: 'skipped', action: 'already-linked', hubId: link.hubId };
    return update(link.hubId, 'update');
  }
  if (c.syncType === 'UPDATE') {
    throw new SyncError(
      'JCT_SYNC_NOT_LINKED',
      `${item.entity} ${item.externalId} is not linked to any ${model} in the hub, and collection "${c.name}" only updates linked records (sync type UPDATE); nothing was created. Link the record first or use sync type ADD_UPDATE.`,
      { externalId: item.externalId },
    );
  }
  const matchField = collisionMatchField(c);
  const value = item.output[matchField];
  if (typeof value === 'string' && value.trim() !== '') {
    const matches = (await findHubRecordsByField(tx, item.tenantId, model, matchField, value)).filter((m) => m.model === model);
    const first = matches[0];
    if (first) {
      switch (c.collision.method) {
        case 'ERROR':
          throw new SyncError(
            'JCT_SYNC_DUPLICATE',
            `${item.entity} ${item.externalId}: a ${model} with ${matchField} "${value}" already exists in the hub (${first.id}), so it was not created twice. Pick a collision handling method on collection "${c.name}" (Update and Link to link to it, Remap and Link, or Update and No Link), or correct ${matchField} in the source.`,
            { field: matchField, externalId: item.externalId, hubId: first.id },
          );
        case 'UPDATE_AND_NO_LINK':
          return update(first.id, 'update-no-link');
        case 'REMAP_AND_LINK':
        case 'UPDATE_AND_LINK': {
          // Links are one-to-one: when the match is already linked to another record of this
          // subscription (two Contacts sharing an email), update it without a link instead of failing.
          const taken = await findLinkByHubId(tx, item.subscriptionId, model, first.id);
          if (taken && taken.externalId !== item.externalId) {
            const outcome = await update(first.id, 'update-no-link');
            return {
              ...outcome,
              warning: `${item.entity} ${item.externalId} matched ${model} ${first.id} on ${matchField} "${value}", which is already linked to ${taken.externalId}; it was updated without a link, so later changes match by ${matchField} again and duplicate records may result if ${matchField} changes.`,
            };
          }
          await linkExternalId(tx, { tenantId: item.tenantId, subscriptionId: item.subscriptionId, model, hubId: first.id, externalId: item.externalId });
          return update(first.id, c.collision.method === 'REMAP_AND_LINK' ? 'remap-link' : 'update-link');
        }
      }
    }
  }
  const created = await createHubRecord(tx, { tenantId: item.tenantId, model, data: item.output, ...ctx });
  await linkExternalId(tx, { tenantId: item.tenantId, subscriptionId: item.subscriptionId, model, hubId: created.id, externalId: item.externalId });
  return { status: 'success', action: 'create', hubId: created.id, changed: { hubId: created.id, version: created.version, model } };
}

/** Outbound jobs for a hub change: every other subscription's FROM_HUB collections for the model. */
export async function fanOut(
  ctx: SyncContext,
  tx: Queryable,
  changes: Array<{ tenantId: string; hubId: string; version: number; model: string; origin: string | null; trigger: string; triggeredAt: number }>,
): Promise<number> {
  const jobs: Enqueue[] = [];
  const targetCache = new Map<string, Array<{ subscriptionId: string; collectionId: string }>>();
  for (const ch of changes) {
    const cacheKey = `${ch.tenantId}|${ch.model}|${ch.origin}`;
    let targets = targetCache.get(cacheKey);
    if (!targets) {
      targets = await fanOutTargets(tx, ch.tenantId, ch.model, ch.origin);
      targetCache.set(cacheKey, targets);
    }
    for (const t of targets) {
      const data = {
        kind: 'out' as const,
        tenantId: ch.tenantId,
        subscriptionId: t.subscriptionId,
        collectionId: t.collectionId,
        hubId: ch.hubId,
        hubModel: ch.model,
        hubVersion: ch.version,
        origin: ch.origin,
        trigger: ch.trigger,
        triggeredAt: ch.triggeredAt,
      };
      jobs.push({ queue: QUEUES.outbound, data, key: `${outboundKey(data)}|${t.collectionId}` });
    }
  }
  return ctx.enqueue(tx, jobs);
}

/** Runs the TO_HUB collection on a source record. */
async function mapInbound(ctx: SyncContext, loaded: LoadedCollection, subscriptionId: string, entity: string, externalId: string, data: Record<string, unknown>, settings: Record<string, unknown>): Promise<MappingResult> {
  const services = await ctx.services(ctx.db, subscriptionId);
  const r = loaded.compiled.map(data, { systemId: subscriptionId, recordRef: `${entity} ${externalId}`, services, variables: settings });
  return r instanceof Promise ? await r : r;
}

/** Processes one inbound job end to end; failures become retries or error-log rows, never exceptions. */
export async function processInbound(ctx: SyncContext, job: InboundJob): Promise<void> {
  const startedAt = ctx.now();
  const attempt = (job.attempt ?? 0) + 1;
  const transferId = job.transferId ?? newId();
  const base = pendingTransfer({
    id: transferId,
    tenantId: job.tenantId,
    subscriptionId: job.subscriptionId,
    collectionId: job.collectionId ?? null,
    direction: 'TO_HUB',
    trigger: job.trigger,
    entity: job.entity,
    hubModel: null,
    externalId: job.externalId,
    hubId: null,
    attempts: attempt,
    editedPayload: job.edited ?? null,
    replayOf: job.replayOf ?? null,
    sourceVersion: job.record?.modifiedAt ?? null,
    triggeredAt: new Date(job.triggeredAt).toISOString(),
  });
  let secrets: Record<string, string> = {};
  try {
    const rt = await ctx.runtime(job.subscriptionId);
    secrets = rt.secrets;
    const found = await ctx.collections.find(ctx.db, { subscriptionId: job.subscriptionId, direction: 'TO_HUB', entity: job.collectionId ? undefined : job.entity, id: job.collectionId });
    const loaded = pickCollection(found, job.change);
    if (!loaded) throw new SyncError('JCT_SYNC_NO_COLLECTION', `No enabled TO_HUB mapping collection for entity "${job.entity}" on subscription ${job.subscriptionId}; add or enable one, then replay.`);
    const c = loaded.collection;
    base.collectionId = c.id;
    base.collectionVersion = c.version;
    base.hubModel = c.hubModel;

    let record: ExternalRecord | null;
    if (job.edited) record = { id: job.externalId, data: job.edited };
    else if (job.record && !job.force) record = job.record;
    else if (job.change === 'deleted') record = { id: job.externalId, data: {} };
    else record = await rt.connector.get(job.entity, job.externalId);
    if (!record) {
      throw new ConnectorError('not_found', 'JCT_SYNC_SOURCE_NOT_FOUND', `${job.entity} ${job.externalId} does not exist in ${rt.definition.displayName} (deleted, or the id is not in the format ${c.externalIdFormat}).`);
    }
    base.sourcePayload = redact(record.data, secrets);
    base.sourceVersion = record.modifiedAt ?? base.sourceVersion;
    const externalId = formatExternalId(c.externalIdFormat, record.data) ?? record.id;
    base.externalId = externalId;

    let output: Record<string, unknown> = {};
    if (job.change !== 'deleted') {
      const result = await mapInbound(ctx, loaded, job.subscriptionId, job.entity, externalId, record.data, rt.settings);
      base.mappedPayload = redact(result.output, secrets);
      if (result.status === 'filtered') {
        await ctx.writeTransfers(ctx.db, [{ ...base, status: 'filtered', action: 'filtered', errorMessage: result.reason ?? null, durationMs: ctx.now() - startedAt, finished: true }]);
        return;
      }
      if (result.status === 'error') {
        const first = result.errors[0];
        const retryable = result.errors.length > 0 && result.errors.every((e) => e.retryable) && attempt < ctx.options.maxAttempts;
        if (retryable) throw new ConnectorError('transient', first?.code ?? 'MAPPING', result.errors.map((e) => e.message).join(' '), first ? { field: first.field } : {});
        throw new SyncError('JCT_SYNC_MAPPING', result.errors.map((e) => e.message).join(' '), first ? { field: first.field } : {});
      }
      output = result.output;
    }
    const item: MappedInbound = {
      loaded,
      subscriptionId: job.subscriptionId,
      tenantId: job.tenantId,
      entity: job.entity,
      externalId,
      record,
      output,
      sourceHash: contentHash(record.data),
      transferId,
      force: job.force === true || job.edited !== undefined,
      ...(job.change ? { change: job.change } : {}),
    };
    const status = await ctx.db.transaction(async (tx) => {
      const states = await lockInboundState(tx, job.subscriptionId, job.entity, [externalId]);
      const outcome = await applyToHub(tx, item, states.get(externalId));
      if (outcome.status === 'success') {
        await saveInboundStates(tx, job.subscriptionId, job.entity, [{ externalId, modifiedAt: record.modifiedAt ?? null, hash: item.sourceHash, hubId: outcome.hubId }]);
      }
      await ctx.writeTransfers(tx, [{ ...base, status: outcome.status, action: outcome.action, hubId: outcome.hubId, errorMessage: outcome.warning ?? null, durationMs: ctx.now() - startedAt, finished: true }]);
      if (outcome.changed) {
        await fanOut(ctx, tx, [{ tenantId: job.tenantId, ...outcome.changed, origin: job.subscriptionId, trigger: job.trigger, triggeredAt: job.triggeredAt }]);
      }
      return outcome.status;
    });
    if (status === 'success') metrics.transferLatency.observe({ direction: 'TO_HUB' }, (ctx.now() - job.triggeredAt) / 1000);
  } catch (error) {
    await handleFailure(ctx, QUEUES.inbound, job, base, error, attempt, startedAt);
  }
}

/** A failure becomes a retry (same transfer row, status retrying, new job at the verdict's time) or an error-log row. */
export async function handleFailure(
  ctx: SyncContext,
  queue: string,
  job: InboundJob | import('./context.js').OutboundJob,
  base: TransferWrite,
  error: unknown,
  attempt: number,
  startedAt: number,
): Promise<void> {
  const verdict = classify(error, attempt, ctx.now(), ctx.options);
  const message = error instanceof Error ? error.message : String(error);
  const field = (error as { field?: string; details?: { field?: string } })?.field ?? (error as { details?: { field?: string } })?.details?.field ?? null;
  if (verdict.kind === 'retry') {
    metrics.retries.inc({ reason: verdict.reason });
    const nextAttempt = verdict.countsAttempt ? attempt : attempt - 1;
    await ctx.db.transaction(async (tx) => {
      await ctx.writeTransfers(tx, [
        { ...base, status: 'retrying', attempts: attempt, errorCode: (error as { code?: string })?.code ?? verdict.reason, errorField: field, errorMessage: message, durationMs: ctx.now() - startedAt, finished: false },
      ]);
      const { key: _key, ...rest } = job;
      await ctx.enqueue(tx, [{ queue, data: { ...rest, attempt: nextAttempt, transferId: base.id }, startAfter: new Date(Math.max(verdict.at, ctx.now())) }]);
    });
    return;
  }
  if (!(error instanceof SyncError) && !(error instanceof ConnectorError)) ctx.log.warn('transfer failed', { transferId: base.id, error: message });
  await ctx.writeTransfers(ctx.db, [
    { ...base, status: 'error', attempts: attempt, errorCode: verdict.code, errorField: verdict.field ?? field, errorMessage: verdict.message, durationMs: ctx.now() - startedAt, finished: true },
  ]);
}

export { getInboundState };
