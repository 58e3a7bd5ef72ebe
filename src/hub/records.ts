import { newId, type Queryable } from '../store/index.js';
import { contentHash, diffRecords, type FieldChange } from './content.js';
import { HubError } from './errors.js';
import { hubModels, type HubModelName } from './models.js';

export interface HubRecord {
  id: string;
  tenantId: string;
  model: HubModelName;
  data: Record<string, unknown>;
  version: number;
  origin: string | null;
  contentHash: string;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
}

export interface HistoryEntry {
  version: number;
  action: 'create' | 'update' | 'delete' | 'restore';
  changes: FieldChange[];
  subscriptionId: string | null;
  transferId: string | null;
  changedAt: string;
}

interface Row {
  id: string;
  tenant_id: string;
  model: string;
  data: Record<string, unknown>;
  version: number;
  origin: string | null;
  content_hash: string;
  created_at: Date | string;
  updated_at: Date | string;
  deleted_at: Date | string | null;
}

const COLUMNS = 'id, tenant_id, model, data, version, origin, content_hash, created_at, updated_at, deleted_at';

const iso = (value: Date | string): string => (value instanceof Date ? value.toISOString() : new Date(value).toISOString());

export function toHubRecord(row: Row): HubRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    model: row.model as HubModelName,
    data: row.data,
    version: row.version,
    origin: row.origin,
    contentHash: row.content_hash,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    deletedAt: row.deleted_at === null ? null : iso(row.deleted_at),
  };
}

export function isHubModel(model: string): model is HubModelName {
  return Object.prototype.hasOwnProperty.call(hubModels, model);
}

/** Validates data against its model; issues name the offending field (`Addresses.0.City`). */
export function validateHubData(model: string, data: unknown): Record<string, unknown> {
  if (!isHubModel(model)) throw new HubError('HUB_UNKNOWN_MODEL', `Unknown hub model '${model}'. Known models: ${Object.keys(hubModels).join(', ')}.`, { field: 'model' });
  const parsed = hubModels[model].safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      field: issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : '(record)'),
      message: issue.code === 'unrecognized_keys' ? `Unknown field(s) ${issue.keys.join(', ')} on ${model}` : issue.message,
    }));
    const first = issues[0];
    throw new HubError('HUB_INVALID_RECORD', `${model} is not valid: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, {
      field: first?.field,
      issues,
    });
  }
  return parsed.data as Record<string, unknown>;
}

export interface WriteContext {
  /** The subscription that caused the write (null for API/console writes). */
  origin?: string | null;
  transferId?: string | null;
}

export async function createHubRecord(
  q: Queryable,
  input: { tenantId: string; model: string; data: unknown } & WriteContext,
): Promise<HubRecord> {
  const data = validateHubData(input.model, input.data);
  const hash = contentHash(data);
  const { rows } = await q.query<Row>(
    `INSERT INTO hub_records (id, tenant_id, model, data, origin, content_hash) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [newId(), input.tenantId, input.model, JSON.stringify(data), input.origin ?? null, hash],
  );
  const record = toHubRecord(rows[0] as Row);
  await recordHistory(q, record, 'create', diffRecords(null, data), input);
  return record;
}

export interface UpdateResult {
  record: HubRecord;
  /** False when the new data equals the stored data: no version bump, no history, no fan-out. */
  changed: boolean;
  changes: FieldChange[];
}

export async function updateHubRecord(
  q: Queryable,
  input: { tenantId: string; id: string; model?: string; data: unknown; expectedVersion?: number } & WriteContext,
): Promise<UpdateResult> {
  const current = await getHubRecord(q, input.tenantId, input.id, { model: input.model, forUpdate: true });
  if (input.expectedVersion !== undefined && input.expectedVersion !== current.version) {
    throw new HubError(
      'HUB_VERSION_CONFLICT',
      `${current.model} ${current.id} is at version ${current.version}, not ${input.expectedVersion}: it changed since you read it. Re-read it and apply your change again.`,
      { field: 'version' },
    );
  }
  const data = validateHubData(current.model, input.data);
  const hash = contentHash(data);
  if (hash === current.contentHash) return { record: current, changed: false, changes: [] };
  const { rows } = await q.query<Row>(
    `UPDATE hub_records SET data = $3, content_hash = $4, version = version + 1, origin = $5, updated_at = now()
     WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
    [input.tenantId, input.id, JSON.stringify(data), hash, input.origin ?? null],
  );
  const record = toHubRecord(rows[0] as Row);
  const changes = diffRecords(current.data, data);
  await recordHistory(q, record, 'update', changes, input);
  return { record, changed: true, changes };
}

export async function getHubRecord(
  q: Queryable,
  tenantId: string,
  id: string,
  options: { model?: string; includeDeleted?: boolean; forUpdate?: boolean } = {},
): Promise<HubRecord> {
  const { rows } = await q.query<Row>(
    `SELECT ${COLUMNS} FROM hub_records WHERE tenant_id = $1 AND id = $2 ${options.forUpdate ? 'FOR UPDATE' : ''}`,
    [tenantId, isUuid(id) ? id : '00000000-0000-0000-0000-000000000000'],
  );
  const row = rows[0];
  if (!row || (options.model && row.model !== options.model) || (row.deleted_at !== null && !options.includeDeleted)) {
    throw new HubError('HUB_NOT_FOUND', `No ${options.model ?? 'hub record'} with id ${id}.`, { field: 'id' });
  }
  return toHubRecord(row);
}

export async function deleteHubRecord(
  q: Queryable,
  input: { tenantId: string; id: string; model?: string; expectedVersion?: number } & WriteContext,
): Promise<HubRecord> {
  const current = await getHubRecord(q, input.tenantId, input.id, { model: input.model, forUpdate: true });
  if (input.expectedVersion !== undefined && input.expectedVersion !== current.version) {
    throw new HubError('HUB_VERSION_CONFLICT', `${current.model} ${current.id} is at version ${current.version}, not ${input.expectedVersion}.`, { field: 'version' });
  }
  const { rows } = await q.query<Row>(
    `UPDATE hub_records SET deleted_at = now(), version = version + 1, origin = $3, updated_at = now()
     WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
    [input.tenantId, input.id, input.origin ?? null],
  );
  const record = toHubRecord(rows[0] as Row);
  await recordHistory(q, record, 'delete', [], input);
  return record;
}

export interface ListOptions {
  model?: string;
  limit?: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
  updatedAfter?: string;
  /** Exact matches on top-level data fields, e.g. `{ EmailAddress: 'a@b.c' }` (case-insensitive). */
  where?: Record<string, string>;
  includeDeleted?: boolean;
}

export async function listHubRecords(q: Queryable, tenantId: string, options: ListOptions = {}): Promise<{ items: HubRecord[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 500);
  const params: unknown[] = [tenantId];
  const where = ['tenant_id = $1'];
  const add = (clause: (n: number) => string, value: unknown) => {
    params.push(value);
    where.push(clause(params.length));
  };
  if (options.model) add((n) => `model = $${n}`, options.model);
  if (!options.includeDeleted) where.push('deleted_at IS NULL');
  if (options.updatedAfter) add((n) => `updated_at > $${n}`, options.updatedAfter);
  for (const [field, value] of Object.entries(options.where ?? {})) {
    params.push(field);
    add((n) => `lower(data->>$${n - 1}) = lower($${n})`, value);
  }
  if (options.cursor) add((n) => `id > $${n}`, decodeCursor(options.cursor));
  params.push(limit + 1);
  const { rows } = await q.query<Row>(`SELECT ${COLUMNS} FROM hub_records WHERE ${where.join(' AND ')} ORDER BY id LIMIT $${params.length}`, params);
  const items = rows.slice(0, limit).map(toHubRecord);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null };
}

/** Live records of a model whose top-level `field` equals `value`, ignoring case (collision matching). */
export async function findHubRecordsByField(q: Queryable, tenantId: string, model: string, field: string, value: string): Promise<HubRecord[]> {
  const { rows } = await q.query<Row>(
    `SELECT ${COLUMNS} FROM hub_records WHERE tenant_id = $1 AND model = $2 AND deleted_at IS NULL AND lower(data->>$3) = lower($4) ORDER BY created_at, id LIMIT 20`,
    [tenantId, model, field, value],
  );
  return rows.map(toHubRecord);
}

export async function getHubRecordHistory(q: Queryable, tenantId: string, id: string): Promise<HistoryEntry[]> {
  await getHubRecord(q, tenantId, id, { includeDeleted: true });
  const { rows } = await q.query<{ version: number; action: HistoryEntry['action']; changes: FieldChange[]; subscription_id: string | null; transfer_id: string | null; changed_at: Date | string }>(
    'SELECT version, action, changes, subscription_id, transfer_id, changed_at FROM hub_record_history WHERE tenant_id = $1 AND record_id = $2 ORDER BY version',
    [tenantId, id],
  );
  return rows.map((r) => ({ version: r.version, action: r.action, changes: r.changes, subscriptionId: r.subscription_id, transferId: r.transfer_id, changedAt: iso(r.changed_at) }));
}

async function recordHistory(q: Queryable, record: HubRecord, action: HistoryEntry['action'], changes: FieldChange[], ctx: WriteContext): Promise<void> {
  await q.query(
    'INSERT INTO hub_record_history (record_id, tenant_id, version, action, changes, subscription_id, transfer_id) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [record.id, record.tenantId, record.version, action, JSON.stringify(changes), ctx.origin ?? null, ctx.transferId ?? null],
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

function encodeCursor(id: string): string {
  return Buffer.from(id).toString('base64url');
}

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString();
  if (!isUuid(id)) throw new HubError('HUB_INVALID_CURSOR', 'The cursor is not one this API returned.', { field: 'cursor' });
  return id;
}
