import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConnector } from '../../src/connectors/test-connector/index.js';
import { createHubRecord } from '../../src/hub/index.js';
import { startQueue, type Queue } from '../../src/store/index.js';
import { createSyncEngine, type SyncEngine } from '../../src/sync/index.js';
import { backend } from '../helpers/backend.js';
import { eventually, startSyncHarness, transfersOf, type SyncHarness } from './sync-harness.js';

// Two engines with their own pg-boss queues and workers on one database, as two `junction worker`
// processes: the subscription's request rate is shared through sync_rate_windows.
let h: SyncHarness;
let queue2: Queue;
let engine2: SyncEngine;
beforeAll(async () => {
  h = await startSyncHarness();
  queue2 = await startQueue(h.t.db, { supervise: false });
  engine2 = createSyncEngine({ db: h.t.db, queue: queue2, vault: h.vault, connectors: (s) => (s === 'test' ? testConnector : undefined), options: { baseDelayMs: 50 } });
  await engine2.startWorkers({ concurrency: 2, batchSize: 20 });
});
afterAll(async () => {
  await engine2.stop();
  await queue2.stop({ graceful: true, wait: true, timeout: 5_000 }).catch(() => undefined);
  await h.close();
});

const LIMIT = 20;
const RECORDS = 90;

/**
 * Window semantics: fixed 1-second windows aligned on the epoch (floor(ms / 1000)); a request uses a
 * token of the window it starts in, so every aligned window holds at most LIMIT calls in total across
 * both engines (calls are stamped by the test system as they arrive, in the same tick).
 */
describe(`a request rate shared by two workers on ${backend}`, () => {
  it('never sends more than the limit per window across both engines, and delivers every record once', { timeout: 60_000 }, async () => {
    const dest = h.system('shared-rate');
    const sub = await h.subscription(dest, 'shared-rate', { requests: LIMIT, perSeconds: 1, concurrency: 4 });
    await h.contactCollections(sub.id, {}, ['FROM_HUB']);

    const hubIds: string[] = [];
    for (let i = 0; i < RECORDS; i++) {
      const r = await createHubRecord(h.t.db, { tenantId: h.tenantId, model: 'Customer', data: { FirstName: `R${i}`, LastName: 'Rate', EmailAddress: `rate${i}@example.com` } });
      hubIds.push(r.id);
    }
    const started = Date.now();
    await h.engine.enqueueManual({ tenantId: h.tenantId, subscriptionId: sub.id, direction: 'FROM_HUB', hubIds });

    await eventually(() => dest.records.count('contact') === RECORDS, 40_000, `${RECORDS} records at the destination`);
    await h.engine.drain();
    await engine2.drain();
    const elapsed = Date.now() - started;

    // Both engines sent requests (the rate really was shared, not one engine doing all the work).
    expect(h.engine.ctx.gate(sub.id).calls).toBeGreaterThan(0);
    expect(engine2.ctx.gate(sub.id).calls).toBeGreaterThan(0);
    expect(h.engine.ctx.gate(sub.id).calls + engine2.ctx.gate(sub.id).calls).toBe(dest.stats.callLog.length);

    const perWindow = new Map<number, number>();
    for (const c of dest.stats.callLog) perWindow.set(Math.floor(c.at / 1000), (perWindow.get(Math.floor(c.at / 1000)) ?? 0) + 1);
    expect(Math.max(...perWindow.values())).toBeLessThanOrEqual(LIMIT);
    // 90 calls at 20 per window need at least 4 full windows after the first.
    expect(dest.stats.callLog.length).toBeGreaterThanOrEqual(RECORDS);
    expect(perWindow.size).toBeGreaterThanOrEqual(Math.ceil(RECORDS / LIMIT));
    expect(elapsed).toBeGreaterThanOrEqual((Math.ceil(RECORDS / LIMIT) - 2) * 1000);

    // Exactly once: one create per record, one success per hub record.
    expect(dest.stats.writes.size).toBe(RECORDS);
    for (const w of dest.stats.writes.values()) expect(w.creates).toBe(1);
    const success = await transfersOf(h, { subscriptionId: sub.id, status: 'success' });
    expect(success.length).toBe(RECORDS);
    expect(new Set(success.map((t) => t.hubId)).size).toBe(RECORDS);

    // The windows really live in the database.
    const { rows } = await h.t.db.query<{ used: number }>('SELECT used FROM sync_rate_windows WHERE subscription_id = $1', [sub.id]);
    expect(rows.length).toBeGreaterThanOrEqual(Math.ceil(RECORDS / LIMIT));
    for (const r of rows) expect(r.used).toBeLessThanOrEqual(LIMIT);
  });
});
