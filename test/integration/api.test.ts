import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend } from '../helpers/backend.js';
import { startTestApi, type TestApi } from '../helpers/api.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

describe(`REST API on ${backend}`, () => {
  it('answers health, metrics and the OpenAPI document without a key', async () => {
    expect((await api.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const metrics = await api.app.inject({ url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain('junction_http_requests_total');
    const docs = (await api.app.inject({ url: '/docs/json' })).json() as { paths: Record<string, unknown> };
    expect(Object.keys(docs.paths)).toContain('/api/v1/hub/{model}/records/{id}');
  });

  it('refuses requests without a valid API key', async () => {
    const response = await api.app.inject({ url: '/api/v1/hub/Customer/records' });
    expect(response.statusCode).toBe(401);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json().code).toBe('UNAUTHORIZED');
  });

  it('creates, reads, updates, lists and soft deletes hub records with versions', async () => {
    const created = await api.call('acme', 'POST', '/api/v1/hub/Customer/records', { data: { FirstName: 'Jane', EmailAddress: 'jane@example.com' } });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    const updated = await api.call('acme', 'PUT', `/api/v1/hub/Customer/records/${id}`, { data: { FirstName: 'Janet', EmailAddress: 'jane@example.com' }, version: 1 });
    expect(updated.json.version).toBe(2);
    const stale = await api.call('acme', 'PUT', `/api/v1/hub/Customer/records/${id}`, { data: { FirstName: 'Old' }, version: 1 });
    expect(stale.status).toBe(409);
    expect(stale.json.code).toBe('HUB_VERSION_CONFLICT');
    const list = await api.call('acme', 'GET', '/api/v1/hub/Customer/records?where=EmailAddress:JANE@example.com');
    expect((list.json.items as Array<{ id: string }>).map((r) => r.id)).toEqual([id]);
    const history = await api.call('acme', 'GET', `/api/v1/hub/Customer/records/${id}/history`);
    expect((history.json.items as unknown[]).length).toBe(2);
    const deleted = await api.call('acme', 'DELETE', `/api/v1/hub/Customer/records/${id}`);
    expect(deleted.json.version).toBe(3);
    expect((await api.call('acme', 'GET', `/api/v1/hub/Customer/records/${id}`)).status).toBe(404);
  });

  it("answers 404 for another tenant's record", async () => {
    const created = await api.call('acme', 'POST', '/api/v1/hub/Company/records', { data: { Name: 'Acme Inc' } });
    const other = await api.call('globex', 'GET', `/api/v1/hub/Company/records/${created.json.id}`);
    expect(other.status).toBe(404);
    expect(other.json.code).toBe('HUB_NOT_FOUND');
  });

  it('rejects bad input with problem+json naming the field, writing nothing', async () => {
    const before = await api.call('acme', 'GET', '/api/v1/hub/Customer/records?limit=500');
    const unknownField = await api.call('acme', 'POST', '/api/v1/hub/Customer/records', { data: { FirstName: 'X', Nickname: 'Y' } });
    expect(unknownField.status).toBe(400);
    expect(unknownField.json.field).toBe('data.Nickname');
    const wrongType = await api.call('acme', 'POST', '/api/v1/hub/Customer/records', { data: { FirstName: 5 } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json.field).toBe('data.FirstName');
    const unknownTop = await api.call('acme', 'POST', '/api/v1/hub/Customer/records', { data: {}, extra: true });
    expect(unknownTop.status).toBe(400);
    expect(unknownTop.json.field).toBe('body.extra');
    const malformed = await api.call('acme', 'POST', '/api/v1/hub/Customer/records', '{"data": {');
    expect(malformed.status).toBe(400);
    expect(malformed.json.code).toBe('MALFORMED_JSON');
    const huge = await api.call('acme', 'POST', '/api/v1/hub/Customer/records', { data: { Comment: 'x'.repeat(1_100_000) } });
    expect(huge.status).toBe(400);
    expect(huge.json.code).toBe('BODY_TOO_LARGE');
    const after = await api.call('acme', 'GET', '/api/v1/hub/Customer/records?limit=500');
    expect((after.json.items as unknown[]).length).toBe((before.json.items as unknown[]).length);
  });

  it('keeps subscription secrets write-only: stored sealed, never returned, kept when omitted', async () => {
    const secret = 'bc-client-secret-value-42';
    const settings = {
      name: 'BC', version: 'v1.0', companyName: 'CRONUS', tenantId: 'contoso.onmicrosoft.com', scope: 'https://api.businesscentral.dynamics.com/.default',
      clientSecret: secret, clientId: 'app-id', grantType: 'client_credentials', environment: 'sandbox', apiUrl: 'https://api.businesscentral.dynamics.com',
    };
    const created = await api.call('acme', 'POST', '/api/v1/subscriptions', { system: 'business-central', name: 'Business Central', settings });
    expect(created.status).toBe(201);
    expect(created.json.secretsSet).toEqual(['clientSecret']);
    const id = created.json.id as string;
    const patched = await api.call('acme', 'PATCH', `/api/v1/subscriptions/${id}`, { settings: { environment: 'production' } });
    expect(patched.json.secretsSet).toEqual(['clientSecret']);
    const listed = await api.call('acme', 'GET', '/api/v1/subscriptions');
    for (const body of [created.json, patched.json, listed.json, (await api.call('acme', 'GET', `/api/v1/subscriptions/${id}`)).json]) {
      expect(JSON.stringify(body)).not.toContain(secret);
    }
    const { rows } = await api.t.db.query<{ settings: unknown; secrets: string }>('SELECT settings, secrets FROM subscriptions WHERE id = $1', [id]);
    expect(JSON.stringify(rows[0])).not.toContain(secret);
    expect(api.vault.open(rows[0]?.secrets).clientSecret).toBe(secret);
    const invalid = await api.call('acme', 'POST', '/api/v1/subscriptions', { system: 'business-central', name: 'Broken', settings: { ...settings, tenantId: '' } });
    expect(invalid.status).toBe(400);
    expect(invalid.json.field).toBe('settings.tenantId');
  });

  it('links external ids both ways, unique both ways', async () => {
    const created = await api.call('acme', 'POST', '/api/v1/subscriptions', { system: 'test', name: 'System A', settings: { systemKey: 'api-test-a' } });
    expect(created.status).toBe(201);
    const subscriptionId = created.json.id as string;
    expect(JSON.stringify(created.json)).not.toContain('api-test-secret');
    const customer = await api.call('acme', 'POST', '/api/v1/hub/Customer/records', { data: { LastName: 'Linked' } });
    const other = await api.call('acme', 'POST', '/api/v1/hub/Customer/records', { data: { LastName: 'Other' } });
    const link = await api.call('acme', 'POST', `/api/v1/hub/Customer/records/${customer.json.id}/links`, { subscriptionId, externalId: 'EXT-1' });
    expect(link.status).toBe(201);
    const clash = await api.call('acme', 'POST', `/api/v1/hub/Customer/records/${other.json.id}/links`, { subscriptionId, externalId: 'EXT-1' });
    expect(clash.status).toBe(409);
    expect(clash.json.code).toBe('LINK_CONFLICT');
    const byExternal = await api.call('acme', 'GET', `/api/v1/links?subscriptionId=${subscriptionId}&model=Customer&externalId=EXT-1`);
    expect(byExternal.json.hubId).toBe(customer.json.id);
    const byHub = await api.call('acme', 'GET', `/api/v1/links?subscriptionId=${subscriptionId}&model=Customer&hubId=${customer.json.id}`);
    expect(byHub.json.externalId).toBe('EXT-1');
  });
});
