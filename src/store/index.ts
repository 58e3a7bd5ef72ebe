export type { Db, Queryable, QueryResult, StorageKind } from './db.js';
export { inTransaction } from './db.js';
export { openPglite } from './pglite.js';
export { newId } from './ids.js';
export { StoreError } from './errors.js';
export { openPostgres, redactUrl } from './postgres.js';
export { migrate, loadMigrations, type Migration } from './migrate.js';
export { startQueue, inSameTransaction, executeSqlAdapter, type Queue, type QueueOptions } from './queue.js';
export { openDb, storeConfigFromEnv, type StoreConfig } from './config.js';
