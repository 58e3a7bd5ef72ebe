import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createTestSystem, testConnector, type TestSystem } from '../src/connectors/test-connector/index.js';
import { createCollection } from '../src/mapping/index.js';
import { createTenant, Vault } from '../src/security/index.js';
import { migrate, openPglite, openPostgres, startQueue, type Db } from '../src/store/index.js';
import { createSubscription } from '../src/subscriptions/index.js';
import { createSyncEngine, type SyncEngine } from '../src/sync/index.js';
import { remoteTestConnector, serveTestSystems } from '../src/sync/testing/remote-test-system.js';
import type { ConnectorDefinition } from '../src/connectors/types.js';

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

async function setup(db: Db, systems: { src: TestSystem; dest?: TestSystem }) {
  const tenantId = (await createTenant(db, `bench-${randomBytes(3).toString('hex')}`)).id;
  const deps = { vault: new Vault(SECRET), connectors };
  const a = await createSubscription(db, deps, tenantId, { system: 'test', name: 'a', settings: systems.src.subscriptionSettings, enabled: true });
  await createCollection(db, tenantId, { subscriptionId: a.subscription.id, name: 'in', hubModel: 'Customer', entity: 'contact', direction: 'TO_HUB', syncType: 'ADD_UPDATE', externalIdFormat: '{{id}}', mappings: mappingsIn });
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

/** Embedded initialization: records/s, API calls per record, and peak RSS (idle RSS = after storage and queue start). */
async function embeddedInit(
  records: number,
  dataDir = 'memory://',
  remote?: { systemKey: string; connectors: (s: string) => ConnectorDefinition | undefined },
): Promise<{ rate: number; callsPerRecord: number; peakRssMb: number; idleRssMb: number }> {
  const db = await openPglite(dataDir);
  await migrate(db);
  const queue = await startQueue(db, { supervise: false });
  const src = remote ? null : createTestSystem({ systemKey: `bench-src-${randomBytes(3).toString('hex')}`, recordCalls: false });
  if (src) fill(src, records, 'e');
  const settings = src ? src.subscriptionSettings : { systemKey: remote!.systemKey };
  const ids = await setup(db, { src: { subscriptionSettings: settings } as TestSystem });
  const lookup = remote ? remote.connectors : connectors;
  const engine = createSyncEngine({ db, queue, vault: new Vault(SECRET), connectors: lookup, options: { pageSize: 1000 } });
  await engine.startWorkers({ concurrency: 1 });
  const idle = process.memoryUsage().rss;
  let peak = idle;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const started = performance.now();
  const run = await engine.startInitialization({ tenantId: ids.tenantId, subscriptionId: ids.a, entity: 'contact' });
  await waitRun(engine, ids.tenantId, run.id);
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sample);
  peak = Math.max(peak, process.resourceUsage().maxRSS * 1024);
  const result = { rate: records / seconds, callsPerRecord: src ? src.stats.totalCalls / records : 0, peakRssMb: peak / 1024 / 1024, idleRssMb: idle / 1024 / 1024 };
  await engine.stop();
  await queue.stop({ graceful: false, wait: true }).catch(() => undefined);
  src?.dispose();
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
        env: { ...process.env, DATABASE_URL: url.toString(), JUNCTION_SECRET_KEY: SECRET, JUNCTION_TEST_SYSTEM_URL: server.url, JUNCTION_SYNC_PAGE_SIZE: '1000' },
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

/**
 * Peak RSS is a per-process figure: the 200k run gets a fresh process (WASM memory of earlier PGlite
 * instances is never returned), on a data folder as embedded Junction runs.
 */
async function inChild(records: number): Promise<{ rate: number; peakRssMb: number; idleRssMb: number }> {
  // The source system lives here, served over HTTP, so the child's RSS is Junction's alone.
  const src = createTestSystem({ systemKey: `bench-rss-${randomBytes(3).toString('hex')}`, recordCalls: false });
  fill(src, records, 'r');
  const server = await serveTestSystems();
  try {
    const child = spawn(process.execPath, ['bin/run-ts.js', 'bench/sync.ts'], {
      env: { ...process.env, BENCH_SYNC_CHILD: String(records), BENCH_SYNC_SRC_KEY: src.systemKey, BENCH_SYNC_SRC_URL: server.url },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const line = out.trim().split('\n').pop() ?? '';
    if (code !== 0 || !line.startsWith('{')) throw new Error(`RSS child failed (exit ${code}): ${out.slice(-500)}`);
    return JSON.parse(line) as { rate: number; peakRssMb: number; idleRssMb: number };
  } finally {
    await server.close();
    src.dispose();
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
  const big = await inChild(rssRecords);
  rows.push({ name: `peak RSS, embedded initialization of ${rssRecords} records (Junction process; source served from another)`, value: Math.round(big.peakRssMb), unit: 'MB', target: '<= 400' });
  rows.push({ name: 'RSS of the same process idle (PGlite + queue started, before the run)', value: Math.round(big.idleRssMb), unit: 'MB' });
  rows.push({ name: `initialization, embedded PGlite (${rssRecords} records)`, value: Math.round(big.rate), unit: 'records/s', target: '>= 3000' });
  return rows;
}

// `BENCH_SYNC_STANDALONE=1 node bin/run-ts.js bench/sync.ts` runs this suite alone.
if (process.env.BENCH_SYNC_CHILD) {
  const dir = await mkdtemp(join(tmpdir(), 'junction-bench-'));
  try {
    const records = Number(process.env.BENCH_SYNC_CHILD);
    const remote = remoteTestConnector(process.env.BENCH_SYNC_SRC_URL as string);
    const r = await embeddedInit(records, join(dir, 'pgdata'), { systemKey: process.env.BENCH_SYNC_SRC_KEY as string, connectors: (s) => (s === 'test' ? remote : undefined) });
    console.log(JSON.stringify({ rate: r.rate, peakRssMb: r.peakRssMb, idleRssMb: r.idleRssMb }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
} else if (process.env.BENCH_SYNC_STANDALONE === '1') {
  for (const r of await runSyncBench()) console.log(`${r.name}: ${r.value} ${r.unit}${r.target ? ` (target ${r.target})` : ''}`);
}
