import PgBoss from 'pg-boss';
import type { Db, Queryable } from './db.js';

/**
 * pg-boss on either backend, always through our own `Db` (one pool, one code path). pg-boss sends
 * multi-statement SQL without parameters (schema creation, maintenance), which PGlite's `query`
 * rejects, so those go to `exec`.
 */
export type Queue = PgBoss;

export interface QueueOptions {
  /** Run maintenance and the supervisor (one process per deployment is enough, any is fine). */
  supervise?: boolean;
  /** Seconds between polls for new jobs by workers. */
  pollingIntervalSeconds?: number;
}

export function executeSqlAdapter(q: Queryable): { executeSql(text: string, values: unknown[]): Promise<{ rows: unknown[]; rowCount: number }> } {
  return {
    async executeSql(text, values) {
      if (!values || values.length === 0) {
        // Multi-statement text: run it as a script and answer with the last statement's rows.
        if (/;\s*\S/.test(text.trim().replace(/;\s*$/, ''))) {
          await q.exec(text);
          return { rows: [], rowCount: 0 };
        }
      }
      const result = await q.query(text, values ?? []);
      return { rows: result.rows, rowCount: result.rowCount };
    },
  };
}

export async function startQueue(db: Db, options: QueueOptions = {}): Promise<Queue> {
  const common = {
    supervise: options.supervise ?? true,
    schedule: false,
    migrate: true,
    maintenanceIntervalSeconds: 120,
    ...(options.pollingIntervalSeconds ? { pollingIntervalSeconds: options.pollingIntervalSeconds } : {}),
  } satisfies Partial<PgBoss.ConstructorOptions>;
  const boss = new PgBoss({ db: executeSqlAdapter(db) as PgBoss.Db, ...common });
  boss.on('error', (error: Error) => {
    // Queue maintenance errors are logged, never fatal: the next cycle retries.
    process.stderr.write(`queue error: ${error.message}\n`);
  });
  await boss.start();
  return boss;
}

/** Connection option that makes pg-boss write a job inside the caller's transaction (outbox). */
export function inSameTransaction(tx: Queryable): { db: PgBoss.Db } {
  return { db: executeSqlAdapter(tx) as PgBoss.Db };
}
