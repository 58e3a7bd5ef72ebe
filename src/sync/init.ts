import type { ExternalRecord } from '../connectors/types.js';
import { contentHash, diffRecords, validateHubData, type HubModelName } from '../hub/index.js';
import { collisionMatchField, formatExternalId } from '../mapping/index.js';
import { metrics } from '../observability/index.js';
import { newId, type Queryable } from '../store/index.js';
import { pickCollection } from './collections.js';
import { QUEUES, redact, type InitJob, type SyncContext } from './context.js';
import { SyncError } from './errors.js';
import { applyToHub, fanOut, type MappedInbound } from './inbound.js';
import { classify } from './retry.js';
import {
  advanceRun,
  endRun,
  getRun,
  hubIdsByField,
  insertHubRecords,
  withoutForeignKeyChecks,
  linksByExternalIds,
  lockInboundState,
  saveInboundStates,
  type NewHubRow,
  type RunRow,
  type TransferWrite,
} from './sql.js';

/**
 * Initialization: one job per page. A page is fetched, mapped, and written in one transaction
 * together with the run's checkpoint (next cursor, counts) and the job for the next page, so a
 * crash resumes at the page that was not committed. New records are written in bulk; records that
 * are already linked or collide go through the same identity rules as single transfers.
 */
export async function processInitPage(ctx: SyncContext, job: InitJob): Promise<void> {
  const run = await getRun(ctx.db, job.runId);
  if (!run || run.state !== 'running' || run.cursor !== job.cursor) return; // cancelled, finished, or a duplicate page
  const startedAt = ctx.now();
  let page;
  try {
    const rt = await ctx.runtime(run.subscriptionId);
    page = await rt.connector.list(run.entity, { ...(job.cursor ? { cursor: job.cursor } : {}), pageSize: ctx.options.pageSize });
    await writePage(ctx, run, job, page.records, page.next ?? null, page.total ?? null, rt.settings, rt.secrets, startedAt);
  } catch (error) {
    const verdict = classify(error, 1, ctx.now(), { ...ctx.options, maxAttempts: Number.MAX_SAFE_INTEGER });
    if (verdict.kind === 'retry') {
      metrics.retries.inc({ reason: verdict.reason });
      // Same page again later (the checkpoint did not move).
      await ctx.db.transaction((tx) => ctx.enqueue(tx, [{ queue: QUEUES.init, data: job, startAfter: new Date(Math.max(verdict.at, ctx.now())) }]));
      return;
    }
    await endRun(ctx.db, run.id, 'failed', `${verdict.message}`);
  }
}

async function writePage(
  ctx: SyncContext,
  run: RunRow,
  job: InitJob,
  records: ExternalRecord[],
  next: string | null,
  total: number | null,
  settings: Record<string, unknown>,
  secrets: Record<string, string>,
  startedAt: number,
): Promise<void> {
  const loaded = pickCollection(await ctx.collections.find(ctx.db, { subscriptionId: run.subscriptionId, direction: 'TO_HUB', entity: run.collectionId ? undefined : run.entity, id: run.collectionId ?? undefined }));
  if (!loaded) throw new SyncError('JCT_SYNC_NO_COLLECTION', `No enabled TO_HUB mapping collection for entity "${run.entity}".`);
  const c = loaded.collection;
  const model = c.hubModel as HubModelName;
  const services = await ctx.services(ctx.db, run.subscriptionId);
  const triggeredAt = new Date(startedAt).toISOString();
  const transfers: TransferWrite[] = [];
  const mapped: Array<MappedInbound & { modifiedAt: string | null }> = [];
  const transferOf = (extId: string, record: ExternalRecord): TransferWrite => ({
    id: newId(),
    tenantId: run.tenantId,
    subscriptionId: run.subscriptionId,
    collectionId: c.id,
    collectionVersion: c.version,
    direction: 'TO_HUB',
    trigger: 'init',
    entity: run.entity,
    hubModel: model,
    externalId: extId,
    hubId: null,
    status: 'pending',
    action: null,
    attempts: 1,
    errorCode: null,
    errorField: null,
    errorMessage: null,
    sourcePayload: redact(record.data, secrets),
    mappedPayload: null,
    editedPayload: null,
    replayOf: null,
    runId: run.id,
    sourceVersion: record.modifiedAt ?? null,
    triggeredAt,
    durationMs: null,
    finished: true,
  });
  for (const record of records) {
    const extId = formatExternalId(c.externalIdFormat, record.data) ?? record.id;
    const t = transferOf(extId, record);
    let r = loaded.compiled.map(record.data, { systemId: run.subscriptionId, recordRef: `${run.entity} ${extId}`, services, variables: settings });
    if (r instanceof Promise) r = await r;
    t.mappedPayload = redact(r.output, secrets);
    if (r.status === 'filtered') {
      transfers.push({ ...t, status: 'filtered', action: 'filtered', errorMessage: r.reason ?? null });
      continue;
    }
    if (r.status === 'error') {
      const first = r.errors[0];
      transfers.push({ ...t, status: 'error', errorCode: 'JCT_SYNC_MAPPING', errorField: first?.field ?? null, errorMessage: r.errors.map((e) => e.message).join(' ') });
      continue;
    }
    mapped.push({
      loaded,
      subscriptionId: run.subscriptionId,
      tenantId: run.tenantId,
      entity: run.entity,
      externalId: extId,
      record,
      output: r.output,
      sourceHash: contentHash(record.data),
      transferId: t.id,
      force: false,
      modifiedAt: record.modifiedAt ?? null,
    });
    transfers.push(t);
  }
  const byTransfer = new Map(transfers.map((t) => [t.id, t]));

  await ctx.db.transaction(async (tx) => {
    const current = await getRun(tx, run.id, true);
    if (!current || current.state !== 'running' || current.cursor !== job.cursor) return; // someone else did this page
    // Embedded, this transaction is the only one (PGlite has one connection) and the run row it holds
    // references the tenant and the subscription, so the bulk rows' keys are known good: their
    // per-row foreign key checks are skipped. On PostgreSQL they run as usual.
    const bulk = <T>(work: () => Promise<T>): Promise<T> => (ctx.db.kind === 'pglite' ? withoutForeignKeyChecks(tx, work) : work());
    const ids = mapped.map((m) => m.externalId);
    const states = await lockInboundState(tx, run.subscriptionId, run.entity, ids, false);
    const linked = await linksByExternalIds(tx, run.subscriptionId, model, ids);
    // Fast path: unlinked, never applied, no collision in the hub (or with another record of this page).
    const matchField = collisionMatchField(c);
    const matchValues = mapped.map((m) => m.output[matchField]).filter((v): v is string => typeof v === 'string' && v.trim() !== '');
    const collisions = await hubIdsByField(tx, run.tenantId, model, matchField, matchValues);
    const seenValues = new Set<string>();
    const newRows: NewHubRow[] = [];
    const slow: typeof mapped = [];
    for (const m of mapped) {
      const v = m.output[matchField];
      const key = typeof v === 'string' ? v.toLowerCase() : null;
      const fresh = !linked.has(m.externalId) && states.get(m.externalId)?.sourceHash == null && (key === null || (!collisions.has(key) && !seenValues.has(key)));
      if (key !== null) seenValues.add(key);
      if (!fresh || c.syncType === 'UPDATE' || c.syncType === 'DELETE') {
        slow.push(m);
        continue;
      }
      let data: Record<string, unknown>;
      try {
        data = validateHubData(model, m.output);
      } catch (error) {
        const t = byTransfer.get(m.transferId) as TransferWrite;
        const e = error as { code?: string; message: string; details?: { field?: string } };
        Object.assign(t, { status: 'error', errorCode: 'JCT_SYNC_INVALID_RECORD', errorField: e.details?.field ?? null, errorMessage: `${run.entity} ${m.externalId}: ${e.message}` });
        continue;
      }
      const id = newId();
      newRows.push({ id, model, data, hash: contentHash(data), externalId: m.externalId, transferId: m.transferId, changes: diffRecords(null, data) });
      Object.assign(byTransfer.get(m.transferId) as TransferWrite, { status: 'success', action: 'create', hubId: id });
    }
    await bulk(() => insertHubRecords(tx, run.tenantId, run.subscriptionId, newRows));
    const changes: Array<{ tenantId: string; hubId: string; version: number; model: string; origin: string | null; trigger: string; triggeredAt: number }> = newRows.map((r) => ({
      tenantId: run.tenantId,
      hubId: r.id,
      version: 1,
      model,
      origin: run.subscriptionId,
      trigger: 'init',
      triggeredAt: startedAt,
    }));
    const mappedByTransfer = new Map(mapped.map((m) => [m.transferId, m]));
    const applied: Array<{ externalId: string; modifiedAt: string | null; hash: string; hubId: string | null }> = newRows.map((r) => {
      const m = mappedByTransfer.get(r.transferId) as (typeof mapped)[number];
      return { externalId: m.externalId, modifiedAt: m.modifiedAt, hash: m.sourceHash, hubId: r.id };
    });
    for (const m of slow) {
      const t = byTransfer.get(m.transferId) as TransferWrite;
      try {
        // A savepoint keeps one bad record from undoing the page.
        await tx.query('SAVEPOINT rec');
        const outcome = await applyToHub(tx, m, states.get(m.externalId));
        await tx.query('RELEASE SAVEPOINT rec');
        Object.assign(t, { status: outcome.status, action: outcome.action, hubId: outcome.hubId });
        if (outcome.status === 'success') applied.push({ externalId: m.externalId, modifiedAt: m.modifiedAt, hash: m.sourceHash, hubId: outcome.hubId });
        if (outcome.changed) changes.push({ tenantId: run.tenantId, ...outcome.changed, origin: run.subscriptionId, trigger: 'init', triggeredAt: startedAt });
      } catch (error) {
        await tx.query('ROLLBACK TO SAVEPOINT rec');
        const v = classify(error, Number.MAX_SAFE_INTEGER, ctx.now(), ctx.options);
        const field = (error as { details?: { field?: string } })?.details?.field ?? null;
        Object.assign(t, { status: 'error', errorCode: v.kind === 'fail' ? v.code : 'JCT_SYNC_INTERNAL', errorField: v.kind === 'fail' ? (v.field ?? field) : field, errorMessage: error instanceof Error ? error.message : String(error) });
      }
    }
    const applyDuration = ctx.now() - startedAt;
    for (const t of transfers) t.durationMs = applyDuration;
    await bulk(async () => {
      await saveInboundStates(tx, run.subscriptionId, run.entity, applied);
      await ctx.writeTransfers(tx, transfers);
    });
    await fanOut(ctx, tx, changes);
    const errors = transfers.filter((t) => t.status === 'error').length;
    await advanceRun(tx, run.id, { cursor: next, done: records.length, errors, total, finished: next === null });
    if (next !== null) await ctx.enqueue(tx, [{ queue: QUEUES.init, data: { kind: 'init', runId: run.id, cursor: next } }]);
  });
}

/** Progress of a run as the API shows it. */
export function runProgress(run: RunRow, now: number) {
  const elapsedS = Math.max(0.001, ((run.finishedAt ? Date.parse(run.finishedAt) : now) - Date.parse(run.startedAt)) / 1000);
  const rate = run.done / elapsedS;
  const remaining = run.total === null ? null : Math.max(0, run.total - run.done);
  return {
    id: run.id,
    subscriptionId: run.subscriptionId,
    entity: run.entity,
    state: run.state,
    done: run.done,
    total: run.total,
    errors: run.errors,
    pages: run.page,
    ratePerSecond: Math.round(rate * 10) / 10,
    etaSeconds: remaining === null || rate === 0 || run.state !== 'running' ? null : Math.round(remaining / rate),
    checkpoint: run.cursor,
    error: run.errorMessage,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
  };
}
export type RunProgress = ReturnType<typeof runProgress>;

export type { Queryable };
