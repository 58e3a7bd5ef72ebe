export { startNinetyNineMindsSimulator, type NinetyNineMindsSimulatorOptions, type RunningNinetyNineMindsSimulator } from './server.js';
export type {
  NinetyNineMindsSimulatorData,
  SimCustomer,
  SimCustomerInput,
  SimLoyaltyCard,
  SimTransaction,
  SimTransactionInput,
  SimWebhookDelivery,
  SimWebhookEventName,
  SimWebhookTarget,
} from './data.js';
