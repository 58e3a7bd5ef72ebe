import { z } from 'zod';
import type { SettingDefinition } from '../types.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './wire.js';

export const NINETY_NINE_MINDS_PRODUCTION_URL = 'https://api.giftcard.99minds.io';
export const NINETY_NINE_MINDS_DEMO_URL = 'https://api.demo.giftcard.99minds.io';

const bool = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());
const int = z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v), z.number().int());

/** Subscription settings (secrets included) for system `ninety-nine-minds`. */
export const NinetyNineMindsSettings = z.object({
  apiUrl: z.string().url('apiUrl must be a URL such as https://api.giftcard.99minds.io').default(NINETY_NINE_MINDS_PRODUCTION_URL),
  apiKey: z.string().min(1, 'apiKey (99minds API Secret Key) is required'),
  storeReferenceId: z.string().min(1, 'storeReferenceId (99minds Store Reference ID) is required for writes'),
  webhookKey: z.string().min(8, 'webhookKey must be at least 8 characters').optional(),
  includeLoyalty: bool.default(true),
  pageSize: int.pipe(z.number().min(1).max(MAX_PAGE_SIZE)).default(DEFAULT_PAGE_SIZE),
});
export type NinetyNineMindsSettings = z.infer<typeof NinetyNineMindsSettings>;

export const NINETY_NINE_MINDS_SETTINGS: SettingDefinition[] = [
  {
    key: 'apiUrl',
    label: 'API URL',
    required: true,
    secret: false,
    description: 'Base URL of the 99minds API: production https://api.giftcard.99minds.io, demo https://api.demo.giftcard.99minds.io.',
    example: NINETY_NINE_MINDS_PRODUCTION_URL,
    default: NINETY_NINE_MINDS_PRODUCTION_URL,
  },
  {
    key: 'apiKey',
    label: 'API Secret Key',
    required: true,
    secret: true,
    description: 'Key Secret of a 99minds API application (Settings → API → New Application), sent as Authorization: Bearer.',
  },
  {
    key: 'storeReferenceId',
    label: 'Store Reference ID',
    required: true,
    secret: false,
    description: 'The 99minds store customers are written to (Settings → Stores).',
    example: 'store_6b1f0c2a9d',
  },
  {
    key: 'webhookKey',
    label: 'Webhook API Key',
    required: false,
    secret: true,
    description: 'The key entered with the target URL in 99minds (Settings → Webhooks → New Webhook); 99minds sends it in the X-99minds-Webhook-Key header.',
  },
  {
    key: 'includeLoyalty',
    label: 'Include loyalty details',
    required: false,
    secret: false,
    description: 'Read each customer’s loyalty card, points balance and transaction journal (2 extra calls per customer).',
    default: true,
  },
  {
    key: 'pageSize',
    label: 'Page size',
    required: false,
    secret: false,
    description: `Records per page when listing and polling (1–${MAX_PAGE_SIZE}).`,
    default: DEFAULT_PAGE_SIZE,
  },
];
