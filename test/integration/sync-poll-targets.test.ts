import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateCollection } from '../../src/mapping/index.js';
import { pollTargets } from '../../src/sync/sql.js';
import { backend } from '../helpers/backend.js';
import { eventually, hubCount, startSyncHarness, type SyncHarness } from './sync-harness.js';

let h: SyncHarness;
beforeAll(async () => {
  h = await startSyncHarness();
});
afterAll(() => h.close());

describe(`which collections the poll scheduler polls on ${backend}`, () => {
  it('polls collections without a trigger list or listing "poll", and leaves initialization-only ones alone', async () => {
    const sub = await h.subscription(h.system('poll-targets'), 'poll-targets');
    const { toHub } = await h.contactCollections(sub.id, {}, ['TO_HUB']);
    const polled = async () => (await pollTargets(h.t.db)).filter((t) => t.subscriptionId === sub.id).map((t) => t.entity);
    expect(await polled()).toEqual(['contact']);
    await updateCollection(h.t.db, h.tenantId, toHub as string, { triggers: ['init', 'manual'] });
    expect(await polled()).toEqual([]);
    await updateCollection(h.t.db, h.tenantId, toHub as string, { triggers: ['poll', 'manual'] });
    expect(await polled()).toEqual(['contact']);
  });
});

describe(`a webhook for every record on ${backend}`, () => {
  it('polls the entity instead of fetching a record called "*"', async () => {
    const system = h.system('collection-notice');
    const sub = await h.subscription(system, 'collection-notice');
    await h.contactCollections(sub.id, {}, ['TO_HUB']);
    for (let i = 0; i < 5; i++) system.records.insert('contact', { firstName: `C${i}`, lastName: 'N', email: `notice${i}@example.com` });
    const before = await hubCount(h);
    const answer = await h.engine.receiveWebhook(sub.id, { headers: { authorization: `Bearer ${sub.webhookKey}` }, query: {}, body: { notifications: [{ scope: 'contact/updated', external_id: '*' }] } });
    expect(answer.status).toBe(202);
    await eventually(async () => (await hubCount(h)) === before + 5, 20_000, 'five polled contacts in the hub');
    await h.engine.drain();
    expect(system.stats.calls.get).toBe(0);
  });
});
