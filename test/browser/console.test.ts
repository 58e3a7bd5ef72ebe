import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestSystem, type TestSystem } from '../../src/connectors/test-connector/index.js';
import { startQueue, type Queue } from '../../src/store/index.js';
import { createSyncEngine, type SyncEngine } from '../../src/sync/index.js';
import { startTestApi, type TestApi } from '../helpers/api.js';

/**
 * The web console in Debian's Chromium against an in-process API on a fresh embedded database,
 * with sync workers on the same database (as `junction serve` runs them).
 */
const CHROMIUM = process.env.JUNCTION_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOTS = join(dirname(fileURLToPath(import.meta.url)), '__screenshots__');

let api: TestApi;
let queue: Queue;
let workers: SyncEngine;
let browser: Browser;
let page: Page;
let base: string;
let sys: TestSystem;
let subscriptionId: string;
let collectionId: string;

async function call(method: 'GET' | 'POST', url: string, body?: unknown) {
  const r = await api.call('acme', method, url, body);
  if (r.status >= 300) throw new Error(`${method} ${url} → ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

async function eventually<T>(check: () => Promise<T>, label: string, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  api = await startTestApi(['acme']);
  queue = await startQueue(api.t.db, { supervise: false });
  workers = createSyncEngine({ db: api.t.db, queue, vault: api.vault, connectors: api.app.deps.connectors });
  await workers.startWorkers({ concurrency: 1 });
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const address = api.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  base = `http://127.0.0.1:${address.port}`;

  sys = createTestSystem({ systemKey: `browser-${Date.now().toString(36)}` });
  const sub = await call('POST', '/api/v1/subscriptions', { system: 'test', name: 'Browser CRM', settings: sys.subscriptionSettings });
  subscriptionId = sub.id as string;
  const collection = await call('POST', '/api/v1/mapping-collections', {
    subscriptionId,
    name: 'Contact to hub customer',
    hubModel: 'Customer',
    entity: 'contact',
    direction: 'TO_HUB',
    syncType: 'ADD_UPDATE',
    externalIdFormat: '{{id}}',
    mappings: [
      { type: 'field', source: 'firstName', destination: 'FirstName' },
      { type: 'field', source: 'lastName', destination: 'LastName' },
      { type: 'field', source: 'email', destination: 'EmailAddress', required: true },
    ],
  });
  collectionId = collection.id as string;

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(20_000);
  page.on('pageerror', (error) => console.error('[browser] page error:', error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') console.error('[browser]', message.text());
  });
}, 120_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await workers?.stop();
  await queue?.stop({ graceful: true, wait: true, timeout: 5_000 }).catch(() => undefined);
  sys?.dispose();
  await api?.close();
}, 60_000);

describe('web console in Chromium', () => {
  it('serves the console with a strict CSP and redirects / there', async () => {
    const root = await api.app.inject({ method: 'GET', url: '/' });
    expect(root.statusCode).toBe(302);
    expect(root.headers.location).toBe('/console/');
    const index = await api.app.inject({ method: 'GET', url: '/console/' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-security-policy']).toContain("default-src 'self'");
    expect(index.body).toContain('<script type="module" src="app.js">');
  });

  it('refuses a wrong key, signs in, and lists the subscription; Test connection shows each check', async () => {
    await page.goto(`${base}/`);
    await page.getByLabel('API key').fill('jct_wrong_key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('unknown or revoked');

    await page.getByLabel('API key').fill(api.keys.acme!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Subscriptions' }).waitFor();
    const row = page.getByRole('row', { name: /Browser CRM/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('test');
    // The key stays in this tab only, never in the page or localStorage.
    expect(await page.evaluate('localStorage.length')).toBe(0);
    expect(await page.evaluate('sessionStorage.length')).toBe(1);
    expect(await page.content()).not.toContain(api.keys.acme!);

    await page.getByRole('link', { name: 'Manage Browser CRM' }).click();
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('All checks passed.').waitFor();
    expect(await page.locator('.checks').textContent()).toContain(`Connected to test system "${sys.subscriptionSettings.systemKey}"`);
  });

  it('finds a hub record created through the API, with its data and history', async () => {
    await call('POST', '/api/v1/hub/Customer/records', { data: { FirstName: 'Grace', LastName: 'Hopper', EmailAddress: 'grace@example.com' } });
    await page.getByRole('link', { name: 'Hub records' }).click();
    await page.getByRole('heading', { name: 'Hub records' }).waitFor();
    await page.getByRole('link', { name: /Grace Hopper · grace@example.com/ }).click();
    await page.getByRole('heading', { name: 'Customer: Grace Hopper · grace@example.com' }).waitFor();
    expect(await page.locator('pre.json').first().textContent()).toContain('"EmailAddress": "grace@example.com"');
    await page.getByRole('heading', { name: 'History' }).waitFor();
    expect(await page.getByRole('row', { name: /create/ }).count()).toBeGreaterThan(0);
  });

  it('previews a mapping collection with a sample record: output, trace, and field errors', async () => {
    await page.getByRole('link', { name: 'Mapping collections' }).click();
    await page.getByRole('link', { name: 'Contact to hub customer' }).click();
    await page.getByRole('heading', { name: 'Collection “Contact to hub customer”' }).waitFor();
    const sample = page.getByLabel('Sample record (JSON)');
    await sample.fill(JSON.stringify({ firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' }));
    await page.getByRole('button', { name: 'Run preview' }).click();
    await page.locator('.preview-output').waitFor();
    expect(await page.locator('.preview-output').textContent()).toContain('"EmailAddress": "ada@example.com"');
    expect(await page.getByRole('row', { name: /FirstName/ }).first().textContent()).toContain('"Ada"');

    // A record without the required field: the error names it.
    await sample.fill(JSON.stringify({ firstName: 'No', lastName: 'Mail' }));
    await page.getByRole('button', { name: 'Run preview' }).click();
    await page.locator('.error-list').waitFor();
    expect(await page.locator('.error-list').textContent()).toContain('EmailAddress');
    // Bad JSON is explained before anything is sent.
    await sample.fill('{ nope');
    await page.getByRole('button', { name: 'Run preview' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('Sample record:');
  });

  it('starts an initialization, shows its progress, and cancels it', async () => {
    for (let i = 0; i < 5000; i++) sys.records.insert('contact', { firstName: `Init${i}`, lastName: 'Bulk', email: `init${i}@example.com` });
    sys.setFaults({ latencyMs: 2_000 }); // every page takes a while: the run is still going when we cancel
    try {
      await page.getByRole('link', { name: 'Subscriptions' }).click();
      await page.getByRole('link', { name: 'Manage Browser CRM' }).click();
      await page.getByRole('button', { name: 'Start initialization of contact' }).click();
      const cancel = page.getByRole('button', { name: 'Cancel initialization of contact' });
      await cancel.waitFor();
      // Progress after the first page: done of total, rate, ETA.
      await expect.poll(() => page.getByRole('status').filter({ hasText: /done/ }).first().textContent(), { timeout: 15_000 }).toMatch(/^running: [1-9]\d* \/ 5\d{3} done \(\d+%\), 0 errors, [\d.]+\/s, ETA /);
      page.once('dialog', (dialog) => void dialog.accept());
      await cancel.click();
      await expect.poll(() => page.getByRole('status').filter({ hasText: /done/ }).first().textContent(), { timeout: 10_000 }).toMatch(/^cancelled/);
      expect(await cancel.isHidden()).toBe(true);
      const runs = await api.t.db.query<{ state: string }>(`SELECT state FROM sync_runs WHERE subscription_id = $1`, [subscriptionId]);
      expect(runs.rows.map((r) => r.state)).toEqual(['cancelled']);
    } finally {
      sys.setFaults({ latencyMs: 0 });
    }
  });

  it('queues a manual sync of records by external id and says how many', async () => {
    const rec = sys.records.insert('contact', { firstName: 'Manual', lastName: 'Sync', email: 'manual.sync@example.com' });
    await page.getByRole('link', { name: 'Subscriptions' }).click();
    await page.getByRole('link', { name: 'Manage Browser CRM' }).click();
    const form = page.getByRole('form', { name: 'Sync records now' });
    await form.getByRole('button', { name: 'Queue sync' }).click();
    await expect.poll(() => form.getByRole('alert').textContent()).toContain('at least one record id');
    await form.getByLabel('Direction').selectOption('TO_HUB');
    await form.getByLabel('Record ids').fill(`${rec.id}\n`);
    await form.getByRole('button', { name: 'Queue sync' }).click();
    await form.getByText('1 record queued.').waitFor();
    const transfer = await eventually(async () => ((await call('GET', `/api/v1/transfers?status=success&externalId=${rec.id}`)).items as Array<{ hubId: string; trigger: string }>).find((t) => t.trigger === 'manual'), 'the manual transfer');
    const hub = await call('GET', `/api/v1/hub/Customer/records/${transfer.hubId}`);
    expect(hub.data).toMatchObject({ FirstName: 'Manual', EmailAddress: 'manual.sync@example.com' });
  });

  it('shows an error transfer naming record and field, and replays it after the data is fixed', async () => {
    const rec = sys.records.insert('contact', { firstName: 'Nomail', lastName: 'Person' });
    await call('POST', '/api/v1/sync/manual', { subscriptionId, direction: 'TO_HUB', entity: 'contact', externalIds: [rec.id] });
    await eventually(async () => ((await call('GET', `/api/v1/transfers?status=error&externalId=${rec.id}`)).items as unknown[]).length > 0, 'an error transfer');

    await page.getByRole('link', { name: 'Transfers & errors' }).click();
    await page.getByRole('heading', { name: 'Transfers' }).waitFor();
    await page.getByLabel('Status').selectOption('error');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('heading', { name: 'Error log' }).waitFor();
    const row = page.getByRole('row', { name: new RegExp(rec.id) });
    expect(await row.textContent()).toContain('EmailAddress');
    await page.getByRole('link', { name: `Details of transfer ${rec.id}` }).click();
    const error = page.locator('.transfer-error');
    await error.waitFor();
    expect(await error.textContent()).toContain(rec.id);
    expect(await page.locator('.card[role=alert]').textContent()).toContain('EmailAddress');
    expect(await page.getByRole('region', { name: 'Source payload' }).textContent()).toContain('"firstName": "Nomail"');

    sys.records.update('contact', rec.id, { email: 'nomail.fixed@example.com' });
    await page.getByRole('button', { name: 'Replay', exact: true }).click();
    await page.getByText('Replay queued.').waitFor();
    await eventually(async () => ((await call('GET', `/api/v1/transfers?status=success&externalId=${rec.id}`)).items as unknown[]).length > 0, 'the replayed transfer');

    await page.getByRole('link', { name: 'See the transfers of this record' }).click();
    const replayed = page.getByRole('row', { name: /success/ });
    await replayed.waitFor();
    expect(await replayed.textContent()).toContain('replay');
    expect(await page.getByRole('row', { name: /error/ }).count()).toBe(1);

    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'transfers.png'), fullPage: true });
    void collectionId;
  });
});
