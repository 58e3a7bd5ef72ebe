import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHubRecord, findLinkByExternalId } from '../../src/hub/index.js';
import { updateCollection } from '../../src/mapping/index.js';
import { QUEUES } from '../../src/sync/index.js';
import { backend } from '../helpers/backend.js';
import { customerToContact, eventually, startSyncHarness, transfersOf, type SyncHarness } from './sync-harness.js';

let h: SyncHarness;
beforeAll(async () => {
  h = await startSyncHarness({ engine: { baseDelayMs: 100, maxAttempts: 4 } });
});
afterAll(() => h.close());

async function hubCustomers(n: number, prefix: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    ids.push((await createHubRecord(h.t.db, { tenantId: h.tenantId, model: 'Customer', data: { FirstName: `${prefix}${i}`, LastName: 'L', EmailAddress: `${prefix}${i}@example.com` } })).id);
  }
  return ids;
}

describe(`throttling, retries and replay on ${backend}`, () => {
  it('a 429 storm (every second request) delivers everything, and no request goes out before its Retry-After', async () => {
    const dest = h.system('storm', { faults: { throttleEveryNth: 2, retryAfterMs: 150 } });
    const sub = await h.subscription(dest, 'storm', { concurrency: 4 });
    await h.contactCollections(sub.id, {}, ['FROM_HUB']);
    const ids = await hubCustomers(30, 'storm');
    await h.engine.enqueueManual({ tenantId: h.tenantId, subscriptionId: sub.id, direction: 'FROM_HUB', hubIds: ids });
    await eventually(() => dest.records.count('contact') === 30, 60_000, '30 records at the destination');
    await h.engine.drain();
    expect(dest.stats.throttles.length).toBeGreaterThan(10);
    expect(dest.stats.earlyCalls).toBe(0);
    // Independently of the system's own counter: no call lands inside any Retry-After window.
    for (const t of dest.stats.throttles) {
      expect(dest.stats.callLog.filter((c) => c.at > t.at && c.at < t.until)).toEqual([]);
    }
    for (const w of dest.stats.writes.values()) expect(w.creates).toBe(1);
    const rows = await transfersOf(h, { subscriptionId: sub.id });
    expect(rows.filter((r) => r.status === 'success').length).toBe(30);
    const { rows: pause } = await h.t.db.query('SELECT reason FROM sync_pauses WHERE subscription_id = $1', [sub.id]);
    expect(pause).toEqual([{ reason: 'rate_limited' }]);
  });

  it('a daily quota pauses the subscription until it resets, without burning retries, then resumes where it stopped', async () => {
    const dest = h.system('quota', { faults: { quota: 3 } });
    const sub = await h.subscription(dest, 'quota', { concurrency: 1 });
    await h.contactCollections(sub.id, {}, ['FROM_HUB']);
    const ids = await hubCustomers(6, 'quota');
    await h.engine.enqueueManual({ tenantId: h.tenantId, subscriptionId: sub.id, direction: 'FROM_HUB', hubIds: ids });
    await eventually(async () => (await transfersOf(h, { subscriptionId: sub.id, status: 'retrying' })).length === 3, 20_000, 'three transfers waiting for the quota');
    expect(dest.records.count('contact')).toBe(3);
    const { rows } = await h.t.db.query<{ paused_until: Date | string; reason: string }>('SELECT paused_until, reason FROM sync_pauses WHERE subscription_id = $1', [sub.id]);
    const nextMidnight = new Date(Math.floor(Date.now() / 86_400_000 + 1) * 86_400_000).getTime();
    expect(rows[0]?.reason).toBe('quota');
    expect(new Date(rows[0]!.paused_until).getTime()).toBe(nextMidnight);
    const { rows: waiting } = await h.t.db.query<{ start_after: Date | string }>(`SELECT start_after FROM pgboss.job WHERE name = $1 AND state = 'created' AND data->>'subscriptionId' = $2`, [QUEUES.outbound, sub.id]);
    expect(waiting.length).toBe(3);
    for (const w of waiting) expect(new Date(w.start_after).getTime()).toBeGreaterThanOrEqual(nextMidnight);
    const calls = dest.stats.totalCalls;
    await new Promise((r) => setTimeout(r, 500));
    expect(dest.stats.totalCalls).toBe(calls); // paused: nothing is sent meanwhile
    // The quota resets (simulated: the system lifts it and the clock reaches the reset time).
    dest.setFaults({ quota: null });
    await h.engine.resume(sub.id);
    await eventually(() => dest.records.count('contact') === 6, 20_000, 'the other three after the reset');
    await h.engine.drain();
    const done = await transfersOf(h, { subscriptionId: sub.id });
    expect(done.filter((t) => t.status === 'success').length).toBe(6);
    expect(Math.max(...done.map((t) => t.attempts))).toBe(1); // the pause did not use up attempts
  });

  it('transient errors retry with exponential backoff and jitter, then give up into the error log', async () => {
    const flaky = h.system('flaky', { faults: { failEveryNth: 2 } });
    const sub = await h.subscription(flaky, 'flaky', { concurrency: 1 });
    await h.contactCollections(sub.id, {}, ['FROM_HUB']);
    const ids = await hubCustomers(4, 'flaky');
    await h.engine.enqueueManual({ tenantId: h.tenantId, subscriptionId: sub.id, direction: 'FROM_HUB', hubIds: ids });
    await eventually(() => flaky.records.count('contact') === 4, 30_000, 'four records despite 503s');
    await h.engine.drain();
    const rows = await transfersOf(h, { subscriptionId: sub.id });
    expect(rows.every((r) => r.status === 'success')).toBe(true);
    expect(rows.some((r) => r.attempts > 1)).toBe(true);

    const down = h.system('down', { faults: { failEveryNth: 1 } });
    const sub2 = await h.subscription(down, 'down');
    await h.contactCollections(sub2.id, {}, ['FROM_HUB']);
    const [id] = await hubCustomers(1, 'down');
    await h.engine.enqueueManual({ tenantId: h.tenantId, subscriptionId: sub2.id, direction: 'FROM_HUB', hubIds: [id!] });
    const failed = await eventually(async () => (await transfersOf(h, { subscriptionId: sub2.id, status: 'error' }))[0], 30_000, 'error after the retry limit');
    expect(failed).toMatchObject({ errorCode: 'JCT_SYNC_TRANSIENT', attempts: 4 });
    const times = down.stats.callLog.map((c) => c.at);
    expect(times.length).toBe(4);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // base 100 ms: attempt n waits in [50·2^(n-1), 100·2^(n-1)] ms, plus queue pickup
    // (the upper end also includes the workers' polling interval, so only the lower bounds are exact)
    gaps.forEach((g, i) => expect(g).toBeGreaterThanOrEqual(50 * 2 ** i - 5));
  });

  it('a permanent error lands in the error log with record, field and message; after the mapping is fixed, replay succeeds', async () => {
    const src = h.system('perm-src');
    const sub = await h.subscription(src, 'perm-src');
    const { toHub } = await h.contactCollections(sub.id, { mappings: [{ type: 'field', source: 'mail', destination: 'EmailAddress', required: true }, { type: 'field', source: 'lastName', destination: 'LastName' }] }, ['TO_HUB']);
    const rec = src.records.insert('contact', { firstName: 'Perm', lastName: 'Anent', email: 'perm@example.com' });
    await h.engine.enqueueManual({ tenantId: h.tenantId, subscriptionId: sub.id, direction: 'TO_HUB', entity: 'contact', externalIds: [rec.id] });
    const failed = await eventually(async () => (await transfersOf(h, { subscriptionId: sub.id, externalId: rec.id, status: 'error' }))[0], 20_000, 'error row');
    expect(failed).toMatchObject({ errorCode: 'JCT_SYNC_MAPPING', errorField: 'EmailAddress', attempts: 1, collectionVersion: 1 });
    expect(failed.errorMessage).toContain(rec.id);
    expect(failed.errorMessage).toContain('mail');
    expect(failed.sourcePayload).toMatchObject({ email: 'perm@example.com' });
    expect(await findLinkByExternalId(h.t.db, sub.id, 'Customer', rec.id)).toBeNull();

    await updateCollection(h.t.db, h.tenantId, toHub!, { mappings: [{ type: 'field', source: 'email', destination: 'EmailAddress', required: true }, { type: 'field', source: 'lastName', destination: 'LastName' }] });
    const replayed = await h.engine.replay({ tenantId: h.tenantId, ids: [failed.id] });
    expect(replayed.enqueued).toBe(1);
    const ok = await eventually(async () => (await transfersOf(h, { subscriptionId: sub.id, externalId: rec.id, status: 'success' }))[0], 20_000, 'replayed transfer');
    expect(ok).toMatchObject({ replayOf: failed.id, collectionVersion: 2, trigger: 'replay' });
    expect(await findLinkByExternalId(h.t.db, sub.id, 'Customer', rec.id)).not.toBeNull();
  });

  it('a destination validation error names the field; replay with an edited payload is recorded', async () => {
    const dest = h.system('perm-dest', { faults: { permanentErrorWhen: (d) => (String(d.lastName ?? '') === '' ? { field: 'lastName', message: 'lastName is required' } : null) } });
    const sub = await h.subscription(dest, 'perm-dest');
    await h.contactCollections(sub.id, { mappings: customerToContact.filter((m) => m.destination !== 'lastName') }, ['FROM_HUB']);
    const [hubId] = await hubCustomers(1, 'permdest');
    await h.engine.enqueueManual({ tenantId: h.tenantId, subscriptionId: sub.id, direction: 'FROM_HUB', hubIds: [hubId!] });
    const failed = await eventually(async () => (await transfersOf(h, { hubId: hubId!, status: 'error' }))[0], 20_000, 'error row');
    expect(failed).toMatchObject({ errorCode: 'JCT_SYNC_DESTINATION', errorField: 'lastName', attempts: 1, direction: 'FROM_HUB' });
    expect(failed.errorMessage).toContain('lastName is required');

    // TO_HUB replay with an edited source payload
    const src = h.system('edit-src');
    const s2 = await h.subscription(src, 'edit-src');
    await h.contactCollections(s2.id, { mappings: [{ type: 'field', source: 'email', destination: 'EmailAddress', required: true }] }, ['TO_HUB']);
    const rec = src.records.insert('contact', { firstName: 'No', lastName: 'Mail' });
    await h.engine.enqueueManual({ tenantId: h.tenantId, subscriptionId: s2.id, direction: 'TO_HUB', entity: 'contact', externalIds: [rec.id] });
    const bad = await eventually(async () => (await transfersOf(h, { subscriptionId: s2.id, externalId: rec.id, status: 'error' }))[0], 20_000, 'error row');
    await h.engine.replay({ tenantId: h.tenantId, ids: [bad.id], editedPayload: { id: rec.id, email: 'fixed@example.com' } });
    const ok = await eventually(async () => (await transfersOf(h, { subscriptionId: s2.id, externalId: rec.id, status: 'success' }))[0], 20_000, 'replayed');
    expect(ok.editedPayload).toEqual({ id: rec.id, email: 'fixed@example.com' });
    expect(ok.replayOf).toBe(bad.id);
  });

  it('the sweeper re-queues a job stuck in active state, and it completes', async () => {
    const src = h.system('sweep');
    const sub = await h.subscription(src, 'sweep');
    await h.contactCollections(sub.id, {}, ['TO_HUB']);
    await h.engine.stop();
    const rec = src.records.insert('contact', { firstName: 'Stuck', lastName: 'Job', email: 'stuck@example.com' });
    await h.engine.enqueueManual({ tenantId: h.tenantId, subscriptionId: sub.id, direction: 'TO_HUB', entity: 'contact', externalIds: [rec.id] });
    const fetched = await h.queue.fetch(QUEUES.inbound); // a worker takes it… and dies
    expect(fetched?.length).toBe(1);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await h.engine.sweep(1)).toBe(1);
    await h.engine.startWorkers({ concurrency: 1 });
    await eventually(async () => (await transfersOf(h, { subscriptionId: sub.id, externalId: rec.id, status: 'success' }))[0], 20_000, 'swept job done');
  });
});
