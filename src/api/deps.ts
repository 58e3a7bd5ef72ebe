import type { Db } from '../store/index.js';
import type { Vault } from '../security/index.js';
import type { ConnectorLookup } from '../subscriptions/index.js';
import type { SyncEngine } from '../sync/index.js';

/** What the API needs from the running application; routes reach it through `app.deps`. */
export interface AppDeps {
  db: Db;
  vault: Vault;
  connectors: ConnectorLookup;
  /** The process's sync engine (workers may run elsewhere: `junction worker`). */
  sync: SyncEngine;
}

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppDeps;
  }
  interface FastifyRequest {
    /** Set by the API-key check on every `/api/v1` route. */
    tenantId: string;
  }
}
