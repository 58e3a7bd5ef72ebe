import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateCollection } from '../../src/mapping/index.js';
import { pollTargets } from '../../src/sync/sql.js';
import { backend } from '../helpers/backend.js';
import { startSyncHarness, type SyncHarness } from './sync-harness.js';

let h: SyncHarness;
beforeAll(async () => {
  h = await startSyncHarness({ workers: false });
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
