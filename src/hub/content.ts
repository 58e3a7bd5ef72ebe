import { createHash } from 'node:crypto';

/** JSON with object keys sorted, so equal content gives equal text whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** Content hash used to skip writes and fan-out when nothing changed. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64url').slice(0, 32);
}

export interface FieldChange {
  path: string;
  from: unknown;
  to: unknown;
}

/** Field-level differences between two records (lists compared as a whole). */
export function diffRecords(before: Record<string, unknown> | null, after: Record<string, unknown> | null, prefix = ''): FieldChange[] {
  const changes: FieldChange[] = [];
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  for (const key of [...keys].sort()) {
    const from = before?.[key];
    const to = after?.[key];
    const path = prefix ? `${prefix}.${key}` : key;
    if (isPlainObject(from) && isPlainObject(to)) {
      changes.push(...diffRecords(from, to, path));
    } else if (canonicalJson(from ?? null) !== canonicalJson(to ?? null)) {
      changes.push({ path, from: from ?? null, to: to ?? null });
    }
  }
  return changes;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
