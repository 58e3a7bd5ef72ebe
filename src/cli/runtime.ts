import { join } from 'node:path';
import { connectorDefinition } from '../connectors/index.js';
import { vaultFromEnv, type Vault } from '../security/index.js';
import { migrate, openDb, storeConfigFromEnv, type Db, type StoreConfig } from '../store/index.js';
import type { ConnectorLookup } from '../subscriptions/index.js';

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
  return { db, vault, connectors: connectorDefinition, config, close: () => db.close() };
}
