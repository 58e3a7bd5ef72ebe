import type { ConnectorContext, ConnectorDefinition } from '../types.js';
import { BusinessCentralConnector } from './connector.js';
import { businessCentralEntities } from './entities.js';
import { businessCentralSettings, BusinessCentralSettingsSchema } from './settings.js';
import { receiveBusinessCentralWebhook } from './webhooks.js';

/** Microsoft Dynamics 365 Business Central (online): API v2.0 + published OData V4 web services. */
export const businessCentral: ConnectorDefinition = {
  system: 'business-central',
  displayName: 'Microsoft Dynamics 365 Business Central',
  settings: businessCentralSettings,
  settingsSchema: BusinessCentralSettingsSchema,
  entities: businessCentralEntities,
  // BC: 6,000 requests per 5-minute window per user, 5 requests processed concurrently.
  throttle: { requests: 6000, perSeconds: 300, concurrency: 5 },
  create: (ctx: ConnectorContext) => new BusinessCentralConnector(ctx),
  receiveWebhook: receiveBusinessCentralWebhook,
};
