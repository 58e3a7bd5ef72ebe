/**
 * The one storage seam. Two implementations: PGlite (embedded, the default) and PostgreSQL.
 * Code above the store takes a `Queryable` so the same function runs inside or outside a transaction.
 */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Runs several statements without parameters (migrations, maintenance). */
  exec(text: string): Promise<void>;
  /**
   * Runs `work` in one transaction: commit when it resolves, roll back when it throws.
   * Inside a transaction this simply runs `work` in the same transaction (no nesting).
   */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
}

export type StorageKind = 'pglite' | 'postgres';

export interface Db extends Queryable {
  readonly kind: StorageKind;
  /** Human-readable location: the data folder or the database URL without its password. */
  readonly location: string;
  close(): Promise<void>;
}

/** A `Queryable` wrapped so it cannot open a nested transaction. */
export function inTransaction(tx: Omit<Queryable, 'transaction'>): Queryable {
  const self: Queryable = {
    query: (text, params) => tx.query(text, params),
    exec: (text) => tx.exec(text),
    transaction: (work) => work(self),
  };
  return self;
}
