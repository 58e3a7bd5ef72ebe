import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError, type Connector, type ExternalRecord } from '../types.js';
import { escapeSoqlString, nextMidnightUtc, pollWindowStart, salesforce, startSalesforceSimulator, type RunningSalesforceSimulator } from './index.js';
import { fromSalesforceError } from './errors.js';
import { allPages, connectorErrorOf, testContext } from '../testing.js';

const SECRET_KEYS = new Set(['clientSecret', 'privateKey']);

interface Harness {
  connector: Connector;
  gateCalls: () => number;
  warnings: string[];
}

function harness(settings: Record<string, string | number | boolean>, overrides: Record<string, string | number | boolean> = {}): Harness {
  const all = { ...settings, ...overrides };
  const plain: Record<string, unknown> = {};
  const secrets: Record<string, string> = {};
  for (const [key, value] of Object.entries(all)) {
    if (SECRET_KEYS.has(key)) secrets[key] = String(value);
    else plain[key] = value;
  }
  const gateCalls = { n: 0 };
  const warnings: string[] = [];
  const ctx = testContext(plain, { subscriptionId: 'sub-1', secrets, gateCalls, warnings });
  return { connector: salesforce.create(ctx), gateCalls: () => gateCalls.n, warnings };
}

describe('salesforce definition', () => {
  it('declares settings, entities and throttle', () => {
    expect(salesforce.system).toBe('salesforce');
    expect(salesforce.settings.map((s) => s.key)).toEqual(['loginUrl', 'clientId', 'clientSecret', 'grantType', 'username', 'privateKey', 'apiVersion', 'contactPollDays']);
    expect(salesforce.settings.find((s) => s.key === 'contactPollDays')).toMatchObject({ label: 'Contact Poll Days', default: 7 });
    expect(salesforce.settings.filter((s) => s.secret).map((s) => s.key)).toEqual(['clientSecret', 'privateKey']);
    const contact = salesforce.entities.find((e) => e.name === 'Contact');
    expect(contact).toMatchObject({ hubModel: 'Customer', idFormats: ['{{Id}}'], emailField: 'Email', capabilities: { read: true, poll: true, create: true, update: true } });
    expect(salesforce.entities.find((e) => e.name === 'Account')).toMatchObject({ hubModel: 'Company', capabilities: { read: true, poll: true, create: true, update: true } });
    expect(salesforce.throttle).toEqual({ requests: 100, perSeconds: 20, concurrency: 5 });
  });

  it('validates settings with defaults and per-flow requirements', () => {
    const parsed = salesforce.settingsSchema.parse({ loginUrl: 'https://acme.my.salesforce.com/', clientId: 'id', clientSecret: 's' });
    expect(parsed).toMatchObject({ loginUrl: 'https://acme.my.salesforce.com', grantType: 'client_credentials', apiVersion: '62.0', contactPollDays: 7 });
    expect(salesforce.settingsSchema.parse({ loginUrl: 'https://x.my.salesforce.com', clientId: 'id', clientSecret: 's', apiVersion: 'v61.0', contactPollDays: '14' })).toMatchObject({
      apiVersion: '61.0',
      contactPollDays: 14,
    });
    expect(salesforce.settingsSchema.safeParse({ loginUrl: 'https://x.my.salesforce.com', clientId: 'id' }).success).toBe(false);
    const jwt = salesforce.settingsSchema.safeParse({ loginUrl: 'https://login.salesforce.com', clientId: 'id', grantType: 'jwt_bearer', username: 'u@x.com' });
    expect(jwt.success).toBe(false);
    if (!jwt.success) expect(jwt.error.issues.map((i) => i.path[0])).toEqual(['privateKey']);
    expect(salesforce.settingsSchema.safeParse({ loginUrl: 'https://x.my.salesforce.com', clientId: 'id', clientSecret: 's', apiVersion: '62' }).success).toBe(false);
  });

  it('pollWindowStart applies Contact Poll Days when there is no cursor', () => {
    const now = new Date('2025-03-10T12:00:00.000Z');
    expect(pollWindowStart(undefined, {}, now)).toBe('2025-03-03T12:00:00.000Z');
    expect(pollWindowStart(undefined, { contactPollDays: 30 }, now)).toBe('2025-02-08T12:00:00.000Z');
    expect(pollWindowStart('', { contactPollDays: '2' }, now)).toBe('2025-03-08T12:00:00.000Z');
    expect(pollWindowStart('2025-03-09T08:00:00Z', { contactPollDays: 30 }, now)).toBe('2025-03-09T08:00:00.000Z');
  });

  it('escapes SOQL string literals and maps Salesforce error codes', () => {
    expect(escapeSoqlString("O'Brien \\ x\n' OR Name != '")).toBe("O\\'Brien \\\\ x\\n\\' OR Name != \\'");
    expect(fromSalesforceError({ errorCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access to this record' })).toMatchObject({ kind: 'transient', code: 'UNABLE_TO_LOCK_ROW' });
    expect(fromSalesforceError({ errorCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [LastName]' })).toMatchObject({ kind: 'permanent', field: 'LastName' });
    expect(fromSalesforceError({ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'ConcurrentPerOrgLongTxn Limit exceeded.' })).toMatchObject({ kind: 'rate_limited' });
    expect(fromSalesforceError({ errorCode: 'SOMETHING' }, { statusCode: 502, headers: {} })).toMatchObject({ kind: 'transient' });
    expect(nextMidnightUtc(new Date('2025-03-10T23:59:59Z'))).toBe('2025-03-11T00:00:00.000Z');
  });
});

describe('salesforce connector against the simulator', () => {
  let sim: RunningSalesforceSimulator;

  beforeAll(async () => {
    sim = await startSalesforceSimulator({ records: 10_000, accounts: 500, seed: 4 });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('testConnection checks auth, API version and both objects', async () => {
    const { connector } = harness(sim.subscriptionSettings);
    const checks = await connector.testConnection();
    expect(checks.map((c) => [c.name, c.ok])).toEqual([
      ['authentication', true],
      ['api version', true],
      ['Contact', true],
      ['Account', true],
    ]);
    expect(checks[2]?.message).toContain('10000 records');

    const wrong = await harness(sim.subscriptionSettings, { clientSecret: 'wrong' }).connector.testConnection();
    expect(wrong).toHaveLength(1);
    expect(wrong[0]).toMatchObject({ name: 'authentication', ok: false });
    expect(wrong[0]?.message).toContain('invalid client credentials');

    const version = await harness(sim.subscriptionSettings, { apiVersion: '40.0' }).connector.testConnection();
    expect(version.find((c) => c.name === 'api version')).toMatchObject({ ok: false });

    const invalid = await harness({ loginUrl: 'not a url', clientId: 'x' }).connector.testConnection();
    expect(invalid[0]).toMatchObject({ name: 'settings', ok: false });
  });

  it('signs in with the JWT bearer flow', async () => {
    const { connector } = harness(sim.subscriptionSettings, { grantType: 'jwt_bearer', username: sim.jwt.username, privateKey: sim.jwt.privateKey, clientSecret: '' });
    const checks = await connector.testConnection();
    expect(checks.every((c) => c.ok)).toBe(true);
    const page = await connector.list('Account', { pageSize: 200 });
    expect(page.records).toHaveLength(200);

    const wrongUser = harness(sim.subscriptionSettings, { grantType: 'jwt_bearer', username: 'nobody@example.com', privateKey: sim.jwt.privateKey });
    const error = await connectorErrorOf(wrongUser.connector.list('Account', {}));
    expect(error).toMatchObject({ kind: 'permanent', code: 'SALESFORCE_AUTH_FAILED' });
  });

  it('lists 10,000 contacts through nextRecordsUrl cursors, every request gated', async () => {
    const { connector, gateCalls } = harness(sim.subscriptionSettings);
    const before = sim.control.apiRequests();
    const pages = await allPages(connector, 'Contact', { pageSize: 2000 });
    for (const page of pages) expect(page.total).toBe(10_000);
    const ids = pages.flatMap((page) => page.records.map((r) => r.id));
    expect(pages).toHaveLength(5);
    expect(ids).toHaveLength(10_000);
    expect(new Set(ids).size).toBe(10_000);
    // token + describe + 5 query pages, all through the gate
    expect(gateCalls()).toBe(7);
    expect(sim.control.apiRequests() - before).toBe(6);
  });

  it('hands the sync engine the fields seed 004 reads', async () => {
    const { connector } = harness(sim.subscriptionSettings);
    const account = sim.data.all('Account')[3];
    const inserted = sim.data.insert('Contact', {
      FirstName: 'Grace',
      LastName: 'Hopper',
      Email: 'grace.hopper@example.com',
      AccountId: account?.Id,
      Level__c: 'Primary',
      Languages__c: 'English;Spanish',
      ContactTestCustomField__c: 'demo',
      MailingStreet: '1 Navy Way',
      MailingCity: 'Arlington',
      MailingState: 'VA',
      MailingCountry: 'US',
      MailingPostalCode: '22202',
    });
    const [found] = await connector.findBy('Contact', 'Email', 'Grace.Hopper@example.com');
    expect(found?.id).toBe(inserted.Id);
    const data = found?.data ?? {};
    for (const field of ['Id', 'FirstName', 'LastName', 'Email', 'AccountId', 'Level__c', 'CreatedDate', 'LastModifiedDate', 'MailingStreet', 'MailingCity', 'MailingState', 'MailingCountry', 'MailingPostalCode', 'Languages__c', 'ContactTestCustomField__c']) {
      expect(data, field).toHaveProperty(field);
    }
    expect(data).toMatchObject({ Level__c: 'Primary', Languages__c: 'English;Spanish', ContactTestCustomField__c: 'demo', MailingPostalCode: '22202', AccountId: account?.Id, Account: { Name: account?.Name } });
    expect(data.CreatedDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(found?.modifiedAt).toBe(data.LastModifiedDate);
    expect(data).not.toHaveProperty('attributes');

    const got = await connector.get('Contact', String(inserted.Id));
    expect(got?.data).toMatchObject({ Id: inserted.Id, Email: 'grace.hopper@example.com', Level__c: 'Primary', MailingCity: 'Arlington' });
    expect(await connector.get('Contact', '003Ux0000ZZZZZZ')).toBeNull();
    expect(await connectorErrorOf(connector.get('Contact', 'bogus'))).toMatchObject({ kind: 'permanent', code: 'MALFORMED_ID' });
  });

  it('findBy escapes literals (no SOQL injection)', async () => {
    const { connector } = harness(sim.subscriptionSettings);
    const quoted = sim.data.insert('Contact', { LastName: "D'Angelo", Email: "d'angelo@example.com" });
    const hits = await connector.findBy('Contact', 'Email', "d'angelo@example.com");
    expect(hits.map((h) => h.id)).toEqual([quoted.Id]);
    expect(await connector.findBy('Contact', 'Email', "x' OR Email != '")).toEqual([]);
    expect(await connectorErrorOf(connector.findBy('Contact', 'Email; DELETE', 'x'))).toMatchObject({ code: 'INVALID_FIELD' });
  });

  it('polls with the Contact Poll Days window when there is no cursor, oldest first', async () => {
    const poller = await startSalesforceSimulator({ records: 0, accounts: 1 });
    try {
      const now = Date.now();
      const day = 86_400_000;
      const old = poller.data.insert('Contact', { LastName: 'Old' }, { createdDate: new Date(now - 20 * day), lastModifiedDate: new Date(now - 10 * day) });
      const mid = poller.data.insert('Contact', { LastName: 'Mid' }, { createdDate: new Date(now - 6 * day), lastModifiedDate: new Date(now - 5 * day) });
      const fresh = poller.data.insert('Contact', { LastName: 'Fresh' }, { lastModifiedDate: new Date(now - day) });

      const { connector } = harness(poller.subscriptionSettings);
      const since = pollWindowStart(undefined, poller.subscriptionSettings);
      const page = await connector.poll('Contact', { since });
      expect(page.records.map((r) => r.id)).toEqual([mid.Id, fresh.Id]);
      expect(page.records.map((r) => r.id)).not.toContain(old.Id);

      const empty = await connector.poll('Contact', { since: '' });
      expect(empty.records.map((r) => r.id)).toEqual([mid.Id, fresh.Id]);

      const wide = harness(poller.subscriptionSettings, { contactPollDays: 14 });
      const widePage = await wide.connector.poll('Contact', { since: pollWindowStart(undefined, { contactPollDays: 14 }) });
      expect(widePage.records.map((r) => r.id)).toEqual([old.Id, mid.Id, fresh.Id]);

      // With a cursor (last high-water mark) the window no longer applies.
      const next = await connector.poll('Contact', { since: pollWindowStart(fresh.LastModifiedDate.replace('+0000', 'Z'), {}) });
      expect(next.records.map((r) => r.id)).toEqual([fresh.Id]);
    } finally {
      await poller.close();
    }
  });

  it('re-authenticates when the token expires mid-run and continues paging', async () => {
    const { connector, warnings } = harness(sim.subscriptionSettings);
    const issued = sim.control.tokensIssued();
    const first = await connector.list('Contact', { pageSize: 1000 });
    expect(first.records).toHaveLength(1000);
    sim.control.expireTokens();
    const second = await connector.list('Contact', { cursor: first.next, pageSize: 1000 });
    expect(second.records).toHaveLength(1000);
    expect(second.records[0]?.id).not.toBe(first.records[0]?.id);
    expect(sim.control.tokensIssued() - issued).toBe(2);
    expect(warnings.some((w) => w.includes('re-authenticating'))).toBe(true);
  });

  it('concurrent requests that hit an expired session share one re-authentication', async () => {
    const { connector } = harness(sim.subscriptionSettings);
    const ids = sim.data.all('Contact').slice(0, 6).map((c) => c.Id);
    await connector.get('Contact', ids[0] ?? '');
    const issued = sim.control.tokensIssued();
    sim.control.expireTokens();
    const records = await Promise.all(ids.map((id) => connector.get('Contact', id)));
    expect(records.map((r) => r?.id)).toEqual(ids);
    expect(sim.control.tokensIssued() - issued).toBe(1);
  });

  it('gives up with kind auth when a fresh session is rejected too', async () => {
    const shortLived = await startSalesforceSimulator({ records: 5, tokenLifetimeSeconds: 0 });
    try {
      const { connector } = harness(shortLived.subscriptionSettings);
      const error = await connectorErrorOf(connector.list('Contact', {}));
      expect(error).toMatchObject({ kind: 'auth', code: 'INVALID_SESSION_ID', status: 401 });
      expect(shortLived.control.tokensIssued()).toBe(2);
    } finally {
      await shortLived.close();
    }
  });

  it('maps 429, REQUEST_LIMIT_EXCEEDED and 503 without jsforce retrying on its own', async () => {
    const { connector } = harness(sim.subscriptionSettings);
    await connector.list('Account', {});
    await sim.control.faults({ throttle: { everyNth: 1, retryAfterSeconds: 7, count: 1 } });
    const throttled = await connectorErrorOf(connector.list('Account', {}));
    expect(throttled).toMatchObject({ kind: 'rate_limited', code: 'REQUEST_LIMIT_EXCEEDED', status: 429, retryAfterMs: 7000 });
    expect(throttled.retryable).toBe(true);

    await sim.control.faults({ dailyLimit: 0 });
    const quota = await connectorErrorOf(connector.list('Account', {}));
    expect(quota).toMatchObject({ kind: 'quota', code: 'REQUEST_LIMIT_EXCEEDED', status: 403, resetAt: nextMidnightUtc() });
    expect(quota.message).toContain('TotalRequests Limit exceeded.');
    await sim.control.faults({ dailyLimit: null });

    await sim.control.faults({ fail5xxNext: 1 });
    const down = await connectorErrorOf(connector.list('Account', {}));
    expect(down).toMatchObject({ kind: 'transient', code: 'SERVER_UNAVAILABLE', status: 503 });
    const ok = await connector.list('Account', { pageSize: 200 });
    expect(ok.records.length).toBe(200);
  });

  it('creates and updates through sObject collections with clear validation errors', async () => {
    const { connector } = harness(sim.subscriptionSettings);
    const account = sim.data.all('Account')[0];
    const created = await connector.create('Contact', { FirstName: 'Alan', LastName: 'Turing', Email: 'alan@example.com', AccountId: account?.Id, Languages__c: 'English', ContactTestCustomField__c: 'ctf' });
    expect(created.id).toMatch(/^003\w{15}$/);
    expect(created.data).toMatchObject({ Name: 'Alan Turing', Languages__c: 'English', ContactTestCustomField__c: 'ctf' });
    expect(sim.data.get('Contact', created.id)?.Email).toBe('alan@example.com');

    const updated = await connector.update('Contact', created.id, { Level__c: 'Secondary', ContactTestCustomField__c: 'changed' });
    expect(updated.data).toMatchObject({ Level__c: 'Secondary', ContactTestCustomField__c: 'changed', LastName: 'Turing' });

    const badEmail = await connectorErrorOf(connector.create('Contact', { LastName: 'X', Email: 'alan at example' }));
    expect(badEmail).toMatchObject({ kind: 'permanent', code: 'INVALID_EMAIL_ADDRESS', field: 'Email' });
    expect(badEmail.message).toContain('alan at example');

    const missing = await connectorErrorOf(connector.update('Contact', created.id, { LastName: '' }));
    expect(missing).toMatchObject({ kind: 'permanent', code: 'REQUIRED_FIELD_MISSING', field: 'LastName' });

    const gone = await connectorErrorOf(connector.update('Contact', '003Ux0000ZZZZZZ', { LastName: 'Y' }));
    expect(gone.kind).toBe('not_found');

    sim.control.setDuplicateRule('block');
    try {
      const duplicate = await connectorErrorOf(connector.create('Contact', { LastName: 'Copy', Email: 'ALAN@example.com' }));
      expect(duplicate).toMatchObject({ kind: 'duplicate', code: 'DUPLICATES_DETECTED' });
    } finally {
      sim.control.setDuplicateRule('off');
    }

    const account2 = await connector.create('Account', { Name: 'Junction Labs', BillingCity: 'Copenhagen' });
    expect(account2.id).toMatch(/^001/);
    expect((await connectorErrorOf(connector.create('Account', { BillingCity: 'Nowhere' }))).field).toBe('Name');
  });

  it('createMany sends 200 records per call and reports each row in order', async () => {
    const { connector } = harness(sim.subscriptionSettings);
    const routeCount = async () => {
      const stats = (await (await fetch(`${sim.baseUrl}/__control/stats`)).json()) as { byRoute: Record<string, number> };
      return stats.byRoute['POST /services/data/v62.0/composite/sobjects'] ?? 0;
    };
    const before = await routeCount();
    const rows = Array.from({ length: 450 }, (_, i) => ({ LastName: `Many ${i}`, Email: i % 100 === 5 ? 'nope' : `many.${i}@example.com`, Languages__c: i === 0 ? 'German' : null }));
    const results = await connector.createMany?.('Contact', rows);
    expect(results).toHaveLength(450);
    expect((await routeCount()) - before).toBe(3);
    const errors = (results ?? []).map((r, i) => (r instanceof ConnectorError ? i : -1)).filter((i) => i >= 0);
    expect(errors).toEqual([5, 105, 205, 305, 405]);
    const error = results?.[5];
    expect(error).toMatchObject({ code: 'INVALID_EMAIL_ADDRESS', field: 'Email' });
    const first = results?.[0] as ExternalRecord;
    expect(first.data).toMatchObject({ LastName: 'Many 0', Languages__c: 'German' });
    expect(sim.data.get('Contact', first.id)?.LastName).toBe('Many 0');
    const last = results?.[449] as ExternalRecord;
    expect(last.data.LastName).toBe('Many 449');
  });
});
