import { z } from 'zod';

const emptyToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const optionalText = z.preprocess(emptyToUndefined, z.string().min(1).optional());

export const DEFAULT_API_VERSION = '62.0';
export const DEFAULT_CONTACT_POLL_DAYS = 7;

/** Subscription settings (secrets included) for the `salesforce` system. */
export const SalesforceSettingsSchema = z
  .object({
    loginUrl: z
      .string()
      .url()
      .transform((url) => url.replace(/\/+$/, '')),
    clientId: z.string().min(1),
    clientSecret: optionalText,
    grantType: z.preprocess(emptyToUndefined, z.enum(['client_credentials', 'jwt_bearer']).default('client_credentials')),
    username: optionalText,
    privateKey: optionalText,
    apiVersion: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .transform((v) => v.trim().replace(/^v/i, ''))
        .pipe(z.string().regex(/^\d{2,3}\.0$/, 'API version looks like 62.0'))
        .default(DEFAULT_API_VERSION),
    ),
    contactPollDays: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(3650).default(DEFAULT_CONTACT_POLL_DAYS)),
  })
  .superRefine((s, ctx) => {
    if (s.grantType === 'client_credentials' && !s.clientSecret) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['clientSecret'], message: 'Client Secret is required for the client credentials flow' });
    }
    if (s.grantType === 'jwt_bearer') {
      if (!s.username) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['username'], message: 'Username is required for the JWT bearer flow' });
      if (!s.privateKey) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['privateKey'], message: 'Private Key is required for the JWT bearer flow' });
    }
  });

export type SalesforceSettings = z.infer<typeof SalesforceSettingsSchema>;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Where a Contact poll starts: the saved cursor (an ISO timestamp) when there is one, otherwise
 * `now` minus Contact Poll Days (default 7), as the seed's "initial poll look-back" describes.
 */
export function pollWindowStart(cursor: string | undefined, settings: { contactPollDays?: number | string | null } | Record<string, unknown>, now: Date = new Date()): string {
  if (cursor && cursor.trim() !== '') {
    const at = Date.parse(cursor);
    if (!Number.isNaN(at)) return new Date(at).toISOString();
  }
  const raw = (settings as Record<string, unknown>).contactPollDays;
  const parsed = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
  const days = Number.isFinite(parsed) && parsed > 0 ? parsed : DEFAULT_CONTACT_POLL_DAYS;
  return new Date(now.getTime() - days * DAY_MS).toISOString();
}
