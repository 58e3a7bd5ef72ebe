export { salesforce } from './definition.js';
export { SalesforceConnector, escapeSoqlString, soqlDateTime, SALESFORCE_ENTITIES, type SalesforceEntity } from './connector.js';
export { pollWindowStart, SalesforceSettingsSchema, type SalesforceSettings, DEFAULT_API_VERSION, DEFAULT_CONTACT_POLL_DAYS } from './settings.js';
export { nextMidnightUtc } from './errors.js';
export {
  startSalesforceSimulator,
  type RunningSalesforceSimulator,
  type SalesforceSimulatorControl,
  type SalesforceSimulatorData,
  type SalesforceSimulatorOptions,
  type SalesforceRecord,
  type SalesforceContact,
  type SalesforceAccount,
  type DuplicateRuleMode,
  type SObjectName,
} from './simulator/index.js';
