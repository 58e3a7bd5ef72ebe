import { ConnectorError } from '../connectors/types.js';
import { PausedError } from './throttle.js';
import { SyncError } from './errors.js';

/** Retry policy: named limits in one place. */
export const RETRY = Object.freeze({
  /** Attempts in all (first try included) for transient errors before the transfer goes to the error log. */
  maxAttempts: 6,
  baseDelayMs: 1_000,
  maxDelayMs: 5 * 60_000,
  /** Etag conflicts re-read and retry immediately this many times within one attempt. */
  conflictRetries: 3,
});

export type Verdict =
  | { kind: 'retry'; at: number; reason: string; countsAttempt: boolean }
  | { kind: 'fail'; code: string; message: string; field?: string };

/** Exponential backoff with full jitter: uniform in [base·2^(n-1)/2, base·2^(n-1)], capped. */
export function backoffMs(attempt: number, options: { baseDelayMs?: number; maxDelayMs?: number; random?: () => number } = {}): number {
  const base = options.baseDelayMs ?? RETRY.baseDelayMs;
  const cap = options.maxDelayMs ?? RETRY.maxDelayMs;
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt - 1));
  const r = (options.random ?? Math.random)();
  return Math.round(ceiling / 2 + (ceiling / 2) * r);
}

/**
 * What to do with a failure: retry at a time (429 → Retry-After, quota → reset time, transient →
 * backoff) or fail for good (permanent, validation, not linked…).
 */
export function classify(error: unknown, attempt: number, now: number, policy: { maxAttempts: number; baseDelayMs: number }): Verdict {
  if (error instanceof PausedError) return { kind: 'retry', at: error.until, reason: 'paused', countsAttempt: false };
  if (error instanceof ConnectorError) {
    // Another job holds the create claim of this record: wait for it without using up attempts.
    if (error.code === 'JCT_SYNC_BUSY') return { kind: 'retry', at: now + 1_000 + Math.round(Math.random() * 1_000), reason: 'busy', countsAttempt: false };
    switch (error.kind) {
      case 'rate_limited':
        return { kind: 'retry', at: now + (error.retryAfterMs ?? 1000), reason: 'rate_limited', countsAttempt: false };
      case 'quota':
        return { kind: 'retry', at: error.resetAt ? Date.parse(error.resetAt) : now + 60_000, reason: 'quota', countsAttempt: false };
      case 'transient':
      case 'auth':
      case 'conflict':
        if (attempt >= policy.maxAttempts) {
          return { kind: 'fail', code: 'JCT_SYNC_TRANSIENT', message: `${error.message} (gave up after ${attempt} attempts; replay the transfer when the system is healthy again)`, ...(error.field ? { field: error.field } : {}) };
        }
        return { kind: 'retry', at: now + backoffMs(attempt, { baseDelayMs: policy.baseDelayMs }), reason: error.kind, countsAttempt: true };
      case 'duplicate':
        return { kind: 'fail', code: 'JCT_SYNC_DUPLICATE', message: `${error.message} Pick a collision handling method on the mapping collection (Update and Link, Remap and Link or Update and No Link) to link to the existing record.`, ...(error.field ? { field: error.field } : {}) };
      case 'not_found':
        return { kind: 'fail', code: 'JCT_SYNC_SOURCE_NOT_FOUND', message: error.message, ...(error.field ? { field: error.field } : {}) };
      default:
        return { kind: 'fail', code: 'JCT_SYNC_DESTINATION', message: error.message + (error.field ? ` (field ${error.field})` : ''), ...(error.field ? { field: error.field } : {}) };
    }
  }
  if (error instanceof SyncError) return { kind: 'fail', code: error.code, message: error.message, ...(error.details.field ? { field: error.details.field } : {}) };
  const e = error as { code?: unknown; message?: unknown; details?: { field?: string } };
  const code = typeof e?.code === 'string' ? e.code : 'JCT_SYNC_INTERNAL';
  // Lost database connections and the like are worth retrying; known codes from other areas are not.
  if (code === 'JCT_SYNC_INTERNAL' && attempt < policy.maxAttempts) {
    return { kind: 'retry', at: now + backoffMs(attempt, { baseDelayMs: policy.baseDelayMs }), reason: 'internal', countsAttempt: true };
  }
  return { kind: 'fail', code, message: typeof e?.message === 'string' ? e.message : String(error), ...(e?.details?.field ? { field: e.details.field } : {}) };
}
