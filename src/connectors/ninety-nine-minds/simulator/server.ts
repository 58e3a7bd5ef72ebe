import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { createSimulatorServer, type Simulator } from '../../simulator-kit/index.js';
import type { RunningSimulator, SimulatorStartOptions } from '../../types.js';
import { EMAIL_PATTERN, MAX_PAGE_SIZE, PATHS, PHONE_PATTERN } from '../wire.js';
import { SimStore, type NinetyNineMindsSimulatorData, type SimCustomer, type SimCustomerInput } from './data.js';

export interface NinetyNineMindsSimulatorOptions extends SimulatorStartOptions {
  /** The API Secret Key the simulator accepts (default `sk_test_99minds_simulator`). */
  apiKey?: string;
  storeReferenceId?: string;
  /** Default key sent with webhooks to targets registered without one. */
  webhookKey?: string;
  /** Requests per window before 429 (default 100 per 1 s). */
  rateLimit?: { requests: number; windowSeconds: number };
  /** Clock for generated data and updated_at (epoch ms). */
  now?: () => number;
}

export interface RunningNinetyNineMindsSimulator extends RunningSimulator {
  /** In-process access to the data: insert/update/read customers and transactions, register webhook targets. */
  data: NinetyNineMindsSimulatorData;
  /** The kit's fault state and counters (also reachable over HTTP at /__control/*). */
  simulator: Simulator;
  apiKey: string;
}

const nullableString = z.string().nullable().optional();

const CustomerWrite = z
  .object({
    id: z.string().optional(),
    store_reference_id: z.string({ required_error: 'store_reference_id is required' }),
    name: nullableString,
    first_name: nullableString,
    last_name: nullableString,
    email: nullableString,
    phone: nullableString,
    client_customer_id: nullableString,
    company_name: nullableString,
    notes: nullableString,
    birthday_str: nullableString,
  })
  .strict();

const pageNo = z.coerce.number().int().min(1).default(1);
const pageSize = z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50);

const CustomerQuery = z.object({
  page_no: pageNo,
  page_size: pageSize,
  updated_at_min: z
    .string()
    .refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 timestamp')
    .optional(),
  sort: z.enum(['created_at', 'updated_at']).default('created_at'),
  email: z.string().optional(),
  phone: z.string().optional(),
  client_customer_id: z.string().optional(),
  customer_number: z.string().optional(),
});

const TransactionQuery = z.object({
  page_no: pageNo,
  page_size: pageSize,
  customer_id: z.string().optional(),
  card_id: z.string().optional(),
  client_order_id: z.string().optional(),
});

type FieldError = { field: string; message: string };

function sendError(reply: FastifyReply, status: number, message: string, extra: Record<string, unknown> = {}): FastifyReply {
  return reply.code(status).send({ code: status, message, ...extra });
}

function validationErrors(reply: FastifyReply, errors: FieldError[]): FastifyReply {
  return sendError(reply, 422, 'Validation failed', { errors });
}

function zodErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.code === 'unrecognized_keys' ? `Unknown field(s): ${i.keys.join(', ')}` : i.message }));
}

/** 99minds' success envelope. */
function ok<T>(data: T): { code: 200; message: 'OK'; data: T } {
  return { code: 200, message: 'OK', data };
}

/** One page of a list, under the list's key, with 99minds' paging fields. */
function page<T>(key: string, items: T[], no: number, size: number) {
  const start = (no - 1) * size;
  return { [key]: items.slice(start, start + size), page_no: no, page_size: size, total_count: items.length, total_pages: Math.max(1, Math.ceil(items.length / size)) };
}

function secondsToUtcMidnight(now = Date.now()): number {
  const next = (Math.floor(now / 86_400_000) + 1) * 86_400_000;
  return Math.ceil((next - now) / 1000);
}

/** Checks a customer as it would be stored (after merging an update); 99minds' rules from seed 003. */
function validateCustomer(c: Pick<SimCustomer, 'name' | 'first_name' | 'last_name' | 'email' | 'phone'>): FieldError[] {
  const errors: FieldError[] = [];
  if (!c.email || c.email.trim() === '') errors.push({ field: 'email', message: 'Email is required.' });
  else if (!EMAIL_PATTERN.test(c.email)) errors.push({ field: 'email', message: `Email "${c.email}" is not a valid email address.` });
  const name = c.name ?? [c.first_name, c.last_name].filter(Boolean).join(' ');
  if (!name || name.trim() === '') errors.push({ field: 'name', message: 'Name is required (name, or first_name and last_name).' });
  if (c.phone !== null && c.phone !== undefined && c.phone !== '' && !PHONE_PATTERN.test(c.phone)) {
    errors.push({ field: 'phone', message: `Phone "${c.phone}" must be numeric or international format, e.g. +1XXXXXXXXXX.` });
  }
  return errors;
}

/**
 * Starts a 99minds simulator: the REST subset Junction uses (see ../README.md), API-key auth,
 * page_no paging, validation and error bodies in 99minds' `{ code, message, errors }` shape,
 * webhooks to registered targets, a rate limit and the kit's fault injection.
 */
export async function startNinetyNineMindsSimulator(options: NinetyNineMindsSimulatorOptions = {}): Promise<RunningNinetyNineMindsSimulator> {
  const apiKey = options.apiKey ?? 'sk_test_99minds_simulator';
  const storeReferenceId = options.storeReferenceId ?? 'store_sim_0001';
  const webhookKey = options.webhookKey ?? 'whk_test_99minds_simulator';
  const records = options.records ?? 100;
  const clock = options.now ?? Date.now;
  let revoked = false;

  const sim = createSimulatorServer({
    name: 'ninety-nine-minds',
    rateLimit: options.rateLimit ?? { requests: 100, windowSeconds: 1 },
    errors: {
      throttled: (reply, seconds) => reply.code(429).header('retry-after', String(seconds)).send({ code: 429, message: 'Too many requests. Please retry later.' }),
      unavailable: (reply) => sendError(reply, 503, 'Service temporarily unavailable.'),
      dailyLimitExceeded: (reply) =>
        reply
          .code(429)
          .header('retry-after', String(secondsToUtcMidnight()))
          .send({ code: 429, message: 'Daily API limit exceeded.', error_code: 'DAILY_LIMIT_EXCEEDED' }),
    },
  });
  const store = new SimStore(storeReferenceId, webhookKey, sim.faults, options.seed ?? 1, clock);
  store.reset(records);
  sim.onReset(() => {
    revoked = false;
    store.reset(records);
  });
  sim.onFaults((settings) => {
    if (settings.revokeTokens) revoked = true;
  });

  const { app } = sim;
  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.url.startsWith('/__control')) return;
    const auth = request.headers.authorization;
    if (revoked || auth !== `Bearer ${apiKey}`) return sendError(reply, 401, auth ? 'Invalid API key.' : 'Missing Authorization header.');
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, 404, `No route ${request.method} ${request.url.split('?')[0]}.`));
  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    return sendError(reply, status, status === 500 ? 'Internal server error.' : error.message);
  });

  app.get(PATHS.customers, async (request, reply) => {
    const q = CustomerQuery.safeParse(request.query);
    if (!q.success) return validationErrors(reply, zodErrors(q.error));
    let list: SimCustomer[] = q.data.sort === 'updated_at' || q.data.updated_at_min ? store.sortedByUpdated() : [...store.customers.values()];
    if (q.data.updated_at_min) {
      const min = Date.parse(q.data.updated_at_min);
      list = list.filter((c) => Date.parse(c.updated_at) >= min);
    }
    const { email, phone, client_customer_id, customer_number } = q.data;
    if (email !== undefined) list = list.filter((c) => c.email?.toLowerCase() === email.toLowerCase());
    if (phone !== undefined) list = list.filter((c) => c.phone === phone);
    if (client_customer_id !== undefined) list = list.filter((c) => c.client_customer_id === client_customer_id);
    if (customer_number !== undefined) list = list.filter((c) => c.customer_number === customer_number);
    return ok(page('customers', list, q.data.page_no, q.data.page_size));
  });

  app.get<{ Params: { id: string } }>('/api/v1/ipaas/customers/:id', async (request, reply) => {
    const customer = store.customers.get(request.params.id);
    if (!customer) return sendError(reply, 404, `Customer ${request.params.id} not found.`);
    return ok({ customer });
  });

  app.post(PATHS.customers, async (request, reply) => {
    const parsed = CustomerWrite.safeParse(request.body ?? {});
    if (!parsed.success) return validationErrors(reply, zodErrors(parsed.error));
    const { id, store_reference_id, ...fields } = parsed.data;
    if (store_reference_id !== storeReferenceId) {
      return validationErrors(reply, [{ field: 'store_reference_id', message: `Store ${store_reference_id} does not exist or is not accessible with this key.` }]);
    }
    const existing = id === undefined ? undefined : store.customers.get(id);
    if (id !== undefined && !existing) return sendError(reply, 404, `Customer ${id} not found.`);
    const changes: SimCustomerInput = {};
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) (changes as Record<string, unknown>)[key] = value;
    const merged = { ...(existing ?? { name: null, first_name: null, last_name: null, email: null, phone: null }), ...changes };
    if (existing && changes.name === undefined && (changes.first_name !== undefined || changes.last_name !== undefined)) merged.name = null;
    const errors = validateCustomer(merged);
    if (errors.length > 0) return validationErrors(reply, errors);
    const email = merged.email?.toLowerCase();
    for (const other of store.customers.values()) {
      if (other.id !== id && other.email?.toLowerCase() === email) {
        return sendError(reply, 409, 'Customer already exists.', { errors: [{ field: 'email', message: `A customer with email ${merged.email} already exists (${other.id}).` }] });
      }
    }
    const customer = existing ? store.updateCustomer(existing.id, changes) : store.insertCustomer(changes);
    return reply.code(200).send({ code: 200, message: existing ? 'Customer updated.' : 'Customer created.', data: { customer } });
  });

  app.get<{ Querystring: { customer_id?: string } }>(PATHS.loyaltyCards, async (request, reply) => {
    const customerId = request.query.customer_id;
    if (!customerId) return validationErrors(reply, [{ field: 'customer_id', message: 'customer_id is required.' }]);
    if (!store.customers.has(customerId)) return sendError(reply, 404, `Customer ${customerId} not found.`);
    return ok({ loyalty_card: store.loyaltyCardOf(customerId) ?? null });
  });

  app.get<{ Params: { id: string } }>('/api/v1/ipaas/loyaltycards/:id', async (request, reply) => {
    const card = store.cards.get(request.params.id);
    if (!card) return sendError(reply, 404, `Loyalty card ${request.params.id} not found.`);
    return ok({ loyalty_card: card });
  });

  app.get(PATHS.transactions, async (request, reply) => {
    const q = TransactionQuery.safeParse(request.query);
    if (!q.success) return validationErrors(reply, zodErrors(q.error));
    const { customer_id, card_id, client_order_id } = q.data;
    if (customer_id !== undefined && !store.customers.has(customer_id)) return sendError(reply, 404, `Customer ${customer_id} not found.`);
    let list = customer_id !== undefined ? store.transactionsOf(customer_id) : [...store.transactions.values()];
    if (card_id !== undefined) list = list.filter((t) => t.card_id === card_id);
    if (client_order_id !== undefined) list = list.filter((t) => t.client_order_id === client_order_id);
    return ok(page('points_transactions', list, q.data.page_no, q.data.page_size));
  });

  app.get<{ Params: { id: string } }>('/api/v1/ipaas/loyaltycards/transactions/:id', async (request, reply) => {
    const tx = store.transactions.get(request.params.id);
    if (!tx) return sendError(reply, 404, `Transaction ${request.params.id} not found.`);
    return ok({ points_transaction: tx });
  });

  // Webhook targets for out-of-process users (`junction simulate`); 99minds itself configures them in its dashboard.
  const WebhookTargetBody = z.object({
    url: z.string().url(),
    key: z.string().min(1).optional(),
    events: z.array(z.enum(['customer/created', 'customer/updated', 'customer/deleted'])).min(1).optional(),
  });
  app.post('/__control/webhooks', async (request, reply) => {
    const parsed = WebhookTargetBody.safeParse(request.body ?? {});
    if (!parsed.success) return validationErrors(reply, zodErrors(parsed.error));
    const { url, ...rest } = parsed.data;
    return { target: store.registerWebhook(url, rest) };
  });
  app.get('/__control/webhooks', async () => ({ targets: [...store.targets.values()], deliveries: store.deliveries }));
  app.delete<{ Params: { id: string } }>('/__control/webhooks/:id', async (request, reply) =>
    store.unregisterWebhook(request.params.id) ? { ok: true } : sendError(reply, 404, `Webhook ${request.params.id} not found.`),
  );

  const baseUrl = await sim.listen(options.port ?? 0);
  return {
    system: 'ninety-nine-minds',
    baseUrl,
    apiKey,
    subscriptionSettings: { apiUrl: baseUrl, apiKey, storeReferenceId, webhookKey },
    connectionInfo: { baseUrl, apiKey, storeReferenceId, webhookKey },
    data: store,
    simulator: sim,
    async close() {
      await store.flushWebhooks();
      await sim.close();
    },
  };
}
