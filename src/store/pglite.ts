import { PGlite, type Transaction } from '@electric-sql/pglite';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { inTransaction, type Db, type Queryable, type QueryResult } from './db.js';
import { StoreError } from './errors.js';

/** The PostgreSQL major version inside the PGlite release we ship; its data folders only open with it. */
const POSTGRES_MAJOR = '18';

/**
 * PGlite's start parameters with two changes:
 * - fsync stays on (PGlite passes `-F`): an acknowledged write must survive a power cut, not only a
 *   killed process.
 * - shared buffers 16 MB instead of 128 MB, which PGlite keeps resident for the life of the
 *   process. Embedded Junction is one connection and its inserts go to the right-most index pages
 *   (time-ordered ids), so its working set is small and the OS page cache holds the rest.
 *   `JUNCTION_PGLITE_SHARED_BUFFERS` overrides it.
 */
function startParams(): string[] {
  const sharedBuffers = process.env.JUNCTION_PGLITE_SHARED_BUFFERS?.trim() || '16MB';
  return [...PGlite.defaultStartParams.filter((p) => p !== '-F'), '-c', `shared_buffers=${sharedBuffers}`];
}

/**
 * A new data folder is created (initdb) in a short-lived child process: initdb runs two more
 * PostgreSQL instances beside the real one and peaks near 750 MB, memory a long-running server
 * would otherwise keep as heap fragmentation for the rest of its life. It is built in a sibling
 * folder and renamed into place, so a crash halfway leaves no half-made database behind, and of two
 * processes creating it at once one wins and the other uses its result.
 */
async function createDataFolder(dataDir: string): Promise<void> {
  const pglite = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const script = `const { PGlite } = require(process.argv[1]); PGlite.create(process.argv[2]).then((pg) => pg.close()).catch((e) => { console.error(e); process.exit(1); });`;
  const building = `${dataDir}.creating-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await promisify(execFile)(process.execPath, ['-e', script, pglite, building], { timeout: 120_000 });
    if (!existsSync(join(building, 'PG_VERSION'))) throw new Error('initdb finished without a PG_VERSION file');
    try {
      renameSync(building, dataDir); // replaces an empty folder; fails if another process got there first
    } catch (err) {
      if (!existsSync(join(dataDir, 'PG_VERSION'))) throw err;
    }
  } catch (err) {
    throw new StoreError('STORE_CREATE_FAILED', `Could not create the embedded database in ${dataDir}: ${(err as { stderr?: string }).stderr || String(err)}`);
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
}

function checkDataFolderVersion(dataDir: string): void {
  const version = readFileSync(join(dataDir, 'PG_VERSION'), 'utf8').trim();
  if (version !== POSTGRES_MAJOR) {
    throw new StoreError(
      'STORE_VERSION_MISMATCH',
      `The embedded database in ${dataDir} was made by PostgreSQL ${version}; this Junction embeds PostgreSQL ${POSTGRES_MAJOR}. ` +
        'Move that folder aside (or delete it if it only held the demo) and start again, or set DATABASE_URL to a PostgreSQL server.',
    );
  }
}

/**
 * Embedded storage: PostgreSQL compiled to WASM, in a data folder (or in memory for `memory://`).
 * PGlite is one connection: its own mutex serialises queries and holds it for a whole transaction,
 * so a query from elsewhere (the queue, say) never lands inside someone else's transaction.
 */
export async function openPglite(dataDir: string): Promise<Db> {
  const inMemory = dataDir === 'memory://' || dataDir === '';
  if (!inMemory) {
    mkdirSync(dirname(dataDir), { recursive: true });
    if (!existsSync(join(dataDir, 'PG_VERSION'))) {
      if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
        throw new StoreError('STORE_CREATE_FAILED', `${dataDir} exists but holds no embedded database (no PG_VERSION file): move it aside or empty it, and start again.`);
      }
      await createDataFolder(dataDir);
    }
    checkDataFolderVersion(dataDir);
  }
  const pg = await PGlite.create(inMemory ? undefined : dataDir, { startParams: startParams() });
  return {
    kind: 'pglite',
    location: inMemory ? 'memory://' : dataDir,
    ...queryable(pg),
    transaction: (work) => pg.transaction(async (tx) => work(inTransaction(queryable(tx)))),
    close: () => pg.close(),
  };
}

/** Junction's query surface over PGlite itself or one of its transactions. */
function queryable(target: Pick<Transaction, 'query' | 'exec'>): Omit<Queryable, 'transaction'> {
  return {
    query: async <R>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>> => {
      const result = await target.query<R>(text, params as unknown[] | undefined);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    exec: async (text) => {
      await target.exec(text);
    },
  };
}
