import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../connectors/types.js';
import { SYNC_ERROR_CODES, SyncError } from './errors.js';
import { backoffMs, classify } from './retry.js';
import { PausedError, SubscriptionGate } from './throttle.js';

const policy = { maxAttempts: 4, baseDelayMs: 1000 };

describe('retry policy', () => {
  it('backs off exponentially with jitter in [ceiling/2, ceiling], capped', () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      const ceiling = Math.min(300_000, 1000 * 2 ** (attempt - 1));
      expect(backoffMs(attempt, { random: () => 0 })).toBe(ceiling / 2);
      expect(backoffMs(attempt, { random: () => 1 })).toBe(ceiling);
    }
  });

  it('classifies connector errors: 429 and quota wait without using attempts, transient retries then fails, permanent fails', () => {
    const now = 1_000_000;
    expect(classify(new ConnectorError('rate_limited', 'X', 'slow down', { retryAfterMs: 1500 }), 1, now, policy)).toMatchObject({ kind: 'retry', at: now + 1500, countsAttempt: false });
    expect(classify(new ConnectorError('quota', 'X', 'cap', { resetAt: '1970-01-02T00:00:00.000Z' }), 1, now, policy)).toMatchObject({ kind: 'retry', at: 86_400_000, countsAttempt: false });
    expect(classify(new ConnectorError('transient', 'X', '503'), 1, now, policy)).toMatchObject({ kind: 'retry', countsAttempt: true });
    expect(classify(new ConnectorError('transient', 'X', '503'), 4, now, policy)).toMatchObject({ kind: 'fail', code: 'JCT_SYNC_TRANSIENT' });
    expect(classify(new ConnectorError('permanent', 'X', 'bad', { field: 'email' }), 1, now, policy)).toMatchObject({ kind: 'fail', code: 'JCT_SYNC_DESTINATION', field: 'email' });
    expect(classify(new ConnectorError('duplicate', 'X', 'exists'), 1, now, policy)).toMatchObject({ kind: 'fail', code: 'JCT_SYNC_DUPLICATE' });
    expect(classify(new PausedError(now + 5000), 2, now, policy)).toMatchObject({ kind: 'retry', at: now + 5000, countsAttempt: false });
    expect(classify(new SyncError('JCT_SYNC_NOT_LINKED', 'not linked'), 1, now, policy)).toMatchObject({ kind: 'fail', code: 'JCT_SYNC_NOT_LINKED' });
  });

  it('error codes are unique and prefixed', () => {
    const codes = Object.keys(SYNC_ERROR_CODES);
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of codes) expect(c).toMatch(/^JCT_SYNC_[A-Z_]+$/);
  });
});

describe('subscription gate', () => {
  it('limits concurrency', async () => {
    const gate = new SubscriptionGate({ requests: 1000, perSeconds: 1, concurrency: 2 }, () => undefined);
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 8 }, () =>
        gate.gate(async () => {
          active += 1;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, 5));
          active -= 1;
        }),
      ),
    );
    expect(peak).toBe(2);
  });

  it('a 429 pauses before the slot is released: the next request waits for Retry-After', async () => {
    const pauses: number[] = [];
    const gate = new SubscriptionGate({ requests: 1000, perSeconds: 1, concurrency: 1 }, (until) => pauses.push(until));
    const times: number[] = [];
    const first = gate.gate(async () => {
      times.push(Date.now());
      throw new ConnectorError('rate_limited', 'X', '429', { retryAfterMs: 120 });
    });
    const second = gate.gate(async () => times.push(Date.now()));
    await expect(first).rejects.toMatchObject({ kind: 'rate_limited' });
    await second;
    expect(pauses.length).toBe(1);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(120);
  });

  it('reschedules instead of sleeping through long pauses', async () => {
    const gate = new SubscriptionGate({ requests: 10, perSeconds: 1, concurrency: 1 }, () => undefined);
    gate.pause(Date.now() + 60_000, 'quota');
    await expect(gate.gate(async () => 1)).rejects.toBeInstanceOf(PausedError);
  });

  it('spaces requests by the token bucket', async () => {
    const gate = new SubscriptionGate({ requests: 5, perSeconds: 0.1, concurrency: 10 }, () => undefined);
    const started = Date.now();
    await Promise.all(Array.from({ length: 10 }, () => gate.gate(async () => undefined)));
    // 5 at once, then 5 more at 50/s: at least ~100 ms
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });
});
