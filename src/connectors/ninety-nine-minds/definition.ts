import { timingSafeEqual } from 'node:crypto';
import type { ConnectorDefinition, EntityDefinition, InboundWebhook, WebhookReceipt } from '../types.js';
import { createNinetyNineMindsConnector } from './connector.js';
import { NINETY_NINE_MINDS_SETTINGS, NinetyNineMindsSettings } from './settings.js';
import { WEBHOOK_KEY_HEADER, WebhookEvent } from './wire.js';

const customer: EntityDefinition = {
  name: 'customer',
  hubModel: 'Customer',
  idFormats: ['{{id}}'],
  emailField: 'email',
  capabilities: { read: true, poll: true, create: true, update: true, delete: false, webhook: true, initialize: true },
};

const transaction: EntityDefinition = {
  name: 'transaction',
  hubModel: 'Transaction',
  idFormats: ['{{id}}'],
  capabilities: { read: true, poll: false, create: false, update: false, delete: false, webhook: false, initialize: true },
};

function header(call: InboundWebhook, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(call.headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** The webhook key a 99minds call carries (header `X-99minds-Webhook-Key`, or `?key=` on the target URL). */
export function webhookKeyOf(call: InboundWebhook): string | undefined {
  return header(call, WEBHOOK_KEY_HEADER) ?? call.query.key;
}

/** Constant-time check of a webhook call's key against the subscription's `webhookKey`. */
export function verifyNinetyNineMindsWebhookKey(call: InboundWebhook, expectedKey: string): boolean {
  const got = Buffer.from(webhookKeyOf(call) ?? '', 'utf8');
  const want = Buffer.from(expectedKey, 'utf8');
  return got.length === want.length && want.length > 0 && timingSafeEqual(got, want);
}

/**
 * Reads a 99minds customer webhook. 99minds has no signing that we know of: the target is configured
 * with a key that 99minds sends back on every call. The key is returned as `clientState`, which the
 * platform compares with the subscription's stored `webhookKey`; calls without a key are rejected.
 */
export function receiveNinetyNineMindsWebhook(call: InboundWebhook): WebhookReceipt {
  const key = webhookKeyOf(call);
  if (!key) return { kind: 'rejected', reason: `missing ${WEBHOOK_KEY_HEADER} header` };
  const events = Array.isArray(call.body) ? call.body : [call.body];
  const notifications = [];
  for (const raw of events) {
    const parsed = WebhookEvent.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { kind: 'rejected', reason: `not a 99minds customer event: ${issue?.path.join('.') || 'body'} ${issue?.message ?? ''}`.trim() };
    }
    const change = parsed.data.event.slice('customer/'.length) as 'created' | 'updated' | 'deleted';
    notifications.push({ entity: 'customer', externalId: parsed.data.data.id, change });
  }
  return { kind: 'notifications', notifications, clientState: key };
}

export const ninetyNineMinds: ConnectorDefinition = {
  system: 'ninety-nine-minds',
  displayName: '99minds',
  settings: NINETY_NINE_MINDS_SETTINGS,
  settingsSchema: NinetyNineMindsSettings,
  entities: [customer, transaction],
  throttle: { requests: 10, perSeconds: 1, concurrency: 4 },
  create: createNinetyNineMindsConnector,
  receiveWebhook: receiveNinetyNineMindsWebhook,
};
