import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestSystem, testConnector, type TestSystem } from '../../src/connectors/test-connector/index.js';
import { createCollection } from '../../src/mapping/index.js';
import { createTenant, Vault } from '../../src/security/index.js';
import { startQueue, type Queue } from '../../src/store/index.js';
import { createSubscription } from '../../src/subscriptions/index.js';
import { createSyncEngine, type SyncEngine } from '../../src/sync/index.js';
import { serveTestSystems } from '../../src/sync/testing/remote-test-system.js';
import { backend, openTestDb, type TestDb } from '../helpers/backend.js';
import { contactToCustomer, customerToContact, eventually } from '../integration/sync-harness.js';

/**
 * Acceptance: on PostgreSQL with two `junction worker` processes, kill -9 one of them during an
 * initialization of 20k records and restart it; afterwards every record is in the hub exactly once
 * and created in the destination exactly once. The test systems live in this process behind a small
 * HTTP server, so the workers' writes are visible here. PGlite is one process by design (an embedded
 * data folder has one owner), so this file runs in the PostgreSQL pass.
 */
const RECORDS = Number(process.env.SYNC_CRASH_RECORDS ?? 20_000);
const SECRET = 'sync-crash-test';

let t: TestDb;
let queue: Queue;
let engine: SyncEngine;
let server: { url: string; close(): Promise<void> };
let src: TestSystem;
let dest: TestSystem;
const workers: ChildProcess[] = [];

function spawnWorker(): ChildProcess {
  const child = spawn(process.execPath, ['bin/junction.js', 'worker', '--concurrency', '2', '--batch-size', '50'], {
    env: {
      ...process.env,
      DATABASE_URL: t.url,
      JUNCTION_SECRET_KEY: SECRET,
      JUNCTION_TEST_SYSTEM_URL: server.url,
      JUNCTION_SYNC_CLAIM_STALE_MS: '3000',
      JUNCTION_SYNC_STUCK_AFTER_SECONDS: '5',
      JUNCTION_SYNC_PAGE_SIZE: '500',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[worker ${child.pid}] ${d.toString()}`));
  workers.push(child);
  return child;
}

describe('kill -9 of a worker during a 20k initialization (PostgreSQL, two worker processes)', () => {
  beforeAll(async () => {
    // test/postgres runs only in the PostgreSQL pass (scripts/test.js): several processes share one database.
    if (backend !== 'postgres') throw new Error('test/postgres needs JUNCTION_TEST_BACKEND=postgres: embedded PGlite is one process by design.');
    t = await openTestDb();
    server = await serveTestSystems();
    const tag = randomBytes(3).toString('hex');
    src = createTestSystem({ systemKey: `crash-src-${tag}`, recordCalls: false });
    dest = createTestSystem({ systemKey: `crash-dest-${tag}`, recordCalls: false });
    for (let i = 0; i < RECORDS; i++) src.records.insert('contact', { firstName: `F${i}`, lastName: `L${i}`, email: `c${i}@example.com` });
    const vault = new Vault(SECRET);
    const connectors = (s: string) => (s === 'test' ? testConnector : undefined);
    queue = await startQueue(t.db, { supervise: false });
    engine = createSyncEngine({ db: t.db, queue, vault, connectors });
  }, 60_000);

  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await engine?.stop();
    await queue?.stop({ graceful: false, wait: true }).catch(() => undefined);
    await server?.close();
    src?.dispose();
    dest?.dispose();
    await t?.cleanup();
  });

  it('every record ends up in the hub exactly once and created at the destination exactly once', async () => {
    const tenantId = (await createTenant(t.db, 'crash')).id;
    const deps = { vault: new Vault(SECRET), connectors: (s: string) => (s === 'test' ? testConnector : undefined) };
    const a = (await createSubscription(t.db, deps, tenantId, { system: 'test', name: 'source', settings: src.subscriptionSettings, enabled: true })).subscription;
    const b = (await createSubscription(t.db, deps, tenantId, { system: 'test', name: 'dest', settings: dest.subscriptionSettings, enabled: true })).subscription;
    await createCollection(t.db, tenantId, { subscriptionId: a.id, name: 'in', hubModel: 'Customer', entity: 'contact', direction: 'TO_HUB', syncType: 'ADD_UPDATE', externalIdFormat: '{{id}}', mappings: contactToCustomer });
    await createCollection(t.db, tenantId, { subscriptionId: b.id, name: 'out', hubModel: 'Customer', entity: 'contact', direction: 'FROM_HUB', syncType: 'ADD_UPDATE', externalIdFormat: '{{id}}', mappings: customerToContact });

    const first = spawnWorker();
    spawnWorker();
    const run = await engine.startInitialization({ tenantId, subscriptionId: a.id, entity: 'contact' });
    // Kill one worker hard while pages and deliveries are in flight.
    await eventually(async () => (await engine.getInitialization(tenantId, run.id)).done >= RECORDS / 5 && dest.records.count('contact') > 500, 120_000, 'work under way');
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const atKill = await engine.getInitialization(tenantId, run.id);
    expect(atKill.state).toBe('running');
    spawnWorker();

    await eventually(async () => (await engine.getInitialization(tenantId, run.id)).state === 'completed', 240_000, 'initialization completed');
    await eventually(() => dest.records.count('contact') >= RECORDS, 240_000, 'all records at the destination');
    await engine.drain(120_000);

    const done = await engine.getInitialization(tenantId, run.id);
    expect(done).toMatchObject({ state: 'completed', done: RECORDS, total: RECORDS, errors: 0 });
    const { rows: hub } = await t.db.query<{ n: number; emails: number }>(
      "SELECT count(*)::int AS n, count(DISTINCT lower(data->>'EmailAddress'))::int AS emails FROM hub_records WHERE tenant_id = $1 AND model = 'Customer'",
      [tenantId],
    );
    expect(hub[0]).toEqual({ n: RECORDS, emails: RECORDS });
    const { rows: links } = await t.db.query<{ sub: string; n: number }>('SELECT subscription_id AS sub, count(*)::int AS n FROM external_links WHERE tenant_id = $1 GROUP BY subscription_id', [tenantId]);
    expect(Object.fromEntries(links.map((l) => [l.sub, l.n]))).toEqual({ [a.id]: RECORDS, [b.id]: RECORDS });
    expect(dest.records.count('contact')).toBe(RECORDS);
    const emails = new Set(dest.records.all('contact').map((r) => String(r.data.email)));
    expect(emails.size).toBe(RECORDS);
    let creates = 0;
    for (const w of dest.stats.writes.values()) {
      expect(w.creates).toBeLessThanOrEqual(1);
      creates += w.creates;
    }
    expect(creates).toBe(RECORDS);
  }, 420_000);
});
