/**
 * Salesforce connector on jsforce 3: OAuth 2.0 client credentials or JWT bearer, SOQL query +
 * queryMore paging for list/poll/findBy, sObject retrieve for get, sObject Collections for writes.
 *
 * Every HTTP call goes through `ctx.gate`. Calls use `Connection.request` with jsforce's own
 * retries switched off (the sync engine owns retries, Retry-After and quota pauses) and a
 * transport wrapper that keeps the raw status and headers for error mapping.
 */
import { sign as signPayload, createPrivateKey } from 'node:crypto';
import jsforce from 'jsforce';
import type { Connection, HttpRequest } from 'jsforce';
import { z } from 'zod';
import { ConnectorError, type ConnectionCheck, type Connector, type ConnectorContext, type ExternalRecord, type Page } from '../types.js';
import { fromSalesforceError, toConnectorError, type RawResponse } from './errors.js';
import { pollWindowStart, SalesforceSettingsSchema, type SalesforceSettings } from './settings.js';

export const SALESFORCE_ENTITIES = ['Contact', 'Account'] as const;
export type SalesforceEntity = (typeof SALESFORCE_ENTITIES)[number];

/** Standard fields read per entity (intersected with describe); every custom field is added too. */
const STANDARD_FIELDS: Record<SalesforceEntity, string[]> = {
  Contact: [
    'Id',
    'Salutation',
    'FirstName',
    'LastName',
    'Name',
    'Email',
    'Phone',
    'MobilePhone',
    'Title',
    'Department',
    'AccountId',
    'MailingStreet',
    'MailingCity',
    'MailingState',
    'MailingPostalCode',
    'MailingCountry',
    'Birthdate',
    'LeadSource',
    'OwnerId',
    'CreatedDate',
    'LastModifiedDate',
    'SystemModstamp',
  ],
  Account: [
    'Id',
    'Name',
    'AccountNumber',
    'Type',
    'Industry',
    'ParentId',
    'Phone',
    'Website',
    'BillingStreet',
    'BillingCity',
    'BillingState',
    'BillingPostalCode',
    'BillingCountry',
    'ShippingStreet',
    'ShippingCity',
    'ShippingState',
    'ShippingPostalCode',
    'ShippingCountry',
    'Description',
    'OwnerId',
    'CreatedDate',
    'LastModifiedDate',
    'SystemModstamp',
  ],
};
/** Parent relationship fields added to queries (`Account.Name` on Contact). */
const RELATIONSHIP_FIELDS: Record<SalesforceEntity, Array<{ via: string; path: string }>> = {
  Contact: [{ via: 'AccountId', path: 'Account.Name' }],
  Account: [],
};

const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const COLLECTION_LIMIT = 200;

const TokenResponse = z.object({ access_token: z.string().min(1), instance_url: z.string().url(), id: z.string().optional() }).passthrough();
const DescribeResult = z
  .object({
    name: z.string(),
    fields: z.array(z.object({ name: z.string(), type: z.string(), custom: z.boolean().optional(), createable: z.boolean().optional(), updateable: z.boolean().optional() }).passthrough()),
  })
  .passthrough();
type DescribeResult = z.infer<typeof DescribeResult>;
const SfRecord = z.record(z.unknown());
const QueryResult = z.object({ totalSize: z.number(), done: z.boolean(), nextRecordsUrl: z.string().optional(), records: z.array(SfRecord) });
const SaveError = z.object({ statusCode: z.string(), message: z.string(), fields: z.array(z.string()).optional() }).passthrough();
const SaveResult = z.object({ id: z.string().nullish(), success: z.boolean(), errors: z.array(SaveError) });
const SaveResults = z.array(SaveResult);
const Versions = z.array(z.object({ version: z.string(), url: z.string(), label: z.string().optional() }));
const Resources = z.record(z.string());
const CURSOR = /^\/services\/data\/v\d+\.\d\/query(?:All)?\/[A-Za-z0-9-]+$/;

interface TransportLike {
  httpRequest(request: HttpRequest, options?: object): PromiseLike<RawResponse> & object;
}

/** Escapes a value for a quoted SOQL string literal (`'O\'Brien'`). */
export function escapeSoqlString(value: string): string {
  return value.replace(/[\\'"\n\r\t\b\f]/g, (c) => {
    switch (c) {
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      case '\b':
        return '\\b';
      case '\f':
        return '\\f';
      default:
        return `\\${c}`;
    }
  });
}

/** A SOQL datetime literal (unquoted, UTC, whole seconds). */
export function soqlDateTime(iso: string): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) throw new ConnectorError('permanent', 'INVALID_DATETIME', `Not a valid date/time: ${iso}`);
  return new Date(Math.floor(at / 1000) * 1000).toISOString().replace(/\.000Z$/, 'Z');
}

/** Salesforce datetime (`2024-05-01T10:00:00.000+0000`) → ISO 8601 UTC. */
function isoFromSalesforce(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const at = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(at) ? value : new Date(at).toISOString();
}

function audienceFor(loginUrl: string): string {
  const host = new URL(loginUrl).hostname;
  return host === 'test.salesforce.com' || host.includes('.sandbox.') ? 'https://test.salesforce.com' : 'https://login.salesforce.com';
}

export class SalesforceConnector implements Connector {
  readonly system = 'salesforce' as const;
  private readonly settings?: SalesforceSettings;
  private readonly settingsError?: ConnectorError;
  private session?: Promise<Connection>;
  private readonly describes = new Map<SalesforceEntity, Promise<DescribeResult>>();

  constructor(private readonly ctx: ConnectorContext) {
    const parsed = SalesforceSettingsSchema.safeParse({ ...ctx.settings, ...ctx.secrets });
    if (parsed.success) this.settings = parsed.data;
    else {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'settings'}: ${i.message}`).join('; ');
      this.settingsError = new ConnectorError('permanent', 'SALESFORCE_SETTINGS_INVALID', `Salesforce settings are invalid: ${detail}`, { field: String(parsed.error.issues[0]?.path[0] ?? '') });
    }
  }

  private config(): SalesforceSettings {
    if (!this.settings) throw this.settingsError ?? new ConnectorError('permanent', 'SALESFORCE_SETTINGS_INVALID', 'Salesforce settings are invalid');
    return this.settings;
  }

  // ---- authentication -------------------------------------------------------------------------

  private async authenticate(): Promise<Connection> {
    const s = this.config();
    let params: { grant_type: string; [name: string]: string };
    let oauth2: InstanceType<typeof jsforce.OAuth2>;
    if (s.grantType === 'jwt_bearer') {
      oauth2 = new jsforce.OAuth2({ loginUrl: s.loginUrl });
      params = { grant_type: JWT_GRANT, assertion: this.assertion(s) };
    } else {
      oauth2 = new jsforce.OAuth2({ loginUrl: s.loginUrl, clientId: s.clientId, clientSecret: s.clientSecret });
      params = { grant_type: 'client_credentials' };
    }
    let raw: unknown;
    try {
      raw = await this.ctx.gate(() => oauth2.requestToken(params));
    } catch (error) {
      throw toConnectorError(error);
    }
    const token = TokenResponse.safeParse(raw);
    if (!token.success) throw new ConnectorError('permanent', 'SALESFORCE_AUTH_FAILED', 'Salesforce token response is missing access_token or instance_url');
    // No clientId on the connection's OAuth2: jsforce then installs no refresh delegate, so a 401
    // surfaces here and the connector re-authenticates through the gate itself.
    const conn = new jsforce.Connection({ instanceUrl: token.data.instance_url, accessToken: token.data.access_token, version: s.apiVersion });
    this.ctx.log.info('salesforce: authenticated', { grantType: s.grantType, instanceUrl: token.data.instance_url });
    return conn;
  }

  private assertion(s: SalesforceSettings): string {
    let key;
    try {
      key = createPrivateKey((s.privateKey ?? '').replace(/\\n/g, '\n'));
    } catch (error) {
      throw new ConnectorError('permanent', 'SALESFORCE_AUTH_FAILED', 'Private Key is not a valid PEM private key', { field: 'privateKey', cause: error });
    }
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const body = `${encode({ alg: 'RS256' })}.${encode({ iss: s.clientId, sub: s.username, aud: audienceFor(s.loginUrl), exp: Math.floor(Date.now() / 1000) + 180 })}`;
    return `${body}.${signPayload('RSA-SHA256', Buffer.from(body), key).toString('base64url')}`;
  }

  private connection(): Promise<Connection> {
    if (!this.session) {
      const pending = this.authenticate();
      this.session = pending;
      pending.catch(() => {
        if (this.session === pending) this.session = undefined;
      });
    }
    return this.session;
  }

  /** One REST call through the gate; on INVALID_SESSION_ID re-authenticates once and retries. */
  private async call<T>(request: HttpRequest, parse: z.ZodType<T>): Promise<T> {
    const session = this.connection();
    const conn = await session;
    try {
      return parse.parse(await this.send(conn, request));
    } catch (error) {
      if (!(error instanceof ConnectorError) || error.code !== 'INVALID_SESSION_ID') throw this.wireError(error);
      // Only the first request to notice drops the session; concurrent ones reuse the new login.
      if (this.session === session) this.session = undefined;
      this.ctx.log.warn('salesforce: session expired or revoked, re-authenticating');
      const fresh = await this.connection();
      try {
        return parse.parse(await this.send(fresh, request));
      } catch (retryError) {
        if (retryError instanceof ConnectorError && retryError.code === 'INVALID_SESSION_ID') {
          this.session = undefined;
          throw new ConnectorError('auth', 'INVALID_SESSION_ID', 'Salesforce rejected a freshly issued session (INVALID_SESSION_ID); check the connected app and the run-as user', {
            status: 401,
            cause: retryError,
          });
        }
        throw this.wireError(retryError);
      }
    }
  }

  private wireError(error: unknown): unknown {
    if (error instanceof z.ZodError) {
      return new ConnectorError('permanent', 'SALESFORCE_UNEXPECTED_RESPONSE', `Unexpected Salesforce response: ${error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, {
        cause: error,
      });
    }
    return error;
  }

  private send(conn: Connection, request: HttpRequest): Promise<unknown> {
    return this.ctx.gate(async () => {
      let response: RawResponse | undefined;
      const inner = conn._transport as unknown as TransportLike;
      const transport: TransportLike = {
        httpRequest(req, options) {
          const pending = inner.httpRequest(req, options);
          pending.then(
            (res) => {
              response = res;
            },
            () => undefined,
          );
          return pending;
        },
      };
      try {
        return await conn.request<unknown>({ ...request, headers: { ...(request.headers ?? {}) } }, { transport, retry: { maxRetries: 0 } });
      } catch (error) {
        throw toConnectorError(error, response);
      }
    });
  }

  // ---- metadata ---------------------------------------------------------------------------------

  private entity(name: string): SalesforceEntity {
    const found = SALESFORCE_ENTITIES.find((e) => e.toLowerCase() === name.toLowerCase());
    if (!found) throw new ConnectorError('permanent', 'UNKNOWN_ENTITY', `Salesforce connector has no entity "${name}" (known: ${SALESFORCE_ENTITIES.join(', ')})`);
    return found;
  }

  private describe(entity: SalesforceEntity): Promise<DescribeResult> {
    let pending = this.describes.get(entity);
    if (!pending) {
      pending = this.call({ method: 'GET', url: `/sobjects/${entity}/describe` }, DescribeResult);
      this.describes.set(entity, pending);
      pending.catch(() => this.describes.delete(entity));
    }
    return pending;
  }

  /** Fields read for an entity: the standard list that exists in this org plus every custom field. */
  private async fields(entity: SalesforceEntity, withRelationships: boolean): Promise<{ select: string[]; datetime: Set<string> }> {
    const describe = await this.describe(entity);
    const names = new Set(describe.fields.map((f) => f.name));
    const select = STANDARD_FIELDS[entity].filter((f) => names.has(f));
    for (const field of describe.fields) if (field.custom && field.type !== 'address' && field.type !== 'location' && !select.includes(field.name)) select.push(field.name);
    if (withRelationships) for (const rel of RELATIONSHIP_FIELDS[entity]) if (names.has(rel.via)) select.push(rel.path);
    return { select, datetime: new Set(describe.fields.filter((f) => f.type === 'datetime').map((f) => f.name)) };
  }

  private toRecord(raw: Record<string, unknown>, datetime: Set<string>): ExternalRecord {
    const data: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw)) {
      if (key === 'attributes') continue;
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        // Parent relationship (`Account: {attributes, Name}`): keep its fields without attributes.
        const { attributes: _attributes, ...rest } = value as Record<string, unknown>;
        data[key] = rest;
        continue;
      }
      data[key] = datetime.has(key) ? isoFromSalesforce(value) : value;
    }
    const id = typeof data.Id === 'string' ? data.Id : '';
    const modifiedAt = typeof data.LastModifiedDate === 'string' ? data.LastModifiedDate : undefined;
    return { id, data, ...(modifiedAt ? { modifiedAt } : {}) };
  }

  private checkId(id: string): string {
    if (!/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(id)) {
      throw new ConnectorError('permanent', 'MALFORMED_ID', `"${id}" is not a Salesforce record Id (15 or 18 letters and digits, e.g. 003Ux00000ABcdEFGH)`);
    }
    return id;
  }

  // ---- reads --------------------------------------------------------------------------------------

  async get(entityName: string, externalId: string): Promise<ExternalRecord | null> {
    const entity = this.entity(entityName);
    const id = this.checkId(externalId.trim());
    const { select, datetime } = await this.fields(entity, false);
    try {
      const raw = await this.call({ method: 'GET', url: `/sobjects/${entity}/${id}?fields=${select.join(',')}` }, SfRecord);
      return this.toRecord(raw, datetime);
    } catch (error) {
      if (error instanceof ConnectorError && error.kind === 'not_found') return null;
      throw error;
    }
  }

  private async query(soql: string, pageSize: number | undefined, datetime: Set<string>): Promise<Page> {
    const headers = pageSize ? { 'Sforce-Query-Options': `batchSize=${Math.min(2000, Math.max(200, Math.trunc(pageSize)))}` } : undefined;
    const result = await this.call({ method: 'GET', url: `/query?q=${encodeURIComponent(soql)}`, ...(headers ? { headers } : {}) }, QueryResult);
    return this.page(result, datetime);
  }

  private page(result: z.infer<typeof QueryResult>, datetime: Set<string>): Page {
    return {
      records: result.records.map((r) => this.toRecord(r, datetime)),
      total: result.totalSize,
      ...(result.done || !result.nextRecordsUrl ? {} : { next: result.nextRecordsUrl }),
    };
  }

  private async more(entity: SalesforceEntity, cursor: string, pageSize: number | undefined): Promise<Page> {
    const path = cursor.startsWith('http') ? new URL(cursor).pathname : cursor;
    if (!CURSOR.test(path)) throw new ConnectorError('permanent', 'INVALID_CURSOR', `Not a Salesforce nextRecordsUrl: ${cursor}`);
    const { datetime } = await this.fields(entity, true);
    const headers = pageSize ? { 'Sforce-Query-Options': `batchSize=${Math.min(2000, Math.max(200, Math.trunc(pageSize)))}` } : undefined;
    const result = await this.call({ method: 'GET', url: path, ...(headers ? { headers } : {}) }, QueryResult);
    return this.page(result, datetime);
  }

  async list(entityName: string, options: { cursor?: string; pageSize?: number }): Promise<Page> {
    const entity = this.entity(entityName);
    if (options.cursor) return this.more(entity, options.cursor, options.pageSize);
    const { select, datetime } = await this.fields(entity, true);
    return this.query(`SELECT ${select.join(', ')} FROM ${entity} ORDER BY Id`, options.pageSize, datetime);
  }

  async poll(entityName: string, options: { since: string; cursor?: string; pageSize?: number }): Promise<Page> {
    const entity = this.entity(entityName);
    if (options.cursor) return this.more(entity, options.cursor, options.pageSize);
    const since = pollWindowStart(options.since, this.config());
    const { select, datetime } = await this.fields(entity, true);
    const soql = `SELECT ${select.join(', ')} FROM ${entity} WHERE LastModifiedDate >= ${soqlDateTime(since)} ORDER BY LastModifiedDate, Id`;
    return this.query(soql, options.pageSize, datetime);
  }

  async findBy(entityName: string, field: string, value: string): Promise<ExternalRecord[]> {
    const entity = this.entity(entityName);
    const describe = await this.describe(entity);
    const target = describe.fields.find((f) => f.name.toLowerCase() === field.toLowerCase());
    if (!target) throw new ConnectorError('permanent', 'INVALID_FIELD', `Salesforce ${entity} has no field "${field}"`, { field });
    let literal: string;
    switch (target.type) {
      case 'boolean':
        if (!/^(true|false)$/i.test(value)) throw new ConnectorError('permanent', 'INVALID_FIELD', `${target.name} is a checkbox; "${value}" is not true/false`, { field: target.name });
        literal = value.toLowerCase();
        break;
      case 'int':
      case 'double':
      case 'currency':
      case 'percent':
        if (!/^-?\d+(\.\d+)?$/.test(value)) throw new ConnectorError('permanent', 'INVALID_FIELD', `${target.name} is a number; "${value}" is not`, { field: target.name });
        literal = value;
        break;
      case 'datetime':
        literal = soqlDateTime(value);
        break;
      case 'date':
        if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new ConnectorError('permanent', 'INVALID_FIELD', `${target.name} is a date; "${value}" is not YYYY-MM-DD`, { field: target.name });
        literal = value;
        break;
      default:
        literal = `'${escapeSoqlString(value)}'`;
    }
    const { select, datetime } = await this.fields(entity, true);
    const page = await this.query(`SELECT ${select.join(', ')} FROM ${entity} WHERE ${target.name} = ${literal} ORDER BY Id LIMIT 200`, undefined, datetime);
    return page.records;
  }

  // ---- writes ---------------------------------------------------------------------------------------

  private body(data: Record<string, unknown>): Record<string, unknown> {
    const { Id: _id, id: _lowerId, attributes: _attributes, ...rest } = data;
    return rest;
  }

  private rowError(errors: z.infer<typeof SaveError>[]): ConnectorError {
    const first = errors[0];
    if (!first) return new ConnectorError('permanent', 'SALESFORCE_SAVE_FAILED', 'Salesforce did not save the record and gave no reason');
    const mapped = fromSalesforceError({ ...first, errorCode: first.statusCode });
    if (errors.length === 1) return mapped;
    const rest = errors.slice(1).map((e) => `${e.statusCode}: ${e.message}`).join('; ');
    return new ConnectorError(mapped.kind, mapped.code, `${mapped.message}; also ${rest}`, { field: mapped.field, resetAt: mapped.resetAt, retryAfterMs: mapped.retryAfterMs });
  }

  private async retrieveMany(entity: SalesforceEntity, ids: string[]): Promise<Map<string, ExternalRecord>> {
    const { select, datetime } = await this.fields(entity, false);
    const out = new Map<string, ExternalRecord>();
    if (ids.length === 0) return out;
    const rows = await this.call({ method: 'POST', url: `/composite/sobjects/${entity}`, body: JSON.stringify({ ids, fields: select }), headers: { 'content-type': 'application/json' } }, z.array(SfRecord.nullable()));
    for (const row of rows) if (row) out.set(String(row.Id), this.toRecord(row, datetime));
    return out;
  }

  async createMany(entityName: string, rows: Record<string, unknown>[]): Promise<Array<ExternalRecord | ConnectorError>> {
    const entity = this.entity(entityName);
    const out: Array<ExternalRecord | ConnectorError> = [];
    for (let start = 0; start < rows.length; start += COLLECTION_LIMIT) {
      const chunk = rows.slice(start, start + COLLECTION_LIMIT);
      const records = chunk.map((row) => ({ attributes: { type: entity }, ...this.body(row) }));
      const results = await this.call(
        { method: 'POST', url: '/composite/sobjects', body: JSON.stringify({ allOrNone: false, records }), headers: { 'content-type': 'application/json' } },
        SaveResults,
      );
      if (results.length !== chunk.length) throw new ConnectorError('permanent', 'SALESFORCE_UNEXPECTED_RESPONSE', `Salesforce returned ${results.length} results for ${chunk.length} records`);
      const saved = await this.retrieveMany(
        entity,
        results.filter((r) => r.success && r.id).map((r) => r.id as string),
      );
      for (const [index, result] of results.entries()) {
        if (!result.success || !result.id) {
          out.push(this.rowError(result.errors));
          continue;
        }
        out.push(saved.get(result.id) ?? { id: result.id, data: { Id: result.id, ...this.body(chunk[index] ?? {}) } });
      }
    }
    return out;
  }

  async create(entityName: string, data: Record<string, unknown>): Promise<ExternalRecord> {
    const [result] = await this.createMany(entityName, [data]);
    if (!result) throw new ConnectorError('permanent', 'SALESFORCE_UNEXPECTED_RESPONSE', 'Salesforce returned no result for the create');
    if (result instanceof ConnectorError) throw result;
    return result;
  }

  /** `etag` is not used: Salesforce REST has no ETags on sObject rows (last write wins). */
  async update(entityName: string, externalId: string, data: Record<string, unknown>): Promise<ExternalRecord> {
    const entity = this.entity(entityName);
    const id = this.checkId(externalId.trim());
    const records = [{ attributes: { type: entity }, id, ...this.body(data) }];
    const results = await this.call(
      { method: 'PATCH', url: '/composite/sobjects', body: JSON.stringify({ allOrNone: false, records }), headers: { 'content-type': 'application/json' } },
      SaveResults,
    );
    const result = results[0];
    if (!result) throw new ConnectorError('permanent', 'SALESFORCE_UNEXPECTED_RESPONSE', 'Salesforce returned no result for the update');
    if (!result.success) throw this.rowError(result.errors);
    const saved = await this.get(entity, id);
    if (!saved) throw new ConnectorError('not_found', 'NOT_FOUND', `Salesforce ${entity} ${id} disappeared right after the update`);
    return saved;
  }

  async delete(entityName: string, externalId: string): Promise<void> {
    const entity = this.entity(entityName);
    const id = this.checkId(externalId.trim());
    await this.call({ method: 'DELETE', url: `/sobjects/${entity}/${id}` }, z.unknown());
  }

  // ---- test connection --------------------------------------------------------------------------------

  async testConnection(): Promise<ConnectionCheck[]> {
    const checks: ConnectionCheck[] = [];
    const fail = (name: string, error: unknown) => checks.push({ name, ok: false, message: error instanceof Error ? error.message : String(error) });
    if (!this.settings) {
      fail('settings', this.settingsError);
      return checks;
    }
    const s = this.settings;
    let conn: Connection;
    try {
      conn = await this.connection();
      checks.push({ name: 'authentication', ok: true, message: `Signed in with OAuth 2.0 ${s.grantType === 'jwt_bearer' ? `JWT bearer as ${s.username}` : 'client credentials'}; instance ${conn.instanceUrl}` });
    } catch (error) {
      fail('authentication', error);
      return checks;
    }
    try {
      const versions = await this.call({ method: 'GET', url: '/services/data' }, Versions);
      const available = versions.map((v) => v.version);
      if (!available.includes(s.apiVersion)) {
        checks.push({ name: 'api version', ok: false, message: `API version ${s.apiVersion} is not offered by this org (available: ${available.join(', ')})` });
      } else {
        const resources = await this.call({ method: 'GET', url: `/services/data/v${s.apiVersion}/` }, Resources);
        const missing = ['query', 'sobjects'].filter((r) => !(r in resources));
        checks.push({ name: 'api version', ok: missing.length === 0, message: missing.length === 0 ? `API v${s.apiVersion} available` : `API v${s.apiVersion} lacks ${missing.join(', ')}` });
      }
    } catch (error) {
      fail('api version', error);
    }
    for (const entity of SALESFORCE_ENTITIES) {
      try {
        const describe = await this.describe(entity);
        const result = await this.call({ method: 'GET', url: `/query?q=${encodeURIComponent(`SELECT COUNT() FROM ${entity}`)}` }, QueryResult);
        const names = new Set(describe.fields.map((f) => f.name));
        const wanted = entity === 'Contact' ? ['Email', 'AccountId', 'Level__c', 'Languages__c', 'ContactTestCustomField__c'] : ['Name'];
        const absent = wanted.filter((f) => !names.has(f));
        checks.push({
          name: entity,
          ok: true,
          message: `${entity} readable (${result.totalSize} records)${absent.length > 0 ? `; fields not in this org: ${absent.join(', ')}` : ''}`,
        });
      } catch (error) {
        fail(entity, error);
      }
    }
    return checks;
  }

  async close(): Promise<void> {
    this.session = undefined;
    this.describes.clear();
  }
}
