import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHubRecord, listHubRecords } from '../../src/hub/index.js';
import { createTenant } from '../../src/security/index.js';
import { inSameTransaction, startQueue, type Queue } from '../../src/store/index.js';
import { backend, openTestDb, type TestDb } from '../helpers/backend.js';

let t: TestDb;
let queue: Queue;
let tenantId: string;
const QUEUE = 'outbox-test';

beforeAll(async () => {
  t = await openTestDb();
  queue = await startQueue(t.db, { supervise: false });
  await queue.createQueue(QUEUE);
  tenantId = (await createTenant(t.db, 'outbox')).id;
});
afterAll(async () => {
  await queue.stop({ graceful: false, wait: true, close: false });
  await t.cleanup();
});

/** A data change and the job it causes are written in one transaction (transactional outbox). */
describe(`pg-boss queue on ${backend}`, () => {
  it('enqueues a job with the data change when the transaction commits', async () => {
    await t.db.transaction(async (tx) => {
      const record = await createHubRecord(tx, { tenantId, model: 'Customer', data: { LastName: 'Committed' } });
      await queue.send(QUEUE, { hubId: record.id }, inSameTransaction(tx));
    });
    const jobs = await queue.fetch<{ hubId: string }>(QUEUE, { batchSize: 10 });
    expect(jobs).toHaveLength(1);
    const { items } = await listHubRecords(t.db, tenantId, { model: 'Customer' });
    expect(items.map((r) => r.id)).toEqual([jobs[0]?.data.hubId]);
    await queue.complete(QUEUE, jobs.map((j) => j.id));
  });

  it('leaves neither the record nor the job when the transaction rolls back', async () => {
    await expect(
      t.db.transaction(async (tx) => {
        await createHubRecord(tx, { tenantId, model: 'Customer', data: { LastName: 'RolledBack' } });
        await queue.send(QUEUE, { reason: 'must vanish' }, inSameTransaction(tx));
        throw new Error('abort after enqueueing');
      }),
    ).rejects.toThrow('abort after enqueueing');
    expect(await queue.fetch(QUEUE, { batchSize: 10 })).toEqual([]);
    const { items } = await listHubRecords(t.db, tenantId, { model: 'Customer', where: { LastName: 'RolledBack' } });
    expect(items).toEqual([]);
  });
});
