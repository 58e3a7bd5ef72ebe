import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/api/server.js';
import { businessCentral } from '../../src/connectors/business-central/index.js';
import { ninetyNineMinds } from '../../src/connectors/ninety-nine-minds/index.js';
import { salesforce } from '../../src/connectors/salesforce/index.js';
import type { ConnectorDefinition } from '../../src/connectors/types.js';
import { findHubRecordsByField, findLinkByExternalId, getHubRecord, updateHubRecord, type HubModelName, type HubRecord } from '../../src/hub/index.js';
import { listCollections, type MappingCollection } from '../../src/mapping/index.js';
import { createApiKey, createTenant, Vault } from '../../src/security/index.js';
import { startQueue, type Queue } from '../../src/store/index.js';
import { createSyncEngine, expectedClientState, type SyncEngine, type TransferFilter, type TransferRow } from '../../src/sync/index.js';
import { openTestDb, type TestDb } from './backend.js';

/**
 * End-to-end harness: embedded database, queue, the real sync engine with its workers, the HTTP API
 * (subscriptions are created through it, so templates are installed the way users get them) and the
 * real connectors talking to simulators started by the test.
 */
export interface E2E {
  t: TestDb;
  queue: Queue;
  vault: Vault;
  engine: SyncEngine;
  app: FastifyInstance;
  tenantId: string;
  call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }>;
  /** Creates a subscription through `POST /api/v1/subscriptions` (templates installed). */
  subscribe(system: string, settings: Record<string, unknown>, name?: string): Promise<{ id: string; webhookKey: string; templates: Array<{ key: string; name: string; collectionId: string }> }>;
  collection(subscriptionId: string, name: string): Promise<MappingCollection>;
  /** Runs the workers until every sync queue is empty. */
  drain(): Promise<void>;
  transfers(filter?: TransferFilter): Promise<TransferRow[]>;
  /** The newest transfer matching the filter (fails when there is none). */
  lastTransfer(filter: TransferFilter): Promise<TransferRow>;
  hubByField(model: HubModelName, field: string, value: string): Promise<HubRecord[]>;
  hub(id: string): Promise<HubRecord>;
  updateHub(id: string, data: Record<string, unknown>): Promise<HubRecord>;
  hubIdOf(subscriptionId: string, model: HubModelName, externalId: string): Promise<string | null>;
  /** A local HTTP endpoint that hands every call to `engine.receiveWebhook` for the subscription. */
  webhookEndpoint(subscriptionId: string): Promise<string>;
  /** The clientState a connector-signed webhook (no Bearer key) must carry for the subscription. */
  clientStateOf(subscriptionId: string): Promise<string>;
  close(): Promise<void>;
}

export const e2eConnectors = (system: string): ConnectorDefinition | undefined =>
  ({ 'business-central': businessCentral, salesforce, 'ninety-nine-minds': ninetyNineMinds })[system];

export async function startE2E(): Promise<E2E> {
  const t = await openTestDb();
  const queue = await startQueue(t.db, { supervise: false });
  const vault = new Vault(`e2e-${randomBytes(4).toString('hex')}`);
  const tenant = await createTenant(t.db, `e2e-${randomBytes(3).toString('hex')}`);
  const key = (await createApiKey(t.db, tenant.id)).key;
  const engine = createSyncEngine({ db: t.db, queue, vault, connectors: e2eConnectors, options: { baseDelayMs: 20, pollOverlapMs: 2_000, maxAttempts: 2 } });
  await engine.startWorkers({ concurrency: 2, batchSize: 20, pollingIntervalSeconds: 0.5 });
  const app = await buildServer({ db: t.db, vault, connectors: e2eConnectors, sync: engine });
  const servers: Server[] = [];

  const call: E2E['call'] = async (method, url, body) => {
    const response = await app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      payload: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.statusCode, json: response.body ? (JSON.parse(response.body) as Record<string, unknown>) : {} };
  };

  const e: E2E = {
    t,
    queue,
    vault,
    engine,
    app,
    tenantId: tenant.id,
    call,
    async subscribe(system, settings, name = `${system}-${randomBytes(3).toString('hex')}`) {
      const r = await call('POST', '/api/v1/subscriptions', { system, name, settings });
      if (r.status !== 201) throw new Error(`creating the ${system} subscription failed: ${r.status} ${JSON.stringify(r.json)}`);
      return r.json as unknown as { id: string; webhookKey: string; templates: Array<{ key: string; name: string; collectionId: string }> };
    },
    async collection(subscriptionId, name) {
      const found = (await listCollections(t.db, tenant.id, { subscriptionId })).find((c) => c.name === name);
      if (!found) throw new Error(`no collection "${name}" on subscription ${subscriptionId}`);
      return found;
    },
    async drain() {
      // Twice: a job finishing can enqueue follow-ups (fan-out, retries) just as the queue looks empty.
      await engine.drain(45_000);
      await new Promise((r) => setTimeout(r, 100));
      await engine.drain(45_000);
    },
    async transfers(filter = {}) {
      return (await engine.listTransfers(tenant.id, filter, { limit: 500 })).items;
    },
    async lastTransfer(filter) {
      const items = await e.transfers(filter);
      const sorted = [...items].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
      const first = sorted[0];
      if (!first) throw new Error(`no transfer for ${JSON.stringify(filter)}`);
      return first;
    },
    hubByField: (model, field, value) => findHubRecordsByField(t.db, tenant.id, model, field, value),
    hub: (id) => getHubRecord(t.db, tenant.id, id),
    async updateHub(id, data) {
      return (await updateHubRecord(t.db, { tenantId: tenant.id, id, data })).record;
    },
    async hubIdOf(subscriptionId, model, externalId) {
      return (await findLinkByExternalId(t.db, subscriptionId, model, externalId))?.hubId ?? null;
    },
    async webhookEndpoint(subscriptionId) {
      const server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const url = new URL(req.url ?? '/', 'http://localhost');
          const headers: Record<string, string | undefined> = {};
          for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
          engine
            .receiveWebhook(subscriptionId, { headers, query: Object.fromEntries(url.searchParams), body: text ? (JSON.parse(text) as unknown) : null })
            .then((answer) => {
              res.writeHead(answer.status, { 'content-type': answer.contentType });
              res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
            })
            .catch((error: unknown) => {
              res.writeHead(401, { 'content-type': 'application/json' });
              res.end(JSON.stringify({ error: String(error) }));
            });
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push(server);
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/${subscriptionId}`;
    },
    async clientStateOf(subscriptionId) {
      const { rows } = await t.db.query<{ webhook_key_hash: string | null }>('SELECT webhook_key_hash FROM subscriptions WHERE id = $1', [subscriptionId]);
      return expectedClientState(subscriptionId, rows[0]?.webhook_key_hash ?? null);
    },
    async close() {
      for (const s of servers) await new Promise<void>((resolve) => s.close(() => resolve()));
      await engine.stop();
      await app.close();
      await queue.stop({ graceful: false, wait: true }).catch(() => undefined);
      await t.cleanup();
    },
  };
  return e;
}
