import type { Queryable } from '../store/index.js';
import { compileCollection } from './engine.js';
import { MappingCompileError, MappingError, MappingErrorCode } from './errors.js';
import { MappingCollectionCreate, MappingCollectionUpdate } from './schema.js';
import type { Direction, MappingCollection, MappingCollectionCreateInput, MappingCollectionUpdate as UpdateBody } from './schema.js';
import { TranslationTableInput, type Translations } from './translations.js';

/**
 * Mapping collections and translation tables in SQL. This is the only file of the mapping area that
 * writes SQL; values are always `$n` parameters. Every save is a new immutable row in
 * `mapping_collection_versions`; `mapping_collections.current_version` points at the one that runs.
 */

type Definition = Omit<MappingCollectionCreate, 'subscriptionId'>;

export interface CollectionFilter {
  subscriptionId?: string;
  direction?: Direction;
  hubModel?: string;
  entity?: string;
  enabled?: boolean;
}

export interface CollectionVersionInfo {
  version: number;
  createdAt: string;
  current: boolean;
}

interface CollectionRow {
  id: string;
  tenant_id: string;
  subscription_id: string;
  version: number;
  definition: Definition | string;
  created_at: Date | string;
}

function iso(v: Date | string): string {
  return (v instanceof Date ? v : new Date(v)).toISOString();
}

function toCollection(row: CollectionRow): MappingCollection {
  const def = (typeof row.definition === 'string' ? JSON.parse(row.definition) : row.definition) as Definition;
  return { ...def, id: row.id, tenantId: row.tenant_id, subscriptionId: row.subscription_id, version: row.version, updatedAt: iso(row.created_at) };
}

function validate(input: unknown, schema: typeof MappingCollectionCreate | typeof MappingCollectionUpdate): unknown {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw new MappingError(
      MappingErrorCode.INVALID,
      `The mapping collection is not valid: ${issues.map((i) => `${i.path || '(collection)'}: ${i.message}`).join('; ')}`,
      { issues },
    );
  }
  return parsed.data;
}

/** Schema + formula validation of a full definition before it is saved. */
function validateDefinition(input: unknown): MappingCollectionCreate {
  const data = validate(input, MappingCollectionCreate) as MappingCollectionCreate;
  try {
    compileCollection(data);
  } catch (err) {
    if (err instanceof MappingCompileError) {
      throw new MappingError(MappingErrorCode.INVALID, err.message, { issues: err.issues }, { cause: err });
    }
    throw err;
  }
  return data;
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}

function notFound(id: string, version?: number): MappingError {
  return new MappingError(
    MappingErrorCode.NOT_FOUND,
    version === undefined ? `Mapping collection ${id} was not found.` : `Version ${version} of mapping collection ${id} was not found.`,
    { id, version },
  );
}

function nameTaken(name: string): MappingError {
  return new MappingError(MappingErrorCode.NAME_TAKEN, `A mapping collection named "${name}" already exists for this subscription and direction; choose another name.`, { name });
}

function splitDefinition(data: MappingCollectionCreate): { subscriptionId: string; definition: Definition } {
  const { subscriptionId, ...definition } = data;
  return { subscriptionId, definition };
}

const SELECT_VERSION = `
  SELECT c.id, c.tenant_id, c.subscription_id, v.version, v.definition, v.created_at
  FROM mapping_collections c
  JOIN mapping_collection_versions v ON v.collection_id = c.id`;

/** Creates a collection (version 1). Throws `MAPPING_INVALID` (schema, formulas, unknown subscription) or `MAPPING_NAME_TAKEN`. */
export async function createCollection(q: Queryable, tenantId: string, input: MappingCollectionCreateInput): Promise<MappingCollection> {
  const data = validateDefinition(input);
  const { subscriptionId, definition } = splitDefinition(data);
  return q.transaction(async (tx) => {
    let ids;
    try {
      ids = await tx.query<{ id: string }>(
        `INSERT INTO mapping_collections (tenant_id, subscription_id, current_version, name, hub_model, entity, direction, sync_type, enabled, sort_order)
         SELECT $1, s.id, 1, $3, $4, $5, $6, $7, $8, $9 FROM subscriptions s WHERE s.id = $2 AND s.tenant_id = $1
         RETURNING id`,
        [tenantId, subscriptionId, definition.name, definition.hubModel, definition.entity, definition.direction, definition.syncType, definition.enabled, definition.sortOrder],
      );
    } catch (err) {
      if (isUniqueViolation(err)) throw nameTaken(definition.name);
      throw err;
    }
    const id = ids.rows[0]?.id;
    if (id === undefined) {
      throw new MappingError(MappingErrorCode.INVALID, `Subscription ${subscriptionId} does not exist for this tenant.`, { subscriptionId });
    }
    const { rows } = await tx.query<{ created_at: Date | string }>(
      `INSERT INTO mapping_collection_versions (collection_id, version, tenant_id, definition) VALUES ($1, 1, $2, $3::jsonb) RETURNING created_at`,
      [id, tenantId, JSON.stringify(definition)],
    );
    return { ...definition, id, tenantId, subscriptionId, version: 1, updatedAt: iso((rows[0] as { created_at: Date | string }).created_at) };
  });
}

/**
 * Saves a new version from a partial update. With `expectedVersion`, throws `MAPPING_VERSION_CONFLICT`
 * when the current version differs (someone saved in between).
 */
export async function updateCollection(q: Queryable, tenantId: string, id: string, input: UpdateBody, expectedVersion?: number): Promise<MappingCollection> {
  const patch = validate(input, MappingCollectionUpdate) as UpdateBody;
  return q.transaction(async (tx) => {
    const { rows } = await tx.query<CollectionRow>(
      `${SELECT_VERSION} AND v.version = c.current_version
       WHERE c.id = $1 AND c.tenant_id = $2 AND c.deleted_at IS NULL
       FOR UPDATE OF c`,
      [id, tenantId],
    );
    const row = rows[0];
    if (row === undefined) throw notFound(id);
    if (expectedVersion !== undefined && row.version !== expectedVersion) {
      throw new MappingError(
        MappingErrorCode.VERSION_CONFLICT,
        `Mapping collection ${id} is at version ${row.version}, not ${expectedVersion}: someone saved it in the meantime. Reload it and apply your change again.`,
        { id, expectedVersion, currentVersion: row.version },
      );
    }
    const current = toCollection(row);
    const { id: _i, tenantId: _t, version: _v, updatedAt: _u, ...currentDef } = current;
    const data = validateDefinition({ ...currentDef, ...patch });
    const { subscriptionId, definition } = splitDefinition(data);
    const next = row.version + 1;
    try {
      await tx.query(
        `UPDATE mapping_collections
         SET current_version = $3, name = $4, hub_model = $5, entity = $6, direction = $7, sync_type = $8, enabled = $9, sort_order = $10, updated_at = now()
         WHERE id = $1 AND tenant_id = $2`,
        [id, tenantId, next, definition.name, definition.hubModel, definition.entity, definition.direction, definition.syncType, definition.enabled, definition.sortOrder],
      );
    } catch (err) {
      if (isUniqueViolation(err)) throw nameTaken(definition.name);
      throw err;
    }
    const ins = await tx.query<{ created_at: Date | string }>(
      `INSERT INTO mapping_collection_versions (collection_id, version, tenant_id, definition) VALUES ($1, $2, $3, $4::jsonb) RETURNING created_at`,
      [id, next, tenantId, JSON.stringify(definition)],
    );
    return { ...definition, id, tenantId, subscriptionId, version: next, updatedAt: iso((ins.rows[0] as { created_at: Date | string }).created_at) };
  });
}

/**
 * The current version, or the given one. A given version is returned even after the collection was
 * deleted (transfers keep pointing at the version they ran).
 */
export async function getCollection(q: Queryable, tenantId: string, id: string, version?: number): Promise<MappingCollection> {
  const { rows } =
    version === undefined
      ? await q.query<CollectionRow>(`${SELECT_VERSION} AND v.version = c.current_version WHERE c.id = $1 AND c.tenant_id = $2 AND c.deleted_at IS NULL`, [id, tenantId])
      : await q.query<CollectionRow>(`${SELECT_VERSION} AND v.version = $3 WHERE c.id = $1 AND c.tenant_id = $2`, [id, tenantId, version]);
  const row = rows[0];
  if (row === undefined) throw notFound(id, version);
  return toCollection(row);
}

/** Current versions of the tenant's active collections, by subscription, direction, sort order and name. */
export async function listCollections(q: Queryable, tenantId: string, filter: CollectionFilter = {}): Promise<MappingCollection[]> {
  const { rows } = await q.query<CollectionRow>(
    `${SELECT_VERSION} AND v.version = c.current_version
     WHERE c.tenant_id = $1 AND c.deleted_at IS NULL
       AND ($2::uuid IS NULL OR c.subscription_id = $2::uuid)
       AND ($3::text IS NULL OR c.direction = $3::text)
       AND ($4::text IS NULL OR c.hub_model = $4::text)
       AND ($5::text IS NULL OR c.entity = $5::text)
       AND ($6::boolean IS NULL OR c.enabled = $6::boolean)
     ORDER BY c.subscription_id, c.direction, c.sort_order, c.name, c.id`,
    [tenantId, filter.subscriptionId ?? null, filter.direction ?? null, filter.hubModel ?? null, filter.entity ?? null, filter.enabled ?? null],
  );
  return rows.map(toCollection);
}

/** Soft-deletes a collection (its versions stay readable by id and version). */
export async function deleteCollection(q: Queryable, tenantId: string, id: string, expectedVersion?: number): Promise<void> {
  const { rows } = await q.query<{ current_version: number }>(
    `UPDATE mapping_collections SET deleted_at = now(), updated_at = now()
     WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL AND ($3::integer IS NULL OR current_version = $3::integer)
     RETURNING current_version`,
    [id, tenantId, expectedVersion ?? null],
  );
  if (rows.length > 0) return;
  if (expectedVersion !== undefined) {
    const cur = await q.query<{ current_version: number }>(`SELECT current_version FROM mapping_collections WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL`, [id, tenantId]);
    const row = cur.rows[0];
    if (row !== undefined) {
      throw new MappingError(
        MappingErrorCode.VERSION_CONFLICT,
        `Mapping collection ${id} is at version ${row.current_version}, not ${expectedVersion}. Reload it before deleting.`,
        { id, expectedVersion, currentVersion: row.current_version },
      );
    }
  }
  throw notFound(id);
}

/** All versions of a collection, newest first. */
export async function listVersions(q: Queryable, tenantId: string, id: string): Promise<CollectionVersionInfo[]> {
  const { rows } = await q.query<{ version: number; created_at: Date | string; current_version: number }>(
    `SELECT v.version, v.created_at, c.current_version
     FROM mapping_collections c JOIN mapping_collection_versions v ON v.collection_id = c.id
     WHERE c.id = $1 AND c.tenant_id = $2
     ORDER BY v.version DESC`,
    [id, tenantId],
  );
  if (rows.length === 0) throw notFound(id);
  return rows.map((r) => ({ version: r.version, createdAt: iso(r.created_at), current: r.version === r.current_version }));
}

/** Creates or replaces one translation table of a subscription. */
export async function upsertTranslationTable(q: Queryable, tenantId: string, subscriptionId: string, input: TranslationTableInput): Promise<void> {
  const parsed = TranslationTableInput.safeParse(input);
  if (!parsed.success) {
    throw new MappingError(MappingErrorCode.INVALID, `The translation table is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const { rowCount } = await q.query(
    `INSERT INTO translation_tables (tenant_id, subscription_id, name, entries)
     SELECT $1, s.id, $3, $4::jsonb FROM subscriptions s WHERE s.id = $2 AND s.tenant_id = $1
     ON CONFLICT (subscription_id, name) DO UPDATE SET entries = EXCLUDED.entries, updated_at = now()`,
    [tenantId, subscriptionId, parsed.data.name, JSON.stringify(parsed.data.entries)],
  );
  if (rowCount === 0) {
    throw new MappingError(MappingErrorCode.INVALID, `Subscription ${subscriptionId} does not exist for this tenant.`, { subscriptionId });
  }
}

export async function deleteTranslationTable(q: Queryable, tenantId: string, subscriptionId: string, name: string): Promise<boolean> {
  const { rowCount } = await q.query(`DELETE FROM translation_tables WHERE tenant_id = $1 AND subscription_id = $2 AND name = $3`, [tenantId, subscriptionId, name]);
  return rowCount > 0;
}

/** Every translation table of a subscription, preloaded for `createTranslator`. */
export async function getTranslations(q: Queryable, subscriptionId: string): Promise<Translations> {
  const { rows } = await q.query<{ name: string; entries: Record<string, string> | string }>(
    `SELECT name, entries FROM translation_tables WHERE subscription_id = $1 ORDER BY name`,
    [subscriptionId],
  );
  const out: Translations = {};
  for (const r of rows) out[r.name] = typeof r.entries === 'string' ? (JSON.parse(r.entries) as Record<string, string>) : r.entries;
  return out;
}
