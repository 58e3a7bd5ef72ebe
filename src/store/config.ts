import { resolve } from 'node:path';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';
import type { Db } from './db.js';

export interface StoreConfig {
  /** PostgreSQL URL; when absent Junction runs on embedded PGlite. */
  databaseUrl?: string;
  /** PGlite data folder (`memory://` for a throwaway in-memory store). */
  dataDir: string;
}

export function storeConfigFromEnv(env: NodeJS.ProcessEnv = process.env): StoreConfig {
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  const dataDir = env.JUNCTION_DATA_DIR?.trim() || './.junction';
  return { databaseUrl, dataDir: dataDir === 'memory://' ? dataDir : resolve(dataDir) };
}

export async function openDb(config: StoreConfig): Promise<Db> {
  return config.databaseUrl ? openPostgres(config.databaseUrl) : openPglite(config.dataDir === 'memory://' ? 'memory://' : resolve(config.dataDir, 'pgdata'));
}
