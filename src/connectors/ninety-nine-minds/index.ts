export { ninetyNineMinds, receiveNinetyNineMindsWebhook, verifyNinetyNineMindsWebhookKey, webhookKeyOf } from './definition.js';
export { createNinetyNineMindsConnector, mapNinetyNineMindsError, type NinetyNineMindsJournalEntry } from './connector.js';
export {
  NinetyNineMindsSettings,
  NINETY_NINE_MINDS_SETTINGS,
  NINETY_NINE_MINDS_PRODUCTION_URL,
  NINETY_NINE_MINDS_DEMO_URL,
} from './settings.js';
export { PATHS as NINETY_NINE_MINDS_PATHS, WEBHOOK_KEY_HEADER as NINETY_NINE_MINDS_WEBHOOK_KEY_HEADER } from './wire.js';
export * from './simulator/index.js';
