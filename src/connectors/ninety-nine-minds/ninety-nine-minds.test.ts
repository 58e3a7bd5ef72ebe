import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Connector, InboundWebhook, WebhookReceipt } from '../types.js';
import {
  mapNinetyNineMindsError,
  ninetyNineMinds,
  startNinetyNineMindsSimulator,
  verifyNinetyNineMindsWebhookKey,
  type NinetyNineMindsJournalEntry,
  type RunningNinetyNineMindsSimulator,
} from './index.js';
import { allPages, connectorErrorOf, testContext } from '../testing.js';

function connectorFor(sim: RunningNinetyNineMindsSimulator, overrides: Record<string, unknown> = {}, gate = { n: 0 }): Connector {
  const { apiKey, webhookKey, ...settings } = sim.subscriptionSettings;
  const secrets = { apiKey: String(overrides.apiKey ?? apiKey), webhookKey: String(webhookKey) };
  return ninetyNineMinds.create(testContext({ ...settings, ...overrides }, { subscriptionId: 'sub-99', secrets, gateCalls: gate }));
}

async function faults(sim: RunningNinetyNineMindsSimulator, body: unknown): Promise<void> {
  const response = await fetch(`${sim.baseUrl}/__control/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status).toBe(200);
}

async function reset(sim: RunningNinetyNineMindsSimulator): Promise<void> {
  await fetch(`${sim.baseUrl}/__control/reset`, { method: 'POST' });
}

describe('99minds definition', () => {
  it('declares the settings, entities and a default throttle', () => {
    expect(ninetyNineMinds.system).toBe('ninety-nine-minds');
    expect(ninetyNineMinds.settings.map((s) => s.key)).toEqual(['apiUrl', 'apiKey', 'storeReferenceId', 'webhookKey', 'includeLoyalty', 'pageSize']);
    expect(ninetyNineMinds.settings.find((s) => s.key === 'apiKey')?.secret).toBe(true);
    const customer = ninetyNineMinds.entities.find((e) => e.name === 'customer');
    expect(customer).toMatchObject({ hubModel: 'Customer', idFormats: ['{{id}}'], emailField: 'email' });
    expect(customer?.capabilities).toMatchObject({ read: true, poll: true, create: true, update: true, webhook: true });
    expect(ninetyNineMinds.entities.find((e) => e.name === 'transaction')?.capabilities.read).toBe(true);
    expect(ninetyNineMinds.throttle.requests).toBeGreaterThan(0);
  });

  it('validates settings with zod', () => {
    const schema = ninetyNineMinds.settingsSchema;
    expect(schema.safeParse({ apiKey: 'k', storeReferenceId: 's' }).success).toBe(true);
    expect(schema.parse({ apiKey: 'k', storeReferenceId: 's' })).toMatchObject({ apiUrl: 'https://api.giftcard.99minds.io', includeLoyalty: true, pageSize: 100 });
    expect(schema.safeParse({ apiKey: '', storeReferenceId: 's' }).success).toBe(false);
    expect(schema.safeParse({ apiKey: 'k' }).success).toBe(false);
    expect(schema.safeParse({ apiKey: 'k', storeReferenceId: 's', apiUrl: 'not a url' }).success).toBe(false);
    expect(schema.safeParse({ apiKey: 'k', storeReferenceId: 's', pageSize: 1000 }).success).toBe(false);
  });
});

describe('99minds error mapping', () => {
  it('maps statuses and bodies to ConnectorError kinds and codes', () => {
    const now = Date.parse('2026-05-01T12:00:00Z');
    expect(mapNinetyNineMindsError(401, { code: 401, message: 'Invalid API key.' }, null, 'x', now)).toMatchObject({ kind: 'auth', code: 'NINETYNINE_AUTH' });
    expect(mapNinetyNineMindsError(403, { message: 'scope' }, null, 'x', now)).toMatchObject({ kind: 'permanent', code: 'NINETYNINE_FORBIDDEN' });
    expect(mapNinetyNineMindsError(404, undefined, null, 'x', now)).toMatchObject({ kind: 'not_found' });
    expect(mapNinetyNineMindsError(409, { errors: [{ field: 'email', message: 'taken' }] }, null, 'x', now)).toMatchObject({ kind: 'duplicate', field: 'email' });
    expect(mapNinetyNineMindsError(429, {}, 'Fri, 01 May 2026 12:00:30 GMT', 'x', now)).toMatchObject({ kind: 'rate_limited', retryAfterMs: 30_000 });
    expect(mapNinetyNineMindsError(429, {}, null, 'x', now)).toMatchObject({ kind: 'rate_limited', retryAfterMs: 1000 });
    expect(mapNinetyNineMindsError(429, { error_code: 'DAILY_LIMIT_EXCEEDED' }, '3600', 'x', now)).toMatchObject({ kind: 'quota', resetAt: '2026-05-01T13:00:00.000Z' });
    const validation = mapNinetyNineMindsError(422, { message: 'Validation failed', errors: [{ field: 'phone', message: 'bad phone' }] }, null, 'creating the customer', now);
    expect(validation).toMatchObject({ kind: 'permanent', code: 'NINETYNINE_VALIDATION', field: 'phone' });
    expect(validation.message).toBe('99minds rejected creating the customer (field "phone"): phone: bad phone. Phone must be numeric or international format, e.g. +1XXXXXXXXXX.');
    expect(mapNinetyNineMindsError(400, { message: 'Bad request' }, null, 'x', now)).toMatchObject({ kind: 'permanent', field: undefined });
    expect(mapNinetyNineMindsError(502, 'gateway', null, 'x', now)).toMatchObject({ kind: 'transient', status: 502 });
    expect(mapNinetyNineMindsError(418, {}, null, 'x', now)).toMatchObject({ kind: 'permanent', code: 'NINETYNINE_HTTP_ERROR' });
  });
});

describe('99minds connector against the simulator', () => {
  let sim: RunningNinetyNineMindsSimulator;
  beforeAll(async () => {
    sim = await startNinetyNineMindsSimulator({ records: 30, seed: 3, rateLimit: { requests: 10_000, windowSeconds: 1 } });
  });
  afterAll(async () => sim.close());
  afterEach(async () => reset(sim));

  it('hands out subscription settings the settings schema accepts', () => {
    expect(ninetyNineMinds.settingsSchema.safeParse(sim.subscriptionSettings).success).toBe(true);
    expect(sim.connectionInfo).toMatchObject({ baseUrl: sim.baseUrl, apiKey: sim.apiKey });
  });

  it('testConnection reports settings and API access', async () => {
    const checks = await connectorFor(sim).testConnection();
    expect(checks.map((c) => [c.name, c.ok])).toEqual([
      ['settings', true],
      ['customers', true],
    ]);
    expect(checks[1]?.message).toContain('30 customers');
    const bad = await connectorFor(sim, { apiKey: 'wrong' }).testConnection();
    expect(bad[1]).toMatchObject({ name: 'customers', ok: false });
    expect(bad[1]?.message).toContain('API Secret Key');
    const invalid = await ninetyNineMinds
      .create(testContext({ apiUrl: sim.baseUrl }, { subscriptionId: 's' }))
      .testConnection();
    expect(invalid).toEqual([{ name: 'settings', ok: false, message: expect.stringContaining('apiKey') }]);
  });

  it('maps a wrong or revoked API key to kind auth', async () => {
    const error = await connectorErrorOf(connectorFor(sim, { apiKey: 'sk_wrong' }).list('customer', {}));
    expect(error).toMatchObject({ kind: 'auth', code: 'NINETYNINE_AUTH', status: 401 });
    await faults(sim, { revokeTokens: true });
    expect((await connectorErrorOf(connectorFor(sim).get('customer', 'customer_x'))).kind).toBe('auth');
  });

  it('reads a customer with the fields seed 003 maps, loyalty card, balance and journal', async () => {
    const c = connectorFor(sim);
    const [first] = sim.data.listCustomers();
    const id = (first as { id: string }).id;
    sim.data.addTransaction(id, { amount: 40, transaction_type: 'EARN', client_order_id: 'ORD-9' });
    sim.data.addTransaction(id, { amount: 15, transaction_type: 'REDEMPTION' });
    const record = await c.get('customer', id);
    expect(record).not.toBeNull();
    const data = record?.data ?? {};
    expect(record?.id).toMatch(/^customer_[0-9a-f]{18}$/);
    expect(record?.modifiedAt).toBe(sim.data.getCustomer(id)?.updated_at);
    for (const field of ['id', 'name', 'first_name', 'last_name', 'email', 'phone', 'company_name', 'notes', 'client_customer_id', 'customer_number']) {
      expect(data).toHaveProperty(field);
    }
    expect(data.point_balance).toBe(sim.data.loyaltyCardOf(id)?.point_balance);
    expect(data.loyalty_card_id).toBe(sim.data.loyaltyCardOf(id)?.id);
    const journal = data.points_transactions as NinetyNineMindsJournalEntry[];
    expect(journal.length).toBe(sim.data.transactionsOf(id).length);
    expect(journal.at(-1)).toMatchObject({ amount: 15, transaction_type: 'REDEMPTION' });
    expect(journal.every((t) => typeof t.amount === 'number' && typeof t.id === 'string' && typeof t.transaction_date === 'string')).toBe(true);
    expect(await c.get('customer', 'customer_000000000000000000')).toBeNull();
  });

  it('derives first_name/last_name from name when 99minds only has a name', async () => {
    const created = sim.data.insertCustomer({ name: 'Ada King Lovelace', email: 'ada@example.com' });
    const record = await connectorFor(sim, { includeLoyalty: false }).get('customer', created.id);
    expect(record?.data).toMatchObject({ first_name: 'Ada', last_name: 'King Lovelace', name: 'Ada King Lovelace' });
    expect(record?.data).not.toHaveProperty('point_balance');
  });

  it('passes every request through ctx.gate', async () => {
    const gate = { n: 0 };
    const before = sim.simulator.stats.apiRequests;
    const c = connectorFor(sim, {}, gate);
    await c.list('customer', { pageSize: 5 });
    await c.get('customer', sim.data.listCustomers()[0]?.id ?? '');
    await c.findBy('customer', 'email', 'nobody@example.com');
    expect(gate.n).toBe(sim.simulator.stats.apiRequests - before);
    // list: 1 + 2 loyalty calls per customer; get: 1 + 2; findBy with no match: 1
    expect(gate.n).toBe(1 + 5 * 2 + 3 + 1);
  });

  it('finds customers by email (case-insensitive) and rejects unsupported lookups', async () => {
    const target = sim.data.listCustomers()[4] as { id: string; email: string };
    const c = connectorFor(sim, { includeLoyalty: false });
    const found = await c.findBy('customer', 'email', target.email.toUpperCase());
    expect(found.map((r) => r.id)).toEqual([target.id]);
    expect(await c.findBy('customer', 'email', 'nobody@example.com')).toEqual([]);
    expect((await connectorErrorOf(c.findBy('customer', 'favourite_colour', 'red'))).code).toBe('NINETYNINE_UNSUPPORTED');
  });

  it('polls customers changed at or after since, oldest first, without skipping records that change mid-poll', async () => {
    const c = connectorFor(sim, { includeLoyalty: false });
    const since = new Date(Date.now() + 1000).toISOString();
    await new Promise((r) => setTimeout(r, 1100));
    const customers = sim.data.listCustomers();
    const changed = [customers[3], customers[1], customers[7], customers[5], customers[9]].map((x) => (x as { id: string }).id);
    for (const id of changed) sim.data.updateCustomer(id, { notes: `changed ${id}` });
    const seen: string[] = [];
    let cursor: string | undefined;
    let first = true;
    do {
      const page = await c.poll('customer', { since, cursor, pageSize: 2 });
      seen.push(...page.records.map((r) => r.id));
      for (let i = 1; i < page.records.length; i++) {
        expect(Date.parse(page.records[i]?.modifiedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(page.records[i - 1]?.modifiedAt ?? ''));
      }
      if (first) {
        // a record already returned changes again while we page: it comes back at the end, nothing is skipped
        sim.data.updateCustomer(changed[0] as string, { notes: 'changed again' });
        first = false;
      }
      cursor = page.next;
    } while (cursor);
    expect(seen.slice(0, 5)).toEqual(changed);
    expect(seen.slice(5)).toEqual([changed[0]]);
    // a loyalty transaction touches the customer, so polling picks up the new balance
    const later = new Date(Date.now() + 5).toISOString();
    await new Promise((r) => setTimeout(r, 10));
    sim.data.addTransaction(changed[2] as string, { amount: 7 });
    const withLoyalty = await connectorFor(sim).poll('customer', { since: later });
    expect(withLoyalty.records.map((r) => r.id)).toEqual([changed[2]]);
    expect(withLoyalty.records[0]?.data.point_balance).toBe(sim.data.loyaltyCardOf(changed[2] as string)?.point_balance);
  });

  it('creates a customer (with a zero-balance loyalty card) and updates it without duplicating', async () => {
    const c = connectorFor(sim);
    const created = await c.create('customer', { first_name: 'Jane', last_name: 'Doe', email: 'jane.new@example.com', phone: '+15551234567', client_customer_id: 'HUB-1', point_balance: 999 });
    expect(created.id).toMatch(/^customer_/);
    expect(created.data).toMatchObject({ name: 'Jane Doe', email: 'jane.new@example.com', store_reference_id: sim.subscriptionSettings.storeReferenceId });
    expect(sim.data.loyaltyCardOf(created.id)?.point_balance).toBe(0);
    const count = sim.data.countCustomers();
    const updated = await c.update('customer', created.id, { last_name: 'Smith', company_name: 'Contoso', notes: 'VIP' });
    expect(updated.id).toBe(created.id);
    expect(sim.data.countCustomers()).toBe(count);
    expect(sim.data.getCustomer(created.id)).toMatchObject({ name: 'Jane Smith', last_name: 'Smith', email: 'jane.new@example.com', company_name: 'Contoso', notes: 'VIP' });
    expect(Date.parse(updated.modifiedAt ?? '')).toBeGreaterThan(Date.parse(created.modifiedAt ?? ''));
    expect((await connectorErrorOf(c.update('customer', 'customer_000000000000000000', { notes: 'x' }))).kind).toBe('not_found');
    const dup = await connectorErrorOf(c.create('customer', { first_name: 'J', last_name: 'D', email: 'JANE.NEW@example.com' }));
    expect(dup).toMatchObject({ kind: 'duplicate', field: 'email', status: 409 });
    expect((await connectorErrorOf(c.delete('customer', created.id))).code).toBe('NINETYNINE_UNSUPPORTED');
  });

  it('maps validation errors to permanent with the field and an actionable message', async () => {
    const c = connectorFor(sim);
    const phone = await connectorErrorOf(c.create('customer', { first_name: 'A', last_name: 'B', email: 'ab@example.com', phone: '555-1234' }));
    expect(phone).toMatchObject({ kind: 'permanent', code: 'NINETYNINE_VALIDATION', field: 'phone', status: 422 });
    expect(phone.message).toContain('+1XXXXXXXXXX');
    expect(phone.retryable).toBe(false);
    const email = await connectorErrorOf(c.create('customer', { first_name: 'A', last_name: 'B', phone: '+15551234567' }));
    expect(email).toMatchObject({ kind: 'permanent', field: 'email' });
    expect(email.message).toContain('Email is required');
    expect(email.message).toContain('EmailAddress');
    const name = await connectorErrorOf(c.create('customer', { email: 'noname@example.com' }));
    expect(name).toMatchObject({ kind: 'permanent', field: 'name' });
    const store = await connectorErrorOf(connectorFor(sim, { storeReferenceId: 'store_other' }).create('customer', { first_name: 'A', last_name: 'B', email: 'st@example.com' }));
    expect(store).toMatchObject({ kind: 'permanent', field: 'store_reference_id' });
    expect(store.message).toContain('Store Reference ID');
  });

  it('maps 429 to rate_limited with Retry-After, the daily limit to quota, 5xx and network errors to transient', async () => {
    const c = connectorFor(sim, { includeLoyalty: false });
    await faults(sim, { throttle: { everyNth: 1, retryAfterSeconds: 2, count: 1 } });
    const throttled = await connectorErrorOf(c.list('customer', {}));
    expect(throttled).toMatchObject({ kind: 'rate_limited', code: 'NINETYNINE_RATE_LIMITED', status: 429, retryAfterMs: 2000 });
    expect(throttled.retryable).toBe(true);
    await faults(sim, { fail5xxNext: 1 });
    expect(await connectorErrorOf(c.list('customer', {}))).toMatchObject({ kind: 'transient', status: 503 });
    expect((await c.list('customer', {})).records.length).toBeGreaterThan(0);
    await faults(sim, { dailyLimit: 0 });
    const quota = await connectorErrorOf(c.list('customer', {}));
    expect(quota).toMatchObject({ kind: 'quota', code: 'NINETYNINE_DAILY_LIMIT' });
    expect(Date.parse(quota.resetAt ?? '')).toBeGreaterThan(Date.now());
    const offline = ninetyNineMinds.create(testContext({ apiUrl: 'http://127.0.0.1:9', storeReferenceId: 's' }, { subscriptionId: 's', secrets: { apiKey: 'k' } }));
    expect(await connectorErrorOf(offline.list('customer', {}))).toMatchObject({ kind: 'transient', code: 'NINETYNINE_NETWORK' });
  });

  it('reads the transaction journal as its own entity', async () => {
    const c = connectorFor(sim);
    const customer = sim.data.listCustomers()[2] as { id: string };
    const tx = sim.data.addTransaction(customer.id, { amount: 12.5, client_order_id: 'ORD-77' });
    const got = await c.get('transaction', tx.id);
    expect(got).toMatchObject({ id: tx.id, data: { amount: 12.5, transaction_type: 'EARN', customer_id: customer.id, client_order_id: 'ORD-77' } });
    expect((await c.findBy('transaction', 'customer_id', customer.id)).map((r) => r.id)).toContain(tx.id);
    expect((await c.findBy('transaction', 'client_order_id', 'ORD-77')).map((r) => r.id)).toEqual([tx.id]);
    const page = await c.list('transaction', { pageSize: 10 });
    expect(page.total).toBeGreaterThan(0);
    expect(await c.get('transaction', 'transaction_000000000000000000')).toBeNull();
  });
});

describe('99minds paging over 10k customers', () => {
  it('lists every customer exactly once', async () => {
    const sim = await startNinetyNineMindsSimulator({ records: 10_500, seed: 9 });
    try {
      const c = connectorFor(sim, { includeLoyalty: false });
      const pages = await allPages(c, 'customer', { pageSize: 250 });
      for (const page of pages) expect(page.total).toBe(10_500);
      const seen = new Set(pages.flatMap((page) => page.records.map((r) => r.id)));
      expect(pages).toHaveLength(42);
      expect(seen.size).toBe(10_500);
      // polling from the beginning of time walks the same set in updated_at order
      const polled = (await allPages(c, 'customer', { since: '2000-01-01T00:00:00Z', pageSize: 250 })).reduce((n, page) => n + page.records.length, 0);
      expect(polled).toBe(10_500);
    } finally {
      await sim.close();
    }
  });

  it('generates the same customers for the same seed', async () => {
    const a = await startNinetyNineMindsSimulator({ records: 20, seed: 5 });
    const b = await startNinetyNineMindsSimulator({ records: 20, seed: 5 });
    try {
      const strip = (list: Array<Record<string, unknown>>) => list.map(({ created_at: _c, updated_at: _u, ...rest }) => rest);
      expect(strip(a.data.listCustomers() as unknown as Array<Record<string, unknown>>)).toEqual(strip(b.data.listCustomers() as unknown as Array<Record<string, unknown>>));
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('99minds webhooks', () => {
  let sim: RunningNinetyNineMindsSimulator;
  let server: Server;
  let url: string;
  const receipts: WebhookReceipt[] = [];

  beforeAll(async () => {
    sim = await startNinetyNineMindsSimulator({ records: 3 });
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      req.on('end', () => {
        const headers: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v[0] : v;
        const call: InboundWebhook = { headers, query: {}, body: JSON.parse(text) };
        const receipt = ninetyNineMinds.receiveWebhook?.(call) ?? { kind: 'rejected', reason: 'none' };
        if (receipt.kind === 'notifications' && !verifyNinetyNineMindsWebhookKey(call, String(sim.subscriptionSettings.webhookKey))) throw new Error('bad key');
        receipts.push(receipt);
        res.writeHead(receipt.kind === 'rejected' ? 401 : 200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/99minds`;
    sim.data.registerWebhook(url);
  });
  afterAll(async () => {
    await sim.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  afterEach(() => {
    receipts.length = 0;
  });

  it('posts customer/created and customer/updated with the webhook key; the connector parses them', async () => {
    const c = connectorFor(sim);
    const created = await c.create('customer', { first_name: 'Web', last_name: 'Hook', email: 'webhook@example.com' });
    sim.data.updateCustomer(created.id, { notes: 'changed in 99minds' });
    await sim.data.flushWebhooks();
    expect(receipts).toEqual([
      { kind: 'notifications', notifications: [{ entity: 'customer', externalId: created.id, change: 'created' }], clientState: sim.subscriptionSettings.webhookKey },
      { kind: 'notifications', notifications: [{ entity: 'customer', externalId: created.id, change: 'updated' }], clientState: sim.subscriptionSettings.webhookKey },
    ]);
    sim.data.deleteCustomer(created.id);
    await sim.data.flushWebhooks();
    expect(receipts[2]).toMatchObject({ notifications: [{ change: 'deleted' }] });
  });

  it('honours the drop and duplicate faults', async () => {
    const id = sim.data.listCustomers()[0]?.id as string;
    await faults(sim, { webhooks: { drop: 1, duplicate: 1 } });
    sim.data.updateCustomer(id, { notes: 'dropped' });
    sim.data.updateCustomer(id, { notes: 'duplicated' });
    await sim.data.flushWebhooks();
    expect(receipts).toHaveLength(2);
    expect(sim.data.deliveries.slice(-3).map((d) => [d.outcome, d.duplicate])).toEqual(
      expect.arrayContaining([
        ['dropped', false],
        ['delivered', false],
        ['delivered', true],
      ]),
    );
  });

  it('registers webhook targets over /__control/webhooks too', async () => {
    const response = await fetch(`${sim.baseUrl}/__control/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url, key: sim.subscriptionSettings.webhookKey, events: ['customer/deleted'] }),
    });
    const { target } = (await response.json()) as { target: { id: string } };
    const id = sim.data.insertCustomer({ first_name: 'Del', last_name: 'Eted', email: 'del@example.com' }).id;
    sim.data.deleteCustomer(id);
    await sim.data.flushWebhooks();
    // created + deleted to the first target (in order), deleted to the second
    expect(receipts.map((r) => (r.kind === 'notifications' ? r.notifications[0]?.change : r.kind)).sort()).toEqual(['created', 'deleted', 'deleted']);
    expect((await fetch(`${sim.baseUrl}/__control/webhooks/${target.id}`, { method: 'DELETE' })).status).toBe(200);
    const bad = await fetch(`${sim.baseUrl}/__control/webhooks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"url":"nope"}' });
    expect(bad.status).toBe(422);
  });

  it('rejects calls without a key or with a body that is not a customer event', () => {
    const receive = ninetyNineMinds.receiveWebhook!;
    const body = { event: 'customer/updated', data: { id: 'customer_1' } };
    expect(receive({ headers: {}, query: {}, body }).kind).toBe('rejected');
    expect(receive({ headers: { 'X-99minds-Webhook-Key': 'k' }, query: {}, body: { event: 'order/paid', data: { id: 'x' } } }).kind).toBe('rejected');
    expect(receive({ headers: { 'x-99minds-webhook-key': 'k' }, query: {}, body: 'nope' }).kind).toBe('rejected');
    expect(receive({ headers: {}, query: { key: 'k' }, body })).toEqual({ kind: 'notifications', notifications: [{ entity: 'customer', externalId: 'customer_1', change: 'updated' }], clientState: 'k' });
    const call = { headers: { 'x-99minds-webhook-key': 'secret-key' }, query: {}, body };
    expect(verifyNinetyNineMindsWebhookKey(call, 'secret-key')).toBe(true);
    expect(verifyNinetyNineMindsWebhookKey(call, 'other-key!')).toBe(false);
    expect(verifyNinetyNineMindsWebhookKey({ headers: {}, query: {}, body }, 'secret-key')).toBe(false);
  });
});

describe('99minds simulator rate limit', () => {
  it('answers 429 with Retry-After when over its window quota', async () => {
    const sim = await startNinetyNineMindsSimulator({ records: 2, rateLimit: { requests: 3, windowSeconds: 30 } });
    try {
      const c = connectorFor(sim, { includeLoyalty: false });
      for (let i = 0; i < 3; i++) await c.list('customer', {});
      const error = await connectorErrorOf(c.list('customer', {}));
      expect(error.kind).toBe('rate_limited');
      expect(error.retryAfterMs).toBeGreaterThan(0);
      expect(error.retryAfterMs).toBeLessThanOrEqual(30_000);
    } finally {
      await sim.close();
    }
  });
});
