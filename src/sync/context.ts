import type { Connector, ConnectorContext, ConnectorDefinition, ExternalRecord } from '../connectors/types.js';
import { createTranslator, getTranslations, type MappingContext } from '../mapping/index.js';
type FormulaServices = NonNullable<MappingContext['services']>;
import { linkLookups } from '../hub/index.js';

import { metrics } from '../observability/index.js';
import type { Vault } from '../security/index.js';
import { inSameTransaction, type Db, type Queue, type Queryable } from '../store/index.js';
import { loadSubscriptionRuntime, type ConnectorLookup } from '../subscriptions/index.js';
import { CollectionCache } from './collections.js';
import { SyncError } from './errors.js';
import { RETRY } from './retry.js';
import { claimJobKeys, getPauses, reserveRateSlots, setPause, upsertTransfers, type TransferWrite } from './sql.js';
import { SubscriptionGate } from './throttle.js';

export const QUEUES = Object.freeze({ inbound: 'sync-inbound', outbound: 'sync-outbound', init: 'sync-init' } as const);
export const ALL_QUEUES = [QUEUES.inbound, QUEUES.outbound, QUEUES.init];

export interface SyncLog {
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
}

export interface SyncEngineDeps {
  db: Db;
  queue: Queue;
  vault: Vault;
  connectors: ConnectorLookup;
  now?: () => Date;
  log?: SyncLog;
  /** Tuning; defaults suit production. Tests shorten the delays. */
  options?: Partial<SyncOptions>;
}

export interface SyncOptions {
  maxAttempts: number;
  baseDelayMs: number;
  /** A create claim older than this is considered abandoned by a crashed worker (recovery by match). */
  claimStaleMs: number;
  /** Records per page of an initialization or a poll (1,000: below that, per-page work dominates an initialization). */
  pageSize: number;
  /** Poll interval when the subscription has no `pollIntervalSeconds` setting. */
  pollIntervalMs: number;
  /** Overlap re-read before the cursor on every poll. */
  pollOverlapMs: number;
  /** Look-back in days on the first poll when the subscription has no `...PollDays` setting. */
  pollDaysDefault: number;
  /** Jobs active for longer than this are re-queued by the sweeper. */
  stuckAfterSeconds: number;
  /** Expiry given to jobs (pg-boss fails and retries them after it). */
  jobExpireSeconds: number;
}

export const DEFAULT_OPTIONS: SyncOptions = {
  maxAttempts: RETRY.maxAttempts,
  baseDelayMs: RETRY.baseDelayMs,
  claimStaleMs: 60_000,
  pageSize: 1000,
  pollIntervalMs: 60_000,
  pollOverlapMs: 60_000,
  pollDaysDefault: 7,
  stuckAfterSeconds: 300,
  jobExpireSeconds: 900,
};

/** Inbound job: one external record to bring to the hub. */
export interface InboundJob {
  kind: 'in';
  tenantId: string;
  subscriptionId: string;
  entity: string;
  externalId: string;
  collectionId?: string;
  trigger: string;
  triggeredAt: number;
  key?: string;
  /** The record as polled (polling already has it: no extra GET). Webhooks and manual syncs GET it. */
  record?: ExternalRecord;
  change?: 'created' | 'updated' | 'deleted';
  transferId?: string;
  attempt?: number;
  edited?: Record<string, unknown>;
  replayOf?: string;
  /** Manual and replay: run even when the version and content were already applied. */
  force?: boolean;
}

/** Outbound job: one hub record to send to one subscription through one FROM_HUB collection. */
export interface OutboundJob {
  kind: 'out';
  tenantId: string;
  subscriptionId: string;
  collectionId: string;
  hubId: string;
  hubModel: string;
  hubVersion: number;
  origin: string | null;
  trigger: string;
  triggeredAt: number;
  key?: string;
  transferId?: string;
  attempt?: number;
  replayOf?: string;
  force?: boolean;
}

export interface InitJob {
  kind: 'init';
  runId: string;
  cursor: string | null;
}

export type AnyJob = InboundJob | OutboundJob | InitJob;

export interface Enqueue {
  queue: string;
  data: AnyJob;
  /** Duplicate triggers with the same key collapse while one is queued. */
  key?: string;
  startAfter?: Date;
}

export const inboundKey = (j: { subscriptionId: string; entity: string; externalId: string }, version?: string | null) =>
  `${j.subscriptionId}|TO_HUB|${j.entity}|${j.externalId}|${version ?? ''}`;
export const outboundKey = (j: { subscriptionId: string; hubModel: string; hubId: string; hubVersion: number }) => `${j.subscriptionId}|FROM_HUB|${j.hubModel}|${j.hubId}|${j.hubVersion}`;

interface RuntimeEntry {
  connector: Connector;
  definition: ConnectorDefinition;
  settings: Record<string, unknown>;
  secrets: Record<string, string>;
  tenantId: string;
  version: number;
  loadedAt: number;
}

/** Shared state of one engine: connectors and gates per subscription, caches, enqueueing, transfer rows. */
export class SyncContext {
  readonly db: Db;
  readonly queue: Queue;
  readonly options: SyncOptions;
  readonly collections = new CollectionCache();
  readonly log: SyncLog;
  readonly now: () => number;
  private readonly runtimes = new Map<string, Promise<RuntimeEntry>>();
  private readonly gates = new Map<string, SubscriptionGate>();
  private readonly translations = new Map<string, { at: number; translate: (t: string, k: string) => string | null }>();
  /** Called after jobs were enqueued (wakes local workers). */
  onEnqueued: (queues: Set<string>) => void = () => undefined;

  constructor(readonly deps: SyncEngineDeps) {
    this.db = deps.db;
    this.queue = deps.queue;
    this.options = { ...DEFAULT_OPTIONS, ...deps.options };
    this.now = deps.now ? () => (deps.now as () => Date)().getTime() : Date.now;
    const noop = () => undefined;
    this.log = deps.log ?? { info: noop, warn: noop, error: (m, d) => process.stderr.write(`sync: ${m} ${d ? JSON.stringify(d) : ''}\n`) };
  }

  gate(subscriptionId: string): SubscriptionGate {
    let g = this.gates.get(subscriptionId);
    if (!g) {
      g = new SubscriptionGate(
        { requests: 1_000_000, perSeconds: 1, concurrency: 64 },
        (until, reason) => {
          if (reason === 'rate_limited') metrics.throttled.inc({ subscription: subscriptionId });
          // Other workers see the pause through the database; failures to store it are logged only.
          setPause(this.db, subscriptionId, new Date(until + this.dbClockOffset), reason).catch((e: unknown) => this.log.warn('could not store pause', { error: String(e) }));
        },
        this.now,
        // The request rate is shared by every process on this database (see sync_rate_pacing).
        (count, intervalMs, maxWaitMs) => reserveRateSlots(this.db, subscriptionId, count, intervalMs, maxWaitMs),
        (e: unknown) => this.log.warn('could not reserve request slots; pacing per process for 5 s', { subscriptionId, error: String(e) }),
      );
      this.gates.set(subscriptionId, g);
    }
    return g;
  }

  /**
   * The database's clock minus this process's (ms) when they differ by more than a second, else 0.
   * Start times of rescheduled jobs and pauses are compared with the database's now(), so they are
   * shifted by it: a worker whose clock is behind would otherwise see them come back early.
   */
  private dbClockOffset = 0;
  private clockMeasuredAt = -Infinity;

  async measureDbClock(): Promise<void> {
    const sent = this.now();
    const { rows } = await this.db.query<{ ms: string }>('SELECT extract(epoch FROM clock_timestamp()) * 1000 AS ms');
    const offset = Number(rows[0]?.ms) - (sent + this.now()) / 2;
    this.dbClockOffset = Math.abs(offset) > 1_000 ? offset : 0;
    this.clockMeasuredAt = this.now();
  }

  /** Pulls pauses stored by other workers into the local gates (and, every minute, re-measures the database's clock). */
  async refreshPauses(): Promise<void> {
    if (this.now() - this.clockMeasuredAt > 60_000) await this.measureDbClock();
    for (const p of await getPauses(this.db)) {
      const g = this.gate(p.subscriptionId);
      const until = p.until - this.dbClockOffset;
      if (until > g.pausedUntil) g.pausedUntil = until;
    }
  }

  /** Connector of a subscription (cached; rebuilt when the subscription changes, checked every few seconds). */
  async runtime(subscriptionId: string): Promise<RuntimeEntry> {
    const cached = this.runtimes.get(subscriptionId);
    if (cached) {
      const entry = await cached.catch(() => null);
      if (entry && this.now() - entry.loadedAt < 5_000) return entry;
      this.runtimes.delete(subscriptionId);
    }
    const loading = (async (): Promise<RuntimeEntry> => {
      const { subscription, settings, secrets } = await loadSubscriptionRuntime(this.db, this.deps, subscriptionId);
      const definition = this.deps.connectors(subscription.system);
      if (!definition) throw new SyncError('JCT_SYNC_INVALID_REQUEST', `Subscription ${subscriptionId} uses system '${subscription.system}', which this process has no connector for.`);
      const gate = this.gate(subscriptionId);
      gate.configure(subscription.throttle);
      const ctx: ConnectorContext = {
        subscriptionId,
        settings,
        secrets,
        gate: gate.gate,
        log: { info: (m, d) => this.log.info(m, { subscriptionId, ...d }), warn: (m, d) => this.log.warn(m, { subscriptionId, ...d }) },
      };
      return { connector: definition.create(ctx), definition, settings, secrets, tenantId: subscription.tenantId, version: subscription.version, loadedAt: this.now() };
    })();
    this.runtimes.set(subscriptionId, loading);
    return loading;
  }

  /** Id lookups and translation tables for formulas. */
  async services(q: Queryable, subscriptionId: string): Promise<FormulaServices> {
    let t = this.translations.get(subscriptionId);
    if (!t || this.now() - t.at > 2_000) {
      t = { at: this.now(), translate: createTranslator(await getTranslations(q, subscriptionId)) };
      this.translations.set(subscriptionId, t);
    }
    return { translate: t.translate, ...linkLookups(this.db) };
  }

  private queuesReady: Promise<void> | null = null;
  private queuesCreated = false;

  /** pg-boss 10 inserts nothing into a queue that does not exist: create ours once per process. */
  ensureQueues(): Promise<void> {
    this.queuesReady ??= (async () => {
      for (const name of ALL_QUEUES) {
        if (!(await this.queue.getQueue(name))) await this.queue.createQueue(name).catch(() => undefined);
      }
      await this.measureDbClock();
      this.queuesCreated = true;
    })().catch((error: unknown) => {
      this.queuesReady = null;
      throw error;
    });
    return this.queuesReady;
  }

  /** Enqueues jobs inside `tx` (transactional outbox); keyed jobs already queued collapse. Returns how many were queued. */
  async enqueue(tx: Queryable, jobs: Enqueue[]): Promise<number> {
    if (jobs.length === 0) return 0;
    // Not awaited here: on PGlite a query outside `tx` would wait for `tx` forever. Entry points call ensureQueues() first.
    if (!this.queuesCreated) throw new Error('sync queues are not created yet: call ensureQueues() before enqueueing');
    const keys = jobs.filter((j) => j.key !== undefined).map((j) => j.key as string);
    const fresh = await claimJobKeys(tx, [...new Set(keys)]);
    const taken = new Set<string>();
    const rows = [];
    for (const j of jobs) {
      if (j.key !== undefined) {
        if (!fresh.has(j.key) || taken.has(j.key)) continue;
        taken.add(j.key);
      }
      rows.push({
        name: j.queue,
        data: j.key !== undefined ? { ...j.data, key: j.key } : j.data,
        ...(j.startAfter ? { startAfter: new Date(j.startAfter.getTime() + this.dbClockOffset).toISOString() } : {}),
        expireInSeconds: this.options.jobExpireSeconds,
        retryLimit: 10,
        retryDelay: 5,
      });
    }
    if (rows.length === 0) return 0;
    await this.queue.insert(rows, inSameTransaction(tx));
    this.onEnqueued(new Set(rows.map((r) => r.name)));
    return rows.length;
  }

  async writeTransfers(q: Queryable, rows: TransferWrite[]): Promise<void> {
    await upsertTransfers(q, rows);
    for (const r of rows) {
      if (r.finished || r.status === 'retrying') metrics.transfers.inc({ status: r.status, direction: r.direction });
    }
  }
}

const SECRET_KEY = /(pass(word)?|secret|token|api[-_]?key|authorization|credential|private[-_]?key|ssn|card[-_]?number|cvv)/i;

/** Payload snapshot for the transfer log: secret-looking keys and the subscription's secret values are masked. */
export function redact(value: unknown, secrets: Record<string, string> = {}, depth = 0): unknown {
  const secretValues = new Set(Object.values(secrets).filter((s) => s.length >= 4));
  const walk = (v: unknown, d: number): unknown => {
    if (d > 20) return '[too deep]';
    if (typeof v === 'string') return secretValues.has(v) ? '[redacted]' : v;
    if (Array.isArray(v)) return v.map((x) => walk(x, d + 1));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : walk(x, d + 1);
      return out;
    }
    return v;
  };
  return walk(value, depth);
}
