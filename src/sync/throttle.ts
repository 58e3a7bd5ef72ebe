import { setTimeout as sleep } from 'node:timers/promises';
import { ConnectorError } from '../connectors/types.js';

/**
 * Per-subscription throttling: a token bucket (`requests` per `perSeconds`), a concurrency
 * semaphore and a pause (429 Retry-After, daily quota). The gate is what connectors wrap every
 * request in. A rate-limit answer sets the pause *before* the slot is released, so no request of
 * this process goes out before the Retry-After expires; the pause is also stored in the database
 * (see `onPause`) so other workers honour it.
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

  private async takeToken(): Promise<void> {
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
