import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminUrl, backend, openTestDb, type TestDb } from '../helpers/backend.js';

let t: TestDb;
beforeAll(async () => {
  if (backend !== 'postgres') throw new Error('test/postgres needs JUNCTION_TEST_BACKEND=postgres.');
  t = await openTestDb();
});
afterAll(() => t.cleanup());

describe('PostgreSQL connections dropped by the server', () => {
  it('survives the server terminating idle pooled connections and keeps answering', async () => {
    await Promise.all([1, 2, 3].map(() => t.db.query('SELECT pg_sleep(0.05)')));
    const database = new URL(t.url as string).pathname.slice(1);
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    const { rowCount } = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
    await admin.end();
    expect(rowCount).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 200));
    const { rows } = await t.db.query<{ ok: number }>('SELECT 1 AS ok');
    expect(rows).toEqual([{ ok: 1 }]);
  });
});
