import { describe, expect, it } from 'vitest';
import { leaseSize, pacingInterval, PausedError, SubscriptionGate, type SlotLease } from './throttle.js';

/** An in-memory stand-in for sync_rate_pacing (as reserveRateSlots): on a store clock `skewMs` ahead. */
function sharedPacing(skewMs = 0) {
  let nextAt = 0;
  let reservedAt = 0;
  let queries = 0;
  const lease: SlotLease = async (count, intervalMs, maxWaitMs) => {
    queries += 1;
    const storeNow = Date.now() + skewMs;
    const free = reservedAt === intervalMs ? Math.max(nextAt, storeNow) : storeNow;
    if (reservedAt === intervalMs && free > storeNow + maxWaitMs) return { reserved: false, firstAt: free, storeNow };
    nextAt = free + count * intervalMs;
    reservedAt = intervalMs;
    return { reserved: true, firstAt: free, storeNow };
  };
  return { lease, queries: () => queries };
}

/** Most request starts inside any interval of `windowMs`, wherever it begins. */
function maxInSlidingWindow(starts: number[], windowMs: number): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while ((sorted[i] as number) - (sorted[j] as number) >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe('paced request rate', () => {
  it('spaces request starts perSeconds / requests apart and reserves about a second of slots at a time', () => {
    expect(pacingInterval({ requests: 6000, perSeconds: 300, concurrency: 5 })).toBe(50);
    expect(leaseSize({ requests: 6000, perSeconds: 300, concurrency: 5 })).toBe(20);
    expect(leaseSize({ requests: 10, perSeconds: 1, concurrency: 1 })).toBe(10);
    expect(leaseSize({ requests: 1, perSeconds: 3600, concurrency: 1 })).toBe(1);
  });

  it('two gates on one store never start more than the limit in any interval of perSeconds', async () => {
    const store = sharedPacing();
    const settings = { requests: 10, perSeconds: 0.2, concurrency: 50 };
    const a = new SubscriptionGate(settings, () => undefined, Date.now, store.lease);
    const b = new SubscriptionGate(settings, () => undefined, Date.now, store.lease);
    const starts: number[] = [];
    const req = async () => void starts.push(Date.now());
    const began = Date.now();
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).gate(req)));
    // 40 starts at one per 20 ms take at least 39 intervals, and no 200 ms anywhere holds more than 10
    // (one more is allowed for a timer firing late at the window's edge).
    expect(Date.now() - began).toBeGreaterThanOrEqual(39 * 20 - 5);
    expect(maxInSlidingWindow(starts, 200)).toBeLessThanOrEqual(11);
    expect(a.calls + b.calls).toBe(40);
  });

  it('places the store’s slots on the local clock when the two disagree', async () => {
    const store = sharedPacing(60_000); // the database's clock is a minute ahead
    const gate = new SubscriptionGate({ requests: 10, perSeconds: 1, concurrency: 10 }, () => undefined, Date.now, store.lease);
    const began = Date.now();
    await Promise.all(Array.from({ length: 5 }, () => gate.gate(async () => undefined)));
    // Without the correction every slot would look a minute away and the requests would be rescheduled.
    expect(Date.now() - began).toBeLessThan(1_500);
  });

  it('asks the store once per batch of slots, not per request', async () => {
    const store = sharedPacing();
    const gate = new SubscriptionGate({ requests: 1000, perSeconds: 1, concurrency: 10 }, () => undefined, Date.now, store.lease);
    await Promise.all(Array.from({ length: 100 }, () => gate.gate(async () => undefined)));
    expect(store.queries()).toBe(1);
  });

  it('drops slots that passed unused instead of catching up in a burst', async () => {
    const store = sharedPacing();
    const gate = new SubscriptionGate({ requests: 10, perSeconds: 1, concurrency: 10 }, () => undefined, Date.now, store.lease);
    await gate.gate(async () => undefined); // reserves 10 slots, uses the first
    await new Promise((r) => setTimeout(r, 1_050)); // the other 9 pass
    const starts: number[] = [];
    await Promise.all(Array.from({ length: 3 }, () => gate.gate(async () => void starts.push(Date.now()))));
    expect(store.queries()).toBe(2);
    expect(Math.max(...starts) - Math.min(...starts)).toBeGreaterThanOrEqual(2 * 100 - 5);
  });

  it('reschedules (PausedError at the next free slot) when it is further than a short wait, holding no slot', async () => {
    const store = sharedPacing();
    const settings = { requests: 1, perSeconds: 3600, concurrency: 1 };
    const a = new SubscriptionGate(settings, () => undefined, Date.now, store.lease);
    const b = new SubscriptionGate(settings, () => undefined, Date.now, store.lease);
    const began = Date.now();
    await a.gate(async () => 1);
    const first = (await a.gate(async () => 1).catch((e: unknown) => e)) as PausedError;
    expect(first).toBeInstanceOf(PausedError);
    expect(first.reason).toBe('rate');
    expect(first.message).toContain('request rate allows its next request at');
    expect(first.until).toBeGreaterThanOrEqual(began + 3_600_000 - 50);
    // Another worker is told the same time: no slot was taken for the rescheduled job.
    const other = (await b.gate(async () => 1).catch((e: unknown) => e)) as PausedError;
    expect(Math.abs(other.until - first.until)).toBeLessThan(50);
  });

  it('forgets slots reserved at the old rate when the throttle changes', async () => {
    const store = sharedPacing();
    const gate = new SubscriptionGate({ requests: 1, perSeconds: 3600, concurrency: 1 }, () => undefined, Date.now, store.lease);
    await gate.gate(async () => 1);
    await expect(gate.gate(async () => 1)).rejects.toBeInstanceOf(PausedError);
    gate.configure({ requests: 100, perSeconds: 1, concurrency: 1 });
    const began = Date.now();
    await gate.gate(async () => 1);
    await gate.gate(async () => 1);
    expect(Date.now() - began).toBeLessThan(1_000);
  });

  it('paces per process when the store fails', async () => {
    const errors: unknown[] = [];
    const gate = new SubscriptionGate({ requests: 20, perSeconds: 1, concurrency: 5 }, () => undefined, Date.now, async () => Promise.reject(new Error('db down')), (e) => errors.push(e));
    const starts: number[] = [];
    await Promise.all(Array.from({ length: 4 }, () => gate.gate(async () => void starts.push(Date.now()))));
    expect(errors.length).toBe(1);
    expect(Math.max(...starts) - Math.min(...starts)).toBeGreaterThanOrEqual(3 * 50 - 5);
  });
});
