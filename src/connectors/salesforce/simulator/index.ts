export {
  startSalesforceSimulator,
  SUPPORTED_VERSIONS,
  type RunningSalesforceSimulator,
  type SalesforceSimulatorControl,
  type SalesforceSimulatorData,
  type SalesforceSimulatorOptions,
} from './server.js';
export type { DuplicateRuleMode, SalesforceAccount, SalesforceContact, SalesforceRecord, SObjectName } from './store.js';
export { parseSoql, SoqlError } from './soql.js';
