import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConnector } from '../../src/connectors/test-connector/index.js';
import { createSyncEngine, QUEUES, type SyncEngine } from '../../src/sync/index.js';
import { backend } from '../helpers/backend.js';
import { startSyncHarness, type SyncHarness } from './sync-harness.js';

// A worker whose clock is 30 s behind the database's: the times it hands to the database (rescheduled
// jobs, pauses) are compared there with the database's now(), so they must be on its clock.
const SKEW_MS = 30_000;
let h: SyncHarness;
let behind: SyncEngine;
beforeAll(async () => {
  h = await startSyncHarness({ workers: false });
  behind = createSyncEngine({ db: h.t.db, queue: h.queue, vault: h.vault, connectors: (s) => (s === 'test' ? testConnector : undefined), now: () => new Date(Date.now() - SKEW_MS) });
  await behind.ensureQueues();
});
afterAll(async () => {
  await behind.stop();
  await h.close();
});

describe(`a worker clock behind the database's on ${backend}`, () => {
  it('reschedules jobs and stores pauses on the database clock, and reads pauses back on its own', async () => {
    const sys = h.system('clock');
    const sub = await h.subscription(sys, 'clock');
    const ctx = behind.ctx;
    const hubId = randomUUID();
    const job = { kind: 'out' as const, tenantId: h.tenantId, subscriptionId: sub.id, collectionId: randomUUID(), hubId, hubModel: 'Customer', hubVersion: 1, origin: null, trigger: 'manual', triggeredAt: ctx.now() };
    await h.t.db.transaction((tx) => ctx.enqueue(tx, [{ queue: QUEUES.outbound, data: job, startAfter: new Date(ctx.now() + 5_000) }]));
    const { rows } = await h.t.db.query<{ start_after: Date | string }>(`SELECT start_after FROM pgboss.job WHERE name = $1 AND data->>'hubId' = $2`, [QUEUES.outbound, hubId]);
    // Five seconds from now on the database's clock, not 25 s in its past.
    expect(new Date(rows[0]!.start_after).getTime() - Date.now()).toBeGreaterThan(3_000);
    expect(new Date(rows[0]!.start_after).getTime() - Date.now()).toBeLessThan(7_000);

    ctx.gate(sub.id).pause(ctx.now() + 5_000, 'rate_limited');
    await expect
      .poll(async () => (await h.t.db.query<{ paused_until: Date | string }>('SELECT paused_until FROM sync_pauses WHERE subscription_id = $1', [sub.id])).rows[0]?.paused_until ?? null)
      .not.toBeNull();
    const { rows: pauses } = await h.t.db.query<{ paused_until: Date | string }>('SELECT paused_until FROM sync_pauses WHERE subscription_id = $1', [sub.id]);
    expect(new Date(pauses[0]!.paused_until).getTime() - Date.now()).toBeGreaterThan(3_000);

    // A second worker with the same skew reads the pause back on its own clock.
    const other = createSyncEngine({ db: h.t.db, queue: h.queue, vault: h.vault, connectors: (s) => (s === 'test' ? testConnector : undefined), now: () => new Date(Date.now() - SKEW_MS) });
    await other.ensureQueues();
    await other.ctx.refreshPauses();
    expect(other.ctx.gate(sub.id).pausedUntil - other.ctx.now()).toBeGreaterThan(3_000);
    expect(other.ctx.gate(sub.id).pausedUntil - other.ctx.now()).toBeLessThan(7_000);
    await other.stop();
  });
});
