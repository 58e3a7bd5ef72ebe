export { Vault, vaultFromEnv } from './vault.js';
export { createTenant, findTenantByName, createApiKey, authenticateApiKey, SecurityError, type Tenant } from './tenants.js';
