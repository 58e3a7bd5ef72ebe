import { z } from 'zod';
import { ConnectorError, parseRetryAfter } from '../types.js';

/** Stable error codes raised by the Business Central connector (tests assert on these). */
export const BC_ERROR_CODES = {
  authFailed: 'BC_AUTH_FAILED',
  tokenRequestFailed: 'BC_TOKEN_REQUEST_FAILED',
  invalidEmail: 'BC_INVALID_EMAIL',
  unknownCountry: 'BC_UNKNOWN_COUNTRY_REGION_CODE',
  unknownPaymentTerms: 'BC_UNKNOWN_PAYMENT_TERMS_CODE',
  unknownPriceGroup: 'BC_UNKNOWN_CUSTOMER_PRICE_GROUP',
  unknownRelatedValue: 'BC_UNKNOWN_RELATED_VALUE',
  missingValue: 'BC_MISSING_VALUE',
  valueTooLong: 'BC_VALUE_TOO_LONG',
  validation: 'BC_VALIDATION',
  notFound: 'BC_RECORD_NOT_FOUND',
  conflict: 'BC_ETAG_CONFLICT',
  missingEtag: 'BC_MISSING_ETAG',
  duplicate: 'BC_DUPLICATE',
  rateLimited: 'BC_RATE_LIMITED',
  unavailable: 'BC_UNAVAILABLE',
  network: 'BC_NETWORK',
  badResponse: 'BC_BAD_RESPONSE',
  companyNotFound: 'BC_COMPANY_NOT_FOUND',
  serviceNotPublished: 'BC_WEB_SERVICE_NOT_PUBLISHED',
  unsupported: 'BC_UNSUPPORTED',
  badSettings: 'BC_BAD_SETTINGS',
  webhookRejected: 'BC_WEBHOOK_REJECTED',
} as const;

/** BC's error envelope: `{"error":{"code":"...","message":"...  CorrelationId:  <guid>."}}`. */
export const BcErrorBody = z.object({ error: z.object({ code: z.string().default('Unknown'), message: z.string().default('') }).passthrough() });
export type BcErrorBody = z.infer<typeof BcErrorBody>;

/** BC field captions (as they appear in error texts) → the field names mappings use. */
const CAPTION_TO_FIELD: Record<string, string> = {
  'Country/Region Code': 'CountryRegionCode',
  'Payment Terms Code': 'PaymentTermsCode',
  'Customer Price Group': 'CustomerPriceGroup',
  'E-Mail': 'EMail',
  Email: 'EMail',
  'Customer Posting Group': 'CustomerPostingGroup',
  'Gen. Bus. Posting Group': 'GenBusPostingGroup',
  'Tax Area Code': 'TaxAreaCode',
  'Post Code': 'PostCode',
  'Phone No.': 'PhoneNo',
  Name: 'Name',
  'No.': 'No',
  Address: 'Address',
  'Address 2': 'Address2',
  City: 'City',
  County: 'County',
  'Location Code': 'LocationCode',
  'Shipment Method Code': 'ShipmentMethodCode',
  'Payment Method Code': 'PaymentMethodCode',
  'Currency Code': 'CurrencyCode',
};

/** Where in Business Central a user creates the missing value of a related table. */
const RELATED_TABLE_PAGE: Record<string, string> = {
  'Country/Region': 'Countries/Regions',
  'Payment Terms': 'Payment Terms',
  'Customer Price Group': 'Customer Price Groups',
  'Customer Posting Group': 'Customer Posting Groups',
  'Gen. Business Posting Group': 'Gen. Business Posting Groups',
  'Tax Area': 'Tax Areas',
};

export function fieldForCaption(caption: string): string {
  return CAPTION_TO_FIELD[caption] ?? caption.replace(/[^A-Za-z0-9]/g, '');
}

/** Strips BC's trailing `  CorrelationId:  <guid>.` from a message. */
export function stripCorrelation(message: string): string {
  return message.replace(/\s*CorrelationId:\s*[0-9a-fA-F-]+\.?\s*$/, '').trim();
}

/** Turns a BC validation error (code + message) into an actionable ConnectorError, kind `permanent`. */
export function validationError(code: string, rawMessage: string, status: number): ConnectorError {
  const message = stripCorrelation(rawMessage);
  const relation = /The field (.+?) of table (.+?) contains a value \((.*?)\) that cannot be found in the related table \((.+?)\)/.exec(message);
  if (relation) {
    const [, caption = '', table = '', value = '', related = ''] = relation;
    const field = fieldForCaption(caption);
    const page = RELATED_TABLE_PAGE[related] ?? related;
    const text = `The ${caption} '${value}' does not exist. Create it in Business Central (${page}) or fix the mapping (${table}.${field}).`;
    const errorCode =
      field === 'CountryRegionCode'
        ? BC_ERROR_CODES.unknownCountry
        : field === 'PaymentTermsCode'
          ? BC_ERROR_CODES.unknownPaymentTerms
          : field === 'CustomerPriceGroup'
            ? BC_ERROR_CODES.unknownPriceGroup
            : BC_ERROR_CODES.unknownRelatedValue;
    return new ConnectorError('permanent', errorCode, text, { field, status });
  }
  const email = /e-?mail address "(.*?)" is not valid/i.exec(message);
  if (email) {
    return new ConnectorError(
      'permanent',
      BC_ERROR_CODES.invalidEmail,
      `The email address '${email[1] ?? ''}' is not valid in Business Central: fix it in the source record or the mapping (format user@example.com).`,
      { field: 'EMail', status },
    );
  }
  const mustHave = /^(.+?) must have a value in (.+?): (.*?)\. It cannot be zero or empty/.exec(message);
  if (mustHave) {
    const [, caption = '', table = '', key = ''] = mustHave;
    const field = fieldForCaption(caption);
    return new ConnectorError(
      'permanent',
      BC_ERROR_CODES.missingValue,
      `${caption} is required by Business Central (${table} ${key}) but the mapping sent no value: map ${field} to a code that exists in Business Central${field === 'PaymentTermsCode' ? ' (for example the static value 10 DAYS)' : ''}.`,
      { field, status },
    );
  }
  const tooLong = /The length of the string is (\d+), but it must be less than or equal to (\d+) characters\.(?: Value: (.*))?/.exec(message);
  if (tooLong) {
    const fieldMatch = /field (.+?) of table/.exec(message);
    const field = fieldMatch?.[1] ? fieldForCaption(fieldMatch[1]) : undefined;
    return new ConnectorError(
      'permanent',
      BC_ERROR_CODES.valueTooLong,
      `A value is too long for Business Central (${tooLong[1]} characters, at most ${tooLong[2]} allowed${tooLong[3] ? `: '${tooLong[3]}'` : ''}): shorten it in the mapping (e.g. Truncate(value, ${tooLong[2]})).`,
      { field, status },
    );
  }
  return new ConnectorError('permanent', BC_ERROR_CODES.validation, `Business Central rejected the record (${code}): ${message}`, { status });
}

/** Maps any non-2xx Business Central response to a ConnectorError. */
export function errorFromResponse(status: number, body: unknown, headers: { get(name: string): string | null }, what: string): ConnectorError {
  const parsed = BcErrorBody.safeParse(body);
  const code = parsed.success ? parsed.data.error.code : 'Unknown';
  const message = parsed.success ? stripCorrelation(parsed.data.error.message) : typeof body === 'string' ? body.slice(0, 300) : '';
  const retryAfterMs = parseRetryAfter(headers.get('retry-after'));
  if (status === 429) {
    return new ConnectorError('rate_limited', BC_ERROR_CODES.rateLimited, `Business Central throttled ${what}: ${message || 'too many requests'}`, {
      status,
      retryAfterMs: retryAfterMs ?? 30_000,
    });
  }
  if (status === 408 || status >= 500) {
    return new ConnectorError('transient', BC_ERROR_CODES.unavailable, `Business Central is unavailable for ${what} (HTTP ${status}${message ? `: ${message}` : ''})`, {
      status,
      retryAfterMs,
    });
  }
  if (status === 401) {
    return new ConnectorError(
      'auth',
      BC_ERROR_CODES.authFailed,
      `Business Central rejected the access token for ${what}${message ? ` (${message})` : ''}: check that the Entra app is registered on the Microsoft Entra Applications page in Business Central, is Enabled and has permission sets.`,
      { status },
    );
  }
  if (status === 403) {
    return new ConnectorError(
      'permanent',
      BC_ERROR_CODES.authFailed,
      `The Entra application may not ${what}${message ? ` (${message})` : ''}: assign it the needed permission sets in Business Central (Microsoft Entra Applications).`,
      { status },
    );
  }
  if (status === 412 || code === 'Request_EntityChanged') {
    return new ConnectorError('conflict', BC_ERROR_CODES.conflict, `The record changed in Business Central since it was read (${what}): re-read it and apply the change again.`, {
      status,
    });
  }
  if (code === 'BadRequest_InvalidToken') {
    return new ConnectorError('permanent', BC_ERROR_CODES.missingEtag, `Business Central needs a concurrency token (If-Match) for ${what}: ${message}`, { status });
  }
  if (code === 'Internal_EntityWithSameKeyExists') {
    return new ConnectorError('duplicate', BC_ERROR_CODES.duplicate, `The record already exists in Business Central: ${message}`, { status });
  }
  if (status === 404 || code === 'Internal_RecordNotFound' || code === 'BadRequest_ResourceNotFound') {
    return new ConnectorError('not_found', BC_ERROR_CODES.notFound, `Not found in Business Central (${what})${message ? `: ${message}` : ''}`, { status });
  }
  if (code === 'Internal_CompanyNotFound') {
    return new ConnectorError('permanent', BC_ERROR_CODES.companyNotFound, `${message}: check the Company Name setting (names are case-sensitive).`, {
      status,
      field: 'companyName',
    });
  }
  return validationError(code, message, status);
}
