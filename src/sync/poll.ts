import type { ExternalRecord } from '../connectors/types.js';
import { contentHash } from '../hub/index.js';
import { inboundKey, QUEUES, type Enqueue, type SyncContext } from './context.js';
import { getPollCursor, inboundHashes, lockPollCursor, savePollCursor } from './sql.js';

/** Most records one poll cycle reads; the rest come on the next cycle (the cursor only moves over what was enqueued). */
export const MAX_RECORDS_PER_POLL = 10_000;

/** The look-back in days for a first poll: a `...PollDays` setting (Salesforce "Contact Poll Days") or the default. */
export function pollDays(settings: Record<string, unknown>, entity: string, fallback: number): number {
  const keys = Object.keys(settings);
  const specific = keys.find((k) => k.toLowerCase().replace(/[\s_]/g, '') === `${entity.toLowerCase()}polldays`);
  const general = keys.find((k) => /polldays$/i.test(k.replace(/[\s_]/g, '')));
  const value = Number(settings[specific ?? general ?? '']);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

export function pollIntervalMs(settings: Record<string, unknown>, fallback: number): number {
  const v = Number(settings.pollIntervalSeconds ?? settings.PollIntervalSeconds);
  return Number.isFinite(v) && v > 0 ? v * 1000 : fallback;
}

export interface PollResult {
  read: number;
  enqueued: number;
  skipped: number;
  since: string;
  cursor: string | null;
}

/**
 * One poll of (subscription, entity). Reads everything modified at or after `cursor - overlap`
 * (first poll: now - poll days), skips records whose content was already applied (by hash), and in
 * ONE transaction enqueues the rest and moves the cursor to the newest modifiedAt read. Rows that
 * share the cursor's timestamp are re-read next time (`>=`), so none is lost; their hashes skip them.
 * The cursor only moves after a successful read, and mapping edits never touch it.
 */
export async function pollOnce(ctx: SyncContext, target: { tenantId: string; subscriptionId: string; entity: string }): Promise<PollResult | null> {
  const rt = await ctx.runtime(target.subscriptionId);
  const before = await getPollCursor(ctx.db, target.subscriptionId, target.entity);
  const now = ctx.now();
  const sinceMs = before?.cursorAt != null ? before.cursorAt - ctx.options.pollOverlapMs : now - pollDays(rt.settings, target.entity, ctx.options.pollDaysDefault) * 86_400_000;
  const since = new Date(sinceMs).toISOString();
  const records: ExternalRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await rt.connector.poll(target.entity, { since, ...(cursor ? { cursor } : {}), pageSize: ctx.options.pageSize });
    records.push(...page.records);
    cursor = page.next;
  } while (cursor && records.length < MAX_RECORDS_PER_POLL);

  const hashes = await inboundHashes(ctx.db, target.subscriptionId, target.entity, records.map((r) => r.id));
  const seenBefore = before?.seen ?? {};
  let newest = before?.cursorAt ?? null;
  const jobs: Enqueue[] = [];
  let skipped = 0;
  for (const r of records) {
    const m = r.modifiedAt ? Date.parse(r.modifiedAt) : null;
    if (m !== null && (newest === null || m > newest)) newest = m;
    const hash = contentHash(r.data);
    if (hashes.get(r.id) === hash || seenBefore[r.id] === hash) {
      skipped += 1;
      continue;
    }
    const data = { kind: 'in' as const, tenantId: target.tenantId, subscriptionId: target.subscriptionId, entity: target.entity, externalId: r.id, trigger: 'poll', triggeredAt: now, record: r };
    jobs.push({ queue: QUEUES.inbound, data, key: inboundKey(data, `${r.modifiedAt ?? ''}#${hash}`) });
  }
  const seen: Record<string, string> = {};
  if (newest !== null) for (const r of records) if (r.modifiedAt && Date.parse(r.modifiedAt) === newest) seen[r.id] = contentHash(r.data);

  return ctx.db.transaction(async (tx) => {
    const locked = await lockPollCursor(tx, target.subscriptionId, target.entity);
    // Another scheduler is polling this entity, or moved the cursor meanwhile: its work stands.
    if (!locked || locked.cursorAt !== (before?.cursorAt ?? null)) return null;
    const enqueued = await ctx.enqueue(tx, jobs);
    await savePollCursor(tx, target.subscriptionId, target.entity, newest, seen);
    return { read: records.length, enqueued, skipped, since, cursor: newest === null ? null : new Date(newest).toISOString() };
  });
}
