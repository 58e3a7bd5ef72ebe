/** Fixed-window request counter, as the real services enforce per-user quotas. */
export class WindowRateLimiter {
  private windowStart = 0;
  private used = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Takes one request; returns the milliseconds until the window resets when over the limit. */
  take(now = Date.now()): { ok: true } | { ok: false; retryAfterMs: number } {
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.used = 0;
    }
    if (this.used >= this.limit) return { ok: false, retryAfterMs: this.windowStart + this.windowMs - now };
    this.used += 1;
    return { ok: true };
  }
}
