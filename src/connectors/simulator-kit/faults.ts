import { z } from 'zod';

/** Fault injection settings, set through `POST /__control/faults`. Every field is optional. */
export const FaultSettings = z
  .object({
    /** Added delay before every API response. */
    latencyMs: z.number().int().min(0).max(60_000).optional(),
    /** The next N API requests answer 503. */
    fail5xxNext: z.number().int().min(0).optional(),
    /** Answer 429 to every Nth API request (1 = all) until `until` (epoch ms) or `count` is used up. */
    throttle: z
      .object({
        everyNth: z.number().int().min(1),
        retryAfterSeconds: z.number().min(0),
        until: z.number().optional(),
        count: z.number().int().min(0).optional(),
      })
      .nullable()
      .optional(),
    /** Revoke every token issued so far: the next call with one answers 401. */
    revokeTokens: z.boolean().optional(),
    /** Webhook delivery faults. */
    webhooks: z.object({ drop: z.number().int().min(0).optional(), duplicate: z.number().int().min(0).optional() }).optional(),
    /** Daily request cap; over it the simulator answers the system's own "limit exceeded" error. */
    dailyLimit: z.number().int().min(0).nullable().optional(),
  })
  .strict();
export type FaultSettings = z.infer<typeof FaultSettings>;

export interface FaultState {
  latencyMs: number;
  fail5xxNext: number;
  throttle: { everyNth: number; retryAfterSeconds: number; until?: number; count?: number } | null;
  webhookDrop: number;
  webhookDuplicate: number;
  dailyLimit: number | null;
}

export function initialFaults(): FaultState {
  return { latencyMs: 0, fail5xxNext: 0, throttle: null, webhookDrop: 0, webhookDuplicate: 0, dailyLimit: null };
}

export function applyFaultSettings(state: FaultState, settings: FaultSettings): void {
  if (settings.latencyMs !== undefined) state.latencyMs = settings.latencyMs;
  if (settings.fail5xxNext !== undefined) state.fail5xxNext = settings.fail5xxNext;
  if (settings.throttle !== undefined) state.throttle = settings.throttle;
  if (settings.webhooks?.drop !== undefined) state.webhookDrop = settings.webhooks.drop;
  if (settings.webhooks?.duplicate !== undefined) state.webhookDuplicate = settings.webhooks.duplicate;
  if (settings.dailyLimit !== undefined) state.dailyLimit = settings.dailyLimit;
}
