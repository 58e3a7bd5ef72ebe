import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestSystem, type TestSystem } from '../../src/connectors/test-connector/index.js';
import { startQueue, type Queue } from '../../src/store/index.js';
import { createSyncEngine, type SyncEngine } from '../../src/sync/index.js';
import { backend } from '../helpers/backend.js';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { contactToCustomer, customerToContact, eventually } from './sync-harness.js';

let api: TestApi;
let queue: Queue;
let workers: SyncEngine;
const systems: TestSystem[] = [];
beforeAll(async () => {
  api = await startTestApi();
  // Workers in the same process, on the same database, as `junction serve` runs them.
  queue = await startQueue(api.t.db, { supervise: false });
  workers = createSyncEngine({ db: api.t.db, queue, vault: api.vault, connectors: api.app.deps.connectors });
  await workers.startWorkers({ concurrency: 1 });
});
afterAll(async () => {
  await workers.stop();
  await queue.stop({ graceful: true, wait: true, timeout: 5_000 }).catch(() => undefined);
  for (const s of systems) s.dispose();
  await api.close();
});

async function subscription(name: string, records = 0) {
  const sys = createTestSystem({ systemKey: `api-${name}-${Date.now()}`, records: { contact: records }, seed: records + 7 });
  systems.push(sys);
  const created = await api.call('acme', 'POST', '/api/v1/subscriptions', { system: 'test', name, settings: sys.subscriptionSettings });
  expect(created.status).toBe(201);
  const id = (created.json.subscription as { id: string } | undefined)?.id ?? (created.json.id as string);
  const webhookKey = (created.json.webhookKey as string | undefined) ?? '';
  const mk = (direction: 'TO_HUB' | 'FROM_HUB') =>
    api.call('acme', 'POST', '/api/v1/mapping-collections', {
      subscriptionId: id,
      name: `${name} ${direction}`,
      hubModel: 'Customer',
      entity: 'contact',
      direction,
      syncType: 'ADD_UPDATE',
      externalIdFormat: '{{id}}',
      mappings: direction === 'TO_HUB' ? contactToCustomer : customerToContact,
    });
  const c = await mk('TO_HUB');
  expect(c.status).toBe(201);
  return { sys, id, webhookKey, collectionId: c.json.id as string };
}

describe(`sync REST API on ${backend}`, () => {
  it('webhook 202 → transfer log, filters and cursor paging, one transfer by id', async () => {
    const s = await subscription('hooked');
    const recs = [1, 2, 3].map((i) => s.sys.records.insert('contact', { firstName: `W${i}`, lastName: 'H', email: `w${i}@example.com` }));
    const hook = await api.app.inject({
      method: 'POST',
      url: `/api/v1/webhooks/${s.id}`,
      headers: { authorization: `Bearer ${s.webhookKey}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ notifications: recs.map((r) => ({ scope: 'contact/created', external_id: r.id })) }),
    });
    expect(hook.statusCode).toBe(202);
    expect(hook.json()).toMatchObject({ accepted: 3, enqueued: 3 });
    const bad = await api.app.inject({ method: 'POST', url: `/api/v1/webhooks/${s.id}`, headers: { authorization: 'Bearer nope', 'content-type': 'application/json' }, payload: '{"notifications":[]}' });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().code).toBe('JCT_SYNC_WEBHOOK_UNAUTHORIZED');

    await eventually(async () => ((await api.call('acme', 'GET', `/api/v1/transfers?subscriptionId=${s.id}&status=success`)).json.items as unknown[]).length === 3, 20_000, 'three transfers');
    const page1 = await api.call('acme', 'GET', `/api/v1/transfers?subscriptionId=${s.id}&limit=2`);
    expect((page1.json.items as unknown[]).length).toBe(2);
    const page2 = await api.call('acme', 'GET', `/api/v1/transfers?subscriptionId=${s.id}&limit=2&cursor=${page1.json.nextCursor as string}`);
    expect((page2.json.items as unknown[]).length).toBe(1);
    expect(page2.json.nextCursor).toBeNull();
    const one = (page2.json.items as Array<{ id: string }>)[0]!;
    const got = await api.call('acme', 'GET', `/api/v1/transfers/${one.id}`);
    expect(got.json).toMatchObject({ id: one.id, direction: 'TO_HUB', trigger: 'webhook', status: 'success' });
    expect((await api.call('globex', 'GET', `/api/v1/transfers/${one.id}`)).status).toBe(404);
    const byRecord = await api.call('acme', 'GET', `/api/v1/transfers?externalId=${recs[0]!.id}&subscriptionId=${s.id}`);
    expect((byRecord.json.items as unknown[]).length).toBe(1);
    const badFilter = await api.call('acme', 'GET', '/api/v1/transfers?status=nope');
    expect(badFilter.status).toBe(400);
    const metrics = (await api.app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/junction_transfers_total\{status="success",direction="TO_HUB"\} [1-9]/);
    expect(metrics).toMatch(/junction_transfer_latency_seconds_count\{direction="TO_HUB"\} [1-9]/);
  });

  it('manual sync, replay by filter, initialization progress and cancel, test connection', async () => {
    const s = await subscription('manual', 300);
    const manual = await api.call('acme', 'POST', '/api/v1/sync/manual', { subscriptionId: s.id, direction: 'TO_HUB', entity: 'contact', externalIds: ['contact-000001'] });
    expect(manual.status).toBe(202);
    expect(manual.json.enqueued).toBe(1);
    const missing = await api.call('acme', 'POST', '/api/v1/sync/manual', { subscriptionId: s.id, direction: 'TO_HUB', entity: 'nothing', externalIds: ['x'] });
    expect(missing.status).toBe(422);
    expect(missing.json.code).toBe('JCT_SYNC_NO_COLLECTION');
    await eventually(async () => ((await api.call('acme', 'GET', `/api/v1/transfers?subscriptionId=${s.id}&status=success`)).json.items as unknown[]).length === 1, 20_000, 'manual transfer');

    const replayed = await api.call('acme', 'POST', '/api/v1/transfers/replay', { filter: { subscriptionId: s.id, status: 'success' } });
    expect(replayed.status).toBe(202);
    expect(replayed.json.enqueued).toBe(1);
    const badReplay = await api.call('acme', 'POST', '/api/v1/transfers/replay', { ids: [], editedPayload: {} });
    expect(badReplay.status).toBe(400);

    const started = await api.call('acme', 'POST', `/api/v1/subscriptions/${s.id}/initializations`, { entity: 'contact' });
    expect(started.status).toBe(202);
    const runId = started.json.id as string;
    const done = await eventually(async () => {
      const r = await api.call('acme', 'GET', `/api/v1/subscriptions/${s.id}/initializations/${runId}`);
      return r.json.state === 'completed' ? r.json : null;
    }, 30_000, 'initialization');
    expect(done).toMatchObject({ done: 300, total: 300 });
    const cancel = await api.call('acme', 'DELETE', `/api/v1/subscriptions/${s.id}/initializations/${runId}`);
    expect(cancel.json.state).toBe('completed'); // finished runs stay finished

    const test = await api.call('acme', 'POST', `/api/v1/subscriptions/${s.id}/test-connection`);
    expect(test.json).toMatchObject({ ok: true });
    expect((await api.call('globex', 'POST', `/api/v1/subscriptions/${s.id}/test-connection`)).status).toBe(404);
  });
});
