import { join } from 'node:path';
import { connectorDefinition } from '../connectors/index.js';
import { vaultFromEnv, type Vault } from '../security/index.js';
import { migrate, openDb, storeConfigFromEnv, type Db, type StoreConfig } from '../store/index.js';
import type { ConnectorLookup } from '../subscriptions/index.js';
import { remoteTestConnector } from '../sync/testing/remote-test-system.js';

/** What every command needs: storage (migrated), the vault and the connectors. */
export interface Runtime {
  db: Db;
  vault: Vault;
  connectors: ConnectorLookup;
  config: StoreConfig;
  close(): Promise<void>;
}

export async function openRuntime(options: { migrate?: boolean } = {}): Promise<Runtime> {
  const config = storeConfigFromEnv();
  const db = await openDb(config);
  if (options.migrate !== false) await migrate(db);
  const keyDir = config.dataDir === 'memory://' ? join(process.cwd(), '.junction') : config.dataDir;
  const vault = vaultFromEnv({ keyFile: join(keyDir, 'secret.key') });
  return { db, vault, connectors: connectorsFromEnv(), config, close: () => db.close() };
}

/**
 * Test support: with JUNCTION_TEST_SYSTEM_URL the `test` system is the in-memory test system served
 * over HTTP by a test or benchmark process (multi-process tests, the server's memory benchmark).
 */
function connectorsFromEnv(env: NodeJS.ProcessEnv = process.env): ConnectorLookup {
  const remote = env.JUNCTION_TEST_SYSTEM_URL;
  if (!remote) return connectorDefinition;
  const test = remoteTestConnector(remote);
  return (system) => (system === 'test' ? test : connectorDefinition(system));
}
