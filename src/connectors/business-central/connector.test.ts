import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError, type ConnectorContext, type ExternalRecord, type WebhookNotification } from '../types.js';
import { BusinessCentralConnector } from './connector.js';
import { businessCentral } from './definition.js';
import { BC_ERROR_CODES } from './errors.js';
import { startBusinessCentralSimulator, type RunningBusinessCentralSimulator } from './simulator/index.js';
import { needsRenewal } from './webhooks.js';
import { connectorErrorOf, listAll, testContext } from '../testing.js';

function context(settings: Record<string, string | number | boolean>, overrides: Record<string, unknown> = {}, warnings?: string[]): ConnectorContext {
  const { clientSecret, ...rest } = { ...settings, ...overrides };
  return testContext(rest, { subscriptionId: 'sub-bc-test', secrets: { clientSecret: String(clientSecret) }, warnings });
}

function connect(sim: RunningBusinessCentralSimulator, overrides: Record<string, unknown> = {}): BusinessCentralConnector {
  return businessCentral.create(context(sim.subscriptionSettings, overrides)) as BusinessCentralConnector;
}

describe('business-central connector against its simulator', () => {
  let sim: RunningBusinessCentralSimulator;
  let connector: BusinessCentralConnector;

  beforeAll(async () => {
    sim = await startBusinessCentralSimulator({ records: 60, seed: 7, webhookDelayMs: 60_000 });
    connector = connect(sim);
  });
  afterAll(async () => {
    await sim.close();
  });
  afterEach(async () => {
    await sim.setFaults({ throttle: null, fail5xxNext: 0, webhooks: { drop: 0, duplicate: 0 } });
  });

  it('gets a token through oauth4webapi from the token endpoint and caches it', async () => {
    const before = sim.tokensIssued();
    const token = await connector.auth.token();
    expect(token.length).toBeGreaterThan(20);
    expect(await connector.auth.token()).toBe(token);
    expect(sim.tokensIssued()).toBe(before + 1);
    expect(connector.auth.expiresAt).toBeGreaterThan(Date.now() + 50 * 60_000);
  });

  it('reports a wrong client secret as an auth error naming the setting', async () => {
    const bad = connect(sim, { clientSecret: 'wrong' });
    const error = await connectorErrorOf(bad.list('customer', {}));
    expect(error.kind).toBe('auth');
    expect(error.code).toBe(BC_ERROR_CODES.tokenRequestFailed);
    expect(error.field).toBe('clientSecret');
    expect(error.message).toMatch(/AADSTS7000215|invalid_client/);
  });

  it('re-authenticates when the token expires mid-run and the next call succeeds', async () => {
    const first = await connector.list('customer', { pageSize: 5 });
    expect(first.records).toHaveLength(5);
    const issued = sim.tokensIssued();
    sim.expireTokens();
    const second = await connector.list('customer', { pageSize: 5 });
    expect(second.records.map((r) => r.id)).toEqual(first.records.map((r) => r.id));
    expect(sim.tokensIssued()).toBe(issued + 1);
  });

  it('raises kind auth when a fresh token is rejected too', async () => {
    const shortLived = await startBusinessCentralSimulator({ records: 3, tokenLifetimeSeconds: 0 });
    try {
      const error = await connectorErrorOf(connect(shortLived).list('customer', {}));
      expect(error.kind).toBe('auth');
      expect(error.status).toBe(401);
      expect(shortLived.tokensIssued()).toBe(2);
    } finally {
      await shortLived.close();
    }
  });

  it('renews the token when less than five minutes are left', async () => {
    const brief = await startBusinessCentralSimulator({ records: 3, tokenLifetimeSeconds: 240 });
    try {
      const c = connect(brief);
      await c.list('customer', {}); // companies, customers, customer cards
      const afterFirst = brief.tokensIssued();
      await c.list('customer', {}); // customers, customer cards
      expect(brief.tokensIssued()).toBe(afterFirst + 2);
    } finally {
      await brief.close();
    }
  });

  it('polls by lastModifiedDateTime, oldest first', async () => {
    const since = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    const customers = sim.data.customers();
    const touched = [];
    for (const c of [customers[10], customers[3], customers[25]]) {
      touched.push(sim.data.modifyCustomer((c as { id: string }).id, { city: 'Seattle' }));
      await new Promise((r) => setTimeout(r, 3));
    }
    const page = await connector.poll('customer', { since });
    expect(page.records.map((r) => r.data.Id)).toEqual(touched.map((c) => c.id));
    expect(page.records.map((r) => [r.data.CustomerPriceGroup, r.data.PaymentTermsCode])).toEqual(touched.map((c) => [c.priceGroup, c.paymentTerms]));
    expect(page.records[0]?.etag).toBe(sim.data.etagOf(touched[0] as { version: number }));
    const times = page.records.map((r) => Date.parse(r.modifiedAt ?? ''));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const later = await connector.poll('customer', { since: new Date(Date.now() + 1000).toISOString() });
    expect(later.records).toHaveLength(0);
  });

  it('updates a customer with page 21 names (seed 000) and detects a stale etag', async () => {
    const customer = sim.data.customers()[5] as { no: string };
    const record = await connector.get('customer', customer.no);
    expect(record?.etag).toMatch(/^W\/"/);
    expect(record?.data).toMatchObject({ No: customer.no, CustomerPriceGroup: expect.any(String), PaymentTermsCode: expect.any(String) });
    const updated = await connector.update(
      'customer',
      customer.no,
      {
        No: customer.no,
        Name: 'Jane Doe',
        Address: '1 Main St',
        City: 'Toronto',
        County: 'ON',
        PostCode: 'M5H 2N2',
        PhoneNo: '+14165550100',
        CountryRegionCode: 'CA',
        EmailAddress: 'jane.doe@example.com',
        CustomerPriceGroup: 'WHOLESALE',
        PaymentTermsCode: '10 DAYS',
      },
      { etag: record?.etag },
    );
    expect(updated.etag).not.toBe(record?.etag);
    expect(updated.data).toMatchObject({ Name: 'Jane Doe', EMail: 'jane.doe@example.com', CountryRegionCode: 'CA', PaymentTermsCode: '10 DAYS' });
    expect(sim.data.getCustomer(customer.no)).toMatchObject({ name: 'Jane Doe', countryCode: 'CA', paymentTerms: '10 DAYS', priceGroup: 'WHOLESALE', email: 'jane.doe@example.com' });
    const conflict = await connectorErrorOf(connector.update('customer', customer.no, { Name: 'Second writer' }, { etag: record?.etag }));
    expect(conflict.kind).toBe('conflict');
    expect(conflict.code).toBe(BC_ERROR_CODES.conflict);
    expect(sim.data.getCustomer(customer.no)?.name).toBe('Jane Doe');
  });

  it('turns BC validation errors into permanent errors with field and an actionable message', async () => {
    const no = (sim.data.customers()[7] as { no: string }).no;
    const email = await connectorErrorOf(connector.update('customer', no, { EMail: 'not-an-email' }));
    expect(email).toMatchObject({ kind: 'permanent', code: BC_ERROR_CODES.invalidEmail, field: 'EMail' });
    expect(email.message).toContain("'not-an-email'");

    const country = await connectorErrorOf(connector.update('customer', no, { CountryRegionCode: 'XX' }));
    expect(country).toMatchObject({ kind: 'permanent', code: BC_ERROR_CODES.unknownCountry, field: 'CountryRegionCode' });
    expect(country.message).toContain("The Country/Region Code 'XX' does not exist. Create it in Business Central (Countries/Regions) or fix the mapping");

    const missingTerms = await connectorErrorOf(connector.update('customer', no, { PaymentTermsCode: '' }));
    expect(missingTerms).toMatchObject({ kind: 'permanent', code: BC_ERROR_CODES.missingValue, field: 'PaymentTermsCode' });
    expect(missingTerms.message).toMatch(/Payment Terms Code is required/);

    const unknownTerms = await connectorErrorOf(connector.update('customer', no, { PaymentTermsCode: 'NET 99' }));
    expect(unknownTerms).toMatchObject({ kind: 'permanent', code: BC_ERROR_CODES.unknownPaymentTerms, field: 'PaymentTermsCode' });
    expect(unknownTerms.message).toContain("The Payment Terms Code 'NET 99' does not exist. Create it in Business Central (Payment Terms)");

    const group = await connectorErrorOf(connector.update('customer', no, { CustomerPriceGroup: 'GOLD' }));
    expect(group).toMatchObject({ kind: 'permanent', code: BC_ERROR_CODES.unknownPriceGroup, field: 'CustomerPriceGroup' });

    const tooLong = await connectorErrorOf(connector.update('customer', no, { CountryRegionCode: 'UNITEDSTATES' }));
    expect(tooLong).toMatchObject({ kind: 'permanent', code: BC_ERROR_CODES.valueTooLong });

    const missing = await connectorErrorOf(connector.update('customer', '99999999', { Name: 'x' }));
    expect(missing.kind).toBe('not_found');
  });

  it('answers 429 with Retry-After as rate_limited with retryAfterMs', async () => {
    await sim.setFaults({ throttle: { everyNth: 1, retryAfterSeconds: 7, count: 1 } });
    const error = await connectorErrorOf(connector.list('customer', {}));
    expect(error).toMatchObject({ kind: 'rate_limited', code: BC_ERROR_CODES.rateLimited, status: 429, retryAfterMs: 7000 });
    expect((await connector.list('customer', {})).records.length).toBeGreaterThan(0);
  });

  it('rate-limits at BC quota with a BC error body', async () => {
    const limited = await startBusinessCentralSimulator({ records: 3, rateLimit: { requests: 3, windowSeconds: 300 } });
    try {
      const c = connect(limited);
      await c.list('customer', {}); // companies, customers, customer cards
      const error = await connectorErrorOf(c.list('customer', {}));
      expect(error.kind).toBe('rate_limited');
      expect(error.retryAfterMs).toBeGreaterThan(200_000);
      expect(error.message).toMatch(/Too many requests/);
    } finally {
      await limited.close();
    }
  });

  it('answers a 503 burst as transient, then recovers', async () => {
    await sim.setFaults({ fail5xxNext: 3 });
    for (let i = 0; i < 3; i += 1) {
      const error = await connectorErrorOf(connector.list('contact', {}));
      expect(error).toMatchObject({ kind: 'transient', status: 503 });
      expect(error.retryable).toBe(true);
    }
    expect((await connector.list('contact', {})).records.length).toBeGreaterThan(0);
  });

  it('hands the sync engine contacts with the fields the seed 001 mapping reads', async () => {
    const person = sim.data.contacts().find((c) => c.type === 'Person' && c.recordType === 'Contact');
    expect(person).toBeDefined();
    const byId = await connector.get('contact', `${person?.id}|contact`);
    const byNo = await connector.get('contact', `${person?.no}|contact`);
    const plain = await connector.get('contact', person?.no ?? '');
    expect(byId?.id).toBe(`${person?.id}|contact`);
    expect(byNo?.data).toEqual(byId?.data);
    expect(plain?.id).toBe(byId?.id);
    const data = byId?.data ?? {};
    for (const key of ['Type', 'RecordType', 'No', 'FirstName_Contact', 'LastName_Contact', 'EMail', 'CompanyName_Contact', 'CompanyID_Contact', 'WebUserRole_Contact', 'Customer Type', 'AdditionalProperties', 'Address', 'Address2', 'City', 'County', 'CountryRegionCode', 'PostCode', 'PhoneNo']) {
      expect(data, key).toHaveProperty([key]);
    }
    expect(data).toMatchObject({ Type: 'Person', RecordType: 'Contact', No: person?.no, EMail: person?.email, City: person?.city, CountryRegionCode: person?.countryCode });
    expect(`${String(data.FirstName_Contact)} ${String(data.LastName_Contact)}`).toBe(person?.displayName);
    expect(data.AdditionalProperties).toEqual({ Active_Web_User: person?.activeWebUser });
    expect(data.CompanyID_Contact).toBe(person?.companyNo);
    expect(data.CompanyName_Contact).toBe(person?.companyName);

    const all = await listAll(connector, 'contact', 25);
    expect(all).toHaveLength(60);
    expect(all.some((r) => r.data.Type === 'Company')).toBe(true);
    expect(all.some((r) => r.data.RecordType === 'Customer')).toBe(true);
  });

  it('creates and updates contacts', async () => {
    const created = await connector.create('contact', { Type: 'Person', FirstName_Contact: 'Ada', LastName_Contact: 'Lovelace', EMail: 'ada@example.com', City: 'London', CountryRegionCode: 'GB' });
    expect(created.data).toMatchObject({ FirstName_Contact: 'Ada', LastName_Contact: 'Lovelace', EMail: 'ada@example.com', Type: 'Person' });
    const updated = await connector.update('contact', created.id, { LastName_Contact: 'King', WebUserRole_Contact: 'Buyer', AdditionalProperties: { Active_Web_User: true } }, { etag: created.etag });
    expect(updated.data).toMatchObject({ FirstName_Contact: 'Ada', LastName_Contact: 'King', WebUserRole_Contact: 'Buyer', AdditionalProperties: { Active_Web_User: true } });
    const bad = await connectorErrorOf(connector.update('contact', created.id, { EMail: 'ada at example' }));
    expect(bad).toMatchObject({ kind: 'permanent', field: 'EMail' });
    const found = await connector.findBy('contact', 'EMail', 'ada@example.com');
    expect(found.map((r) => r.id)).toEqual([created.id]);
  });

  it('reads the code tables and the published pages', async () => {
    expect((await listAll(connector, 'customerPriceGroup')).map((r) => r.id)).toEqual(['EXPORT', 'RETAIL', 'VIP', 'WHOLESALE']);
    expect((await listAll(connector, 'location')).map((r) => r.id)).toContain('MAIN');
    const agents = await listAll(connector, 'shippingAgent');
    expect(agents.map((r) => r.id)).toContain('FEDEX');
    expect((await connector.get('shippingAgent', 'UPS'))?.data.Name).toBe('UPS Europe');
    expect((await connector.get('location', 'NOPE'))).toBeNull();
    const orders = await listAll(connector, 'salesOrder');
    expect(orders.length).toBeGreaterThan(0);
    const order = await connector.get('salesOrder', orders[0]?.id ?? '');
    expect(order?.data.No).toBe(orders[0]?.id);
    const lines = await listAll(connector, 'salesOrderLine');
    const line = await connector.get('salesOrderLine', lines[0]?.id ?? '');
    expect(line?.id).toBe(lines[0]?.id);
    const stock = await listAll(connector, 'itemByLocation');
    expect((await connector.get('itemByLocation', stock[0]?.id ?? ''))?.data).toEqual(stock[0]?.data);
    expect((await listAll(connector, 'item')).length).toBeGreaterThan(0);
    const companies = await listAll(connector, 'company');
    expect(companies.every((r) => r.data.Type === 'Company')).toBe(true);
  });

  it('creates many customers through $batch (100 per call), one result per row', async () => {
    const before = sim.stats.byRoute;
    const batchRoute = Object.keys(before).find((k) => k.endsWith('/$batch'));
    const batchesBefore = batchRoute ? (before[batchRoute] ?? 0) : 0;
    const rows = Array.from({ length: 150 }, (_, i) => ({ No: `B${1000 + i}`, Name: `Batch ${i}`, EMail: i === 42 ? 'broken@' : `batch${i}@example.com`, CountryRegionCode: 'US', PaymentTermsCode: '10 DAYS' }));
    const results = await connector.createMany('customer', rows);
    expect(results).toHaveLength(150);
    const failed = results.filter((r): r is ConnectorError => r instanceof ConnectorError);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ kind: 'permanent', field: 'EMail' });
    expect(results[42]).toBe(failed[0]);
    expect((results[0] as ExternalRecord).id).toBe('B1000');
    expect(sim.data.getCustomer('B1149')?.name).toBe('Batch 149');
    expect(sim.data.getCustomer('B1042')).toBeUndefined();
    const route = Object.keys(sim.stats.byRoute).find((k) => k.endsWith('/$batch')) as string;
    expect((sim.stats.byRoute[route] ?? 0) - batchesBefore).toBe(2);
  });

  it('sends every request through ctx.gate and shares the token between connector instances', async () => {
    let gated = 0;
    const ctx = context(sim.subscriptionSettings);
    const counting: ConnectorContext = { ...ctx, gate: (request) => ((gated += 1), request()) };
    const a = businessCentral.create(counting);
    await a.list('customer', {});
    const tokens = sim.tokensIssued();
    const requestsBefore = sim.stats.requests;
    const gatedBefore = gated;
    const b = businessCentral.create(counting);
    await b.list('contact', { pageSize: 3 });
    await b.get('customer', (sim.data.customers()[1] as { no: string }).no);
    expect(sim.tokensIssued()).toBe(tokens);
    expect(gated - gatedBefore).toBe(sim.stats.requests - requestsBefore);
  });

  it('keeps polling pages consistent when records change between pages', async () => {
    const since = new Date(Date.now() + 10).toISOString();
    await new Promise((r) => setTimeout(r, 15));
    const ids = sim.data.customers().slice(30, 35).map((c) => sim.data.modifyCustomer(c.id, { county: 'Poll' }).id);
    const seen: string[] = [];
    let page = await connector.poll('customer', { since, pageSize: 2 });
    seen.push(...page.records.map((r) => String(r.data.Id)));
    await new Promise((r) => setTimeout(r, 3));
    sim.data.modifyCustomer(ids[0] as string, { county: 'Poll again' });
    while (page.next) {
      page = await connector.poll('customer', { since, cursor: page.next, pageSize: 2 });
      seen.push(...page.records.map((r) => String(r.data.Id)));
    }
    expect(new Set(seen)).toEqual(new Set(ids));
    expect(seen[seen.length - 1]).toBe(ids[0]);
  });

  it('finds customers by email', async () => {
    const c = sim.data.customers()[12] as { email: string; no: string };
    const found = await connector.findBy('customer', 'EMail', c.email);
    expect(found.map((r) => r.id)).toEqual([c.no]);
  });
});

describe('paging', () => {
  it('lists 10,000 customers through @odata.nextLink, each once', async () => {
    const sim = await startBusinessCentralSimulator({ records: 10_000, seed: 3 });
    try {
      const connector = connect(sim);
      const records = await listAll(connector, 'customer');
      expect(records).toHaveLength(10_000);
      expect(records.every((r) => typeof r.data.PaymentTermsCode === 'string' && r.data.PaymentTermsCode !== '')).toBe(true);
      expect(new Set(records.map((r) => r.id)).size).toBe(10_000);
      expect(new Set(records.map((r) => r.data.Id)).size).toBe(10_000);
      expect(sim.stats.byRoute[Object.keys(sim.stats.byRoute).find((k) => k.endsWith('/customers')) as string]).toBe(100);
    } finally {
      await sim.close();
    }
  });
});

describe('degraded and bulk paths', () => {
  it('creates contacts through $batch and reads customers without a published Customer Card', async () => {
    const sim = await startBusinessCentralSimulator({ records: 8, unpublished: ['CustomerCard'] });
    try {
      const warnings: string[] = [];
      const connector = businessCentral.create(context(sim.subscriptionSettings, {}, warnings));
      const page = await connector.list('customer', {});
      expect(page.records).toHaveLength(8);
      expect(page.records[0]?.data.PaymentTermsCode).toBeUndefined();
      expect(warnings.join(' ')).toMatch(/CustomerCard \(Page 21\) is not published/);
      const results = await connector.createMany?.('contact', [
        { Type: 'Person', FirstName_Contact: 'Grace', LastName_Contact: 'Hopper', EMail: 'grace@example.com' },
        { Type: 'Person', FirstName_Contact: 'Bad', LastName_Contact: 'Country', EMail: 'bad@example.com', CountryRegionCode: 'ZZ' },
      ]);
      expect(results?.[0]).toMatchObject({ data: { FirstName_Contact: 'Grace', LastName_Contact: 'Hopper' } });
      expect(results?.[1]).toMatchObject({ kind: 'permanent', field: 'CountryRegionCode' });
      expect(sim.data.contacts().some((c) => c.email === 'grace@example.com')).toBe(true);
    } finally {
      await sim.close();
    }
  });
});

describe('testConnection', () => {
  it('names a web service that is not published', async () => {
    const sim = await startBusinessCentralSimulator({ records: 5, unpublished: ['ShippingAgents'] });
    try {
      const checks = await connect(sim).testConnection();
      const failing = checks.filter((c) => !c.ok);
      expect(failing).toHaveLength(1);
      expect(failing[0]?.message).toBe(
        "Web service 'ShippingAgents' (Page 428) is not published: in Business Central search 'Web Services', New, Object Type Page, Object ID 428, Service Name ShippingAgents, Publish.",
      );
      expect(checks.filter((c) => c.ok).map((c) => c.name)).toEqual(
        expect.arrayContaining(['Access token', 'Company', 'API v2.0 customers', 'API v2.0 contacts', 'Web service CustomerCard', 'Web service Itemsbylocation', 'Web service CustomerPriceGroups']),
      );
      sim.publish('ShippingAgents');
      expect((await connect(sim).testConnection()).every((c) => c.ok)).toBe(true);
    } finally {
      await sim.close();
    }
  });

  it('names a wrong company', async () => {
    const sim = await startBusinessCentralSimulator({ records: 2 });
    try {
      const checks = await connect(sim, { companyName: 'Cronus' }).testConnection();
      expect(checks.find((c) => c.name === 'Company')).toMatchObject({ ok: false, message: expect.stringContaining("Company 'Cronus' does not exist") });
    } finally {
      await sim.close();
    }
  });
});

describe('webhooks', () => {
  let sim: RunningBusinessCentralSimulator;
  let receiver: Server;
  let url: string;
  const handshakes: string[] = [];
  const received: Array<{ notifications: WebhookNotification[]; clientState?: string }> = [];

  beforeAll(async () => {
    sim = await startBusinessCentralSimulator({ records: 10, webhookDelayMs: 60_000 });
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const u = new URL(req.url ?? '/', 'http://x');
        const text = Buffer.concat(chunks).toString('utf8');
        const receipt = businessCentral.receiveWebhook?.({
          headers: {},
          query: Object.fromEntries(u.searchParams),
          body: text ? (JSON.parse(text) as unknown) : undefined,
        });
        if (receipt?.kind === 'handshake') {
          handshakes.push(receipt.body);
          res.writeHead(200, { 'content-type': 'text/plain' }).end(receipt.body);
        } else if (receipt?.kind === 'notifications') {
          received.push({ notifications: receipt.notifications, clientState: receipt.clientState });
          res.writeHead(202).end();
        } else res.writeHead(400).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const address = receiver.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hooks/bc`;
  });
  afterAll(async () => {
    await sim.close();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('subscribes with the validation handshake, receives notifications and renews before the 3-day expiry', async () => {
    const connector = connect(sim);
    const registration = await connector.webhooks.subscribe('customer', url, 'state-123');
    expect(handshakes).toHaveLength(1);
    expect(registration.clientState).toBe('state-123');
    const expires = Date.parse(registration.expiresAt ?? '');
    expect(expires - Date.now()).toBeGreaterThan(3 * 24 * 3600_000 - 60_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(3 * 24 * 3600_000);
    expect(sim.data.subscriptions()).toHaveLength(1);

    const customer = sim.data.customers()[2] as { id: string };
    sim.data.modifyCustomer(customer.id, { phone: '+15550000' });
    await sim.flushWebhooks();
    expect(received).toHaveLength(1);
    expect(received[0]).toEqual({ clientState: 'state-123', notifications: [{ entity: 'customer', externalId: customer.id, change: 'updated' }] });
    expect(await connector.get('customer', customer.id)).toMatchObject({ data: { PhoneNo: '+15550000' } });

    expect(needsRenewal(registration)).toBe(false);
    expect(needsRenewal(registration, Date.now() + 2.5 * 24 * 3600_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    const renewed = await connector.webhooks.renew(registration);
    expect(handshakes).toHaveLength(2);
    expect(renewed.id).toBe(registration.id);
    expect(Date.parse(renewed.expiresAt ?? '')).toBeGreaterThan(expires);

    // dropped and duplicated deliveries
    await sim.setFaults({ webhooks: { drop: 1 } });
    sim.data.modifyCustomer(customer.id, { phone: '+15550001' });
    await sim.flushWebhooks();
    expect(received).toHaveLength(1);
    await sim.setFaults({ webhooks: { duplicate: 1 } });
    sim.data.insertCustomer({ no: 'WH-1', name: 'Hook Ltd', email: 'hook@example.com' });
    await sim.flushWebhooks();
    expect(received).toHaveLength(3);
    expect(received[2]?.notifications[0]).toMatchObject({ entity: 'customer', change: 'created' });

    await connector.webhooks.unsubscribe(renewed);
    expect(sim.data.subscriptions()).toHaveLength(0);
  });

  it('refuses a subscription when the handshake fails and has no contact webhooks', async () => {
    const connector = connect(sim);
    const error = await connectorErrorOf(connector.webhooks.subscribe('customer', 'http://127.0.0.1:9/nothing', 's'));
    expect(error.kind).toBe('permanent');
    const contacts = await connectorErrorOf(connector.webhooks.subscribe('contact', url, 's'));
    expect(contacts.code).toBe(BC_ERROR_CODES.unsupported);
  });

  it('parses handshakes, collection notifications and rejects junk', () => {
    const receive = businessCentral.receiveWebhook;
    expect(receive?.({ headers: {}, query: { validationToken: 'abc' }, body: undefined })).toEqual({ kind: 'handshake', body: 'abc' });
    expect(
      receive?.({
        headers: {},
        query: {},
        body: {
          value: [
            { subscriptionId: 's', clientState: 'c', expirationDateTime: '2030-01-01T00:00:00Z', resource: '/api/v2.0/companies(b18a)/customers?$filter=lastModifiedDateTime%20gt%202030-01-01T00:00:00Z', changeType: 'collection', lastModifiedDateTime: '2030-01-01T00:00:00Z' },
            { subscriptionId: 's', clientState: 'c', resource: 'api/v2.0/companies(b18a)/customers(130b)', changeType: 'deleted' },
          ],
        },
      }),
    ).toEqual({ kind: 'notifications', clientState: 'c', notifications: [{ entity: 'customer', externalId: '*', change: 'updated' }, { entity: 'customer', externalId: '130b', change: 'deleted' }] });
    expect(receive?.({ headers: {}, query: {}, body: { hello: 1 } }).kind).toBe('rejected');
  });
});

describe('definition', () => {
  it('lists the settings of the How to Connect article and validates them', () => {
    expect(businessCentral.settings.map((s) => s.label)).toEqual(['Name', 'Version', 'Company Name', 'Tenant ID', 'Scope', 'Client Secret', 'Client ID', 'Grant Type', 'Environment', 'API URL', 'Token URL']);
    expect(businessCentral.settings.filter((s) => s.secret).map((s) => s.key)).toEqual(['clientSecret']);
    expect(businessCentral.throttle).toEqual({ requests: 6000, perSeconds: 300, concurrency: 5 });
    const ok = businessCentral.settingsSchema.safeParse({ name: 'n', version: 'v1.0', companyName: 'c', tenantId: 't', clientSecret: 's', clientId: 'i', environment: 'production' });
    expect(ok.success).toBe(true);
    const bad = businessCentral.settingsSchema.safeParse({ name: 'n', version: 'v1.0', companyName: 'c', tenantId: 't', clientSecret: 's', clientId: 'i', environment: 'e', grantType: 'password' });
    expect(bad.success).toBe(false);
    expect(businessCentral.entities.find((e) => e.name === 'contact')?.idFormats).toEqual(['{{Id}}|contact', '{{customer_no}}|contact', '{{Id}}', '{{customer_no}}']);
  });
});
