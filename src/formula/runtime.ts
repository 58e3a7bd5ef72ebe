/**
 * Runtime helpers with C# value semantics. Generated code reaches record data only through these:
 * own properties of plain data (objects with Object.prototype or null prototype, arrays), never
 * prototypes, never `constructor` / `__proto__` / `prototype`.
 */
import { FormulaDateTime, formatDateTime } from './datetime.js';
import { FormulaErrorCode, FormulaRuntimeError } from './errors.js';
import type { FormulaEnv } from './types.js';

const hasOwn = Object.prototype.hasOwnProperty;
/** Object.prototype.hasOwnProperty, for generated code (`hop.call(o, key)`). */
export const hop = hasOwn;
const objectProto = Object.prototype;

export const BLOCKED_NAMES: ReadonlySet<string> = new Set(['constructor', '__proto__', 'prototype']);

/** Per-run state: step counter, limits, environment. */
export interface RunContext {
  n: number;
  max: number;
  maxMs: number;
  t0: number;
  env: FormulaEnv;
  vars: Record<string, unknown> | undefined;
  busy: boolean;
}

export const DEFAULT_MAX_STEPS = 100_000;
export const DEFAULT_MAX_MILLIS = 1_000;

export function newContext(): RunContext {
  return { n: 0, max: DEFAULT_MAX_STEPS, maxMs: DEFAULT_MAX_MILLIS, t0: 0, env: {}, vars: undefined, busy: false };
}

export function fail(code: string, message: string, pos = -1): never {
  throw new FormulaRuntimeError(code, message, { pos });
}

/**
 * Called every 1024 steps and when the step limit is passed. The clock starts at the first check,
 * so short formulas never read it; the time limit therefore counts from step 1024.
 */
export function checkLimits(c: RunContext): void {
  if (c.n > c.max) fail(FormulaErrorCode.LIMIT, `Formula exceeded the step limit (${c.max} steps).`);
  if (c.t0 === 0) c.t0 = Date.now();
  else if (Date.now() - c.t0 > c.maxMs) fail(FormulaErrorCode.LIMIT, `Formula exceeded the time limit (${c.maxMs} ms).`);
}

/** Counts one step (a built-in call or a lambda invocation); checks the clock every 1024 steps. */
export function st(c: RunContext): RunContext {
  if (++c.n > c.max || (c.n & 1023) === 0) checkLimits(c);
  return c;
}

/** Plain data: JSON-like objects (Object.prototype or null prototype). */
export function isPlainObject(o: unknown): o is Record<string, unknown> {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return false;
  const p = Object.getPrototypeOf(o) as unknown;
  return p === objectProto || p === null;
}

function blocked(key: string): boolean {
  return key === '__proto__' || key === 'constructor' || key === 'prototype';
}

/**
 * Own data property of an object, else undefined. Only own properties are read (hasOwnProperty),
 * never `__proto__`/`constructor`/`prototype`, and functions are never handed out, so nothing on a
 * prototype chain is reachable.
 */
export function own(o: unknown, key: string): unknown {
  if (o === null || typeof o !== 'object' || !hasOwn.call(o, key) || blocked(key)) return undefined;
  const v = (o as Record<string, unknown>)[key];
  return typeof v === 'function' ? undefined : v;
}

/** The record when it is an object (records are JSON data), else null. */
export function plain(r: unknown): Record<string, unknown> | null {
  return r !== null && typeof r === 'object' ? (r as Record<string, unknown>) : null;
}

/** A variable (env.variables) by name; unknown → null. */
export function gv(vars: Record<string, unknown> | undefined, key: string): unknown {
  if (vars !== undefined && vars !== null && hasOwn.call(vars, key)) {
    const v = vars[key];
    return v === undefined || typeof v === 'function' ? null : v;
  }
  return null;
}

/**
 * An identifier: field of the (plain) record, then variable; unknown → null. `rp` comes from
 * `plain(record)`; key names are never `constructor`/`__proto__`/`prototype` (the compiler
 * resolves those to null).
 */
export function g(rp: Record<string, unknown> | null, vars: Record<string, unknown> | undefined, key: string): unknown {
  if (rp !== null && hasOwn.call(rp, key)) {
    const v = rp[key];
    return v === undefined || typeof v === 'function' ? null : v;
  }
  if (vars !== undefined && hasOwn.call(vars, key)) {
    const v = vars[key];
    return v === undefined || typeof v === 'function' ? null : v;
  }
  return null;
}

/** `Parent`: the ParentOnly wrapper's Parent when the record has one, else the parent record. */
export function parentOf(r: unknown, env: FormulaEnv): unknown {
  const v = own(r, 'Parent');
  if (v !== undefined && v !== null) return v;
  return env.parent === undefined ? null : env.parent;
}

export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return Number.isInteger(v) ? 'int' : 'double';
    case 'boolean':
      return 'bool';
    case 'function':
      return 'lambda';
    default:
      if (v instanceof FormulaDateTime) return 'DateTime';
      if (Array.isArray(v)) return 'List';
      return 'object';
  }
}

// --- conversion to string (C# ToString) ---------------------------------------------------------

export function numToStr(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '∞';
  if (n === -Infinity) return '-∞';
  if (Object.is(n, -0)) return '0';
  const s = String(n);
  if (!s.includes('e')) {
    // .NET switches to exponent notation from 1E+15 for doubles that are not integral-small.
    return s;
  }
  const [mant, exp] = s.split('e') as [string, string];
  const sign = exp.startsWith('-') ? '-' : '+';
  const digits = exp.replace(/^[-+]/, '').padStart(2, '0');
  return `${mant}E${sign}${digits}`;
}

function slowStr(v: unknown): string {
  if (v === null || v === undefined) return '';
  switch (typeof v) {
    case 'number':
      return numToStr(v);
    case 'boolean':
      return v ? 'True' : 'False';
    case 'string':
      return v;
    case 'function':
      return 'lambda';
    default:
      if (v instanceof FormulaDateTime) return v.toString();
      try {
        return JSON.stringify(v) ?? '';
      } catch {
        return '';
      }
  }
}

/** C# string conversion used by `+` concatenation and interpolation: null → "". */
export function s(v: unknown): string {
  return typeof v === 'string' ? v : slowStr(v);
}

// --- operators ------------------------------------------------------------------------------------

function opError(op: string, a: unknown, b: unknown, pos: number): never {
  fail(FormulaErrorCode.TYPE, `Operator '${op}' cannot be applied to operands of type '${typeName(a)}' and '${typeName(b)}'.`, pos);
}

function isStringy(v: unknown): boolean {
  return typeof v === 'string';
}

/** Dynamic `+`: string concatenation when either side is a string, lifted numeric addition otherwise. */
export function add(pos: number, a: unknown, b: unknown): unknown {
  if (isStringy(a) || isStringy(b)) return s(a) + s(b);
  if (a === null || a === undefined || b === null || b === undefined) return null;
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (a instanceof FormulaDateTime || b instanceof FormulaDateTime) opError('+', a, b, pos);
  return opError('+', a, b, pos);
}

export function sub(pos: number, a: unknown, b: unknown): unknown {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (a instanceof FormulaDateTime && b instanceof FormulaDateTime) return (a.ms - b.ms) / 86_400_000;
  return opError('-', a, b, pos);
}

export function mul(pos: number, a: unknown, b: unknown): unknown {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  if (typeof a === 'number' && typeof b === 'number') return a * b;
  return opError('*', a, b, pos);
}

/** Integer division: truncates; divisor 0 throws like C#. */
export function idiv(pos: number, a: number, b: number): number {
  if (b === 0) fail(FormulaErrorCode.DIVIDE_BY_ZERO, 'Attempted to divide by zero.', pos);
  return Math.trunc(a / b) + 0;
}

export function imod(pos: number, a: number, b: number): number {
  if (b === 0) fail(FormulaErrorCode.DIVIDE_BY_ZERO, 'Attempted to divide by zero.', pos);
  const r = a % b;
  return r === 0 ? 0 : r;
}

/** Dynamic `/`: int / int truncates (values are int when Number.isInteger), otherwise floating point. */
export function div(pos: number, a: unknown, b: unknown, floating: boolean): unknown {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  if (typeof a === 'number' && typeof b === 'number') {
    if (!floating && Number.isInteger(a) && Number.isInteger(b)) return idiv(pos, a, b);
    return a / b;
  }
  return opError('/', a, b, pos);
}

export function mod(pos: number, a: unknown, b: unknown, floating: boolean): unknown {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  if (typeof a === 'number' && typeof b === 'number') {
    if (!floating && Number.isInteger(a) && Number.isInteger(b)) return imod(pos, a, b);
    return a % b;
  }
  return opError('%', a, b, pos);
}

export function neg(pos: number, a: unknown): unknown {
  if (a === null || a === undefined) return null;
  if (typeof a === 'number') return a === 0 ? 0 : -a;
  return fail(FormulaErrorCode.TYPE, `Operator '-' cannot be applied to operand of type '${typeName(a)}'.`, pos);
}

export function plus(pos: number, a: unknown): unknown {
  if (a === null || a === undefined) return null;
  if (typeof a === 'number') return a;
  return fail(FormulaErrorCode.TYPE, `Operator '+' cannot be applied to operand of type '${typeName(a)}'.`, pos);
}

/** C# `==` (ordinal strings, lifted null: null == null is true). */
export function eq(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || a === undefined) return b === null || b === undefined;
  if (b === null || b === undefined) return false;
  if (a instanceof FormulaDateTime && b instanceof FormulaDateTime) return a.ms === b.ms;
  return false;
}

function compareValues(op: string, a: unknown, b: unknown, pos: number): number | null {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : a === b ? 0 : NaN;
  if (a instanceof FormulaDateTime && b instanceof FormulaDateTime) return a.ms - b.ms;
  return opError(op, a, b, pos);
}

export function lt(pos: number, a: unknown, b: unknown): boolean {
  const r = compareValues('<', a, b, pos);
  return r !== null && r < 0;
}
export function gt(pos: number, a: unknown, b: unknown): boolean {
  const r = compareValues('>', a, b, pos);
  return r !== null && r > 0;
}
export function le(pos: number, a: unknown, b: unknown): boolean {
  const r = compareValues('<=', a, b, pos);
  return r !== null && r <= 0;
}
export function ge(pos: number, a: unknown, b: unknown): boolean {
  const r = compareValues('>=', a, b, pos);
  return r !== null && r >= 0;
}

/** Requires a bool (conditions, `&&`, `||`, `!`). */
export function bool(pos: number, v: unknown): boolean {
  if (v === true || v === false) return v;
  if (v === null || v === undefined) fail(FormulaErrorCode.NULL_REFERENCE, 'Cannot convert null to bool: a condition evaluated to null.', pos);
  return fail(FormulaErrorCode.TYPE, `Cannot implicitly convert type '${typeName(v)}' to 'bool'.`, pos);
}

export function not(pos: number, v: unknown): boolean {
  return !bool(pos, v);
}

// --- member and index access ----------------------------------------------------------------------

/** FieldFromFirstMatch/FirstMatch given something that is not a list. */
export function notList(pos: number, fnName: string, v: unknown): never {
  return fail(
    FormulaErrorCode.ARGUMENT,
    `Invalid parameter passed to the method ${fnName}. The parameter inputList is expected to be of the type IEnumerable but is the type ${typeName(v)}.`,
    pos,
  );
}

export function nullRef(member: string, pos: number, call: boolean): never {
  return fail(
    FormulaErrorCode.NULL_REFERENCE,
    `Object reference not set to an instance of an object: cannot ${call ? 'call' : 'read'} ${member} on null.`,
    pos,
  );
}

/** `a.b`: properties of strings, lists, dates, or own field of a plain object (missing → null). */
export function prop(pos: number, o: unknown, key: string): unknown {
  if (o === null || o === undefined) return nullRef(key, pos, false);
  return propOf(pos, o, key);
}

/** `a?.b` */
export function propOpt(pos: number, o: unknown, key: string): unknown {
  if (o === null || o === undefined) return null;
  return propOf(pos, o, key);
}

function propOf(pos: number, o: unknown, key: string): unknown {
  if (typeof o === 'object' && hasOwn.call(o, key) && !blocked(key)) {
    const v = (o as Record<string, unknown>)[key];
    return v === undefined || typeof v === 'function' ? null : v;
  }
  if (key === 'Value' && (typeof o === 'number' || typeof o === 'boolean' || o instanceof FormulaDateTime)) return o; // Nullable<T>.Value
  if (key === 'HasValue' && typeof o !== 'object') return true;
  if (typeof o === 'string') {
    if (key === 'Length') return o.length;
    return fail(FormulaErrorCode.TYPE, `'string' has no property '${key}'.`, pos);
  }
  if (Array.isArray(o)) {
    if (key === 'Count' || key === 'Length') return o.length;
    return fail(FormulaErrorCode.TYPE, `'List' has no property '${key}'.`, pos);
  }
  if (o instanceof FormulaDateTime) {
    switch (key) {
      case 'Year': return o.Year;
      case 'Month': return o.Month;
      case 'Day': return o.Day;
      case 'Hour': return o.Hour;
      case 'Minute': return o.Minute;
      case 'Second': return o.Second;
      case 'Millisecond': return o.Millisecond;
      case 'Date': return o.Date;
      case 'DayOfWeek': return o.DayOfWeek;
      case 'DayOfYear': return o.DayOfYear;
      case 'Ticks': return (o.ms - FormulaDateTime.MinValue.ms) * 10_000;
      default:
        return fail(FormulaErrorCode.TYPE, `'DateTime' has no property '${key}'.`, pos);
    }
  }
  if (typeof o === 'object') {
    const v = own(o, key);
    if (v !== undefined) return v;
    if (key === 'Count' && isPlainObject(o)) return Object.keys(o).length;
    return null;
  }
  return fail(FormulaErrorCode.TYPE, `'${typeName(o)}' has no property '${key}'.`, pos);
}

/** `a[i]`: list/string index (out of range throws), dictionary key (missing → null). */
export function index(pos: number, o: unknown, i: unknown): unknown {
  if (o === null || o === undefined) return nullRef('the indexer', pos, false);
  return indexOf(pos, o, i);
}
export function indexOpt(pos: number, o: unknown, i: unknown): unknown {
  if (o === null || o === undefined) return null;
  return indexOf(pos, o, i);
}
function indexOf(pos: number, o: unknown, i: unknown): unknown {
  if (Array.isArray(o) || typeof o === 'string') {
    if (typeof i !== 'number' || !Number.isInteger(i)) {
      return fail(FormulaErrorCode.TYPE, `Index must be an int, not '${typeName(i)}'.`, pos);
    }
    if (i < 0 || i >= o.length) {
      return fail(FormulaErrorCode.INDEX_OUT_OF_RANGE, `Index was out of range: ${i} (count ${o.length}).`, pos);
    }
    const v: unknown = o[i];
    return v === undefined ? null : v;
  }
  if (typeof o === 'object' && isPlainObject(o)) {
    if (i === null || i === undefined) return fail(FormulaErrorCode.ARGUMENT, 'Key cannot be null.', pos);
    const v = own(o, s(i));
    return v === undefined ? null : v;
  }
  return fail(FormulaErrorCode.TYPE, `Cannot apply indexing to a value of type '${typeName(o)}'.`, pos);
}

// --- casts ----------------------------------------------------------------------------------------

function invalidCast(v: unknown, type: string, pos: number): never {
  return fail(FormulaErrorCode.INVALID_CAST, `Unable to cast a value of type '${typeName(v)}' to '${type}'.`, pos);
}

/** Explicit C# cast `(type)x` as applied to a boxed (dynamic) value. */
export function cast(pos: number, type: string, nullable: boolean, v: unknown): unknown {
  if (v === null || v === undefined) {
    if (nullable || type === 'string' || type === 'String' || type === 'object') return null;
    return fail(FormulaErrorCode.NULL_REFERENCE, `Object reference not set to an instance of an object: cannot cast null to '${type}'.`, pos);
  }
  switch (type) {
    case 'object':
      return v;
    case 'string':
    case 'String':
      return typeof v === 'string' ? v : invalidCast(v, 'string', pos);
    case 'char':
      return typeof v === 'string' && v.length === 1 ? v : typeof v === 'number' ? String.fromCharCode(v) : invalidCast(v, 'char', pos);
    case 'bool':
    case 'Boolean':
      return typeof v === 'boolean' ? v : invalidCast(v, 'bool', pos);
    case 'DateTime':
      return v instanceof FormulaDateTime ? v : invalidCast(v, 'DateTime', pos);
    case 'decimal':
    case 'Decimal':
    case 'double':
    case 'Double':
    case 'float':
      if (typeof v === 'number') return v;
      return invalidCast(v, type, pos);
    default:
      // integral types truncate toward zero
      if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : invalidCast(v, type, pos);
      return invalidCast(v, type, pos);
  }
}

// --- output ---------------------------------------------------------------------------------------

/** Formats a value with a .NET format string (numbers and dates); used by interpolation and ToString. */
export function formatValue(pos: number, v: unknown, format: string | undefined): string {
  if (format === undefined || format === '') return s(v);
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return formatNumber(v, format, pos);
  if (v instanceof FormulaDateTime) return formatDateTime(v, format);
  return s(v);
}

function groupThousands(intPart: string): string {
  return intPart.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Rounds half away from zero to `digits` decimals (as .NET formatting does) and returns fixed text. */
function toFixedAway(v: number, digits: number): string {
  const factor = 10 ** digits;
  const scaled = Math.abs(v) * factor;
  let r = Math.round(scaled);
  if (Math.abs(scaled - Math.trunc(scaled) - 0.5) < 1e-9) r = Math.trunc(scaled) + 1;
  const out = (r / factor).toFixed(digits);
  return v < 0 && r !== 0 ? '-' + out : out;
}

/** .NET numeric format strings: standard C, D, E, F, N, P, X, G, R and custom 0 # . , % patterns. */
export function formatNumber(v: number, format: string, pos = -1): string {
  const std = /^([CcDdEeFfGgNnPpXxRr])(\d{0,2})$/.exec(format);
  if (std) {
    const kind = (std[1] as string).toUpperCase();
    const prec = std[2] === '' ? undefined : Number(std[2]);
    switch (kind) {
      case 'C': {
        const t = toFixedAway(Math.abs(v), prec ?? 2);
        const [ip, fp] = t.split('.') as [string, string | undefined];
        const body = '$' + groupThousands(ip) + (fp ? '.' + fp : '');
        return v < 0 ? `(${body})` : body;
      }
      case 'D': {
        if (!Number.isInteger(v)) fail(FormulaErrorCode.FORMAT, 'Format specifier was invalid.', pos);
        const t = String(Math.abs(v)).padStart(prec ?? 0, '0');
        return v < 0 ? '-' + t : t;
      }
      case 'E':
        return v.toExponential(prec ?? 6).replace(/e([+-])(\d+)$/, (_m, sg: string, d: string) => `${std[1] === 'e' ? 'e' : 'E'}${sg}${d.padStart(3, '0')}`);
      case 'F':
        return toFixedAway(v, prec ?? 2);
      case 'N': {
        const t = toFixedAway(v, prec ?? 2);
        const neg = t.startsWith('-');
        const [ip, fp] = (neg ? t.slice(1) : t).split('.') as [string, string | undefined];
        return (neg ? '-' : '') + groupThousands(ip) + (fp ? '.' + fp : '');
      }
      case 'P': {
        const t = toFixedAway(v * 100, prec ?? 2);
        const neg = t.startsWith('-');
        const [ip, fp] = (neg ? t.slice(1) : t).split('.') as [string, string | undefined];
        return (neg ? '-' : '') + groupThousands(ip) + (fp ? '.' + fp : '') + ' %';
      }
      case 'X': {
        if (!Number.isInteger(v)) fail(FormulaErrorCode.FORMAT, 'Format specifier was invalid.', pos);
        const t = (v < 0 ? (v >>> 0) : v).toString(16).padStart(prec ?? 0, '0');
        return std[1] === 'x' ? t : t.toUpperCase();
      }
      default:
        return numToStr(v);
    }
  }
  return formatCustomNumber(v, format);
}

function formatCustomNumber(v: number, format: string): string {
  const sections = format.split(';');
  let fmt = sections[0] as string;
  let value = v;
  if (v < 0 && sections[1] !== undefined && sections[1] !== '') {
    fmt = sections[1];
    value = -v;
  } else if (v === 0 && sections[2] !== undefined) {
    fmt = sections[2];
  }
  // Separate literal prefix/suffix from the numeric pattern.
  const m = /^([^0#.,]*)([0#.,]+)(.*)$/.exec(fmt);
  if (!m) return fmt;
  const prefix = m[1] as string;
  let pattern = m[2] as string;
  const suffix = m[3] as string;
  if (suffix.includes('%') || prefix.includes('%')) value *= 100;
  const grouping = /[0#],[0#]/.test(pattern);
  pattern = pattern.replace(/,/g, '');
  const dot = pattern.indexOf('.');
  const intPat = dot < 0 ? pattern : pattern.slice(0, dot);
  const fracPat = dot < 0 ? '' : pattern.slice(dot + 1);
  const maxFrac = fracPat.length;
  const minFrac = (/^0*/.exec(fracPat)?.[0] ?? '').length;
  const minInt = (intPat.match(/0/g) ?? []).length;
  const t = toFixedAway(Math.abs(value), maxFrac);
  let [ip, fp] = t.split('.') as [string, string | undefined];
  fp = fp ?? '';
  while (fp.length > minFrac && fp.endsWith('0')) fp = fp.slice(0, -1);
  if (ip === '0' && minInt === 0) ip = '';
  ip = ip.padStart(minInt, '0');
  if (grouping) ip = groupThousands(ip);
  const neg = value < 0 && (Number(ip || '0') !== 0 || Number(fp || '0') !== 0) && !(v < 0 && sections[1]);
  const body = ip + (fp ? '.' + fp : '');
  return (neg ? '-' : '') + prefix + (body === '' ? '0' : body) + suffix;
}
