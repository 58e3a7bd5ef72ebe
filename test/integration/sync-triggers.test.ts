import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConnector } from '../../src/connectors/test-connector/index.js';
import type { ConnectorDefinition } from '../../src/connectors/types.js';
import { updateCollection } from '../../src/mapping/index.js';
import { expectedClientState, pollDays, QUEUES } from '../../src/sync/index.js';
import { backend } from '../helpers/backend.js';
import { eventually, hubCount, startSyncHarness, transfersOf, type SyncHarness } from './sync-harness.js';

/** The test connector with a Business-Central-style webhook scheme (validationToken handshake + clientState). */
const registrations: Array<{ op: 'subscribe' | 'renew'; id: string; url?: string; clientState?: string; expiresAt: string }> = [];
const withWebhooks: ConnectorDefinition = {
  ...testConnector,
  entities: testConnector.entities.map((e) => ({ ...e, capabilities: { ...e.capabilities, webhook: true } })),
  create(ctx) {
    return {
      ...testConnector.create(ctx),
      webhooks: {
        async subscribe(entity, url, clientState) {
          const r = { id: `reg-${entity}-${registrations.length}`, entity, clientState, expiresAt: new Date(Date.now() + 60_000).toISOString() };
          registrations.push({ op: 'subscribe', id: r.id, url, clientState, expiresAt: r.expiresAt });
          return r;
        },
        async renew(reg) {
          const next = { ...reg, expiresAt: new Date(Date.now() + 3 * 86_400_000).toISOString() };
          registrations.push({ op: 'renew', id: reg.id, expiresAt: next.expiresAt });
          return next;
        },
        async unsubscribe() {},
      },
    };
  },
  receiveWebhook(call) {
    if (call.query.validationToken) return { kind: 'handshake', body: call.query.validationToken };
    const value = (call.body as { value?: Array<{ resource: string; clientState: string; changeType: string }> }).value;
    if (!Array.isArray(value)) return { kind: 'rejected', reason: 'no value array' };
    return {
      kind: 'notifications',
      clientState: value[0]?.clientState,
      notifications: value.map((v) => ({ entity: 'contact', externalId: v.resource, change: v.changeType === 'deleted' ? 'deleted' : 'updated' })),
    };
  },
};

let h: SyncHarness;
beforeAll(async () => {
  h = await startSyncHarness({ workers: false, engine: { pollOverlapMs: 60_000, pollDaysDefault: 7 }, connectors: (s) => (s === 'test' ? withWebhooks : undefined) });
});
afterAll(() => h.close());

const day = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
async function cursorOf(subscriptionId: string) {
  const { rows } = await h.t.db.query<{ cursor_at: Date | string | null }>('SELECT cursor_at FROM sync_poll_cursors WHERE subscription_id = $1', [subscriptionId]);
  return rows[0]?.cursor_at ? new Date(rows[0].cursor_at).toISOString() : null;
}
async function queued(subscriptionId: string): Promise<number> {
  const { rows } = await h.t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state = 'created' AND data->>'subscriptionId' = $2`, [QUEUES.inbound, subscriptionId]);
  return rows[0]?.n ?? 0;
}
async function linkCount(subscriptionId: string): Promise<number> {
  const { rows } = await h.t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM external_links l JOIN hub_records r ON r.id = l.hub_id WHERE l.subscription_id = $1 AND r.deleted_at IS NULL', [subscriptionId]);
  return rows[0]?.n ?? 0;
}
async function work() {
  await h.engine.startWorkers({ concurrency: 1, batchSize: 50 });
  await h.engine.drain();
  await h.engine.stop();
}

describe(`triggers on ${backend}`, () => {
  it('reads the look-back days from a "... Poll Days" setting, default 7', () => {
    expect(pollDays({ ContactPollDays: 3 }, 'Contact', 7)).toBe(3);
    expect(pollDays({ 'Contact Poll Days': '2' }, 'contact', 7)).toBe(2);
    expect(pollDays({}, 'contact', 7)).toBe(7);
  });

  it('polling: look-back on the first poll, cursor in the same step as the work, same-timestamp rows kept, unchanged rows skipped, mapping edits keep the cursor', async () => {
    const sys = h.system('poll');
    const sub = await h.subscription(sys, 'poll');
    const { toHub } = await h.contactCollections(sub.id, {}, ['TO_HUB']);
    const now = Date.now();
    sys.records.insert('contact', { firstName: 'Ten', lastName: 'Days', email: 'ten@example.com' }, { modifiedAt: iso(now - 10 * day) });
    sys.records.insert('contact', { firstName: 'Five', lastName: 'Days', email: 'five@example.com' }, { modifiedAt: iso(now - 5 * day) });
    const t1 = now - 60 * 60_000;
    sys.records.insert('contact', { firstName: 'One', lastName: 'Hour', email: 'hour@example.com' }, { modifiedAt: iso(t1) });

    const first = await h.engine.pollNow(sub.id, 'contact');
    expect(first).toMatchObject({ read: 2, enqueued: 2, cursor: iso(t1) });
    expect(await cursorOf(sub.id)).toBe(iso(t1));
    expect(await queued(sub.id)).toBe(2); // the work and the cursor moved together
    await work();
    expect(await hubCount(h)).toBe(2);

    // Nothing changed: re-read through the overlap, skipped by content hash.
    expect(await h.engine.pollNow(sub.id, 'contact')).toMatchObject({ enqueued: 0, cursor: iso(t1) });

    // A row committed later with exactly the cursor's timestamp is not lost.
    const late = sys.records.insert('contact', { firstName: 'Same', lastName: 'Stamp', email: 'same@example.com' }, { modifiedAt: iso(t1) });
    expect(await h.engine.pollNow(sub.id, 'contact')).toMatchObject({ enqueued: 1, cursor: iso(t1) });
    await work();
    expect((await transfersOf(h, { subscriptionId: sub.id, externalId: late.id }))[0]).toMatchObject({ status: 'success', trigger: 'poll' });

    // Editing the mapping does not reset the cursor (nothing is re-read from the look-back).
    await updateCollection(h.t.db, h.tenantId, toHub!, { description: 'edited' });
    expect(await h.engine.pollNow(sub.id, 'contact')).toMatchObject({ enqueued: 0, cursor: iso(t1) });
    expect(await cursorOf(sub.id)).toBe(iso(t1));

    // A failed poll leaves the cursor where it was.
    const t2 = now - 1000;
    sys.records.insert('contact', { firstName: 'New', lastName: 'One', email: 'new@example.com' }, { modifiedAt: iso(t2) });
    sys.setFaults({ failEveryNth: 1 });
    await expect(h.engine.pollNow(sub.id, 'contact')).rejects.toMatchObject({ kind: 'transient' });
    expect(await cursorOf(sub.id)).toBe(iso(t1));
    sys.setFaults({ failEveryNth: 0 });
    expect(await h.engine.pollNow(sub.id, 'contact')).toMatchObject({ enqueued: 1, cursor: iso(t2) });
    await work();
    expect(await hubCount(h)).toBe(4);
  });

  it('webhook: verifies the key, enqueues in the outbox and answers 202; a bad key is refused', async () => {
    const sys = h.system('hook');
    const sub = await h.subscription(sys, 'hook');
    await h.contactCollections(sub.id, {}, ['TO_HUB']);
    const rec = sys.records.insert('contact', { firstName: 'Web', lastName: 'Hook', email: 'hook@example.com' });
    const started = Date.now();
    const answer = await h.engine.receiveWebhook(sub.id, { headers: { authorization: `Bearer ${sub.webhookKey}` }, query: {}, body: { notifications: [{ scope: 'contact/created', external_id: rec.id }] } });
    expect(answer).toMatchObject({ status: 202, body: { accepted: 1, enqueued: 1 } });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(sys.stats.totalCalls).toBe(0); // nothing fetched before answering
    expect(await queued(sub.id)).toBe(1);
    await expect(h.engine.receiveWebhook(sub.id, { headers: { authorization: 'Bearer whk_wrong' }, query: {}, body: { notifications: [] } })).rejects.toMatchObject({ code: 'JCT_SYNC_WEBHOOK_UNAUTHORIZED', status: 401 });
    await work();
    expect((await transfersOf(h, { subscriptionId: sub.id }))[0]).toMatchObject({ status: 'success', trigger: 'webhook' });
  });

  it("webhook: the connector's own scheme (validationToken handshake, clientState check)", async () => {
    const sys = h.system('bcstyle');
    const sub = await h.subscription(sys, 'bcstyle');
    await h.contactCollections(sub.id, {}, ['TO_HUB']);
    expect(await h.engine.receiveWebhook(sub.id, { headers: {}, query: { validationToken: 'abc123' }, body: null })).toEqual({ status: 200, contentType: 'text/plain', body: 'abc123' });
    const { rows } = await h.t.db.query<{ webhook_key_hash: string }>('SELECT webhook_key_hash FROM subscriptions WHERE id = $1', [sub.id]);
    const clientState = expectedClientState(sub.id, rows[0]!.webhook_key_hash);
    const rec = sys.records.insert('contact', { firstName: 'B', lastName: 'C', email: 'bc@example.com' });
    const ok = await h.engine.receiveWebhook(sub.id, { headers: {}, query: {}, body: { value: [{ resource: rec.id, clientState, changeType: 'updated' }] } });
    expect(ok.status).toBe(202);
    await expect(h.engine.receiveWebhook(sub.id, { headers: {}, query: {}, body: { value: [{ resource: rec.id, clientState: 'forged', changeType: 'updated' }] } })).rejects.toMatchObject({
      code: 'JCT_SYNC_WEBHOOK_UNAUTHORIZED',
    });
    expect(await queued(sub.id)).toBe(1);
  });
});

describe(`webhook registrations on ${backend}`, () => {
  it('registers the endpoint with the expected clientState and renews it before it expires', async () => {
    const sys = h.system('reg');
    const sub = await h.subscription(sys, 'reg');
    await h.contactCollections(sub.id, {}, ['TO_HUB']);
    const made = await h.engine.subscribeWebhooks(h.tenantId, sub.id, 'https://junction.example.com/');
    expect(made.map((m) => m.entity)).toEqual(['contact']);
    const { rows } = await h.t.db.query<{ webhook_key_hash: string }>('SELECT webhook_key_hash FROM subscriptions WHERE id = $1', [sub.id]);
    expect(registrations[0]).toMatchObject({ op: 'subscribe', url: `https://junction.example.com/api/v1/webhooks/${sub.id}`, clientState: expectedClientState(sub.id, rows[0]!.webhook_key_hash) });
    expect(await h.engine.renewWebhooks(1_000)).toBe(0); // expires in a minute: not yet due with a 1 s window
    expect(await h.engine.renewWebhooks()).toBe(1); // due within the default 24 h window
    expect(registrations[1]).toMatchObject({ op: 'renew', id: registrations[0]!.id });
    expect(await h.engine.renewWebhooks()).toBe(0); // renewed for 3 days: nothing due
  });
});

describe(`initialization on ${backend}`, () => {
  it('pages through everything with progress (done / total / rate / ETA)', async () => {
    const sys = h.system('init', { records: { contact: 1000 } });
    const sub = await h.subscription(sys, 'init');
    await h.contactCollections(sub.id, {}, ['TO_HUB']);
    (h.engine.ctx.options as { pageSize: number }).pageSize = 500;
    const run = await h.engine.startInitialization({ tenantId: h.tenantId, subscriptionId: sub.id, entity: 'contact' });
    expect(run).toMatchObject({ state: 'running', done: 0 });
    await work();
    const done = await h.engine.getInitialization(h.tenantId, run.id);
    expect(done).toMatchObject({ state: 'completed', done: 1000, total: 1000, errors: 0, etaSeconds: null });
    expect(done.ratePerSecond).toBeGreaterThan(0);
    expect(await linkCount(sub.id)).toBe(1000);
    expect(sys.stats.calls.list).toBe(2); // 500 per page
  });

  it('resumes from its checkpoint after the workers stop mid-run, with every record exactly once', async () => {
    const sys = h.system('resume', { seed: 2, records: { contact: 600 }, faults: { latencyMs: 30 } });
    const sub = await h.subscription(sys, 'resume');
    await h.contactCollections(sub.id, {}, ['TO_HUB']);
    const engine = h.engine;
    (engine.ctx.options as { pageSize: number }).pageSize = 50;
    const run = await engine.startInitialization({ tenantId: h.tenantId, subscriptionId: sub.id, entity: 'contact' });
    await engine.startWorkers({ concurrency: 1 });
    await eventually(async () => (await engine.getInitialization(h.tenantId, run.id)).done >= 150, 20_000, '3 pages');
    await engine.stop();
    const mid = await engine.getInitialization(h.tenantId, run.id);
    expect(mid.state).toBe('running');
    expect(mid.done).toBeLessThan(600);
    expect(mid.checkpoint).not.toBeNull();
    // "crash": the job for the next page is picked up and dropped without committing; the sweeper puts it back
    const taken = await h.queue.fetch(QUEUES.init);
    expect(taken?.length ?? 0).toBeLessThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 1100));
    await engine.sweep(1);
    await work();
    const end = await engine.getInitialization(h.tenantId, run.id);
    expect(end).toMatchObject({ state: 'completed', done: 600, total: 600 });
    // generated data has a few shared emails: those are duplicate errors (collision ERROR), the rest linked once
    expect((await linkCount(sub.id)) + end.errors).toBe(600);
    const { rows } = await h.t.db.query<{ n: number; d: number }>('SELECT count(*)::int AS n, count(DISTINCT external_id)::int AS d FROM sync_transfers WHERE run_id = $1', [run.id]);
    expect(rows[0]).toEqual({ n: 600, d: 600 }); // one transfer per record: no page processed twice
    const errors = await transfersOf(h, { runId: run.id, status: 'error' });
    expect(errors.every((e) => e.errorCode === 'JCT_SYNC_DUPLICATE')).toBe(true);
    (engine.ctx.options as { pageSize: number }).pageSize = 500;
  });

  it('can be cancelled; no page is read after the cancel', async () => {
    const sys = h.system('cancel', { seed: 3, records: { contact: 2000 }, faults: { latencyMs: 50 } });
    const sub = await h.subscription(sys, 'cancel');
    await h.contactCollections(sub.id, {}, ['TO_HUB']);
    (h.engine.ctx.options as { pageSize: number }).pageSize = 100;
    const run = await h.engine.startInitialization({ tenantId: h.tenantId, subscriptionId: sub.id, entity: 'contact' });
    await h.engine.startWorkers({ concurrency: 1 });
    await eventually(async () => (await h.engine.getInitialization(h.tenantId, run.id)).done >= 100, 20_000, 'first page');
    const cancelled = await h.engine.cancelInitialization(h.tenantId, run.id);
    expect(cancelled.state).toBe('cancelled');
    const lists = sys.stats.calls.list;
    await new Promise((r) => setTimeout(r, 1000));
    await h.engine.drain();
    await h.engine.stop();
    expect(sys.stats.calls.list).toBeLessThanOrEqual(lists + 1); // at most the page already in flight
    const end = await h.engine.getInitialization(h.tenantId, run.id);
    expect(end.state).toBe('cancelled');
    expect(end.done).toBeLessThan(2000);
    (h.engine.ctx.options as { pageSize: number }).pageSize = 500;
  });
});
