import type { WebhookRegistration } from '../connectors/types.js';
import type { SyncContext } from './context.js';
import { SyncError } from './errors.js';
import { collectionVersions, dueWebhookRegistrations, getSubscriptionInfo, saveWebhookRegistration, webhookRegistrationError } from './sql.js';
import { expectedClientState } from './triggers.js';

/** Renew registrations this long before they expire (Business Central subscriptions live 3 days). */
export const RENEW_BEFORE_MS = 24 * 60 * 60 * 1000;

/**
 * Registers Junction's webhook endpoint at the system for every entity the subscription has an
 * enabled TO_HUB collection for and the connector can notify about.
 */
export async function subscribeWebhooks(ctx: SyncContext, tenantId: string, subscriptionId: string, publicBaseUrl: string): Promise<Array<{ entity: string; id: string; expiresAt?: string }>> {
  const sub = await getSubscriptionInfo(ctx.db, subscriptionId);
  if (!sub || sub.tenantId !== tenantId) throw new SyncError('JCT_SYNC_NOT_FOUND', `No subscription with id ${subscriptionId}.`, { field: 'subscriptionId' });
  const rt = await ctx.runtime(subscriptionId);
  const hooks = rt.connector.webhooks;
  if (!hooks) throw new SyncError('JCT_SYNC_INVALID_REQUEST', `${rt.definition.displayName} does not send webhooks; use polling.`);
  const { rows } = await ctx.db.query<{ webhook_key_hash: string | null }>('SELECT webhook_key_hash FROM subscriptions WHERE id = $1', [sub.id]);
  const clientState = expectedClientState(sub.id, rows[0]?.webhook_key_hash ?? null);
  const url = `${publicBaseUrl.replace(/\/$/, '')}/api/v1/webhooks/${sub.id}`;
  const collections = await collectionVersions(ctx.db, { subscriptionId, direction: 'TO_HUB' });
  const entities = new Set<string>();
  for (const c of collections) {
    const loaded = await ctx.collections.find(ctx.db, { subscriptionId, direction: 'TO_HUB', id: c.id });
    const entity = loaded[0]?.collection.entity;
    if (entity && rt.definition.entities.find((e) => e.name === entity)?.capabilities.webhook !== false) entities.add(entity);
  }
  const out = [];
  for (const entity of entities) {
    const registration = await hooks.subscribe(entity, url, clientState);
    await saveWebhookRegistration(ctx.db, sub.id, entity, registration, false);
    out.push({ entity, id: registration.id, ...(registration.expiresAt ? { expiresAt: registration.expiresAt } : {}) });
  }
  return out;
}

/** Renews registrations that expire within the renewal window; failures are recorded and retried next tick. */
export async function renewDueWebhooks(ctx: SyncContext, withinMs = RENEW_BEFORE_MS): Promise<number> {
  let renewed = 0;
  for (const due of await dueWebhookRegistrations(ctx.db, withinMs)) {
    try {
      const rt = await ctx.runtime(due.subscriptionId);
      if (!rt.connector.webhooks) continue;
      const next = await rt.connector.webhooks.renew(due.registration as unknown as WebhookRegistration);
      await saveWebhookRegistration(ctx.db, due.subscriptionId, due.entity, next, true);
      renewed += 1;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      ctx.log.warn('webhook renewal failed', { subscriptionId: due.subscriptionId, entity: due.entity, error: message });
      await webhookRegistrationError(ctx.db, due.subscriptionId, due.entity, message).catch(() => undefined);
    }
  }
  return renewed;
}
