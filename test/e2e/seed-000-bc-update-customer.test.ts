import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBusinessCentralSimulator, type RunningBusinessCentralSimulator } from '../../src/connectors/business-central/index.js';
import { createHubRecord } from '../../src/hub/index.js';
import { startE2E, type E2E } from '../helpers/e2e.js';

/**
 * Seed 000 — Microsoft Dynamics 365 Update Customer FROM iPaaS: hub customer updates go to the linked
 * Business Central customer (update only). Customers are brought in and linked first by the
 * "Dynamics Customer Add/Update TO iPaaS" template; the FROM transfer is triggered by manual sync with
 * the hub (internal) id, as the article's ID Format says.
 */
describe('seed 000 — Business Central Update Customer FROM iPaaS', () => {
  let e: E2E;
  let bc: RunningBusinessCentralSimulator;
  let sub: string;
  const FROM = 'Microsoft Dynamics 365 Update Customer FROM iPaaS';

  /** A BC customer imported into the hub and linked; returns its number and hub id. */
  const linkedCustomer = async (email: string) => {
    const c = bc.data.insertCustomer({ name: 'Temp Name', email, countryCode: 'US', priceGroup: 'RETAIL', paymentTerms: '30 DAYS' });
    await e.engine.enqueueManual({ tenantId: e.tenantId, subscriptionId: sub, direction: 'TO_HUB', entity: 'customer', externalIds: [c.no] });
    await e.drain();
    const hubId = await e.hubIdOf(sub, 'Customer', c.no);
    expect(hubId).toBeTruthy();
    return { no: c.no, hubId: hubId as string };
  };
  const sendFromHub = async (hubId: string) => {
    await e.engine.enqueueManual({ tenantId: e.tenantId, subscriptionId: sub, direction: 'FROM_HUB', hubModel: 'Customer', hubIds: [hubId] });
    await e.drain();
    return e.lastTransfer({ subscriptionId: sub, hubId, direction: 'FROM_HUB' });
  };
  const janeDoe = (over: Record<string, unknown> = {}) => ({
    CustomerNumber: 'ignored-by-update',
    FirstName: 'Jane',
    LastName: 'Doe',
    EmailAddress: 'jane.doe@example.com',
    Addresses: [
      { Address1: '9 Dock Rd', City: 'Tacoma', Region: 'WA', PostalCode: '98402', Country: 'US', PhoneNumber: '+12535550199', IsPrimaryShipping: true, IsPrimaryBilling: false },
      { Address1: '1 Main St', City: 'Toronto', Region: 'ON', PostalCode: 'M5H 2N2', Country: 'CA', PhoneNumber: '+14165550100', IsPrimaryBilling: true },
    ],
    Categories: [{ Name: 'VIP' }, { Name: 'WHOLESALE' }],
    ...over,
  });

  beforeAll(async () => {
    e = await startE2E();
    bc = await startBusinessCentralSimulator({ records: 3, webhookDelayMs: 0 });
    const created = await e.subscribe('business-central', bc.subscriptionSettings);
    sub = created.id;
    expect(created.templates.map((t) => t.name)).toContain(FROM);
    const c = await e.collection(sub, FROM);
    expect(c).toMatchObject({ direction: 'FROM_HUB', syncType: 'UPDATE', children: [] });
  });

  afterAll(async () => {
    await e?.close();
    await bc?.close();
  });

  it('scenario 1: a valid update of an existing, linked customer updates every mapped field in Business Central', async () => {
    const { no, hubId } = await linkedCustomer('jane.before@example.com');
    // The hub's CustomerNumber differs from the BC number: `No` must come from the link, not be replaced.
    await e.updateHub(hubId, janeDoe());
    const t = await sendFromHub(hubId);
    expect(t).toMatchObject({ status: 'success', action: 'update', externalId: no });
    expect(bc.data.getCustomer(no)).toMatchObject({
      no, // No preserved
      name: 'Jane Doe',
      address: '1 Main St', // primary billing, not the shipping address
      city: 'Toronto',
      county: 'ON',
      postCode: 'M5H 2N2',
      countryCode: 'CA',
      phone: '+14165550100',
      email: 'jane.doe@example.com',
      priceGroup: 'VIP', // first category
      paymentTerms: '10 DAYS', // static
    });
  });

  it('scenario 2: missing email fails with an error naming the field; nothing is written; replay after the fix succeeds', async () => {
    const { no, hubId } = await linkedCustomer('keep.me@example.com');
    const hub = await e.hub(hubId);
    await e.updateHub(hubId, { ...janeDoe({ EmailAddress: null, FirstName: 'Nomail' }), CustomerNumber: hub.data.CustomerNumber });
    const t = await sendFromHub(hubId);
    expect(t.status).toBe('error');
    expect(t.errorField).toBe('EMail');
    expect(t.errorMessage).toContain('EMail is required');
    expect(t.errorMessage).toContain('EmailAddress');
    expect(bc.data.getCustomer(no)).toMatchObject({ email: 'keep.me@example.com', name: 'Temp Name' });

    await e.updateHub(hubId, { ...(await e.hub(hubId)).data, EmailAddress: 'fixed@example.com' });
    await e.engine.replay({ tenantId: e.tenantId, ids: [t.id] });
    await e.drain();
    expect((await e.transfers({ subscriptionId: sub, hubId })).find((x) => x.replayOf === t.id)?.status).toBe('success');
    expect(bc.data.getCustomer(no)).toMatchObject({ email: 'fixed@example.com', name: 'Nomail Doe' });
  });

  it('scenario 3: an invalid country code fails with Business Central’s error; nothing is written; replay after the fix succeeds', async () => {
    const { no, hubId } = await linkedCustomer('country@example.com');
    const hub = await e.hub(hubId);
    const bad = janeDoe({ EmailAddress: 'country@example.com' });
    (bad.Addresses as Array<Record<string, unknown>>)[1]!.Country = 'ZZ';
    await e.updateHub(hubId, { ...bad, CustomerNumber: hub.data.CustomerNumber });
    const t = await sendFromHub(hubId);
    expect(t.status).toBe('error');
    expect(t.errorMessage).toMatch(/Country\/Region/);
    expect(t.errorMessage).toContain('ZZ');
    expect(bc.data.getCustomer(no)).toMatchObject({ countryCode: 'US', name: 'Temp Name' });

    // Longer than 10 characters: rejected too.
    (bad.Addresses as Array<Record<string, unknown>>)[1]!.Country = 'UNITEDSTATES';
    await e.updateHub(hubId, { ...bad, CustomerNumber: hub.data.CustomerNumber });
    const long = await sendFromHub(hubId);
    expect(long.status).toBe('error');
    expect(long.errorMessage).toMatch(/too long|10 characters/);

    (bad.Addresses as Array<Record<string, unknown>>)[1]!.Country = 'DK';
    await e.updateHub(hubId, { ...bad, CustomerNumber: hub.data.CustomerNumber });
    await e.engine.replay({ tenantId: e.tenantId, ids: [t.id] });
    await e.drain();
    expect((await e.transfers({ subscriptionId: sub, hubId })).find((x) => x.replayOf === t.id)?.status).toBe('success');
    expect(bc.data.getCustomer(no)).toMatchObject({ countryCode: 'DK', name: 'Jane Doe' });
  });

  it('update only: a hub customer that is not linked to a Business Central customer is not created', async () => {
    const before = bc.data.customers().length;
    const unlinked = await createHubRecord(e.t.db, { tenantId: e.tenantId, model: 'Customer', data: janeDoe({ EmailAddress: 'unlinked@example.com' }) });
    const t = await sendFromHub(unlinked.id);
    expect(t.status).toBe('error');
    expect(t.errorCode).toBe('JCT_SYNC_NOT_LINKED');
    expect(t.errorMessage).toContain('nothing was created');
    expect(bc.data.customers()).toHaveLength(before);
    expect(bc.data.customers().some((c) => c.email === 'unlinked@example.com')).toBe(false);
  });
});
