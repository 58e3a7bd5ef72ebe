/**
 * Field paths and external-id templates. A path is dot-separated (`Parent.AccountId`); once a segment is
 * `CustomFields`, the rest is one key, so custom field names may contain spaces and dots
 * (`CustomFields.Customer Type`, `CustomFields.99minds Loyalty Card ID`).
 */

export function parsePath(path: string): string[] {
  const parts = path.split('.');
  const cf = parts.indexOf('CustomFields');
  if (cf >= 0 && cf < parts.length - 2) {
    return [...parts.slice(0, cf + 1), parts.slice(cf + 1).join('.')];
  }
  return parts;
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Reads a parsed path; missing → undefined. Only own data is read: inherited members of plain objects are
 * functions (filtered out), and `__proto__`/`constructor`/`prototype` segments are rejected by `parsePath` users
 * through `isSafeSegment`.
 */
export function readPath(value: unknown, segments: readonly string[]): unknown {
  let cur = value;
  for (let i = 0; i < segments.length; i++) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[segments[i] as string];
  }
  return typeof cur === 'function' ? undefined : cur;
}

const UNSAFE = new Set(['__proto__', 'constructor', 'prototype']);

/** Path segments that could reach outside the record's own data. */
export function isSafeSegment(segment: string): boolean {
  return !UNSAFE.has(segment);
}

/** Writes a parsed path, creating plain objects on the way. */
export function writePath(target: Record<string, unknown>, segments: readonly string[], value: unknown): void {
  let cur = target;
  const last = segments.length - 1;
  for (let i = 0; i < last; i++) {
    const key = segments[i] as string;
    let next = hasOwn.call(cur, key) ? cur[key] : undefined;
    if (next === null || typeof next !== 'object' || Array.isArray(next)) {
      next = {};
      cur[key] = next;
    }
    cur = next as Record<string, unknown>;
  }
  cur[segments[last] as string] = value;
}

/** null, undefined and "" are empty (whitespace is a value, as in the formula language's IsEmpty). */
export function isEmptyValue(v: unknown): boolean {
  return v === null || v === undefined || v === '';
}

const PLACEHOLDER = /\{\{\s*([^}]+?)\s*\}\}/g;

/** The field names a template uses: `{{Id}}|contact` → ['Id']. */
export function externalIdFields(format: string): string[] {
  return [...format.matchAll(PLACEHOLDER)].map((m) => m[1] as string);
}

/**
 * Fills an external-id template from a record: `formatExternalId('{{Id}}|contact', { Id: '3f25…' })` →
 * `'3f25…|contact'`. Returns null when a placeholder's field is empty.
 */
export function formatExternalId(format: string, record: unknown): string | null {
  let missing = false;
  const out = format.replace(PLACEHOLDER, (_m, field: string) => {
    const v = readPath(record, parsePath(field));
    if (isEmptyValue(v) || (typeof v === 'object' && v !== null)) {
      missing = true;
      return '';
    }
    return String(v);
  });
  return missing ? null : out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Reads the fields back out of an external id (manual sync, webhooks):
 * `parseExternalId('{{Id}}|contact', '3f25…|contact')` → `{ Id: '3f25…' }`; null when the id does not fit.
 */
export function parseExternalId(format: string, externalId: string): Record<string, string> | null {
  const fields: string[] = [];
  let pattern = '^';
  let last = 0;
  for (const m of format.matchAll(PLACEHOLDER)) {
    pattern += escapeRegExp(format.slice(last, m.index)) + '(.+?)';
    fields.push(m[1] as string);
    last = (m.index ?? 0) + m[0].length;
  }
  pattern += escapeRegExp(format.slice(last)) + '$';
  const match = new RegExp(pattern, 's').exec(externalId);
  if (match === null) return null;
  const out: Record<string, string> = {};
  fields.forEach((f, i) => {
    out[f] = match[i + 1] as string;
  });
  return out;
}
