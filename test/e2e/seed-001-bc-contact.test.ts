import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBusinessCentralSimulator, type RunningBusinessCentralSimulator } from '../../src/connectors/business-central/index.js';
import { startE2E, type E2E } from '../helpers/e2e.js';

/**
 * Seed 001 — Microsoft Dynamics 365 Add/Update Contact TO iPaaS.com: Business Central contacts of
 * Type Person and RecordType Contact become hub customers, by manual sync (Contact Id formats) and polling.
 */
describe('seed 001 — Business Central Add/Update Contact TO iPaaS', () => {
  let e: E2E;
  let bc: RunningBusinessCentralSimulator;
  let sub: string;
  const CONTACT = 'Dynamics Contact Add/Update TO iPaaS';
  const COMPANY = 'Dynamics Company Add/Update TO iPaaS';

  const person = (no: string, email: string, extra: Record<string, unknown> = {}) =>
    bc.data.insertContact({
      no,
      type: 'Person',
      displayName: 'Ada Lovelace',
      email,
      recordType: 'Contact',
      customerType: 'Retail',
      webUserRole: 'Buyer',
      activeWebUser: true,
      address: '12 St James Sq',
      city: 'London',
      county: 'LDN',
      countryCode: 'GB',
      postCode: 'SW1Y 4JH',
      phone: '+442071234567',
      ...extra,
    });
  const manual = async (externalIds: string[], collectionId?: string) => {
    await e.engine.enqueueManual({ tenantId: e.tenantId, subscriptionId: sub, direction: 'TO_HUB', entity: 'contact', externalIds, ...(collectionId ? { collectionId } : {}) });
    await e.drain();
  };

  beforeAll(async () => {
    e = await startE2E();
    bc = await startBusinessCentralSimulator({ records: 3, webhookDelayMs: 0 });
    sub = (await e.subscribe('business-central', bc.subscriptionSettings)).id;
    expect(await e.collection(sub, CONTACT)).toMatchObject({ filter: 'Type == "Person" && RecordType == "Contact"', externalIdFormat: '{{Id}}|contact', syncType: 'ADD_UPDATE' });
  });

  afterAll(async () => {
    await e?.close();
    await bc?.close();
  });

  it('scenario 1: a valid contact is transferred as a Customer with its custom fields', async () => {
    const c = person('CT900001', 'ada@example.com');
    await manual([`${c.id}|contact`]);
    const hubId = await e.hubIdOf(sub, 'Customer', `${c.id}|contact`);
    expect(hubId).toBeTruthy();
    const hub = await e.hub(hubId as string);
    expect(hub.data).toMatchObject({
      CustomerNumber: 'CT900001',
      FirstName: 'Ada',
      LastName: 'Lovelace',
      EmailAddress: 'ada@example.com',
      CustomFields: { 'Customer Type': 'Retail', 'Record Type': 'Contact', Role: 'Buyer', Active: true, 'iPaaS.com Company ID': '' },
    });
    // The same contact by its other webhook external-id format ({{customer_no}}|contact) updates, never duplicates.
    await manual(['CT900001|contact']);
    expect(await e.hubByField('Customer', 'EmailAddress', 'ada@example.com')).toHaveLength(1);
    // A company contact is not a Contact record: the filter skips it.
    const company = bc.data.insertContact({ no: 'CT900090', type: 'Company', displayName: 'Filtered Co', email: 'co@example.com' });
    await manual([`${company.id}|contact`]);
    const t = await e.lastTransfer({ subscriptionId: sub, externalId: `${company.id}|contact` });
    expect(t.status).toBe('filtered');
  });

  it('scenario 2: a duplicate contact (same email as an existing customer) is an error in the log; replay after the fix succeeds', async () => {
    person('CT900010', 'dup@example.com');
    await manual([`${bc.data.getContact('CT900010')!.id}|contact`]);
    const before = await e.hubByField('Customer', 'EmailAddress', 'dup@example.com');
    expect(before).toHaveLength(1);
    const second = person('CT900011', 'dup@example.com', { displayName: 'Ada Twin' });
    await manual([`${second.id}|contact`]);
    const t = await e.lastTransfer({ subscriptionId: sub, externalId: `${second.id}|contact` });
    expect(t.status).toBe('error');
    expect(t.errorCode).toBe('JCT_SYNC_DUPLICATE');
    expect(t.errorMessage).toContain('already exists');
    expect(await e.hubByField('Customer', 'EmailAddress', 'dup@example.com')).toHaveLength(1);
    expect(await e.hubIdOf(sub, 'Customer', `${second.id}|contact`)).toBeNull();

    bc.data.modifyContact(second.id, { email: 'twin@example.com' });
    await e.engine.replay({ tenantId: e.tenantId, ids: [t.id] });
    await e.drain();
    expect((await e.transfers({ subscriptionId: sub })).find((x) => x.replayOf === t.id)?.status).toBe('success');
    expect((await e.hubByField('Customer', 'EmailAddress', 'twin@example.com'))[0]?.data).toMatchObject({ CustomerNumber: 'CT900011', FirstName: 'Ada', LastName: 'Twin' });
  });

  it('scenario 3: a contact without an email fails with an error logged; nothing is created; replay after the fix succeeds', async () => {
    const c = person('CT900020', '');
    await manual([`${c.id}|contact`]);
    const t = await e.lastTransfer({ subscriptionId: sub, externalId: `${c.id}|contact` });
    expect(t.status).toBe('error');
    expect(t.errorField).toBe('EmailAddress');
    expect(t.errorMessage).toContain('EmailAddress is required');
    expect(t.errorMessage).toContain('EMail');
    expect(await e.hubIdOf(sub, 'Customer', `${c.id}|contact`)).toBeNull();
    expect(await e.hubByField('Customer', 'CustomerNumber', 'CT900020')).toHaveLength(0);

    bc.data.modifyContact(c.id, { email: 'found@example.com' });
    await e.engine.replay({ tenantId: e.tenantId, ids: [t.id] });
    await e.drain();
    const hubId = await e.hubIdOf(sub, 'Customer', `${c.id}|contact`);
    expect((await e.hub(hubId as string)).data).toMatchObject({ EmailAddress: 'found@example.com', CustomerNumber: 'CT900020' });
  });

  it('scenario 4: a contact with a linked company gets the company relationship; the company must exist in the hub first', async () => {
    const company = bc.data.insertContact({ no: 'CT900100', type: 'Company', displayName: 'Analytical Engines Ltd', email: 'info@engines.example.com' });
    const c = person('CT900101', 'ada@engines.example.com', { companyNo: 'CT900100' });
    // Company not yet in the hub: "Company Not Found".
    await manual([`${c.id}|contact`]);
    const t = await e.lastTransfer({ subscriptionId: sub, externalId: `${c.id}|contact` });
    expect(t.status).toBe('error');
    expect(t.errorMessage).toContain('Company CT900100 (CompanyID_Contact) was not found');
    expect(await e.hubIdOf(sub, 'Customer', `${c.id}|contact`)).toBeNull();

    // Sync the company first (Dynamics Company Add/Update TO iPaaS, linked by contact No.), then replay.
    const companyCollection = await e.collection(sub, COMPANY);
    await manual([`${company.id}|contact`], companyCollection.id);
    const companyHubId = await e.hubIdOf(sub, 'Company', 'CT900100');
    expect(companyHubId).toBeTruthy();
    expect((await e.hub(companyHubId as string)).data).toMatchObject({ Name: 'Analytical Engines Ltd', CompanyNumber: 'CT900100' });

    await e.engine.replay({ tenantId: e.tenantId, ids: [t.id] });
    await e.drain();
    const hubId = await e.hubIdOf(sub, 'Customer', `${c.id}|contact`);
    expect((await e.hub(hubId as string)).data).toMatchObject({
      CustomerNumber: 'CT900101',
      Company: 'Analytical Engines Ltd',
      CustomFields: { 'iPaaS.com Company ID': companyHubId },
    });
  });

  it('polling picks up new and changed contacts', async () => {
    await e.engine.pollNow(sub, 'contact');
    await e.drain();
    const c = person('CT900200', 'polled@example.com');
    await e.engine.pollNow(sub, 'contact');
    await e.drain();
    expect(await e.hubIdOf(sub, 'Customer', `${c.id}|contact`)).toBeTruthy();
  });
});
