import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend } from '../helpers/backend.js';
import { eventually, hubCount, startSyncHarness, transfersOf, type SyncHarness } from './sync-harness.js';

let h: SyncHarness;
beforeAll(async () => {
  h = await startSyncHarness();
});
afterAll(() => h.close());

describe(`sync end to end on ${backend}`, () => {
  it('a change in A reaches the hub and B with one write each, and nothing echoes back to A', async () => {
    const crm = h.system('crm');
    const erp = h.system('erp');
    const a = await h.subscription(crm, 'crm');
    const b = await h.subscription(erp, 'erp');
    await h.contactCollections(a.id);
    await h.contactCollections(b.id);

    const rec = crm.records.insert('contact', { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' });
    const answer = await h.engine.receiveWebhook(a.id, {
      headers: { authorization: `Bearer ${a.webhookKey}` },
      query: {},
      body: { notifications: [{ scope: 'contact/created', external_id: rec.id }] },
    });
    expect(answer.status).toBe(202);

    const created = (await eventually(() => erp.records.all('contact')[0], 20_000, 'record in B'))!;
    expect(created.data).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' });
    await h.engine.drain();
    expect(await hubCount(h)).toBe(1);
    expect(erp.stats.writes.get(created.id)).toMatchObject({ creates: 1, updates: 0 });
    expect(crm.stats.calls.create + crm.stats.calls.update).toBe(0);

    // B's own poll sees the record Junction created there: it links back to the same hub record, changes nothing, sends nothing.
    await h.engine.pollNow(b.id, 'contact');
    await h.engine.drain();
    expect(await hubCount(h)).toBe(1);
    expect(crm.stats.calls.create + crm.stats.calls.update).toBe(0);
    expect(erp.stats.writes.get(created.id)).toMatchObject({ creates: 1, updates: 0 });

    // An update in A: one hub version more, one update in B, still nothing written to A.
    crm.records.update('contact', rec.id, { lastName: 'King' });
    await h.engine.enqueueManual({ tenantId: h.tenantId, subscriptionId: a.id, direction: 'TO_HUB', entity: 'contact', externalIds: [rec.id] });
    await eventually(() => erp.records.get('contact', created.id)?.data.lastName === 'King', 20_000, 'update in B');
    await h.engine.drain();
    expect(erp.stats.writes.get(created.id)).toMatchObject({ creates: 1, updates: 1 });
    expect(crm.stats.calls.create + crm.stats.calls.update).toBe(0);
    const ok = await transfersOf(h, { status: 'success' });
    expect(ok.filter((t) => t.direction === 'FROM_HUB' && t.subscriptionId === a.id)).toEqual([]);
  });
});
