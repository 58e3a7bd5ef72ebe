import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createTestSystem, testConnector, type TestSystem } from '../src/connectors/test-connector/index.js';
import { createCollection, type Trigger } from '../src/mapping/index.js';
import { createApiKey, createTenant, Vault } from '../src/security/index.js';
import { migrate, openPglite, openPostgres, startQueue, type Db } from '../src/store/index.js';
import { createSubscription } from '../src/subscriptions/index.js';
import { createSyncEngine, type SyncEngine } from '../src/sync/index.js';
import { serveTestSystems } from '../src/sync/testing/remote-test-system.js';

/**
 * Sync engine benchmarks, all with the zero-latency in-memory test connector:
 * - initialization records/s embedded (PGlite, one process) and on PostgreSQL with 2 `junction worker`s
 * - API calls per record (initialization into the hub; and a full A → hub → B transfer)
 * - webhook → destination latency p50/p99 (embedded)
 * - peak RSS while initializing 200k records (embedded)
 * Sizes can be lowered with BENCH_SYNC_RECORDS / BENCH_SYNC_RSS_RECORDS for a quick run.
 */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  target?: string;
}

const SECRET = 'bench-sync';
const connectors = (s: string) => (s === 'test' ? testConnector : undefined);
const mappingsIn = [
  { type: 'field' as const, source: 'firstName', destination: 'FirstName' },
  { type: 'field' as const, source: 'lastName', destination: 'LastName' },
  { type: 'field' as const, source: 'email', destination: 'EmailAddress' },
  { type: 'field' as const, source: 'phone', destination: 'Phone' },
];
const mappingsOut = mappingsIn.map((m) => ({ ...m, source: m.destination, destination: m.source }));

function fill(system: TestSystem, n: number, prefix: string): void {
  for (let i = 0; i < n; i++) system.records.insert('contact', { firstName: `F${i}`, lastName: `L${i}`, email: `${prefix}${i}@example.com`, phone: `+1 555 ${String(i).padStart(7, '0')}` });
}

/** Tenant, subscription `a` (source) with a TO_HUB collection and, with `dest`, subscription `b` with a FROM_HUB one. */
async function setup(db: Db, systems: { src: TestSystem; dest?: TestSystem }, triggers: Trigger[] = []) {
  const tenantId = (await createTenant(db, `bench-${randomBytes(3).toString('hex')}`)).id;
  const deps = { vault: new Vault(SECRET), connectors };
  const a = await createSubscription(db, deps, tenantId, { system: 'test', name: 'a', settings: systems.src.subscriptionSettings, enabled: true });
  await createCollection(db, tenantId, { subscriptionId: a.subscription.id, name: 'in', hubModel: 'Customer', entity: 'contact', direction: 'TO_HUB', syncType: 'ADD_UPDATE', externalIdFormat: '{{id}}', mappings: mappingsIn, triggers });
  let b: string | undefined;
  if (systems.dest) {
    const sb = await createSubscription(db, deps, tenantId, { system: 'test', name: 'b', settings: systems.dest.subscriptionSettings, enabled: true });
    b = sb.subscription.id;
    await createCollection(db, tenantId, { subscriptionId: b, name: 'out', hubModel: 'Customer', entity: 'contact', direction: 'FROM_HUB', syncType: 'ADD_UPDATE', externalIdFormat: '{{id}}', mappings: mappingsOut });
  }
  return { tenantId, a: a.subscription.id, webhookKey: a.webhookKey, b };
}

async function waitRun(engine: SyncEngine, tenantId: string, runId: string, onTick?: () => void): Promise<void> {
  for (;;) {
    const run = await engine.getInitialization(tenantId, runId);
    if (run.state !== 'running') {
      if (run.state !== 'completed' || run.errors > 0) throw new Error(`initialization ${run.state} with ${run.errors} errors: ${run.error ?? ''}`);
      return;
    }
    onTick?.();
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Embedded initialization in this process (memory://): records/s and API calls per record. */
async function embeddedInit(records: number): Promise<{ rate: number; callsPerRecord: number }> {
  const db = await openPglite('memory://');
  await migrate(db);
  const queue = await startQueue(db, { supervise: false });
  const src = createTestSystem({ systemKey: `bench-src-${randomBytes(3).toString('hex')}`, recordCalls: false });
  fill(src, records, 'e');
  const ids = await setup(db, { src });
  const engine = createSyncEngine({ db, queue, vault: new Vault(SECRET), connectors });
  await engine.startWorkers({ concurrency: 1 });
  const started = performance.now();
  const run = await engine.startInitialization({ tenantId: ids.tenantId, subscriptionId: ids.a, entity: 'contact' });
  await waitRun(engine, ids.tenantId, run.id);
  const result = { rate: records / ((performance.now() - started) / 1000), callsPerRecord: src.stats.totalCalls / records };
  await engine.stop();
  await queue.stop({ graceful: false, wait: true }).catch(() => undefined);
  src.dispose();
  await db.close();
  return result;
}

/** Webhook → destination latency (embedded): each webhook's FROM_HUB transfer finishing at B. */
async function webhookLatency(count: number): Promise<{ p50: number; p99: number; callsPerRecord: number }> {
  const db = await openPglite('memory://');
  await migrate(db);
  const queue = await startQueue(db, { supervise: false });
  const src = createTestSystem({ systemKey: `bench-hook-src-${randomBytes(3).toString('hex')}`, recordCalls: false });
  const dest = createTestSystem({ systemKey: `bench-hook-dest-${randomBytes(3).toString('hex')}`, recordCalls: false });
  fill(src, count, 'w');
  const ids = await setup(db, { src, dest });
  const engine = createSyncEngine({ db, queue, vault: new Vault(SECRET), connectors });
  await engine.startWorkers({ concurrency: 1, batchSize: 20 });
  const latencies: number[] = [];
  for (const r of src.records.all('contact')) {
    const sent = performance.now();
    await engine.receiveWebhook(ids.a, { headers: { authorization: `Bearer ${ids.webhookKey}` }, query: {}, body: { notifications: [{ scope: 'contact/created', external_id: r.id }] } });
    const before = dest.records.count('contact');
    while (dest.records.count('contact') === before) await new Promise((res) => setImmediate(res));
    latencies.push(performance.now() - sent);
  }
  await engine.drain();
  const calls = (src.stats.totalCalls + dest.stats.totalCalls) / count;
  await engine.stop();
  await queue.stop({ graceful: false, wait: true }).catch(() => undefined);
  src.dispose();
  dest.dispose();
  await db.close();
  latencies.sort((x, y) => x - y);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] as number;
  return { p50: pct(50), p99: pct(99), callsPerRecord: calls };
}

/** PostgreSQL with two `junction worker` processes: initialization records/s into the hub. */
async function postgresInit(records: number, adminUrl: string): Promise<number | null> {
  let admin: pg.Client | null = new pg.Client({ connectionString: adminUrl });
  try {
    await admin.connect();
  } catch {
    return null;
  }
  const name = `junction_bench_${Date.now().toString(36)}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = await openPostgres(url.toString());
  const server = await serveTestSystems();
  const workers: ChildProcess[] = [];
  const src = createTestSystem({ systemKey: `bench-pg-${randomBytes(3).toString('hex')}`, recordCalls: false });
  try {
    await migrate(db);
    fill(src, records, 'p');
    const ids = await setup(db, { src });
    const queue = await startQueue(db, { supervise: false });
    const engine = createSyncEngine({ db, queue, vault: new Vault(SECRET), connectors });
    for (let i = 0; i < 2; i++) {
      const child = spawn(process.execPath, ['bin/junction.js', 'worker'], {
        env: { ...process.env, DATABASE_URL: url.toString(), JUNCTION_SECRET_KEY: SECRET, JUNCTION_TEST_SYSTEM_URL: server.url },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      workers.push(child);
      await new Promise<void>((resolve) => child.stdout?.once('data', () => resolve()));
    }
    const started = performance.now();
    const run = await engine.startInitialization({ tenantId: ids.tenantId, subscriptionId: ids.a, entity: 'contact' });
    await waitRun(engine, ids.tenantId, run.id);
    const rate = records / ((performance.now() - started) / 1000);
    await engine.stop();
    await queue.stop({ graceful: false, wait: true }).catch(() => undefined);
    return rate;
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(null) : w.once('exit', r)))));
    await server.close();
    src.dispose();
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    admin = null;
  }
}

/** Resident memory of a process from /proc: current (VmRSS) and the kernel's high-water mark (VmHWM), in MB. */
function processRssMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/**
 * Peak RSS is measured on the server as deployed: the compiled build (`node dist/cli/main.js serve`,
 * API + scheduler + workers) on an existing data folder, initializing `records` through its REST API.
 * The source system is served over HTTP from this process, so the server's memory is Junction's alone.
 */
async function serverInit(records: number): Promise<{ rate: number; peakRssMb: number; idleRssMb: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'junction-bench-'));
  const src = createTestSystem({ systemKey: `bench-rss-${randomBytes(3).toString('hex')}`, recordCalls: false });
  fill(src, records, 'r');
  const testSystems = await serveTestSystems();
  let server: ChildProcess | undefined;
  try {
    const db = await openPglite(join(dir, 'pgdata'));
    await migrate(db);
    const ids = await setup(db, { src }, ['init']);
    const { key } = await createApiKey(db, ids.tenantId, 'bench');
    await db.close();

    const { DATABASE_URL: _embedded, ...env } = process.env; // embedded: never the PostgreSQL of the shell
    server = spawn(process.execPath, ['dist/cli/main.js', 'serve', '--port', '0'], {
      env: { ...env, JUNCTION_DATA_DIR: dir, JUNCTION_SECRET_KEY: SECRET, JUNCTION_TEST_SYSTEM_URL: testSystems.url },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const base = await new Promise<string>((resolve, reject) => {
      let out = '';
      server?.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
        if (url) resolve(url);
      });
      server?.once('exit', (code) => reject(new Error(`junction serve exited (${code}) before listening: ${out.slice(-500)}`)));
      setTimeout(() => reject(new Error(`junction serve did not listen within 60 s: ${out.slice(-500)}`)), 60_000).unref();
    });
    // Start-up garbage (migrations, OpenAPI generation) goes at V8's idle-time collection, ~8 s after start.
    await new Promise((r) => setTimeout(r, 10_000));
    const pid = server.pid as number;
    const idle = processRssMb(pid).rss;
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}/api/v1${path}`, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as { id: string; state: string; done?: number; errors: number; error?: string | null };
    };
    const started = performance.now();
    const run = await api('POST', `/subscriptions/${ids.a}/initializations`, { entity: 'contact' });
    let state = run;
    const deadline = Date.now() + 30 * 60_000;
    while (state.state === 'running') {
      if (Date.now() > deadline) throw new Error(`initialization still running after 30 min: ${state.done ?? '?'} done`);
      await new Promise((r) => setTimeout(r, 200));
      state = await api('GET', `/subscriptions/${ids.a}/initializations/${run.id}`);
    }
    if (state.state !== 'completed' || state.errors > 0) throw new Error(`initialization ${state.state} with ${state.errors} errors: ${state.error ?? ''}`);
    const rate = records / ((performance.now() - started) / 1000);
    return { rate, peakRssMb: processRssMb(pid).peak, idleRssMb: idle };
  } finally {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server?.once('exit', r));
      server.kill('SIGTERM');
      const killer = setTimeout(() => server?.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
    }
    await testSystems.close();
    src.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function runSyncBench(): Promise<BenchRow[]> {
  const records = Number(process.env.BENCH_SYNC_RECORDS ?? 20_000);
  const rssRecords = Number(process.env.BENCH_SYNC_RSS_RECORDS ?? 200_000);
  const rows: BenchRow[] = [];
  const embedded = await embeddedInit(records);
  rows.push({ name: `initialization, embedded PGlite (${records} records)`, value: Math.round(embedded.rate), unit: 'records/s', target: '>= 3000' });
  rows.push({ name: 'API calls per record, initialization (list pages of 1000)', value: Math.round(embedded.callsPerRecord * 1000) / 1000, unit: 'calls/record' });
  const pgRate = await postgresInit(records, process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
  if (pgRate !== null) rows.push({ name: `initialization, PostgreSQL + 2 workers (${records} records)`, value: Math.round(pgRate), unit: 'records/s' });
  const hook = await webhookLatency(Number(process.env.BENCH_SYNC_WEBHOOKS ?? 200));
  rows.push({ name: 'webhook → destination latency p50 (A → hub → B, embedded)', value: Math.round(hook.p50 * 10) / 10, unit: 'ms' });
  rows.push({ name: 'webhook → destination latency p99', value: Math.round(hook.p99 * 10) / 10, unit: 'ms' });
  rows.push({ name: 'API calls per record, webhook A → hub → B (get + create)', value: Math.round(hook.callsPerRecord * 100) / 100, unit: 'calls/record' });
  const big = await serverInit(rssRecords);
  rows.push({ name: `peak RSS of \`junction serve\` (compiled, embedded PGlite) initializing ${rssRecords} records`, value: Math.round(big.peakRssMb), unit: 'MB', target: '<= 400' });
  rows.push({ name: 'RSS of the same server idle (listening, before the run)', value: Math.round(big.idleRssMb), unit: 'MB' });
  rows.push({ name: `initialization, embedded PGlite (${rssRecords} records, through the server's API)`, value: Math.round(big.rate), unit: 'records/s', target: '>= 3000' });
  return rows;
}

// `BENCH_SYNC_STANDALONE=1 node bin/run-ts.js bench/sync.ts` runs this suite alone (after `npm run build`).
if (process.env.BENCH_SYNC_STANDALONE === '1') {
  for (const r of await runSyncBench()) console.log(`${r.name}: ${r.value} ${r.unit}${r.target ? ` (target ${r.target})` : ''}`);
}
