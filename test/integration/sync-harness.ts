import { randomBytes } from 'node:crypto';
import { createTestSystem, testConnector, type TestSystem } from '../../src/connectors/test-connector/index.js';
import type { ConnectorDefinition } from '../../src/connectors/types.js';
import { createCollection, type MappingCollectionCreateInput } from '../../src/mapping/index.js';
import { createTenant, Vault } from '../../src/security/index.js';
import { startQueue, type Queue } from '../../src/store/index.js';
import { createSubscription } from '../../src/subscriptions/index.js';
import { createSyncEngine, type SyncEngine, type SyncOptions } from '../../src/sync/index.js';
import { openTestDb, type TestDb } from '../helpers/backend.js';

/** A database, a queue, a tenant and a sync engine on the test connector, for sync integration tests. */
export interface SyncHarness {
  t: TestDb;
  queue: Queue;
  vault: Vault;
  tenantId: string;
  engine: SyncEngine;
  systems: TestSystem[];
  system(name: string, options?: Parameters<typeof createTestSystem>[0]): TestSystem;
  subscription(system: TestSystem, name: string, throttle?: { requests?: number; perSeconds?: number; concurrency?: number }): Promise<{ id: string; webhookKey: string }>;
  collection(input: Omit<MappingCollectionCreateInput, 'mappings'> & { mappings?: MappingCollectionCreateInput['mappings'] }): Promise<{ id: string; version: number }>;
  /** TO_HUB contact → Customer and FROM_HUB Customer → contact on one subscription. */
  contactCollections(subscriptionId: string, options?: Partial<MappingCollectionCreateInput>, directions?: Array<'TO_HUB' | 'FROM_HUB'>): Promise<{ toHub?: string; fromHub?: string }>;
  close(): Promise<void>;
}

export const contactToCustomer: MappingCollectionCreateInput['mappings'] = [
  { type: 'field', source: 'firstName', destination: 'FirstName' },
  { type: 'field', source: 'lastName', destination: 'LastName' },
  { type: 'field', source: 'email', destination: 'EmailAddress' },
];
export const customerToContact: MappingCollectionCreateInput['mappings'] = [
  { type: 'field', source: 'FirstName', destination: 'firstName' },
  { type: 'field', source: 'LastName', destination: 'lastName' },
  { type: 'field', source: 'EmailAddress', destination: 'email' },
];

export async function startSyncHarness(options: { engine?: Partial<SyncOptions>; workers?: boolean; connectors?: (s: string) => ConnectorDefinition | undefined } = {}): Promise<SyncHarness> {
  const t = await openTestDb();
  const queue = await startQueue(t.db, { supervise: false });
  const vault = new Vault('sync-tests');
  const connectors = options.connectors ?? ((s: string) => (s === 'test' ? testConnector : undefined));
  const tenantId = (await createTenant(t.db, `acme-${randomBytes(3).toString('hex')}`)).id;
  const engine = createSyncEngine({ db: t.db, queue, vault, connectors, options: { baseDelayMs: 50, pollOverlapMs: 1_000, ...options.engine } });
  if (options.workers !== false) await engine.startWorkers({ concurrency: 2, batchSize: 20 });
  const systems: TestSystem[] = [];
  const h: SyncHarness = {
    t,
    queue,
    vault,
    tenantId,
    engine,
    systems,
    system(name, opts = {}) {
      const s = createTestSystem({ systemKey: `${name}-${randomBytes(4).toString('hex')}`, ...opts });
      systems.push(s);
      return s;
    },
    async subscription(system, name, throttle) {
      const { subscription, webhookKey } = await createSubscription(t.db, { vault, connectors }, tenantId, {
        system: 'test',
        name,
        settings: system.subscriptionSettings,
        enabled: true,
        ...(throttle ? { throttle } : {}),
      });
      return { id: subscription.id, webhookKey };
    },
    async collection(input) {
      const c = await createCollection(t.db, tenantId, { mappings: [], ...input } as MappingCollectionCreateInput);
      return { id: c.id, version: c.version };
    },
    async contactCollections(subscriptionId, extra = {}, directions = ['TO_HUB', 'FROM_HUB']) {
      const out: { toHub?: string; fromHub?: string } = {};
      if (directions.includes('TO_HUB')) {
        out.toHub = (
          await h.collection({ subscriptionId, name: 'contact to hub', hubModel: 'Customer', entity: 'contact', direction: 'TO_HUB', syncType: 'ADD_UPDATE', externalIdFormat: '{{id}}', mappings: contactToCustomer, ...extra })
        ).id;
      }
      if (directions.includes('FROM_HUB')) {
        out.fromHub = (
          await h.collection({ subscriptionId, name: 'contact from hub', hubModel: 'Customer', entity: 'contact', direction: 'FROM_HUB', syncType: 'ADD_UPDATE', externalIdFormat: '{{id}}', mappings: customerToContact, ...extra })
        ).id;
      }
      return out;
    },
    async close() {
      await engine.stop();
      await queue.stop({ graceful: true, wait: true, timeout: 5_000 }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
      for (const s of systems) s.dispose();
      await t.cleanup();
    },
  };
  return h;
}

/** Waits until `check` returns a truthy value (polling), or fails with the last value. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 20_000, label = 'condition'): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await check();
    if (last) return last as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out waiting for ${label}; last value ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function transfersOf(h: SyncHarness, filter: Record<string, string> = {}) {
  return (await h.engine.listTransfers(h.tenantId, filter, { limit: 500 })).items;
}

export async function hubCount(h: SyncHarness, model = 'Customer'): Promise<number> {
  const { rows } = await h.t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM hub_records WHERE tenant_id = $1 AND model = $2 AND deleted_at IS NULL', [h.tenantId, model]);
  return rows[0]?.n ?? 0;
}
