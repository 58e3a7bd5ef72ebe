import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHubRecord, findLinkByExternalId, getHubRecord } from '../../src/hub/index.js';
import { QUEUES } from '../../src/sync/index.js';
import { backend } from '../helpers/backend.js';
import { hubCount, startSyncHarness, transfersOf, type SyncHarness } from './sync-harness.js';

let h: SyncHarness;
beforeAll(async () => {
  h = await startSyncHarness({ workers: false });
});
afterAll(() => h.close());

const webhook = (subscriptionId: string, key: string, id: string, scope = 'contact/updated') =>
  h.engine.receiveWebhook(subscriptionId, { headers: { authorization: `Bearer ${key}` }, query: {}, body: { notifications: [{ scope, external_id: id }] } });

async function run() {
  await h.engine.startWorkers({ concurrency: 1, batchSize: 20 });
  await h.engine.drain();
  await h.engine.stop();
  // stop() marks the engine stopped for polling only; workers can be started again
  (h.engine as unknown as { stopped: boolean }).stopped = false;
}

const latest = async (externalId: string, subscriptionId?: string) => (await transfersOf(h, { externalId, ...(subscriptionId ? { subscriptionId } : {}) }))[0];

describe(`identity, sync types and collisions on ${backend}`, () => {
  it('collapses duplicate triggers for the same record into one job and one GET', async () => {
    const sys = h.system('dup');
    const sub = await h.subscription(sys, 'dup');
    await h.contactCollections(sub.id, {}, ['TO_HUB']);
    const rec = sys.records.insert('contact', { firstName: 'D', lastName: 'Up', email: 'dup@example.com' });
    for (let i = 0; i < 5; i++) await webhook(sub.id, sub.webhookKey, rec.id);
    const { rows } = await h.t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state = 'created' AND data->>'externalId' = $2`, [QUEUES.inbound, rec.id]);
    expect(rows[0]?.n).toBe(1);
    await run();
    expect(sys.stats.calls.get).toBe(1);
    expect((await transfersOf(h, { externalId: rec.id, subscriptionId: sub.id })).length).toBe(1);
  });

  it('never lets an older source version overwrite a newer one', async () => {
    const sys = h.system('stale');
    const sub = await h.subscription(sys, 'stale');
    await h.contactCollections(sub.id, {}, ['TO_HUB']);
    const rec = sys.records.insert('contact', { firstName: 'Old', lastName: 'V', email: 'stale@example.com' }, { modifiedAt: '2026-01-01T00:00:00.000Z' });
    const older = { id: rec.id, data: { id: rec.id, firstName: 'Old', lastName: 'V', email: 'stale@example.com' }, modifiedAt: '2026-01-01T00:00:00.000Z' };
    const newer = { id: rec.id, data: { id: rec.id, firstName: 'New', lastName: 'V', email: 'stale@example.com' }, modifiedAt: '2026-01-02T00:00:00.000Z' };
    const job = (record: typeof older) => ({ kind: 'in' as const, tenantId: h.tenantId, subscriptionId: sub.id, entity: 'contact', externalId: rec.id, trigger: 'poll', triggeredAt: Date.now(), record });
    await h.engine.ctx.ensureQueues();
    await h.t.db.transaction((tx) => h.engine.ctx.enqueue(tx, [{ queue: QUEUES.inbound, data: job(newer), key: `stale-new` }]));
    await run();
    await h.t.db.transaction((tx) => h.engine.ctx.enqueue(tx, [{ queue: QUEUES.inbound, data: job(older), key: `stale-old` }]));
    await run();
    const link = await findLinkByExternalId(h.t.db, sub.id, 'Customer', rec.id);
    const hub = await getHubRecord(h.t.db, h.tenantId, link!.hubId);
    expect(hub.data.FirstName).toBe('New');
    expect(hub.version).toBe(1);
    expect((await latest(rec.id, sub.id))).toMatchObject({ status: 'skipped', action: 'stale' });
  });

  it('UPDATE-only collection meeting an unlinked record: a clear "not linked" error, nothing created', async () => {
    const sys = h.system('upd');
    const sub = await h.subscription(sys, 'upd');
    await h.contactCollections(sub.id, { syncType: 'UPDATE' }, ['TO_HUB']);
    const before = await hubCount(h);
    const rec = sys.records.insert('contact', { firstName: 'Un', lastName: 'Linked', email: 'unlinked@example.com' });
    await webhook(sub.id, sub.webhookKey, rec.id);
    await run();
    expect(await hubCount(h)).toBe(before);
    const t = await latest(rec.id, sub.id);
    expect(t).toMatchObject({ status: 'error', errorCode: 'JCT_SYNC_NOT_LINKED' });
    expect(t!.errorMessage).toContain('not linked');
    expect(t!.errorMessage).toContain(rec.id);
  });

  it('collision ERROR (default): duplicate error naming the existing hub record and how to fix it', async () => {
    const existing = await createHubRecord(h.t.db, { tenantId: h.tenantId, model: 'Customer', data: { FirstName: 'Grace', EmailAddress: 'grace@example.com' } });
    const sys = h.system('coll-err');
    const sub = await h.subscription(sys, 'coll-err');
    await h.contactCollections(sub.id, {}, ['TO_HUB']);
    const rec = sys.records.insert('contact', { firstName: 'Grace', lastName: 'Hopper', email: 'GRACE@example.com' });
    await webhook(sub.id, sub.webhookKey, rec.id, 'contact/created');
    await run();
    const t = await latest(rec.id, sub.id);
    expect(t).toMatchObject({ status: 'error', errorCode: 'JCT_SYNC_DUPLICATE', errorField: 'EmailAddress' });
    expect(t!.errorMessage).toContain(existing.id);
    expect(t!.errorMessage).toMatch(/collision handling method/);
  });

  it.each([
    ['UPDATE_AND_LINK', true, 'update-link'],
    ['REMAP_AND_LINK', true, 'remap-link'],
    ['UPDATE_AND_NO_LINK', false, 'update-no-link'],
  ] as const)('collision %s updates the existing hub record (linked: %s)', async (method, linked, action) => {
    const email = `${method.toLowerCase()}@example.com`;
    const existing = await createHubRecord(h.t.db, { tenantId: h.tenantId, model: 'Customer', data: { FirstName: 'Before', EmailAddress: email } });
    const sys = h.system(method);
    const sub = await h.subscription(sys, method);
    await h.contactCollections(sub.id, { collision: { method } }, ['TO_HUB']);
    const before = await hubCount(h);
    const rec = sys.records.insert('contact', { firstName: 'After', lastName: 'X', email });
    await webhook(sub.id, sub.webhookKey, rec.id, 'contact/created');
    await run();
    expect(await hubCount(h)).toBe(before);
    expect(await latest(rec.id, sub.id)).toMatchObject({ status: 'success', action, hubId: existing.id });
    expect((await getHubRecord(h.t.db, h.tenantId, existing.id)).data.FirstName).toBe('After');
    expect((await findLinkByExternalId(h.t.db, sub.id, 'Customer', rec.id))?.hubId ?? null).toBe(linked ? existing.id : null);
  });

  it('collision on a configured match field other than email', async () => {
    const existing = await createHubRecord(h.t.db, { tenantId: h.tenantId, model: 'Customer', data: { LastName: 'Unique-Surname', EmailAddress: 'other@example.com' } });
    const sys = h.system('match');
    const sub = await h.subscription(sys, 'match');
    await h.contactCollections(sub.id, { collision: { method: 'UPDATE_AND_LINK', matchField: 'LastName' } }, ['TO_HUB']);
    const rec = sys.records.insert('contact', { firstName: 'M', lastName: 'Unique-Surname', email: 'new@example.com' });
    await webhook(sub.id, sub.webhookKey, rec.id, 'contact/created');
    await run();
    expect(await latest(rec.id, sub.id)).toMatchObject({ status: 'success', hubId: existing.id });
  });

  it('ADD-only collection creates, then leaves linked records alone', async () => {
    const sys = h.system('add');
    const sub = await h.subscription(sys, 'add');
    await h.contactCollections(sub.id, { syncType: 'ADD' }, ['TO_HUB']);
    const rec = sys.records.insert('contact', { firstName: 'A', lastName: 'Dd', email: 'add@example.com' });
    await webhook(sub.id, sub.webhookKey, rec.id, 'contact/created');
    await run();
    expect(await latest(rec.id, sub.id)).toMatchObject({ status: 'success', action: 'create' });
    sys.records.update('contact', rec.id, { firstName: 'Changed' });
    await webhook(sub.id, sub.webhookKey, rec.id);
    await run();
    expect(await latest(rec.id, sub.id)).toMatchObject({ status: 'skipped', action: 'already-linked' });
  });

  it('DELETE collection soft-deletes the linked hub record', async () => {
    const sys = h.system('del');
    const sub = await h.subscription(sys, 'del');
    await h.contactCollections(sub.id, {}, ['TO_HUB']);
    await h.collection({ subscriptionId: sub.id, name: 'contact delete', hubModel: 'Customer', entity: 'contact', direction: 'TO_HUB', syncType: 'DELETE', externalIdFormat: '{{id}}', sortOrder: -1, mappings: [] });
    const rec = sys.records.insert('contact', { firstName: 'Del', lastName: 'Me', email: 'del@example.com' });
    // the DELETE collection sorts first; a created/updated notification still goes through the ADD_UPDATE one
    await webhook(sub.id, sub.webhookKey, rec.id, 'contact/created');
    await run();
    const link = await findLinkByExternalId(h.t.db, sub.id, 'Customer', rec.id);
    expect(link).not.toBeNull();
    sys.records.delete('contact', rec.id);
    await webhook(sub.id, sub.webhookKey, rec.id, 'contact/deleted');
    await run();
    await expect(getHubRecord(h.t.db, h.tenantId, link!.hubId)).rejects.toMatchObject({ code: 'HUB_NOT_FOUND' });
  });

  it('outbound collision: UPDATE_AND_LINK links to the destination record with the same email instead of creating', async () => {
    const sys = h.system('out-coll');
    const sub = await h.subscription(sys, 'out-coll');
    await h.contactCollections(sub.id, { collision: { method: 'UPDATE_AND_LINK' } }, ['FROM_HUB']);
    const dest = sys.records.insert('contact', { firstName: 'Old', lastName: 'Name', email: 'outcoll@example.com' });
    const hub = await createHubRecord(h.t.db, { tenantId: h.tenantId, model: 'Customer', data: { FirstName: 'New', LastName: 'Name', EmailAddress: 'outcoll@example.com' } });
    await h.engine.enqueueManual({ tenantId: h.tenantId, subscriptionId: sub.id, direction: 'FROM_HUB', hubIds: [hub.id] });
    await run();
    expect(sys.stats.calls.create).toBe(0);
    expect(sys.records.get('contact', dest.id)?.data.firstName).toBe('New');
    expect((await findLinkByExternalId(h.t.db, sub.id, 'Customer', dest.id))?.hubId).toBe(hub.id);
  });

  it('outbound collision ERROR: the destination duplicate becomes a duplicate error', async () => {
    const sys = h.system('out-dup', { faults: { duplicateOnEmail: true } });
    const sub = await h.subscription(sys, 'out-dup');
    await h.contactCollections(sub.id, {}, ['FROM_HUB']);
    sys.records.insert('contact', { firstName: 'X', lastName: 'Y', email: 'outdup@example.com' });
    const hub = await createHubRecord(h.t.db, { tenantId: h.tenantId, model: 'Customer', data: { FirstName: 'X', EmailAddress: 'outdup@example.com' } });
    await h.engine.enqueueManual({ tenantId: h.tenantId, subscriptionId: sub.id, direction: 'FROM_HUB', hubIds: [hub.id] });
    await run();
    const t = (await transfersOf(h, { hubId: hub.id }))[0];
    expect(t).toMatchObject({ status: 'error', errorCode: 'JCT_SYNC_DUPLICATE', direction: 'FROM_HUB' });
    expect(t!.errorMessage).toMatch(/collision handling method/);
  });
});
