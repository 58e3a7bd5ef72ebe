import { z } from 'zod';
import {
  ConnectorError,
  parseRetryAfter,
  type ConnectionCheck,
  type Connector,
  type ConnectorContext,
  type ExternalRecord,
  type Page,
} from '../types.js';
import { NinetyNineMindsSettings } from './settings.js';
import {
  CustomerListResponse,
  CustomerResponse,
  ErrorBody,
  LoyaltyCardResponse,
  MAX_PAGE_SIZE,
  PATHS,
  TransactionListResponse,
  TransactionResponse,
  WRITABLE_CUSTOMER_FIELDS,
  type WireCustomer,
  type WireLoyaltyCard,
  type WireTransaction,
} from './wire.js';

/** One entry of a customer's loyalty transaction journal as handed to the sync engine. */
export interface NinetyNineMindsJournalEntry {
  id: string;
  amount: number;
  transaction_type: string;
  transaction_date: string;
  client_order_id: string | null;
}

const REQUEST_TIMEOUT_MS = 30_000;
const FIELD_HINTS: Record<string, string> = {
  email: 'Email is mandatory in 99minds: map a valid EmailAddress to email.',
  phone: 'Phone must be numeric or international format, e.g. +1XXXXXXXXXX.',
  name: 'Name is mandatory in 99minds: make sure FirstName and LastName are not empty.',
  first_name: 'FirstName must not be empty.',
  last_name: 'LastName must not be empty.',
  store_reference_id: 'Check the Store Reference ID in the subscription settings (99minds Settings → Stores).',
};

const PollCursor = z.object({ s: z.string(), a: z.string().optional(), p: z.number().int().min(1) });
type PollCursor = z.infer<typeof PollCursor>;

function encodeCursor(cursor: PollCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): PollCursor {
  try {
    return PollCursor.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch (error) {
    throw new ConnectorError('permanent', 'NINETYNINE_BAD_CURSOR', `Cursor "${cursor}" was not issued by the 99minds connector.`, { cause: error });
  }
}

function splitName(customer: WireCustomer): { first: string | null; last: string | null } {
  if (customer.first_name || customer.last_name) return { first: customer.first_name ?? null, last: customer.last_name ?? null };
  const name = (customer.name ?? '').trim();
  if (!name) return { first: null, last: null };
  const space = name.indexOf(' ');
  return space < 0 ? { first: name, last: null } : { first: name.slice(0, space), last: name.slice(space + 1).trim() };
}

function journalEntry(t: WireTransaction): NinetyNineMindsJournalEntry {
  return { id: t.id, amount: t.amount, transaction_type: t.transaction_type, transaction_date: t.transaction_date, client_order_id: t.client_order_id ?? null };
}

/** Customer record data handed to the sync engine (99minds names; loyalty fields added by the connector). */
function customerData(customer: WireCustomer, loyalty?: { card: WireLoyaltyCard | null; transactions: WireTransaction[] }): Record<string, unknown> {
  const { first, last } = splitName(customer);
  const data: Record<string, unknown> = {
    ...customer,
    name: customer.name ?? ([first, last].filter(Boolean).join(' ') || null),
    first_name: first,
    last_name: last,
  };
  if (loyalty) {
    data.loyalty_card_id = loyalty.card?.id ?? null;
    data.loyalty_card_number = loyalty.card?.card_number ?? null;
    data.point_balance = loyalty.card?.point_balance ?? 0;
    data.loyalty_active = loyalty.card?.active ?? false;
    data.points_transactions = loyalty.transactions.map(journalEntry);
  }
  return data;
}

function customerRecord(data: Record<string, unknown>, customer: WireCustomer): ExternalRecord {
  return { id: customer.id, data, modifiedAt: customer.updated_at };
}

function transactionRecord(t: WireTransaction): ExternalRecord {
  return { id: t.id, data: { ...t }, modifiedAt: t.transaction_date };
}

function compareKey(aTime: string, aId: string, bTime: string, bId: string): number {
  const diff = Date.parse(aTime) - Date.parse(bTime);
  if (diff !== 0) return diff < 0 ? -1 : 1;
  return aId < bId ? -1 : aId > bId ? 1 : 0;
}

/** Maps a 99minds error response to a ConnectorError the sync engine can act on. */
export function mapNinetyNineMindsError(status: number, rawBody: unknown, retryAfter: string | null, what: string, now = Date.now()): ConnectorError {
  const parsed = ErrorBody.safeParse(rawBody);
  const body = parsed.success ? parsed.data : {};
  const serverMessage = body.message ?? `HTTP ${status}`;
  const firstError = body.errors?.[0];
  if (status === 401) {
    return new ConnectorError('auth', 'NINETYNINE_AUTH', `99minds rejected the API key (${serverMessage}). Check the API Secret Key in the subscription settings.`, { status });
  }
  if (status === 403) {
    return new ConnectorError('permanent', 'NINETYNINE_FORBIDDEN', `99minds refused ${what} (${serverMessage}). Give the API application the needed scopes (or SUPER) and access to the store.`, { status });
  }
  if (status === 404) return new ConnectorError('not_found', 'NINETYNINE_NOT_FOUND', `${what}: ${serverMessage}`, { status });
  if (status === 409) {
    const field = firstError?.field ?? 'email';
    return new ConnectorError('duplicate', 'NINETYNINE_DUPLICATE', `99minds already has a customer with this ${field}: ${firstError?.message ?? serverMessage}`, { status, field });
  }
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(retryAfter, now) ?? 1000;
    if (body.error_code === 'DAILY_LIMIT_EXCEEDED') {
      const resetAt = new Date(now + retryAfterMs).toISOString();
      return new ConnectorError('quota', 'NINETYNINE_DAILY_LIMIT', `99minds daily API limit reached (${serverMessage}); resumes at ${resetAt}.`, { status, retryAfterMs, resetAt });
    }
    return new ConnectorError('rate_limited', 'NINETYNINE_RATE_LIMITED', `99minds rate limit hit (${serverMessage}); retry after ${retryAfterMs} ms.`, { status, retryAfterMs });
  }
  if (status === 400 || status === 422) {
    const field = firstError?.field;
    const details =
      (body.errors ?? [])
        .map((e) => (e.field ? `${e.field}: ${e.message}` : e.message))
        .map((m) => (/[.!?]$/.test(m) ? m : `${m}.`))
        .join(' ') || serverMessage;
    const hint = field ? FIELD_HINTS[field] : undefined;
    const message = `99minds rejected ${what}${field ? ` (field "${field}")` : ''}: ${details}${hint && !details.includes(hint) ? ` ${hint}` : ''}`;
    return new ConnectorError('permanent', 'NINETYNINE_VALIDATION', message, field ? { status, field } : { status });
  }
  if (status >= 500) return new ConnectorError('transient', 'NINETYNINE_UNAVAILABLE', `99minds is unavailable (${status}: ${serverMessage}) during ${what}.`, { status });
  return new ConnectorError('permanent', 'NINETYNINE_HTTP_ERROR', `99minds answered ${status} to ${what}: ${serverMessage}`, { status });
}

/** A Connector speaking the 99minds REST API (API key as Bearer token); every request goes through ctx.gate. */
export function createNinetyNineMindsConnector(ctx: ConnectorContext): Connector {
  const parsedSettings = NinetyNineMindsSettings.safeParse({ ...ctx.settings, ...ctx.secrets });
  const settingsError = parsedSettings.success ? undefined : parsedSettings.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  const settings = (): NinetyNineMindsSettings => {
    if (!parsedSettings.success) throw new ConnectorError('permanent', 'NINETYNINE_SETTINGS', `Invalid 99minds settings: ${settingsError}`);
    return parsedSettings.data;
  };

  async function request<T extends z.ZodTypeAny>(
    method: 'GET' | 'POST',
    path: string,
    schema: T,
    what: string,
    options: { query?: Record<string, string | number | undefined>; body?: unknown } = {},
  ): Promise<z.infer<T>> {
    const s = settings();
    // Relative to apiUrl, so a base with a path prefix (a proxy) keeps it.
    const url = new URL(path.replace(/^\//, ''), s.apiUrl.endsWith('/') ? s.apiUrl : `${s.apiUrl}/`);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    return ctx.gate(async () => {
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers: {
            authorization: `Bearer ${s.apiKey}`,
            accept: 'application/json',
            ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
      } catch (error) {
        throw new ConnectorError('transient', 'NINETYNINE_NETWORK', `Could not reach 99minds at ${url.origin} during ${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      const text = await response.text();
      let body: unknown = undefined;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = { message: text.slice(0, 200) };
      }
      // Success is signalled by both the HTTP status and the body `code`.
      const bodyCode = typeof (body as { code?: unknown } | undefined)?.code === 'number' ? (body as { code: number }).code : undefined;
      const status = response.ok && bodyCode !== undefined && bodyCode >= 400 ? bodyCode : response.status;
      if (status >= 400 || !response.ok) throw mapNinetyNineMindsError(status, body, response.headers.get('retry-after'), what);
      const parsed = schema.safeParse(body);
      if (!parsed.success) {
        throw new ConnectorError('permanent', 'NINETYNINE_UNEXPECTED_RESPONSE', `99minds answered ${what} with an unexpected body: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`, {
          status: response.status,
        });
      }
      return parsed.data;
    });
  }

  const getCustomer = async (id: string): Promise<WireCustomer | null> => {
    try {
      return (await request('GET', PATHS.customer(id), CustomerResponse, `reading customer ${id}`)).data.customer;
    } catch (error) {
      if (error instanceof ConnectorError && error.kind === 'not_found') return null;
      throw error;
    }
  };

  const loyaltyOf = async (customerId: string): Promise<{ card: WireLoyaltyCard | null; transactions: WireTransaction[] }> => {
    const [card, transactions] = await Promise.all([
      request('GET', PATHS.loyaltyCards, LoyaltyCardResponse, `reading the loyalty card of ${customerId}`, { query: { customer_id: customerId } })
        .then((r) => r.data.loyalty_card)
        .catch((error: unknown) => {
          if (error instanceof ConnectorError && error.kind === 'not_found') return null;
          throw error;
        }),
      request('GET', PATHS.transactions, TransactionListResponse, `reading the loyalty transactions of ${customerId}`, {
        query: { customer_id: customerId, page_no: 1, page_size: MAX_PAGE_SIZE },
      })
        .then((r) => r.data.points_transactions)
        .catch((error: unknown) => {
          if (error instanceof ConnectorError && error.kind === 'not_found') return [];
          throw error;
        }),
    ]);
    return { card, transactions };
  };

  const toRecord = async (customer: WireCustomer): Promise<ExternalRecord> =>
    customerRecord(customerData(customer, settings().includeLoyalty ? await loyaltyOf(customer.id) : undefined), customer);

  const pageSizeOf = (pageSize: number | undefined): number => Math.max(1, Math.min(pageSize ?? settings().pageSize, MAX_PAGE_SIZE));

  const pageNo = (cursor: string | undefined): number => {
    if (cursor === undefined) return 1;
    const n = Number(cursor);
    if (!Number.isInteger(n) || n < 1) throw new ConnectorError('permanent', 'NINETYNINE_BAD_CURSOR', `Cursor "${cursor}" was not issued by the 99minds connector.`);
    return n;
  };

  /** Writable fields only; 99minds' mandatory `name` is composed from first/last name when not mapped (on update only when both are given). */
  const writeBody = (data: Record<string, unknown>, isCreate: boolean): Record<string, unknown> => {
    const body: Record<string, unknown> = {};
    for (const field of WRITABLE_CUSTOMER_FIELDS) if (data[field] !== undefined) body[field] = data[field];
    const hasFirst = typeof body.first_name === 'string';
    const hasLast = typeof body.last_name === 'string';
    if (body.name === undefined && (isCreate ? hasFirst || hasLast : hasFirst && hasLast)) {
      const name = [body.first_name, body.last_name].filter((p) => typeof p === 'string' && p.trim() !== '').join(' ');
      if (name) body.name = name;
    }
    body.store_reference_id = settings().storeReferenceId;
    return body;
  };

  const unsupported = (entity: string, op: string): never => {
    throw new ConnectorError('permanent', 'NINETYNINE_UNSUPPORTED', `99minds ${entity} does not support ${op} through the API.`);
  };

  const checkEntity = (entity: string): 'customer' | 'transaction' => {
    if (entity === 'customer' || entity === 'transaction') return entity;
    throw new ConnectorError('permanent', 'NINETYNINE_UNKNOWN_ENTITY', `99minds has no entity "${entity}" (entities: customer, transaction).`);
  };

  return {
    system: 'ninety-nine-minds',

    async testConnection(): Promise<ConnectionCheck[]> {
      if (!parsedSettings.success) return [{ name: 'settings', ok: false, message: `Invalid settings: ${settingsError}` }];
      const checks: ConnectionCheck[] = [{ name: 'settings', ok: true, message: `API URL ${parsedSettings.data.apiUrl}, store ${parsedSettings.data.storeReferenceId}.` }];
      try {
        const page = await request('GET', PATHS.customers, CustomerListResponse, 'test connection', { query: { page_no: 1, page_size: 1 } });
        checks.push({ name: 'customers', ok: true, message: `API key accepted; ${page.data.total_count} customers readable.` });
      } catch (error) {
        checks.push({ name: 'customers', ok: false, message: error instanceof Error ? error.message : String(error) });
      }
      return checks;
    },

    async get(entity, externalId) {
      if (checkEntity(entity) === 'transaction') {
        try {
          return transactionRecord((await request('GET', PATHS.transaction(externalId), TransactionResponse, `reading transaction ${externalId}`)).data.points_transaction);
        } catch (error) {
          if (error instanceof ConnectorError && error.kind === 'not_found') return null;
          throw error;
        }
      }
      const customer = await getCustomer(externalId);
      return customer ? toRecord(customer) : null;
    },

    async list(entity, options): Promise<Page> {
      const page_no = pageNo(options.cursor);
      const page_size = pageSizeOf(options.pageSize);
      if (checkEntity(entity) === 'transaction') {
        const r = await request('GET', PATHS.transactions, TransactionListResponse, 'listing loyalty transactions', { query: { page_no, page_size } });
        const page: Page = { records: r.data.points_transactions.map(transactionRecord), total: r.data.total_count };
        if (page_no < r.data.total_pages) page.next = String(page_no + 1);
        return page;
      }
      const r = await request('GET', PATHS.customers, CustomerListResponse, 'listing customers', { query: { page_no, page_size } });
      const page: Page = { records: await Promise.all(r.data.customers.map(toRecord)), total: r.data.total_count };
      if (page_no < r.data.total_pages) page.next = String(page_no + 1);
      return page;
    },

    async poll(entity, options): Promise<Page> {
      if (checkEntity(entity) === 'transaction') return unsupported('transaction', 'polling (list it instead)');
      if (Number.isNaN(Date.parse(options.since))) throw new ConnectorError('permanent', 'NINETYNINE_BAD_SINCE', `poll "since" must be an ISO timestamp, got "${options.since}".`);
      const cursor: PollCursor = options.cursor ? decodeCursor(options.cursor) : { s: new Date(options.since).toISOString(), p: 1 };
      const page_size = pageSizeOf(options.pageSize);
      const r = await request('GET', PATHS.customers, CustomerListResponse, 'polling customers', {
        query: { updated_at_min: cursor.s, sort: 'updated_at', page_no: cursor.p, page_size },
      });
      const after = cursor.a;
      const fresh = after === undefined ? r.data.customers : r.data.customers.filter((c) => compareKey(c.updated_at, c.id, cursor.s, after) > 0);
      const page: Page = { records: await Promise.all(fresh.map(toRecord)) };
      if (cursor.p < r.data.total_pages) {
        const last = fresh[fresh.length - 1];
        if (!last) page.next = encodeCursor({ ...cursor, p: cursor.p + 1 });
        else if (Date.parse(last.updated_at) === Date.parse(cursor.s)) page.next = encodeCursor({ s: cursor.s, a: last.id, p: cursor.p + 1 });
        // Keyset continuation: restart at page 1 from the last key, so records that move while we page are not skipped.
        else page.next = encodeCursor({ s: last.updated_at, a: last.id, p: 1 });
      }
      return page;
    },

    async findBy(entity, field, value) {
      if (checkEntity(entity) === 'transaction') {
        if (!['customer_id', 'card_id', 'client_order_id'].includes(field)) return unsupported('transaction', `lookup by ${field}`);
        const r = await request('GET', PATHS.transactions, TransactionListResponse, `finding transactions by ${field}`, { query: { [field]: value, page_no: 1, page_size: MAX_PAGE_SIZE } });
        return r.data.points_transactions.map(transactionRecord);
      }
      if (field === 'id') {
        const customer = await getCustomer(value);
        return customer ? [await toRecord(customer)] : [];
      }
      if (!['email', 'phone', 'client_customer_id', 'customer_number'].includes(field)) return unsupported('customer', `lookup by ${field}`);
      const r = await request('GET', PATHS.customers, CustomerListResponse, `finding customers by ${field}`, { query: { [field]: value, page_no: 1, page_size: MAX_PAGE_SIZE } });
      return Promise.all(r.data.customers.map(toRecord));
    },

    async create(entity, data) {
      if (checkEntity(entity) === 'transaction') return unsupported('transaction', 'create');
      const r = await request('POST', PATHS.customers, CustomerResponse, 'creating the customer', { body: writeBody(data, true) });
      return customerRecord(customerData(r.data.customer), r.data.customer);
    },

    async update(entity, externalId, data) {
      if (checkEntity(entity) === 'transaction') return unsupported('transaction', 'update');
      const r = await request('POST', PATHS.customers, CustomerResponse, `updating customer ${externalId}`, { body: { id: externalId, ...writeBody(data, false) } });
      return customerRecord(customerData(r.data.customer), r.data.customer);
    },

    async delete(entity) {
      return unsupported(checkEntity(entity), 'delete');
    },
  };
}
