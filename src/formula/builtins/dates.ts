/** DateTime statics and members, and the SDK's date functions. */
import { FormulaDateTime, formatDateTime, nowUtc, parseDateTime } from '../datetime.js';
import { FormulaErrorCode } from '../errors.js';
import { fail, type RunContext } from '../runtime.js';
import { argNumber, argString, def, type BuiltinDef, type MethodImpl, type MethodTable } from './registry.js';

type C = RunContext;

function checked(v: FormulaDateTime | null, pos: number): FormulaDateTime {
  if (v === null) return fail(FormulaErrorCode.ARGUMENT_OUT_OF_RANGE, 'The added or subtracted value results in an un-representable DateTime.', pos);
  return v;
}

function adder(name: string, msPerUnit: number): MethodTable[string] {
  const impl = (_c: C, pos: number, d: FormulaDateTime, n: unknown) => checked(d.addMs(argNumber(name, 'value', n, pos) * msPerUnit), pos);
  return { min: 1, max: 1, returns: 'date', impls: { date: impl as MethodImpl } };
}

export const DATE_METHODS: MethodTable = {
  AddDays: adder('AddDays', 86_400_000),
  AddHours: adder('AddHours', 3_600_000),
  AddMinutes: adder('AddMinutes', 60_000),
  AddSeconds: adder('AddSeconds', 1000),
  AddMilliseconds: adder('AddMilliseconds', 1),
  AddMonths: {
    min: 1, max: 1, returns: 'date',
    impls: { date: ((_c: C, pos: number, d: FormulaDateTime, n: unknown) => checked(d.addMonths(argNumber('AddMonths', 'months', n, pos)), pos)) as MethodImpl },
  },
  AddYears: {
    min: 1, max: 1, returns: 'date',
    impls: { date: ((_c: C, pos: number, d: FormulaDateTime, n: unknown) => checked(d.addMonths(12 * argNumber('AddYears', 'value', n, pos)), pos)) as MethodImpl },
  },
  ToShortDateString: { min: 0, max: 0, returns: 'string', impls: { date: ((_c: C, _p: number, d: FormulaDateTime) => formatDateTime(d, 'd')) as MethodImpl } },
  ToLongDateString: { min: 0, max: 0, returns: 'string', impls: { date: ((_c: C, _p: number, d: FormulaDateTime) => formatDateTime(d, 'D')) as MethodImpl } },
  ToShortTimeString: { min: 0, max: 0, returns: 'string', impls: { date: ((_c: C, _p: number, d: FormulaDateTime) => formatDateTime(d, 't')) as MethodImpl } },
  ToUniversalTime: { min: 0, max: 0, returns: 'date', impls: { date: ((_c: C, _p: number, d: FormulaDateTime) => new FormulaDateTime(d.ms, 'Utc')) as MethodImpl } },
  ToLocalTime: { min: 0, max: 0, returns: 'date', impls: { date: ((_c: C, _p: number, d: FormulaDateTime) => d) as MethodImpl } },
};

export const DATE_STATIC_PROPS: Record<string, { get: () => unknown; returns: 'date' }> = {
  'DateTime.Now': { get: nowUtc, returns: 'date' },
  'DateTime.UtcNow': { get: nowUtc, returns: 'date' },
  'DateTime.Today': { get: () => nowUtc().Date, returns: 'date' },
  'DateTime.MinValue': { get: () => FormulaDateTime.MinValue, returns: 'date' },
  'DateTime.MaxValue': { get: () => FormulaDateTime.MaxValue, returns: 'date' },
};

/** DateOnly: date part of a DateTime; "0"/unparsable → null; 9–10 digit strings are Unix seconds. */
function dateOnly(_c: C, _pos: number, v: unknown): FormulaDateTime | null {
  if (v === null || v === undefined) return null;
  if (v instanceof FormulaDateTime) return v.Date;
  if (typeof v === 'number') return null;
  if (typeof v !== 'string') return null;
  const t = v.trim();
  if (t === '0' || t === '') return null;
  if (/^\d{9,10}$/.test(t)) return new FormulaDateTime(Number(t) * 1000, 'Utc').Date;
  const d = parseDateTime(t);
  return d === null ? null : d.Date;
}

export const DATE_STATICS: Record<string, BuiltinDef> = {
  'DateTime.DaysInMonth': def((_c: C, pos: number, y: unknown, m: unknown) => {
    const year = argNumber('DaysInMonth', 'year', y, pos);
    const month = argNumber('DaysInMonth', 'month', m, pos);
    if (month < 1 || month > 12) fail(FormulaErrorCode.ARGUMENT_OUT_OF_RANGE, 'Month must be between 1 and 12.', pos);
    const d = new Date(0);
    d.setUTCFullYear(year, month, 0);
    return d.getUTCDate();
  }, 2, 2, { returns: 'int' }),
  'DateTime.ParseExact': def((_c: C, pos: number, v: unknown, f: unknown) => {
    const text = argString('DateTime.ParseExact', 's', v, pos);
    argString('DateTime.ParseExact', 'format', f, pos);
    const d = parseDateTime(text);
    if (d === null) return fail(FormulaErrorCode.FORMAT, `String '${text.slice(0, 40)}' was not recognized as a valid DateTime.`, pos);
    return d;
  }, 2, 3, { returns: 'date' }),
};

export const DATE_FUNCTIONS: Record<string, BuiltinDef> = {
  DateOnly: def(dateOnly, 1, 1, { returns: 'date' }),
  CurrentDateTime: def(() => nowUtc(), 0, 0, { returns: 'date' }),
  CurrentDateTimeOffset: def(() => nowUtc(), 0, 0, { returns: 'date' }),
  MinimumDateTime: def(() => FormulaDateTime.MinValue, 0, 0, { returns: 'date' }),
  MaximumDateTime: def(() => FormulaDateTime.MaxValue, 0, 0, { returns: 'date' }),
  LocalDateTimeFromDateTimeOffset: def((_c: C, _p: number, v: unknown) => (v instanceof FormulaDateTime && v.ms !== FormulaDateTime.MinValue.ms ? new FormulaDateTime(v.ms) : null), 1, 2, { returns: 'date' }),
  DateTimeOffsetFromLocalDateTime: def((_c: C, _p: number, v: unknown) => (v instanceof FormulaDateTime && v.ms !== FormulaDateTime.MinValue.ms ? new FormulaDateTime(v.ms, 'Utc') : null), 1, 2, { returns: 'date' }),
};
