import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend } from '../helpers/backend.js';
import { startTestApi, type TestApi } from '../helpers/api.js';

let api: TestApi;
let subscriptionId: string;

const collection = () => ({
  subscriptionId,
  name: 'Update Customer FROM hub',
  hubModel: 'Customer',
  entity: 'contact',
  direction: 'FROM_HUB',
  syncType: 'UPDATE',
  mappings: [
    { type: 'formula', source: 'FirstName + " " + LastName', destination: 'name', required: true },
    { type: 'field', source: 'EmailAddress', destination: 'email', required: true },
    { type: 'formula', source: 'FieldFromFirstMatch(Addresses, "IsPrimaryBilling == true", "City")', destination: 'city' },
    { type: 'static', source: '10 DAYS', destination: 'paymentTerms' },
  ],
});

beforeAll(async () => {
  api = await startTestApi(['acme']);
  const created = await api.call('acme', 'POST', '/api/v1/subscriptions', { system: 'test', name: 'Target', settings: { systemKey: 'mapping-api' }, installTemplates: false });
  subscriptionId = created.json.id as string;
});
afterAll(() => api.close());

describe(`mapping collections over REST on ${backend}`, () => {
  it('saves every change as a new version and keeps the old ones readable', async () => {
    const created = await api.call('acme', 'POST', '/api/v1/mapping-collections', collection());
    expect(created.status).toBe(201);
    expect(created.json.version).toBe(1);
    const id = created.json.id as string;
    const saved = await api.call('acme', 'PUT', `/api/v1/mapping-collections/${id}`, { changes: { syncType: 'ADD_UPDATE' }, expectedVersion: 1 });
    expect(saved.json.version).toBe(2);
    const stale = await api.call('acme', 'PUT', `/api/v1/mapping-collections/${id}`, { changes: { syncType: 'ADD' }, expectedVersion: 1 });
    expect(stale.status).toBe(409);
    const v1 = await api.call('acme', 'GET', `/api/v1/mapping-collections/${id}/versions/1`);
    expect(v1.json.syncType).toBe('UPDATE');
    const versions = await api.call('acme', 'GET', `/api/v1/mapping-collections/${id}/versions`);
    expect((versions.json.items as Array<{ version: number }>).map((v) => v.version).sort()).toEqual([1, 2]);
  });

  it('rejects a formula that does not compile, with its position', async () => {
    const broken = collection();
    broken.name = 'Broken';
    broken.mappings[0] = { type: 'formula', source: 'FirstName + ', destination: 'name', required: true };
    const response = await api.call('acme', 'POST', '/api/v1/mapping-collections', broken);
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.json)).toMatch(/line 1/i);
  });

  it('previews a sample record with a per-field trace and writes nothing', async () => {
    const created = await api.call('acme', 'POST', '/api/v1/mapping-collections', { ...collection(), name: 'Preview me' });
    const id = created.json.id as string;
    const preview = await api.call('acme', 'POST', `/api/v1/mapping-collections/${id}/preview`, {
      record: { FirstName: 'Jane', LastName: 'Doe', EmailAddress: 'jane@example.com', Addresses: [{ City: 'Oslo', IsPrimaryBilling: false }, { City: 'Seattle', IsPrimaryBilling: true }] },
    });
    expect(preview.status).toBe(200);
    expect(preview.json.status).toBe('mapped');
    expect(preview.json.output).toEqual({ name: 'Jane Doe', email: 'jane@example.com', city: 'Seattle', paymentTerms: '10 DAYS' });
    expect((preview.json.trace as Array<{ destination: string }>).map((t) => t.destination)).toEqual(['name', 'email', 'city', 'paymentTerms']);
    const missing = await api.call('acme', 'POST', `/api/v1/mapping-collections/${id}/preview`, { record: { FirstName: 'Jane', LastName: 'Doe' } });
    expect(missing.json.status).toBe('error');
    expect(JSON.stringify(missing.json.errors)).toContain('email');
    const hub = await api.call('acme', 'GET', '/api/v1/hub/Customer/records');
    expect(hub.json.items).toEqual([]);
  });

  it('clones and reverse clones, flagging what cannot be inverted', async () => {
    const created = await api.call('acme', 'POST', '/api/v1/mapping-collections', { ...collection(), name: 'Original' });
    const id = created.json.id as string;
    const clone = await api.call('acme', 'POST', `/api/v1/mapping-collections/${id}/clone`, { name: 'Copy' });
    expect(clone.status).toBe(201);
    expect((clone.json.collection as { direction: string }).direction).toBe('FROM_HUB');
    const reverse = await api.call('acme', 'POST', `/api/v1/mapping-collections/${id}/clone`, { name: 'Reverse', reverse: true });
    const reversed = reverse.json.collection as { direction: string; mappings: Array<{ type: string; source: string; destination: string }> };
    expect(reversed.direction).toBe('TO_HUB');
    expect(reversed.mappings.find((m) => m.type === 'field')).toMatchObject({ source: 'email', destination: 'EmailAddress' });
    expect((reverse.json.review as unknown[]).length).toBeGreaterThan(0);
  });
});
