import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConnector } from '../../src/connectors/test-connector/index.js';
import { createHubRecord } from '../../src/hub/index.js';
import { startQueue, type Queue } from '../../src/store/index.js';
import { createSyncEngine, type SyncEngine } from '../../src/sync/index.js';
import { backend } from '../helpers/backend.js';
import { eventually, startSyncHarness, transfersOf, type SyncHarness } from './sync-harness.js';

// Two engines with their own pg-boss queues and workers on one database, as two `junction worker`
// processes: the subscription's request rate is shared through sync_rate_pacing.
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
 * Pacing: request starts are 1000 / LIMIT ms apart across both engines, so no second, wherever it
 * begins, holds more than LIMIT calls (calls are stamped by the test system as they arrive, in the
 * same tick; one more is allowed for a timer firing late at the edge of the interval).
 */
function maxInAnySecond(stamps: number[]): number {
  const sorted = [...stamps].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while ((sorted[i] as number) - (sorted[j] as number) >= 1000) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe(`a request rate shared by two workers on ${backend}`, () => {
  it('never sends more than the limit in any second across both engines, and delivers every record once', { timeout: 60_000 }, async () => {
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

    const stamps = dest.stats.callLog.map((c) => c.at);
    expect(maxInAnySecond(stamps)).toBeLessThanOrEqual(LIMIT + 1);
    // 90 calls or more, 50 ms apart, take at least 89 intervals.
    expect(stamps.length).toBeGreaterThanOrEqual(RECORDS);
    expect(Math.max(...stamps) - Math.min(...stamps)).toBeGreaterThanOrEqual((stamps.length - 1) * (1000 / LIMIT) - 50);
    expect(elapsed).toBeGreaterThanOrEqual((RECORDS - 1) * (1000 / LIMIT) - 50);

    // Exactly once: one create per record, one success per hub record.
    expect(dest.stats.writes.size).toBe(RECORDS);
    for (const w of dest.stats.writes.values()) expect(w.creates).toBe(1);
    const success = await transfersOf(h, { subscriptionId: sub.id, status: 'success' });
    expect(success.length).toBe(RECORDS);
    expect(new Set(success.map((t) => t.hubId)).size).toBe(RECORDS);

    // The slots really are reserved in the database: its next free slot is after the last call.
    const { rows } = await h.t.db.query<{ next_ms: string }>('SELECT extract(epoch FROM next_at) * 1000 AS next_ms FROM sync_rate_pacing WHERE subscription_id = $1', [sub.id]);
    expect(rows.length).toBe(1);
    expect(Number(rows[0]?.next_ms)).toBeGreaterThan(Math.max(...stamps) - 50);
  });
});
