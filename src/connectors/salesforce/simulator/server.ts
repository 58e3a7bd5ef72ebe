/**
 * Salesforce REST API simulator on the shared simulator kit. Implements what unmodified jsforce 3
 * calls: OAuth token endpoint (client credentials, JWT bearer, username-password), versions and
 * resources, SOQL query + queryMore, sObject resources, describe, sObject Collections and limits.
 */
import { createHmac, createPublicKey, generateKeyPairSync, verify as verifySignature, type KeyObject } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { createSimulatorServer, FaultSettings, TokenIssuer } from '../../simulator-kit/index.js';
import type { RunningSimulator, SimulatorStartOptions } from '../../types.js';
import { describeField, findObject, type ObjectSchema } from './schema.js';
import { evaluate, parseSoql, sortRecords, SoqlError, type FieldRef, type SoqlQuery } from './soql.js';
import {
  ApiError,
  generate,
  ORG_ID,
  SalesforceStore,
  sfDateTime,
  USER_ID,
  type DuplicateRuleMode,
  type SalesforceRecord,
  type SaveError,
  type SObjectName,
} from './store.js';
import { to18 } from './ids.js';

export interface SalesforceSimulatorOptions extends SimulatorStartOptions {
  /** Generated Accounts (default: records / 10, at least 1 when there are contacts). `records` is the Contact count (default 50). */
  accounts?: number;
  clientId?: string;
  clientSecret?: string;
  /** The "run as" user for client credentials, the JWT `sub`, and the username-password flow. */
  username?: string;
  password?: string;
  /** PEM public key (certificate's key) that JWT bearer assertions must be signed with; default: a generated key pair. */
  jwtPublicKey?: string;
  /** Access token lifetime (Salesforce: session timeout, default 2 h). */
  tokenLifetimeSeconds?: number;
  /** Default query batch size (200–2000; `Sforce-Query-Options: batchSize=` overrides per request). */
  queryBatchSize?: number;
  /** Duplicate rule on Contact email: off (default), alert (allowSave header lets it through) or block. */
  duplicateRule?: DuplicateRuleMode;
  /** Pairs of generated contacts that share one email address (default 0). */
  sharedEmails?: number;
  /** Generated records' CreatedDate/LastModifiedDate spread over this many days (default 30). */
  spreadDays?: number;
  /** Org's rolling 24-hour API request allocation; over it → 403 REQUEST_LIMIT_EXCEEDED (default: unlimited, /limits shows 15000). */
  dailyApiLimit?: number;
  /** Per-window request quota enforced by the kit before 429 (default: effectively unlimited; Salesforce has no per-second limit). */
  rateLimit?: { requests: number; windowSeconds: number };
}

type RecordFields = Record<string, unknown>;

export interface SalesforceSimulatorData {
  /** Inserts a record directly (no API call, no validation unless `validate`); dates may be set. */
  insert(type: SObjectName, fields: RecordFields, options?: { createdDate?: string | Date; lastModifiedDate?: string | Date; validate?: boolean }): SalesforceRecord;
  /** Changes a record directly; LastModifiedDate moves to now unless given. */
  update(type: SObjectName, id: string, fields: RecordFields, options?: { lastModifiedDate?: string | Date }): SalesforceRecord;
  get(type: SObjectName, id: string): SalesforceRecord | undefined;
  all(type: SObjectName): SalesforceRecord[];
  count(type: SObjectName): number;
  remove(type: SObjectName, id: string): boolean;
}

export interface SalesforceSimulatorControl {
  /** Every issued access token expires now (next call → 401 INVALID_SESSION_ID). */
  expireTokens(): void;
  revokeTokens(): void;
  setDuplicateRule(mode: DuplicateRuleMode): void;
  setQueryBatchSize(size: number): void;
  /** Same as `POST /__control/faults`. */
  faults(settings: FaultSettings): Promise<void>;
  /** Token endpoint calls that issued a token. */
  tokensIssued(): number;
  /** API requests counted against the daily allocation since start/reset. */
  apiRequests(): number;
}

export interface RunningSalesforceSimulator extends RunningSimulator {
  data: SalesforceSimulatorData;
  control: SalesforceSimulatorControl;
  /** Credentials for the JWT bearer flow (`privateKey` is empty when `jwtPublicKey` was supplied). */
  jwt: { clientId: string; username: string; privateKey: string; audience: string };
}

export const SUPPORTED_VERSIONS = ['55.0', '56.0', '57.0', '58.0', '59.0', '60.0', '61.0', '62.0', '63.0', '64.0'];
const RELEASES: Record<string, string> = {
  '55.0': "Summer '22",
  '56.0': "Winter '23",
  '57.0': "Spring '23",
  '58.0': "Summer '23",
  '59.0': "Winter '24",
  '60.0': "Spring '24",
  '61.0': "Summer '24",
  '62.0': "Winter '25",
  '63.0': "Spring '25",
  '64.0': "Summer '25",
};
const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const MAX_COLLECTION = 200;

const sfError = (reply: FastifyReply, status: number, errorCode: string, message: string, fields?: string[]) =>
  reply.code(status).type('application/json').send([{ message, errorCode, ...(fields ? { fields } : {}) }]);

const TokenForm = z.object({ grant_type: z.string() }).passthrough();
const ClientCredentialsForm = z.object({ client_id: z.string().optional(), client_secret: z.string().optional() });
const PasswordForm = z.object({ client_id: z.string().optional(), client_secret: z.string().optional(), username: z.string(), password: z.string() });
const JwtForm = z.object({ assertion: z.string() });
const JwtHeader = z.object({ alg: z.string() }).passthrough();
const JwtClaims = z.object({ iss: z.string(), sub: z.string(), aud: z.union([z.string(), z.array(z.string())]), exp: z.number() }).passthrough();
const VersionParams = z.object({ version: z.string() });
const TypeParams = VersionParams.extend({ type: z.string() });
const IdParams = TypeParams.extend({ id: z.string() });
const QueryString = z.object({ q: z.string().optional() });
const CollectionRecord = z.record(z.unknown());
const CollectionBody = z.object({ allOrNone: z.boolean().optional(), records: z.array(CollectionRecord) });
const RetrieveBody = z.object({ ids: z.array(z.string()), fields: z.array(z.string()) });

interface OpenQuery {
  rows: Record<string, unknown>[];
  batchSize: number;
  expiresAt: number;
}

export async function startSalesforceSimulator(options: SalesforceSimulatorOptions = {}): Promise<RunningSalesforceSimulator> {
  const clientId = options.clientId ?? '3MVG9SIMULATOR.junction.consumer.key';
  const clientSecret = options.clientSecret ?? 'junction-simulator-consumer-secret';
  const username = options.username ?? 'integration@junction.example.com';
  const password = options.password ?? 'junction-password';
  let batchSize = clamp(options.queryBatchSize ?? 2000);
  const contactCount = options.records ?? 50;
  const accountCount = options.accounts ?? (contactCount > 0 ? Math.max(1, Math.ceil(contactCount / 10)) : 0);
  const seed = options.seed ?? 1;

  let publicKey: KeyObject;
  let privateKeyPem = '';
  if (options.jwtPublicKey) publicKey = createPublicKey(options.jwtPublicKey);
  else {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    publicKey = pair.publicKey;
    privateKeyPem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }

  const store = new SalesforceStore();
  store.duplicateRule = options.duplicateRule ?? 'off';
  const seedData = () => {
    store.clear();
    generate(store, { contacts: contactCount, accounts: accountCount, seed, sharedEmails: options.sharedEmails ?? 0, spreadDays: options.spreadDays ?? 30, now: Date.now() });
  };
  seedData();

  const tokens = new TokenIssuer(options.tokenLifetimeSeconds ?? 7200);
  let tokensIssued = 0;
  let apiUsed = 0;
  const queries = new Map<string, OpenQuery>();
  let queryCounter = 0;
  const displayLimit = () => sim.faults.dailyLimit ?? options.dailyApiLimit ?? 15000;

  const isTokenPath = (url: string) => url.startsWith('/services/oauth2/');
  const isVersionsList = (url: string) => /^\/services\/data\/?(\?.*)?$/.test(url);
  const sim = createSimulatorServer({
    name: 'salesforce',
    rateLimit: options.rateLimit ?? { requests: 1_000_000, windowSeconds: 1 },
    exempt: (url) => isTokenPath(url) || isVersionsList(url) || url.startsWith('/id/'),
    errors: {
      throttled: (reply, seconds) =>
        reply
          .code(429)
          .header('Retry-After', String(seconds))
          .type('application/json')
          .send([{ message: `Too many requests. Retry after ${seconds} seconds.`, errorCode: 'REQUEST_LIMIT_EXCEEDED' }]),
      unavailable: (reply) => sfError(reply, 503, 'SERVER_UNAVAILABLE', 'Server is temporarily unavailable. Please try again later.'),
      dailyLimitExceeded: (reply) => sfError(reply, 403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'),
    },
  });
  const app = sim.app;
  const applyDailyLimit = () => {
    if (options.dailyApiLimit !== undefined && sim.faults.dailyLimit === null) sim.faults.dailyLimit = options.dailyApiLimit;
  };
  applyDailyLimit();
  sim.onReset(() => {
    tokens.revokeAll();
    queries.clear();
    apiUsed = 0;
    tokensIssued = 0;
    batchSize = clamp(options.queryBatchSize ?? 2000);
    store.duplicateRule = options.duplicateRule ?? 'off';
    applyDailyLimit();
    seedData();
  });
  sim.onFaults((settings) => {
    if (settings.revokeTokens) tokens.revokeAll();
  });

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'))));
  });
  app.setNotFoundHandler((_request, reply) => sfError(reply, 404, 'NOT_FOUND', 'The requested resource does not exist'));
  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) return sfError(reply, 500, 'UNKNOWN_EXCEPTION', `An unexpected error occurred: ${error.message}`);
    return sfError(reply, status, 'JSON_PARSER_ERROR', error.message);
  });

  // Session check and API usage accounting for the data API (after the kit's faults and limits).
  app.addHook('onRequest', async (request, reply) => {
    const url = request.url;
    if (!url.startsWith('/services/data/v') && !url.startsWith('/id/')) return;
    const state = tokens.check(request.headers.authorization);
    if (state !== 'valid') return sfError(reply, 401, 'INVALID_SESSION_ID', 'Session expired or invalid');
    const version = /^\/services\/data\/v(\d+\.\d)/.exec(url)?.[1];
    if (url.startsWith('/services/data/') && (!version || !SUPPORTED_VERSIONS.includes(version))) {
      return sfError(reply, 404, 'NOT_FOUND', 'The requested resource does not exist');
    }
    apiUsed += 1;
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.url.startsWith('/services/data/v')) reply.header('Sforce-Limit-Info', `api-usage=${apiUsed}/${displayLimit()}`);
    return payload;
  });

  // ---- OAuth 2.0 token endpoint -------------------------------------------------------------
  const tokenError = (reply: FastifyReply, status: number, error: string, description: string) =>
    reply.code(status).type('application/json').send({ error, error_description: description });

  app.post('/services/oauth2/token', async (request, reply) => {
    const form = TokenForm.safeParse(request.body ?? {});
    if (!form.success) return tokenError(reply, 400, 'unsupported_grant_type', 'grant type not supported');
    const grant = form.data.grant_type;
    if (grant === 'client_credentials') {
      const creds = ClientCredentialsForm.safeParse(form.data);
      if (!creds.success || !creds.data.client_id) return tokenError(reply, 400, 'invalid_client_id', 'client identifier invalid');
      if (creds.data.client_id !== clientId) return tokenError(reply, 400, 'invalid_client_id', 'client identifier invalid');
      if (creds.data.client_secret !== clientSecret) return tokenError(reply, 400, 'invalid_client', 'invalid client credentials');
      return issue(reply, true);
    }
    if (grant === 'password') {
      const creds = PasswordForm.safeParse(form.data);
      if (!creds.success || creds.data.client_id !== clientId) return tokenError(reply, 400, 'invalid_client_id', 'client identifier invalid');
      if (creds.data.client_secret !== clientSecret) return tokenError(reply, 400, 'invalid_client', 'invalid client credentials');
      if (creds.data.username !== username || creds.data.password !== password) return tokenError(reply, 400, 'invalid_grant', 'authentication failure');
      return issue(reply, false);
    }
    if (grant === JWT_GRANT) {
      const body = JwtForm.safeParse(form.data);
      if (!body.success) return tokenError(reply, 400, 'invalid_grant', 'invalid assertion');
      const problem = checkAssertion(body.data.assertion);
      if (problem) return tokenError(reply, 400, problem.error, problem.description);
      return issue(reply, false);
    }
    return tokenError(reply, 400, 'unsupported_grant_type', 'grant type not supported');
  });

  const audiences = () => ['https://login.salesforce.com', 'https://test.salesforce.com', baseUrl, `${baseUrl}/`];

  function checkAssertion(assertion: string): { error: string; description: string } | undefined {
    const parts = assertion.split('.');
    if (parts.length !== 3) return { error: 'invalid_grant', description: 'invalid assertion' };
    const [h = '', p = '', s = ''] = parts;
    let header: z.infer<typeof JwtHeader>;
    let claims: z.infer<typeof JwtClaims>;
    try {
      header = JwtHeader.parse(JSON.parse(Buffer.from(h, 'base64url').toString('utf8')));
      claims = JwtClaims.parse(JSON.parse(Buffer.from(p, 'base64url').toString('utf8')));
    } catch {
      return { error: 'invalid_grant', description: 'invalid assertion' };
    }
    if (header.alg !== 'RS256') return { error: 'invalid_grant', description: 'invalid assertion' };
    if (!verifySignature('RSA-SHA256', Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s, 'base64url'))) {
      return { error: 'invalid_grant', description: 'invalid assertion' };
    }
    if (claims.iss !== clientId) return { error: 'invalid_client_id', description: 'client identifier invalid' };
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.some((a) => audiences().includes(a))) return { error: 'invalid_grant', description: 'audience is invalid' };
    if (claims.exp * 1000 < Date.now()) return { error: 'invalid_grant', description: 'expired authorization code' };
    if (claims.sub !== username) return { error: 'invalid_grant', description: "user hasn't approved this consumer" };
    return undefined;
  }

  function issue(reply: FastifyReply, clientCredentials: boolean) {
    const token = tokens.issue(username);
    tokensIssued += 1;
    const id = `${baseUrl}/id/${ORG_ID}/${USER_ID}`;
    const issuedAt = String(Date.now());
    const signature = createHmac('sha256', clientSecret).update(id + issuedAt).digest('base64');
    return reply.type('application/json').send({
      access_token: token.access_token,
      signature,
      scope: 'api',
      instance_url: baseUrl,
      id,
      token_type: 'Bearer',
      issued_at: issuedAt,
      ...(clientCredentials ? { token_format: 'opaque', api_instance_url: baseUrl } : {}),
    });
  }

  app.post('/services/oauth2/revoke', async (_request, reply) => reply.code(200).send(''));

  app.get('/id/:org/:user', async () => ({
    id: `${baseUrl}/id/${ORG_ID}/${USER_ID}`,
    user_id: USER_ID,
    organization_id: ORG_ID,
    username,
    display_name: 'Integration User',
    email: username,
    active: true,
    user_type: 'STANDARD',
    urls: { rest: `${baseUrl}/services/data/v{version}/`, sobjects: `${baseUrl}/services/data/v{version}/sobjects/`, query: `${baseUrl}/services/data/v{version}/query/` },
  }));

  // ---- Versions and resources ------------------------------------------------------------------
  app.get('/services/data', async () => SUPPORTED_VERSIONS.map((version) => ({ label: RELEASES[version], url: `/services/data/v${version}`, version })));
  app.get('/services/data/', async () => SUPPORTED_VERSIONS.map((version) => ({ label: RELEASES[version], url: `/services/data/v${version}`, version })));
  const resources = async (request: FastifyRequest) => {
    const { version } = VersionParams.parse(request.params);
    const root = `/services/data/${version}`;
    return {
      sobjects: `${root}/sobjects`,
      query: `${root}/query`,
      queryAll: `${root}/queryAll`,
      limits: `${root}/limits`,
      composite: `${root}/composite`,
      identity: `${baseUrl}/id/${ORG_ID}/${USER_ID}`,
    };
  };
  app.get('/services/data/:version', resources);
  app.get('/services/data/:version/', resources);

  app.get('/services/data/:version/limits', async () => {
    const max = displayLimit();
    return {
      DailyApiRequests: { Max: max, Remaining: Math.max(0, max - apiUsed) },
      ConcurrentPerOrgLongTxn: { Max: 25, Remaining: 25 },
      DailyBulkV2QueryJobs: { Max: 10000, Remaining: 10000 },
      DataStorageMB: { Max: 5, Remaining: 5 },
    };
  });

  // ---- Describe ----------------------------------------------------------------------------------
  const objectOr404 = (type: string, reply: FastifyReply): ObjectSchema | undefined => {
    const schema = findObject(type);
    if (!schema) {
      sfError(reply, 404, 'NOT_FOUND', 'The requested resource does not exist');
      return undefined;
    }
    return schema;
  };
  const urlsFor = (version: string, name: string) => ({
    sobject: `/services/data/${version}/sobjects/${name}`,
    describe: `/services/data/${version}/sobjects/${name}/describe`,
    rowTemplate: `/services/data/${version}/sobjects/${name}/{ID}`,
  });
  const objectInfo = (version: string, schema: ObjectSchema) => ({
    name: schema.name,
    label: schema.label,
    labelPlural: schema.labelPlural,
    keyPrefix: schema.keyPrefix,
    custom: false,
    createable: true,
    updateable: true,
    deletable: true,
    queryable: true,
    retrieveable: true,
    searchable: true,
    urls: urlsFor(version, schema.name),
  });
  app.get('/services/data/:version/sobjects', async (request) => {
    const { version } = VersionParams.parse(request.params);
    return { encoding: 'UTF-8', maxBatchSize: 200, sobjects: ['Account', 'Contact'].map((n) => objectInfo(version, findObject(n) as ObjectSchema)) };
  });
  app.get('/services/data/:version/sobjects/:type', async (request, reply) => {
    const { version, type } = TypeParams.parse(request.params);
    const schema = objectOr404(type, reply);
    if (!schema) return reply;
    return { objectDescribe: objectInfo(version, schema), recentItems: [] };
  });
  app.get('/services/data/:version/sobjects/:type/describe', async (request, reply) => {
    const { version, type } = TypeParams.parse(request.params);
    const schema = objectOr404(type, reply);
    if (!schema) return reply;
    return { ...objectInfo(version, schema), fields: schema.fields.map(describeField), childRelationships: [], recordTypeInfos: [] };
  });

  // ---- Single-record sObject resources ----------------------------------------------------------
  const sobjectName = (schema: ObjectSchema): SObjectName => schema.name as SObjectName;
  const duplicateHeader = (request: FastifyRequest) => /allowSave\s*=\s*true/i.test(String(request.headers['sforce-duplicate-rule-header'] ?? ''));
  const singleError = (reply: FastifyReply, error: SaveError) => {
    const status = error.statusCode === 'ENTITY_IS_DELETED' || error.statusCode === 'NOT_FOUND' ? 404 : 400;
    const body = error.duplicateResult
      ? [{ duplicateResut: error.duplicateResult, errorCode: error.statusCode, message: error.message }]
      : [{ message: error.message, errorCode: error.statusCode, fields: error.fields }];
    return reply.code(status).type('application/json').send(body);
  };
  const sendApiError = (reply: FastifyReply, error: unknown) => {
    if (error instanceof ApiError) return sfError(reply, error.status, error.errorCode, error.message, error.fields);
    throw error;
  };
  const bodyObject = (request: FastifyRequest): Record<string, unknown> => {
    const parsed = CollectionRecord.safeParse(request.body ?? {});
    if (!parsed.success || Array.isArray(request.body)) throw new ApiError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
    return parsed.data;
  };

  app.post('/services/data/:version/sobjects/:type', async (request, reply) => {
    const { version, type } = TypeParams.parse(request.params);
    const schema = objectOr404(type, reply);
    if (!schema) return reply;
    try {
      const input = store.normalizeInput(sobjectName(schema), bodyObject(request));
      if ('Id' in input) return sfError(reply, 400, 'INVALID_FIELD', 'Id: cannot specify Id in an insert call', ['Id']);
      const result = store.create(sobjectName(schema), input, { allowDuplicateSave: duplicateHeader(request) });
      if ('statusCode' in result) return singleError(reply, result);
      void version;
      return reply.code(201).send({ id: result.id, success: true, errors: [] });
    } catch (error) {
      return sendApiError(reply, error);
    }
  });

  app.get('/services/data/:version/sobjects/:type/:id', async (request, reply) => {
    const { version, type, id } = IdParams.parse(request.params);
    const schema = objectOr404(type, reply);
    if (!schema) return reply;
    const record = store.get(sobjectName(schema), id);
    if (!record) return notFoundFor(reply, sobjectName(schema), id);
    const fieldsParam = (request.query as Record<string, unknown>).fields;
    let fields: string[] | undefined;
    if (typeof fieldsParam === 'string' && fieldsParam.length > 0) {
      fields = fieldsParam.split(',').map((f) => f.trim());
      const unknown = fields.find((f) => !schema.fields.some((s) => s.name.toLowerCase() === f.toLowerCase()));
      if (unknown) return sfError(reply, 400, 'INVALID_FIELD', `No such column '${unknown}' on entity '${schema.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`);
    }
    return store.present(sobjectName(schema), record, version.slice(1), fields);
  });

  const notFoundFor = (reply: FastifyReply, name: SObjectName, id: string) => {
    const full = to18(id);
    if (!full) return sfError(reply, 400, 'MALFORMED_ID', `malformed id ${id}`);
    if (store.deleted[name].has(full)) return sfError(reply, 404, 'ENTITY_IS_DELETED', 'entity is deleted');
    return sfError(reply, 404, 'NOT_FOUND', 'The requested resource does not exist');
  };

  app.patch('/services/data/:version/sobjects/:type/:id', async (request, reply) => {
    const { type, id } = IdParams.parse(request.params);
    const schema = objectOr404(type, reply);
    if (!schema) return reply;
    const name = sobjectName(schema);
    if (!store.get(name, id)) return notFoundFor(reply, name, id);
    try {
      const input = store.normalizeInput(name, bodyObject(request));
      delete input.Id;
      const result = store.update(name, id, input, { allowDuplicateSave: duplicateHeader(request) });
      if ('statusCode' in result) return singleError(reply, result);
      return reply.code(204).send();
    } catch (error) {
      return sendApiError(reply, error);
    }
  });

  app.delete('/services/data/:version/sobjects/:type/:id', async (request, reply) => {
    const { type, id } = IdParams.parse(request.params);
    const schema = objectOr404(type, reply);
    if (!schema) return reply;
    const name = sobjectName(schema);
    if (!store.get(name, id)) return notFoundFor(reply, name, id);
    store.remove(name, id);
    return reply.code(204).send();
  });

  // ---- SOQL --------------------------------------------------------------------------------------
  const readField = (record: Record<string, unknown>, ref: FieldRef): unknown => {
    if (!ref.relationship) return record[ref.field.name];
    const targetId = record[ref.relationship.viaField];
    if (typeof targetId !== 'string') return null;
    const target = store.get(ref.relationship.target.name as SObjectName, targetId);
    return target ? target[ref.field.name] : null;
  };

  const project = (query: SoqlQuery, record: SalesforceRecord, version: string): Record<string, unknown> => {
    const name = query.object.name;
    const out: Record<string, unknown> = { attributes: { type: name, url: `/services/data/${version}/sobjects/${name}/${record.Id}` } };
    for (const ref of query.fields) {
      if (!ref.relationship) {
        out[ref.field.name] = ref.field.type === 'address' ? store.address(record, ref.field.name) : (record[ref.field.name] ?? null);
        continue;
      }
      const rel = ref.relationship;
      const targetId = record[rel.viaField];
      const target = typeof targetId === 'string' ? store.get(rel.target.name as SObjectName, targetId) : undefined;
      if (!target) {
        out[rel.name] = null;
        continue;
      }
      const existing = out[rel.name];
      const nested: Record<string, unknown> =
        existing && typeof existing === 'object' ? (existing as Record<string, unknown>) : { attributes: { type: rel.target.name, url: `/services/data/${version}/sobjects/${rel.target.name}/${target.Id}` } };
      nested[ref.field.name] = target[ref.field.name] ?? null;
      out[rel.name] = nested;
    }
    return out;
  };

  const batchFrom = (request: FastifyRequest): number => {
    const header = String(request.headers['sforce-query-options'] ?? '');
    const match = /batchSize\s*=\s*(\d+)/i.exec(header);
    return match ? clamp(Number(match[1])) : batchSize;
  };

  const page = (version: string, locator: string, open: OpenQuery, offset: number) => {
    const rows = open.rows.slice(offset, offset + open.batchSize);
    const nextOffset = offset + rows.length;
    const done = nextOffset >= open.rows.length;
    if (done) queries.delete(locator);
    return {
      totalSize: open.rows.length,
      done,
      ...(done ? {} : { nextRecordsUrl: `/services/data/${version}/query/${locator}-${nextOffset}` }),
      records: rows,
    };
  };

  const runQuery = async (request: FastifyRequest, reply: FastifyReply) => {
    const { version } = VersionParams.parse(request.params);
    const { q } = QueryString.parse(request.query);
    if (!q) return sfError(reply, 400, 'MALFORMED_QUERY', 'A query string has to be specified');
    let query: SoqlQuery;
    try {
      query = parseSoql(q);
    } catch (error) {
      if (error instanceof SoqlError) return sfError(reply, 400, error.errorCode, error.message);
      throw error;
    }
    const name = query.object.name as SObjectName;
    let matched = [...store.records[name].values()].filter((r) => !query.where || evaluate(query.where, r, readField));
    if (query.count) return { totalSize: matched.length, done: true, records: [] };
    matched = sortRecords(matched, query.orderBy, readField) as SalesforceRecord[];
    if (query.offset) matched = matched.slice(query.offset);
    if (query.limit !== undefined) matched = matched.slice(0, query.limit);
    const open: OpenQuery = { rows: matched.map((r) => project(query, r, version)), batchSize: batchFrom(request), expiresAt: Date.now() + 15 * 60_000 };
    queryCounter += 1;
    const locator = `01gUx${String(queryCounter).padStart(10, '0')}AAA`;
    expireQueries();
    queries.set(locator, open);
    return page(version, locator, open, 0);
  };

  const expireQueries = () => {
    const now = Date.now();
    for (const [key, open] of queries) if (open.expiresAt < now) queries.delete(key);
    // Salesforce keeps a bounded number of open cursors per user; drop the oldest.
    while (queries.size > 50) {
      const oldest = queries.keys().next().value;
      if (oldest === undefined) break;
      queries.delete(oldest);
    }
  };

  app.get('/services/data/:version/query', runQuery);
  app.get('/services/data/:version/queryAll', runQuery);
  const queryMore = async (request: FastifyRequest, reply: FastifyReply) => {
    const { version, locator: full } = z.object({ version: z.string(), locator: z.string() }).parse(request.params);
    const match = /^(.+)-(\d+)$/.exec(full);
    const open = match ? queries.get(match[1] ?? '') : undefined;
    if (!match || !open || open.expiresAt < Date.now()) return sfError(reply, 400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    return page(version, match[1] ?? '', open, Number(match[2]));
  };
  app.get('/services/data/:version/query/:locator', queryMore);
  app.get('/services/data/:version/queryAll/:locator', queryMore);

  // ---- sObject Collections -------------------------------------------------------------------------
  const rolledBack = { statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: 'Record rolled back because not all records were valid and the request was using AllOrNone header', fields: [] };
  const collectionError = (error: SaveError) => ({
    statusCode: error.statusCode,
    message: error.message,
    fields: error.fields,
    ...(error.duplicateResult ? { duplicateResult: error.duplicateResult } : {}),
  });

  const parseCollection = (request: FastifyRequest) => {
    const parsed = CollectionBody.safeParse(request.body);
    if (!parsed.success) throw new ApiError(400, 'JSON_PARSER_ERROR', 'The request body must be {"allOrNone":boolean,"records":[…]}');
    if (parsed.data.records.length > MAX_COLLECTION) {
      throw new ApiError(400, 'EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${MAX_COLLECTION} records into this call`);
    }
    return parsed.data.records.map((raw) => {
      const attributes = z.object({ type: z.string() }).safeParse(raw.attributes);
      const schema = attributes.success ? findObject(attributes.data.type) : undefined;
      if (!schema) throw new ApiError(400, 'INVALID_TYPE', 'Must send a concrete entity type.');
      const name = sobjectName(schema);
      const { id, ...rest } = raw;
      return { name, id: typeof id === 'string' ? id : undefined, input: store.normalizeInput(name, rest) };
    });
  };

  app.post('/services/data/:version/composite/sobjects', async (request, reply) => {
    try {
      const allOrNone = (request.body as { allOrNone?: unknown } | undefined)?.allOrNone === true;
      const rows = parseCollection(request);
      const options = { allowDuplicateSave: duplicateHeader(request) };
      if (!allOrNone) {
        return rows.map((row) => {
          if (row.id !== undefined || 'Id' in row.input) return { success: false, errors: [{ statusCode: 'INVALID_FIELD', message: 'cannot specify Id in an insert call', fields: ['Id'] }] };
          const result = store.create(row.name, row.input, options);
          return 'statusCode' in result ? { success: false, errors: [collectionError(result)] } : { id: result.id, success: true, errors: [] };
        });
      }
      const pending: SalesforceRecord[] = [];
      const outcomes = rows.map((row) => {
        if (row.id !== undefined || 'Id' in row.input) return { error: { statusCode: 'INVALID_FIELD', message: 'cannot specify Id in an insert call', fields: ['Id'] } as SaveError };
        const result = store.validate(row.name, row.input, undefined, options, pending);
        if (!result.ok) return { error: result.error };
        const record = store.build(row.name, result.values);
        pending.push(record);
        return { record, name: row.name };
      });
      if (outcomes.some((o) => 'error' in o)) {
        return outcomes.map((o) => ({ success: false, errors: ['error' in o && o.error ? [collectionError(o.error)] : [rolledBack]][0] }));
      }
      return outcomes.map((o) => {
        if (!('record' in o) || !o.record || !o.name) throw new Error('unreachable');
        store.store(o.name, o.record);
        return { id: o.record.Id, success: true, errors: [] };
      });
    } catch (error) {
      return sendApiError(reply, error);
    }
  });

  app.patch('/services/data/:version/composite/sobjects', async (request, reply) => {
    try {
      const allOrNone = (request.body as { allOrNone?: unknown } | undefined)?.allOrNone === true;
      const rows = parseCollection(request);
      const options = { allowDuplicateSave: duplicateHeader(request) };
      const checked = rows.map((row) => {
        const id = row.id ?? (typeof row.input.Id === 'string' ? row.input.Id : undefined);
        delete row.input.Id;
        if (!id) return { id, error: { statusCode: 'MISSING_ARGUMENT', message: 'Id not specified in an update call', fields: [] } as SaveError };
        const existing = store.get(row.name, id);
        if (!existing) return { id, error: store.missing(row.name, id) };
        if (!allOrNone) {
          const result = store.update(row.name, id, row.input, options);
          return 'statusCode' in result ? { id, error: result } : { id: result.id };
        }
        const result = store.validate(row.name, row.input, existing, options);
        return result.ok ? { id: existing.Id, apply: () => store.applyUpdate(row.name, existing, result.values) } : { id, error: result.error };
      });
      const failed = checked.some((c) => 'error' in c);
      return checked.map((c) => {
        if ('error' in c && c.error) return { id: c.id, success: false, errors: [collectionError(c.error)] };
        if (allOrNone && failed) return { id: c.id, success: false, errors: [rolledBack] };
        if ('apply' in c && c.apply) c.apply();
        return { id: c.id, success: true, errors: [] };
      });
    } catch (error) {
      return sendApiError(reply, error);
    }
  });

  app.delete('/services/data/:version/composite/sobjects', async (request, reply) => {
    const query = z.object({ ids: z.string().optional(), allOrNone: z.string().optional() }).parse(request.query);
    const ids = (query.ids ?? '').split(',').filter((id) => id.length > 0);
    if (ids.length === 0) return sfError(reply, 400, 'MISSING_ARGUMENT', 'ids parameter is required');
    if (ids.length > MAX_COLLECTION) return sfError(reply, 400, 'EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${MAX_COLLECTION} records into this call`);
    const located = ids.map((id) => {
      const name = (['Contact', 'Account'] as const).find((n) => store.get(n, id));
      return { id, name };
    });
    const allOrNone = query.allOrNone === 'true';
    const anyMissing = located.some((l) => !l.name);
    return located.map((l) => {
      if (!l.name) {
        const error = store.missing(to18(l.id)?.startsWith('001') ? 'Account' : 'Contact', l.id);
        return { id: l.id, success: false, errors: [collectionError(error)] };
      }
      if (allOrNone && anyMissing) return { id: l.id, success: false, errors: [rolledBack] };
      store.remove(l.name, l.id);
      return { id: l.id, success: true, errors: [] };
    });
  });

  const retrieveMany = (request: FastifyRequest, reply: FastifyReply, ids: string[], fields: string[]) => {
    const { version, type } = TypeParams.parse(request.params);
    const schema = objectOr404(type, reply);
    if (!schema) return reply;
    if (ids.length > 2000) return sfError(reply, 400, 'EXCEEDED_ID_LIMIT', 'too many ids');
    const unknown = fields.find((f) => !schema.fields.some((s) => s.name.toLowerCase() === f.toLowerCase()));
    if (unknown) return sfError(reply, 400, 'INVALID_FIELD', `No such column '${unknown}' on entity '${schema.name}'.`);
    return ids.map((id) => {
      const record = store.get(sobjectName(schema), id);
      return record ? store.present(sobjectName(schema), record, version.slice(1), fields) : null;
    });
  };
  app.post('/services/data/:version/composite/sobjects/:type', async (request, reply) => {
    const body = RetrieveBody.safeParse(request.body);
    if (!body.success) return sfError(reply, 400, 'JSON_PARSER_ERROR', 'The request body must be {"ids":[…],"fields":[…]}');
    return retrieveMany(request, reply, body.data.ids, body.data.fields);
  });
  app.get('/services/data/:version/composite/sobjects/:type', async (request, reply) => {
    const query = z.object({ ids: z.string().default(''), fields: z.string().default('') }).parse(request.query);
    const split = (s: string) => s.split(',').map((x) => x.trim()).filter((x) => x.length > 0);
    return retrieveMany(request, reply, split(query.ids), split(query.fields));
  });

  const baseUrl = await sim.listen(options.port ?? 0);
  const tokenUrl = `${baseUrl}/services/oauth2/token`;

  const toMs = (value: string | Date | undefined): number | undefined => (value === undefined ? undefined : value instanceof Date ? value.getTime() : Date.parse(value));
  const requireRecord = (type: SObjectName, id: string): SalesforceRecord => {
    const record = store.get(type, id);
    if (!record) throw new Error(`No ${type} with id ${id} in the simulator`);
    return record;
  };

  const data: SalesforceSimulatorData = {
    insert(type, fields, insertOptions = {}) {
      const input = store.normalizeInput(type, fields);
      let values = input;
      if (insertOptions.validate) {
        const result = store.validate(type, input, undefined, {});
        if (!result.ok) throw new Error(`${result.error.statusCode}: ${result.error.message}`);
        values = result.values;
      } else if ('AccountId' in values && typeof values.AccountId === 'string') {
        values = { ...values, AccountId: to18(values.AccountId) ?? values.AccountId };
      }
      const created = toMs(insertOptions.createdDate) ?? Date.now();
      const record = store.build(type, values, created);
      const modified = toMs(insertOptions.lastModifiedDate);
      if (modified !== undefined) {
        record.LastModifiedDate = sfDateTime(modified);
        record.SystemModstamp = record.LastModifiedDate;
      }
      store.store(type, record);
      return { ...record };
    },
    update(type, id, fields, updateOptions = {}) {
      const record = requireRecord(type, id);
      store.applyUpdate(type, record, store.normalizeInput(type, fields), toMs(updateOptions.lastModifiedDate) ?? Date.now());
      return { ...record };
    },
    get: (type, id) => {
      const record = store.get(type, id);
      return record ? { ...record } : undefined;
    },
    all: (type) => [...store.records[type].values()].map((r) => ({ ...r })),
    count: (type) => store.records[type].size,
    remove: (type, id) => !('statusCode' in store.remove(type, id)),
  };

  const control: SalesforceSimulatorControl = {
    expireTokens: () => tokens.expireAll(),
    revokeTokens: () => tokens.revokeAll(),
    setDuplicateRule: (mode) => {
      store.duplicateRule = mode;
    },
    setQueryBatchSize: (size) => {
      batchSize = clamp(size);
    },
    async faults(settings) {
      const response = await fetch(`${baseUrl}/__control/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(settings) });
      if (!response.ok) throw new Error(`fault settings rejected: ${await response.text()}`);
    },
    tokensIssued: () => tokensIssued,
    apiRequests: () => apiUsed,
  };

  return {
    system: 'salesforce',
    baseUrl,
    subscriptionSettings: { loginUrl: baseUrl, clientId, clientSecret, grantType: 'client_credentials', apiVersion: '62.0', contactPollDays: 7 },
    connectionInfo: { system: 'salesforce', baseUrl, tokenUrl, loginUrl: baseUrl, clientId, clientSecret, apiVersion: '62.0', username },
    data,
    control,
    jwt: { clientId, username, privateKey: privateKeyPem, audience: 'https://login.salesforce.com' },
    close: () => sim.close(),
  };
}

function clamp(size: number): number {
  return Math.min(2000, Math.max(200, Math.trunc(size)));
}
