import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { ConnectorDefinition } from '../connectors/types.js';
import type { Vault } from '../security/index.js';
import type { Queryable } from '../store/index.js';

/** Looks up a connector definition by system name (composed by the application). */
export type ConnectorLookup = (system: string) => ConnectorDefinition | undefined;

export const Throttle = z
  .object({
    requests: z.number().int().min(1).max(1_000_000),
    perSeconds: z.number().min(0.001).max(86_400),
    concurrency: z.number().int().min(1).max(256),
  })
  .strict();
export type Throttle = z.infer<typeof Throttle>;

export const SubscriptionCreate = z
  .object({
    system: z.string().min(1),
    name: z.string().min(1).max(200),
    settings: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).default({}),
    throttle: Throttle.partial().optional(),
    enabled: z.boolean().default(true),
  })
  .strict();
export type SubscriptionCreate = z.infer<typeof SubscriptionCreate>;

export const SubscriptionUpdate = SubscriptionCreate.omit({ system: true }).partial().extend({ version: z.number().int().optional() }).strict();
export type SubscriptionUpdate = z.infer<typeof SubscriptionUpdate>;

/** A subscription as the API shows it: secrets are write-only, only their names are listed. */
export interface Subscription {
  id: string;
  tenantId: string;
  system: string;
  name: string;
  settings: Record<string, unknown>;
  secretsSet: string[];
  throttle: Throttle;
  enabled: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export class SubscriptionError extends Error {
  constructor(
    readonly code: 'SUBSCRIPTION_NOT_FOUND' | 'SUBSCRIPTION_INVALID' | 'SUBSCRIPTION_EXISTS' | 'SUBSCRIPTION_VERSION_CONFLICT' | 'UNKNOWN_SYSTEM',
    message: string,
    readonly details: { field?: string; issues?: Array<{ field: string; message: string }> } = {},
  ) {
    super(message);
    this.name = 'SubscriptionError';
  }
}

interface Row {
  id: string;
  tenant_id: string;
  system: string;
  name: string;
  settings: Record<string, unknown>;
  secrets: string | null;
  throttle: Throttle;
  enabled: boolean;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
}

const COLUMNS = 'id, tenant_id, system, name, settings, secrets, throttle, enabled, version, created_at, updated_at';

function definitionFor(lookup: ConnectorLookup, system: string): ConnectorDefinition {
  const definition = lookup(system);
  if (!definition) throw new SubscriptionError('UNKNOWN_SYSTEM', `Unknown system '${system}'.`, { field: 'system' });
  return definition;
}

/** Validates the full settings against the connector and splits them into plain settings and secrets. */
function splitSettings(definition: ConnectorDefinition, all: Record<string, unknown>): { settings: Record<string, unknown>; secrets: Record<string, string> } {
  const parsed = definition.settingsSchema.safeParse(all);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ field: `settings.${i.path.join('.')}`, message: i.message }));
    throw new SubscriptionError('SUBSCRIPTION_INVALID', `Settings are not valid for ${definition.displayName}: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, {
      field: issues[0]?.field,
      issues,
    });
  }
  const secretKeys = new Set(definition.settings.filter((s) => s.secret).map((s) => s.key));
  const settings: Record<string, unknown> = {};
  const secrets: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed.data as Record<string, unknown>)) {
    if (secretKeys.has(key)) {
      if (value !== undefined && value !== null && value !== '') secrets[key] = String(value);
    } else if (value !== undefined) settings[key] = value;
  }
  return { settings, secrets };
}

function toSubscription(row: Row, vault: Vault): Subscription {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    system: row.system,
    name: row.name,
    settings: row.settings,
    secretsSet: Object.keys(vault.open(row.secrets)).sort(),
    throttle: row.throttle,
    enabled: row.enabled,
    version: row.version,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

export interface SubscriptionDeps {
  vault: Vault;
  connectors: ConnectorLookup;
}

/** Creates a subscription; the webhook key is returned once here and stored only as a hash. */
export async function createSubscription(
  q: Queryable,
  deps: SubscriptionDeps,
  tenantId: string,
  input: SubscriptionCreate,
): Promise<{ subscription: Subscription; webhookKey: string }> {
  const definition = definitionFor(deps.connectors, input.system);
  const { settings, secrets } = splitSettings(definition, input.settings);
  const throttle: Throttle = { ...definition.throttle, ...input.throttle };
  const webhookKey = `whk_${randomBytes(24).toString('base64url')}`;
  const { rows } = await q.query<Row>(
    `INSERT INTO subscriptions (tenant_id, system, name, settings, secrets, throttle, enabled, webhook_key_hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (tenant_id, name) DO NOTHING RETURNING ${COLUMNS}`,
    [tenantId, input.system, input.name, JSON.stringify(settings), deps.vault.seal(secrets), JSON.stringify(throttle), input.enabled, hashWebhookKey(webhookKey)],
  );
  const row = rows[0];
  if (!row) throw new SubscriptionError('SUBSCRIPTION_EXISTS', `A subscription named '${input.name}' already exists.`, { field: 'name' });
  return { subscription: toSubscription(row, deps.vault), webhookKey };
}

export async function updateSubscription(q: Queryable, deps: SubscriptionDeps, tenantId: string, id: string, input: SubscriptionUpdate): Promise<Subscription> {
  const current = await getSubscriptionRow(q, tenantId, id, true);
  if (input.version !== undefined && input.version !== current.version) {
    throw new SubscriptionError('SUBSCRIPTION_VERSION_CONFLICT', `Subscription ${id} is at version ${current.version}, not ${input.version}.`, { field: 'version' });
  }
  const definition = definitionFor(deps.connectors, current.system);
  const currentSecrets = deps.vault.open(current.secrets);
  // Omitted secrets keep their stored value: the API never hands them out, so clients can't echo them.
  const merged = { ...current.settings, ...currentSecrets, ...(input.settings ?? {}) };
  const { settings, secrets } = splitSettings(definition, merged);
  const throttle = { ...current.throttle, ...(input.throttle ?? {}) };
  const { rows } = await q.query<Row>(
    `UPDATE subscriptions SET name = $3, settings = $4, secrets = $5, throttle = $6, enabled = $7, version = version + 1, updated_at = now()
     WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
    [tenantId, id, input.name ?? current.name, JSON.stringify(settings), deps.vault.seal(secrets), JSON.stringify(throttle), input.enabled ?? current.enabled],
  );
  return toSubscription(rows[0] as Row, deps.vault);
}

async function getSubscriptionRow(q: Queryable, tenantId: string, id: string, forUpdate = false): Promise<Row> {
  const { rows } = await q.query<Row>(
    `SELECT ${COLUMNS} FROM subscriptions WHERE tenant_id = $1 AND id::text = $2 ${forUpdate ? 'FOR UPDATE' : ''}`,
    [tenantId, id],
  );
  const row = rows[0];
  if (!row) throw new SubscriptionError('SUBSCRIPTION_NOT_FOUND', `No subscription with id ${id}.`, { field: 'id' });
  return row;
}

export async function getSubscription(q: Queryable, deps: Pick<SubscriptionDeps, 'vault'>, tenantId: string, id: string): Promise<Subscription> {
  return toSubscription(await getSubscriptionRow(q, tenantId, id), deps.vault);
}

export async function listSubscriptions(
  q: Queryable,
  deps: Pick<SubscriptionDeps, 'vault'>,
  tenantId: string,
  filter: { system?: string; enabled?: boolean; cursor?: string; limit?: number } = {},
): Promise<{ items: Subscription[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 500);
  const params: unknown[] = [tenantId];
  const where = ['tenant_id = $1'];
  if (filter.system) where.push(`system = $${params.push(filter.system)}`);
  if (filter.enabled !== undefined) where.push(`enabled = $${params.push(filter.enabled)}`);
  if (filter.cursor) where.push(`id::text > $${params.push(Buffer.from(filter.cursor, 'base64url').toString())}`);
  const { rows } = await q.query<Row>(`SELECT ${COLUMNS} FROM subscriptions WHERE ${where.join(' AND ')} ORDER BY id LIMIT $${params.push(limit + 1)}`, params);
  const items = rows.slice(0, limit).map((r) => toSubscription(r, deps.vault));
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? Buffer.from(last.id).toString('base64url') : null };
}

export async function deleteSubscription(q: Queryable, tenantId: string, id: string): Promise<void> {
  const { rowCount } = await q.query('DELETE FROM subscriptions WHERE tenant_id = $1 AND id::text = $2', [tenantId, id]);
  if (rowCount === 0) throw new SubscriptionError('SUBSCRIPTION_NOT_FOUND', `No subscription with id ${id}.`, { field: 'id' });
}

/** Settings and opened secrets for the runtime (connectors); never for API responses. */
export async function loadSubscriptionRuntime(
  q: Queryable,
  deps: Pick<SubscriptionDeps, 'vault'>,
  id: string,
): Promise<{ subscription: Subscription; settings: Record<string, unknown>; secrets: Record<string, string> }> {
  const { rows } = await q.query<Row>(`SELECT ${COLUMNS} FROM subscriptions WHERE id::text = $1`, [id]);
  const row = rows[0];
  if (!row) throw new SubscriptionError('SUBSCRIPTION_NOT_FOUND', `No subscription with id ${id}.`, { field: 'id' });
  return { subscription: toSubscription(row, deps.vault), settings: row.settings, secrets: deps.vault.open(row.secrets) };
}

export function hashWebhookKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** True when `key` is the subscription's webhook key. */
export async function verifyWebhookKey(q: Queryable, subscriptionId: string, key: string): Promise<boolean> {
  const { rows } = await q.query<{ ok: boolean }>('SELECT webhook_key_hash = $2 AS ok FROM subscriptions WHERE id::text = $1', [subscriptionId, hashWebhookKey(key)]);
  return rows[0]?.ok === true;
}
