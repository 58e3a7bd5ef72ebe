/** Math.*, Convert.*, int/long/decimal/double/bool.Parse and the SDK's numeric conversion functions. */
import { FormulaDateTime, parseDateTime } from '../datetime.js';
import { FormulaErrorCode } from '../errors.js';
import { fail, s as str, typeName, type RunContext } from '../runtime.js';
import { argNumber, badParam, def, formatError, type BuiltinDef } from './registry.js';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function overflow(type: string, pos: number): never {
  return fail(FormulaErrorCode.OVERFLOW, `Value was either too large or too small for ${type}.`, pos);
}

/** Banker's rounding (half to even) or away from zero, to `digits` decimals, tolerant of binary noise. */
export function roundTo(v: number, digits: number, mode: string): number {
  if (!Number.isFinite(v)) return v;
  const f = 10 ** digits;
  const scaled = Number((v * f).toPrecision(15));
  const floor = Math.floor(scaled);
  const diff = scaled - floor;
  let r: number;
  switch (mode) {
    case 'AwayFromZero':
      r = Math.abs(diff - 0.5) < 1e-9 ? (scaled < 0 ? floor : floor + 1) : Math.round(scaled);
      break;
    case 'ToZero':
      r = Math.trunc(scaled);
      break;
    case 'ToNegativeInfinity':
    case 'Floor':
      r = floor;
      break;
    case 'ToPositiveInfinity':
    case 'Ceiling':
      r = Math.ceil(scaled);
      break;
    default:
      if (Math.abs(diff - 0.5) < 1e-9) r = floor % 2 === 0 ? floor : floor + 1;
      else r = Math.round(scaled);
  }
  const out = r / f;
  return out === 0 ? 0 : out;
}

const MIDPOINT_MODES = new Set(['ToEven', 'AwayFromZero', 'ToZero', 'ToNegativeInfinity', 'ToPositiveInfinity']);

function mathRound(_c: RunContext, pos: number, x: unknown, a?: unknown, b?: unknown): unknown {
  if (x === null || x === undefined) return badParam('Math.Round', 'd', 'decimal', x, pos);
  const v = argNumber('Math.Round', 'd', x, pos);
  let digits = 0;
  let mode = 'ToEven';
  for (const extra of [a, b]) {
    if (extra === undefined) continue;
    if (typeof extra === 'number') {
      if (!Number.isInteger(extra) || extra < 0 || extra > 28) fail(FormulaErrorCode.ARGUMENT_OUT_OF_RANGE, 'Rounding digits must be between 0 and 28.', pos);
      digits = extra;
    } else if (typeof extra === 'string' && MIDPOINT_MODES.has(extra)) mode = extra;
    else badParam('Math.Round', 'mode', 'MidpointRounding', extra, pos);
  }
  return roundTo(v, digits, mode);
}

function num1(name: string, f: (x: number) => number): BuiltinDef {
  return def((_c: RunContext, pos: number, x: unknown) => f(argNumber(name, 'value', x, pos)), 1, 1, { returns: 'double' });
}

export const MATH_STATICS: Record<string, BuiltinDef> = {
  'Math.Round': def(mathRound, 1, 3, { returns: 'double' }),
  'Math.Abs': def((_c: RunContext, pos: number, x: unknown) => Math.abs(argNumber('Math.Abs', 'value', x, pos)), 1, 1, { returns: 'arg0' }),
  'Math.Floor': num1('Math.Floor', Math.floor),
  'Math.Ceiling': num1('Math.Ceiling', Math.ceil),
  'Math.Truncate': num1('Math.Truncate', Math.trunc),
  'Math.Sqrt': num1('Math.Sqrt', Math.sqrt),
  'Math.Sign': def((_c: RunContext, pos: number, x: unknown) => Math.sign(argNumber('Math.Sign', 'value', x, pos)), 1, 1, { returns: 'int' }),
  'Math.Min': def((_c: RunContext, pos: number, x: unknown, y: unknown) => Math.min(argNumber('Math.Min', 'val1', x, pos), argNumber('Math.Min', 'val2', y, pos)), 2, 2, { returns: 'arg0' }),
  'Math.Max': def((_c: RunContext, pos: number, x: unknown, y: unknown) => Math.max(argNumber('Math.Max', 'val1', x, pos), argNumber('Math.Max', 'val2', y, pos)), 2, 2, { returns: 'arg0' }),
  'Math.Pow': def((_c: RunContext, pos: number, x: unknown, y: unknown) => Math.pow(argNumber('Math.Pow', 'x', x, pos), argNumber('Math.Pow', 'y', y, pos)), 2, 2, { returns: 'double' }),
};

// --- Convert ------------------------------------------------------------------------------------

const NUMBER_TEXT = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;
const INT_TEXT = /^\s*[-+]?\d+\s*$/;

export function parseDecimal(v: string, pos: number): number {
  const t = v.replace(/,(?=\d{3}(\D|$))/g, '');
  if (!NUMBER_TEXT.test(t)) return formatError(pos);
  return Number(t);
}

function parseIntText(v: string, pos: number, type: string, min: number, max: number): number {
  if (!INT_TEXT.test(v)) return formatError(pos);
  const n = Number(v.trim());
  if (n < min || n > max) return overflow(type, pos);
  return n;
}

/** Convert.ToDouble / ToDecimal: null → 0, strings parsed (invariant culture), bool → 1/0. */
export function toDouble(v: unknown, pos: number): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return parseDecimal(v, pos);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return fail(FormulaErrorCode.INVALID_CAST, `Unable to convert a value of type '${typeName(v)}' to a number.`, pos);
}

function toIntegral(v: unknown, pos: number, type: string, min: number, max: number): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return overflow(type, pos);
    const r = roundTo(v, 0, 'ToEven');
    if (r < min || r > max) return overflow(type, pos);
    return r;
  }
  if (typeof v === 'string') return parseIntText(v, pos, type, min, max);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return fail(FormulaErrorCode.INVALID_CAST, `Unable to convert a value of type '${typeName(v)}' to ${type}.`, pos);
}

export function toInt32(v: unknown, pos: number): number {
  return toIntegral(v, pos, 'an Int32', INT32_MIN, INT32_MAX);
}
export function toInt64(v: unknown, pos: number): number {
  return toIntegral(v, pos, 'an Int64', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
}

export function toBoolean(v: unknown, pos: number): boolean {
  if (v === null || v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (t === 'true') return true;
    if (t === 'false') return false;
    return fail(FormulaErrorCode.FORMAT, 'String was not recognized as a valid Boolean.', pos);
  }
  return fail(FormulaErrorCode.INVALID_CAST, `Unable to convert a value of type '${typeName(v)}' to bool.`, pos);
}

export function toDateTime(v: unknown, pos: number): FormulaDateTime {
  if (v === null || v === undefined) return FormulaDateTime.MinValue;
  if (v instanceof FormulaDateTime) return v;
  if (typeof v === 'string') {
    const d = parseDateTime(v);
    if (d === null) return fail(FormulaErrorCode.FORMAT, `String '${v.slice(0, 40)}' was not recognized as a valid DateTime.`, pos);
    return d;
  }
  return fail(FormulaErrorCode.INVALID_CAST, `Unable to convert a value of type '${typeName(v)}' to DateTime.`, pos);
}

function requireText(name: string, v: unknown, pos: number): string {
  if (v === null || v === undefined) return fail(FormulaErrorCode.ARGUMENT, `Value cannot be null. (Parameter 's' of ${name})`, pos);
  if (typeof v !== 'string') return badParam(name, 's', 'string', v, pos);
  return v;
}

export const CONVERT_STATICS: Record<string, BuiltinDef> = {
  'Convert.ToInt32': def((_c: RunContext, pos: number, v: unknown) => toInt32(v, pos), 1, 1, { returns: 'int' }),
  'Convert.ToInt16': def((_c: RunContext, pos: number, v: unknown) => toIntegral(v, pos, 'an Int16', -32768, 32767), 1, 1, { returns: 'int' }),
  'Convert.ToInt64': def((_c: RunContext, pos: number, v: unknown) => toInt64(v, pos), 1, 1, { returns: 'int' }),
  'Convert.ToDecimal': def((_c: RunContext, pos: number, v: unknown) => toDouble(v, pos), 1, 1, { returns: 'double' }),
  'Convert.ToDouble': def((_c: RunContext, pos: number, v: unknown) => toDouble(v, pos), 1, 1, { returns: 'double' }),
  'Convert.ToSingle': def((_c: RunContext, pos: number, v: unknown) => toDouble(v, pos), 1, 1, { returns: 'double' }),
  'Convert.ToBoolean': def((_c: RunContext, pos: number, v: unknown) => toBoolean(v, pos), 1, 1, { returns: 'bool' }),
  'Convert.ToString': def((_c: RunContext, _pos: number, v: unknown) => str(v), 1, 1, { returns: 'string' }),
  'Convert.ToDateTime': def((_c: RunContext, pos: number, v: unknown) => toDateTime(v, pos), 1, 1, { returns: 'date' }),
  'int.Parse': def((_c: RunContext, pos: number, v: unknown) => parseIntText(requireText('int.Parse', v, pos), pos, 'an Int32', INT32_MIN, INT32_MAX), 1, 1, { returns: 'int' }),
  'long.Parse': def((_c: RunContext, pos: number, v: unknown) => parseIntText(requireText('long.Parse', v, pos), pos, 'an Int64', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER), 1, 1, { returns: 'int' }),
  'decimal.Parse': def((_c: RunContext, pos: number, v: unknown) => parseDecimal(requireText('decimal.Parse', v, pos), pos), 1, 1, { returns: 'double' }),
  'double.Parse': def((_c: RunContext, pos: number, v: unknown) => parseDecimal(requireText('double.Parse', v, pos), pos), 1, 1, { returns: 'double' }),
  'bool.Parse': def((_c: RunContext, pos: number, v: unknown) => toBoolean(requireText('bool.Parse', v, pos), pos), 1, 1, { returns: 'bool' }),
  'DateTime.Parse': def((_c: RunContext, pos: number, v: unknown) => toDateTime(requireText('DateTime.Parse', v, pos), pos), 1, 1, { returns: 'date' }),
};

export const NUMERIC_STATIC_PROPS: Record<string, { value: unknown; returns: 'int' | 'double' | 'string' }> = {
  'int.MaxValue': { value: INT32_MAX, returns: 'int' },
  'int.MinValue': { value: INT32_MIN, returns: 'int' },
  'long.MaxValue': { value: Number.MAX_SAFE_INTEGER, returns: 'int' },
  'long.MinValue': { value: Number.MIN_SAFE_INTEGER, returns: 'int' },
  'decimal.Zero': { value: 0, returns: 'double' },
  'decimal.One': { value: 1, returns: 'double' },
  'Math.PI': { value: Math.PI, returns: 'double' },
  'Math.E': { value: Math.E, returns: 'double' },
  'MidpointRounding.ToEven': { value: 'ToEven', returns: 'string' },
  'MidpointRounding.AwayFromZero': { value: 'AwayFromZero', returns: 'string' },
  'MidpointRounding.ToZero': { value: 'ToZero', returns: 'string' },
  'MidpointRounding.ToNegativeInfinity': { value: 'ToNegativeInfinity', returns: 'string' },
  'MidpointRounding.ToPositiveInfinity': { value: 'ToPositiveInfinity', returns: 'string' },
};

// --- SDK conversion functions -------------------------------------------------------------------

function larger(_c: RunContext, pos: number, a: unknown, b: unknown): number {
  if ((a === null || a === undefined) && (b === null || b === undefined)) return 0;
  if (a === null || a === undefined) return toDouble(b, pos);
  if (b === null || b === undefined) return toDouble(a, pos);
  return Math.max(toDouble(a, pos), toDouble(b, pos));
}

function typesafeMultiplication(_c: RunContext, pos: number, a: unknown, b: unknown): number {
  if (a === null || a === undefined || b === null || b === undefined) return 0;
  return toDouble(a, pos) * toDouble(b, pos);
}

function typesafeDivision(_c: RunContext, pos: number, n: unknown, d: unknown): number {
  if (n === null || n === undefined) return 0;
  if (d === null || d === undefined) return fail(FormulaErrorCode.ARGUMENT, 'TypesafeDivision: the divisor is null.', pos);
  const dv = toDouble(d, pos);
  if (dv === 0) return fail(FormulaErrorCode.DIVIDE_BY_ZERO, 'TypesafeDivision: attempt to divide by zero.', pos);
  return toDouble(n, pos) / dv;
}

export const NUMERIC_FUNCTIONS: Record<string, BuiltinDef> = {
  ConvertToLong: def((_c: RunContext, pos: number, v: unknown) => toInt64(v, pos), 1, 1, { returns: 'int' }),
  ConvertToInt: def((_c: RunContext, pos: number, v: unknown) => toInt32(v, pos), 1, 1, { returns: 'int' }),
  ConvertToDecimal: def((_c: RunContext, pos: number, v: unknown) => toDouble(v, pos), 1, 1, { returns: 'double' }),
  ConvertToDouble: def((_c: RunContext, pos: number, v: unknown) => toDouble(v, pos), 1, 1, { returns: 'double' }),
  TypesafeMultiplication: def(typesafeMultiplication, 2, 2, { returns: 'double' }),
  TypesafeDivision: def(typesafeDivision, 2, 2, { returns: 'double' }),
  Larger: def(larger, 2, 2, { returns: 'double' }),
};
