/** The OData query subset the simulator understands: `$filter` (eq/ne/gt/ge/lt/le joined by `and`), `$orderby`, `$top`, `$skip`, `$skiptoken`. */

export type Row = Record<string, unknown>;

export class ODataError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Op = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
interface Condition {
  field: string;
  op: Op;
  value: string | number | boolean | null;
}

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    if (ch === '(' || ch === ')') {
      tokens.push(ch);
      i += 1;
      continue;
    }
    let token = '';
    if (ch === "'") {
      token = "'";
      i += 1;
      while (i < text.length) {
        if (text[i] === "'" && text[i + 1] === "'") {
          token += "''";
          i += 2;
        } else if (text[i] === "'") {
          token += "'";
          i += 1;
          break;
        } else {
          token += text[i];
          i += 1;
        }
      }
      tokens.push(token);
      continue;
    }
    while (i < text.length && !/[\s()]/.test(text[i] as string)) {
      token += text[i];
      i += 1;
    }
    tokens.push(token);
  }
  return tokens;
}

function literal(token: string): string | number | boolean | null {
  if (token.startsWith("'")) {
    if (!token.endsWith("'") || token.length < 2) throw new ODataError(400, 'BadRequest', `Unterminated string literal ${token}`);
    return token.slice(1, -1).replace(/''/g, "'");
  }
  if (token === 'true') return true;
  if (token === 'false') return false;
  if (token === 'null') return null;
  if (/^-?\d+(\.\d+)?$/.test(token)) return Number(token);
  return token; // unquoted date-time or GUID
}

/** `$filter` as AND of OR-groups; an OR-group must stay on one field (BC: "not supported on distinct fields"). */
export function parseFilter(text: string | null | undefined): Condition[][] {
  if (!text) return [];
  const tokens = tokenize(text).filter((t) => t !== '(' && t !== ')');
  const groups: Condition[][] = [[]];
  let i = 0;
  while (i < tokens.length) {
    const field = tokens[i];
    const op = tokens[i + 1]?.toLowerCase();
    const value = tokens[i + 2];
    if (!field || !op || value === undefined || !['eq', 'ne', 'gt', 'ge', 'lt', 'le'].includes(op)) {
      throw new ODataError(400, 'BadRequest_NotFound', `Bad Request - Error in query syntax. ($filter=${text})`);
    }
    const group = groups[groups.length - 1] as Condition[];
    if (group.length && group[0]?.field !== field) throw new ODataError(400, 'BadRequest_NotFound', "The 'OR' operator is not supported on distinct fields on an OData filter.");
    group.push({ field, op: op as Op, value: literal(value) });
    i += 3;
    const joiner = tokens[i]?.toLowerCase();
    if (joiner === undefined) break;
    if (joiner === 'and') groups.push([]);
    else if (joiner !== 'or') throw new ODataError(400, 'BadRequest_NotFound', `Bad Request - Error in query syntax. ($filter=${text})`);
    i += 1;
  }
  return groups;
}

const ISO = /^\d{4}-\d{2}-\d{2}T/;

export function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string' && a.length >= 19 && b.length >= 19 && a[10] === 'T' && b[10] === 'T' && ISO.test(a) && ISO.test(b)) {
    return Date.parse(a) - Date.parse(b);
  }
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function matches(row: Row, c: Condition, entityType: string): boolean {
  if (!(c.field in row)) throw new ODataError(400, 'BadRequest_NotFound', `Could not find a property named '${c.field}' on type '${entityType}'.`);
  const cmp = compareValues(row[c.field], c.value);
  switch (c.op) {
    case 'eq':
      return cmp === 0;
    case 'ne':
      return cmp !== 0;
    case 'gt':
      return cmp > 0;
    case 'ge':
      return cmp >= 0;
    case 'lt':
      return cmp < 0;
    case 'le':
      return cmp <= 0;
  }
}

export interface QueryOptions {
  params: URLSearchParams;
  /** Primary key fields (default order and tie-breaker). */
  keys: string[];
  entityType: string;
  pageSize: number;
  /** Full request URL, for building `@odata.nextLink`. */
  url: URL;
}

export interface QueryResult {
  value: Row[];
  nextLink?: string;
  count?: number;
}

/** Filters, orders and pages `rows` (rows must already be rendered as the client sees them). */
export function runQuery(rows: Row[], options: QueryOptions): QueryResult {
  const { params } = options;
  const order: Array<{ field: string; desc: boolean }> = [];
  for (const part of (params.get('$orderby') ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [field = '', dir = 'asc'] = part.split(/\s+/);
    order.push({ field, desc: dir.toLowerCase() === 'desc' });
  }
  for (const key of options.keys) if (!order.some((o) => o.field === key)) order.push({ field: key, desc: false });
  const cmp = (a: Row, b: Row): number => {
    for (const o of order) {
      const d = compareValues(a[o.field], b[o.field]);
      if (d !== 0) return o.desc ? -d : d;
    }
    return 0;
  };
  // Filtered + sorted results are cached per rows array (the store renders a new array after every write).
  const cacheKey = `${params.get('$filter') ?? ''}\n${order.map((o) => `${o.field} ${o.desc}`).join(',')}`;
  let perRows = sortedCache.get(rows);
  let selected: Row[] | undefined = perRows?.get(cacheKey);
  if (!selected) {
    selected = filterAndSort(rows, params, options, cmp);
    if (!perRows) sortedCache.set(rows, (perRows = new Map()));
    if (perRows.size > 50) perRows.clear();
    perRows.set(cacheKey, selected);
  }
  const count = params.get('$count') === 'true' ? selected.length : undefined;
  const skip = Number(params.get('$skip') ?? 0) || 0;
  const topParam = params.get('$top');
  const top = topParam === null ? undefined : Math.max(0, Number(topParam) || 0);
  // $skiptoken holds the sort values of the last row sent: the next page starts strictly after it.
  const token = params.get('$skiptoken');
  if (token) {
    let last: unknown[];
    try {
      last = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[];
    } catch {
      throw new ODataError(400, 'BadRequest', 'The skip token is not valid.');
    }
    const lastRow: Row = {};
    order.forEach((o, i) => (lastRow[o.field] = last[i]));
    selected = selected.filter((row) => cmp(row, lastRow) > 0);
  } else if (skip) selected = selected.slice(skip);
  const limit = top === undefined ? selected.length : Math.min(top, selected.length);
  const page = selected.slice(0, Math.min(limit, options.pageSize));
  let nextLink: string | undefined;
  if (page.length < limit) {
    const lastRow = page[page.length - 1] as Row;
    const params = new URLSearchParams(options.url.search);
    params.delete('$skip');
    if (top !== undefined) params.set('$top', String(top - page.length));
    params.set('$skiptoken', Buffer.from(JSON.stringify(order.map((o) => lastRow[o.field] ?? null))).toString('base64url'));
    const query = [...params].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
    nextLink = `${options.url.origin}${options.url.pathname}?${query}`;
  }
  return { value: page, nextLink, count };
}

const sortedCache = new WeakMap<Row[], Map<string, Row[]>>();

function filterAndSort(rows: Row[], params: URLSearchParams, options: QueryOptions, cmp: (a: Row, b: Row) => number): Row[] {
  const groups = parseFilter(params.get('$filter'));
  const tests = groups.map((group) => {
    // Many `eq` on one field (e.g. No eq 'a' or No eq 'b' …): a set lookup.
    if (group.length > 3 && group.every((c) => c.op === 'eq')) {
      const field = (group[0] as Condition).field;
      const values = new Set(group.map((c) => String(c.value)));
      return (row: Row) => {
        if (!(field in row)) throw new ODataError(400, 'BadRequest_NotFound', `Could not find a property named '${field}' on type '${options.entityType}'.`);
        return values.has(String(row[field]));
      };
    }
    return (row: Row) => group.some((c) => matches(row, c, options.entityType));
  });
  const selected = tests.length ? rows.filter((row) => tests.every((test) => test(row))) : rows.slice();
  return selected.sort(cmp);
}

/** Parses a key segment: `('10000')`, `(1f2e...)`, `(Document_Type='Order',No='S-1',Line_No=10000)`. */
export function parseKey(text: string): { single?: string; named: Record<string, string> } {
  const inner = text.trim();
  if (!inner.includes('=')) {
    const v = literal(inner);
    return { single: v === null ? '' : String(v), named: {} };
  }
  const named: Record<string, string> = {};
  const parts = inner.match(/[A-Za-z_][A-Za-z0-9_]*\s*=\s*('(?:[^']|'')*'|[^,]+)/g) ?? [];
  for (const part of parts) {
    const eq = part.indexOf('=');
    const v = literal(part.slice(eq + 1).trim());
    named[part.slice(0, eq).trim()] = v === null ? '' : String(v);
  }
  return { named };
}

/** Splits a path segment like `customers(abc)` into name and key text. */
export function splitSegment(segment: string): { name: string; key?: string } {
  const open = segment.indexOf('(');
  if (open < 0 || !segment.endsWith(')')) return { name: segment };
  return { name: segment.slice(0, open), key: segment.slice(open + 1, -1) };
}
