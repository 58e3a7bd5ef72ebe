import { z } from 'zod';
import { ConnectorError, type ConnectorContext } from '../types.js';
import type { BusinessCentralTokenProvider } from './auth.js';
import { BC_ERROR_CODES, errorFromResponse } from './errors.js';
import type { BusinessCentralSettings } from './settings.js';

/** Most operations BC accepts in one `$batch` call. */
export const BC_MAX_BATCH = 100;

/** One row as BC returns it (annotations like `@odata.etag` included). */
export const BcRow = z.record(z.unknown());
export type BcRow = z.infer<typeof BcRow>;

export const BcCollection = z.object({
  value: z.array(BcRow),
  '@odata.nextLink': z.string().optional(),
  '@odata.count': z.number().optional(),
});
export type BcCollection = z.infer<typeof BcCollection>;

const BatchResponse = z.object({
  responses: z.array(
    z.object({
      id: z.string().nullable().optional(),
      status: z.number(),
      headers: z.record(z.string()).optional(),
      body: z.unknown().optional(),
    }),
  ),
});

export interface BatchOperation {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Relative to the root the batch is sent to, without a leading slash. */
  url: string;
  body?: Record<string, unknown>;
  headers?: Record<string, string>;
}

export type BatchResult = { ok: true; status: number; body: BcRow | undefined } | { ok: false; error: ConnectorError };

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Words for error messages, e.g. "update customer 10000". */
  what: string;
}

export interface BcResponse {
  status: number;
  body: unknown;
  headers: Headers;
}

/** Escapes a string for an OData literal: `'O''Brien'`. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * HTTP to Business Central: every call goes through `ctx.gate`, carries a bearer token, re-authenticates
 * once on 401 and maps error bodies to ConnectorErrors.
 */
export class BusinessCentralClient {
  readonly base: string;
  readonly apiRoot: string;
  readonly odataRoot: string;
  private companyId: string | undefined;

  constructor(
    private readonly ctx: ConnectorContext,
    private readonly settings: BusinessCentralSettings,
    readonly auth: BusinessCentralTokenProvider,
  ) {
    this.base = `${settings.apiUrl.replace(/\/+$/, '')}/v2.0/${encodeURIComponent(settings.tenantId)}/${encodeURIComponent(settings.environment)}`;
    this.apiRoot = `${this.base}/api/v2.0`;
    this.odataRoot = `${this.base}/ODataV4`;
  }

  /** `.../ODataV4/Company('name')` */
  get companyRoot(): string {
    return `${this.odataRoot}/Company(${encodeURIComponent(odataString(this.settings.companyName))})`;
  }

  async request(method: string, url: string, options: RequestOptions): Promise<BcResponse> {
    interface Raw {
      status: number;
      ok: boolean;
      headers: Headers;
      text: string;
    }
    const send = async (token: string): Promise<Raw> => {
      const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${token}`, ...options.headers };
      let body: string | undefined;
      if (options.body !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(options.body);
      }
      try {
        // The body is read inside the gate so the concurrency slot covers the whole exchange.
        return await this.ctx.gate(async () => {
          const res = await fetch(url, { method, headers, body });
          return { status: res.status, ok: res.ok, headers: res.headers, text: await res.text() };
        });
      } catch (error) {
        if (error instanceof ConnectorError) throw error;
        const message = error instanceof Error ? error.message : String(error);
        throw new ConnectorError('transient', BC_ERROR_CODES.network, `Could not reach Business Central (${options.what}): ${message}`, { cause: error });
      }
    };
    let token = await this.auth.token();
    let response = await send(token);
    if (response.status === 401) {
      this.ctx.log.info('business-central: access token rejected, re-authenticating', { what: options.what });
      this.auth.invalidate(token);
      token = await this.auth.token();
      response = await send(token);
    }
    const text = response.text;
    let body: unknown = text;
    if (text && (response.headers.get('content-type') ?? '').includes('json')) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    if (!response.ok) throw errorFromResponse(response.status, body, response.headers, options.what);
    return { status: response.status, body, headers: response.headers };
  }

  async getJson<T extends z.ZodTypeAny>(url: string, schema: T, what: string, headers?: Record<string, string>): Promise<z.infer<T>> {
    const response = await this.request('GET', url, { what, headers });
    return parseBody(schema, response.body, what);
  }

  /** One page of a collection; follow `@odata.nextLink` for more. */
  async getPage(url: string, what: string, pageSize?: number): Promise<BcCollection> {
    const headers = pageSize ? { prefer: `odata.maxpagesize=${pageSize}` } : undefined;
    return this.getJson(url, BcCollection, what, headers);
  }

  /** Every row of a collection, following `@odata.nextLink` to the end. */
  async getAll(url: string, what: string, pageSize?: number): Promise<BcRow[]> {
    const rows: BcRow[] = [];
    let next: string | undefined = url;
    while (next) {
      const page: BcCollection = await this.getPage(next, what, pageSize);
      rows.push(...page.value);
      next = page['@odata.nextLink'];
      if (next) this.assertOwnUrl(next);
    }
    return rows;
  }

  /** A nextLink/cursor must point at the same service (never follow a foreign URL with our token). */
  assertOwnUrl(url: string): void {
    if (!url.startsWith(this.base)) {
      throw new ConnectorError('permanent', BC_ERROR_CODES.badResponse, `Refusing to follow a paging link outside ${this.base}: ${url.slice(0, 200)}`);
    }
  }

  /** The API v2.0 id of the company named in the settings (cached). */
  async company(): Promise<string> {
    if (this.companyId) return this.companyId;
    const rows = await this.getAll(`${this.apiRoot}/companies`, 'list companies');
    const companies = rows.map((row) => z.object({ id: z.string(), name: z.string(), displayName: z.string().optional() }).parse(row));
    const found = companies.find((c) => c.name === this.settings.companyName) ?? companies.find((c) => c.displayName === this.settings.companyName);
    if (!found) {
      throw new ConnectorError(
        'permanent',
        BC_ERROR_CODES.companyNotFound,
        `Company '${this.settings.companyName}' does not exist in environment '${this.settings.environment}'. Available: ${companies.map((c) => `'${c.name}'`).join(', ') || 'none'}. Fix the Company Name setting (it is case-sensitive).`,
        { field: 'companyName' },
      );
    }
    this.companyId = found.id;
    return found.id;
  }

  async companyApiRoot(): Promise<string> {
    return `${this.apiRoot}/companies(${await this.company()})`;
  }

  /**
   * JSON `$batch` (at most 100 operations per call; larger inputs are split). One result per operation, in order.
   * `root` is the API root (`apiRoot`) or the OData root (`odataRoot`) the operation URLs are relative to.
   */
  async batch(root: string, operations: BatchOperation[], what: string): Promise<BatchResult[]> {
    const results: BatchResult[] = [];
    for (let start = 0; start < operations.length; start += BC_MAX_BATCH) {
      const chunk = operations.slice(start, start + BC_MAX_BATCH);
      const requests = chunk.map((op, i) => ({
        id: String(start + i + 1),
        method: op.method,
        url: op.url,
        headers: { 'content-type': 'application/json', ...op.headers },
        ...(op.body === undefined ? {} : { body: op.body }),
      }));
      const response = await this.request('POST', `${root}/$batch`, { body: { requests }, what });
      const parsed = parseBody(BatchResponse, response.body, what);
      const byId = new Map(parsed.responses.map((r) => [r.id ?? '', r]));
      chunk.forEach((_, i) => {
        const id = String(start + i + 1);
        const r = byId.get(id) ?? parsed.responses[i];
        if (!r) {
          results.push({ ok: false, error: new ConnectorError('transient', BC_ERROR_CODES.badResponse, `$batch answered no result for operation ${id} (${what})`) });
          return;
        }
        if (r.status >= 200 && r.status < 300) {
          const body = BcRow.safeParse(r.body);
          results.push({ ok: true, status: r.status, body: body.success ? body.data : undefined });
        } else {
          const headers = new Headers(r.headers ?? {});
          results.push({ ok: false, error: errorFromResponse(r.status, r.body, headers, `${what} #${id}`) });
        }
      });
    }
    return results;
  }
}

export function parseBody<T extends z.ZodTypeAny>(schema: T, body: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new ConnectorError(
      'transient',
      BC_ERROR_CODES.badResponse,
      `Business Central answered an unexpected body (${what}): ${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
    );
  }
  return parsed.data;
}
