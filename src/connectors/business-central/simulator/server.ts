import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { createSimulatorServer, TokenIssuer, type FaultSettings, type Simulator, type SimulatorStats } from '../../simulator-kit/index.js';
import type { RunningSimulator, SimulatorStartOptions } from '../../types.js';
import { ODataError, parseKey, runQuery, splitSegment, type Row } from './odata.js';
import { BcStore, correlationId, CONTACT_API, CUSTOMER_API, CUSTOMER_CARD, notFound, translateBody, type SimContact, type SimCustomer } from './store.js';

export const BC_SIM_DEFAULTS = {
  tenantId: '7d4f2b1c-0b5e-4d4e-9a51-5c3b9e0bc001',
  environment: 'production',
  companyName: 'CRONUS USA, Inc.',
  clientId: '3c6f9a2e-bc00-4e1a-9f7d-0a1b2c3d4e5f',
  clientSecret: 'bc-sim-secret~0123456789',
  scope: 'https://api.businesscentral.dynamics.com/.default',
} as const;

export const BC_SIM_WEB_SERVICES = ['CustomerCard', 'Locations', 'ItemCard', 'ShippingAgents', 'SalesOrders', 'SalesOrderLines', 'Itemsbylocation', 'CustomerPriceGroups'] as const;

export interface BusinessCentralSimulatorOptions extends SimulatorStartOptions {
  host?: string;
  tenantId?: string;
  environment?: string;
  companyName?: string;
  clientId?: string;
  clientSecret?: string;
  /** Access token lifetime in seconds (default 3600). */
  tokenLifetimeSeconds?: number;
  /** Server-driven page size (default 100; the real service uses 20,000). */
  pageSize?: number;
  /** Requests per window before 429 (default 6000 per 300 s, BC's per-user limit). */
  rateLimit?: { requests: number; windowSeconds: number };
  /** Web service names that are not published (answer 404 like an unpublished service). */
  unpublished?: string[];
  /** Delay between a change and its notification (BC waits 30 s; default 30000). */
  webhookDelayMs?: number;
  /** HTTP status for a stale If-Match (default 412; BC's docs list 409 `Request_EntityChanged`, the connector handles both). */
  etagMismatchStatus?: 409 | 412;
}

export interface SimSubscription {
  subscriptionId: string;
  notificationUrl: string;
  resource: string;
  clientState: string;
  expirationDateTime: string;
  lastModifiedDateTime: string;
  version: number;
}

export interface BusinessCentralSimulatorData {
  readonly store: BcStore;
  company(): { id: string; name: string };
  customers(): SimCustomer[];
  getCustomer(idOrNo: string): SimCustomer | undefined;
  insertCustomer(input: Partial<SimCustomer>): SimCustomer;
  modifyCustomer(idOrNo: string, patch: Partial<SimCustomer>): SimCustomer;
  deleteCustomer(idOrNo: string): void;
  contacts(): SimContact[];
  getContact(idOrNo: string): SimContact | undefined;
  insertContact(input: Partial<SimContact>): SimContact;
  modifyContact(idOrNo: string, patch: Partial<SimContact>): SimContact;
  subscriptions(): SimSubscription[];
  /** Etag of a customer or contact as the API shows it. */
  etagOf(record: { version: number }): string;
}

export interface RunningBusinessCentralSimulator extends RunningSimulator {
  tokenUrl: string;
  data: BusinessCentralSimulatorData;
  stats: SimulatorStats;
  /** Token requests answered with a token. */
  tokensIssued(): number;
  /** Every issued token expires now (the next API call answers 401). */
  expireTokens(): void;
  revokeTokens(): void;
  /** Same as `POST /__control/faults`. */
  setFaults(settings: FaultSettings): Promise<void>;
  publish(serviceName: string): void;
  unpublish(serviceName: string): void;
  setPageSize(size: number): void;
  /** Sends queued webhook notifications now and waits for the deliveries. */
  flushWebhooks(): Promise<void>;
  /** Notification deliveries made (after drop/duplicate faults). */
  webhookDeliveries(): Array<{ url: string; body: unknown; status: number }>;
}

function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'application/json; charset=utf-8')
    .send({ error: { code, message: `${message}  CorrelationId:  ${correlationId()}.` } });
}

const SubscriptionBody = z.object({ notificationUrl: z.string().url(), resource: z.string().min(1), clientState: z.string().max(2048).optional().default('') });
const BatchBody = z.object({
  requests: z.array(
    z.object({
      id: z.string().optional(),
      method: z.string(),
      url: z.string(),
      headers: z.record(z.string()).optional(),
      body: z.unknown().optional(),
      dependsOn: z.array(z.string()).optional(),
    }),
  ),
});

const SUBSCRIPTION_LIFETIME_MS = 3 * 24 * 60 * 60_000;

/** Starts the Business Central simulator (see README.md in the connector folder). */
export async function startBusinessCentralSimulator(options: BusinessCentralSimulatorOptions = {}): Promise<RunningBusinessCentralSimulator> {
  const tenantId = options.tenantId ?? BC_SIM_DEFAULTS.tenantId;
  const environment = options.environment ?? BC_SIM_DEFAULTS.environment;
  const companyName = options.companyName ?? BC_SIM_DEFAULTS.companyName;
  const clientId = options.clientId ?? BC_SIM_DEFAULTS.clientId;
  const clientSecret = options.clientSecret ?? BC_SIM_DEFAULTS.clientSecret;
  const records = options.records ?? 50;
  const seed = options.seed ?? 1;
  const mismatchStatus = options.etagMismatchStatus ?? 412;
  const webhookDelayMs = options.webhookDelayMs ?? 30_000;
  let pageSize = options.pageSize ?? 100;
  const published = new Set<string>(BC_SIM_WEB_SERVICES.map((s) => s.toLowerCase()));
  for (const s of options.unpublished ?? []) published.delete(s.toLowerCase());

  let store = new BcStore(companyName, records, seed);
  const issuer = new TokenIssuer(options.tokenLifetimeSeconds ?? 3600);
  let issued = 0;
  const subscriptions = new Map<string, SimSubscription>();
  let subscriptionVersion = 1;
  type Pending = { subscriptionId: string; resource: string; changeType: string; lastModifiedDateTime: string };
  let pending: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;
  const inflight = new Set<Promise<void>>();
  const deliveries: Array<{ url: string; body: unknown; status: number }> = [];

  const sim: Simulator = createSimulatorServer({
    name: 'business-central',
    rateLimit: options.rateLimit ?? { requests: 6000, windowSeconds: 300 },
    exempt: (url) => url.includes('/oauth2/v2.0/token'),
    errors: {
      throttled: (reply, seconds) => {
        reply.header('retry-after', String(seconds));
        return sendError(reply, 429, 'Application_TooManyRequests', 'Too many requests reached.  Actual (6001).  Maximum (6000).');
      },
      unavailable: (reply) => {
        reply.header('retry-after', '1');
        return sendError(reply, 503, 'Internal_ServiceUnavailable', 'The service is temporarily unavailable. Please try again later.');
      },
      dailyLimitExceeded: (reply) => {
        reply.header('retry-after', '300');
        return sendError(reply, 429, 'Application_TooManyRequests', 'Too many requests reached.');
      },
    },
  });
  const app = sim.app;

  sim.onFaults((settings) => {
    if (settings.revokeTokens) issuer.revokeAll();
  });
  sim.onReset(() => {
    store = new BcStore(companyName, records, seed);
    wireStore();
    subscriptions.clear();
    pending = [];
    deliveries.length = 0;
    pageSize = options.pageSize ?? 100;
    published.clear();
    for (const name of BC_SIM_WEB_SERVICES) published.add(name.toLowerCase());
    for (const name of options.unpublished ?? []) published.delete(name.toLowerCase());
  });

  // ---- webhooks: change events → notifications ----
  function wireStore(): void {
    store.listeners.push((collection, id, change, at) => {
      const company = store.companies[0] as { id: string };
      purgeExpired();
      for (const sub of subscriptions.values()) {
        const m = /companies\(([^)]+)\)\/([A-Za-z]+)\/?$/.exec(sub.resource);
        if (!m || m[1]?.toLowerCase() !== company.id || m[2] !== collection) continue;
        pending.push({ subscriptionId: sub.subscriptionId, resource: `api/v2.0/companies(${company.id})/${collection}(${id})`, changeType: change, lastModifiedDateTime: at });
      }
      if (pending.length && !timer) timer = setTimeout(() => void flush(), webhookDelayMs);
    });
  }
  wireStore();

  function purgeExpired(): void {
    const now = Date.now();
    for (const [id, sub] of subscriptions) if (Date.parse(sub.expirationDateTime) <= now) subscriptions.delete(id);
  }

  async function deliver(url: string, body: unknown): Promise<void> {
    let status = 0;
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      status = res.status;
      await res.text();
    } catch {
      status = 0;
    }
    deliveries.push({ url, body, status });
    // BC retries 408/429/5xx (for 36 hours); any other error status deletes the subscription.
    if (status >= 400 && status !== 408 && status !== 429 && status < 500) {
      for (const [id, sub] of subscriptions) if (sub.notificationUrl === url) subscriptions.delete(id);
    }
  }

  async function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    const byUrl = new Map<string, Row[]>();
    const bySub = new Map<string, Pending[]>();
    for (const p of batch) bySub.set(p.subscriptionId, [...(bySub.get(p.subscriptionId) ?? []), p]);
    for (const [subId, items] of bySub) {
      const sub = subscriptions.get(subId);
      if (!sub) continue;
      const common = { subscriptionId: sub.subscriptionId, clientState: sub.clientState, expirationDateTime: sub.expirationDateTime };
      const rows: Row[] =
        items.length > 1000
          ? [{ ...common, resource: `${sub.resource.replace(/^\//, '')}?$filter=lastModifiedDateTime%20gt%20${items[0]?.lastModifiedDateTime ?? ''}`, changeType: 'collection', lastModifiedDateTime: items[items.length - 1]?.lastModifiedDateTime }]
          : items.map((p) => ({ ...common, resource: p.resource, changeType: p.changeType, lastModifiedDateTime: p.lastModifiedDateTime }));
      byUrl.set(sub.notificationUrl, [...(byUrl.get(sub.notificationUrl) ?? []), ...rows]);
    }
    const work: Promise<void>[] = [];
    for (const [url, value] of byUrl) {
      if (sim.faults.webhookDrop > 0) {
        sim.faults.webhookDrop -= 1;
        continue;
      }
      const copies = sim.faults.webhookDuplicate > 0 ? 2 : 1;
      if (copies === 2) sim.faults.webhookDuplicate -= 1;
      for (let i = 0; i < copies; i += 1) work.push(deliver(url, { value }));
    }
    const all = Promise.all(work).then(() => undefined);
    inflight.add(all);
    await all.finally(() => inflight.delete(all));
  }

  async function handshake(url: string): Promise<boolean> {
    const token = randomBytes(16).toString('hex');
    const target = new URL(url);
    target.searchParams.set('validationToken', token);
    try {
      const res = await fetch(target, { method: 'POST' });
      const text = (await res.text()).trim();
      return res.status === 200 && text === token;
    } catch {
      return false;
    }
  }

  // ---- token endpoint (Entra ID v2.0 client credentials) ----
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  const entraError = (reply: FastifyReply, status: number, error: string, code: number, description: string) => {
    const ts = new Date().toISOString().replace('T', ' ').slice(0, 19) + 'Z';
    const trace = correlationId();
    const corr = correlationId();
    return reply
      .code(status)
      .header('content-type', 'application/json; charset=utf-8')
      .send({
        error,
        error_description: `AADSTS${code}: ${description} Trace ID: ${trace} Correlation ID: ${corr} Timestamp: ${ts}`,
        error_codes: [code],
        timestamp: ts,
        trace_id: trace,
        correlation_id: corr,
        error_uri: `https://login.microsoftonline.com/error?code=${code}`,
      });
  };

  app.post('/:tenant/oauth2/v2.0/token', async (request, reply) => {
    const { tenant } = request.params as { tenant: string };
    const form = (request.body && typeof request.body === 'object' ? request.body : {}) as Record<string, string | undefined>;
    let id = form.client_id;
    let secret = form.client_secret;
    const basic = request.headers.authorization;
    if (basic?.startsWith('Basic ')) {
      const [u, p] = Buffer.from(basic.slice(6), 'base64').toString('utf8').split(':');
      id = decodeURIComponent(u ?? '');
      secret = decodeURIComponent(p ?? '');
    }
    if (tenant !== tenantId) return entraError(reply, 400, 'invalid_request', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
    if (!form.grant_type) return entraError(reply, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
    if (form.grant_type !== 'client_credentials') return entraError(reply, 400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${form.grant_type}'.`);
    if (!id) return entraError(reply, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
    if (id !== clientId) return entraError(reply, 400, 'unauthorized_client', 700016, `Application with identifier '${id}' was not found in the directory '${tenant}'.`);
    if (!secret) return entraError(reply, 401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    if (secret !== clientSecret) return entraError(reply, 401, 'invalid_client', 7000215, 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app.');
    if (!form.scope) return entraError(reply, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'scope'.");
    if (form.scope !== BC_SIM_DEFAULTS.scope) return entraError(reply, 400, 'invalid_scope', 70011, `The provided value for the input parameter 'scope' is not valid. The scope ${form.scope} is not valid.`);
    issued += 1;
    const token = issuer.issue(clientId);
    return reply.header('cache-control', 'no-store').send({ ...token, ext_expires_in: token.expires_in });
  });

  // ---- Business Central API ----
  app.all('/v2.0/*', async (request, reply) => {
    try {
      return await handle(request, reply);
    } catch (error) {
      if (error instanceof ODataError) return sendError(reply, error.status, error.code, error.message);
      throw error;
    }
  });

  async function handle(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const auth = issuer.check(request.headers.authorization);
    if (auth !== 'valid') {
      reply.header('www-authenticate', 'Bearer realm="", error="invalid_token"');
      return sendError(reply, 401, 'Authentication_InvalidCredentials', 'The server has rejected the client credentials.');
    }
    const url = new URL(request.url, `http://${request.headers.host ?? '127.0.0.1'}`);
    const segments = url.pathname.split('/').slice(2).map((s) => decodeURIComponent(s));
    const [tenant, env, kind, ...rest] = segments;
    if (tenant !== tenantId || env !== environment) throw new ODataError(404, 'BadRequest_NotFound', `Environment '${env ?? ''}' was not found for tenant '${tenant ?? ''}'.`);
    const method = request.method.toUpperCase();
    const ifMatch = typeof request.headers['if-match'] === 'string' ? request.headers['if-match'] : undefined;
    const prefer = /odata\.maxpagesize=(\d+)/.exec(String(request.headers.prefer ?? ''));
    const size = prefer ? Math.min(Number(prefer[1]), 20_000) : pageSize;
    const list = (rows: Row[], keys: string[], entityType: string, context: string) => {
      const result = runQuery(rows, { params: url.searchParams, keys, entityType, pageSize: Math.min(size, pageSize), url });
      return reply.header('odata-version', '4.0').send({
        '@odata.context': context,
        ...(result.count === undefined ? {} : { '@odata.count': result.count }),
        value: result.value,
        ...(result.nextLink ? { '@odata.nextLink': result.nextLink } : {}),
      });
    };
    const rootPath = `/v2.0/${encodeURIComponent(tenant)}/${encodeURIComponent(env)}/${kind ?? ''}${kind === 'api' ? '/v2.0' : ''}`;

    if (kind === 'api') {
      if (rest[0] !== 'v2.0') throw new ODataError(404, 'BadRequest_ResourceNotFound', `Resource not found for the segment '${rest[0] ?? ''}'.`);
      const path = rest.slice(1);
      const context = `${url.origin}${rootPath}/$metadata`;
      if (path[0] === '$batch' && method === 'POST') return batch(request, reply, rootPath);
      const first = splitSegment(path[0] ?? '');
      if (first.name === 'subscriptions') return subscriptionRoute(request, reply, method, first.key, ifMatch);
      if (first.name !== 'companies') throw new ODataError(404, 'BadRequest_ResourceNotFound', `Resource not found for the segment '${first.name}'.`);
      if (path.length === 1) {
        if (method !== 'GET') throw new ODataError(405, 'BadRequest_MethodNotAllowed', `'${method}' requests for 'companies' of EdmType 'Entity' are not allowed within Dynamics 365 Business Central OData web services.`);
        const rows = store.companies.map((c) => ({ id: c.id, systemVersion: '25.0.1', timestamp: 1, name: c.name, displayName: c.displayName, businessProfileId: '' }));
        if (first.key) {
          const row = rows.find((r) => r.id === first.key?.toLowerCase());
          if (!row) throw new ODataError(404, 'Internal_CompanyNotFound', `The company '${first.key}' does not exist.`);
          return reply.send(row);
        }
        return list(rows, ['name'], 'Microsoft.NAV.company', `${context}#companies`);
      }
      const companyKey = first.key?.toLowerCase();
      if (companyKey !== store.companies[0]?.id) {
        if (store.companies.some((c) => c.id === companyKey)) return list([], ['id'], 'Microsoft.NAV.customer', `${context}#companies(${companyKey})/${path[1] ?? ''}`);
        throw new ODataError(404, 'Internal_CompanyNotFound', `The company '${first.key ?? ''}' does not exist.`);
      }
      const seg = splitSegment(path[1] ?? '');
      const ctx = `${context}#companies(${companyKey})/${seg.name}`;
      if (seg.name === 'customers') return apiCollection(reply, method, seg.key, request.body, ifMatch, 'customer', ctx, list);
      if (seg.name === 'contacts') return apiCollection(reply, method, seg.key, request.body, ifMatch, 'contact', ctx, list);
      throw new ODataError(404, 'BadRequest_ResourceNotFound', `Resource not found for the segment '${seg.name}'.`);
    }

    if (kind === 'ODataV4') {
      if (rest[0] === '$batch' && method === 'POST') return batch(request, reply, rootPath);
      const companySeg = splitSegment(rest[0] ?? '');
      let company = url.searchParams.get('company');
      let serviceSeg = rest[0];
      if (companySeg.name === 'Company') {
        const key = parseKey(companySeg.key ?? '');
        company = key.single ?? key.named.Id ?? key.named.Name ?? null;
        serviceSeg = rest[1];
      } else if (company) company = company.replace(/^'|'$/g, '');
      const found = store.companies.find((c) => c.name === company || c.id === company?.toLowerCase());
      if (!found) throw new ODataError(404, 'Internal_CompanyNotFound', `Cannot open company '${company ?? ''}': the company does not exist.`);
      if (found !== store.companies[0]) return list([], ['No'], 'NAV', `${url.origin}${rootPath}/$metadata`);
      const svc = splitSegment(serviceSeg ?? '');
      if (!published.has(svc.name.toLowerCase()) || !BC_SIM_WEB_SERVICES.some((s) => s.toLowerCase() === svc.name.toLowerCase())) {
        throw new ODataError(404, 'BadRequest_NotFound', `No HTTP resource was found that matches the request URI '${url.origin}${url.pathname}'.`);
      }
      const name = BC_SIM_WEB_SERVICES.find((s) => s.toLowerCase() === svc.name.toLowerCase()) as string;
      const ctx = `${url.origin}${rootPath}/$metadata#Company('${encodeURIComponent(found.name)}')/${name}`;
      return pageRoute(reply, method, name, svc.key, request.body, ifMatch, ctx, list);
    }
    throw new ODataError(404, 'BadRequest_ResourceNotFound', `Resource not found for the segment '${kind ?? ''}'.`);
  }

  type ListFn = (rows: Row[], keys: string[], entityType: string, context: string) => FastifyReply;

  function apiCollection(reply: FastifyReply, method: string, key: string | undefined, body: unknown, ifMatch: string | undefined, entity: 'customer' | 'contact', context: string, list: ListFn) {
    const isCustomer = entity === 'customer';
    const render = (r: SimCustomer | SimContact) => (isCustomer ? store.customerApi(r as SimCustomer) : store.contactApi(r as SimContact));
    const find = (k: string) => (isCustomer ? store.findCustomer(k) : store.findContact(k));
    const id = key?.replace(/^'|'$/g, '');
    const type = `Microsoft.NAV.${entity}`;
    if (!id) {
      if (method === 'GET') return list(store.cached(isCustomer ? 'customersApi' : 'contactsApi'), ['number'], type, context);
      if (method === 'POST') {
        const { patch } = isCustomer ? translateBody(body, CUSTOMER_API, type) : translateBody(body, CONTACT_API, type);
        const created = isCustomer ? store.insertCustomer(patch as Partial<SimCustomer>) : store.insertContact(patch as Partial<SimContact>);
        return reply.code(201).send({ '@odata.context': `${context}/$entity`, ...render(created) });
      }
      throw new ODataError(405, 'BadRequest_MethodNotAllowed', `'${method}' requests are not allowed on this collection.`);
    }
    const current = find(id);
    if (!current || current.id !== id.toLowerCase()) throw notFound(isCustomer ? 'Customer' : 'Contact', `Id='${id}'`);
    if (method === 'GET') return reply.send({ '@odata.context': `${context}/$entity`, ...render(current) });
    if (method === 'PATCH') {
      if (ifMatch === undefined) store.checkEtag(current, '');
      const { patch } = isCustomer ? translateBody(body, CUSTOMER_API, type) : translateBody(body, CONTACT_API, type);
      const updated = isCustomer
        ? store.modifyCustomer(current.id, patch as Partial<SimCustomer>, { ifMatch, mismatchStatus })
        : store.modifyContact(current.id, patch as Partial<SimContact>, { ifMatch, mismatchStatus });
      return reply.send({ '@odata.context': `${context}/$entity`, ...render(updated) });
    }
    if (method === 'DELETE') {
      if (ifMatch === undefined) store.checkEtag(current, '');
      if (isCustomer) store.deleteCustomer(current.id, { ifMatch, mismatchStatus });
      else store.deleteContact(current.id, { ifMatch, mismatchStatus });
      return reply.code(204).send();
    }
    throw new ODataError(405, 'BadRequest_MethodNotAllowed', `'${method}' requests are not allowed.`);
  }

  const PAGE_KEYS: Record<string, string[]> = {
    CustomerCard: ['No'],
    Locations: ['Code'],
    ItemCard: ['No'],
    ShippingAgents: ['Code'],
    SalesOrders: ['Document_Type', 'No'],
    SalesOrderLines: ['Document_Type', 'Document_No', 'Line_No'],
    Itemsbylocation: ['Item_No', 'Location_Code'],
    CustomerPriceGroups: ['Code'],
  };

  function pageRows(service: string): Row[] {
    switch (service) {
      case 'CustomerCard':
        return store.cached('customerCards');
      case 'Locations':
        return store.locations;
      case 'ItemCard':
        return store.items;
      case 'ShippingAgents':
        return store.shippingAgents;
      case 'SalesOrders':
        return store.salesOrders;
      case 'SalesOrderLines':
        return store.salesOrderLines;
      case 'Itemsbylocation':
        return store.itemsByLocation();
      default:
        return store.priceGroups;
    }
  }

  function pageRoute(reply: FastifyReply, method: string, service: string, keyText: string | undefined, body: unknown, ifMatch: string | undefined, context: string, list: ListFn) {
    const keys = PAGE_KEYS[service] ?? [];
    const etagged = (row: Row) => ('@odata.etag' in row ? row : { '@odata.etag': store.etag(1 + JSON.stringify(row).length), ...row });
    if (keyText === undefined) {
      if (method === 'GET') return list(pageRows(service).map(etagged), keys, `NAV.${service}`, context);
      if (method === 'POST' && service === 'CustomerCard') {
        const { patch, blank } = translateBody(body, CUSTOMER_CARD, `NAV.${service}`);
        const created = store.insertCustomer(patch, { blank });
        return reply.code(201).send({ '@odata.context': `${context}/$entity`, ...store.customerCard(created) });
      }
      throw new ODataError(405, 'BadRequest_MethodNotAllowed', `'${method}' requests for '${service}' are not allowed within Dynamics 365 Business Central OData web services.`);
    }
    if (service === 'Itemsbylocation') throw new ODataError(400, 'BadRequest_InvalidRequestUrl', 'Queries have no key: use $filter.');
    const key = parseKey(keyText);
    const wanted: Record<string, string> = key.single !== undefined ? { [keys[keys.length - 1] ?? 'No']: key.single } : key.named;
    if (service === 'CustomerCard') {
      const no = wanted.No ?? '';
      const current = store.findCustomer(no);
      if (!current || current.no !== no) throw notFound('Customer', `No.='${no}'`);
      if (method === 'GET') return reply.send({ '@odata.context': `${context}/$entity`, ...store.customerCard(current) });
      if (method === 'PATCH') {
        if (ifMatch === undefined) store.checkEtag(current, '');
        const { patch, blank } = translateBody(body, CUSTOMER_CARD, `NAV.${service}`);
        const updated = store.modifyCustomer(current.id, patch, { ifMatch, blank, mismatchStatus });
        return reply.send({ '@odata.context': `${context}/$entity`, ...store.customerCard(updated) });
      }
      if (method === 'DELETE') {
        if (ifMatch === undefined) store.checkEtag(current, '');
        store.deleteCustomer(current.id, { ifMatch, mismatchStatus });
        return reply.code(204).send();
      }
      throw new ODataError(405, 'BadRequest_MethodNotAllowed', `'${method}' requests are not allowed.`);
    }
    if (method !== 'GET') throw new ODataError(405, 'BadRequest_MethodNotAllowed', `'${method}' requests for '${service}' are not allowed within Dynamics 365 Business Central OData web services.`);
    const row = pageRows(service).find((r) => Object.entries(wanted).every(([k, v]) => String(r[k]) === v));
    if (!row) throw notFound(service, Object.entries(wanted).map(([k, v]) => `${k}='${v}'`).join(','));
    return reply.send({ '@odata.context': `${context}/$entity`, ...etagged(row) });
  }

  async function subscriptionRoute(request: FastifyRequest, reply: FastifyReply, method: string, key: string | undefined, ifMatch: string | undefined) {
    purgeExpired();
    const render = (s: SimSubscription) => ({
      '@odata.etag': store.etag(s.version),
      subscriptionId: s.subscriptionId,
      notificationUrl: s.notificationUrl,
      resource: s.resource,
      userId: '00000000-0000-0000-0000-000000000001',
      lastModifiedDateTime: s.lastModifiedDateTime,
      clientState: s.clientState,
      expirationDateTime: s.expirationDateTime,
      timestamp: s.version,
      systemCreatedAt: s.lastModifiedDateTime,
      systemCreatedBy: '00000000-0000-0000-0000-000000000001',
      systemModifiedAt: s.lastModifiedDateTime,
      systemModifiedBy: '00000000-0000-0000-0000-000000000001',
    });
    const parseBody = () => {
      const parsed = SubscriptionBody.safeParse(request.body);
      if (!parsed.success) throw new ODataError(400, 'BadRequest', `Invalid Request Body: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? ''}`);
      const m = /companies\(([^)]+)\)\/([A-Za-z]+)\/?$/.exec(parsed.data.resource);
      if (!m || !store.companies.some((c) => c.id === m[1]?.toLowerCase())) throw new ODataError(400, 'BadRequest', `The resource '${parsed.data.resource}' is not valid.`);
      if (m[2] !== 'customers') throw new ODataError(400, 'BadRequest', `The entity '${m[2] ?? ''}' does not support webhooks.`);
      return parsed.data;
    };
    if (!key) {
      if (method === 'GET') return reply.send({ value: [...subscriptions.values()].map(render) });
      if (method !== 'POST') throw new ODataError(405, 'BadRequest_MethodNotAllowed', `'${method}' requests are not allowed.`);
      const body = parseBody();
      if (subscriptions.size >= 200) throw new ODataError(400, 'BadRequest', 'The maximum number of subscriptions (200) has been reached.');
      if (!(await handshake(body.notificationUrl))) throw new ODataError(400, 'BadRequest', `The subscription was not validated: '${body.notificationUrl}' did not answer the validation token.`);
      const now = new Date();
      subscriptionVersion += 1;
      const sub: SimSubscription = {
        subscriptionId: randomBytes(16).toString('hex'),
        notificationUrl: body.notificationUrl,
        resource: body.resource,
        clientState: body.clientState,
        expirationDateTime: new Date(now.getTime() + SUBSCRIPTION_LIFETIME_MS).toISOString(),
        lastModifiedDateTime: now.toISOString(),
        version: subscriptionVersion,
      };
      subscriptions.set(sub.subscriptionId, sub);
      return reply.code(201).send(render(sub));
    }
    const id = key.replace(/^'|'$/g, '');
    const sub = subscriptions.get(id);
    if (!sub) throw notFound('API Webhook Subscription', `Subscription Id='${id}'`);
    if (method === 'GET') return reply.send(render(sub));
    const checkMatch = () => {
      if (ifMatch === undefined || ifMatch === '') store.checkEtag({ version: sub.version }, '');
      if (ifMatch !== '*' && ifMatch !== store.etag(sub.version)) throw new ODataError(mismatchStatus, 'Request_EntityChanged', 'Another user has already changed the record.');
    };
    if (method === 'PATCH') {
      checkMatch();
      const body = parseBody();
      if (!(await handshake(body.notificationUrl))) throw new ODataError(400, 'BadRequest', `The subscription was not validated: '${body.notificationUrl}' did not answer the validation token.`);
      subscriptionVersion += 1;
      Object.assign(sub, {
        notificationUrl: body.notificationUrl,
        resource: body.resource,
        clientState: body.clientState || sub.clientState,
        expirationDateTime: new Date(Date.now() + SUBSCRIPTION_LIFETIME_MS).toISOString(),
        lastModifiedDateTime: new Date().toISOString(),
        version: subscriptionVersion,
      });
      return reply.send(render(sub));
    }
    if (method === 'DELETE') {
      checkMatch();
      subscriptions.delete(id);
      return reply.code(204).send();
    }
    throw new ODataError(405, 'BadRequest_MethodNotAllowed', `'${method}' requests are not allowed.`);
  }

  async function batch(request: FastifyRequest, reply: FastifyReply, rootPath: string) {
    const parsed = BatchBody.safeParse(request.body);
    if (!parsed.success) throw new ODataError(400, 'BadRequest', 'Invalid Request Body');
    if (parsed.data.requests.length > 100) throw new ODataError(400, 'BadRequest', `The batch contains ${parsed.data.requests.length} operations; the maximum is 100.`);
    const responses: Row[] = [];
    for (const op of parsed.data.requests) {
      if (op.url.startsWith('/')) {
        responses.push({ id: op.id ?? null, status: 404, headers: { 'content-type': 'application/json' }, body: { error: { code: 'BadRequest_NotFound', message: `No HTTP resource was found that matches the request URI '${op.url}'.  CorrelationId:  ${correlationId()}.` } } });
        continue;
      }
      const res = await app.inject({
        method: op.method.toUpperCase() as 'GET',
        url: `${rootPath}/${op.url}`,
        headers: { ...(op.headers ?? {}), authorization: request.headers.authorization ?? '', host: request.headers.host ?? '127.0.0.1', 'content-type': 'application/json' },
        ...(op.body === undefined ? {} : { payload: JSON.stringify(op.body) }),
      });
      let body: unknown;
      try {
        body = res.body ? JSON.parse(res.body) : undefined;
      } catch {
        body = res.body;
      }
      responses.push({ id: op.id ?? null, status: res.statusCode, headers: { 'content-type': 'application/json; odata.metadata=minimal', 'odata-version': '4.0' }, ...(body === undefined ? {} : { body }) });
    }
    return reply.send({ responses });
  }

  // ---- simulator-specific controls (besides the kit's /__control/faults|stats|reset) ----
  app.post('/__control/tokens/expire', async () => {
    issuer.expireAll();
    return { ok: true };
  });
  app.post('/__control/web-services', async (request, reply) => {
    const parsed = z.object({ publish: z.array(z.string()).optional(), unpublish: z.array(z.string()).optional() }).strict().safeParse(request.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: parsed.error.issues });
    for (const name of parsed.data.publish ?? []) published.add(name.toLowerCase());
    for (const name of parsed.data.unpublish ?? []) published.delete(name.toLowerCase());
    return { published: BC_SIM_WEB_SERVICES.filter((name) => published.has(name.toLowerCase())) };
  });
  app.post('/__control/webhooks/flush', async () => {
    if (pending.length) await flush();
    return { deliveries: deliveries.length };
  });

  const address = await sim.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  const baseUrl = address.replace(/\/$/, '');
  const tokenUrl = `${baseUrl}/${tenantId}/oauth2/v2.0/token`;

  const data: BusinessCentralSimulatorData = {
    get store() {
      return store;
    },
    company: () => ({ id: (store.companies[0] as { id: string }).id, name: companyName }),
    customers: () => [...store.customers.values()],
    getCustomer: (k) => store.findCustomer(k),
    insertCustomer: (input) => store.insertCustomer(input),
    modifyCustomer: (k, patch) => store.modifyCustomer(k, patch),
    deleteCustomer: (k) => store.deleteCustomer(k),
    contacts: () => [...store.contacts.values()],
    getContact: (k) => store.findContact(k),
    insertContact: (input) => store.insertContact(input),
    modifyContact: (k, patch) => store.modifyContact(k, patch),
    subscriptions: () => [...subscriptions.values()],
    etagOf: (r) => store.etag(r.version),
  };

  return {
    system: 'business-central',
    baseUrl,
    tokenUrl,
    subscriptionSettings: {
      name: 'Business Central simulator',
      version: 'v1.0',
      companyName,
      tenantId,
      scope: BC_SIM_DEFAULTS.scope,
      clientSecret,
      clientId,
      grantType: 'client_credentials',
      environment,
      apiUrl: baseUrl,
      tokenUrl,
    },
    connectionInfo: { system: 'business-central', baseUrl, tokenUrl, clientId, clientSecret, tenantId, environment, companyName },
    data,
    stats: sim.stats,
    tokensIssued: () => issued,
    expireTokens: () => issuer.expireAll(),
    revokeTokens: () => issuer.revokeAll(),
    setFaults: async (settings) => {
      const res = await app.inject({ method: 'POST', url: '/__control/faults', payload: settings });
      if (res.statusCode !== 200) throw new Error(`Fault settings rejected: ${res.body}`);
    },
    publish: (name) => void published.add(name.toLowerCase()),
    unpublish: (name) => void published.delete(name.toLowerCase()),
    setPageSize: (size) => {
      pageSize = size;
    },
    flushWebhooks: async () => {
      if (pending.length) await flush();
      await Promise.all([...inflight]);
    },
    webhookDeliveries: () => deliveries,
    close: async () => {
      if (timer) clearTimeout(timer);
      await Promise.all([...inflight]);
      await sim.close();
    },
  };
}
