import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorError, type Connector, type ConnectorContext, type ExternalRecord } from '../types.js';
import { allPages, connectorErrorOf, testContext } from '../testing.js';
import { createTestSystem, getTestSystem, testConnector, type TestSystem, type TestSystemOptions } from './index.js';

const systems: TestSystem[] = [];
function system(options: TestSystemOptions = {}): TestSystem {
  const s = createTestSystem(options);
  systems.push(s);
  return s;
}
afterEach(() => {
  for (const s of systems.splice(0)) s.dispose();
});

function ctxFor(settings: Record<string, unknown>, gateCalls = { n: 0 }): ConnectorContext {
  return testContext(settings, { subscriptionId: 'sub-1', gateCalls });
}

/** A manual clock so modifiedAt, Retry-After and quota days are under test control. */
function clock(start = Date.parse('2026-01-01T00:00:00.000Z')) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms), set: (ms: number) => (t = ms) };
}

describe('test connector: definition and registry', () => {
  it('describes system test with contact and company, validates settings', () => {
    expect(testConnector.system).toBe('test');
    const contact = testConnector.entities.find((e) => e.name === 'contact');
    expect(contact).toMatchObject({ emailField: 'email', idFormats: ['{{id}}'] });
    expect(testConnector.entities.map((e) => e.name)).toEqual(['contact', 'company']);
    expect(testConnector.settingsSchema.safeParse({ systemKey: 'a' }).success).toBe(true);
    expect(testConnector.settingsSchema.safeParse({}).success).toBe(false);
    const s = system();
    expect(testConnector.settingsSchema.safeParse(s.subscriptionSettings).success).toBe(true);
    expect(s.definition).toBe(testConnector);
  });

  it('finds its instance from ctx.settings.systemKey; two keys are two systems', async () => {
    const a = system({ systemKey: 'sys-a' });
    const b = system({ systemKey: 'sys-b' });
    expect(getTestSystem('sys-a')).toBe(a);
    a.records.insert('contact', { email: 'a@example.com' });
    const ca = testConnector.create(ctxFor(a.subscriptionSettings));
    const cb = testConnector.create(ctxFor(b.subscriptionSettings));
    expect((await ca.list('contact', {})).total).toBe(1);
    expect((await cb.list('contact', {})).total).toBe(0);
    await cb.create('contact', { email: 'b@example.com' });
    expect(a.records.count('contact')).toBe(1);
    expect(b.records.count('contact')).toBe(1);
  });

  it('reports an unknown systemKey in testConnection and as a permanent error', async () => {
    const c = testConnector.create(ctxFor({ systemKey: 'nope' }));
    const checks = await c.testConnection();
    expect(checks[0]?.ok).toBe(false);
    expect((await connectorErrorOf(c.get('contact', 'x'))).code).toBe('TEST_UNKNOWN_SYSTEM');
    const s = system({ systemKey: 'yes', records: { contact: 3 } });
    const ok = await s.connector().testConnection();
    expect(ok[0]).toMatchObject({ ok: true });
  });

  it('calls ctx.gate on every call', async () => {
    const s = system({ records: { contact: 5 } });
    const gate = { n: 0 };
    const c = testConnector.create(ctxFor(s.subscriptionSettings, gate));
    await c.testConnection();
    await c.get('contact', 'contact-000001');
    await c.list('contact', {});
    await c.poll('contact', { since: '1970-01-01T00:00:00Z' });
    await c.findBy('contact', 'email', 'x');
    const created = await c.create('contact', { email: 'n@example.com' });
    await c.update('contact', created.id, { firstName: 'N' });
    await c.delete('contact', created.id);
    await c.createMany?.('contact', [{ email: 'm@example.com' }]);
    expect(gate.n).toBe(9);
    expect(s.stats.totalCalls).toBe(9);
    expect(s.stats.calls).toMatchObject({ testConnection: 1, get: 1, list: 1, poll: 1, findBy: 1, create: 1, update: 1, delete: 1, createMany: 1 });
  });

  it('logs every call with its method, entity and arrival time; resetStats clears in place', async () => {
    const t = clock();
    const s = system({ now: t.now, records: { contact: 2 } });
    const c = s.connector();
    await c.get('contact', 'contact-000001');
    t.advance(10);
    await c.list('company', {});
    const stats = s.stats;
    expect(stats.callLog).toEqual([
      { method: 'get', entity: 'contact', at: t.now() - 10 },
      { method: 'list', entity: 'company', at: t.now() },
    ]);
    s.resetStats();
    expect(stats.totalCalls).toBe(0);
    expect(stats.callLog).toEqual([]);
    expect(stats.calls.get).toBe(0);
  });

  it('generates the same data for the same seed', () => {
    const a = system({ records: { contact: 20, company: 5 }, seed: 7 });
    const b = system({ records: { contact: 20, company: 5 }, seed: 7 });
    expect(a.records.all('contact').map((r) => r.data)).toEqual(b.records.all('contact').map((r) => r.data));
    expect(a.records.count('company')).toBe(5);
  });
});

describe('test connector: reads', () => {
  it('lists every record once over pages, with total, in insertion order', async () => {
    const s = system({ records: { contact: 1050 } });
    s.records.delete('contact', 'contact-000010');
    const c = s.connector();
    const pages = await allPages(c, 'contact', { pageSize: 100 });
    for (const page of pages) expect(page.total).toBe(1049);
    const seen = pages.flatMap((page) => page.records.map((r) => r.id));
    expect(pages).toHaveLength(11);
    expect(seen).toHaveLength(1049);
    expect(new Set(seen).size).toBe(1049);
    expect(seen[0]).toBe('contact-000001');
  });

  it('get returns id, data (with id), modifiedAt and etag; null when missing', async () => {
    const s = system();
    const inserted = s.records.insert('contact', { email: 'x@example.com', firstName: 'X' }, { id: 'C1', modifiedAt: '2026-02-01T10:00:00Z' });
    expect(inserted).toMatchObject({ id: 'C1', version: 1, etag: 'W/"1"', modifiedAt: '2026-02-01T10:00:00.000Z' });
    const c = s.connector();
    const got = await c.get('contact', 'C1');
    expect(got).toEqual({ id: 'C1', data: { id: 'C1', email: 'x@example.com', firstName: 'X' }, modifiedAt: '2026-02-01T10:00:00.000Z', etag: 'W/"1"' });
    expect(await c.get('contact', 'C2')).toBeNull();
    // returned data is a copy
    (got as ExternalRecord).data.firstName = 'changed';
    expect(s.records.get('contact', 'C1')?.data.firstName).toBe('X');
  });

  it('polls modifiedAt >= since ascending by (modifiedAt, id) with a cursor', async () => {
    const s = system();
    s.records.insert('contact', { n: 1 }, { id: 'b', modifiedAt: '2026-01-01T00:00:02Z' });
    s.records.insert('contact', { n: 2 }, { id: 'a', modifiedAt: '2026-01-01T00:00:02Z' });
    s.records.insert('contact', { n: 3 }, { id: 'c', modifiedAt: '2026-01-01T00:00:01Z' });
    s.records.insert('contact', { n: 4 }, { id: 'd', modifiedAt: '2026-01-01T00:00:03Z' });
    s.records.insert('contact', { n: 5 }, { id: 'e', modifiedAt: '2026-01-01T00:00:00Z' });
    const c = s.connector();
    const p1 = await c.poll('contact', { since: '2026-01-01T00:00:01Z', pageSize: 2 });
    expect(p1.records.map((r) => r.id)).toEqual(['c', 'a']);
    expect(p1.next).toBeDefined();
    const p2 = await c.poll('contact', { since: '2026-01-01T00:00:01Z', cursor: p1.next, pageSize: 2 });
    expect(p2.records.map((r) => r.id)).toEqual(['b', 'd']);
    expect(p2.next).toBeUndefined();
    // an update moves the record to the end of the timeline
    s.records.update('contact', 'c', { n: 33 }, { modifiedAt: '2026-01-01T00:00:04Z' });
    const all = await c.poll('contact', { since: '2026-01-01T00:00:00Z', pageSize: 100 });
    expect(all.records.map((r) => r.id)).toEqual(['e', 'a', 'b', 'd', 'c']);
    expect(all.records[4]).toMatchObject({ etag: 'W/"2"', data: { n: 33 } });
  });

  it('polls exactly the changes after writes through the connector (clocked)', async () => {
    const t = clock();
    const s = system({ now: t.now, records: { contact: 10 } });
    const c = s.connector();
    const since = new Date(t.now()).toISOString();
    t.advance(5);
    await c.update('contact', 'contact-000003', { firstName: 'Changed' });
    t.advance(5);
    const created = await c.create('contact', { email: 'new@example.com' });
    const page = await c.poll('contact', { since });
    expect(page.records.map((r) => r.id)).toEqual(['contact-000003', created.id]);
    await expect(c.poll('contact', { since: 'yesterday' })).rejects.toMatchObject({ code: 'TEST_BAD_SINCE', kind: 'permanent' });
  });

  it('findBy matches a field value; email case-insensitively; follows updates', async () => {
    const s = system();
    s.records.insert('contact', { email: 'Jane@Example.com', city: 'Oslo' }, { id: 'j' });
    s.records.insert('contact', { email: 'john@example.com', city: 'Oslo' }, { id: 'k' });
    const c = s.connector();
    expect((await c.findBy('contact', 'email', 'jane@example.com')).map((r) => r.id)).toEqual(['j']);
    expect((await c.findBy('contact', 'city', 'Oslo')).map((r) => r.id).sort()).toEqual(['j', 'k']);
    await c.update('contact', 'j', { email: 'jane2@example.com' });
    expect(await c.findBy('contact', 'email', 'jane@example.com')).toEqual([]);
    expect((await c.findBy('contact', 'email', 'JANE2@example.com')).map((r) => r.id)).toEqual(['j']);
  });
});

describe('test connector: writes', () => {
  it('creates, updates (merge, version, etag) and deletes', async () => {
    const s = system();
    const c = s.connector();
    const created = await c.create('contact', { email: 'a@example.com', firstName: 'A', id: 'ignored' });
    expect(created.id).toMatch(/^contact-\d{6}$/);
    expect(created.etag).toBe('W/"1"');
    const updated = await c.update('contact', created.id, { lastName: 'B' }, { etag: 'W/"1"' });
    expect(updated.data).toEqual({ id: created.id, email: 'a@example.com', firstName: 'A', lastName: 'B' });
    expect(updated.etag).toBe('W/"2"');
    expect(s.records.get('contact', created.id)?.version).toBe(2);
    await c.delete('contact', created.id);
    expect(await c.get('contact', created.id)).toBeNull();
    expect(s.stats.writes.get(created.id)).toEqual({ entity: 'contact', creates: 1, updates: 1, deletes: 1 });
  });

  it('rejects a stale etag with conflict and unknown ids with not_found', async () => {
    const s = system();
    s.records.insert('contact', { email: 'a@example.com' }, { id: 'x' });
    s.records.update('contact', 'x', { firstName: 'changed elsewhere' });
    const c = s.connector();
    const conflict = await connectorErrorOf(c.update('contact', 'x', { firstName: 'mine' }, { etag: 'W/"1"' }));
    expect(conflict).toMatchObject({ kind: 'conflict', code: 'TEST_ETAG_MISMATCH', status: 412 });
    expect(s.records.get('contact', 'x')?.data.firstName).toBe('changed elsewhere');
    expect((await connectorErrorOf(c.update('contact', 'nope', {}))).kind).toBe('not_found');
    expect((await connectorErrorOf(c.delete('contact', 'nope'))).kind).toBe('not_found');
    expect((await connectorErrorOf(c.get('order', 'x'))).code).toBe('TEST_UNKNOWN_ENTITY');
  });

  it('createMany returns one result per row, errors in place', async () => {
    const s = system({ faults: { duplicateOnEmail: true } });
    s.records.insert('contact', { email: 'taken@example.com' });
    const c = s.connector();
    const results = await c.createMany!('contact', [{ email: 'one@example.com' }, { email: 'TAKEN@example.com' }, { email: 'two@example.com' }]);
    expect(results).toHaveLength(3);
    expect(results[0]).not.toBeInstanceOf(ConnectorError);
    expect(results[1]).toBeInstanceOf(ConnectorError);
    expect(results[1]).toMatchObject({ kind: 'duplicate', field: 'email' });
    expect(results[2]).not.toBeInstanceOf(ConnectorError);
    expect(s.records.count('contact')).toBe(3);
  });
});

describe('test connector: faults', () => {
  it('failEveryNth gives a transient 503 on every Nth call', async () => {
    const s = system({ records: { contact: 1 }, faults: { failEveryNth: 3 } });
    const c = s.connector();
    const outcomes: string[] = [];
    for (let i = 0; i < 6; i++) {
      try {
        await c.get('contact', 'contact-000001');
        outcomes.push('ok');
      } catch (error) {
        expect(error).toMatchObject({ kind: 'transient', status: 503, code: 'TEST_UNAVAILABLE' });
        expect((error as ConnectorError).retryable).toBe(true);
        outcomes.push('503');
      }
    }
    expect(outcomes).toEqual(['ok', 'ok', '503', 'ok', 'ok', '503']);
    expect(s.stats.errors.transient).toBe(2);
  });

  it('throttleEveryNth gives 429 with retryAfterMs, logs it, and counts calls that come too early', async () => {
    const t = clock();
    const s = system({ now: t.now, records: { contact: 1 }, faults: { throttleEveryNth: 2, retryAfterMs: 1500 } });
    const c = s.connector();
    await c.get('contact', 'contact-000001');
    const throttled = await connectorErrorOf(c.get('contact', 'contact-000001'));
    expect(throttled).toMatchObject({ kind: 'rate_limited', status: 429, retryAfterMs: 1500 });
    expect(s.stats.throttles).toEqual([{ method: 'get', at: t.now(), retryAfterMs: 1500, until: t.now() + 1500, early: false }]);
    t.advance(1000);
    const early = await connectorErrorOf(c.get('contact', 'contact-000001'));
    expect(early).toMatchObject({ kind: 'rate_limited', retryAfterMs: 500 });
    expect(s.stats.earlyCalls).toBe(1);
    expect(s.stats.throttles[1]).toMatchObject({ early: true, retryAfterMs: 500 });
    t.advance(500);
    s.setFaults({ throttleEveryNth: 0 });
    await c.get('contact', 'contact-000001');
    // every call's arrival time is logged, so a test can compare it with the 429s
    const arrivals = s.stats.callLog.map((call) => call.at);
    const violations = s.stats.throttles.filter((th) => !th.early).flatMap((th) => arrivals.filter((at) => at > th.at && at < th.until));
    expect(violations).toHaveLength(1);
  });

  it('quota fails with kind quota and resetAt at the next UTC midnight, then resets', async () => {
    const t = clock(Date.parse('2026-03-05T22:00:00Z'));
    const s = system({ now: t.now, records: { contact: 1 }, faults: { quota: 2 } });
    const c = s.connector();
    await c.get('contact', 'contact-000001');
    await c.get('contact', 'contact-000001');
    const error = await connectorErrorOf(c.get('contact', 'contact-000001'));
    expect(error).toMatchObject({ kind: 'quota', code: 'TEST_QUOTA_EXCEEDED', resetAt: '2026-03-06T00:00:00.000Z' });
    t.set(Date.parse('2026-03-06T00:00:01Z'));
    expect(await c.get('contact', 'contact-000001')).not.toBeNull();
  });

  it('permanentErrorWhen rejects writes with kind permanent and the field', async () => {
    const s = system({
      faults: { permanentErrorWhen: (data) => (typeof data.phone === 'string' && !/^\+\d+$/.test(data.phone) ? { field: 'phone', message: 'Phone must look like +1XXXXXXXXXX' } : null) },
    });
    const c = s.connector();
    const error = await connectorErrorOf(c.create('contact', { email: 'a@example.com', phone: '555-1234' }));
    expect(error).toMatchObject({ kind: 'permanent', field: 'phone', message: 'Phone must look like +1XXXXXXXXXX', code: 'TEST_VALIDATION' });
    expect(error.retryable).toBe(false);
    const ok = await c.create('contact', { email: 'a@example.com', phone: '+15551234567' });
    const updateError = await connectorErrorOf(c.update('contact', ok.id, { phone: 'bad' }));
    expect(updateError.field).toBe('phone');
    expect(s.records.count('contact')).toBe(1);
  });

  it('duplicateOnEmail rejects a create with an existing email as duplicate', async () => {
    const s = system({ faults: { duplicateOnEmail: true } });
    s.records.insert('contact', { email: 'jane@example.com' });
    const c = s.connector();
    const error = await connectorErrorOf(c.create('contact', { email: ' Jane@example.com' }));
    expect(error).toMatchObject({ kind: 'duplicate', field: 'email', code: 'TEST_DUPLICATE_EMAIL' });
    s.setFaults({ duplicateOnEmail: false });
    await c.create('contact', { email: 'jane@example.com' });
    expect(s.records.count('contact')).toBe(2);
  });

  it('latencyMs delays calls', async () => {
    const s = system({ records: { contact: 1 }, faults: { latencyMs: 30 } });
    const started = performance.now();
    await s.connector().get('contact', 'contact-000001');
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });
});

describe('test connector: speed', () => {
  it('does at least 100k ops/s in zero-latency mode', async () => {
    const s = system({ records: { contact: 10_000 } });
    const c: Connector = s.connector();
    // Best of 3 rounds, by CPU time of this process (not wall time), so other work on a shared machine
    // does not make this flaky.
    const ops = 40_000;
    let best = 0;
    for (let round = 0; round < 3; round++) {
      const started = process.cpuUsage();
      for (let i = 0; i < ops; i++) {
        const id = `contact-${String((i % 10_000) + 1).padStart(6, '0')}`;
        if (i % 4 === 0) await c.update('contact', id, { n: i });
        else if (i % 4 === 1) await c.get('contact', id);
        else if (i % 4 === 2) await c.findBy('contact', 'email', `x${i}@example.com`);
        else await c.create('contact', { email: `new${round}-${i}@example.com`, firstName: 'N' });
      }
      const used = process.cpuUsage(started);
      best = Math.max(best, ops / ((used.user + used.system) / 1e6));
    }
    expect(best).toBeGreaterThan(100_000);
    // and a full poll over the changed records stays fast
    const pollStart = process.cpuUsage();
    let cursor: string | undefined;
    let count = 0;
    do {
      const page = await c.poll('contact', { since: '1970-01-01T00:00:00Z', cursor, pageSize: 1000 });
      count += page.records.length;
      cursor = page.next;
    } while (cursor);
    expect(count).toBe(s.records.count('contact'));
    const pollUsed = process.cpuUsage(pollStart);
    expect((pollUsed.user + pollUsed.system) / 1000).toBeLessThan(2000);
  });
});

describe('test connector: change feed and webhooks', () => {
  it('reports every change through onChange, and receiveWebhook parses notifications', async () => {
    const s = system();
    const changes: unknown[] = [];
    const stop = s.onChange((change) => changes.push(change));
    const c = s.connector();
    const created = await c.create('contact', { email: 'a@example.com' });
    await c.update('contact', created.id, { firstName: 'A' });
    s.records.insert('company', { name: 'Co' }, { id: 'co1' });
    await c.delete('contact', created.id);
    stop();
    s.records.update('company', 'co1', { name: 'Co 2' });
    expect(changes).toEqual([
      { entity: 'contact', id: created.id, change: 'created' },
      { entity: 'contact', id: created.id, change: 'updated' },
      { entity: 'company', id: 'co1', change: 'created' },
      { entity: 'contact', id: created.id, change: 'deleted' },
    ]);
    const receive = testConnector.receiveWebhook!;
    expect(receive({ headers: {}, query: {}, body: { clientState: 'cs', notifications: [{ entity: 'contact', externalId: 'x', change: 'updated' }] } })).toEqual({
      kind: 'notifications',
      notifications: [{ entity: 'contact', externalId: 'x', change: 'updated' }],
      clientState: 'cs',
    });
    expect(receive({ headers: {}, query: {}, body: { notifications: [{ entity: 'order', externalId: 'x', change: 'updated' }] } }).kind).toBe('rejected');
  });
});
