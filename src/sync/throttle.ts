import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { ConnectorError } from '../connectors/types.js';

/**
 * Per-subscription throttling: a request rate (`requests` per `perSeconds`), a concurrency
 * semaphore and a pause (429 Retry-After, daily quota). The gate is what connectors wrap every
 * request in. A rate-limit answer sets the pause *before* the slot is released, so no request of
 * this process goes out before the Retry-After expires; the pause is also stored in the database
 * (see `onPause`) so other workers honour it.
 *
 * With a `lease` (the engine's: a row per subscription and window in the database), the rate is
 * shared by every process on the database: time is cut into fixed windows of `perSeconds` aligned on
 * the epoch, and the gate leases small batches of the window's `requests` (max(1, 5 %)) at a time;
 * a request only uses a token of the window it starts in, so in every window at most `requests`
 * requests start across all processes. An exhausted window waits for the next one. Without a lease
 * (or when the lease query fails) a per-process token bucket applies. Concurrency is per process.
 */
export interface ThrottleSettings {
  requests: number;
  perSeconds: number;
  concurrency: number;
}

/** Longest pause a request waits for inside the gate; longer ones reschedule the job. */
export const MAX_INLINE_WAIT_MS = 2_000;

/** Thrown by the gate (no request sent) when the subscription is paused for longer than a short wait. */
export class PausedError extends Error {
  readonly code = 'JCT_SYNC_PAUSED';
  constructor(readonly until: number) {
    super(`The subscription is paused until ${new Date(until).toISOString()}.`);
    this.name = 'PausedError';
  }
}

/** Leases up to `want` tokens of the window [start, end) shared by all processes; returns those granted. */
export type RateLease = (windowStart: number, windowEnd: number, limit: number, want: number) => Promise<number>;

/** Tokens leased at a time: 5 % of the window's limit, at least 1. */
export const leaseSize = (limit: number): number => Math.max(1, Math.floor(limit * 0.05));

export class SubscriptionGate {
  private tokens: number;
  private lastRefill: number;
  private active = 0;
  private readonly waiters: Array<() => void> = [];
  /** Epoch ms before which no request may start. */
  pausedUntil = 0;
  calls = 0;

  constructor(
    private settings: ThrottleSettings,
    private readonly onPause: (until: number, reason: string) => void,
    private readonly now: () => number = Date.now,
    private readonly lease?: RateLease,
    private readonly onLeaseError: (error: unknown) => void = () => undefined,
  ) {
    this.tokens = settings.requests;
    this.lastRefill = now();
  }

  configure(settings: ThrottleSettings): void {
    this.settings = settings;
    this.tokens = Math.min(this.tokens, settings.requests);
  }

  pause(until: number, reason: string): void {
    if (until > this.pausedUntil) {
      this.pausedUntil = until;
      this.onPause(until, reason);
    }
  }

  private async acquire(): Promise<void> {
    while (this.active >= this.settings.concurrency) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    this.active += 1;
  }

  private release(): void {
    this.active -= 1;
    this.waiters.shift()?.();
  }

  /** Window (start ms) the leased tokens belong to; tokens of an older window are dropped. */
  private leaseWindow = -1;
  private leased = 0;
  private windowExhausted = false;
  private leasing: Promise<void> | null = null;
  /** Epoch ms until which the lease failed and the local bucket applies. */
  private leaseDownUntil = 0;
  leases = 0;

  private takeToken(): Promise<void> {
    return this.lease && this.now() >= this.leaseDownUntil ? this.takeSharedToken() : this.takeLocalToken();
  }

  private async takeSharedToken(): Promise<void> {
    const lease = this.lease as RateLease;
    for (;;) {
      const t = this.now();
      const windowMs = this.settings.perSeconds * 1000;
      const start = Math.floor(t / windowMs) * windowMs;
      const end = start + windowMs;
      if (start !== this.leaseWindow) {
        this.leaseWindow = start;
        this.leased = 0;
        this.windowExhausted = false;
      }
      if (this.leased >= 1) {
        this.leased -= 1;
        return;
      }
      if (this.windowExhausted) {
        const wait = end - t;
        // Long windows are not slept through inside a job: the job is rescheduled for the next window.
        if (wait > MAX_INLINE_WAIT_MS) throw new PausedError(end);
        await sleep(wait + 1);
        continue;
      }
      // One lease in flight per gate; the other requests wait for it and look again.
      this.leasing ??= (async () => {
        try {
          const limit = Math.max(1, Math.floor(this.settings.requests));
          const granted = await lease(start, end, limit, leaseSize(limit));
          this.leases += 1;
          if (this.leaseWindow === start) {
            this.leased += granted;
            if (granted === 0) this.windowExhausted = true;
          }
        } catch (error) {
          this.onLeaseError(error);
          this.leaseDownUntil = this.now() + 5_000;
        } finally {
          this.leasing = null;
        }
      })();
      await this.leasing;
      // Resume each waiter in its own turn of the event loop: a 429 answered to the first request the
      // lease let through is seen (and pauses the gate) before the next one checks the pause.
      await nextTurn();
      if (this.now() < this.leaseDownUntil) return this.takeLocalToken();
    }
  }

  private async takeLocalToken(): Promise<void> {
    for (;;) {
      const t = this.now();
      const rate = this.settings.requests / (this.settings.perSeconds * 1000);
      this.tokens = Math.min(this.settings.requests, this.tokens + (t - this.lastRefill) * rate);
      this.lastRefill = t;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await sleep(Math.ceil((1 - this.tokens) / rate));
    }
  }

  private async waitPause(): Promise<void> {
    for (;;) {
      const wait = this.pausedUntil - this.now();
      if (wait <= 0) return;
      // Long pauses are not slept through inside a job: the job is rescheduled for the pause's end.
      if (wait > MAX_INLINE_WAIT_MS) throw new PausedError(this.pausedUntil);
      await sleep(wait + 1);
    }
  }

  readonly gate = async <T>(request: () => Promise<T>): Promise<T> => {
    await this.acquire();
    try {
      await this.waitPause();
      await this.takeToken();
      await this.waitPause();
      this.calls += 1;
      try {
        return await request();
      } catch (error) {
        if (error instanceof ConnectorError) {
          if (error.kind === 'rate_limited') this.pause(this.now() + (error.retryAfterMs ?? 1000), 'rate_limited');
          if (error.kind === 'quota') this.pause(error.resetAt ? Date.parse(error.resetAt) : this.now() + 60_000, 'quota');
        }
        throw error;
      }
    } finally {
      this.release();
    }
  };
}
