import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceSimulator, type RunningSalesforceSimulator } from '../../src/connectors/salesforce/index.js';
import { startE2E, type E2E } from '../helpers/e2e.js';

/**
 * Seed 004 — Add/Update Salesforce Contact TO iPaaS.com, against the Salesforce simulator, triggered
 * by polls (the article: change capture is poll based). Accounts are synced first (Account → Company).
 */
describe('seed 004 — Salesforce Contact Add/Update TO iPaaS', () => {
  let e: E2E;
  let sf: RunningSalesforceSimulator;
  let sub: string;
  let accountId: string;
  let companyHubId: string;
  const CONTACT = 'Add/Update Salesforce Contact TO iPaaS.com';

  const pollContacts = async () => {
    await e.engine.pollNow(sub, 'Contact');
    await e.drain();
  };
  const contact = (fields: Record<string, unknown>, options?: { createdDate?: string | Date; lastModifiedDate?: string | Date }) =>
    sf.data.insert('Contact', { LastName: 'Doe', ...fields }, options).Id;

  beforeAll(async () => {
    e = await startE2E();
    sf = await startSalesforceSimulator({ records: 0, accounts: 0 });
    const created = await e.subscribe('salesforce', sf.subscriptionSettings);
    sub = created.id;
    expect(created.templates.map((t) => t.name)).toEqual(expect.arrayContaining([CONTACT, 'Add/Update Salesforce Account TO iPaaS.com']));
    // Sync Accounts before Contacts: the Account becomes a hub Company linked by its Id.
    accountId = sf.data.insert('Account', { Name: 'Contoso Ltd', BillingCity: 'Seattle' }).Id;
    await e.engine.pollNow(sub, 'Account');
    await e.drain();
    companyHubId = (await e.hubIdOf(sub, 'Company', accountId)) as string;
    expect(companyHubId).toBeTruthy();
    expect((await e.hub(companyHubId)).data).toMatchObject({ Name: 'Contoso Ltd' });
  });

  afterAll(async () => {
    await e?.close();
    await sf?.close();
  });

  it('scenario 1: a new Contact with an Account, email and names becomes a Customer on the next poll (Contact Poll Days look-back)', async () => {
    const old = contact({ AccountId: accountId, Email: 'old.contact@example.com', FirstName: 'Old' }, { createdDate: new Date(Date.now() - 10 * 86_400_000), lastModifiedDate: new Date(Date.now() - 10 * 86_400_000) });
    const id = contact({ AccountId: accountId, Email: 'maria.garcia@example.com', FirstName: 'Maria', LastName: 'Garcia' });
    expect(await e.hubIdOf(sub, 'Customer', id)).toBeNull();
    await pollContacts();
    const hubId = await e.hubIdOf(sub, 'Customer', id);
    expect(hubId).toBeTruthy();
    expect((await e.hub(hubId as string)).data).toMatchObject({ CustomerNumber: id, EmailAddress: 'maria.garcia@example.com', FirstName: 'Maria', LastName: 'Garcia', Company: accountId });
    // Modified 10 days ago: outside the default 7 Contact Poll Days of the first poll.
    expect(await e.hubIdOf(sub, 'Customer', old)).toBeNull();
    expect((await e.lastTransfer({ subscriptionId: sub, externalId: id })).status).toBe('success');
  });

  it('scenario 2: the Customer is linked to the correct Company with a relationship of type Company', async () => {
    const created = new Date(Date.now() - 2 * 86_400_000);
    const id = contact({ AccountId: accountId, Email: 'rel@example.com', FirstName: 'Rel' }, { createdDate: created, lastModifiedDate: new Date() });
    await pollContacts();
    const customer = await e.hub((await e.hubIdOf(sub, 'Customer', id)) as string);
    const rels = customer.data.Relationships as Array<Record<string, unknown>>;
    expect(rels).toHaveLength(1);
    expect(rels[0]).toMatchObject({ Type: 'Company', RelatedToId: companyHubId });
    expect(Date.parse(String(rels[0]?.StartDate))).toBe(Date.parse(String(sf.data.get('Contact', id)?.CreatedDate).replace(/\+0000$/, 'Z')));
    expect(customer.data.Company).toBe(accountId);
  });

  it('scenario 3: an update of a mapped field (First Name, Email) propagates to the same Customer', async () => {
    const id = contact({ AccountId: accountId, Email: 'before@example.com', FirstName: 'Before' });
    await pollContacts();
    const hubId = (await e.hubIdOf(sub, 'Customer', id)) as string;
    sf.data.update('Contact', id, { FirstName: 'After', Email: 'after@example.com' }, { lastModifiedDate: new Date(Date.now() + 1000) });
    await pollContacts();
    expect(await e.hubIdOf(sub, 'Customer', id)).toBe(hubId);
    expect((await e.hub(hubId)).data).toMatchObject({ FirstName: 'After', EmailAddress: 'after@example.com', CustomerNumber: id });
    expect(await e.hubByField('Customer', 'EmailAddress', 'before@example.com')).toHaveLength(0);
  });

  it('scenario 4: a Contact with no Account is skipped by the filter and no Customer is created', async () => {
    const id = contact({ AccountId: null, Email: 'no.account@example.com', FirstName: 'Lonely' });
    await pollContacts();
    const t = await e.lastTransfer({ subscriptionId: sub, externalId: id });
    expect(t.status).toBe('filtered');
    expect(t.errorMessage).toContain('if(AccountId != null) return true; return false;');
    expect(await e.hubIdOf(sub, 'Customer', id)).toBeNull();
    expect(await e.hubByField('Customer', 'EmailAddress', 'no.account@example.com')).toHaveLength(0);
  });

  it('scenario 5: a Contact with no email is not created, the error log says why, and a replay after the fix creates it', async () => {
    const id = contact({ AccountId: accountId, Email: null, FirstName: 'NoMail' });
    await pollContacts();
    const t = await e.lastTransfer({ subscriptionId: sub, externalId: id });
    expect(t.status).toBe('error');
    expect(t.errorField).toBe('EmailAddress');
    expect(t.errorMessage).toContain('EmailAddress is required');
    expect(t.errorMessage).toContain('Email');
    expect(await e.hubIdOf(sub, 'Customer', id)).toBeNull();
    expect(await e.hubByField('Customer', 'CustomerNumber', id)).toHaveLength(0);

    sf.data.update('Contact', id, { Email: 'fixed@example.com' });
    await e.engine.replay({ tenantId: e.tenantId, ids: [t.id] });
    await e.drain();
    const replayed = (await e.transfers({ subscriptionId: sub, externalId: id })).find((x) => x.replayOf === t.id);
    expect(replayed?.status).toBe('success');
    const hubId = await e.hubIdOf(sub, 'Customer', id);
    expect((await e.hub(hubId as string)).data).toMatchObject({ EmailAddress: 'fixed@example.com', CustomerNumber: id });
  });

  it('scenario 6: the mailing address becomes the primary shipping address; an empty field leaves the value unchanged', async () => {
    const id = contact({
      AccountId: accountId,
      Email: 'mail.addr@example.com',
      MailingStreet: '500 Market St',
      MailingCity: 'San Francisco',
      MailingState: 'CA',
      MailingCountry: 'US',
      MailingPostalCode: '94105',
    });
    await pollContacts();
    const hubId = (await e.hubIdOf(sub, 'Customer', id)) as string;
    const addresses = (await e.hub(hubId)).data.Addresses as Array<Record<string, unknown>>;
    expect(addresses).toHaveLength(1);
    expect(addresses[0]).toMatchObject({ Address1: '500 Market St', City: 'San Francisco', Region: 'CA', Country: 'US', PostalCode: '94105', IsPrimaryShipping: true });

    sf.data.update('Contact', id, { MailingCity: null, MailingStreet: '501 Market St' }, { lastModifiedDate: new Date(Date.now() + 1000) });
    await pollContacts();
    const after = (await e.hub(hubId)).data.Addresses as Array<Record<string, unknown>>;
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ Address1: '501 Market St', City: 'San Francisco', IsPrimaryShipping: true });
  });

  it('scenario 7: two Contacts sharing an email link to one Customer instead of creating a duplicate', async () => {
    const first = contact({ AccountId: accountId, Email: 'shared@example.com', FirstName: 'One' });
    await pollContacts();
    const second = contact({ AccountId: accountId, Email: 'shared@example.com', FirstName: 'Two' }, { lastModifiedDate: new Date(Date.now() + 1000) });
    await pollContacts();
    const customers = await e.hubByField('Customer', 'EmailAddress', 'shared@example.com');
    expect(customers).toHaveLength(1);
    expect(await e.hubIdOf(sub, 'Customer', first)).toBe(customers[0]?.id);
    // The second Contact updated the existing Customer (links are one-to-one, so it is matched by email, not linked).
    const t = await e.lastTransfer({ subscriptionId: sub, externalId: second });
    expect(t).toMatchObject({ status: 'success', action: 'update-no-link', hubId: customers[0]?.id });
    expect(t.errorMessage).toContain('duplicate records may result');
    expect(customers[0]?.data).toMatchObject({ FirstName: 'Two', EmailAddress: 'shared@example.com' });
    expect((await e.collection(sub, CONTACT)).collision).toMatchObject({ method: 'UPDATE_AND_LINK', matchField: 'EmailAddress' });
  });

  it('scenario 8: Level Primary marks the Company relationship as primary; another level does not', async () => {
    const primary = contact({ AccountId: accountId, Email: 'primary@example.com', Level__c: 'Primary' });
    const secondary = contact({ AccountId: accountId, Email: 'secondary@example.com', Level__c: 'Secondary' });
    await pollContacts();
    const relOf = async (id: string) => ((await e.hub((await e.hubIdOf(sub, 'Customer', id)) as string)).data.Relationships as Array<Record<string, unknown>>)[0];
    expect(await relOf(primary)).toMatchObject({ Type: 'Company', RelatedToId: companyHubId, IsPrimary: true });
    expect(await relOf(secondary)).toMatchObject({ Type: 'Company', RelatedToId: companyHubId, IsPrimary: false });
  });
});
