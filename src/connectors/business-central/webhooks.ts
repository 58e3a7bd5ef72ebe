import { z } from 'zod';
import { ConnectorError, type InboundWebhook, type WebhookNotification, type WebhookReceipt, type WebhookRegistration } from '../types.js';
import { parseBody, type BusinessCentralClient } from './client.js';
import { BC_ERROR_CODES } from './errors.js';

/** BC deletes a subscription 3 days after it was created or last renewed. */
export const BC_SUBSCRIPTION_LIFETIME_MS = 3 * 24 * 60 * 60_000;
/** Renew when less than this is left (the platform's scheduler calls `needsRenewal`). */
export const BC_RENEWAL_MARGIN_MS = 24 * 60 * 60_000;

export const BcSubscription = z
  .object({
    subscriptionId: z.string(),
    notificationUrl: z.string(),
    resource: z.string(),
    clientState: z.string().nullable().optional(),
    expirationDateTime: z.string(),
    '@odata.etag': z.string().optional(),
  })
  .passthrough();

/** API v2.0 collections that accept webhook subscriptions, by connector entity (contacts are not webhook-capable in BC). */
const WEBHOOK_RESOURCES: Record<string, string> = { customer: 'customers', company: 'customers' };
/** Resource collection → connector entity for incoming notifications. */
const RESOURCE_ENTITIES: Record<string, string> = { customers: 'customer', contacts: 'contact', salesOrders: 'salesOrder', items: 'item' };

export function needsRenewal(registration: WebhookRegistration, now = Date.now(), marginMs = BC_RENEWAL_MARGIN_MS): boolean {
  if (!registration.expiresAt) return true;
  return Date.parse(registration.expiresAt) - now < marginMs;
}

function toRegistration(entity: string, body: unknown, what: string): WebhookRegistration {
  const sub = parseBody(BcSubscription, body, what);
  return { id: sub.subscriptionId, entity, expiresAt: sub.expirationDateTime, clientState: sub.clientState ?? undefined };
}

/** Subscriptions through `POST .../api/v2.0/subscriptions` (BC calls notificationUrl with `validationToken` first). */
export function businessCentralWebhooks(client: BusinessCentralClient) {
  return {
    async subscribe(entity: string, notificationUrl: string, clientState: string): Promise<WebhookRegistration> {
      const collection = WEBHOOK_RESOURCES[entity];
      if (!collection) {
        throw new ConnectorError('permanent', BC_ERROR_CODES.unsupported, `Business Central has no webhooks for '${entity}' (supported: ${Object.keys(WEBHOOK_RESOURCES).join(', ')}); use polling.`);
      }
      const resource = `/api/v2.0/companies(${await client.company()})/${collection}`;
      const response = await client.request('POST', `${client.apiRoot}/subscriptions`, {
        body: { notificationUrl, resource, clientState },
        what: `subscribe to ${collection} changes`,
      });
      return toRegistration(entity, response.body, 'create subscription');
    },
    /** PATCH with the same values: BC repeats the handshake and moves `expirationDateTime` 3 days ahead. */
    async renew(registration: WebhookRegistration): Promise<WebhookRegistration> {
      const url = `${client.apiRoot}/subscriptions('${encodeURIComponent(registration.id)}')`;
      const current = parseBody(BcSubscription, (await client.request('GET', url, { what: 'read subscription' })).body, 'read subscription');
      const response = await client.request('PATCH', url, {
        body: { notificationUrl: current.notificationUrl, resource: current.resource, clientState: current.clientState ?? registration.clientState },
        headers: { 'if-match': current['@odata.etag'] ?? '*' },
        what: 'renew subscription',
      });
      return toRegistration(registration.entity, response.body, 'renew subscription');
    },
    async unsubscribe(registration: WebhookRegistration): Promise<void> {
      const url = `${client.apiRoot}/subscriptions('${encodeURIComponent(registration.id)}')`;
      try {
        await client.request('DELETE', url, { headers: { 'if-match': '*' }, what: 'delete subscription' });
      } catch (error) {
        if (error instanceof ConnectorError && error.kind === 'not_found') return;
        throw error;
      }
    },
  };
}

const Notification = z
  .object({
    subscriptionId: z.string(),
    clientState: z.string().nullable().optional(),
    expirationDateTime: z.string().optional(),
    resource: z.string(),
    changeType: z.enum(['created', 'updated', 'deleted', 'collection']),
    lastModifiedDateTime: z.string().optional(),
  })
  .passthrough();
const NotificationBody = z.object({ value: z.array(Notification) });

/** `api/v2.0/companies(cid)/customers(id)` → entity and id; `collection` changes give externalId `*` (poll instead). */
export function parseResource(resource: string): { entity: string; externalId: string | null } | null {
  const path = (resource.split('?')[0] ?? '').replace(/^\/+/, '');
  const match = /(?:^|\/)companies\(([^)]+)\)\/([A-Za-z]+)(?:\(([^)]+)\))?\/?$/.exec(path);
  if (!match) return null;
  const [, , collection = '', key] = match;
  const entity = RESOURCE_ENTITIES[collection] ?? collection;
  return { entity, externalId: key ? key.replace(/^'|'$/g, '') : null };
}

/** Reads an inbound BC webhook call: the validation handshake or change notifications. */
export function receiveBusinessCentralWebhook(call: InboundWebhook): WebhookReceipt {
  const token = call.query.validationToken;
  if (token !== undefined) return { kind: 'handshake', body: token };
  let body = call.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body.replace(/^\uFEFF/, ''));
    } catch {
      return { kind: 'rejected', reason: 'The body is not JSON' };
    }
  }
  const parsed = NotificationBody.safeParse(body);
  if (!parsed.success) return { kind: 'rejected', reason: `Not a Business Central notification: ${parsed.error.issues[0]?.message ?? 'invalid body'}` };
  const notifications: WebhookNotification[] = [];
  for (const n of parsed.data.value) {
    const target = parseResource(n.resource);
    if (!target) continue;
    if (n.changeType === 'collection') notifications.push({ entity: target.entity, externalId: '*', change: 'updated' });
    else if (target.externalId) notifications.push({ entity: target.entity, externalId: target.externalId, change: n.changeType });
  }
  const clientState = parsed.data.value.find((n) => n.clientState)?.clientState ?? undefined;
  return { kind: 'notifications', notifications, clientState };
}
