import type { ConnectionCheck, InboundWebhook } from '../connectors/types.js';
import type { Queryable } from '../store/index.js';
import { metrics } from '../observability/index.js';
import { ALL_QUEUES, QUEUES, SyncContext, type AnyJob, type InboundJob, type InitJob, type OutboundJob, type SyncEngineDeps } from './context.js';
import { SyncError } from './errors.js';
import { fanOut, processInbound } from './inbound.js';
import { processInitPage, runProgress, type RunProgress } from './init.js';
import { processOutbound } from './outbound.js';
import { renewDueWebhooks, subscribeWebhooks } from './webhook-registrations.js';
import { pollIntervalMs, pollOnce, type PollResult } from './poll.js';
import { clearPause, wakeJobs, endRun, getRun, getSubscriptionInfo, getTransfer, insertRun, listTransfers, pollTargets, queueDepths, releaseJobKeys, requeueStuckJobs, type TransferFilter, type TransferRow } from './sql.js';
import { enqueueManual, hasCollection, receiveWebhook, replay, type ManualSyncRequest, type ReplayRequest, type WebhookAnswer } from './triggers.js';

export interface WorkerOptions {
  /** Parallel fetch loops per queue (default 2). */
  concurrency?: number;
  /** Jobs fetched at once per loop (default 50; init pages are always fetched one by one). */
  batchSize?: number;
  pollingIntervalSeconds?: number;
}

export interface SchedulerOptions {
  /** How often due polls are checked (default 1 s). */
  tickMs?: number;
  /** How often the sweeper and queue-depth metrics run (default 15 s). */
  sweepEveryMs?: number;
  /** Set false to run the sweeper only (no polling). */
  polling?: boolean;
}

export interface TransferPage {
  items: TransferRow[];
  nextCursor: string | null;
}

/**
 * The sync engine: a facade over workers (inbound, outbound, initialization pages), the scheduler
 * (polling, sweeper, metrics), and the triggers (webhook, manual, initialization, replay). The API and
 * the CLI call only this.
 *
 * @example
 * const engine = createSyncEngine({ db, queue, vault, connectors });
 * await engine.startWorkers();
 * await engine.startScheduler();
 */
export class SyncEngine {
  readonly ctx: SyncContext;
  private workerIds: string[] = [];
  private timers: NodeJS.Timeout[] = [];
  private readonly nextPollAt = new Map<string, number>();
  private polling = false;
  private stopped = false;
  private renewalsUnavailable = false;

  constructor(deps: SyncEngineDeps) {
    this.ctx = new SyncContext(deps);
    this.ctx.onEnqueued = (queues) => {
      // Wake local workers at once instead of at their next polling interval.
      for (const id of this.workerIds) if (queues.size > 0) this.ctx.queue.notifyWorker(id);
    };
  }

  /** Creates the queues once per process; call before `hubRecordChanged` (not inside a transaction on PGlite). */
  ensureQueues(): Promise<void> {
    return this.ctx.ensureQueues();
  }

  private readonly inFlight = new Set<Promise<void>>();

  private handle(jobs: Array<{ id: string; data: AnyJob }>): Promise<void> {
    const p = this.handleJobs(jobs);
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p)).catch(() => undefined);
    return p;
  }

  private async handleJobs(jobs: Array<{ id: string; data: AnyJob }>): Promise<void> {
    const keys = jobs.map((j) => (j.data as { key?: string }).key).filter((k): k is string => typeof k === 'string');
    // The key is released when the job starts: a trigger arriving now is a new change and queues again.
    await releaseJobKeys(this.ctx.db, keys);
    await Promise.all(
      jobs.map(async (j) => {
        const data = j.data;
        if (data.kind === 'in') await processInbound(this.ctx, data);
        else if (data.kind === 'out') await processOutbound(this.ctx, data);
        else await processInitPage(this.ctx, data);
      }),
    );
  }

  /** Starts the queue workers of this process. */
  async startWorkers(options: WorkerOptions = {}): Promise<void> {
    this.stopped = false;
    await this.ensureQueues();
    const loops = options.concurrency ?? 2;
    const polling = { pollingIntervalSeconds: options.pollingIntervalSeconds ?? 0.5 };
    for (let i = 0; i < loops; i++) {
      for (const queue of [QUEUES.inbound, QUEUES.outbound]) {
        const batchSize = options.batchSize ?? 50;
        let id = '';
        id = await this.ctx.queue.work<AnyJob>(queue, { ...polling, batchSize }, async (jobs) => {
          await this.handle(jobs);
          // A full batch means more are waiting: fetch again at once instead of after the polling interval.
          if (jobs.length >= batchSize && !this.stopped) this.ctx.queue.notifyWorker(id);
        });
        this.workerIds.push(id);
      }
      this.workerIds.push(await this.ctx.queue.work<AnyJob>(QUEUES.init, { ...polling, batchSize: 1 }, (jobs) => this.handle(jobs)));
    }
    this.timers.push(setInterval(() => void this.ctx.refreshPauses().catch(() => undefined), 1_000));
  }

  /** Starts polling timers, the sweeper and queue-depth metrics. */
  async startScheduler(options: SchedulerOptions = {}): Promise<void> {
    this.stopped = false;
    await this.ensureQueues();
    if (options.polling !== false) this.timers.push(setInterval(() => void this.pollDue().catch((e: unknown) => this.ctx.log.warn('poll failed', { error: String(e) })), options.tickMs ?? 1_000));
    this.timers.push(
      setInterval(() => {
        void this.sweep().catch((e: unknown) => this.ctx.log.warn('sweep failed', { error: String(e) }));
        if (!this.renewalsUnavailable) {
          void renewDueWebhooks(this.ctx).catch((e: unknown) => {
            // A data folder migrated before sync_webhook_registrations existed: say so once, not every tick.
            if ((e as { code?: string }).code === '42P01') this.renewalsUnavailable = true;
            this.ctx.log.warn('webhook renewals failed', { error: String(e) });
          });
        }
        void queueDepths(this.ctx.db, ALL_QUEUES)
          .then((d) => Object.entries(d).forEach(([queue, n]) => metrics.queueDepth.set({ queue }, n)))
          .catch(() => undefined);
      }, options.sweepEveryMs ?? 15_000),
    );
  }

  /** Registers the webhook endpoint (`<publicBaseUrl>/api/v1/webhooks/<id>`) at the system for the subscription's TO_HUB entities. */
  subscribeWebhooks(tenantId: string, subscriptionId: string, publicBaseUrl: string) {
    return subscribeWebhooks(this.ctx, tenantId, subscriptionId, publicBaseUrl);
  }

  /** Renews webhook registrations expiring within `withinMs` (the scheduler does this on every sweep). */
  renewWebhooks(withinMs?: number): Promise<number> {
    return renewDueWebhooks(this.ctx, withinMs);
  }

  /** Re-queues jobs stuck in `active` past the timeout (a worker died holding them). */
  async sweep(stuckAfterSeconds = this.ctx.options.stuckAfterSeconds): Promise<number> {
    const n = await requeueStuckJobs(this.ctx.db, ALL_QUEUES, stuckAfterSeconds);
    if (n > 0) this.ctx.log.warn('re-queued stuck jobs', { count: n });
    return n;
  }

  private async pollDue(): Promise<void> {
    if (this.polling || this.stopped) return;
    this.polling = true;
    try {
      for (const t of await pollTargets(this.ctx.db)) {
        const key = `${t.subscriptionId}|${t.entity}`;
        const now = this.ctx.now();
        if ((this.nextPollAt.get(key) ?? 0) > now) continue;
        this.nextPollAt.set(key, now + pollIntervalMs(t.settings, this.ctx.options.pollIntervalMs));
        await this.pollNow(t.subscriptionId, t.entity).catch((e: unknown) => this.ctx.log.warn('poll failed', { subscriptionId: t.subscriptionId, entity: t.entity, error: String(e) }));
      }
    } finally {
      this.polling = false;
    }
  }

  /** Polls one entity of one subscription now. Null when another process is polling it. */
  async pollNow(subscriptionId: string, entity: string): Promise<PollResult | null> {
    await this.ensureQueues();
    const sub = await getSubscriptionInfo(this.ctx.db, subscriptionId);
    if (!sub) throw new SyncError('JCT_SYNC_NOT_FOUND', `No subscription with id ${subscriptionId}.`);
    return pollOnce(this.ctx, { tenantId: sub.tenantId, subscriptionId, entity });
  }

  /**
   * Lifts a subscription's pause now (an operator knows the quota was raised, say) and moves its
   * waiting jobs to now. Pauses set by later 429s apply again as usual.
   */
  async resume(subscriptionId: string): Promise<number> {
    this.ctx.gate(subscriptionId).pausedUntil = 0;
    await clearPause(this.ctx.db, subscriptionId);
    const n = await wakeJobs(this.ctx.db, ALL_QUEUES, subscriptionId);
    this.ctx.onEnqueued(new Set(ALL_QUEUES));
    return n;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const id of this.workerIds) await this.ctx.queue.offWork({ id } as never).catch(() => undefined);
    this.workerIds = [];
    // Let jobs already fetched finish (their transactions commit or roll back cleanly).
    await Promise.allSettled([...this.inFlight]);
  }

  /**
   * A hub record changed outside any subscription (REST API, console): queue it for every
   * subscription's FROM_HUB collections of its model, inside the caller's transaction.
   */
  async hubRecordChanged(tx: Queryable, change: { tenantId: string; hubId: string; version: number; model: string }): Promise<number> {
    return fanOut(this.ctx, tx, [{ ...change, origin: null, trigger: 'api', triggeredAt: Date.now() }]);
  }

  async enqueueManual(req: ManualSyncRequest) {
    await this.ensureQueues();
    return enqueueManual(this.ctx, req);
  }

  async receiveWebhook(subscriptionId: string, call: InboundWebhook): Promise<WebhookAnswer> {
    await this.ensureQueues();
    return receiveWebhook(this.ctx, subscriptionId, call);
  }

  async replay(req: ReplayRequest) {
    await this.ensureQueues();
    return replay(this.ctx, req);
  }

  async startInitialization(req: { tenantId: string; subscriptionId: string; entity: string; collectionId?: string }): Promise<RunProgress> {
    const sub = await getSubscriptionInfo(this.ctx.db, req.subscriptionId);
    if (!sub || sub.tenantId !== req.tenantId) throw new SyncError('JCT_SYNC_NOT_FOUND', `No subscription with id ${req.subscriptionId}.`, { field: 'subscriptionId' });
    if (!req.collectionId && !(await hasCollection(this.ctx.db, sub.id, 'TO_HUB', req.entity))) {
      throw new SyncError('JCT_SYNC_NO_COLLECTION', `Subscription ${sub.id} has no enabled TO_HUB collection for entity "${req.entity}".`, { field: 'entity' });
    }
    await this.ensureQueues();
    const run = await this.ctx.db.transaction(async (tx) => {
      const r = await insertRun(tx, { tenantId: sub.tenantId, subscriptionId: sub.id, entity: req.entity, collectionId: req.collectionId ?? null });
      const job: InitJob = { kind: 'init', runId: r.id, cursor: null };
      await this.ctx.enqueue(tx, [{ queue: QUEUES.init, data: job }]);
      return r;
    });
    return runProgress(run, this.ctx.now());
  }

  async getInitialization(tenantId: string, runId: string): Promise<RunProgress> {
    const run = await getRun(this.ctx.db, runId);
    if (!run || run.tenantId !== tenantId) throw new SyncError('JCT_SYNC_NOT_FOUND', `No initialization run ${runId}.`, { field: 'runId' });
    return runProgress(run, this.ctx.now());
  }

  async cancelInitialization(tenantId: string, runId: string): Promise<RunProgress> {
    const run = await getRun(this.ctx.db, runId);
    if (!run || run.tenantId !== tenantId) throw new SyncError('JCT_SYNC_NOT_FOUND', `No initialization run ${runId}.`, { field: 'runId' });
    await endRun(this.ctx.db, runId, 'cancelled');
    return this.getInitialization(tenantId, runId);
  }

  async listTransfers(tenantId: string, filter: TransferFilter, page: { limit?: number; cursor?: string } = {}): Promise<TransferPage> {
    const limit = Math.min(Math.max(page.limit ?? 50, 1), 500);
    let after: { createdUs: number; id: string } | undefined;
    if (page.cursor) {
      try {
        const [createdUs, id] = JSON.parse(Buffer.from(page.cursor, 'base64url').toString()) as [number, string];
        if (!Number.isSafeInteger(createdUs) || typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) throw new Error('bad');
        after = { createdUs, id };
      } catch {
        throw new SyncError('JCT_SYNC_INVALID_REQUEST', 'The cursor is not one this API returned.', { field: 'cursor' });
      }
    }
    const rows = await listTransfers(this.ctx.db, tenantId, filter, { limit: limit + 1, ...(after ? { after } : {}) });
    const page1 = rows.slice(0, limit);
    const last = page1[page1.length - 1];
    const items: TransferRow[] = page1.map(({ cursorUs: _c, ...t }) => t);
    return { items, nextCursor: rows.length > limit && last ? Buffer.from(JSON.stringify([last.cursorUs, last.id])).toString('base64url') : null };
  }

  async getTransfer(tenantId: string, id: string): Promise<TransferRow> {
    const t = await getTransfer(this.ctx.db, tenantId, id);
    if (!t) throw new SyncError('JCT_SYNC_NOT_FOUND', `No transfer ${id}.`, { field: 'id' });
    return t;
  }

  async testConnection(subscriptionId: string): Promise<ConnectionCheck[]> {
    try {
      const rt = await this.ctx.runtime(subscriptionId);
      return await rt.connector.testConnection();
    } catch (error) {
      if (error instanceof SyncError) throw error;
      const code = (error as { code?: string }).code;
      if (code === 'SUBSCRIPTION_NOT_FOUND') throw new SyncError('JCT_SYNC_NOT_FOUND', `No subscription with id ${subscriptionId}.`, { field: 'subscriptionId' });
      return [{ name: 'connect', ok: false, message: error instanceof Error ? error.message : String(error) }];
    }
  }

  /** Waits until the sync queues are empty (tests, CLI `--wait`). */
  async drain(timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const d = await queueDepths(this.ctx.db, ALL_QUEUES);
      if (Object.values(d).every((n) => n === 0)) return;
      if (Date.now() > until) throw new Error(`sync queues not drained after ${timeoutMs} ms: ${JSON.stringify(d)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export function createSyncEngine(deps: SyncEngineDeps): SyncEngine {
  return new SyncEngine(deps);
}

export type { InboundJob, OutboundJob };
