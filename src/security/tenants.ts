import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../store/index.js';

export interface Tenant {
  id: string;
  name: string;
  createdAt: string;
}

export class SecurityError extends Error {
  constructor(
    readonly code: 'TENANT_EXISTS' | 'TENANT_NOT_FOUND' | 'UNAUTHORIZED',
    message: string,
  ) {
    super(message);
    this.name = 'SecurityError';
  }
}

export async function createTenant(q: Queryable, name: string): Promise<Tenant> {
  const { rows } = await q.query<{ id: string; name: string; created_at: Date }>(
    'INSERT INTO tenants (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING id, name, created_at',
    [name],
  );
  const row = rows[0];
  if (!row) throw new SecurityError('TENANT_EXISTS', `A tenant named '${name}' already exists.`);
  return { id: row.id, name: row.name, createdAt: new Date(row.created_at).toISOString() };
}

export async function findTenantByName(q: Queryable, name: string): Promise<Tenant | null> {
  const { rows } = await q.query<{ id: string; name: string; created_at: Date }>('SELECT id, name, created_at FROM tenants WHERE name = $1', [name]);
  const row = rows[0];
  return row ? { id: row.id, name: row.name, createdAt: new Date(row.created_at).toISOString() } : null;
}

const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

/** Creates an API key; the plain key is returned once and only its hash is stored. */
export async function createApiKey(q: Queryable, tenantId: string, name = 'default'): Promise<{ id: string; key: string; prefix: string }> {
  const prefix = randomBytes(4).toString('hex');
  const key = `jct_${prefix}_${randomBytes(24).toString('base64url')}`;
  const { rows } = await q.query<{ id: string }>('INSERT INTO api_keys (tenant_id, name, prefix, key_hash) VALUES ($1, $2, $3, $4) RETURNING id', [
    tenantId,
    name,
    prefix,
    hashKey(key),
  ]);
  return { id: (rows[0] as { id: string }).id, key, prefix };
}

/** The tenant an API key belongs to, or null for an unknown or revoked key. */
export async function authenticateApiKey(q: Queryable, key: string): Promise<{ tenantId: string; keyId: string } | null> {
  if (!key.startsWith('jct_')) return null;
  const { rows } = await q.query<{ id: string; tenant_id: string }>('SELECT id, tenant_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL', [hashKey(key)]);
  const row = rows[0];
  return row ? { tenantId: row.tenant_id, keyId: row.id } : null;
}
