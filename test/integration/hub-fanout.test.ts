import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.js';
import { createTestSystem } from '../../src/connectors/test-connector/index.js';
import { connectorDefinition } from '../../src/connectors/index.js';
import { Vault, createApiKey, createTenant } from '../../src/security/index.js';
import { startQueue, type Queue } from '../../src/store/index.js';
import { createSyncEngine, type SyncEngine } from '../../src/sync/index.js';
import { backend, openTestDb, type TestDb } from '../helpers/backend.js';
import { customerToContact, eventually } from './sync-harness.js';

let t: TestDb;
let queue: Queue;
let sync: SyncEngine;
let app: Awaited<ReturnType<typeof buildServer>>;
let key: string;
const erp = createTestSystem({ systemKey: `fanout-erp-${Date.now()}` });

beforeAll(async () => {
  t = await openTestDb();
  const vault = new Vault('fanout');
  queue = await startQueue(t.db, { supervise: false });
  sync = createSyncEngine({ db: t.db, queue, vault, connectors: connectorDefinition });
  await sync.startWorkers({ concurrency: 1 });
  app = await buildServer({ db: t.db, vault, connectors: connectorDefinition, sync });
  const tenant = await createTenant(t.db, 'fanout');
  key = (await createApiKey(t.db, tenant.id)).key;
});
afterAll(async () => {
  await app.close();
  await sync.stop();
  await queue.stop({ graceful: false, wait: true, close: false });
  erp.dispose();
  await t.cleanup();
});

const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown) => {
  const r = await app.inject({ method, url, headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });
  return { status: r.statusCode, json: r.json() as Record<string, unknown> };
};

describe(`hub writes through the API fan out on ${backend}`, () => {
  it('creates and updates the record in every subscription with a FROM_HUB collection, once per real change', async () => {
    const sub = await call('POST', '/api/v1/subscriptions', { system: 'test', name: 'ERP', settings: erp.subscriptionSettings });
    const collection = await call('POST', '/api/v1/mapping-collections', {
      subscriptionId: sub.json.id,
      name: 'Customer to ERP contact',
      hubModel: 'Customer',
      entity: 'contact',
      direction: 'FROM_HUB',
      syncType: 'ADD_UPDATE',
      externalIdFormat: '{{id}}',
      mappings: customerToContact,
    });
    expect(collection.status).toBe(201);

    const created = await call('POST', '/api/v1/hub/Customer/records', { data: { FirstName: 'Grace', LastName: 'Hopper', EmailAddress: 'grace@example.com' } });
    expect(created.status).toBe(201);
    const contact = await eventually(() => erp.records.all('contact')[0], 20_000, 'contact created in the ERP');
    expect(contact.data).toMatchObject({ firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.com' });

    const id = created.json.id as string;
    await call('PUT', `/api/v1/hub/Customer/records/${id}`, { data: { FirstName: 'Grace', LastName: 'Brewster', EmailAddress: 'grace@example.com' } });
    await eventually(() => erp.records.get('contact', contact.id)?.data.lastName === 'Brewster', 20_000, 'update in the ERP');
    // The same data again is no change: no new version, nothing sent.
    const same = await call('PUT', `/api/v1/hub/Customer/records/${id}`, { data: { FirstName: 'Grace', LastName: 'Brewster', EmailAddress: 'grace@example.com' } });
    expect(same.json.version).toBe(2);
    await sync.drain();
    expect(erp.stats.writes.get(contact.id)).toMatchObject({ creates: 1, updates: 1 });
  });

  it('deletes the record in subscriptions with a FROM_HUB DELETE collection, and only there', async () => {
    const crm = createTestSystem({ systemKey: `fanout-crm-${Date.now()}` });
    const shop = createTestSystem({ systemKey: `fanout-shop-${Date.now()}` });
    try {
      const collection = (subscriptionId: unknown, syncType: string) =>
        call('POST', '/api/v1/mapping-collections', { subscriptionId, name: `Customer ${syncType}`, hubModel: 'Customer', entity: 'contact', direction: 'FROM_HUB', syncType, externalIdFormat: '{{id}}', mappings: customerToContact });
      const crmSub = await call('POST', '/api/v1/subscriptions', { system: 'test', name: 'CRM', settings: crm.subscriptionSettings });
      expect((await collection(crmSub.json.id, 'ADD_UPDATE')).status).toBe(201);
      expect((await collection(crmSub.json.id, 'DELETE')).status).toBe(201);
      const shopSub = await call('POST', '/api/v1/subscriptions', { system: 'test', name: 'Shop', settings: shop.subscriptionSettings });
      expect((await collection(shopSub.json.id, 'ADD_UPDATE')).status).toBe(201);

      const created = await call('POST', '/api/v1/hub/Customer/records', { data: { FirstName: 'Ada', LastName: 'Lovelace', EmailAddress: 'ada@example.com' } });
      const inCrm = await eventually(() => crm.records.all('contact')[0], 20_000, 'contact created in the CRM');
      const inShop = await eventually(() => shop.records.all('contact')[0], 20_000, 'contact created in the shop');

      const deleted = await call('DELETE', `/api/v1/hub/Customer/records/${created.json.id as string}`);
      expect(deleted.status).toBe(200);
      await eventually(() => crm.records.get('contact', inCrm.id) === undefined, 20_000, 'contact deleted in the CRM');
      await sync.drain();
      // The shop has no DELETE collection: its copy stays, untouched, and the transfer says why.
      expect(shop.records.get('contact', inShop.id)).toBeDefined();
      expect(shop.stats.writes.get(inShop.id)).toMatchObject({ creates: 1, updates: 0, deletes: 0 });
      const shopTransfers = await call('GET', `/api/v1/transfers?subscriptionId=${shopSub.json.id as string}&hubId=${created.json.id as string}`);
      expect((shopTransfers.json.items as Array<{ status: string; action: string }>).map((t) => `${t.status}:${t.action}`).sort()).toEqual(['skipped:delete-not-synced', 'success:create']);
    } finally {
      crm.dispose();
      shop.dispose();
    }
  });
});
