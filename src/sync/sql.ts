import type { Queryable } from '../store/index.js';

/**
 * All SQL of the sync engine. Values are always parameters; batches travel as one JSON parameter
 * expanded with json_to_recordset. State names are the frozen constants below.
 */
export const TRANSFER_STATUS = Object.freeze({
  pending: 'pending',
  success: 'success',
  filtered: 'filtered',
  error: 'error',
  retrying: 'retrying',
  skipped: 'skipped',
} as const);
export type TransferStatus = (typeof TRANSFER_STATUS)[keyof typeof TRANSFER_STATUS];

export const RUN_STATE = Object.freeze({ running: 'running', completed: 'completed', cancelled: 'cancelled', failed: 'failed' } as const);
export type RunState = (typeof RUN_STATE)[keyof typeof RUN_STATE];

// ------------------------------------------------------------------ job keys

/** Inserts keys; returns those that were new (the others are already queued: collapse). */
export async function claimJobKeys(q: Queryable, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const { rows } = await q.query<{ job_key: string }>(
    'INSERT INTO sync_job_keys (job_key) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING RETURNING job_key',
    [keys],
  );
  return new Set(rows.map((r) => r.job_key));
}

export async function releaseJobKeys(q: Queryable, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await q.query('DELETE FROM sync_job_keys WHERE job_key = ANY($1::text[])', [keys]);
}

// ------------------------------------------------------------------ pauses

export async function setPause(q: Queryable, subscriptionId: string, until: Date, reason: string): Promise<void> {
  await q.query(
    `INSERT INTO sync_pauses (subscription_id, paused_until, reason) VALUES ($1, $2, $3)
     ON CONFLICT (subscription_id) DO UPDATE SET paused_until = GREATEST(sync_pauses.paused_until, EXCLUDED.paused_until),
       reason = CASE WHEN EXCLUDED.paused_until > sync_pauses.paused_until THEN EXCLUDED.reason ELSE sync_pauses.reason END, updated_at = now()`,
    [subscriptionId, until.toISOString(), reason],
  );
}

export async function clearPause(q: Queryable, subscriptionId: string): Promise<void> {
  await q.query('DELETE FROM sync_pauses WHERE subscription_id::text = $1', [subscriptionId]);
}

// ------------------------------------------------------------------ shared rate windows

/**
 * Reserves `count` request slots `intervalMs` apart for the subscription, after every slot reserved
 * before by any worker and not before the database's now, if the first is at most `maxWaitMs` away;
 * slots reserved at another interval (the throttle was changed) are forgotten. One statement, atomic
 * under the row lock of the upsert. Times are on the database's clock, so workers on other hosts
 * agree; `firstAt` is the first reserved slot, or the first free one when nothing was reserved.
 */
export async function reserveRateSlots(q: Queryable, subscriptionId: string, count: number, intervalMs: number, maxWaitMs: number): Promise<{ reserved: boolean; firstAt: number; storeNow: number }> {
  const { rows } = await q.query<{ reserved_ms: string | null; free_ms: string | null; now_ms: string }>(
    `WITH t AS (SELECT clock_timestamp() AS now),
     r AS (
       INSERT INTO sync_rate_pacing AS p (subscription_id, next_at, interval_ms)
         SELECT $1, t.now + $2::float8 * $3::float8 * interval '1 millisecond', $3::float8 FROM t
       ON CONFLICT (subscription_id) DO UPDATE
         SET next_at = (CASE WHEN p.interval_ms = $3::float8 THEN GREATEST(p.next_at, (SELECT now FROM t)) ELSE (SELECT now FROM t) END)
                       + $2::float8 * $3::float8 * interval '1 millisecond',
             interval_ms = $3::float8
         WHERE p.interval_ms <> $3::float8 OR p.next_at <= (SELECT now FROM t) + $4::float8 * interval '1 millisecond'
       RETURNING next_at
     )
     SELECT (SELECT extract(epoch FROM next_at) * 1000 FROM r) AS reserved_ms,
            (SELECT extract(epoch FROM next_at) * 1000 FROM sync_rate_pacing WHERE subscription_id = $1) AS free_ms,
            extract(epoch FROM (SELECT now FROM t)) * 1000 AS now_ms`,
    [subscriptionId, count, intervalMs, maxWaitMs],
  );
  const row = rows[0] as { reserved_ms: string | null; free_ms: string | null; now_ms: string };
  const storeNow = Number(row.now_ms);
  if (row.reserved_ms !== null) return { reserved: true, firstAt: Number(row.reserved_ms) - count * intervalMs, storeNow };
  // Nothing reserved: the outer query still sees the row as it was, i.e. the first free slot.
  return { reserved: false, firstAt: row.free_ms === null ? storeNow : Number(row.free_ms), storeNow };
}

/** Moves a subscription's jobs that wait for a later start to now. */
export async function wakeJobs(q: Queryable, queues: string[], subscriptionId: string): Promise<number> {
  const { rowCount } = await q.query(
    `UPDATE pgboss.job SET start_after = now() WHERE name = ANY($1::text[]) AND state IN ('created', 'retry') AND start_after > now() AND data->>'subscriptionId' = $2`,
    [queues, subscriptionId],
  );
  return rowCount;
}

export async function getPauses(q: Queryable): Promise<Array<{ subscriptionId: string; until: number; reason: string }>> {
  const { rows } = await q.query<{ subscription_id: string; paused_until: Date | string; reason: string }>(
    'SELECT subscription_id, paused_until, reason FROM sync_pauses WHERE paused_until > now()',
  );
  return rows.map((r) => ({ subscriptionId: r.subscription_id, until: new Date(r.paused_until).getTime(), reason: r.reason }));
}

// ------------------------------------------------------------------ subscriptions

export interface SubscriptionInfo {
  id: string;
  tenantId: string;
  system: string;
  enabled: boolean;
}

export async function getSubscriptionInfo(q: Queryable, id: string): Promise<SubscriptionInfo | null> {
  const { rows } = await q.query<{ id: string; tenant_id: string; system: string; enabled: boolean }>(
    'SELECT id, tenant_id, system, enabled FROM subscriptions WHERE id::text = $1',
    [id],
  );
  const r = rows[0];
  return r ? { id: r.id, tenantId: r.tenant_id, system: r.system, enabled: r.enabled } : null;
}

/** Enabled FROM_HUB collections of a tenant's other enabled subscriptions for a hub model (fan-out targets). */
export async function fanOutTargets(q: Queryable, tenantId: string, hubModel: string, originSubscriptionId: string | null): Promise<Array<{ subscriptionId: string; collectionId: string }>> {
  const { rows } = await q.query<{ subscription_id: string; id: string }>(
    `SELECT c.subscription_id, c.id FROM mapping_collections c JOIN subscriptions s ON s.id = c.subscription_id
     WHERE c.tenant_id = $1 AND c.hub_model = $2 AND c.direction = 'FROM_HUB' AND c.enabled AND c.deleted_at IS NULL AND s.enabled
       AND ($3::uuid IS NULL OR c.subscription_id <> $3::uuid)
     ORDER BY c.subscription_id, c.sort_order, c.id`,
    [tenantId, hubModel, originSubscriptionId],
  );
  return rows.map((r) => ({ subscriptionId: r.subscription_id, collectionId: r.id }));
}

/** Subscriptions with TO_HUB collections that poll (for the scheduler). */
export async function pollTargets(q: Queryable): Promise<Array<{ tenantId: string; subscriptionId: string; entity: string; settings: Record<string, unknown> }>> {
  const { rows } = await q.query<{ tenant_id: string; subscription_id: string; entity: string; settings: Record<string, unknown> }>(
    // A collection with an explicit trigger list is polled only when it lists 'poll' (e.g. initialization-only ones are not).
    `SELECT DISTINCT c.tenant_id, c.subscription_id, c.entity, s.settings FROM mapping_collections c
     JOIN subscriptions s ON s.id = c.subscription_id
     JOIN mapping_collection_versions v ON v.collection_id = c.id AND v.version = c.current_version
     WHERE c.direction = 'TO_HUB' AND c.enabled AND c.deleted_at IS NULL AND s.enabled
       AND (coalesce(jsonb_array_length(v.definition->'triggers'), 0) = 0 OR v.definition->'triggers' ? 'poll')`,
  );
  return rows.map((r) => ({ tenantId: r.tenant_id, subscriptionId: r.subscription_id, entity: r.entity, settings: r.settings }));
}

// ------------------------------------------------------------------ inbound / outbound state

export interface InboundState {
  externalId: string;
  sourceModifiedAt: number | null;
  sourceHash: string | null;
  hubId: string | null;
}

/** Locks (creating when missing) the inbound state rows of some records: serialises jobs on one record. */
export async function lockInboundState(q: Queryable, subscriptionId: string, entity: string, externalIds: string[], createMissing = true): Promise<Map<string, InboundState>> {
  // Creating missing rows makes concurrent first-time jobs on one record wait for each other; bulk
  // initialization skips it (a concurrent insert of the same record then fails its page, which retries).
  if (createMissing) await q.query(
    `INSERT INTO sync_inbound_state (subscription_id, entity, external_id) SELECT $1, $2, unnest($3::text[])
     ON CONFLICT DO NOTHING`,
    [subscriptionId, entity, externalIds],
  );
  const { rows } = await q.query<{ external_id: string; source_modified_at: Date | string | null; source_hash: string | null; hub_id: string | null }>(
    `SELECT external_id, source_modified_at, source_hash, hub_id FROM sync_inbound_state
     WHERE subscription_id = $1 AND entity = $2 AND external_id = ANY($3::text[]) ORDER BY external_id FOR UPDATE`,
    [subscriptionId, entity, externalIds],
  );
  return new Map(
    rows.map((r) => [
      r.external_id,
      { externalId: r.external_id, sourceModifiedAt: r.source_modified_at === null ? null : new Date(r.source_modified_at).getTime(), sourceHash: r.source_hash, hubId: r.hub_id },
    ]),
  );
}

export async function getInboundState(q: Queryable, subscriptionId: string, entity: string, externalId: string): Promise<InboundState | null> {
  const { rows } = await q.query<{ external_id: string; source_modified_at: Date | string | null; source_hash: string | null; hub_id: string | null }>(
    'SELECT external_id, source_modified_at, source_hash, hub_id FROM sync_inbound_state WHERE subscription_id = $1 AND entity = $2 AND external_id = $3',
    [subscriptionId, entity, externalId],
  );
  const r = rows[0];
  return r ? { externalId: r.external_id, sourceModifiedAt: r.source_modified_at === null ? null : new Date(r.source_modified_at).getTime(), sourceHash: r.source_hash, hubId: r.hub_id } : null;
}

export async function saveInboundStates(
  q: Queryable,
  subscriptionId: string,
  entity: string,
  states: Array<{ externalId: string; modifiedAt: string | null; hash: string; hubId: string | null }>,
): Promise<void> {
  if (states.length === 0) return;
  await q.query(
    `INSERT INTO sync_inbound_state (subscription_id, entity, external_id, source_modified_at, source_hash, hub_id)
     SELECT $1, $2, x."externalId", x."modifiedAt", x.hash, x."hubId" FROM json_to_recordset($3) AS x("externalId" text, "modifiedAt" timestamptz, hash text, "hubId" uuid)
     ON CONFLICT (subscription_id, entity, external_id) DO UPDATE SET source_modified_at = EXCLUDED.source_modified_at,
       source_hash = EXCLUDED.source_hash, hub_id = COALESCE(EXCLUDED.hub_id, sync_inbound_state.hub_id), updated_at = now()`,
    [subscriptionId, entity, JSON.stringify(states)],
  );
}

/** Content hashes already applied for some external ids (polling skips unchanged records). */
export async function inboundHashes(q: Queryable, subscriptionId: string, entity: string, externalIds: string[]): Promise<Map<string, string>> {
  if (externalIds.length === 0) return new Map();
  const { rows } = await q.query<{ external_id: string; source_hash: string | null }>(
    'SELECT external_id, source_hash FROM sync_inbound_state WHERE subscription_id = $1 AND entity = $2 AND external_id = ANY($3::text[])',
    [subscriptionId, entity, externalIds],
  );
  return new Map(rows.filter((r) => r.source_hash !== null).map((r) => [r.external_id, r.source_hash as string]));
}

/**
 * Claims the right to create a hub record at a destination (one statement, committed before the
 * external call). Returns 'claimed', 'recover' (an earlier claim went stale: the create may have
 * happened) or 'busy' (another job holds a live claim).
 */
export async function claimCreate(q: Queryable, subscriptionId: string, model: string, hubId: string, token: string, staleAfterMs: number): Promise<'claimed' | 'recover' | 'busy'> {
  const { rows } = await q.query<{ claim_token: string | null; previous: string | null }>(
    `WITH before AS (
       SELECT claim_token FROM sync_outbound_state WHERE subscription_id = $1 AND model = $2 AND hub_id = $3
     )
     INSERT INTO sync_outbound_state AS s (subscription_id, model, hub_id, claim_token, claimed_at) VALUES ($1, $2, $3, $4, now())
     ON CONFLICT (subscription_id, model, hub_id) DO UPDATE SET
       claim_token = CASE WHEN s.claim_token IS NULL OR s.claim_token = $4 OR s.claimed_at < now() - ($5::int * interval '1 millisecond') THEN $4 ELSE s.claim_token END,
       claimed_at = CASE WHEN s.claim_token IS NULL OR s.claim_token = $4 OR s.claimed_at < now() - ($5::int * interval '1 millisecond') THEN now() ELSE s.claimed_at END
     RETURNING s.claim_token, (SELECT claim_token FROM before) AS previous`,
    [subscriptionId, model, hubId, token, staleAfterMs],
  );
  const row = rows[0];
  if (!row || row.claim_token !== token) return 'busy';
  return row.previous !== null && row.previous !== token ? 'recover' : 'claimed';
}

/** Everything an outbound job reads about its hub record in one query: the record, its link and outbound state in the destination. */
export async function loadOutbound(
  q: Queryable,
  tenantId: string,
  subscriptionId: string,
  model: string,
  hubId: string,
): Promise<{ row: Record<string, unknown> | null; linkExternalId: string | null; sentHash: string | null }> {
  const { rows } = await q.query<Record<string, unknown>>(
    `SELECT r.id, r.tenant_id, r.model, r.data, r.version, r.origin, r.content_hash, r.created_at, r.updated_at, r.deleted_at,
       l.external_id AS link_external_id, o.sent_hash
     FROM hub_records r
     LEFT JOIN external_links l ON l.subscription_id = $2 AND l.model = $3 AND l.hub_id = r.id
     LEFT JOIN sync_outbound_state o ON o.subscription_id = $2 AND o.model = $3 AND o.hub_id = r.id
     WHERE r.tenant_id = $1 AND r.id = $4`,
    [tenantId, subscriptionId, model, hubId],
  );
  const r = rows[0];
  if (!r) return { row: null, linkExternalId: null, sentHash: null };
  return { row: r, linkExternalId: (r.link_external_id as string | null) ?? null, sentHash: (r.sent_hash as string | null) ?? null };
}

export async function releaseClaim(q: Queryable, subscriptionId: string, model: string, hubId: string, token: string): Promise<void> {
  await q.query('UPDATE sync_outbound_state SET claim_token = NULL, claimed_at = NULL WHERE subscription_id = $1 AND model = $2 AND hub_id = $3 AND claim_token = $4', [
    subscriptionId,
    model,
    hubId,
    token,
  ]);
}

// ------------------------------------------------------------------ bulk hub writes (initialization)

export interface NewHubRow {
  id: string;
  model: string;
  data: Record<string, unknown>;
  hash: string;
  externalId: string | null;
  transferId: string;
  changes: unknown[];
}

/**
 * Runs `work` with the foreign key triggers of the current transaction off (`session_replication_role
 * = replica`), then turns them back on. Only for writes whose references are known to exist and cannot
 * go away meanwhile: the caller must hold the only connection (PGlite) and have checked the parents.
 * On PGlite the per-row key checks are a third of a bulk insert's time.
 */
export async function withoutForeignKeyChecks<T>(q: Queryable, work: () => Promise<T>): Promise<T> {
  await q.query('SET LOCAL session_replication_role = replica');
  // No finally: after an error the transaction is rolled back, and the setting with it.
  const result = await work();
  await q.query('SET LOCAL session_replication_role = origin');
  return result;
}

/** Creates many hub records with their history and links in one statement. */
export async function insertHubRecords(q: Queryable, tenantId: string, subscriptionId: string, rows: NewHubRow[]): Promise<void> {
  if (rows.length === 0) return;
  await q.query(
    `WITH input AS (
       SELECT * FROM json_to_recordset($3) AS x(id uuid, model text, data jsonb, hash text, "externalId" text, "transferId" uuid, changes jsonb)
     ), ins AS (
       INSERT INTO hub_records (id, tenant_id, model, data, origin, content_hash) SELECT id, $1, model, data, $2, hash FROM input RETURNING id
     ), hist AS (
       INSERT INTO hub_record_history (record_id, tenant_id, version, action, changes, subscription_id, transfer_id)
       SELECT i.id, $1, 1, 'create', i.changes, $2, i."transferId" FROM input i JOIN ins ON ins.id = i.id
     )
     INSERT INTO external_links (tenant_id, subscription_id, model, hub_id, external_id)
     SELECT $1, $2, i.model, i.id, i."externalId" FROM input i JOIN ins ON ins.id = i.id WHERE i."externalId" IS NOT NULL`,
    [tenantId, subscriptionId, JSON.stringify(rows)],
  );
}

/** Hub ids linked to some external ids of one subscription and model. */
export async function linksByExternalIds(q: Queryable, subscriptionId: string, model: string, externalIds: string[]): Promise<Map<string, string>> {
  if (externalIds.length === 0) return new Map();
  const { rows } = await q.query<{ external_id: string; hub_id: string }>(
    'SELECT external_id, hub_id FROM external_links WHERE subscription_id = $1 AND model = $2 AND external_id = ANY($3::text[])',
    [subscriptionId, model, externalIds],
  );
  return new Map(rows.map((r) => [r.external_id, r.hub_id]));
}

/** Live hub records whose `field` equals one of `values` (case-insensitive): lower(value) → hub ids. */
export async function hubIdsByField(q: Queryable, tenantId: string, model: string, field: string, values: string[]): Promise<Map<string, string[]>> {
  if (values.length === 0) return new Map();
  // The field is written into the SQL (checked to be a plain identifier) so the planner can use the
  // expression index on lower(data->>'EmailAddress'); with a parameter it would scan every record.
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(field)) throw new Error(`Match field '${field}' must be a top-level field name.`);
  const { rows } = await q.query<{ v: string; id: string }>(
    `SELECT lower(data->>'${field}') AS v, id FROM hub_records WHERE tenant_id = $1 AND model = $2 AND deleted_at IS NULL
       AND lower(data->>'${field}') = ANY($3::text[]) ORDER BY created_at, id`,
    [tenantId, model, values.map((v) => v.toLowerCase())],
  );
  const out = new Map<string, string[]>();
  for (const r of rows) out.set(r.v, [...(out.get(r.v) ?? []), r.id]);
  return out;
}

// ------------------------------------------------------------------ transfers

export interface TransferRow {
  id: string;
  tenantId: string;
  subscriptionId: string;
  collectionId: string | null;
  collectionVersion: number | null;
  direction: 'TO_HUB' | 'FROM_HUB';
  trigger: string;
  entity: string;
  hubModel: string | null;
  externalId: string | null;
  hubId: string | null;
  status: TransferStatus;
  action: string | null;
  attempts: number;
  errorCode: string | null;
  errorField: string | null;
  errorMessage: string | null;
  sourcePayload: unknown;
  mappedPayload: unknown;
  editedPayload: unknown;
  replayOf: string | null;
  runId: string | null;
  sourceVersion: string | null;
  triggeredAt: string;
  createdAt: string;
  finishedAt: string | null;
  durationMs: number | null;
}

const TRANSFER_COLUMNS = `id, tenant_id, subscription_id, collection_id, collection_version, direction, trigger, entity, hub_model, external_id, hub_id,
  status, action, attempts, error_code, error_field, error_message, source_payload, mapped_payload, edited_payload, replay_of, run_id, source_version,
  triggered_at, created_at, finished_at, duration_ms`;

type TransferDbRow = Record<string, unknown>;
const isoOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : new Date(v as string).toISOString());

function toTransfer(r: TransferDbRow): TransferRow {
  return {
    id: r.id as string,
    tenantId: r.tenant_id as string,
    subscriptionId: r.subscription_id as string,
    collectionId: (r.collection_id as string | null) ?? null,
    collectionVersion: (r.collection_version as number | null) ?? null,
    direction: r.direction as 'TO_HUB' | 'FROM_HUB',
    trigger: r.trigger as string,
    entity: r.entity as string,
    hubModel: (r.hub_model as string | null) ?? null,
    externalId: (r.external_id as string | null) ?? null,
    hubId: (r.hub_id as string | null) ?? null,
    status: r.status as TransferStatus,
    action: (r.action as string | null) ?? null,
    attempts: r.attempts as number,
    errorCode: (r.error_code as string | null) ?? null,
    errorField: (r.error_field as string | null) ?? null,
    errorMessage: (r.error_message as string | null) ?? null,
    sourcePayload: r.source_payload ?? null,
    mappedPayload: r.mapped_payload ?? null,
    editedPayload: r.edited_payload ?? null,
    replayOf: (r.replay_of as string | null) ?? null,
    runId: (r.run_id as string | null) ?? null,
    sourceVersion: (r.source_version as string | null) ?? null,
    triggeredAt: isoOrNull(r.triggered_at) as string,
    createdAt: isoOrNull(r.created_at) as string,
    finishedAt: isoOrNull(r.finished_at),
    durationMs: (r.duration_ms as number | null) ?? null,
  };
}

export type TransferWrite = Omit<TransferRow, 'createdAt' | 'finishedAt'> & { finished: boolean };

/** A transfer that is starting: what the job knows, everything else not known yet. */
export function pendingTransfer(
  known: Pick<TransferWrite, 'id' | 'tenantId' | 'subscriptionId' | 'collectionId' | 'direction' | 'trigger' | 'entity' | 'hubModel' | 'externalId' | 'hubId' | 'attempts' | 'editedPayload' | 'replayOf' | 'sourceVersion' | 'triggeredAt'>,
): TransferWrite {
  return {
    collectionVersion: null,
    status: 'pending',
    action: null,
    errorCode: null,
    errorField: null,
    errorMessage: null,
    sourcePayload: null,
    mappedPayload: null,
    runId: null,
    durationMs: null,
    finished: false,
    ...known,
  };
}

/** Upsert of transfer rows from the JSON array in $1 (shared by the statements below). */
const UPSERT_TRANSFERS = `INSERT INTO sync_transfers (id, tenant_id, subscription_id, collection_id, collection_version, direction, trigger, entity, hub_model, external_id, hub_id,
       status, action, attempts, error_code, error_field, error_message, source_payload, mapped_payload, edited_payload, replay_of, run_id, source_version,
       triggered_at, finished_at, duration_ms)
     SELECT id, "tenantId", "subscriptionId", "collectionId", "collectionVersion", direction, trigger, entity, "hubModel", "externalId", "hubId",
       status, action, attempts, "errorCode", "errorField", "errorMessage", "sourcePayload", "mappedPayload", "editedPayload", "replayOf", "runId", "sourceVersion",
       "triggeredAt", CASE WHEN finished THEN now() END, "durationMs"
     FROM json_to_recordset($1) AS x(id uuid, "tenantId" uuid, "subscriptionId" uuid, "collectionId" text, "collectionVersion" int, direction text, trigger text,
       entity text, "hubModel" text, "externalId" text, "hubId" uuid, status text, action text, attempts int, "errorCode" text, "errorField" text,
       "errorMessage" text, "sourcePayload" jsonb, "mappedPayload" jsonb, "editedPayload" jsonb, "replayOf" uuid, "runId" uuid, "sourceVersion" text,
       "triggeredAt" timestamptz, finished boolean, "durationMs" int)
     ON CONFLICT (id) DO UPDATE SET collection_id = EXCLUDED.collection_id, collection_version = EXCLUDED.collection_version, hub_id = COALESCE(EXCLUDED.hub_id, sync_transfers.hub_id),
       external_id = COALESCE(EXCLUDED.external_id, sync_transfers.external_id), status = EXCLUDED.status, action = EXCLUDED.action, attempts = EXCLUDED.attempts,
       error_code = EXCLUDED.error_code, error_field = EXCLUDED.error_field, error_message = EXCLUDED.error_message,
       source_payload = COALESCE(EXCLUDED.source_payload, sync_transfers.source_payload), mapped_payload = COALESCE(EXCLUDED.mapped_payload, sync_transfers.mapped_payload),
       source_version = COALESCE(EXCLUDED.source_version, sync_transfers.source_version), finished_at = EXCLUDED.finished_at, duration_ms = EXCLUDED.duration_ms`;

/** Inserts or updates transfer rows (the same id is re-written on each attempt). */
export async function upsertTransfers(q: Queryable, rows: TransferWrite[]): Promise<void> {
  if (rows.length === 0) return;
  await q.query(
    UPSERT_TRANSFERS,
    [JSON.stringify(rows)],
  );
}

export async function getTransfer(q: Queryable, tenantId: string, id: string): Promise<TransferRow | null> {
  const { rows } = await q.query<TransferDbRow>(`SELECT ${TRANSFER_COLUMNS} FROM sync_transfers WHERE tenant_id = $1 AND id::text = $2`, [tenantId, id]);
  return rows[0] ? toTransfer(rows[0]) : null;
}

export interface TransferFilter {
  status?: TransferStatus;
  subscriptionId?: string;
  collectionId?: string;
  direction?: 'TO_HUB' | 'FROM_HUB';
  from?: string;
  to?: string;
  externalId?: string;
  hubId?: string;
  runId?: string;
  ids?: string[];
}

function transferWhere(tenantId: string, f: TransferFilter): { where: string; params: unknown[] } {
  const params: unknown[] = [tenantId];
  const where = ['tenant_id = $1'];
  if (f.status) where.push(`status = $${params.push(f.status)}`);
  if (f.subscriptionId) where.push(`subscription_id::text = $${params.push(f.subscriptionId)}`);
  if (f.collectionId) where.push(`collection_id = $${params.push(f.collectionId)}`);
  if (f.direction) where.push(`direction = $${params.push(f.direction)}`);
  if (f.from) where.push(`created_at >= $${params.push(f.from)}`);
  if (f.to) where.push(`created_at < $${params.push(f.to)}`);
  if (f.externalId) where.push(`external_id = $${params.push(f.externalId)}`);
  if (f.hubId) where.push(`hub_id::text = $${params.push(f.hubId)}`);
  if (f.runId) where.push(`run_id::text = $${params.push(f.runId)}`);
  if (f.ids) where.push(`id::text = ANY($${params.push(f.ids)}::text[])`);
  return { where: where.join(' AND '), params };
}

/**
 * Newest first; the cursor is (created_at in epoch microseconds, id) of the last row of the previous
 * page (microseconds: an ISO string in milliseconds would skip rows created within the same ms).
 */
export async function listTransfers(
  q: Queryable,
  tenantId: string,
  f: TransferFilter,
  page: { limit: number; after?: { createdUs: number; id: string } },
): Promise<Array<TransferRow & { cursorUs: number }>> {
  const { where, params } = transferWhere(tenantId, f);
  let clause = where;
  if (page.after) {
    const a = params.push(page.after.createdUs);
    const b = params.push(page.after.id);
    clause += ` AND (created_at, id) < (to_timestamp($${a}::float8 / 1000000), $${b}::uuid)`;
  }
  const { rows } = await q.query<TransferDbRow>(
    `SELECT ${TRANSFER_COLUMNS}, (extract(epoch FROM created_at) * 1000000)::int8 AS created_us FROM sync_transfers WHERE ${clause} ORDER BY created_at DESC, id DESC LIMIT $${params.push(page.limit)}`,
    params,
  );
  return rows.map((r) => ({ ...toTransfer(r), cursorUs: Number(r.created_us) }));
}

// ------------------------------------------------------------------ runs

export interface RunRow {
  id: string;
  tenantId: string;
  subscriptionId: string;
  kind: string;
  entity: string;
  collectionId: string | null;
  state: RunState;
  cursor: string | null;
  page: number;
  done: number;
  errors: number;
  total: number | null;
  errorMessage: string | null;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

const RUN_COLUMNS = 'id, tenant_id, subscription_id, kind, entity, collection_id, state, cursor, page, done, errors, total, error_message, started_at, updated_at, finished_at';

function toRun(r: Record<string, unknown>): RunRow {
  return {
    id: r.id as string,
    tenantId: r.tenant_id as string,
    subscriptionId: r.subscription_id as string,
    kind: r.kind as string,
    entity: r.entity as string,
    collectionId: (r.collection_id as string | null) ?? null,
    state: r.state as RunState,
    cursor: (r.cursor as string | null) ?? null,
    page: r.page as number,
    done: r.done as number,
    errors: r.errors as number,
    total: (r.total as number | null) ?? null,
    errorMessage: (r.error_message as string | null) ?? null,
    startedAt: isoOrNull(r.started_at) as string,
    updatedAt: isoOrNull(r.updated_at) as string,
    finishedAt: isoOrNull(r.finished_at),
  };
}

export async function insertRun(q: Queryable, r: { tenantId: string; subscriptionId: string; entity: string; collectionId: string | null }): Promise<RunRow> {
  const { rows } = await q.query<Record<string, unknown>>(
    `INSERT INTO sync_runs (tenant_id, subscription_id, entity, collection_id, state) VALUES ($1, $2, $3, $4, 'running') RETURNING ${RUN_COLUMNS}`,
    [r.tenantId, r.subscriptionId, r.entity, r.collectionId],
  );
  return toRun(rows[0] as Record<string, unknown>);
}

export async function getRun(q: Queryable, id: string, forUpdate = false): Promise<RunRow | null> {
  const { rows } = await q.query<Record<string, unknown>>(`SELECT ${RUN_COLUMNS} FROM sync_runs WHERE id::text = $1 ${forUpdate ? 'FOR UPDATE' : ''}`, [id]);
  return rows[0] ? toRun(rows[0]) : null;
}

export async function advanceRun(q: Queryable, id: string, u: { cursor: string | null; done: number; errors: number; total: number | null; finished: boolean }): Promise<void> {
  await q.query(
    `UPDATE sync_runs SET cursor = $2, page = page + 1, done = done + $3, errors = errors + $4, total = COALESCE($5, total), updated_at = now(),
       state = CASE WHEN $6 THEN 'completed' ELSE state END, finished_at = CASE WHEN $6 THEN now() ELSE finished_at END
     WHERE id = $1`,
    [id, u.cursor, u.done, u.errors, u.total, u.finished],
  );
}

export async function endRun(q: Queryable, id: string, state: RunState, errorMessage: string | null = null): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE sync_runs SET state = $2, error_message = $3, finished_at = now(), updated_at = now() WHERE id::text = $1 AND state = 'running'`,
    [id, state, errorMessage],
  );
  return rowCount > 0;
}

// ------------------------------------------------------------------ polling cursors

export interface PollCursor {
  cursorAt: number | null;
  seen: Record<string, string>;
}

/** Locks the cursor row of (subscription, entity) so only one scheduler polls it at a time (SKIP LOCKED: busy → null). */
export async function lockPollCursor(q: Queryable, subscriptionId: string, entity: string): Promise<PollCursor | null> {
  await q.query('INSERT INTO sync_poll_cursors (subscription_id, entity) VALUES ($1, $2) ON CONFLICT DO NOTHING', [subscriptionId, entity]);
  const { rows } = await q.query<{ cursor_at: Date | string | null; seen: Record<string, string> }>(
    'SELECT cursor_at, seen FROM sync_poll_cursors WHERE subscription_id = $1 AND entity = $2 FOR UPDATE SKIP LOCKED',
    [subscriptionId, entity],
  );
  const r = rows[0];
  return r ? { cursorAt: r.cursor_at === null ? null : new Date(r.cursor_at).getTime(), seen: r.seen ?? {} } : null;
}

export async function getPollCursor(q: Queryable, subscriptionId: string, entity: string): Promise<(PollCursor & { lastPolledAt: number | null }) | null> {
  const { rows } = await q.query<{ cursor_at: Date | string | null; seen: Record<string, string>; last_polled_at: Date | string | null }>(
    'SELECT cursor_at, seen, last_polled_at FROM sync_poll_cursors WHERE subscription_id = $1 AND entity = $2',
    [subscriptionId, entity],
  );
  const r = rows[0];
  return r ? { cursorAt: r.cursor_at === null ? null : new Date(r.cursor_at).getTime(), seen: r.seen ?? {}, lastPolledAt: r.last_polled_at === null ? null : new Date(r.last_polled_at).getTime() } : null;
}

export async function savePollCursor(q: Queryable, subscriptionId: string, entity: string, cursorAt: number | null, seen: Record<string, string>): Promise<void> {
  await q.query('UPDATE sync_poll_cursors SET cursor_at = $3, seen = $4, last_polled_at = now() WHERE subscription_id = $1 AND entity = $2', [
    subscriptionId,
    entity,
    cursorAt === null ? null : new Date(cursorAt).toISOString(),
    JSON.stringify(seen),
  ]);
}

// ------------------------------------------------------------------ sweeper

/** Re-queues jobs of our queues stuck in `active` for longer than `stuckAfterSeconds`. */
export async function requeueStuckJobs(q: Queryable, queues: string[], stuckAfterSeconds: number): Promise<number> {
  const { rowCount } = await q.query(
    `UPDATE pgboss.job SET state = 'retry', start_after = now(), started_on = NULL, retry_count = retry_count + 1
     WHERE name = ANY($1::text[]) AND state = 'active' AND started_on < now() - ($2::int * interval '1 second')`,
    [queues, stuckAfterSeconds],
  );
  return rowCount;
}

export async function queueDepths(q: Queryable, queues: string[]): Promise<Record<string, number>> {
  const { rows } = await q.query<{ name: string; n: number }>(
    `SELECT name, count(*)::int AS n FROM pgboss.job WHERE name = ANY($1::text[]) AND state IN ('created', 'retry', 'active') GROUP BY name`,
    [queues],
  );
  const out: Record<string, number> = Object.fromEntries(queues.map((n) => [n, 0]));
  for (const r of rows) out[r.name] = r.n;
  return out;
}

// ------------------------------------------------------------------ collections (current versions, for the compile cache)

export async function collectionVersions(
  q: Queryable,
  f: { subscriptionId: string; direction: 'TO_HUB' | 'FROM_HUB'; entity?: string; hubModel?: string; id?: string },
): Promise<Array<{ id: string; tenantId: string; version: number }>> {
  const { rows } = await q.query<{ id: string; tenant_id: string; current_version: number }>(
    `SELECT id, tenant_id, current_version FROM mapping_collections
     WHERE subscription_id = $1 AND direction = $2 AND deleted_at IS NULL AND ($5::text IS NOT NULL OR enabled)
       AND ($3::text IS NULL OR entity = $3) AND ($4::text IS NULL OR hub_model = $4) AND ($5::text IS NULL OR id::text = $5)
     ORDER BY sort_order, name, id`,
    [f.subscriptionId, f.direction, f.entity ?? null, f.hubModel ?? null, f.id ?? null],
  );
  return rows.map((r) => ({ id: r.id, tenantId: r.tenant_id, version: r.current_version }));
}

/**
 * The end of a successful outbound transfer in ONE statement (atomic without a transaction round trip):
 * the link when new, the outbound state (hash sent, claim cleared) and the transfer row.
 */
export async function finishOutbound(
  q: Queryable,
  f: { tenantId: string; subscriptionId: string; model: string; hubId: string; newLinkExternalId: string | null; stateExternalId: string | null; sentHash: string; hubVersion: number },
  transfer: TransferWrite,
): Promise<void> {
  await q.query(
    `WITH link AS (
       INSERT INTO external_links (tenant_id, subscription_id, model, hub_id, external_id) SELECT $2, $3, $4, $5, $6 WHERE $6::text IS NOT NULL
     ), state AS (
       INSERT INTO sync_outbound_state (subscription_id, model, hub_id, external_id, sent_hash, hub_version) VALUES ($3, $4, $5, $7, $8, $9)
       ON CONFLICT (subscription_id, model, hub_id) DO UPDATE SET external_id = COALESCE(EXCLUDED.external_id, sync_outbound_state.external_id),
         sent_hash = EXCLUDED.sent_hash, hub_version = EXCLUDED.hub_version, claim_token = NULL, claimed_at = NULL, updated_at = now()
     )
     ${UPSERT_TRANSFERS}`,
    [JSON.stringify([transfer]), f.tenantId, f.subscriptionId, f.model, f.hubId, f.newLinkExternalId, f.stateExternalId, f.sentHash, f.hubVersion],
  );
}

// ------------------------------------------------------------------ webhook registrations

export async function saveWebhookRegistration(q: Queryable, subscriptionId: string, entity: string, registration: { expiresAt?: string }, renewed: boolean): Promise<void> {
  await q.query(
    `INSERT INTO sync_webhook_registrations (subscription_id, entity, registration, expires_at, renewed_at) VALUES ($1, $2, $3, $4, CASE WHEN $5 THEN now() END)
     ON CONFLICT (subscription_id, entity) DO UPDATE SET registration = EXCLUDED.registration, expires_at = EXCLUDED.expires_at,
       renewed_at = COALESCE(EXCLUDED.renewed_at, sync_webhook_registrations.renewed_at), last_error = NULL`,
    [subscriptionId, entity, JSON.stringify(registration), registration.expiresAt ?? null, renewed],
  );
}

export async function webhookRegistrationError(q: Queryable, subscriptionId: string, entity: string, message: string): Promise<void> {
  await q.query('UPDATE sync_webhook_registrations SET last_error = $3 WHERE subscription_id = $1 AND entity = $2', [subscriptionId, entity, message]);
}

/** Registrations expiring within `withinMs` (renewal window). */
export async function dueWebhookRegistrations(q: Queryable, withinMs: number): Promise<Array<{ subscriptionId: string; entity: string; registration: Record<string, unknown> }>> {
  const { rows } = await q.query<{ subscription_id: string; entity: string; registration: Record<string, unknown> }>(
    `SELECT subscription_id, entity, registration FROM sync_webhook_registrations WHERE expires_at IS NOT NULL AND expires_at < now() + ($1::int8 * interval '1 millisecond')`,
    [withinMs],
  );
  return rows.map((r) => ({ subscriptionId: r.subscription_id, entity: r.entity, registration: r.registration }));
}
