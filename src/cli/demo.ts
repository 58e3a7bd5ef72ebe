import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApiKey, createTenant, findTenantByName } from '../security/index.js';
import type { Runtime } from './runtime.js';

export interface Demo {
  describe(): string[];
  close(): Promise<void>;
}

const DEMO_TENANT = 'demo';

/**
 * A ready demo: the `demo` tenant and an API key (kept in the data folder so it survives restarts).
 * The key file is local and for the demo only.
 */
export async function prepareDemo(runtime: Runtime): Promise<Demo> {
  const tenant = (await findTenantByName(runtime.db, DEMO_TENANT)) ?? (await createTenant(runtime.db, DEMO_TENANT));
  const keyFile = join(runtime.config.dataDir === 'memory://' ? '.junction' : runtime.config.dataDir, 'demo-api-key');
  let apiKey = existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : '';
  if (!apiKey) {
    apiKey = (await createApiKey(runtime.db, tenant.id, 'demo')).key;
    writeFileSync(keyFile, apiKey, { mode: 0o600 });
  }
  return {
    describe: () => [`demo tenant: ${DEMO_TENANT}`, `demo API key: ${apiKey} (stored in ${keyFile})`],
    close: async () => undefined,
  };
}
