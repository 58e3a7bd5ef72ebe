import type { Queryable } from '../store/index.js';
import { findLinkByExternalId, findLinkByHubId, modelForTable } from './links.js';

/**
 * Link lookups as formulas call them (`GetSpaceportIdAsync`, `GetExternalIdAsync`): by lookup
 * table name and subscription ("system") id. Unknown tables and unlinked ids answer null.
 */
export function linkLookups(q: Queryable): {
  getHubId(externalId: string, table: string, systemId: string): Promise<string | null>;
  getExternalId(hubId: string, table: string, systemId: string): Promise<string | null>;
} {
  return {
    async getHubId(externalId, table, systemId) {
      const model = modelForTable(table);
      return model ? ((await findLinkByExternalId(q, systemId, model, externalId))?.hubId ?? null) : null;
    },
    async getExternalId(hubId, table, systemId) {
      const model = modelForTable(table);
      return model ? ((await findLinkByHubId(q, systemId, model, hubId))?.externalId ?? null) : null;
    },
  };
}
