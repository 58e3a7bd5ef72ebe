import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { ConnectorError } from '../connectors/types.js';

/**
 * Per-subscription throttling: a request rate (`requests` per `perSeconds`), a concurrency
 * semaphore and a pause (429 Retry-After, daily quota). The gate is what connectors wrap every
 * request in. A rate-limit answer sets the pause *before* the slot is released, so no request of
 * this process goes out before the Retry-After expires; the pause is also stored in the database
 * (see `onPause`) so other workers honour it.
 *
 * The rate is paced: request starts are at least `perSeconds / requests` apart, so no interval of
 * `perSeconds` holds more than `requests` of them, wherever it starts (fixed windows let up to twice
 * the limit through across a window boundary, and let a long window be spent in its first seconds).
 * With a `lease` (the engine's: one row per subscription in the database, on the database's clock)
 * the slots are shared by every process: a gate reserves about a second's worth at a time, only when
 * the first is at most a short wait away (a job that would wait longer is rescheduled without holding
 * a slot another worker could use), and starts each request at its slot. Slots that pass unused are
 * dropped, never caught up in a burst. Without a lease (or while the lease query fails) the same
 * pacing applies per process. Concurrency is per process.
 */
export interface ThrottleSettings {
  requests: number;
  perSeconds: number;
  concurrency: number;
}

/** Longest pause a request waits for inside the gate; longer ones reschedule the job. */
export const MAX_INLINE_WAIT_MS = 2_000;

/**
 * Thrown by the gate (no request sent) when the next request may only start after more than a short
 * wait: the subscription is paused (429, quota), or its request rate's next slot is that far away.
 */
export class PausedError extends Error {
  readonly code = 'JCT_SYNC_PAUSED';
  constructor(
    readonly until: number,
    readonly reason: 'paused' | 'rate' = 'paused',
  ) {
    super(reason === 'rate' ? `The subscription's request rate allows its next request at ${new Date(until).toISOString()}.` : `The subscription is paused until ${new Date(until).toISOString()}.`);
    this.name = 'PausedError';
  }
}

/**
 * Reserves `count` consecutive request slots `intervalMs` apart, after every slot reserved before
 * (by any process) and not before the store's now, but only if the first is at most `maxWaitMs`
 * away. Slots reserved under another interval do not hold back the new one. Times are epoch ms on
 * the store's clock: the first slot when reserved, else the first free one; and the store's now.
 */
export type SlotLease = (count: number, intervalMs: number, maxWaitMs: number) => Promise<{ reserved: boolean; firstAt: number; storeNow: number }>;

/** Milliseconds between request starts. */
export const pacingInterval = (settings: ThrottleSettings): number => (settings.perSeconds * 1000) / Math.max(1, settings.requests);

/** Slots reserved at a time: about a second's worth, at least 1, at most the limit. */
export const leaseSize = (settings: ThrottleSettings): number => Math.max(1, Math.min(Math.floor(settings.requests), Math.floor(1000 / pacingInterval(settings))));

/** Waits shorter than this are not slept (a timer would add a millisecond or more). */
const MIN_SLEEP_MS = 1;
/** A timer firing this late (or one interval, if longer) is still on time: that much is ordinary. */
const LATE_TOLERANCE_MS = 5;

export class SubscriptionGate {
  private active = 0;
  private readonly waiters: Array<() => void> = [];
  /** Epoch ms before which no request may start. */
  pausedUntil = 0;
  calls = 0;
  /** Reserved slots not used yet: the next one (local clock) and how many. */
  private nextSlot = 0;
  private slotsLeft = 0;
  /** End of the last reserved batch (local clock): a later batch never starts before it. */
  private reservedUntil = 0;
  /** First free shared slot when the store last declined to reserve (local clock). */
  private nextFreeAt = 0;
  private leasing: Promise<void> | null = null;
  /** Epoch ms until which the lease failed and per-process pacing applies. */
  private leaseDownUntil = 0;
  /** Next free slot of the per-process pacing. */
  private nextLocalSlot = 0;

  constructor(
    private settings: ThrottleSettings,
    private readonly onPause: (until: number, reason: string) => void,
    private readonly now: () => number = Date.now,
    private readonly lease?: SlotLease,
    private readonly onLeaseError: (error: unknown) => void = () => undefined,
  ) {}

  configure(settings: ThrottleSettings): void {
    if (pacingInterval(settings) !== pacingInterval(this.settings)) {
      // Slots of the old rate no longer apply (the store drops them too when the interval differs).
      this.slotsLeft = 0;
      this.reservedUntil = 0;
      this.nextFreeAt = 0;
      this.nextLocalSlot = 0;
    }
    this.settings = settings;
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

  private takeSlot(): Promise<void> {
    return this.lease && this.now() >= this.leaseDownUntil ? this.takeSharedSlot() : this.takeLocalSlot();
  }

  /**
   * Consumes `slot` and waits for it; false when the wait ended more than an interval late (the
   * event loop was busy, e.g. with embedded PostgreSQL work): the slot's moment has passed, so the
   * caller takes another one rather than start off the pace.
   */
  private async startAt(slot: number, consume: () => void): Promise<boolean> {
    const wait = slot - this.now();
    consume();
    if (wait >= MIN_SLEEP_MS) await sleep(wait);
    return this.now() - slot <= Math.max(pacingInterval(this.settings), LATE_TOLERANCE_MS);
  }

  private async takeSharedSlot(): Promise<void> {
    const lease = this.lease as SlotLease;
    for (;;) {
      const interval = pacingInterval(this.settings);
      const t = this.now();
      if (this.slotsLeft > 0 && this.nextSlot < t - interval) {
        // Slots that passed unused are gone: using them now could start two requests closer than the interval.
        const missed = Math.min(this.slotsLeft, Math.floor((t - interval - this.nextSlot) / interval) + 1);
        this.slotsLeft -= missed;
        this.nextSlot += missed * interval;
      }
      if (this.slotsLeft > 0) {
        const onTime = await this.startAt(this.nextSlot, () => {
          this.nextSlot += interval;
          this.slotsLeft -= 1;
        });
        if (onTime) return;
        continue;
      }
      if (this.nextFreeAt > t) {
        // The store declined: its first free slot was further than a short wait. Reschedule the job,
        // holding nothing another worker could use, or wait until the store will reserve it.
        const wait = this.nextFreeAt - MAX_INLINE_WAIT_MS - t;
        if (wait > MAX_INLINE_WAIT_MS) throw new PausedError(this.nextFreeAt, 'rate');
        await sleep(Math.max(wait, LATE_TOLERANCE_MS));
        this.nextFreeAt = 0;
        continue;
      }
      // One lease in flight per gate; the other requests wait for it and look again.
      this.leasing ??= (async () => {
        try {
          const count = leaseSize(this.settings);
          const sent = this.now();
          const result = await lease(count, interval, MAX_INLINE_WAIT_MS);
          // The store read its clock somewhere between send and receive: take the midpoint.
          const offset = (sent + this.now()) / 2 - result.storeNow;
          if (interval !== pacingInterval(this.settings)) return; // the rate changed meanwhile: look again
          if (!result.reserved) {
            this.nextFreeAt = result.firstAt + offset;
            return;
          }
          this.nextSlot = Math.max(result.firstAt + offset, this.reservedUntil);
          this.slotsLeft = count;
          this.reservedUntil = this.nextSlot + count * interval;
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
      if (this.now() < this.leaseDownUntil) return this.takeLocalSlot();
    }
  }

  private async takeLocalSlot(): Promise<void> {
    for (;;) {
      const slot = Math.max(this.nextLocalSlot, this.now());
      // Not consumed: the rescheduled job finds it again.
      if (slot - this.now() > MAX_INLINE_WAIT_MS) throw new PausedError(slot, 'rate');
      if (await this.startAt(slot, () => (this.nextLocalSlot = slot + pacingInterval(this.settings)))) return;
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
      await this.takeSlot();
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
