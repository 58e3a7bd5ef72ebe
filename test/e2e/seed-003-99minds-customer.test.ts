import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNinetyNineMindsSimulator, type RunningNinetyNineMindsSimulator } from '../../src/connectors/ninety-nine-minds/index.js';
import { startE2E, type E2E } from '../helpers/e2e.js';

/**
 * Seed 003 — 99minds Customer Add/Update TO iPaaS.com: triggered by the 99minds customer webhooks
 * (created/updated) and by manual sync with the 99minds customer id.
 */
describe('seed 003 — 99minds Customer Add/Update TO iPaaS', () => {
  let e: E2E;
  let sim: RunningNinetyNineMindsSimulator;
  let sub: string;
  let targetId: string;

  const afterWebhooks = async () => {
    await sim.data.flushWebhooks();
    await e.drain();
  };

  beforeAll(async () => {
    e = await startE2E();
    sim = await startNinetyNineMindsSimulator({ records: 0 });
    const created = await e.subscribe('ninety-nine-minds', sim.subscriptionSettings);
    sub = created.id;
    expect(created.templates.map((t) => t.name)).toEqual(['Customer Add/Update From 99minds to iPaaS.com']);
    // Settings → Webhooks in 99minds: Junction's URL and the subscription's key.
    targetId = sim.data.registerWebhook(await e.webhookEndpoint(sub), { key: await e.clientStateOf(sub) }).id;
  });

  afterAll(async () => {
    await e?.close();
    await sim?.close();
  });

  it('scenario 1: a customer created in 99minds is created in the hub with its loyalty fields', async () => {
    const c = sim.data.insertCustomer({ first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', phone: '+15551234567', company_name: 'Analytical Engines', notes: 'VIP' });
    sim.data.addTransaction(c.id, { amount: 50, transaction_type: 'EARN', transaction_date: '2024-05-01T00:00:00Z' });
    await afterWebhooks();
    const hubId = await e.hubIdOf(sub, 'Customer', c.id);
    expect(hubId).toBeTruthy();
    const data = (await e.hub(hubId as string)).data;
    expect(data).toMatchObject({
      CustomerNumber: c.customer_number,
      FirstName: 'Ada',
      LastName: 'Lovelace',
      EmailAddress: 'ada@example.com',
      Company: 'Analytical Engines',
      Comment: 'VIP',
      CustomFields: { '99minds Loyalty Points Synced': true, '99minds Loyalty Points Balance': 50, '99minds Loyalty Card ID': sim.data.loyaltyCardOf(c.id)?.id },
    });
    expect(String((data.CustomFields as Record<string, unknown>)['99minds Transaction Journal'])).toContain('EARN 50');
    expect((await e.lastTransfer({ subscriptionId: sub, externalId: c.id })).trigger).toBe('webhook');
  });

  it('scenario 2: an update of an existing customer applies without creating a duplicate', async () => {
    const c = sim.data.insertCustomer({ first_name: 'Grace', last_name: 'Hopper', email: 'grace@example.com' });
    await afterWebhooks();
    const hubId = await e.hubIdOf(sub, 'Customer', c.id);
    sim.data.updateCustomer(c.id, { last_name: 'Brewster Hopper', notes: 'Admiral' });
    await afterWebhooks();
    expect(await e.hubIdOf(sub, 'Customer', c.id)).toBe(hubId);
    expect(await e.hubByField('Customer', 'EmailAddress', 'grace@example.com')).toHaveLength(1);
    expect((await e.hub(hubId as string)).data).toMatchObject({ FirstName: 'Grace', LastName: 'Brewster Hopper', Comment: 'Admiral' });
    // A manual sync of the same 99minds id updates the same customer too.
    await e.engine.enqueueManual({ tenantId: e.tenantId, subscriptionId: sub, direction: 'TO_HUB', entity: 'customer', externalIds: [c.id] });
    await e.drain();
    expect(await e.hubByField('Customer', 'EmailAddress', 'grace@example.com')).toHaveLength(1);
  });

  it('scenario 3: a customer without an email is not created and the error log says why; replay after the fix succeeds', async () => {
    sim.data.unregisterWebhook(targetId);
    const c = sim.data.insertCustomer({ first_name: 'No', last_name: 'Mail', email: null });
    await e.engine.enqueueManual({ tenantId: e.tenantId, subscriptionId: sub, direction: 'TO_HUB', entity: 'customer', externalIds: [c.id] });
    await e.drain();
    const t = await e.lastTransfer({ subscriptionId: sub, externalId: c.id });
    expect(t.status).toBe('error');
    expect(t.errorField).toBe('EmailAddress');
    expect(t.errorMessage).toContain('EmailAddress is required');
    expect(await e.hubIdOf(sub, 'Customer', c.id)).toBeNull();

    sim.data.updateCustomer(c.id, { email: 'no.mail@example.com' });
    await e.engine.replay({ tenantId: e.tenantId, ids: [t.id] });
    await e.drain();
    expect((await e.transfers({ subscriptionId: sub, externalId: c.id })).find((x) => x.replayOf === t.id)?.status).toBe('success');
    expect((await e.hub((await e.hubIdOf(sub, 'Customer', c.id)) as string)).data).toMatchObject({ EmailAddress: 'no.mail@example.com', FirstName: 'No', LastName: 'Mail' });
  });

  it('validations: missing names and a malformed phone are errors; the amount defaults to 0', async () => {
    const noName = sim.data.insertCustomer({ first_name: null, last_name: null, name: null, email: 'anon@example.com' });
    const badPhone = sim.data.insertCustomer({ first_name: 'Bad', last_name: 'Phone', email: 'bad.phone@example.com', phone: '555-CALL-NOW' });
    await e.engine.enqueueManual({ tenantId: e.tenantId, subscriptionId: sub, direction: 'TO_HUB', entity: 'customer', externalIds: [noName.id, badPhone.id] });
    await e.drain();
    const n = await e.lastTransfer({ subscriptionId: sub, externalId: noName.id });
    expect(n.status).toBe('error');
    expect(n.errorMessage).toContain('FirstName is required');
    const p = await e.lastTransfer({ subscriptionId: sub, externalId: badPhone.id });
    expect(p.status).toBe('error');
    expect(p.errorMessage).toContain('+1XXXXXXXXXX');
    const zero = sim.data.insertCustomer({ first_name: 'Zero', last_name: 'Points', email: 'zero@example.com' });
    await e.engine.enqueueManual({ tenantId: e.tenantId, subscriptionId: sub, direction: 'TO_HUB', entity: 'customer', externalIds: [zero.id] });
    await e.drain();
    const hub = await e.hub((await e.hubIdOf(sub, 'Customer', zero.id)) as string);
    expect((hub.data.CustomFields as Record<string, unknown>)['99minds Loyalty Points Balance']).toBe(0);
  });
});
