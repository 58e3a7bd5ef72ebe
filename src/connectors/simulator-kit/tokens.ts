import { randomBytes } from 'node:crypto';

/** Issues and checks opaque bearer tokens with an expiry, like an OAuth authorization server. */
export class TokenIssuer {
  private readonly tokens = new Map<string, { expiresAt: number; subject: string }>();

  constructor(private readonly lifetimeSeconds: number) {}

  issue(subject: string, now = Date.now()): { access_token: string; expires_in: number; token_type: 'Bearer' } {
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, { subject, expiresAt: now + this.lifetimeSeconds * 1000 });
    return { access_token: token, expires_in: this.lifetimeSeconds, token_type: 'Bearer' };
  }

  /** `valid`, `expired` or `unknown` for the token in an `Authorization: Bearer` header. */
  check(authorization: string | undefined, now = Date.now()): 'valid' | 'expired' | 'unknown' {
    const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
    const entry = token ? this.tokens.get(token) : undefined;
    if (!entry) return 'unknown';
    return entry.expiresAt > now ? 'valid' : 'expired';
  }

  revokeAll(): void {
    this.tokens.clear();
  }

  /** Makes every live token expire now (token expiry mid-run). */
  expireAll(): void {
    for (const entry of this.tokens.values()) entry.expiresAt = 0;
  }
}
