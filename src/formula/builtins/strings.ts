/** string.* statics and string members (Trim, Substring, Split, ...). */
import { FormulaErrorCode } from '../errors.js';
import { eq, fail, formatValue, s, type RunContext } from '../runtime.js';
import { argInt, argString, badParam, def, type BuiltinDef, type MethodTable } from './registry.js';

function outOfRange(message: string, pos: number): never {
  return fail(FormulaErrorCode.ARGUMENT_OUT_OF_RANGE, `Specified argument was out of the range of valid values: ${message}`, pos);
}

function ignoreCase(mode: unknown): boolean {
  return typeof mode === 'string' && mode.endsWith('IgnoreCase');
}

/** Needle argument: a string or a char literal (chars are one-character strings). */
function needle(name: string, v: unknown, pos: number): string {
  if (v === null || v === undefined) return fail(FormulaErrorCode.ARGUMENT, `Value cannot be null. (Parameter 'value' of ${name})`, pos);
  return argString(name, 'value', v, pos);
}

function trimChars(t: string, chars: unknown, start: boolean, end: boolean, pos: number): string {
  if (chars === undefined || chars === null) {
    if (start && end) return t.trim();
    return start ? t.trimStart() : t.trimEnd();
  }
  const set = argString('Trim', 'trimChars', chars, pos);
  let i = 0;
  let j = t.length;
  if (start) while (i < j && set.includes(t[i] as string)) i++;
  if (end) while (j > i && set.includes(t[j - 1] as string)) j--;
  return t.slice(i, j);
}

/** .NET composite formatting: {index[,alignment][:format]}, {{ and }} escapes. */
export function compositeFormat(format: string, args: readonly unknown[], pos: number): string {
  let out = '';
  let i = 0;
  while (i < format.length) {
    const ch = format[i] as string;
    if (ch === '{') {
      if (format[i + 1] === '{') {
        out += '{';
        i += 2;
        continue;
      }
      const close = format.indexOf('}', i);
      if (close < 0) return fail(FormulaErrorCode.FORMAT, 'Input string was not in a correct format.', pos);
      const m = /^\s*(\d+)\s*(?:,\s*(-?\d+)\s*)?(?::(.*))?$/s.exec(format.slice(i + 1, close));
      if (!m) return fail(FormulaErrorCode.FORMAT, 'Input string was not in a correct format.', pos);
      const idx = Number(m[1]);
      if (idx >= args.length) {
        return fail(FormulaErrorCode.FORMAT, 'Index (zero based) must be greater than or equal to zero and less than the size of the argument list.', pos);
      }
      let text = formatValue(pos, args[idx], m[3]);
      if (m[2] !== undefined) {
        const width = Number(m[2]);
        text = width < 0 ? text.padEnd(-width) : text.padStart(width);
      }
      out += text;
      i = close + 1;
      continue;
    }
    if (ch === '}') {
      if (format[i + 1] === '}') {
        out += '}';
        i += 2;
        continue;
      }
      return fail(FormulaErrorCode.FORMAT, 'Input string was not in a correct format.', pos);
    }
    out += ch;
    i++;
  }
  return out;
}

function join(_c: RunContext, pos: number, sep: unknown, ...values: unknown[]): string {
  const separator = sep === null || sep === undefined ? '' : s(sep);
  const items = values.length === 1 && Array.isArray(values[0]) ? (values[0] as unknown[]) : values;
  if (values.length === 1 && (values[0] === null || values[0] === undefined)) {
    return fail(FormulaErrorCode.ARGUMENT, "Value cannot be null. (Parameter 'values' of string.Join)", pos);
  }
  return items.map((v) => s(v)).join(separator);
}

function concat(_c: RunContext, _pos: number, ...values: unknown[]): string {
  const items = values.length === 1 && Array.isArray(values[0]) ? (values[0] as unknown[]) : values;
  return items.map((v) => s(v)).join('');
}

function format(_c: RunContext, pos: number, fmt: unknown, ...args: unknown[]): string {
  if (fmt === null || fmt === undefined) return fail(FormulaErrorCode.ARGUMENT, "Value cannot be null. (Parameter 'format')", pos);
  const list = args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
  return compositeFormat(argString('string.Format', 'format', fmt, pos), list, pos);
}

export const STRING_STATICS: Record<string, BuiltinDef> = {
  'string.IsNullOrEmpty': def((_c: RunContext, _p: number, v: unknown) => v === null || v === undefined || v === '', 1, 1, { returns: 'bool' }),
  'string.IsNullOrWhiteSpace': def(
    (_c: RunContext, _p: number, v: unknown) => v === null || v === undefined || (typeof v === 'string' && v.trim() === ''),
    1, 1, { returns: 'bool' },
  ),
  'string.Join': def(join, 2, Infinity, { returns: 'string' }),
  'string.Concat': def(concat, 1, Infinity, { returns: 'string' }),
  'string.Format': def(format, 1, Infinity, { returns: 'string' }),
  'string.Equals': def((_c: RunContext, _p: number, a: unknown, b: unknown, mode: unknown) => {
    if (ignoreCase(mode) && typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
    return eq(a, b);
  }, 2, 3, { returns: 'bool' }),
  'string.Compare': def((_c: RunContext, _p: number, a: unknown, b: unknown, ic: unknown) => {
    if (a === b) return 0;
    if (a === null || a === undefined) return -1;
    if (b === null || b === undefined) return 1;
    let x = s(a);
    let y = s(b);
    if (ic === true || ignoreCase(ic)) {
      x = x.toLowerCase();
      y = y.toLowerCase();
    }
    return x < y ? -1 : x > y ? 1 : 0;
  }, 2, 3, { returns: 'int' }),
};

export const STRING_STATIC_PROPS: Record<string, { value: unknown; returns: 'string' }> = {
  'string.Empty': { value: '', returns: 'string' },
  'StringComparison.Ordinal': { value: 'Ordinal', returns: 'string' },
  'StringComparison.OrdinalIgnoreCase': { value: 'OrdinalIgnoreCase', returns: 'string' },
  'StringComparison.CurrentCulture': { value: 'CurrentCulture', returns: 'string' },
  'StringComparison.CurrentCultureIgnoreCase': { value: 'CurrentCultureIgnoreCase', returns: 'string' },
  'StringComparison.InvariantCulture': { value: 'InvariantCulture', returns: 'string' },
  'StringComparison.InvariantCultureIgnoreCase': { value: 'InvariantCultureIgnoreCase', returns: 'string' },
  'StringSplitOptions.None': { value: 'None', returns: 'string' },
  'StringSplitOptions.RemoveEmptyEntries': { value: 'RemoveEmptyEntries', returns: 'string' },
  'StringSplitOptions.TrimEntries': { value: 'TrimEntries', returns: 'string' },
};

type C = RunContext;

function split(_c: C, pos: number, t: string, sep?: unknown, opt?: unknown, opt2?: unknown): string[] {
  let parts: string[];
  let options: unknown = opt;
  let count: number | undefined;
  if (typeof opt === 'number') {
    count = opt;
    options = opt2;
  }
  if (sep === undefined || sep === null || sep === '') {
    parts = t.split(/\s/);
  } else if (Array.isArray(sep)) {
    const seps = sep.map((x) => s(x)).filter((x) => x !== '');
    parts = seps.length === 0 ? t.split(/\s/) : splitMany(t, seps);
  } else {
    parts = t.split(argString('Split', 'separator', sep, pos));
  }
  if (options === 'TrimEntries') parts = parts.map((p) => p.trim());
  if (options === 'RemoveEmptyEntries') parts = parts.filter((p) => p !== '');
  if (count !== undefined && count > 0 && parts.length > count) {
    const sepText = typeof sep === 'string' ? sep : ' ';
    parts = [...parts.slice(0, count - 1), parts.slice(count - 1).join(sepText)];
  }
  return parts;
}

function splitMany(t: string, seps: string[]): string[] {
  const out: string[] = [];
  let cur = '';
  let i = 0;
  outer: while (i < t.length) {
    for (const sp of seps) {
      if (t.startsWith(sp, i)) {
        out.push(cur);
        cur = '';
        i += sp.length;
        continue outer;
      }
    }
    cur += t[i];
    i++;
  }
  out.push(cur);
  return out;
}

/** A method looking for its argument in the string, case-insensitively when the comparison mode says so. */
function search<T>(name: string, find: (t: string, n: string) => T): (c: C, pos: number, t: string, v: unknown, mode: unknown) => T {
  return (_c, pos, t, v, mode) => {
    const n = needle(name, v, pos);
    return ignoreCase(mode) ? find(t.toLowerCase(), n.toLowerCase()) : find(t, n);
  };
}

/** PadLeft / PadRight: a non-negative total width and an optional padding char (space when absent or empty). */
function pad(name: string, fill: (t: string, width: number, ch: string) => string): (c: C, pos: number, t: string, w: unknown, ch: unknown) => string {
  return (_c, pos, t, w, ch) => {
    const width = argInt(name, 'totalWidth', w, pos);
    if (width < 0) outOfRange('totalWidth is negative.', pos);
    return fill(t, width, ch === undefined ? ' ' : argString(name, 'paddingChar', ch, pos) || ' ');
  };
}

export const STRING_METHODS: MethodTable = {
  Trim: { min: 0, max: 1, returns: 'string', impls: { string: (_c: C, pos: number, t: string, chars: unknown) => trimChars(t, chars, true, true, pos) } },
  TrimStart: { min: 0, max: 1, returns: 'string', impls: { string: (_c: C, pos: number, t: string, chars: unknown) => trimChars(t, chars, true, false, pos) } },
  TrimEnd: { min: 0, max: 1, returns: 'string', impls: { string: (_c: C, pos: number, t: string, chars: unknown) => trimChars(t, chars, false, true, pos) } },
  ToUpper: { min: 0, max: 0, returns: 'string', impls: { string: (_c: C, _p: number, t: string) => t.toUpperCase() } },
  ToLower: { min: 0, max: 0, returns: 'string', impls: { string: (_c: C, _p: number, t: string) => t.toLowerCase() } },
  ToUpperInvariant: { min: 0, max: 0, returns: 'string', impls: { string: (_c: C, _p: number, t: string) => t.toUpperCase() } },
  ToLowerInvariant: { min: 0, max: 0, returns: 'string', impls: { string: (_c: C, _p: number, t: string) => t.toLowerCase() } },
  Substring: {
    min: 1, max: 2, returns: 'string',
    impls: {
      string: (_c: C, pos: number, t: string, start: unknown, len: unknown) => {
        const st = argInt('Substring', 'startIndex', start, pos);
        if (st < 0 || st > t.length) outOfRange(`startIndex ${st} is outside the string (length ${t.length}).`, pos);
        if (len === undefined) return t.slice(st);
        const ln = argInt('Substring', 'length', len, pos);
        if (ln < 0 || st + ln > t.length) outOfRange(`Index and length must refer to a location within the string (start ${st}, length ${ln}, string length ${t.length}).`, pos);
        return t.substr(st, ln);
      },
    },
  },
  StartsWith: { min: 1, max: 2, returns: 'bool', impls: { string: search('StartsWith', (t, n) => t.startsWith(n)) } },
  EndsWith: { min: 1, max: 2, returns: 'bool', impls: { string: search('EndsWith', (t, n) => t.endsWith(n)) } },
  Replace: {
    min: 2, max: 2, returns: 'string',
    impls: {
      string: (_c: C, pos: number, t: string, a: unknown, b: unknown) => {
        const from = needle('Replace', a, pos);
        if (from === '') return fail(FormulaErrorCode.ARGUMENT, 'String cannot be of zero length. (Parameter oldValue of Replace)', pos);
        const to = b === null || b === undefined ? '' : argString('Replace', 'newValue', b, pos);
        return t.split(from).join(to);
      },
    },
  },
  Split: { min: 0, max: 3, impls: { string: split }, returns: 'list' },
  LastIndexOf: { min: 1, max: 2, returns: 'int', impls: { string: search('LastIndexOf', (t, n) => t.lastIndexOf(n)) } },
  PadLeft: { min: 1, max: 2, returns: 'string', impls: { string: pad('PadLeft', (t, width, ch) => t.padStart(width, ch)) } },
  PadRight: { min: 1, max: 2, returns: 'string', impls: { string: pad('PadRight', (t, width, ch) => t.padEnd(width, ch)) } },
  Insert: {
    min: 2, max: 2, returns: 'string',
    impls: {
      string: (_c: C, pos: number, t: string, i: unknown, v: unknown) => {
        const at = argInt('Insert', 'startIndex', i, pos);
        if (at < 0 || at > t.length) outOfRange('startIndex is outside the string.', pos);
        return t.slice(0, at) + needle('Insert', v, pos) + t.slice(at);
      },
    },
  },
  Remove: {
    min: 1, max: 2, returns: 'string',
    impls: {
      string: (_c: C, pos: number, t: string, i: unknown, n: unknown) => {
        const at = argInt('Remove', 'startIndex', i, pos);
        if (at < 0 || at > t.length) outOfRange('startIndex is outside the string.', pos);
        if (n === undefined) return t.slice(0, at);
        const count = argInt('Remove', 'count', n, pos);
        if (count < 0 || at + count > t.length) outOfRange('Index and count must refer to a location within the string.', pos);
        return t.slice(0, at) + t.slice(at + count);
      },
    },
  },
  IsNullOrEmpty: { min: 0, max: 0, returns: 'bool', impls: { string: (_c: C, _p: number, t: string) => t === '' } },
};

/** String parts of members shared with other receiver types (Contains, IndexOf, Equals). */
export const STRING_SHARED = {
  Contains: search('Contains', (t, n): boolean => t.includes(n)),
  IndexOf: (_c: C, pos: number, t: string, v: unknown, start: unknown): number => {
    const n = needle('IndexOf', v, pos);
    if (ignoreCase(start)) return t.toLowerCase().indexOf(n.toLowerCase());
    if (start === undefined) return t.indexOf(n);
    const st = argInt('IndexOf', 'startIndex', start, pos);
    if (st < 0 || st > t.length) outOfRange('startIndex is outside the string.', pos);
    return t.indexOf(n, st);
  },
  Equals: (_c: C, _pos: number, t: string, v: unknown, mode: unknown): boolean => {
    if (ignoreCase(mode) && typeof v === 'string') return t.toLowerCase() === v.toLowerCase();
    return t === v;
  },
};

export { badParam };
