/**
 * In-memory Salesforce org: Contacts and Accounts with Salesforce's save-time validation
 * (required fields, email format, lengths, restricted picklists, lookups, read-only fields) and an
 * optional duplicate rule on Contact email.
 */
import { createRng, fakeCompanyName, fakePerson, type FakePerson } from '../../simulator-kit/index.js';
import { ADDRESS_PREFIX, findField, SCHEMAS, type FieldSchema, type ObjectSchema } from './schema.js';
import { makeId, to18 } from './ids.js';

export type SObjectName = 'Contact' | 'Account';

/** One stored record: canonical field names, Salesforce datetime strings (`2024-05-01T10:00:00.000+0000`). */
export interface SalesforceRecord {
  Id: string;
  CreatedDate: string;
  LastModifiedDate: string;
  SystemModstamp: string;
  [field: string]: unknown;
}

export interface SalesforceContact extends SalesforceRecord {
  AccountId: string | null;
  FirstName: string | null;
  LastName: string;
  Name: string;
  Email: string | null;
  Level__c: 'Primary' | 'Secondary' | 'Tertiary' | null;
  Languages__c: string | null;
  ContactTestCustomField__c: string | null;
  MailingStreet: string | null;
  MailingCity: string | null;
  MailingState: string | null;
  MailingPostalCode: string | null;
  MailingCountry: string | null;
}

export interface SalesforceAccount extends SalesforceRecord {
  Name: string;
}

/** A per-record error as sObject Collections report it (`statusCode`; single resources say `errorCode`). */
export interface SaveError {
  statusCode: string;
  message: string;
  fields: string[];
  duplicateResult?: Record<string, unknown>;
}

/** A whole-request failure (HTTP status + Salesforce error code). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields?: string[],
  ) {
    super(message);
  }
}

export type DuplicateRuleMode = 'off' | 'alert' | 'block';

export const ORG_ID = '00DUx0000000001EAA';
export const USER_ID = makeId('005', 1);

export function sfDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
const STRING_TYPES = new Set(['string', 'textarea', 'email', 'phone', 'url', 'picklist', 'multipicklist']);

export interface WriteOptions {
  /** `Sforce-Duplicate-Rule-Header: allowSave=true` (only lets "alert" rules through). */
  allowDuplicateSave?: boolean;
}

export class SalesforceStore {
  readonly records: Record<SObjectName, Map<string, SalesforceRecord>> = { Contact: new Map(), Account: new Map() };
  readonly deleted: Record<SObjectName, Set<string>> = { Contact: new Set(), Account: new Set() };
  private readonly sequence: Record<SObjectName, number> = { Contact: 0, Account: 0 };
  duplicateRule: DuplicateRuleMode = 'off';

  clear(): void {
    for (const name of ['Contact', 'Account'] as const) {
      this.records[name].clear();
      this.deleted[name].clear();
      this.sequence[name] = 0;
    }
  }

  schema(name: SObjectName): ObjectSchema {
    return SCHEMAS[name] as ObjectSchema;
  }

  nextId(name: SObjectName): string {
    this.sequence[name] += 1;
    return makeId(this.schema(name).keyPrefix, this.sequence[name]);
  }

  get(name: SObjectName, id: string): SalesforceRecord | undefined {
    const full = to18(id);
    return full ? this.records[name].get(full) : undefined;
  }

  /**
   * Maps a JSON body's keys to canonical field names. Unknown fields fail the whole request
   * (`INVALID_FIELD`), as Salesforce's deserializer does; `attributes` and the id key are skipped.
   */
  normalizeInput(name: SObjectName, input: Record<string, unknown>): Record<string, unknown> {
    const schema = this.schema(name);
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(input)) {
      if (key === 'attributes') continue;
      const field = findField(schema, key);
      if (!field) throw new ApiError(400, 'INVALID_FIELD', `No such column '${key}' on sobject of type ${name}`);
      if (value !== null && typeof value === 'object') {
        throw new ApiError(400, 'JSON_PARSER_ERROR', `Cannot deserialize instance of ${field.type} from START_${Array.isArray(value) ? 'ARRAY' : 'OBJECT'} value at [line:1] for field ${field.name}`);
      }
      out[field.name] = value;
    }
    return out;
  }

  /** Validates a create or update; returns the coerced values to store or the first save error. */
  validate(
    name: SObjectName,
    values: Record<string, unknown>,
    existing: SalesforceRecord | undefined,
    options: WriteOptions,
    pending: SalesforceRecord[] = [],
  ): { ok: true; values: Record<string, unknown> } | { ok: false; error: SaveError } {
    const schema = this.schema(name);
    const fail = (statusCode: string, message: string, fields: string[] = []) => ({ ok: false as const, error: { statusCode, message, fields } });
    const readOnly = Object.keys(values).filter((k) => k !== 'Id' && findField(schema, k)?.readOnly);
    if (readOnly.length > 0) {
      return fail(
        'INVALID_FIELD_FOR_INSERT_UPDATE',
        `Unable to create/update fields: ${readOnly.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        readOnly,
      );
    }
    const coerced: Record<string, unknown> = {};
    for (const [key, raw] of Object.entries(values)) {
      if (key === 'Id') continue;
      const field = findField(schema, key) as FieldSchema;
      let value: unknown = raw === '' ? null : raw;
      if (value !== null && value !== undefined) {
        if (STRING_TYPES.has(field.type)) {
          if (typeof value === 'number' || typeof value === 'boolean') value = String(value);
          if (typeof value !== 'string') return fail('INVALID_TYPE_ON_FIELD_IN_RECORD', `${field.label}: value not of required type: ${String(value)}`, [field.name]);
          if (field.length !== undefined && value.length > field.length) {
            return fail('STRING_TOO_LONG', `${field.label}: data value too large: ${value} (max length=${field.length})`, [field.name]);
          }
          if (field.type === 'email' && !EMAIL.test(value)) return fail('INVALID_EMAIL_ADDRESS', `${field.label}: invalid email address: ${value}`, [field.name]);
          if (field.restricted && field.picklist && !field.picklist.includes(value)) {
            return fail('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', `${field.label}: bad value for restricted picklist field: ${value}`, [field.name]);
          }
        } else if (field.type === 'boolean') {
          if (typeof value !== 'boolean') return fail('INVALID_TYPE_ON_FIELD_IN_RECORD', `${field.label}: value not of required type: ${String(value)}`, [field.name]);
        } else if (field.type === 'int' || field.type === 'double' || field.type === 'currency') {
          const n = typeof value === 'string' ? Number(value) : value;
          if (typeof n !== 'number' || !Number.isFinite(n)) return fail('INVALID_TYPE_ON_FIELD_IN_RECORD', `${field.label}: value not of required type: ${String(value)}`, [field.name]);
          value = field.type === 'int' ? Math.trunc(n) : n;
        } else if (field.type === 'date') {
          if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return fail('INVALID_TYPE_ON_FIELD_IN_RECORD', `${field.label}: value not of required type: ${String(value)}`, [field.name]);
        } else if (field.type === 'reference') {
          if (typeof value !== 'string') return fail('MALFORMED_ID', `${field.label}: id value of incorrect type: ${String(value)}`, [field.name]);
          const id = to18(value);
          if (!id) return fail('MALFORMED_ID', `${field.label}: id value of incorrect type: ${value}`, [field.name]);
          const target = field.referenceTo === 'Account' || field.referenceTo === 'Contact' ? field.referenceTo : undefined;
          if (target && !id.startsWith(this.schema(target).keyPrefix)) {
            return fail('FIELD_INTEGRITY_EXCEPTION', `${field.label}: id value of incorrect type: ${value}`, [field.name]);
          }
          if (target && !this.records[target].has(id)) return fail('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [field.name]);
          value = id;
        }
      }
      coerced[field.name] = value ?? null;
    }
    const merged = { ...(existing ?? {}), ...coerced };
    const missing = schema.fields.filter((f) => f.required && (merged[f.name] === null || merged[f.name] === undefined)).map((f) => f.name);
    if (missing.length > 0) return fail('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing);

    if (name === 'Contact' && this.duplicateRule !== 'off' && !(this.duplicateRule === 'alert' && options.allowDuplicateSave)) {
      const email = typeof merged.Email === 'string' ? merged.Email.toLowerCase() : undefined;
      if (email) {
        const candidates = [...this.records.Contact.values(), ...pending];
        const match = candidates.find((c) => c.Id !== existing?.Id && typeof c.Email === 'string' && c.Email.toLowerCase() === email);
        if (match) {
          const message = "You're creating a duplicate record. We recommend you use an existing record instead.";
          return {
            ok: false,
            error: {
              statusCode: 'DUPLICATES_DETECTED',
              message,
              fields: [],
              duplicateResult: {
                allowSave: this.duplicateRule === 'alert',
                duplicateRule: 'Standard_Contact_Duplicate_Rule',
                duplicateRuleEntityType: 'Contact',
                errorMessage: message,
                matchResults: [
                  {
                    entityType: 'Contact',
                    errors: [],
                    matchEngine: 'ExactMatchEngine',
                    matchRecords: [{ additionalInformation: [], fieldDiffs: [], matchConfidence: 100.0, record: { attributes: { type: 'Contact' }, Id: match.Id } }],
                    rule: 'Standard_Contact_Match_Rule_v1_1',
                    size: 1,
                    success: true,
                  },
                ],
              },
            },
          };
        }
      }
    }
    return { ok: true, values: coerced };
  }

  /** Builds (does not store) a new record from validated values. */
  build(name: SObjectName, values: Record<string, unknown>, at = Date.now(), id = this.nextId(name)): SalesforceRecord {
    const schema = this.schema(name);
    const stamp = sfDateTime(at);
    const record: SalesforceRecord = { Id: id, CreatedDate: stamp, LastModifiedDate: stamp, SystemModstamp: stamp };
    for (const field of schema.fields) {
      if (field.name in record || field.type === 'address') continue;
      record[field.name] = field.type === 'boolean' ? false : null;
    }
    Object.assign(record, values, { IsDeleted: false, OwnerId: USER_ID, CreatedById: USER_ID, LastModifiedById: USER_ID });
    this.derive(name, record);
    return record;
  }

  private derive(name: SObjectName, record: SalesforceRecord): void {
    if (name === 'Contact') record.Name = [record.FirstName, record.LastName].filter((v) => typeof v === 'string' && v.length > 0).join(' ');
  }

  store(name: SObjectName, record: SalesforceRecord): void {
    this.records[name].set(record.Id, record);
  }

  applyUpdate(name: SObjectName, record: SalesforceRecord, values: Record<string, unknown>, at = Date.now()): void {
    Object.assign(record, values);
    record.LastModifiedDate = sfDateTime(at);
    record.SystemModstamp = record.LastModifiedDate;
    this.derive(name, record);
  }

  create(name: SObjectName, input: Record<string, unknown>, options: WriteOptions = {}): { id: string } | SaveError {
    const result = this.validate(name, input, undefined, options);
    if (!result.ok) return result.error;
    const record = this.build(name, result.values);
    this.store(name, record);
    return { id: record.Id };
  }

  update(name: SObjectName, id: string, input: Record<string, unknown>, options: WriteOptions = {}): { id: string } | SaveError {
    const record = this.get(name, id);
    if (!record) return this.missing(name, id);
    const result = this.validate(name, input, record, options);
    if (!result.ok) return result.error;
    this.applyUpdate(name, record, result.values);
    return { id: record.Id };
  }

  missing(name: SObjectName, id: string): SaveError {
    const full = to18(id);
    if (!full) return { statusCode: 'MALFORMED_ID', message: `malformed id ${id}`, fields: [] };
    if (this.deleted[name].has(full)) return { statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] };
    return { statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: [] };
  }

  remove(name: SObjectName, id: string): { id: string } | SaveError {
    const record = this.get(name, id);
    if (!record) return this.missing(name, id);
    this.records[name].delete(record.Id);
    this.deleted[name].add(record.Id);
    return { id: record.Id };
  }

  /** A record as the REST API returns it (with `attributes` and compound address fields). */
  present(name: SObjectName, record: SalesforceRecord, apiVersion: string, fields?: string[]): Record<string, unknown> {
    const out: Record<string, unknown> = { attributes: { type: name, url: `/services/data/v${apiVersion}/sobjects/${name}/${record.Id}` } };
    const schema = this.schema(name);
    const wanted = fields ? fields.map((f) => findField(schema, f)).filter((f): f is FieldSchema => f !== undefined) : schema.fields;
    for (const field of wanted) out[field.name] = field.type === 'address' ? this.address(record, field.name) : (record[field.name] ?? null);
    return out;
  }

  address(record: SalesforceRecord, compound: string): Record<string, unknown> | null {
    const prefix = ADDRESS_PREFIX[compound] ?? '';
    const parts = {
      city: record[`${prefix}City`] ?? null,
      country: record[`${prefix}Country`] ?? null,
      geocodeAccuracy: null,
      latitude: null,
      longitude: null,
      postalCode: record[`${prefix}PostalCode`] ?? null,
      state: record[`${prefix}State`] ?? null,
      street: record[`${prefix}Street`] ?? null,
    };
    return parts.city === null && parts.country === null && parts.postalCode === null && parts.state === null && parts.street === null ? null : parts;
  }
}

export interface GenerateOptions {
  contacts: number;
  accounts: number;
  seed: number;
  /** Number of contact pairs that share one email address (0 = every email unique). */
  sharedEmails: number;
  /** Records are spread over this many days before `now` (CreatedDate / LastModifiedDate). */
  spreadDays: number;
  now: number;
}

const LEVELS = ['Primary', 'Secondary', 'Tertiary'] as const;
const LANGUAGES = ['English', 'English;Spanish', 'German', 'French', 'Danish;English', 'Japanese'] as const;
const INDUSTRIES = ['Agriculture', 'Banking', 'Retail', 'Technology', 'Other'] as const;

/** The component fields of one compound address (`Billing` → BillingStreet … BillingCountry) from a fake person's address. */
function addressOf(prefix: 'Billing' | 'Mailing', place: FakePerson): Record<string, string> {
  return {
    [`${prefix}Street`]: place.street,
    [`${prefix}City`]: place.city,
    [`${prefix}State`]: place.region,
    [`${prefix}PostalCode`]: place.postalCode,
    [`${prefix}Country`]: place.country,
  };
}

/** Fills the store with deterministic Accounts and Contacts (same seed → same records). */
export function generate(store: SalesforceStore, options: GenerateOptions): void {
  const rng = createRng(options.seed);
  const spreadMinutes = Math.max(1, options.spreadDays * 24 * 60);
  const stampPair = (): [number, number] => {
    const createdAgo = rng.int(0, spreadMinutes);
    const modifiedAgo = rng.int(0, createdAgo);
    return [options.now - createdAgo * 60_000, options.now - modifiedAgo * 60_000];
  };
  const accountIds: string[] = [];
  for (let i = 1; i <= options.accounts; i += 1) {
    const place = fakePerson(rng, i);
    const [created, modified] = stampPair();
    const record = store.build(
      'Account',
      {
        Name: fakeCompanyName(rng, i),
        AccountNumber: `ACC-${String(i).padStart(5, '0')}`,
        Type: rng.pick(['Customer - Direct', 'Customer - Channel', 'Prospect'] as const),
        Industry: rng.pick(INDUSTRIES),
        Phone: place.phone,
        ...addressOf('Billing', place),
      },
      created,
    );
    record.LastModifiedDate = sfDateTime(modified);
    record.SystemModstamp = record.LastModifiedDate;
    store.store('Account', record);
    accountIds.push(record.Id);
  }
  const contacts: SalesforceRecord[] = [];
  for (let i = 1; i <= options.contacts; i += 1) {
    const person = fakePerson(rng, i);
    const [created, modified] = stampPair();
    const levelRoll = rng.next();
    const record = store.build(
      'Contact',
      {
        FirstName: person.firstName,
        LastName: person.lastName,
        Email: person.email,
        Phone: person.phone,
        AccountId: accountIds.length > 0 && !rng.chance(0.1) ? rng.pick(accountIds) : null,
        Level__c: levelRoll < 0.3 ? LEVELS[0] : levelRoll < 0.6 ? LEVELS[1] : levelRoll < 0.9 ? LEVELS[2] : null,
        Languages__c: rng.chance(0.7) ? rng.pick(LANGUAGES) : null,
        ContactTestCustomField__c: rng.chance(0.5) ? `CTF-${i}` : null,
        ...addressOf('Mailing', person),
      },
      created,
    );
    record.LastModifiedDate = sfDateTime(modified);
    record.SystemModstamp = record.LastModifiedDate;
    contacts.push(record);
  }
  // Pairs (0,1), (2,3), … share the first contact's email when asked.
  for (let pair = 0; pair < options.sharedEmails && pair * 2 + 1 < contacts.length; pair += 1) {
    const a = contacts[pair * 2];
    const b = contacts[pair * 2 + 1];
    if (a && b) b.Email = a.Email;
  }
  for (const record of contacts) store.store('Contact', record);
}
