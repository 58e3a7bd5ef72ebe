import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ConnectorError, type ConnectionCheck, type Connector, type ConnectorContext, type ExternalRecord, type Page } from '../types.js';
import { BusinessCentralTokenProvider } from './auth.js';
import { BcRow, BusinessCentralClient, odataString, parseBody, type BatchOperation } from './client.js';
import {
  BC_WEB_SERVICES,
  contactFromApi,
  customerFromApi,
  customerFromCard,
  CONTACT_API_FIELDS,
  GUID,
  mergeCard,
  PAGE_ENTITIES,
  pageRecord,
  toContactApi,
  toCustomerCard,
  type PageEntity,
} from './entities.js';
import { BC_ERROR_CODES } from './errors.js';
import { BusinessCentralSettingsSchema, defaultTokenUrl, type BusinessCentralSettings } from './settings.js';
import { businessCentralWebhooks } from './webhooks.js';

const Since = z.string().datetime({ offset: true });

/** A single entity body, checked at the boundary. */
function row(body: unknown, what: string): BcRow {
  return parseBody(BcRow, body, what);
}

/**
 * Token providers are shared by connectors of the same subscription and credentials, so a new connector
 * instance (one per job) does not ask Entra for a new token.
 */
const sharedProviders = new Map<string, BusinessCentralTokenProvider>();

function tokenProviderFor(ctx: ConnectorContext, settings: BusinessCentralSettings): BusinessCentralTokenProvider {
  const tokenUrl = settings.tokenUrl ?? defaultTokenUrl(settings.tenantId);
  const key = [ctx.subscriptionId, tokenUrl, settings.clientId, settings.scope, createHash('sha256').update(settings.clientSecret).digest('hex')].join('\n');
  let provider = sharedProviders.get(key);
  if (!provider) {
    if (sharedProviders.size > 500) sharedProviders.clear();
    provider = new BusinessCentralTokenProvider({
      tokenUrl,
      tenantId: settings.tenantId,
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      scope: settings.scope,
      gate: (fn) => ctx.gate(fn),
    });
    sharedProviders.set(key, provider);
  }
  return provider;
}

/** API v2.0 property names for `findBy` on customers (mapping name → API name). */
const CUSTOMER_API_FIELDS: Record<string, string> = {
  Id: 'id',
  No: 'number',
  Name: 'displayName',
  EMail: 'email',
  EmailAddress: 'email',
  PhoneNo: 'phoneNumber',
  City: 'city',
  PostCode: 'postalCode',
  CountryRegionCode: 'country',
  Type: 'type',
};

export function parseSettings(ctx: ConnectorContext): BusinessCentralSettings {
  const parsed = BusinessCentralSettingsSchema.safeParse({ ...ctx.settings, ...ctx.secrets });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConnectorError('permanent', BC_ERROR_CODES.badSettings, `Business Central settings are invalid: ${issue?.message ?? 'unknown problem'}`, {
      field: issue?.path.join('.'),
    });
  }
  return parsed.data;
}

function unsupported(entity: string, operation: string): ConnectorError {
  return new ConnectorError('permanent', BC_ERROR_CODES.unsupported, `Business Central entity '${entity}' does not support ${operation}.`);
}

function stripContactSuffix(externalId: string): string {
  return externalId.replace(/\|contact$/i, '');
}

export class BusinessCentralConnector implements Connector {
  readonly system = 'business-central' as const;
  readonly settings: BusinessCentralSettings;
  readonly auth: BusinessCentralTokenProvider;
  readonly client: BusinessCentralClient;
  readonly webhooks: NonNullable<Connector['webhooks']>;

  constructor(private readonly ctx: ConnectorContext) {
    this.settings = parseSettings(ctx);
    this.auth = tokenProviderFor(ctx, this.settings);
    this.client = new BusinessCentralClient(ctx, this.settings, this.auth);
    this.webhooks = businessCentralWebhooks(this.client);
  }

  async testConnection(): Promise<ConnectionCheck[]> {
    const checks: ConnectionCheck[] = [];
    try {
      await this.auth.token();
      checks.push({ name: 'Access token', ok: true, message: `Got an access token for client ${this.settings.clientId} in tenant ${this.settings.tenantId}.` });
    } catch (error) {
      checks.push({ name: 'Access token', ok: false, message: (error as Error).message });
      return checks;
    }
    let companyApi: string | undefined;
    try {
      companyApi = await this.client.companyApiRoot();
      checks.push({ name: 'Company', ok: true, message: `Company '${this.settings.companyName}' found in environment '${this.settings.environment}'.` });
    } catch (error) {
      checks.push({ name: 'Company', ok: false, message: (error as Error).message });
    }
    if (companyApi) {
      for (const collection of ['customers', 'contacts']) {
        checks.push(await this.probe(`API v2.0 ${collection}`, `${companyApi}/${collection}?$top=1`, () => `API v2.0 '${collection}' answered.`));
      }
    }
    for (const service of BC_WEB_SERVICES) {
      checks.push(
        await this.probe(`Web service ${service.serviceName}`, `${this.client.companyRoot}/${service.serviceName}?$top=1`, () => `Web service '${service.serviceName}' (${service.objectType} ${service.objectId}) is published.`, (error) =>
          error.kind === 'not_found'
            ? `Web service '${service.serviceName}' (${service.objectType} ${service.objectId}) is not published: in Business Central search 'Web Services', New, Object Type ${service.objectType}, Object ID ${service.objectId}, Service Name ${service.serviceName}, Publish.`
            : `Web service '${service.serviceName}' (${service.objectType} ${service.objectId}) failed: ${error.message}`,
        ),
      );
    }
    return checks;
  }

  private async probe(name: string, url: string, ok: () => string, failed?: (error: ConnectorError) => string): Promise<ConnectionCheck> {
    try {
      await this.client.getPage(url, `read ${name}`);
      return { name, ok: true, message: ok() };
    } catch (error) {
      const e = error instanceof ConnectorError ? error : new ConnectorError('transient', BC_ERROR_CODES.network, String(error));
      return { name, ok: false, message: failed ? failed(e) : e.message };
    }
  }

  // ---- reading ----

  private pageEntity(entity: string): PageEntity | undefined {
    return PAGE_ENTITIES[entity];
  }

  private async collectionUrl(entity: string): Promise<{ url: string; filter?: string; map: (row: BcRow) => ExternalRecord }> {
    if (entity === 'customer') return { url: `${await this.client.companyApiRoot()}/customers`, map: customerFromApi };
    if (entity === 'company') return { url: `${await this.client.companyApiRoot()}/customers`, filter: `type eq 'Company'`, map: customerFromApi };
    if (entity === 'contact') return { url: `${await this.client.companyApiRoot()}/contacts`, map: contactFromApi };
    const page = this.pageEntity(entity);
    if (!page) throw unsupported(entity, 'reading (unknown entity)');
    const fixed = page.fixedKeys ? Object.entries(page.fixedKeys).map(([k, v]) => `${k} eq ${odataString(v)}`) : [];
    return { url: `${this.client.companyRoot}/${page.service}`, filter: fixed.length ? fixed.join(' and ') : undefined, map: (row) => pageRecord(page, row) };
  }

  private toPage(body: { value: BcRow[]; '@odata.nextLink'?: string; '@odata.count'?: number }, map: (row: BcRow) => ExternalRecord): Page {
    const next = body['@odata.nextLink'];
    if (next) this.client.assertOwnUrl(next);
    return { records: body.value.map(map), next, total: body['@odata.count'] };
  }

  /**
   * Adds the Customer Card (page 21) fields — CustomerPriceGroup, PaymentTermsCode, posting groups — to API
   * customer records, one `No eq … or No eq …` request per 50 records, and takes the card's etag (the one
   * customer writes use). Without a published CustomerCard the records stay as the API gave them.
   */
  private async withCards(entity: string, page: Page): Promise<Page> {
    if ((entity !== 'customer' && entity !== 'company') || page.records.length === 0 || this.cardsUnpublished) return page;
    const numbers = [...new Set(page.records.map((r) => String(r.data.No ?? '')).filter(Boolean))];
    const cards = new Map<string, BcRow>();
    for (let i = 0; i < numbers.length; i += 50) {
      const filter = numbers
        .slice(i, i + 50)
        .map((n) => `No eq ${odataString(n)}`)
        .join(' or ');
      try {
        const rows = await this.client.getAll(`${this.client.companyRoot}/CustomerCard?$filter=${encodeURIComponent(filter)}`, 'read customer cards');
        for (const card of rows) cards.set(String(card.No ?? ''), card);
      } catch (error) {
        if (error instanceof ConnectorError && error.kind === 'not_found') {
          this.cardsUnpublished = true;
          this.ctx.log.warn('business-central: web service CustomerCard (Page 21) is not published; customer records lack price group and payment terms');
          return page;
        }
        throw error;
      }
    }
    return { ...page, records: page.records.map((r) => (cards.has(String(r.data.No)) ? mergeCard(r, cards.get(String(r.data.No)) as BcRow) : r)) };
  }

  private cardsUnpublished = false;

  async list(entity: string, options: { cursor?: string; pageSize?: number } = {}): Promise<Page> {
    const source = await this.collectionUrl(entity);
    let url = options.cursor;
    if (url) this.client.assertOwnUrl(url);
    else url = source.filter ? `${source.url}?$filter=${encodeURIComponent(source.filter)}` : source.url;
    return this.withCards(entity, this.toPage(await this.client.getPage(url, `list ${entity}`, options.pageSize), source.map));
  }

  async poll(entity: string, options: { since: string; cursor?: string; pageSize?: number }): Promise<Page> {
    if (entity !== 'customer' && entity !== 'contact' && entity !== 'company') throw unsupported(entity, 'polling (use initialization)');
    const source = await this.collectionUrl(entity);
    let url = options.cursor;
    if (url) this.client.assertOwnUrl(url);
    else {
      const since = Since.safeParse(options.since);
      if (!since.success) throw new ConnectorError('permanent', BC_ERROR_CODES.validation, `Polling cursor '${options.since}' is not an ISO date-time.`);
      const filter = [`lastModifiedDateTime ge ${new Date(since.data).toISOString()}`, source.filter].filter(Boolean).join(' and ');
      url = `${source.url}?$filter=${encodeURIComponent(filter)}&$orderby=${encodeURIComponent('lastModifiedDateTime asc')}`;
    }
    return this.withCards(entity, this.toPage(await this.client.getPage(url, `poll ${entity}`, options.pageSize), source.map));
  }

  async findBy(entity: string, field: string, value: string): Promise<ExternalRecord[]> {
    const source = await this.collectionUrl(entity);
    const apiField = entity === 'contact' ? (CONTACT_API_FIELDS[field] ?? (field === 'Id' ? 'id' : field)) : entity === 'customer' || entity === 'company' ? (CUSTOMER_API_FIELDS[field] ?? field) : field;
    const literal = apiField === 'id' && GUID.test(value) ? value : odataString(value);
    const filter = [`${apiField} eq ${literal}`, source.filter].filter(Boolean).join(' and ');
    const rows = await this.client.getAll(`${source.url}?$filter=${encodeURIComponent(filter)}`, `find ${entity} by ${field}`);
    return (await this.withCards(entity, { records: rows.map(source.map) })).records;
  }

  private async getApiRow(collection: 'customers' | 'contacts', key: string): Promise<BcRow | null> {
    const root = await this.client.companyApiRoot();
    try {
      if (GUID.test(key)) return row((await this.client.request('GET', `${root}/${collection}(${key})`, { what: `read ${collection} ${key}` })).body, `read ${collection} ${key}`);
      const rows = await this.client.getAll(`${root}/${collection}?$filter=${encodeURIComponent(`number eq ${odataString(key)}`)}`, `read ${collection} ${key}`);
      return rows[0] ?? null;
    } catch (error) {
      if (error instanceof ConnectorError && error.kind === 'not_found') return null;
      throw error;
    }
  }

  private cardUrl(no: string): string {
    return `${this.client.companyRoot}/CustomerCard(${encodeURIComponent(odataString(no))})`;
  }

  private async getCard(no: string): Promise<BcRow | null> {
    try {
      return row((await this.client.request('GET', this.cardUrl(no), { what: `read customer card ${no}` })).body, `read customer card ${no}`);
    } catch (error) {
      if (error instanceof ConnectorError && error.kind === 'not_found') return null;
      throw error;
    }
  }

  private pageKeyUrl(page: PageEntity, externalId: string): string {
    const parts = externalId.split('|');
    const pairs = page.keys.map((k, i) => [k, parts[i] ?? ''] as const);
    const all = [...Object.entries(page.fixedKeys ?? {}), ...pairs];
    const key = all.length === 1 ? odataString(pairs[0]?.[1] ?? '') : all.map(([k, v]) => `${k}=${k === 'Line_No' ? v : odataString(v)}`).join(',');
    return `${this.client.companyRoot}/${page.service}(${encodeURIComponent(key)})`;
  }

  async get(entity: string, externalId: string): Promise<ExternalRecord | null> {
    if (entity === 'customer' || entity === 'company') {
      const found = await this.getApiRow('customers', externalId);
      if (!found) return null;
      const record = customerFromApi(found);
      const card = await this.getCard(String(record.data.No));
      return card ? mergeCard(record, card) : record;
    }
    if (entity === 'contact') {
      const found = await this.getApiRow('contacts', stripContactSuffix(externalId));
      return found ? contactFromApi(found) : null;
    }
    const page = this.pageEntity(entity);
    if (!page) throw unsupported(entity, 'reading (unknown entity)');
    try {
      if (page.query) {
        const parts = externalId.split('|');
        const filter = page.keys.map((k, i) => `${k} eq ${odataString(parts[i] ?? '')}`).join(' and ');
        const rows = await this.client.getAll(`${this.client.companyRoot}/${page.service}?$filter=${encodeURIComponent(filter)}`, `read ${entity} ${externalId}`);
        return rows[0] ? pageRecord(page, rows[0]) : null;
      }
      const body = row((await this.client.request('GET', this.pageKeyUrl(page, externalId), { what: `read ${entity} ${externalId}` })).body, `read ${entity} ${externalId}`);
      return pageRecord(page, body);
    } catch (error) {
      if (error instanceof ConnectorError && error.kind === 'not_found') return null;
      throw error;
    }
  }

  // ---- writing ----

  async create(entity: string, data: Record<string, unknown>): Promise<ExternalRecord> {
    if (entity === 'customer') {
      const response = await this.client.request('POST', `${this.client.companyRoot}/CustomerCard`, { body: toCustomerCard(data), what: 'create customer' });
      return customerFromCard(row(response.body, 'customer card'));
    }
    if (entity === 'contact') {
      const response = await this.client.request('POST', `${await this.client.companyApiRoot()}/contacts`, { body: toContactApi(data), what: 'create contact' });
      return contactFromApi(row(response.body, 'contact'));
    }
    throw unsupported(entity, 'create');
  }

  async update(entity: string, externalId: string, data: Record<string, unknown>, options: { etag?: string } = {}): Promise<ExternalRecord> {
    if (entity === 'customer') {
      let no = externalId;
      if (GUID.test(externalId)) {
        const existing = await this.getApiRow('customers', externalId);
        if (!existing) throw new ConnectorError('not_found', BC_ERROR_CODES.notFound, `Customer ${externalId} does not exist in Business Central: it may have been deleted; relink or recreate it.`);
        no = String(existing.number ?? '');
      }
      let etag = options.etag;
      if (!etag) {
        const card = await this.getCard(no);
        if (!card) throw new ConnectorError('not_found', BC_ERROR_CODES.notFound, `Customer No. '${no}' does not exist in Business Central (Customer Card): update only works for customers that already exist in both systems.`);
        etag = typeof card['@odata.etag'] === 'string' ? card['@odata.etag'] : '*';
      }
      const body = toCustomerCard(data);
      if (body.No === no) delete body.No;
      const response = await this.client.request('PATCH', this.cardUrl(no), { body, headers: { 'if-match': etag }, what: `update customer ${no}` });
      const record = customerFromCard(row(response.body, 'customer card'));
      return { ...record, id: GUID.test(externalId) ? externalId : record.id };
    }
    if (entity === 'contact') {
      const key = stripContactSuffix(externalId);
      const existing = await this.getApiRow('contacts', key);
      if (!existing) throw new ConnectorError('not_found', BC_ERROR_CODES.notFound, `Contact ${key} does not exist in Business Central.`);
      const current = contactFromApi(existing);
      const body = toContactApi(data, current.data);
      if (body.number === current.data.No) delete body.number;
      const url = `${await this.client.companyApiRoot()}/contacts(${String(current.data.Id)})`;
      const response = await this.client.request('PATCH', url, { body, headers: { 'if-match': options.etag ?? current.etag ?? '*' }, what: `update contact ${key}` });
      return contactFromApi(row(response.body, 'contact'));
    }
    throw unsupported(entity, 'update');
  }

  async delete(entity: string): Promise<void> {
    throw unsupported(entity, 'delete');
  }

  /** `$batch` creates (100 per call); one result per row, in order. */
  async createMany(entity: string, rows: Record<string, unknown>[]): Promise<Array<ExternalRecord | ConnectorError>> {
    let root: string;
    let operations: BatchOperation[];
    let map: (row: BcRow) => ExternalRecord;
    if (entity === 'customer') {
      root = this.client.odataRoot;
      const path = `Company(${encodeURIComponent(odataString(this.settings.companyName))})/CustomerCard`;
      operations = rows.map((row) => ({ method: 'POST', url: path, body: toCustomerCard(row) }));
      map = customerFromCard;
    } else if (entity === 'contact') {
      root = this.client.apiRoot;
      const path = `companies(${await this.client.company()})/contacts`;
      operations = rows.map((row) => ({ method: 'POST', url: path, body: toContactApi(row) }));
      map = contactFromApi;
    } else throw unsupported(entity, 'create');
    const results = await this.client.batch(root, operations, `create ${entity}`);
    return results.map((r) =>
      r.ok ? (r.body ? map(r.body) : new ConnectorError('transient', BC_ERROR_CODES.badResponse, `$batch created a ${entity} but returned no body`)) : r.error,
    );
  }
}

