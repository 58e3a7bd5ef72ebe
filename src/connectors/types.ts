import type { z } from 'zod';

/**
 * The contract between the sync engine and a connector. A connector speaks one system's real API;
 * the sync engine never sees HTTP. Everything a connector returns is plain JSON data.
 */

export type SystemName = 'business-central' | 'salesforce' | 'ninety-nine-minds' | 'test';

/** One record as the external system holds it. */
export interface ExternalRecord {
  /** The record's id in the system's external-id format for this entity (e.g. `{{Id}}|contact`). */
  id: string;
  data: Record<string, unknown>;
  /** ISO timestamp of the last change in the external system, used by polling cursors. */
  modifiedAt?: string;
  /** Concurrency token for updates (Business Central `@odata.etag`). */
  etag?: string;
}

export interface Page {
  records: ExternalRecord[];
  /** Opaque cursor for the next page; absent on the last page. */
  next?: string;
  /** Total count when the system can tell it cheaply (for initialization progress). */
  total?: number;
}

export interface EntityDefinition {
  /** Entity name used in mapping collections, e.g. `contact`, `customer`, `Contact`, `Account`. */
  name: string;
  /** The hub model this entity usually maps to (templates use it). */
  hubModel: string;
  /** External-id formats accepted for manual sync and webhooks, e.g. `{{Id}}`, `{{Id}}|contact`. */
  idFormats: string[];
  /** Field that holds the entity's email, used as the default collision match. */
  emailField?: string;
  capabilities: {
    read: boolean;
    poll: boolean;
    create: boolean;
    update: boolean;
    delete: boolean;
    webhook: boolean;
    initialize: boolean;
  };
}

/** Result of one check made by "Test connection". */
export interface ConnectionCheck {
  name: string;
  ok: boolean;
  message: string;
}

export interface WebhookRegistration {
  id: string;
  entity: string;
  expiresAt?: string;
  clientState?: string;
}

/** A change notification parsed from a system's webhook call. */
export interface WebhookNotification {
  entity: string;
  externalId: string;
  change: 'created' | 'updated' | 'deleted';
}

export interface Connector {
  readonly system: SystemName;
  testConnection(): Promise<ConnectionCheck[]>;
  get(entity: string, externalId: string): Promise<ExternalRecord | null>;
  /** Pages through every record (initialization). */
  list(entity: string, options: { cursor?: string; pageSize?: number }): Promise<Page>;
  /** Records changed at or after `since`, oldest first (polling). */
  poll(entity: string, options: { since: string; cursor?: string; pageSize?: number }): Promise<Page>;
  /** Records whose `field` equals `value` (collision handling: match on email or another field). */
  findBy(entity: string, field: string, value: string): Promise<ExternalRecord[]>;
  create(entity: string, data: Record<string, unknown>): Promise<ExternalRecord>;
  update(entity: string, externalId: string, data: Record<string, unknown>, options?: { etag?: string }): Promise<ExternalRecord>;
  delete(entity: string, externalId: string): Promise<void>;
  /** Bulk writes where the system has a batch API ($batch, sObject collections); one result per input, in order. */
  createMany?(entity: string, rows: Record<string, unknown>[]): Promise<Array<ExternalRecord | ConnectorError>>;
  webhooks?: {
    subscribe(entity: string, notificationUrl: string, clientState: string): Promise<WebhookRegistration>;
    renew(registration: WebhookRegistration): Promise<WebhookRegistration>;
    unsubscribe(registration: WebhookRegistration): Promise<void>;
  };
  close?(): Promise<void>;
}

/**
 * Everything a connector gets from the platform. `gate` must wrap every request to the external
 * system: it applies the subscription's rate limit and concurrency and counts API calls.
 */
export interface ConnectorContext {
  subscriptionId: string;
  settings: Record<string, unknown>;
  secrets: Record<string, string>;
  gate<T>(request: () => Promise<T>): Promise<T>;
  log: { info(msg: string, data?: Record<string, unknown>): void; warn(msg: string, data?: Record<string, unknown>): void };
}

export interface SettingDefinition {
  key: string;
  label: string;
  required: boolean;
  secret: boolean;
  description: string;
  example?: string;
  default?: string | number | boolean;
}

/** An inbound webhook call as the API received it. */
export interface InboundWebhook {
  headers: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  body: unknown;
}

/** What a connector makes of an inbound webhook call. */
export type WebhookReceipt =
  /** A subscription handshake (Business Central `validationToken`): answer 200 with `body` as text/plain. */
  | { kind: 'handshake'; body: string }
  /** Change notifications; `clientState` is checked by the platform against the stored registration. */
  | { kind: 'notifications'; notifications: WebhookNotification[]; clientState?: string }
  | { kind: 'rejected'; reason: string };

export interface ConnectorDefinition {
  system: SystemName;
  displayName: string;
  /** Subscription settings exactly as the system's setup article lists them. */
  settings: SettingDefinition[];
  /** zod schema validating the settings (secrets included) when a subscription is saved. */
  settingsSchema: z.ZodTypeAny;
  entities: EntityDefinition[];
  /** Default throttling for new subscriptions. */
  throttle: { requests: number; perSeconds: number; concurrency: number };
  create(ctx: ConnectorContext): Connector;
  /** Reads an inbound webhook call (no I/O); absent when the system has no webhooks. */
  receiveWebhook?(call: InboundWebhook): WebhookReceipt;
}

/** A simulator started in-process (tests, demo, `junction simulate`). */
export interface RunningSimulator {
  system: SystemName;
  baseUrl: string;
  /** Everything a subscription needs to talk to this simulator: settings and secrets by setting key. */
  subscriptionSettings: Record<string, string | number | boolean>;
  /** The first stdout line of `junction simulate`: baseUrl, tokenUrl, clientId, clientSecret or apiKey, … */
  connectionInfo: Record<string, string | number | boolean>;
  close(): Promise<void>;
}

export interface SimulatorStartOptions {
  port?: number;
  /** Number of generated records per main entity. */
  records?: number;
  seed?: number;
}

/** How the sync engine should treat a failure. */
export type ConnectorErrorKind =
  | 'transient' // network, 5xx: retry with backoff
  | 'rate_limited' // 429: pause the subscription until retryAfterMs has passed, then retry
  | 'quota' // daily cap reached: pause until resetAt, resume where it stopped
  | 'auth' // token expired or revoked: re-authenticate, then retry
  | 'conflict' // etag mismatch: re-read, re-map, retry
  | 'not_found'
  | 'duplicate' // destination rejects a create because the record exists (collision)
  | 'permanent'; // validation and other 4xx: straight to the error log

export class ConnectorError extends Error {
  readonly code: string;
  readonly kind: ConnectorErrorKind;
  /** The destination field the error is about, when the system says so. */
  readonly field?: string;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly resetAt?: string;

  constructor(
    kind: ConnectorErrorKind,
    code: string,
    message: string,
    extra: { field?: string; status?: number; retryAfterMs?: number; resetAt?: string; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'ConnectorError';
    this.kind = kind;
    this.code = code;
    this.field = extra.field;
    this.status = extra.status;
    this.retryAfterMs = extra.retryAfterMs;
    this.resetAt = extra.resetAt;
  }

  get retryable(): boolean {
    return this.kind === 'transient' || this.kind === 'rate_limited' || this.kind === 'auth' || this.kind === 'conflict' || this.kind === 'quota';
  }
}

/** Parses a `Retry-After` header (seconds or HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
