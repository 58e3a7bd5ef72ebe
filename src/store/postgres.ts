import pg from 'pg';
import { inTransaction, type Db, type QueryResult } from './db.js';

// int8 counts and ids come back as numbers, as they do on PGlite.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** Scale-out storage: a PostgreSQL server through a connection pool. */
export async function openPostgres(url: string, options: { poolSize?: number } = {}): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 });
  // An idle pooled connection dropped by the server (restart, failover, admin termination) must not
  // take the process down: the pool discards it and the next query opens a fresh one.
  pool.on('error', (error) => {
    process.stderr.write(`postgres: idle connection lost (${error.message}); it will be replaced\n`);
  });
  // Fail fast with a clear error when the server is not there.
  await pool.query('SELECT 1');

  const query = async <R>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>> => {
    const result = await pool.query(text, params as unknown[] | undefined);
    return { rows: result.rows as R[], rowCount: result.rowCount ?? result.rows.length };
  };

  return {
    kind: 'postgres',
    location: redactUrl(url),
    query,
    exec: async (text) => {
      await pool.query(text);
    },
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(
          inTransaction({
            query: async <R>(text: string, params?: readonly unknown[]) => {
              const r = await client.query(text, params as unknown[] | undefined);
              return { rows: r.rows as R[], rowCount: r.rowCount ?? r.rows.length };
            },
            exec: async (text) => {
              await client.query(text);
            },
          }),
        );
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable url)';
  }
}
