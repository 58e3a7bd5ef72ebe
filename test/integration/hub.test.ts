import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHubRecord,
  deleteHubRecord,
  findLinkByExternalId,
  findLinkByHubId,
  getHubRecord,
  getHubRecordHistory,
  linkExternalId,
  listHubRecords,
  updateHubRecord,
  type HubError,
} from '../../src/hub/index.js';
import { createTenant } from '../../src/security/index.js';
import { backend, openTestDb, type TestDb } from '../helpers/backend.js';

let t: TestDb;
let tenantA: string;
let tenantB: string;
let subscription: string;

beforeAll(async () => {
  t = await openTestDb();
  tenantA = (await createTenant(t.db, 'alpha')).id;
  tenantB = (await createTenant(t.db, 'beta')).id;
  const { rows } = await t.db.query<{ id: string }>("INSERT INTO subscriptions (tenant_id, system, name) VALUES ($1, 'test', 'sub') RETURNING id", [tenantA]);
  subscription = (rows[0] as { id: string }).id;
});
afterAll(() => t.cleanup());

const errorCode = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 'no error';
  } catch (error) {
    return (error as HubError).code;
  }
};

describe(`hub records on ${backend}`, () => {
  it('creates, reads, updates with version increments, and keeps history', async () => {
    const created = await createHubRecord(t.db, { tenantId: tenantA, model: 'Customer', data: { FirstName: 'Jane', EmailAddress: 'jane@example.com' } });
    expect(created.version).toBe(1);
    const updated = await updateHubRecord(t.db, { tenantId: tenantA, id: created.id, data: { FirstName: 'Janet', EmailAddress: 'jane@example.com' }, expectedVersion: 1 });
    expect(updated.changed).toBe(true);
    expect(updated.record.version).toBe(2);
    expect(updated.changes).toEqual([{ path: 'FirstName', from: 'Jane', to: 'Janet' }]);
    const read = await getHubRecord(t.db, tenantA, created.id);
    expect(read.data.FirstName).toBe('Janet');
    const history = await getHubRecordHistory(t.db, tenantA, created.id);
    expect(history.map((h) => [h.version, h.action])).toEqual([
      [1, 'create'],
      [2, 'update'],
    ]);
  });

  it('does not bump the version when the content is unchanged', async () => {
    const created = await createHubRecord(t.db, { tenantId: tenantA, model: 'Customer', data: { LastName: 'Same' } });
    const again = await updateHubRecord(t.db, { tenantId: tenantA, id: created.id, data: { LastName: 'Same' } });
    expect(again.changed).toBe(false);
    expect(again.record.version).toBe(1);
  });

  it('rejects an update carrying a stale version', async () => {
    const created = await createHubRecord(t.db, { tenantId: tenantA, model: 'Customer', data: { LastName: 'Stale' } });
    await updateHubRecord(t.db, { tenantId: tenantA, id: created.id, data: { LastName: 'Fresh' }, expectedVersion: 1 });
    expect(await errorCode(updateHubRecord(t.db, { tenantId: tenantA, id: created.id, data: { LastName: 'Late' }, expectedVersion: 1 }))).toBe('HUB_VERSION_CONFLICT');
  });

  it("answers not found for another tenant's record", async () => {
    const created = await createHubRecord(t.db, { tenantId: tenantA, model: 'Customer', data: { LastName: 'Private' } });
    expect(await errorCode(getHubRecord(t.db, tenantB, created.id))).toBe('HUB_NOT_FOUND');
    expect(await errorCode(updateHubRecord(t.db, { tenantId: tenantB, id: created.id, data: {} }))).toBe('HUB_NOT_FOUND');
  });

  it('soft deletes: gone from reads and lists, kept with a new version', async () => {
    const created = await createHubRecord(t.db, { tenantId: tenantA, model: 'Company', data: { Name: 'Gone Ltd' } });
    const deleted = await deleteHubRecord(t.db, { tenantId: tenantA, id: created.id });
    expect(deleted.version).toBe(2);
    expect(deleted.deletedAt).not.toBeNull();
    expect(await errorCode(getHubRecord(t.db, tenantA, created.id))).toBe('HUB_NOT_FOUND');
    const list = await listHubRecords(t.db, tenantA, { model: 'Company' });
    expect(list.items.map((r) => r.id)).not.toContain(created.id);
  });

  it('lists with cursor paging and field filters', async () => {
    for (let i = 0; i < 7; i++) await createHubRecord(t.db, { tenantId: tenantB, model: 'Customer', data: { EmailAddress: `p${i}@example.com` } });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listHubRecords(t.db, tenantB, { model: 'Customer', limit: 3, cursor });
      seen.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
    const filtered = await listHubRecords(t.db, tenantB, { model: 'Customer', where: { EmailAddress: 'P3@example.com' } });
    expect(filtered.items.map((r) => r.data.EmailAddress)).toEqual(['p3@example.com']);
  });

  it('rejects invalid data naming the field', async () => {
    try {
      await createHubRecord(t.db, { tenantId: tenantA, model: 'Customer', data: { FirstName: 42 } });
      expect.unreachable();
    } catch (error) {
      expect((error as HubError).code).toBe('HUB_INVALID_RECORD');
      expect((error as HubError).details.field).toBe('FirstName');
    }
  });
});

describe(`external id links on ${backend}`, () => {
  it('links both ways and rejects a second hub record on the same external id', async () => {
    const one = await createHubRecord(t.db, { tenantId: tenantA, model: 'Customer', data: { LastName: 'One' } });
    const two = await createHubRecord(t.db, { tenantId: tenantA, model: 'Customer', data: { LastName: 'Two' } });
    await linkExternalId(t.db, { tenantId: tenantA, subscriptionId: subscription, model: 'Customer', hubId: one.id, externalId: 'C-1|contact' });
    expect((await findLinkByExternalId(t.db, subscription, 'Customer', 'C-1|contact'))?.hubId).toBe(one.id);
    expect((await findLinkByHubId(t.db, subscription, 'Customer', one.id))?.externalId).toBe('C-1|contact');
    expect(await errorCode(linkExternalId(t.db, { tenantId: tenantA, subscriptionId: subscription, model: 'Customer', hubId: two.id, externalId: 'C-1|contact' }))).toBe('LINK_CONFLICT');
    // The database enforces it too, whatever the code path.
    expect(await errorCode(t.db.query('INSERT INTO external_links (tenant_id, subscription_id, model, hub_id, external_id) VALUES ($1, $2, $3, $4, $5)', [tenantA, subscription, 'Customer', two.id, 'C-1|contact']))).not.toBe('no error');
  });
});
