import { PGlite } from '@electric-sql/pglite';
import { mkdirSync } from 'node:fs';
import { inTransaction, type Db, type Queryable, type QueryResult } from './db.js';

/**
 * Embedded storage: PostgreSQL compiled to WASM, in a data folder (or in memory for `memory://`).
 * PGlite is one connection: its own mutex serialises queries and holds it for a whole transaction,
 * so a query from elsewhere (the queue, say) never lands inside someone else's transaction.
 */
export async function openPglite(dataDir: string): Promise<Db> {
  const inMemory = dataDir === 'memory://' || dataDir === '';
  if (!inMemory) mkdirSync(dataDir, { recursive: true });
  const pg = await PGlite.create(inMemory ? undefined : dataDir);

  const query = async <R>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>> => {
    const result = await pg.query<R>(text, params as unknown[] | undefined);
    return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
  };

  return {
    kind: 'pglite',
    location: inMemory ? 'memory://' : dataDir,
    query,
    exec: async (text) => {
      await pg.exec(text);
    },
    transaction: (work) =>
      pg.transaction(async (tx) => {
        const scoped: Queryable = inTransaction({
          query: async <R>(text: string, params?: readonly unknown[]) => {
            const result = await tx.query<R>(text, params as unknown[] | undefined);
            return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
          },
          exec: async (text) => {
            await tx.exec(text);
          },
        });
        return work(scoped);
      }),
    close: () => pg.close(),
  };
}
