import { readFileSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queryable } from '../store/index.js';
import {
  createCollection,
  deleteCollection,
  getCollection,
  getTranslations,
  listCollections,
  listVersions,
  updateCollection,
  upsertTranslationTable,
} from './repository.js';
import { bcContactToHub, bcUpdateCustomerFromHub } from './fixtures/seeds.js';
import { MappingError } from './errors.js';

type Pg = PGlite | Transaction;

function wrap(pg: Pg): Queryable {
  const q: Queryable = {
    async query<R>(text: string, params?: readonly unknown[]) {
      const r = await pg.query<R>(text, params as unknown[] | undefined);
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
    },
    async exec(text: string) {
      await pg.exec(text);
    },
    transaction: <T>(work: (tx: Queryable) => Promise<T>): Promise<T> =>
      'transaction' in pg ? (pg as PGlite).transaction((tx) => work(wrap(tx))) : work(q),
  };
  return q;
}

const TENANT = 'aaaaaaaa-0000-4000-8000-000000000001';
const OTHER_TENANT = 'aaaaaaaa-0000-4000-8000-000000000002';
const SUB = 'bbbbbbbb-0000-4000-8000-000000000001';
const SUB2 = 'bbbbbbbb-0000-4000-8000-000000000002';

let pg: PGlite;
let db: Queryable;

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return err instanceof MappingError ? err.code : `unexpected: ${String(err)}`;
  }
  return undefined;
}

beforeAll(async () => {
  pg = new PGlite();
  db = wrap(pg);
  await db.exec(`
    CREATE TABLE tenants (id uuid PRIMARY KEY);
    CREATE TABLE subscriptions (id uuid PRIMARY KEY, tenant_id uuid NOT NULL REFERENCES tenants(id));
    INSERT INTO tenants VALUES ('${TENANT}'), ('${OTHER_TENANT}');
    INSERT INTO subscriptions VALUES ('${SUB}', '${TENANT}'), ('${SUB2}', '${OTHER_TENANT}');
  `);
  await db.exec(readFileSync(new URL('../store/migrations/002_mapping.sql', import.meta.url), 'utf8'));
});

afterAll(async () => {
  await pg.close();
});

describe('mapping repository', () => {
  it('creates, reads, updates with versions, lists and deletes', async () => {
    const created = await createCollection(db, TENANT, { subscriptionId: SUB, ...bcContactToHub });
    expect(created.version).toBe(1);
    expect(created.tenantId).toBe(TENANT);
    expect(created.collision).toEqual({ method: 'ERROR', matchField: 'EmailAddress' });
    const read = await getCollection(db, TENANT, created.id);
    expect(read).toEqual(created);

    const v2 = await updateCollection(db, TENANT, created.id, { enabled: false, sortOrder: 5 }, 1);
    expect(v2.version).toBe(2);
    expect(v2.enabled).toBe(false);
    expect(v2.mappings).toEqual(created.mappings);
    expect(await codeOf(updateCollection(db, TENANT, created.id, { sortOrder: 6 }, 1))).toBe('MAPPING_VERSION_CONFLICT');

    const v3 = await updateCollection(db, TENANT, created.id, { mappings: created.mappings.slice(0, 3) });
    expect(v3.version).toBe(3);
    expect((await getCollection(db, TENANT, created.id, 1)).mappings).toHaveLength(10);
    expect((await getCollection(db, TENANT, created.id)).mappings).toHaveLength(3);
    expect((await listVersions(db, TENANT, created.id)).map((v) => [v.version, v.current])).toEqual([
      [3, true],
      [2, false],
      [1, false],
    ]);

    await createCollection(db, TENANT, { subscriptionId: SUB, ...bcUpdateCustomerFromHub });
    expect((await listCollections(db, TENANT)).map((c) => c.name).sort()).toEqual([bcContactToHub.name, bcUpdateCustomerFromHub.name].sort());
    expect((await listCollections(db, TENANT, { direction: 'FROM_HUB' })).map((c) => c.name)).toEqual([bcUpdateCustomerFromHub.name]);
    expect(await listCollections(db, TENANT, { subscriptionId: SUB, hubModel: 'Customer', entity: 'contact' })).toHaveLength(1);
    expect(await listCollections(db, OTHER_TENANT)).toEqual([]);

    expect(await codeOf(deleteCollection(db, TENANT, created.id, 2))).toBe('MAPPING_VERSION_CONFLICT');
    await deleteCollection(db, TENANT, created.id, 3);
    expect(await codeOf(getCollection(db, TENANT, created.id))).toBe('MAPPING_NOT_FOUND');
    expect((await getCollection(db, TENANT, created.id, 2)).version).toBe(2);
    expect(await codeOf(deleteCollection(db, TENANT, created.id))).toBe('MAPPING_NOT_FOUND');
  });

  it('versions are immutable rows', async () => {
    const c = await createCollection(db, TENANT, { subscriptionId: SUB, ...bcContactToHub, name: 'Immutable check' });
    await expect(db.query(`UPDATE mapping_collection_versions SET definition = '{}'::jsonb WHERE collection_id = $1`, [c.id])).rejects.toThrow(/immutable/);
  });

  it('rejects invalid definitions, broken formulas, foreign subscriptions, other tenants and duplicate names', async () => {
    expect(await codeOf(createCollection(db, TENANT, { subscriptionId: SUB, ...bcContactToHub, direction: 'UP' as never }))).toBe('MAPPING_INVALID');
    expect(await codeOf(createCollection(db, TENANT, { subscriptionId: SUB, ...bcContactToHub, name: 'Broken', filter: 'Type ==' }))).toBe('MAPPING_INVALID');
    expect(await codeOf(createCollection(db, TENANT, { subscriptionId: SUB2, ...bcContactToHub }))).toBe('MAPPING_INVALID');
    const c = await createCollection(db, TENANT, { subscriptionId: SUB, ...bcContactToHub, name: 'Unique name' });
    expect(await codeOf(createCollection(db, TENANT, { subscriptionId: SUB, ...bcContactToHub, name: 'unique NAME' }))).toBe('MAPPING_NAME_TAKEN');
    expect(await codeOf(getCollection(db, OTHER_TENANT, c.id))).toBe('MAPPING_NOT_FOUND');
    expect(await codeOf(updateCollection(db, TENANT, c.id, { bogus: 1 } as never))).toBe('MAPPING_INVALID');
  });

  it('translation tables per subscription', async () => {
    await upsertTranslationTable(db, TENANT, SUB, { name: 'Country', entries: { 'United States': 'US' } });
    await upsertTranslationTable(db, TENANT, SUB, { name: 'Country', entries: { 'United States': 'US', Canada: 'CA' } });
    await upsertTranslationTable(db, TENANT, SUB, { name: 'Terms', entries: { N30: '30 DAYS' } });
    expect(await getTranslations(db, SUB)).toEqual({ Country: { 'United States': 'US', Canada: 'CA' }, Terms: { N30: '30 DAYS' } });
    expect(await codeOf(upsertTranslationTable(db, TENANT, SUB2, { name: 'X', entries: {} }))).toBe('MAPPING_INVALID');
  });
});
