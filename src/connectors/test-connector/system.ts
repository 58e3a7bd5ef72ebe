import { setTimeout as sleep } from 'node:timers/promises';
import { ConnectorError, type ConnectorContext, type ConnectorDefinition, type Connector } from '../types.js';
import { createRng, fakeCompanyName, fakePerson } from '../simulator-kit/index.js';
import { asTestRecord, EntityStore, type TestRecord } from './store.js';

/** Entities of the test system. */
export const TEST_ENTITIES = ['contact', 'company'] as const;
export type TestEntityName = (typeof TEST_ENTITIES)[number];

/** Connector methods as counted in `stats.calls`. */
export const TEST_METHODS = ['testConnection', 'get', 'list', 'poll', 'findBy', 'create', 'update', 'delete', 'createMany'] as const;
export type TestMethod = (typeof TEST_METHODS)[number];

/** Returned by `permanentErrorWhen` to reject a write: the field at fault and an optional message. */
export interface PermanentErrorVerdict {
  field: string;
  message?: string;
}

export type PermanentErrorRule = (
  data: Record<string, unknown>,
  info: { entity: TestEntityName; operation: 'create' | 'update'; id?: string },
) => PermanentErrorVerdict | null | undefined | false;

export interface TestFaults {
  /** Delay before every call is answered (0 = answer synchronously, for benchmarks). */
  latencyMs: number;
  /** Every Nth call (counted since the last `setFaults`) fails with a transient 503; 0 = off. */
  failEveryNth: number;
  /** Every Nth call answers 429 with `retryAfterMs`; 0 = off. Calls that arrive before it expires also get 429. */
  throttleEveryNth: number;
  retryAfterMs: number;
  /** Calls allowed per UTC day; over it calls fail with kind `quota` and `resetAt` = next UTC midnight. */
  quota: number | null;
  /** Rejects creates/updates whose (merged) data matches, with kind `permanent` and the given field. */
  permanentErrorWhen: PermanentErrorRule | null;
  /** Creates (and updates) that would give a contact an email another contact has fail with kind `duplicate`. */
  duplicateOnEmail: boolean;
}

export interface TestCall {
  method: TestMethod;
  entity?: string;
  /** Epoch ms when the call reached the system (after the platform's gate let it through). */
  at: number;
}

export interface TestThrottle {
  method: TestMethod;
  /** Epoch ms the 429 was issued. */
  at: number;
  retryAfterMs: number;
  /** `at + retryAfterMs`: no call should arrive before this. */
  until: number;
  /** True when the 429 answered a call that arrived before an earlier Retry-After expired. */
  early: boolean;
}

export interface TestWriteCount {
  entity: string;
  creates: number;
  updates: number;
  deletes: number;
}

export interface TestSystemStats {
  calls: Record<TestMethod, number>;
  totalCalls: number;
  /** Every call in arrival order (empty when `recordCalls: false`). */
  callLog: TestCall[];
  /** Every 429 issued, with its Retry-After. */
  throttles: TestThrottle[];
  /** Calls that arrived while a Retry-After was still running (should stay 0 for a well-behaved engine). */
  earlyCalls: number;
  /** Successful writes by record id. */
  writes: Map<string, TestWriteCount>;
  /** Errors raised, by ConnectorError kind. */
  errors: Partial<Record<ConnectorError['kind'], number>>;
}

/** Direct access to the in-memory data: no faults, no gate, not counted in stats. */
export interface TestRecordStore {
  insert(entity: TestEntityName, data: Record<string, unknown>, options?: { id?: string; modifiedAt?: string }): TestRecord;
  /** Merges `data` (or replaces with `replace: true`); bumps version; `modifiedAt` defaults to now. */
  update(entity: TestEntityName, id: string, data: Record<string, unknown>, options?: { modifiedAt?: string; replace?: boolean }): TestRecord;
  delete(entity: TestEntityName, id: string): boolean;
  get(entity: TestEntityName, id: string): TestRecord | undefined;
  all(entity: TestEntityName): TestRecord[];
  count(entity: TestEntityName): number;
  findBy(entity: TestEntityName, field: string, value: string): TestRecord[];
  clear(entity?: TestEntityName): void;
}

/** A change to a record of the test system (through the connector or `records`). */
export interface TestChange {
  entity: TestEntityName;
  id: string;
  change: 'created' | 'updated' | 'deleted';
}

export interface TestSystemOptions {
  /** Registry key; a subscription with settings `{ systemKey }` talks to this instance. Default: `test-<n>`. */
  systemKey?: string;
  /** Generated records per entity (deterministic from `seed`). */
  records?: Partial<Record<TestEntityName, number>>;
  seed?: number;
  faults?: Partial<TestFaults>;
  /** Clock (epoch ms) used for modifiedAt, throttle windows and quota days. */
  now?: () => number;
  /** Keep `stats.callLog` (default true; turn off for very long benchmarks). */
  recordCalls?: boolean;
}

export interface TestSystem {
  readonly systemKey: string;
  readonly definition: ConnectorDefinition;
  /** Settings to save on a subscription that should talk to this instance. */
  readonly subscriptionSettings: { systemKey: string };
  readonly records: TestRecordStore;
  /** Live fault settings (mutable); `setFaults` also restarts the every-Nth counters. */
  readonly faults: TestFaults;
  setFaults(faults: Partial<TestFaults>): void;
  readonly stats: TestSystemStats;
  resetStats(): void;
  /** A connector on this instance with a pass-through gate (for tests that don't run the sync engine). */
  connector(ctx?: Partial<ConnectorContext>): Connector;
  /**
   * Calls `listener` after every record change (connector writes and `records` writes), e.g. to turn changes
   * into webhook calls for `testConnector.receiveWebhook`. Returns an unsubscribe function.
   */
  onChange(listener: (change: TestChange) => void): () => void;
  /** Removes the instance from the registry. */
  dispose(): void;
}

/** The internals the connector uses; not part of the public surface. */
export interface TestSystemInternal extends TestSystem {
  invoke<T>(method: TestMethod, entity: string | undefined, op: () => T): Promise<T>;
  store(entity: string): EntityStore;
  nowIso(): string;
  checkWrite(entity: TestEntityName, operation: 'create' | 'update', data: Record<string, unknown>, id?: string): void;
  countWrite(entity: string, id: string, kind: 'creates' | 'updates' | 'deletes'): void;
}

const registry = new Map<string, TestSystemInternal>();
let instanceCounter = 0;

export function getTestSystem(systemKey: string): TestSystem | undefined {
  return registry.get(systemKey);
}

/** @internal used by the connector */
export function lookupTestSystem(systemKey: string): TestSystemInternal | undefined {
  return registry.get(systemKey);
}

export function isTestEntity(entity: string): entity is TestEntityName {
  return entity === 'contact' || entity === 'company';
}

function defaultFaults(): TestFaults {
  return { latencyMs: 0, failEveryNth: 0, throttleEveryNth: 0, retryAfterMs: 1000, quota: null, permanentErrorWhen: null, duplicateOnEmail: false };
}

function emptyStats(): TestSystemStats {
  const calls = {} as Record<TestMethod, number>;
  for (const m of TEST_METHODS) calls[m] = 0;
  return { calls, totalCalls: 0, callLog: [], throttles: [], earlyCalls: 0, writes: new Map(), errors: {} };
}

function utcDay(ms: number): number {
  return Math.floor(ms / 86_400_000);
}

/** Built by `createTestSystem`; `definitionRef` breaks the import cycle with connector.ts. */
export function buildTestSystem(options: TestSystemOptions, definition: ConnectorDefinition, makeConnector: (ctx: ConnectorContext) => Connector): TestSystem {
  instanceCounter += 1;
  const systemKey = options.systemKey ?? `test-${instanceCounter}`;
  const now = options.now ?? Date.now;
  const recordCalls = options.recordCalls ?? true;
  const stores: Record<TestEntityName, EntityStore> = {
    contact: new EntityStore('contact', 'contact-', 'email'),
    company: new EntityStore('company', 'company-', undefined),
  };
  const faults: TestFaults = { ...defaultFaults(), ...options.faults };
  const stats = emptyStats();
  const listeners: Array<(change: TestChange) => void> = [];
  const emit = (entity: TestEntityName, id: string, change: TestChange['change']): void => {
    for (const listener of listeners) listener({ entity, id, change });
  };
  let failCounter = 0;
  let throttleCounter = 0;
  let blockedUntil = 0;
  let quotaDay = -1;
  let quotaUsed = 0;

  const nowIso = (): string => new Date(now()).toISOString();
  const normalizeIso = (value: string | undefined): string => {
    if (value === undefined) return nowIso();
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw new Error(`invalid modifiedAt ${value}`);
    return new Date(ms).toISOString();
  };
  const storeOf = (entity: string): EntityStore => {
    if (!isTestEntity(entity)) {
      throw new ConnectorError('permanent', 'TEST_UNKNOWN_ENTITY', `The test system has no entity "${entity}" (entities: ${TEST_ENTITIES.join(', ')}).`);
    }
    return stores[entity];
  };

  const fail = (error: ConnectorError): never => {
    stats.errors[error.kind] = (stats.errors[error.kind] ?? 0) + 1;
    throw error;
  };

  const throttle = (method: TestMethod, at: number, retryAfterMs: number, early: boolean): never => {
    stats.throttles.push({ method, at, retryAfterMs, until: at + retryAfterMs, early });
    blockedUntil = Math.max(blockedUntil, at + retryAfterMs);
    return fail(
      new ConnectorError('rate_limited', 'TEST_RATE_LIMITED', `Too many requests to test system ${systemKey}; retry after ${retryAfterMs} ms.`, {
        status: 429,
        retryAfterMs,
      }),
    );
  };

  const admit = (method: TestMethod, entity: string | undefined): void => {
    const at = now();
    stats.calls[method] += 1;
    stats.totalCalls += 1;
    if (recordCalls) stats.callLog.push(entity === undefined ? { method, at } : { method, entity, at });
    if (faults.quota !== null) {
      const day = utcDay(at);
      if (day !== quotaDay) {
        quotaDay = day;
        quotaUsed = 0;
      }
      quotaUsed += 1;
      if (quotaUsed > faults.quota) {
        const resetAt = new Date((day + 1) * 86_400_000).toISOString();
        fail(new ConnectorError('quota', 'TEST_QUOTA_EXCEEDED', `Daily API quota of ${faults.quota} calls used up; resets at ${resetAt}.`, { status: 403, resetAt }));
      }
    }
    if (at < blockedUntil) {
      stats.earlyCalls += 1;
      throttle(method, at, blockedUntil - at, true);
    }
    if (faults.throttleEveryNth > 0) {
      throttleCounter += 1;
      if (throttleCounter % faults.throttleEveryNth === 0) throttle(method, at, faults.retryAfterMs, false);
    }
    if (faults.failEveryNth > 0) {
      failCounter += 1;
      if (failCounter % faults.failEveryNth === 0) {
        fail(new ConnectorError('transient', 'TEST_UNAVAILABLE', `Test system ${systemKey} is temporarily unavailable (503).`, { status: 503 }));
      }
    }
  };

  const records: TestRecordStore = {
    insert(entity, data, opts = {}) {
      const store = storeOf(entity);
      const inserted = store.insert(opts.id ?? store.nextId(), stripId(data), normalizeIso(opts.modifiedAt), asTestRecord);
      emit(entity, inserted.id, 'created');
      return inserted;
    },
    update(entity, id, data, opts = {}) {
      const updated = storeOf(entity).update(id, stripId(data), normalizeIso(opts.modifiedAt), opts.replace ?? false, asTestRecord);
      if (!updated) throw new Error(`${entity} ${id} not found`);
      emit(entity, id, 'updated');
      return updated;
    },
    delete(entity, id) {
      const deleted = storeOf(entity).delete(id);
      if (deleted) emit(entity, id, 'deleted');
      return deleted;
    },
    get: (entity, id) => storeOf(entity).get(id, asTestRecord),
    all: (entity) => storeOf(entity).all(asTestRecord),
    count: (entity) => storeOf(entity).size,
    findBy: (entity, field, value) => storeOf(entity).findBy(field, value, asTestRecord),
    clear(entity) {
      if (entity) storeOf(entity).clear();
      else for (const e of TEST_ENTITIES) stores[e].clear();
    },
  };

  const system: TestSystemInternal = {
    systemKey,
    definition,
    subscriptionSettings: { systemKey },
    records,
    faults,
    setFaults(next) {
      Object.assign(faults, next);
      failCounter = 0;
      throttleCounter = 0;
      if (next.quota !== undefined) quotaUsed = 0;
    },
    stats,
    /** Clears the counters in place (references to `stats` stay valid) and forgets any running Retry-After. */
    resetStats() {
      Object.assign(stats, emptyStats());
      blockedUntil = 0;
    },
    connector(ctx = {}) {
      return makeConnector({
        subscriptionId: ctx.subscriptionId ?? `sub-${systemKey}`,
        settings: ctx.settings ?? { systemKey },
        secrets: ctx.secrets ?? {},
        gate: ctx.gate ?? (<T>(request: () => Promise<T>) => request()),
        log: ctx.log ?? { info: () => undefined, warn: () => undefined },
      });
    },
    onChange(listener) {
      listeners.push(listener);
      return () => {
        const at = listeners.indexOf(listener);
        if (at >= 0) listeners.splice(at, 1);
      };
    },
    dispose() {
      if (registry.get(systemKey) === system) registry.delete(systemKey);
    },
    invoke<T>(method: TestMethod, entity: string | undefined, op: () => T): Promise<T> {
      // The call arrives (timestamped, faults decided) before the simulated latency is spent.
      let refused: unknown;
      try {
        admit(method, entity);
      } catch (error) {
        refused = error;
      }
      const run = (): T => {
        if (refused !== undefined) throw refused;
        try {
          return op();
        } catch (error) {
          if (error instanceof ConnectorError) stats.errors[error.kind] = (stats.errors[error.kind] ?? 0) + 1;
          throw error;
        }
      };
      if (faults.latencyMs > 0) return sleep(faults.latencyMs).then(run);
      // Zero-latency fast path: no extra async frames (benchmarks run millions of calls).
      try {
        return Promise.resolve(run());
      } catch (error) {
        return Promise.reject(error);
      }
    },
    store: storeOf,
    nowIso,
    checkWrite(entity, operation, data, id) {
      const verdict = faults.permanentErrorWhen?.(data, id === undefined ? { entity, operation } : { entity, operation, id });
      if (verdict) {
        throw new ConnectorError('permanent', 'TEST_VALIDATION', verdict.message ?? `Field "${verdict.field}" was rejected by the test system.`, {
          field: verdict.field,
          status: 422,
        });
      }
      const store = stores[entity];
      if (faults.duplicateOnEmail && store.emailField) {
        const email = data[store.emailField];
        if (typeof email === 'string' && email !== '' && store.emailTaken(email, id)) {
          throw new ConnectorError('duplicate', 'TEST_DUPLICATE_EMAIL', `A ${entity} with email ${email} already exists.`, {
            field: store.emailField,
            status: 409,
          });
        }
      }
    },
    countWrite(entity, id, kind) {
      let w = stats.writes.get(id);
      if (!w) {
        w = { entity, creates: 0, updates: 0, deletes: 0 };
        stats.writes.set(id, w);
      }
      w[kind] += 1;
      if (listeners.length > 0 && isTestEntity(entity)) emit(entity, id, kind === 'creates' ? 'created' : kind === 'updates' ? 'updated' : 'deleted');
    },
  };

  generate(system, options, now());
  registry.set(systemKey, system);
  return system;
}

function stripId(data: Record<string, unknown>): Record<string, unknown> {
  if (!('id' in data)) return data;
  const { id: _id, ...rest } = data;
  return rest;
}

/** Deterministic records: the same seed gives the same data; modifiedAt one second apart, oldest first. */
function generate(system: TestSystemInternal, options: TestSystemOptions, nowMs: number): void {
  const rng = createRng(options.seed ?? 1);
  const companies = options.records?.company ?? 0;
  const contacts = options.records?.contact ?? 0;
  const base = nowMs - (companies + contacts + 1) * 1000;
  let tick = 0;
  for (let i = 1; i <= companies; i++) {
    const p = fakePerson(rng, i);
    const modifiedAt = new Date(base + tick++ * 1000).toISOString();
    system.records.insert('company', { name: fakeCompanyName(rng, i), email: `info@company${i}.example.com`, phone: p.phone, city: p.city, country: p.country }, { modifiedAt });
  }
  for (let i = 1; i <= contacts; i++) {
    const p = fakePerson(rng, i);
    const modifiedAt = new Date(base + tick++ * 1000).toISOString();
    const data: Record<string, unknown> = {
      firstName: p.firstName,
      lastName: p.lastName,
      email: p.email,
      phone: p.phone,
      street: p.street,
      city: p.city,
      region: p.region,
      postalCode: p.postalCode,
      country: p.country,
      companyId: companies > 0 ? `company-${String(rng.int(1, companies)).padStart(6, '0')}` : null,
    };
    system.records.insert('contact', data, { modifiedAt });
  }
}
