import { z } from 'zod';

/**
 * The 99minds wire format as Junction speaks it. Routes marked REAL come from the iPaaS.com connector
 * documentation (see ../../../docs or README.md); everything marked DESIGNED is our plausible design
 * for parts of the API that are not publicly documented. Keep the two apart when the vendor docs arrive.
 */
export const PATHS = {
  /** REAL: GET one customer. */
  customer: (id: string) => `/api/v1/ipaas/customers/${encodeURIComponent(id)}`,
  /** REAL (POST create / POST update with `id` in the body); DESIGNED: GET list with page_no/page_size/filters. */
  customers: '/api/v1/ipaas/customers',
  /** REAL: GET loyalty card by `customer_id`. */
  loyaltyCards: '/api/v1/ipaas/loyaltycards',
  /** REAL: GET transactions by `customer_id` or `card_id`; DESIGNED: without a filter it lists all, paged. */
  transactions: '/api/v1/ipaas/loyaltycards/transactions',
  /** DESIGNED: GET one transaction. */
  transaction: (id: string) => `/api/v1/ipaas/loyaltycards/transactions/${encodeURIComponent(id)}`,
} as const;

export const WEBHOOK_KEY_HEADER = 'x-99minds-webhook-key';
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 250;

/** Phone: numeric or international, e.g. +1XXXXXXXXXX (seed 003). */
export const PHONE_PATTERN = /^\+?[0-9]{7,15}$/;
export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const optionalString = z.string().nullable().optional();

/** Amounts must always be numeric; missing → 0 (seed 003). Accepts numeric strings as some endpoints send them. */
export const Amount = z.preprocess((value) => {
  if (value === null || value === undefined || value === '') return 0;
  if (typeof value === 'string') return Number(value);
  return value;
}, z.number().finite());

/** Customer as 99minds returns it (REAL: id, name, email, phone, client_customer_id, birthday_str). */
export const WireCustomer = z
  .object({
    id: z.string(),
    name: optionalString,
    first_name: optionalString,
    last_name: optionalString,
    email: optionalString,
    phone: optionalString,
    client_customer_id: optionalString,
    customer_number: optionalString,
    company_name: optionalString,
    notes: optionalString,
    birthday_str: optionalString,
    store_reference_id: optionalString,
    created_at: z.string(),
    updated_at: z.string(),
  })
  .passthrough();
export type WireCustomer = z.infer<typeof WireCustomer>;

export const WireLoyaltyCard = z
  .object({
    id: z.string(),
    card_number: optionalString,
    customer_id: z.string(),
    point_balance: Amount,
    active: z.boolean().optional(),
  })
  .passthrough();
export type WireLoyaltyCard = z.infer<typeof WireLoyaltyCard>;

/** REAL field names from the loyalty SDK: transaction_type, amount, transaction_date; client_order_id. */
export const WireTransaction = z
  .object({
    id: z.string(),
    customer_id: optionalString,
    card_id: optionalString,
    amount: Amount,
    transaction_type: z.string(),
    transaction_date: z.string(),
    client_order_id: optionalString,
    description: optionalString,
  })
  .passthrough();
export type WireTransaction = z.infer<typeof WireTransaction>;

const PageMeta = {
  page_no: z.number().int(),
  page_size: z.number().int(),
  total_count: z.number().int(),
  total_pages: z.number().int(),
};

/** Envelope observed in 99minds responses: `{ code, message, data }`. */
export function envelope<T extends z.ZodTypeAny>(data: T) {
  return z.object({ code: z.number(), message: z.string().optional(), data });
}

export const CustomerResponse = envelope(z.object({ customer: WireCustomer }));
export const CustomerListResponse = envelope(z.object({ customers: z.array(WireCustomer), ...PageMeta }));
export const LoyaltyCardResponse = envelope(z.object({ loyalty_card: WireLoyaltyCard.nullable() }));
export const TransactionListResponse = envelope(z.object({ points_transactions: z.array(WireTransaction), ...PageMeta }));
export const TransactionResponse = envelope(z.object({ points_transaction: WireTransaction }));

/** Error bodies: top-level `message` (observed), `errors[]` with field (DESIGNED), `error_code` (DESIGNED). */
export const ErrorBody = z
  .object({
    code: z.number().optional(),
    message: z.string().optional(),
    error_code: z.string().optional(),
    errors: z.array(z.object({ field: z.string().optional(), message: z.string() })).optional(),
  })
  .passthrough();
export type ErrorBody = z.infer<typeof ErrorBody>;

/** DESIGNED webhook body; event names REAL (customer/created, customer/updated, customer/deleted). */
export const WebhookEvent = z.object({
  id: z.string().optional(),
  event: z.enum(['customer/created', 'customer/updated', 'customer/deleted']),
  created_at: z.string().optional(),
  data: z.object({ id: z.string() }).passthrough(),
});
export type WebhookEvent = z.infer<typeof WebhookEvent>;

/** Customer fields a client may write (POST /customers). */
export const WRITABLE_CUSTOMER_FIELDS = [
  'name',
  'first_name',
  'last_name',
  'email',
  'phone',
  'client_customer_id',
  'company_name',
  'notes',
  'birthday_str',
] as const;
