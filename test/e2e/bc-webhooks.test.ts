import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBusinessCentralSimulator, type RunningBusinessCentralSimulator } from '../../src/connectors/business-central/index.js';
import { startE2E, type E2E } from '../helpers/e2e.js';

let e: E2E;
let bc: RunningBusinessCentralSimulator;
beforeAll(async () => {
  e = await startE2E();
  bc = await startBusinessCentralSimulator({ records: 3, seed: 5, webhookDelayMs: 50 });
  await e.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await bc.close();
  await e.close();
});

async function eventually<T>(check: () => Promise<T | null | undefined>, label: string, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Business Central webhooks through the REST API', () => {
  it('registers the webhook endpoint (validation handshake), then a change in Business Central reaches the hub', async () => {
    const sub = await e.subscribe('business-central', bc.subscriptionSettings);
    const base = `http://127.0.0.1:${(e.app.server.address() as AddressInfo).port}`;
    const registered = await e.call('POST', `/api/v1/subscriptions/${sub.id}/webhooks`, { publicBaseUrl: base });
    expect(registered.status).toBe(201);
    const items = registered.json.items as Array<{ entity: string; expiresAt?: string }>;
    expect(items.map((i) => i.entity)).toContain('customer');
    // Business Central subscriptions live three days.
    const expiresIn = Date.parse(items.find((i) => i.entity === 'customer')?.expiresAt ?? '') - Date.now();
    expect(expiresIn).toBeGreaterThan(2.9 * 24 * 3600_000);

    const customer = bc.data.insertCustomer({ name: 'Webhook Person', email: 'webhook.person@example.com', countryCode: 'US' });
    const hubId = await eventually(() => e.hubIdOf(sub.id, 'Customer', customer.no), 'the notified customer in the hub');
    const record = await e.hub(hubId);
    expect(record.data.EmailAddress).toBe('webhook.person@example.com');
    const transfer = await e.lastTransfer({ subscriptionId: sub.id, externalId: customer.no });
    expect(transfer.trigger).toBe('webhook');
  });
});
