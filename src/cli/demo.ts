import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator, type RunningSimulator } from '../connectors/index.js';
import { installTemplates } from '../mapping/templates/index.js';
import { createApiKey, createTenant, findTenantByName } from '../security/index.js';
import { createSubscription, listSubscriptions, updateSubscription } from '../subscriptions/index.js';
import type { Runtime } from './runtime.js';

export interface Demo {
  tenantId: string;
  subscriptions: Array<{ id: string; system: string; name: string }>;
  describe(): string[];
  close(): Promise<void>;
}

const DEMO_TENANT = 'demo';
const DEMO_SYSTEMS = [
  { system: 'business-central', name: 'Demo Business Central' },
  { system: 'salesforce', name: 'Demo Salesforce' },
  { system: 'ninety-nine-minds', name: 'Demo 99minds' },
] as const;

/**
 * A ready demo on the embedded defaults: the three simulators in-process, the `demo` tenant with
 * an API key (kept in the data folder so it survives restarts), and one subscription per system
 * pointing at its simulator, with the seed templates installed. Simulators get new ports on every
 * start, so existing demo subscriptions are re-pointed.
 */
export async function prepareDemo(runtime: Runtime, options: { records?: number } = {}): Promise<Demo> {
  const tenant = (await findTenantByName(runtime.db, DEMO_TENANT)) ?? (await createTenant(runtime.db, DEMO_TENANT));
  const keyFile = join(runtime.config.dataDir === 'memory://' ? '.junction' : runtime.config.dataDir, 'demo-api-key');
  let apiKey = existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : '';
  if (!apiKey) {
    apiKey = (await createApiKey(runtime.db, tenant.id, 'demo')).key;
    writeFileSync(keyFile, apiKey, { mode: 0o600 });
  }

  const simulators: RunningSimulator[] = [];
  const subscriptions: Demo['subscriptions'] = [];
  try {
    const existing = (await listSubscriptions(runtime.db, runtime, tenant.id, { limit: 500 })).items;
    for (const { system, name } of DEMO_SYSTEMS) {
      const simulator = await startSimulator(system, { records: options.records ?? 25, seed: 1 });
      simulators.push(simulator);
      const settings = simulator.subscriptionSettings;
      const subscription = await runtime.db.transaction(async (tx) => {
        const found = existing.find((s) => s.name === name);
        const saved = found
          ? await updateSubscription(tx, runtime, tenant.id, found.id, { settings })
          : (await createSubscription(tx, runtime, tenant.id, { system, name, settings, enabled: true })).subscription;
        await installTemplates(tx, tenant.id, saved);
        return saved;
      });
      subscriptions.push({ id: subscription.id, system, name });
    }
  } catch (error) {
    await Promise.all(simulators.map((s) => s.close()));
    throw error;
  }

  return {
    tenantId: tenant.id,
    subscriptions,
    describe: () => [
      `demo tenant: ${DEMO_TENANT}`,
      `demo API key: ${apiKey} (stored in ${keyFile})`,
      ...simulators.map((s, i) => `simulator ${s.system}: ${s.baseUrl} → subscription "${subscriptions[i]?.name}" ${subscriptions[i]?.id}`),
    ],
    close: async () => {
      await Promise.all(simulators.map((s) => s.close()));
    },
  };
}
