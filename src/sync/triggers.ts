import { createHash, timingSafeEqual } from 'node:crypto';
import type { InboundWebhook, WebhookNotification } from '../connectors/types.js';
import { findLinkByExternalId, findLinkByHubId, getHubRecord, type HubModelName } from '../hub/index.js';
import type { Queryable } from '../store/index.js';
import { verifyWebhookKey } from '../subscriptions/index.js';
import { inboundKey, outboundKey, QUEUES, type Enqueue, type SyncContext } from './context.js';
import { pickCollection } from './collections.js';
import { pollOnce } from './poll.js';
import { SyncError } from './errors.js';
import { collectionVersions, getSubscriptionInfo, getTransfer, listTransfers, type TransferFilter } from './sql.js';

export interface WebhookAnswer {
  status: 200 | 202;
  /** Handshake answers are text/plain (Business Central validationToken). */
  contentType: 'application/json' | 'text/plain';
  body: unknown;
}

/** The clientState Junction gives a system when it subscribes webhooks for a subscription. */
export function expectedClientState(subscriptionId: string, webhookKeyHash: string | null): string {
  return createHash('sha256').update(`${subscriptionId}:${webhookKeyHash ?? ''}`).digest('base64url').slice(0, 32);
}

const safeEqual = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Generic webhook body: `{"notifications":[{"scope":"contact/updated","external_id":"123"}]}`. */
function genericNotifications(body: unknown): WebhookNotification[] | null {
  const list = (body as { notifications?: unknown })?.notifications;
  if (!Array.isArray(list)) return null;
  const out: WebhookNotification[] = [];
  for (const n of list) {
    const scope = (n as { scope?: unknown }).scope;
    const id = (n as { external_id?: unknown; externalId?: unknown }).external_id ?? (n as { externalId?: unknown }).externalId;
    if (typeof scope !== 'string' || (typeof id !== 'string' && typeof id !== 'number')) return null;
    const parts = scope.split('/');
    const action = parts[parts.length - 1] ?? '';
    const change = action === 'deleted' ? 'deleted' : action === 'created' ? 'created' : 'updated';
    out.push({ entity: parts.slice(0, -1).join('/') || scope, externalId: String(id), change });
  }
  return out;
}

/**
 * Verifies an inbound webhook call and enqueues one inbound job per notification (outbox), then
 * answers 202. Auth: the subscription's webhook key as Bearer, or the connector's own scheme
 * (handshake + clientState) through `definition.receiveWebhook`.
 */
export async function receiveWebhook(ctx: SyncContext, subscriptionId: string, call: InboundWebhook): Promise<WebhookAnswer> {
  const sub = await getSubscriptionInfo(ctx.db, subscriptionId);
  if (!sub) throw new SyncError('JCT_SYNC_NOT_FOUND', `No subscription with id ${subscriptionId}.`, { field: 'subscriptionId' });
  const definition = ctx.deps.connectors(sub.system);
  const auth = call.headers.authorization ?? call.headers.Authorization;
  const bearer = typeof auth === 'string' && /^Bearer\s+/i.test(auth) ? auth.replace(/^Bearer\s+/i, '').trim() : null;
  let notifications: WebhookNotification[] | null = null;
  if (bearer !== null) {
    if (!(await verifyWebhookKey(ctx.db, subscriptionId, bearer))) throw new SyncError('JCT_SYNC_WEBHOOK_UNAUTHORIZED', 'The webhook key is not valid for this subscription.');
    notifications = genericNotifications(call.body);
    if (notifications === null && definition?.receiveWebhook) {
      const receipt = definition.receiveWebhook(call);
      if (receipt.kind === 'notifications') notifications = receipt.notifications;
    }
    if (notifications === null) throw new SyncError('JCT_SYNC_INVALID_REQUEST', 'The webhook body has no notifications: expected {"notifications":[{"scope":"<entity>/<created|updated|deleted>","external_id":"…"}]}.', { field: 'notifications' });
  } else {
    if (!definition?.receiveWebhook) throw new SyncError('JCT_SYNC_WEBHOOK_UNAUTHORIZED', 'Send the subscription webhook key as "Authorization: Bearer <key>".');
    const receipt = definition.receiveWebhook(call);
    if (receipt.kind === 'handshake') return { status: 200, contentType: 'text/plain', body: receipt.body };
    if (receipt.kind === 'rejected') throw new SyncError('JCT_SYNC_WEBHOOK_UNAUTHORIZED', receipt.reason);
    const { rows } = await ctx.db.query<{ webhook_key_hash: string | null }>('SELECT webhook_key_hash FROM subscriptions WHERE id = $1', [sub.id]);
    const expected = expectedClientState(sub.id, rows[0]?.webhook_key_hash ?? null);
    if (!receipt.clientState || !safeEqual(receipt.clientState, expected)) throw new SyncError('JCT_SYNC_WEBHOOK_UNAUTHORIZED', 'The webhook clientState does not match this subscription.');
    notifications = receipt.notifications;
  }
  const now = ctx.now();
  // A notification for "every record" (Business Central sends one when over 1,000 changed) means:
  // poll that entity now. The poll runs after the answer; its cursor keeps it safe to run twice.
  for (const entity of new Set(notifications.filter((n) => n.externalId === '*').map((n) => n.entity))) {
    void pollOnce(ctx, { tenantId: sub.tenantId, subscriptionId: sub.id, entity }).catch((error: unknown) =>
      ctx.log.warn('poll after a collection notification failed', { subscriptionId: sub.id, entity, error: String(error) }),
    );
  }
  const jobs: Enqueue[] = notifications.filter((n) => n.externalId !== '*').map((n) => {
    const data = { kind: 'in' as const, tenantId: sub.tenantId, subscriptionId: sub.id, entity: n.entity, externalId: n.externalId, trigger: 'webhook', triggeredAt: now, change: n.change };
    return { queue: QUEUES.inbound, data, key: inboundKey(data, n.change === 'deleted' ? 'deleted' : null) };
  });
  const enqueued = await ctx.db.transaction((tx) => ctx.enqueue(tx, jobs));
  return { status: 202, contentType: 'application/json', body: { accepted: notifications.length, enqueued } };
}

export interface ManualSyncRequest {
  tenantId: string;
  subscriptionId: string;
  direction: 'TO_HUB' | 'FROM_HUB';
  /** External entity (TO_HUB) — or the FROM_HUB collection's entity. */
  entity?: string;
  hubModel?: string;
  collectionId?: string;
  externalIds?: string[];
  hubIds?: string[];
}

/** Manual sync by external id or hub id, in either direction; runs even when nothing changed. */
export async function enqueueManual(ctx: SyncContext, req: ManualSyncRequest): Promise<{ enqueued: number; jobs: Array<{ externalId?: string; hubId?: string; collectionId?: string }> }> {
  const sub = await getSubscriptionInfo(ctx.db, req.subscriptionId);
  if (!sub || sub.tenantId !== req.tenantId) throw new SyncError('JCT_SYNC_NOT_FOUND', `No subscription with id ${req.subscriptionId}.`, { field: 'subscriptionId' });
  const now = ctx.now();
  const jobs: Enqueue[] = [];
  const described: Array<{ externalId?: string; hubId?: string; collectionId?: string }> = [];
  const collections = await ctx.collections.find(ctx.db, { subscriptionId: sub.id, direction: req.direction, entity: req.entity, hubModel: req.hubModel, id: req.collectionId });
  const coll = req.collectionId ? collections[0] : pickCollection(collections);
  if (!coll) throw new SyncError('JCT_SYNC_NO_COLLECTION', `Subscription ${sub.id} has no enabled ${req.direction} collection${req.entity ? ` for entity "${req.entity}"` : ''}.`, { field: 'entity' });
  const model = coll.collection.hubModel as HubModelName;
  const entity = coll.collection.entity;
  if (req.direction === 'TO_HUB') {
    const ids = [...(req.externalIds ?? [])];
    for (const hubId of req.hubIds ?? []) {
      const link = await findLinkByHubId(ctx.db, sub.id, model, hubId);
      if (!link) throw new SyncError('JCT_SYNC_NOT_LINKED', `${model} ${hubId} is not linked to any ${entity} in this subscription; sync it by external id instead.`, { field: 'hubIds', hubId });
      ids.push(link.externalId);
    }
    for (const externalId of ids) {
      const data = { kind: 'in' as const, tenantId: sub.tenantId, subscriptionId: sub.id, entity, collectionId: coll.collection.id, externalId, trigger: 'manual', triggeredAt: now, force: true };
      jobs.push({ queue: QUEUES.inbound, data, key: `${inboundKey(data, 'manual')}` });
      described.push({ externalId, collectionId: coll.collection.id });
    }
  } else {
    const hubIds = [...(req.hubIds ?? [])];
    for (const externalId of req.externalIds ?? []) {
      const link = await findLinkByExternalId(ctx.db, sub.id, model, externalId);
      if (!link) throw new SyncError('JCT_SYNC_NOT_LINKED', `${entity} ${externalId} is not linked to any ${model} in the hub; sync it by hub id instead.`, { field: 'externalIds', externalId });
      hubIds.push(link.hubId);
    }
    for (const hubId of hubIds) {
      const hub = await getHubRecord(ctx.db, sub.tenantId, hubId, { includeDeleted: true }).catch(() => {
        throw new SyncError('JCT_SYNC_HUB_NOT_FOUND', `No hub record ${hubId}.`, { field: 'hubIds', hubId });
      });
      const data = {
        kind: 'out' as const,
        tenantId: sub.tenantId,
        subscriptionId: sub.id,
        collectionId: coll.collection.id,
        hubId,
        hubModel: hub.model,
        hubVersion: hub.version,
        origin: null,
        trigger: 'manual',
        triggeredAt: now,
        force: true,
      };
      jobs.push({ queue: QUEUES.outbound, data, key: `${outboundKey(data)}|manual` });
      described.push({ hubId, collectionId: coll.collection.id });
    }
  }
  if (jobs.length === 0) throw new SyncError('JCT_SYNC_INVALID_REQUEST', 'Give at least one external id or hub id.', { field: 'externalIds' });
  const enqueued = await ctx.db.transaction((tx) => ctx.enqueue(tx, jobs));
  return { enqueued, jobs: described };
}

export interface ReplayRequest {
  tenantId: string;
  ids?: string[];
  filter?: TransferFilter;
  /** Edited source payload; only with exactly one id. Recorded on the new transfer. */
  editedPayload?: Record<string, unknown>;
}

/** Most transfers one replay call re-queues. */
export const MAX_REPLAY = 10_000;

/**
 * Replays transfers from the start with the collection's current version: TO_HUB re-reads the
 * source record (or uses the edited payload), FROM_HUB re-sends the hub record. Each replay is a new
 * transfer pointing at the old one (`replayOf`).
 */
export async function replay(ctx: SyncContext, req: ReplayRequest): Promise<{ enqueued: number; transferIds: string[] }> {
  if (req.editedPayload && req.ids?.length !== 1) throw new SyncError('JCT_SYNC_INVALID_REQUEST', 'An edited payload replays exactly one transfer: give one id.', { field: 'editedPayload' });
  let transfers;
  if (req.ids?.length) {
    transfers = [];
    for (const id of req.ids) {
      const t = await getTransfer(ctx.db, req.tenantId, id);
      if (!t) throw new SyncError('JCT_SYNC_NOT_FOUND', `No transfer ${id}.`, { field: 'ids' });
      transfers.push(t);
    }
  } else if (req.filter) {
    transfers = await listTransfers(ctx.db, req.tenantId, req.filter, { limit: MAX_REPLAY });
  } else throw new SyncError('JCT_SYNC_INVALID_REQUEST', 'Give ids or a filter.', { field: 'ids' });
  const now = ctx.now();
  const jobs: Enqueue[] = [];
  for (const t of transfers) {
    if (t.direction === 'TO_HUB') {
      if (!t.externalId) continue;
      jobs.push({
        queue: QUEUES.inbound,
        data: {
          kind: 'in',
          tenantId: t.tenantId,
          subscriptionId: t.subscriptionId,
          entity: t.entity,
          externalId: t.externalId,
          ...(t.collectionId ? { collectionId: t.collectionId } : {}),
          trigger: 'replay',
          triggeredAt: now,
          replayOf: t.id,
          force: true,
          ...(req.editedPayload ? { edited: req.editedPayload } : {}),
        },
      });
    } else {
      if (!t.hubId || !t.collectionId || !t.hubModel) continue;
      jobs.push({
        queue: QUEUES.outbound,
        data: { kind: 'out', tenantId: t.tenantId, subscriptionId: t.subscriptionId, collectionId: t.collectionId, hubId: t.hubId, hubModel: t.hubModel, hubVersion: 0, origin: null, trigger: 'replay', triggeredAt: now, replayOf: t.id, force: true },
      });
    }
  }
  const enqueued = await ctx.db.transaction((tx) => ctx.enqueue(tx, jobs));
  return { enqueued, transferIds: transfers.map((t) => t.id) };
}

/** Collections a subscription has for an entity/direction (used by init to check early). */
export async function hasCollection(q: Queryable, subscriptionId: string, direction: 'TO_HUB' | 'FROM_HUB', entity: string): Promise<boolean> {
  return (await collectionVersions(q, { subscriptionId, direction, entity })).length > 0;
}
