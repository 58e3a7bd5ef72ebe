export {
  startBusinessCentralSimulator,
  BC_SIM_DEFAULTS,
  BC_SIM_WEB_SERVICES,
  type BusinessCentralSimulatorOptions,
  type BusinessCentralSimulatorData,
  type RunningBusinessCentralSimulator,
  type SimSubscription,
} from './server.js';
export { BcStore, COUNTRIES, PAYMENT_TERMS, PRICE_GROUPS, type SimCustomer, type SimContact, type SimCompany } from './store.js';
