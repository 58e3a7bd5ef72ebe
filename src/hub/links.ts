import type { Queryable } from '../store/index.js';
import { HubError } from './errors.js';
import { hubModelNames, type HubModelName } from './models.js';

/**
 * External id links: (subscription, model, hub id) ↔ external id, unique both ways.
 * Table names used by formulas (`"Company"`, `"customer"`, `"shipping method"`) resolve to models.
 */
export interface ExternalLink {
  tenantId: string;
  subscriptionId: string;
  model: HubModelName;
  hubId: string;
  externalId: string;
  createdAt: string;
}

const TABLE_ALIASES: Record<string, HubModelName> = {
  'customer category': 'CustomerCategory',
  'shipping method': 'ShippingMethod',
  'customer company': 'Company',
  'customer address': 'Address',
  'customer relationship': 'Relationship',
};

/** The hub model a lookup table name means, or null. Case and spacing are ignored. */
export function modelForTable(table: string): HubModelName | null {
  const key = table.trim().toLowerCase();
  const alias = TABLE_ALIASES[key];
  if (alias) return alias;
  const compact = key.replace(/[\s_]+/g, '');
  return hubModelNames.find((m) => m.toLowerCase() === compact) ?? null;
}

interface LinkRow {
  tenant_id: string;
  subscription_id: string;
  model: string;
  hub_id: string;
  external_id: string;
  created_at: Date | string;
}

const toLink = (r: LinkRow): ExternalLink => ({
  tenantId: r.tenant_id,
  subscriptionId: r.subscription_id,
  model: r.model as HubModelName,
  hubId: r.hub_id,
  externalId: r.external_id,
  createdAt: new Date(r.created_at).toISOString(),
});

/**
 * Links a hub record to an external id. Linking the same pair again is a no-op. An external id
 * already linked to another hub record is a LINK_CONFLICT; a hub record already linked to another
 * external id is re-pointed only when `replace` is set.
 */
export async function linkExternalId(
  q: Queryable,
  link: { tenantId: string; subscriptionId: string; model: HubModelName; hubId: string; externalId: string; replace?: boolean },
): Promise<ExternalLink> {
  const byExternal = await findLinkByExternalId(q, link.subscriptionId, link.model, link.externalId);
  if (byExternal && byExternal.hubId !== link.hubId) {
    throw new HubError(
      'LINK_CONFLICT',
      `External id '${link.externalId}' is already linked to ${link.model} ${byExternal.hubId} in this subscription; a second hub record cannot take it. Unlink it first or merge the records.`,
      { field: 'externalId' },
    );
  }
  if (byExternal) return byExternal;
  const byHub = await findLinkByHubId(q, link.subscriptionId, link.model, link.hubId);
  if (byHub && !link.replace) {
    throw new HubError(
      'LINK_CONFLICT',
      `${link.model} ${link.hubId} is already linked to external id '${byHub.externalId}' in this subscription.`,
      { field: 'hubId' },
    );
  }
  if (byHub) await q.query('DELETE FROM external_links WHERE subscription_id = $1 AND model = $2 AND hub_id = $3', [link.subscriptionId, link.model, link.hubId]);
  const { rows } = await q.query<LinkRow>(
    `INSERT INTO external_links (tenant_id, subscription_id, model, hub_id, external_id) VALUES ($1, $2, $3, $4, $5)
     RETURNING tenant_id, subscription_id, model, hub_id, external_id, created_at`,
    [link.tenantId, link.subscriptionId, link.model, link.hubId, link.externalId],
  );
  return toLink(rows[0] as LinkRow);
}

export async function findLinkByExternalId(q: Queryable, subscriptionId: string, model: HubModelName, externalId: string): Promise<ExternalLink | null> {
  const { rows } = await q.query<LinkRow>(
    'SELECT tenant_id, subscription_id, model, hub_id, external_id, created_at FROM external_links WHERE subscription_id = $1 AND model = $2 AND external_id = $3',
    [subscriptionId, model, externalId],
  );
  return rows[0] ? toLink(rows[0]) : null;
}

export async function findLinkByHubId(q: Queryable, subscriptionId: string, model: HubModelName, hubId: string): Promise<ExternalLink | null> {
  const { rows } = await q.query<LinkRow>(
    'SELECT tenant_id, subscription_id, model, hub_id, external_id, created_at FROM external_links WHERE subscription_id = $1 AND model = $2 AND hub_id = $3',
    [subscriptionId, model, hubId],
  );
  return rows[0] ? toLink(rows[0]) : null;
}

/** Every link of one hub record, across subscriptions. */
export async function listLinksForRecord(q: Queryable, tenantId: string, hubId: string): Promise<ExternalLink[]> {
  const { rows } = await q.query<LinkRow>(
    'SELECT tenant_id, subscription_id, model, hub_id, external_id, created_at FROM external_links WHERE tenant_id = $1 AND hub_id = $2 ORDER BY created_at',
    [tenantId, hubId],
  );
  return rows.map(toLink);
}

export async function unlinkExternalId(q: Queryable, subscriptionId: string, model: HubModelName, hubId: string): Promise<boolean> {
  const { rowCount } = await q.query('DELETE FROM external_links WHERE subscription_id = $1 AND model = $2 AND hub_id = $3', [subscriptionId, model, hubId]);
  return rowCount > 0;
}
