/**
 * A SOQL subset: parser, type checks against the object schema, and an evaluator.
 *
 *   SELECT field[, field | Relationship.Field | COUNT()] FROM Object
 *   [WHERE cond] [ORDER BY field [ASC|DESC] [NULLS FIRST|LAST], …] [LIMIT n] [OFFSET n]
 *
 *   cond := cond OR cond | cond AND cond | NOT cond | ( cond )
 *         | field (= | != | <> | < | <= | > | >=) literal | field [NOT] IN (literal, …) | field [NOT] LIKE 'pattern'
 *   literal := 'quoted string with \' \\ \n \r \t \b \f \" \uXXXX escapes' | number | true | false | null
 *            | 2024-01-01T00:00:00Z (datetime, unquoted) | 2024-01-01 (date)
 *
 * Errors use the Salesforce codes: MALFORMED_QUERY for syntax, INVALID_FIELD / INVALID_TYPE for schema.
 */
import { findField, findObject, type FieldSchema, type ObjectSchema } from './schema.js';
import { to18 } from './ids.js';

export class SoqlError extends Error {
  constructor(
    readonly errorCode: 'MALFORMED_QUERY' | 'INVALID_FIELD' | 'INVALID_TYPE' | 'INVALID_QUERY_FILTER_OPERATOR',
    message: string,
  ) {
    super(message);
  }
}

export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'datetime'; value: number; text: string }
  | { kind: 'date'; value: string };

export type Condition =
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'not'; inner: Condition }
  | { kind: 'cmp'; field: FieldRef; op: '=' | '!=' | '<' | '<=' | '>' | '>='; value: Literal }
  | { kind: 'in'; field: FieldRef; values: Literal[]; negate: boolean }
  | { kind: 'like'; field: FieldRef; pattern: RegExp; negate: boolean };

/** A resolved field path: `Email` or `Account.Name` (relationship hop then field). */
export interface FieldRef {
  /** As written in the query (used as the output key). */
  text: string;
  relationship?: { name: string; target: ObjectSchema; viaField: string };
  field: FieldSchema;
}

export interface SoqlQuery {
  object: ObjectSchema;
  count: boolean;
  fields: FieldRef[];
  where?: Condition;
  orderBy: Array<{ field: FieldRef; desc: boolean; nullsLast: boolean }>;
  limit?: number;
  offset?: number;
}

type Token =
  | { t: 'ident'; v: string; pos: number }
  | { t: 'string'; v: string; pos: number }
  | { t: 'number'; v: number; raw: string; pos: number }
  | { t: 'datetime'; v: number; raw: string; pos: number }
  | { t: 'date'; v: string; pos: number }
  | { t: 'op'; v: string; pos: number }
  | { t: 'punct'; v: '(' | ')' | ','; pos: number }
  | { t: 'eof'; pos: number };

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2})/;
const DATE = /^\d{4}-\d{2}-\d{2}/;
const NUMBER = /^-?\d+(?:\.\d+)?/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_.]*/;

function malformed(soql: string, pos: number, message: string): SoqlError {
  const before = soql.slice(0, pos);
  const row = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return new SoqlError('MALFORMED_QUERY', `\n${soql}\n${' '.repeat(Math.max(0, column - 1))}^\nERROR at Row:${row}:Column:${column}\n${message}`);
}

/** Parses a Salesforce datetime (`2024-05-01T10:00:00.000+0000`, `…Z`, `…+01:00`) to epoch ms. */
export function parseSfDateTime(text: string): number {
  const normalized = text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  return Date.parse(normalized);
}

function tokenize(soql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < soql.length) {
    const c = soql.charAt(i);
    if (/\s/.test(c)) {
      i += 1;
      continue;
    }
    const rest = soql.slice(i);
    if (c === "'") {
      let value = '';
      let j = i + 1;
      let closed = false;
      while (j < soql.length) {
        const ch = soql.charAt(j);
        if (ch === '\\') {
          const next = soql.charAt(j + 1);
          const simple: Record<string, string> = { "'": "'", '"': '"', '\\': '\\', n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '%': '\\%', _: '\\_' };
          if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(soql.slice(j + 2, j + 6))) {
            value += String.fromCharCode(parseInt(soql.slice(j + 2, j + 6), 16));
            j += 6;
            continue;
          }
          const mapped = simple[next];
          if (mapped === undefined) throw malformed(soql, j, `Invalid string literal '${soql.slice(i, j + 2)}'. Illegal character sequence '\\${next}' in string literal.`);
          value += mapped;
          j += 2;
          continue;
        }
        if (ch === "'") {
          closed = true;
          break;
        }
        value += ch;
        j += 1;
      }
      if (!closed) throw malformed(soql, i, `unexpected token: '${rest.slice(0, 20)}'`);
      tokens.push({ t: 'string', v: value, pos: i });
      i = j + 1;
      continue;
    }
    const dt = DATETIME.exec(rest);
    if (dt) {
      const ms = parseSfDateTime(dt[0]);
      if (Number.isNaN(ms)) throw malformed(soql, i, `line 1:${i} no viable alternative at character '${c}'`);
      tokens.push({ t: 'datetime', v: ms, raw: dt[0], pos: i });
      i += dt[0].length;
      continue;
    }
    const d = DATE.exec(rest);
    if (d) {
      tokens.push({ t: 'date', v: d[0], pos: i });
      i += d[0].length;
      continue;
    }
    const n = NUMBER.exec(rest);
    if (n && (c !== '-' || tokens.at(-1)?.t === 'op')) {
      tokens.push({ t: 'number', v: Number(n[0]), raw: n[0], pos: i });
      i += n[0].length;
      continue;
    }
    const id = IDENT.exec(rest);
    if (id) {
      tokens.push({ t: 'ident', v: id[0], pos: i });
      i += id[0].length;
      continue;
    }
    const op = /^(?:!=|<>|<=|>=|=|<|>)/.exec(rest);
    if (op) {
      tokens.push({ t: 'op', v: op[0] === '<>' ? '!=' : op[0], pos: i });
      i += op[0].length;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      tokens.push({ t: 'punct', v: c, pos: i });
      i += 1;
      continue;
    }
    throw malformed(soql, i, `line 1:${i} no viable alternative at character '${c}'`);
  }
  tokens.push({ t: 'eof', pos: soql.length });
  return tokens;
}

const KEYWORDS = new Set(['SELECT', 'FROM', 'WHERE', 'AND', 'OR', 'NOT', 'IN', 'LIKE', 'ORDER', 'BY', 'ASC', 'DESC', 'NULLS', 'FIRST', 'LAST', 'LIMIT', 'OFFSET', 'NULL', 'TRUE', 'FALSE']);

function tokenText(token: Token): string {
  switch (token.t) {
    case 'eof':
      return '<EOF>';
    case 'string':
      return `'${token.v}'`;
    case 'number':
    case 'datetime':
      return token.raw;
    default:
      return String(token.v);
  }
}

function likeToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern.charAt(i);
    if (c === '\\' && (pattern.charAt(i + 1) === '%' || pattern.charAt(i + 1) === '_')) {
      source += pattern.charAt(i + 1);
      i += 1;
    } else if (c === '%') source += '.*';
    else if (c === '_') source += '.';
    else source += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'is');
}

const STRINGISH = new Set(['string', 'textarea', 'email', 'phone', 'url', 'picklist', 'multipicklist', 'id', 'reference']);

class Parser {
  private i = 0;
  private object!: ObjectSchema;

  constructor(
    private readonly soql: string,
    private readonly tokens: Token[],
  ) {}

  private peek(): Token {
    return this.tokens[this.i] ?? { t: 'eof', pos: this.soql.length };
  }

  private next(): Token {
    const token = this.peek();
    this.i += 1;
    return token;
  }

  private isKeyword(word: string, token = this.peek()): boolean {
    return token.t === 'ident' && token.v.toUpperCase() === word;
  }

  private expectKeyword(word: string): void {
    const token = this.next();
    if (!this.isKeyword(word, token)) throw malformed(this.soql, token.pos, `unexpected token: '${tokenText(token)}'`);
  }

  private unexpected(token: Token): SoqlError {
    return malformed(this.soql, token.pos, `unexpected token: '${tokenText(token)}'`);
  }

  parse(): SoqlQuery {
    this.expectKeyword('SELECT');
    const rawFields: Array<{ text: string; pos: number }> = [];
    let count = false;
    for (;;) {
      const token = this.next();
      if (token.t === 'punct' && token.v === '(') throw new SoqlError('MALFORMED_QUERY', 'Relationship subqueries are not supported by the Junction Salesforce simulator');
      if (token.t !== 'ident' || KEYWORDS.has(token.v.toUpperCase())) throw this.unexpected(token);
      if (token.v.toUpperCase() === 'COUNT' && this.peek().t === 'punct') {
        const open = this.next();
        const close = this.next();
        if (!(open.t === 'punct' && open.v === '(' && close.t === 'punct' && close.v === ')')) throw this.unexpected(close);
        count = true;
      } else {
        rawFields.push({ text: token.v, pos: token.pos });
      }
      const sep = this.peek();
      if (sep.t === 'punct' && sep.v === ',') {
        this.next();
        continue;
      }
      break;
    }
    if (count && rawFields.length > 0) throw new SoqlError('MALFORMED_QUERY', 'COUNT() and other fields cannot be selected together');
    this.expectKeyword('FROM');
    const objectToken = this.next();
    if (objectToken.t !== 'ident') throw this.unexpected(objectToken);
    const object = findObject(objectToken.v);
    if (!object) {
      throw new SoqlError('INVALID_TYPE', `\n${this.soql}\n^\nERROR at Row:1:Column:${objectToken.pos + 1}\nsObject type '${objectToken.v}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name.`);
    }
    this.object = object;
    const fields = rawFields.map((f) => this.resolve(f.text));
    const query: SoqlQuery = { object, count, fields, orderBy: [] };
    if (this.isKeyword('WHERE')) {
      this.next();
      query.where = this.parseOr();
    }
    if (this.isKeyword('ORDER')) {
      this.next();
      this.expectKeyword('BY');
      for (;;) {
        const token = this.next();
        if (token.t !== 'ident') throw this.unexpected(token);
        const field = this.resolve(token.v);
        let desc = false;
        if (this.isKeyword('ASC')) this.next();
        else if (this.isKeyword('DESC')) {
          this.next();
          desc = true;
        }
        let nullsLast = desc;
        if (this.isKeyword('NULLS')) {
          this.next();
          const which = this.next();
          if (this.isKeyword('FIRST', which)) nullsLast = false;
          else if (this.isKeyword('LAST', which)) nullsLast = true;
          else throw this.unexpected(which);
        }
        query.orderBy.push({ field, desc, nullsLast });
        const sep = this.peek();
        if (sep.t === 'punct' && sep.v === ',') {
          this.next();
          continue;
        }
        break;
      }
    }
    if (this.isKeyword('LIMIT')) {
      this.next();
      const token = this.next();
      if (token.t !== 'number' || !Number.isInteger(token.v) || token.v < 0) throw this.unexpected(token);
      query.limit = token.v;
    }
    if (this.isKeyword('OFFSET')) {
      this.next();
      const token = this.next();
      if (token.t !== 'number' || !Number.isInteger(token.v) || token.v < 0) throw this.unexpected(token);
      if (token.v > 2000) throw new SoqlError('MALFORMED_QUERY', 'Maximum SOQL offset allowed is 2000');
      query.offset = token.v;
    }
    const end = this.peek();
    if (end.t !== 'eof') throw this.unexpected(end);
    return query;
  }

  private resolve(text: string): FieldRef {
    const parts = text.split('.');
    const object = this.object;
    if (parts.length === 1) {
      const field = findField(object, text);
      if (!field) throw this.noSuchColumn(text, object.name);
      return { text: field.name, field };
    }
    // Allow the object's own name as a prefix (`Contact.Email`).
    if (parts.length === 2 && parts[0]?.toLowerCase() === object.name.toLowerCase()) return this.resolve(parts[1] ?? '');
    if (parts.length !== 2) throw this.noSuchColumn(text, object.name);
    const [relName = '', fieldName = ''] = parts;
    const via = object.fields.find((f) => f.relationshipName?.toLowerCase() === relName.toLowerCase());
    const target = via?.referenceTo ? findObject(via.referenceTo) : undefined;
    if (!via || !target) {
      throw new SoqlError('INVALID_FIELD', `\n${this.soql}\n^\nERROR at Row:1:Column:1\nDidn't understand relationship '${relName}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`);
    }
    const field = findField(target, fieldName);
    if (!field) throw this.noSuchColumn(fieldName, target.name);
    return { text: `${via.relationshipName}.${field.name}`, relationship: { name: via.relationshipName ?? relName, target, viaField: via.name }, field };
  }

  private noSuchColumn(name: string, objectName: string): SoqlError {
    return new SoqlError(
      'INVALID_FIELD',
      `\n${this.soql}\n^\nERROR at Row:1:Column:1\nNo such column '${name}' on entity '${objectName}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
    );
  }

  private parseOr(): Condition {
    let left = this.parseAnd();
    while (this.isKeyword('OR')) {
      this.next();
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): Condition {
    let left = this.parseNot();
    while (this.isKeyword('AND')) {
      this.next();
      left = { kind: 'and', left, right: this.parseNot() };
    }
    return left;
  }

  private parseNot(): Condition {
    if (this.isKeyword('NOT')) {
      this.next();
      return { kind: 'not', inner: this.parseNot() };
    }
    const token = this.peek();
    if (token.t === 'punct' && token.v === '(') {
      this.next();
      const inner = this.parseOr();
      const close = this.next();
      if (!(close.t === 'punct' && close.v === ')')) throw this.unexpected(close);
      return inner;
    }
    return this.parsePredicate();
  }

  private parsePredicate(): Condition {
    const fieldToken = this.next();
    if (fieldToken.t !== 'ident' || KEYWORDS.has(fieldToken.v.toUpperCase())) throw this.unexpected(fieldToken);
    const field = this.resolve(fieldToken.v);
    let negate = false;
    if (this.isKeyword('NOT')) {
      this.next();
      negate = true;
      if (!this.isKeyword('IN') && !this.isKeyword('LIKE')) throw this.unexpected(this.peek());
    }
    if (this.isKeyword('IN')) {
      this.next();
      const open = this.next();
      if (!(open.t === 'punct' && open.v === '(')) throw this.unexpected(open);
      const values: Literal[] = [];
      for (;;) {
        values.push(this.literal(field));
        const sep = this.next();
        if (sep.t === 'punct' && sep.v === ',') continue;
        if (sep.t === 'punct' && sep.v === ')') break;
        throw this.unexpected(sep);
      }
      return { kind: 'in', field, values, negate };
    }
    if (this.isKeyword('LIKE')) {
      this.next();
      const token = this.next();
      if (token.t !== 'string') throw this.unexpected(token);
      if (!STRINGISH.has(field.field.type)) throw new SoqlError('INVALID_FIELD', `invalid operator on ${field.field.type} field: ${field.text}`);
      return { kind: 'like', field, pattern: likeToRegExp(token.v), negate };
    }
    const opToken = this.next();
    if (opToken.t !== 'op') throw this.unexpected(opToken);
    return { kind: 'cmp', field, op: opToken.v as '=' | '!=' | '<' | '<=' | '>' | '>=', value: this.literal(field) };
  }

  /** Reads one literal and checks it against the field type as Salesforce does. */
  private literal(field: FieldRef): Literal {
    const token = this.next();
    const type = field.field.type;
    const name = field.text;
    if (token.t === 'ident' && token.v.toUpperCase() === 'NULL') return { kind: 'null' };
    if (type === 'datetime') {
      if (token.t === 'datetime') return { kind: 'datetime', value: token.v, text: token.raw };
      if (token.t === 'string') throw new SoqlError('INVALID_FIELD', `\n${this.soql}\n^\nERROR at Row:1:Column:${token.pos + 1}\nvalue of filter criterion for field '${name}' must be of type dateTime and should not be enclosed in quotes`);
      throw this.unexpected(token);
    }
    if (type === 'date') {
      if (token.t === 'date') return { kind: 'date', value: token.v };
      if (token.t === 'string') throw new SoqlError('INVALID_FIELD', `value of filter criterion for field '${name}' must be of type date and should not be enclosed in quotes`);
      throw this.unexpected(token);
    }
    if (type === 'boolean') {
      if (token.t === 'ident' && /^(true|false)$/i.test(token.v)) return { kind: 'boolean', value: token.v.toLowerCase() === 'true' };
      throw new SoqlError('INVALID_FIELD', `value of filter criterion for field '${name}' must be of type boolean and should not be enclosed in quotes`);
    }
    if (type === 'int' || type === 'double' || type === 'currency') {
      if (token.t === 'number') return { kind: 'number', value: token.v };
      throw new SoqlError('INVALID_FIELD', `value of filter criterion for field '${name}' must be of type ${type} and should not be enclosed in quotes`);
    }
    if (token.t === 'string') {
      if (type === 'id' || type === 'reference') {
        const id = to18(token.v);
        if (!id && token.v !== '') throw new SoqlError('INVALID_QUERY_FILTER_OPERATOR', `\n${this.soql}\n^\nERROR at Row:1:Column:${token.pos + 1}\ninvalid ID field: ${token.v}`);
        return { kind: 'string', value: id ?? '' };
      }
      return { kind: 'string', value: token.v };
    }
    if (token.t === 'eof' || token.t === 'punct' || token.t === 'op') throw this.unexpected(token);
    throw new SoqlError('INVALID_FIELD', `value of filter criterion for field '${name}' must be of type string and should be enclosed in quotes`);
  }
}

export function parseSoql(soql: string): SoqlQuery {
  return new Parser(soql, tokenize(soql)).parse();
}

/** Reads a field value from a record for evaluation; relationship hops go through `lookup`. */
export type FieldReader = (record: Record<string, unknown>, ref: FieldRef) => unknown;

type Comparable = string | number | boolean | null;

function comparable(value: unknown, type: FieldSchema['type']): Comparable {
  if (value === null || value === undefined || value === '') return null;
  if (type === 'datetime' && typeof value === 'string') return parseSfDateTime(value);
  if (typeof value === 'string' && type !== 'id' && type !== 'reference') return value.toLowerCase();
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') return value;
  return String(value);
}

function literalComparable(literal: Literal, type: FieldSchema['type']): Comparable {
  switch (literal.kind) {
    case 'null':
      return null;
    case 'datetime':
      return literal.value;
    case 'string':
      return type === 'id' || type === 'reference' ? literal.value : literal.value.toLowerCase();
    default:
      return literal.value;
  }
}

function compare(a: Comparable, b: Comparable): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

export function evaluate(condition: Condition, record: Record<string, unknown>, read: FieldReader): boolean {
  switch (condition.kind) {
    case 'and':
      return evaluate(condition.left, record, read) && evaluate(condition.right, record, read);
    case 'or':
      return evaluate(condition.left, record, read) || evaluate(condition.right, record, read);
    case 'not':
      return !evaluate(condition.inner, record, read);
    case 'like': {
      const value = read(record, condition.field);
      const match = typeof value === 'string' && condition.pattern.test(value);
      return condition.negate ? !match && value !== null && value !== undefined : match;
    }
    case 'in': {
      const value = comparable(read(record, condition.field), condition.field.field.type);
      const found = condition.values.some((v) => literalComparable(v, condition.field.field.type) === value);
      return condition.negate ? !found : found;
    }
    case 'cmp': {
      const value = comparable(read(record, condition.field), condition.field.field.type);
      const literal = literalComparable(condition.value, condition.field.field.type);
      if (condition.op === '=') return value === literal;
      if (condition.op === '!=') return value !== literal;
      // Range comparisons never match nulls in SOQL.
      if (value === null || literal === null) return false;
      const c = compare(value, literal);
      if (condition.op === '<') return c < 0;
      if (condition.op === '<=') return c <= 0;
      if (condition.op === '>') return c > 0;
      return c >= 0;
    }
  }
}

export function sortRecords(records: Record<string, unknown>[], orderBy: SoqlQuery['orderBy'], read: FieldReader): Record<string, unknown>[] {
  if (orderBy.length === 0) return records;
  return [...records].sort((x, y) => {
    for (const key of orderBy) {
      const a = comparable(read(x, key.field), key.field.field.type);
      const b = comparable(read(y, key.field), key.field.field.type);
      if (a === b) continue;
      if (a === null) return key.nullsLast ? 1 : -1;
      if (b === null) return key.nullsLast ? -1 : 1;
      const c = compare(a, b);
      return key.desc ? -c : c;
    }
    return 0;
  });
}
