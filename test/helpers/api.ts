import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/api/server.js';
import { connectorDefinition } from '../../src/connectors/index.js';
import { Vault, createApiKey, createTenant } from '../../src/security/index.js';
import { startQueue, type Queue } from '../../src/store/index.js';
import { createSyncEngine, type SyncEngine } from '../../src/sync/index.js';
import { openTestDb, type TestDb } from './backend.js';

/** An API on a fresh test database with one or more tenants and their keys. */
export interface TestApi {
  app: FastifyInstance;
  t: TestDb;
  keys: Record<string, string>;
  tenants: Record<string, string>;
  vault: Vault;
  /** The API's sync engine, without workers (tests that move records start their own). */
  sync: SyncEngine;
  queue: Queue;
  call(tenant: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown>; headers: Record<string, unknown> }>;
  close(): Promise<void>;
}

export async function startTestApi(tenantNames: string[] = ['acme', 'globex']): Promise<TestApi> {
  const t = await openTestDb();
  const vault = new Vault('test-secret');
  const queue = await startQueue(t.db, { supervise: false });
  const sync = createSyncEngine({ db: t.db, queue, vault, connectors: connectorDefinition });
  const app = await buildServer({ db: t.db, vault, connectors: connectorDefinition, sync });
  const keys: Record<string, string> = {};
  const tenants: Record<string, string> = {};
  for (const name of tenantNames) {
    const tenant = await createTenant(t.db, name);
    tenants[name] = tenant.id;
    keys[name] = (await createApiKey(t.db, tenant.id)).key;
  }
  return {
    app,
    t,
    keys,
    tenants,
    vault,
    sync,
    queue,
    async call(tenant, method, url, body) {
      const response = await app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${keys[tenant]}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        payload: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: response.statusCode, json: response.body ? (JSON.parse(response.body) as Record<string, unknown>) : {}, headers: response.headers };
    },
    async close() {
      await app.close();
      await sync.stop();
      await queue.stop({ graceful: false, wait: true, close: false }).catch(() => undefined);
      await t.cleanup();
    },
  };
}
