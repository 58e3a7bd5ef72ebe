export { businessCentral } from './definition.js';
export { BusinessCentralConnector } from './connector.js';
export { BusinessCentralTokenProvider, TOKEN_REFRESH_MARGIN_MS } from './auth.js';
export { BusinessCentralSettingsSchema, businessCentralSettings, defaultTokenUrl, type BusinessCentralSettings } from './settings.js';
export { businessCentralEntities, businessCentralChildSources, BC_WEB_SERVICES, type WebServiceDefinition } from './entities.js';
export { BC_ERROR_CODES } from './errors.js';
export { receiveBusinessCentralWebhook, needsRenewal, BC_SUBSCRIPTION_LIFETIME_MS, BC_RENEWAL_MARGIN_MS } from './webhooks.js';
export {
  startBusinessCentralSimulator,
  BC_SIM_DEFAULTS,
  type BusinessCentralSimulatorOptions,
  type BusinessCentralSimulatorData,
  type RunningBusinessCentralSimulator,
  type SimCustomer,
  type SimContact,
} from './simulator/index.js';
