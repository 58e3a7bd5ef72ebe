import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHubRecord } from '../../src/hub/index.js';
import { backend } from '../helpers/backend.js';
import { eventually, startSyncHarness, transfersOf, type SyncHarness } from './sync-harness.js';

let h: SyncHarness;
beforeAll(async () => {
  h = await startSyncHarness({ engine: { baseDelayMs: 100, maxAttempts: 6 } });
});
afterAll(() => h.close());

const STORM_MS = 30_000;

/**
 * The acceptance storm at full length: for 30 s the destination answers 429 to every second request
 * (Retry-After 1 s) while hub changes keep arriving; afterwards everything is delivered once, and no
 * request was sent inside a Retry-After window.
 */
describe(`a 30-second 429 storm on ${backend}`, () => {
  it('delivers every record exactly once and never calls before Retry-After expires', { timeout: 120_000 }, async () => {
    const dest = h.system('storm30', { faults: { throttleEveryNth: 2, retryAfterMs: 1_000 } });
    const sub = await h.subscription(dest, 'storm30', { concurrency: 4 });
    await h.contactCollections(sub.id, {}, ['FROM_HUB']);

    const started = Date.now();
    const hubIds: string[] = [];
    // New hub records keep arriving during the storm: about four a second.
    while (Date.now() - started < STORM_MS) {
      const i = hubIds.length;
      const record = await createHubRecord(h.t.db, { tenantId: h.tenantId, model: 'Customer', data: { FirstName: `S${i}`, LastName: 'Storm', EmailAddress: `storm${i}@example.com` } });
      hubIds.push(record.id);
      await h.engine.enqueueManual({ tenantId: h.tenantId, subscriptionId: sub.id, direction: 'FROM_HUB', hubIds: [record.id] });
      await new Promise((r) => setTimeout(r, 250));
    }
    dest.setFaults({ throttleEveryNth: 0 });

    await eventually(() => dest.records.count('contact') === hubIds.length, 60_000, `${hubIds.length} records at the destination`);
    await h.engine.drain();
    expect(hubIds.length).toBeGreaterThan(60);
    expect(dest.stats.throttles.length).toBeGreaterThan(10);
    const lastThrottle = Math.max(...dest.stats.throttles.map((t) => t.at));
    expect(lastThrottle - started).toBeGreaterThan(STORM_MS * 0.8);
    expect(dest.stats.earlyCalls).toBe(0);
    for (const t of dest.stats.throttles) {
      expect(dest.stats.callLog.filter((c) => c.at > t.at && c.at < t.until)).toEqual([]);
    }
    for (const w of dest.stats.writes.values()) expect(w.creates).toBe(1);
    const delivered = (await transfersOf(h, { subscriptionId: sub.id, status: 'success' })).length;
    expect(delivered).toBe(hubIds.length);
  });
});
