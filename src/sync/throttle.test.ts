import { describe, expect, it } from 'vitest';
import { leaseSize, PausedError, SubscriptionGate, type RateLease } from './throttle.js';

/** An in-memory stand-in for sync_rate_windows: used tokens per window start, never above the limit. */
function sharedWindows() {
  const used = new Map<number, number>();
  let queries = 0;
  const lease: RateLease = async (start, _end, limit, want) => {
    queries += 1;
    const u = used.get(start) ?? 0;
    const granted = Math.max(0, Math.min(want, limit - u));
    used.set(start, u + granted);
    return granted;
  };
  return { lease, used, queries: () => queries };
}

describe('shared request rate', () => {
  it('leases 5 % of the limit at a time (at least 1)', () => {
    expect(leaseSize(20)).toBe(1);
    expect(leaseSize(100)).toBe(5);
    expect(leaseSize(6000)).toBe(300);
  });

  it('two gates on one store never start more than the limit in a window', async () => {
    const w = sharedWindows();
    const settings = { requests: 10, perSeconds: 0.2, concurrency: 50 };
    const a = new SubscriptionGate(settings, () => undefined, Date.now, w.lease);
    const b = new SubscriptionGate(settings, () => undefined, Date.now, w.lease);
    const starts: number[] = [];
    const req = async () => void starts.push(Date.now());
    await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).gate(req)));
    const perWindow = new Map<number, number>();
    for (const t of starts) perWindow.set(Math.floor(t / 200), (perWindow.get(Math.floor(t / 200)) ?? 0) + 1);
    expect(Math.max(...perWindow.values())).toBeLessThanOrEqual(10);
    expect(perWindow.size).toBeGreaterThanOrEqual(3);
    for (const u of w.used.values()) expect(u).toBeLessThanOrEqual(10);
  });

  it('asks the store once per batch, not per request', async () => {
    const w = sharedWindows();
    const gate = new SubscriptionGate({ requests: 1000, perSeconds: 10, concurrency: 10 }, () => undefined, Date.now, w.lease);
    await Promise.all(Array.from({ length: 100 }, () => gate.gate(async () => undefined)));
    // 50 tokens per lease: 2 leases (a third only if the 10 s window turned over meanwhile).
    expect(w.queries()).toBeLessThanOrEqual(3);
  });

  it('reschedules when the window is exhausted for longer than a short wait', async () => {
    const w = sharedWindows();
    const gate = new SubscriptionGate({ requests: 1, perSeconds: 3600, concurrency: 1 }, () => undefined, Date.now, w.lease);
    await gate.gate(async () => 1);
    await expect(gate.gate(async () => 1)).rejects.toBeInstanceOf(PausedError);
  });

  it('falls back to the per-process bucket when the lease fails', async () => {
    const errors: unknown[] = [];
    const gate = new SubscriptionGate({ requests: 5, perSeconds: 1, concurrency: 5 }, () => undefined, Date.now, async () => Promise.reject(new Error('db down')), (e) => errors.push(e));
    expect(await gate.gate(async () => 42)).toBe(42);
    expect(errors.length).toBe(1);
  });
});
