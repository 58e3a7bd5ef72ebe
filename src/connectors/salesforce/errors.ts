/**
 * Turns Salesforce REST errors (jsforce `HttpApiError`s, OAuth errors, sObject Collections
 * per-record errors) into ConnectorErrors the sync engine can act on.
 */
import { z } from 'zod';
import { ConnectorError, parseRetryAfter } from '../types.js';

/** The raw HTTP response jsforce saw (captured by the connector's transport wrapper). */
export interface RawResponse {
  statusCode: number;
  headers: Record<string, string | undefined>;
}

const ApiErrorItem = z
  .object({
    message: z.string().optional(),
    errorCode: z.string().optional(),
    statusCode: z.string().optional(),
    fields: z.array(z.string()).optional(),
    duplicateResut: z.unknown().optional(),
    duplicateResult: z.unknown().optional(),
  })
  .passthrough();
export type ApiErrorItem = z.infer<typeof ApiErrorItem>;

const JsforceError = z.object({ errorCode: z.string(), message: z.string(), data: z.unknown().optional() });
const OAuthErrorNames = new Set(['invalid_client_id', 'invalid_client', 'invalid_grant', 'unsupported_grant_type', 'inactive_user', 'inactive_org', 'invalid_request']);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ENOTFOUND', 'ENETDOWN', 'ENETUNREACH', 'EHOSTDOWN', 'UND_ERR_SOCKET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

/** Next midnight UTC: when the connector assumes the daily API allocation has room again. */
export function nextMidnightUtc(now = new Date()): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1)).toISOString();
}

function matchedIds(item: ApiErrorItem): string[] {
  const result = z
    .object({ matchResults: z.array(z.object({ matchRecords: z.array(z.object({ record: z.object({ Id: z.string().optional() }).passthrough() }).passthrough()).optional() }).passthrough()).optional() })
    .passthrough()
    .safeParse(item.duplicateResut ?? item.duplicateResult);
  if (!result.success) return [];
  return (result.data.matchResults ?? []).flatMap((m) => (m.matchRecords ?? []).map((r) => r.record.Id)).filter((id): id is string => typeof id === 'string');
}

/** Maps one Salesforce error (code + message + fields) to a ConnectorError. */
export function fromSalesforceError(item: ApiErrorItem, response?: RawResponse, cause?: unknown): ConnectorError {
  const code = item.errorCode ?? item.statusCode ?? (response ? `HTTP_${response.statusCode}` : 'UNKNOWN_ERROR');
  const status = response?.statusCode;
  const text = (item.message ?? '').trim() || `HTTP ${status ?? '?'}`;
  const field = item.fields?.[0];
  const base = { status, cause, field };
  if (status === 429) {
    return new ConnectorError('rate_limited', code, `Salesforce is throttling requests: ${text}`, { ...base, retryAfterMs: parseRetryAfter(response?.headers['retry-after']) ?? 1000 });
  }
  switch (code) {
    case 'REQUEST_LIMIT_EXCEEDED':
      if (/ConcurrentPerOrgLongTxn|concurrent/i.test(text)) {
        return new ConnectorError('rate_limited', code, `Salesforce concurrent long-running request limit reached: ${text}`, { ...base, retryAfterMs: 20_000 });
      }
      return new ConnectorError('quota', code, `Salesforce daily API request limit reached (${text}); syncing resumes when the org's allocation has room again`, {
        ...base,
        resetAt: nextMidnightUtc(),
      });
    case 'INVALID_SESSION_ID':
      return new ConnectorError('auth', code, `Salesforce session expired or invalid: ${text}`, base);
    case 'NOT_FOUND':
    case 'ENTITY_IS_DELETED':
    case 'INVALID_CROSS_REFERENCE_KEY':
      if (code === 'INVALID_CROSS_REFERENCE_KEY' && field) return new ConnectorError('permanent', code, `${field}: the referenced record does not exist in Salesforce (${text})`, base);
      return new ConnectorError('not_found', code, `Salesforce record not found: ${text}`, base);
    case 'DUPLICATES_DETECTED': {
      const ids = matchedIds(item);
      return new ConnectorError('duplicate', code, `Salesforce duplicate rule blocked the save: ${text}${ids.length > 0 ? ` (matching record ${ids.join(', ')})` : ''}`, {
        ...base,
        field: field ?? 'Email',
      });
    }
    case 'INVALID_EMAIL_ADDRESS':
      return new ConnectorError('permanent', code, `Salesforce rejected the email address: ${text}`, { ...base, field: field ?? 'Email' });
    case 'REQUIRED_FIELD_MISSING': {
      const parsed = /\[([^\]]+)\]/.exec(text)?.[1]?.split(',')[0]?.trim();
      return new ConnectorError('permanent', code, `Salesforce requires a value: ${text}`, { ...base, field: field ?? parsed });
    }
    case 'UNABLE_TO_LOCK_ROW':
    case 'SERVER_UNAVAILABLE':
    case 'UNKNOWN_EXCEPTION':
      return new ConnectorError('transient', code, `Salesforce temporary failure: ${text}`, base);
    default:
      if (status !== undefined && status >= 500) return new ConnectorError('transient', code, `Salesforce server error ${status}: ${text}`, base);
      if (/^ERROR_HTTP_5\d\d$/.test(code)) return new ConnectorError('transient', code, `Salesforce server error: ${text}`, base);
      if (code === 'ERROR_HTTP_429') return new ConnectorError('rate_limited', code, `Salesforce is throttling requests: ${text}`, { ...base, retryAfterMs: 1000 });
      return new ConnectorError('permanent', code, `Salesforce rejected the request: ${text}${field ? ` (field ${field})` : ''}`, base);
  }
}

/** Maps anything a jsforce call threw (plus the captured response, when there was one). */
export function toConnectorError(error: unknown, response?: RawResponse): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const api = JsforceError.safeParse(error);
  if (api.success) {
    const { errorCode, message, data } = api.data;
    if (errorCode === 'MULTIPLE_API_ERRORS' && Array.isArray(data)) {
      const first = ApiErrorItem.safeParse(data[0]);
      if (first.success) {
        const mapped = fromSalesforceError(first.data, response, error);
        const others = data.length - 1;
        return new ConnectorError(mapped.kind, mapped.code, `${mapped.message} (and ${others} more error${others === 1 ? '' : 's'})`, {
          field: mapped.field,
          status: mapped.status,
          retryAfterMs: mapped.retryAfterMs,
          resetAt: mapped.resetAt,
          cause: error,
        });
      }
    }
    const item = ApiErrorItem.safeParse(data);
    const fields = item.success ? item.data.fields : undefined;
    return fromSalesforceError({ ...(item.success ? item.data : {}), errorCode, message, fields }, response, error);
  }
  if (error instanceof Error) {
    if (OAuthErrorNames.has(error.name)) {
      return new ConnectorError('permanent', 'SALESFORCE_AUTH_FAILED', `Salesforce rejected the login: ${error.message} (${error.name}); check Login URL, Client ID, Client Secret / Username and Private Key`, {
        cause: error,
      });
    }
    if (error.name === 'rate_limit_exceeded') return new ConnectorError('rate_limited', 'SALESFORCE_LOGIN_RATE_LIMITED', `Salesforce login rate limit: ${error.message}`, { retryAfterMs: 60_000, cause: error });
    if (/^ERROR_HTTP_5\d\d$/.test(error.name)) return new ConnectorError('transient', error.name, `Salesforce login failed with a server error: ${error.message}`, { cause: error });
    if (/^ERROR_HTTP_\d+$/.test(error.name)) return new ConnectorError('permanent', error.name, `Salesforce login failed: ${error.message}`, { cause: error });
    const code = (error as { code?: unknown }).code;
    if (error.name === 'FetchError' || (typeof code === 'string' && NETWORK_CODES.has(code)) || error.name === 'AbortError') {
      return new ConnectorError('transient', 'NETWORK_ERROR', `Could not reach Salesforce: ${error.message}`, { cause: error });
    }
    return new ConnectorError('permanent', 'SALESFORCE_ERROR', `Salesforce call failed: ${error.message}`, { cause: error });
  }
  return new ConnectorError('permanent', 'SALESFORCE_ERROR', `Salesforce call failed: ${String(error)}`, { cause: error });
}
