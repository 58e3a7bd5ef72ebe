import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate, openPglite, openPostgres, type Db } from '../../src/store/index.js';

/**
 * Integration tests run once per storage backend: `JUNCTION_TEST_BACKEND=pglite` (default) or
 * `postgres`. On PostgreSQL every test file gets a fresh database, dropped afterwards, so runs and
 * files never collide.
 */
export const backend: 'pglite' | 'postgres' = process.env.JUNCTION_TEST_BACKEND === 'postgres' ? 'postgres' : 'pglite';
export const adminUrl = process.env.JUNCTION_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDb {
  db: Db;
  /** Connection string for other processes (PostgreSQL only). */
  url?: string;
  cleanup(): Promise<void>;
}

export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `junction_t_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export async function openTestDb(options: { migrate?: boolean } = {}): Promise<TestDb> {
  if (backend === 'pglite') {
    const db = await openPglite('memory://');
    if (options.migrate !== false) await migrate(db);
    return { db, cleanup: () => db.close() };
  }
  const database = await createTestDatabase();
  const db = await openPostgres(database.url);
  if (options.migrate !== false) await migrate(db);
  return {
    db,
    url: database.url,
    async cleanup() {
      await db.close();
      await database.drop();
    },
  };
}
