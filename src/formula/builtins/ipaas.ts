/** iPaaS.com translation-engine functions and SDK conversion functions. */
import { FormulaDateTime } from '../datetime.js';
import { FormulaErrorCode, FormulaMappingError } from '../errors.js';
import { fail, isPlainObject, own, s, st, type RunContext } from '../runtime.js';
import { toDateTime, toDouble } from './math.js';
import { argString, badParam, def, formatError, type BuiltinDef } from './registry.js';

type C = RunContext;

/** A compiled FieldFromFirstMatch / FirstMatch condition: evaluated against one item. */
export type ConditionPredicate = (item: unknown, c: RunContext) => unknown;
type ConditionCompiler = (condition: string, pos: number) => ConditionPredicate;

let conditionCompiler: ConditionCompiler = () => {
  throw new Error('condition compiler not installed');
};
/** Installed by the compiler (avoids an import cycle). */
export function setConditionCompiler(fn: ConditionCompiler): void {
  conditionCompiler = fn;
}

function predicateOf(cond: unknown, fnName: string, pos: number): ConditionPredicate {
  if (typeof cond === 'function') return cond as ConditionPredicate;
  return conditionCompiler(argString(fnName, 'condition', cond, pos), pos);
}

function firstMatch(c: C, pos: number, list: unknown, cond: unknown, fnName: string): unknown {
  if (list === null || list === undefined) return undefined;
  if (!Array.isArray(list)) return badParam(fnName, 'inputList', 'IEnumerable', list, pos);
  const p = predicateOf(cond, fnName, pos);
  for (const item of list as unknown[]) {
    st(c);
    if (p(item, c) === true) return item;
  }
  return undefined;
}

/** Reads a (possibly dotted) field path of plain data; missing → null. */
export function readPath(source: unknown, path: string): unknown {
  if (path.indexOf('.') < 0) {
    const v = own(source, path);
    return v === undefined ? null : v;
  }
  let cur: unknown = source;
  for (const part of path.split('.')) {
    if (cur === null || cur === undefined) return null;
    const v = own(cur, part);
    cur = v === undefined ? null : v;
  }
  return cur === undefined ? null : cur;
}

const CUSTOM_NAME_KEYS = ['Name', 'CustomFieldName', 'custom_field_name', 'name', 'Key', 'key'];
const CUSTOM_VALUE_KEYS = ['Value', 'value'];

function findNamed(list: unknown[], name: string): unknown {
  let loose: unknown;
  for (const item of list) {
    if (!isPlainObject(item)) continue;
    for (const k of CUSTOM_NAME_KEYS) {
      const n = own(item, k);
      if (typeof n !== 'string') continue;
      if (n === name || (loose === undefined && n.toLowerCase() === name.toLowerCase())) {
        let value: unknown = null;
        for (const vk of CUSTOM_VALUE_KEYS) {
          const v = own(item, vk);
          if (v !== undefined) {
            value = v;
            break;
          }
        }
        if (n === name) return value;
        loose = value;
      }
    }
  }
  return loose === undefined ? null : loose;
}

function customValue(collection: unknown, name: string, allowJson: boolean): unknown {
  if (collection === null || collection === undefined) return null;
  if (Array.isArray(collection)) return findNamed(collection, name);
  if (typeof collection === 'string') {
    if (!allowJson || collection.trim() === '') return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(collection);
    } catch {
      return null;
    }
    return customValue(parsed, name, false);
  }
  if (isPlainObject(collection)) {
    const v = own(collection, name);
    return v === undefined ? null : v;
  }
  return null;
}

/** SDK IsEmpty: null, "", DateTime.MinValue, decimal 0 → true; "   " and int 0 → false. */
function isEmpty(v: unknown, decimal: boolean): boolean {
  if (v === null || v === undefined || v === '') return true;
  if (v instanceof FormulaDateTime) return v.ms === FormulaDateTime.MinValue.ms;
  if (typeof v === 'string') return v === '00000000-0000-0000-0000-000000000000';
  if (typeof v === 'number') return decimal && v === 0;
  return false;
}

function coalesce(args: unknown[]): unknown {
  for (const a of args) if (a !== null && a !== undefined) return a;
  return null;
}

/** Catastrophic-backtracking guard: a quantified group that itself contains a quantifier, e.g. (a+)+. */
export function hasNestedQuantifier(p: string): boolean {
  const stack: boolean[] = [];
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const ch = p[i];
    if (ch === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      continue;
    }
    if (ch === '[') inClass = true;
    else if (ch === '(') stack.push(false);
    else if (ch === ')') {
      const quantified = stack.pop() ?? false;
      const next = p[i + 1];
      if (quantified && (next === '+' || next === '*' || next === '{')) return true;
      if (quantified && stack.length > 0) stack[stack.length - 1] = true;
    } else if ((ch === '+' || ch === '*' || ch === '{') && stack.length > 0) stack[stack.length - 1] = true;
  }
  return false;
}
const MAX_REGEX_INPUT = 10_000;
const MAX_REGEX_PATTERN = 500;
const regexCache = new Map<string, RegExp>();

function safeRegex(pattern: string, pos: number, flags = ''): RegExp {
  const key = flags + '/' + pattern;
  const cached = regexCache.get(key);
  if (cached) return cached;
  if (pattern.length > MAX_REGEX_PATTERN) return fail(FormulaErrorCode.REGEX, `Regular expression is longer than ${MAX_REGEX_PATTERN} characters.`, pos);
  if (hasNestedQuantifier(pattern)) return fail(FormulaErrorCode.REGEX, 'Regular expression has nested quantifiers (catastrophic backtracking risk).', pos);
  let re: RegExp;
  try {
    re = new RegExp(pattern.replace(/\(\?<(?=[A-Za-z])/g, '(?<'), flags);
  } catch (e) {
    return fail(FormulaErrorCode.REGEX, `Invalid regular expression: ${(e as Error).message}`, pos);
  }
  if (regexCache.size > 500) regexCache.clear();
  regexCache.set(key, re);
  return re;
}

function regexTest(c: C, pos: number, input: string, re: RegExp): boolean {
  if (input.length > MAX_REGEX_INPUT) return fail(FormulaErrorCode.REGEX, `Input to a regular expression is longer than ${MAX_REGEX_INPUT} characters.`, pos);
  const t0 = Date.now();
  re.lastIndex = 0;
  const r = re.test(input);
  if (Date.now() - t0 > c.maxMs) fail(FormulaErrorCode.LIMIT, `Regular expression exceeded the time limit (${c.maxMs} ms).`, pos);
  return r;
}

const COUNTRIES: Record<string, string> = {
  'united states': 'US', 'united states of america': 'US', usa: 'US', 'u.s.': 'US', 'u.s.a.': 'US', america: 'US',
  canada: 'CA', mexico: 'MX', 'united kingdom': 'GB', uk: 'GB', 'great britain': 'GB', england: 'GB', ireland: 'IE',
  germany: 'DE', deutschland: 'DE', france: 'FR', spain: 'ES', italy: 'IT', netherlands: 'NL', 'the netherlands': 'NL',
  belgium: 'BE', luxembourg: 'LU', switzerland: 'CH', austria: 'AT', denmark: 'DK', sweden: 'SE', norway: 'NO',
  finland: 'FI', iceland: 'IS', poland: 'PL', portugal: 'PT', greece: 'GR', 'czech republic': 'CZ', czechia: 'CZ',
  hungary: 'HU', romania: 'RO', australia: 'AU', 'new zealand': 'NZ', japan: 'JP', china: 'CN', india: 'IN',
  brazil: 'BR', argentina: 'AR', chile: 'CL', colombia: 'CO', 'south africa': 'ZA', singapore: 'SG', 'hong kong': 'HK',
  'south korea': 'KR', korea: 'KR', israel: 'IL', 'united arab emirates': 'AE', uae: 'AE', 'puerto rico': 'PR',
};
const ISO3: Record<string, string> = {
  USA: 'US', CAN: 'CA', MEX: 'MX', GBR: 'GB', IRL: 'IE', DEU: 'DE', FRA: 'FR', ESP: 'ES', ITA: 'IT', NLD: 'NL', BEL: 'BE',
  CHE: 'CH', AUT: 'AT', DNK: 'DK', SWE: 'SE', NOR: 'NO', FIN: 'FI', POL: 'PL', PRT: 'PT', AUS: 'AU', NZL: 'NZ', JPN: 'JP',
  CHN: 'CN', IND: 'IN', BRA: 'BR', ZAF: 'ZA', SGP: 'SG',
};

/** ISO 3166-1 alpha-2 code for a country code or common English name; unknown → null. */
export function countryCode(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const t = s(v).trim();
  if (/^[A-Za-z]{2}$/.test(t)) return t.toUpperCase();
  const iso3 = ISO3[t.toUpperCase()];
  if (iso3 !== undefined) return iso3;
  const byName = COUNTRIES[t.toLowerCase()];
  return byName ?? null;
}

function required(_c: C, pos: number, v: unknown, message: unknown): unknown {
  if (v === null || v === undefined || (typeof v === 'string' && v.trim() === '')) {
    const text = message === null || message === undefined || message === '' ? 'A required value is missing.' : s(message);
    throw new FormulaMappingError(text, { pos });
  }
  return v;
}

export const IPAAS_FUNCTIONS: Record<string, BuiltinDef> = {
  FieldFromFirstMatch: def((c: C, pos: number, list: unknown, cond: unknown, field: unknown) => {
    const name = argString('FieldFromFirstMatch', 'fieldName', field, pos);
    const item = firstMatch(c, pos, list, cond, 'FieldFromFirstMatch');
    return item === undefined ? null : readPath(item, name);
  }, 3, 3, { conditionArg: 1 }),
  FirstMatch: def((c: C, pos: number, list: unknown, cond: unknown) => {
    const item = firstMatch(c, pos, list, cond, 'FirstMatch');
    return item === undefined ? null : item;
  }, 2, 2, { conditionArg: 1 }),
  GetValue: def((_c: C, pos: number, source: unknown, field: unknown) => readPath(source, argString('GetValue', 'fieldName', field, pos)), 2, 2),
  GetCustomFieldValue: def((_c: C, pos: number, coll: unknown, name: unknown) => customValue(coll, argString('GetCustomFieldValue', 'name', name, pos), true), 2, 2),
  GetValueFromCustomField: def((_c: C, pos: number, coll: unknown, name: unknown) => customValue(coll, argString('GetValueFromCustomField', 'name', name, pos), true), 2, 2),
  IsEmpty: def((_c: C, _p: number, v: unknown) => isEmpty(v, false), 1, 1, { returns: 'bool', doubleVariant: 'IsEmpty$decimal' }),
  IsEmpty$decimal: def((_c: C, _p: number, v: unknown) => isEmpty(v, true), 1, 1, { returns: 'bool' }),
  IsNull: def((_c: C, _p: number, v: unknown) => v === null || v === undefined, 1, 1, { returns: 'bool' }),
  Coalesce: def((_c: C, _p: number, ...args: unknown[]) => coalesce(args), 1, Infinity),
  CoalesceToInt: def((_c: C, pos: number, ...args: unknown[]) => {
    const v = coalesce(args);
    return v === null ? null : Math.floor(toDouble(v, pos));
  }, 1, Infinity, { returns: 'int' }),
  CoalesceToDecimal: def((_c: C, pos: number, ...args: unknown[]) => {
    const v = coalesce(args);
    return v === null ? null : toDouble(v, pos);
  }, 1, Infinity, { returns: 'double' }),
  CoalesceToDateTime: def((_c: C, pos: number, ...args: unknown[]) => {
    const v = coalesce(args);
    return v === null ? null : toDateTime(v, pos);
  }, 1, Infinity, { returns: 'date' }),
  JSONToDictionary: def((_c: C, pos: number, json: unknown) => {
    if (json === null || json === undefined || json === '') return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(argString('JSONToDictionary', 'json', json, pos));
    } catch {
      return formatError(pos);
    }
    if (!isPlainObject(parsed)) return formatError(pos);
    const out: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(parsed)) {
      if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
      out[k] = v === null ? null : typeof v === 'string' ? v : JSON.stringify(v);
    }
    return out;
  }, 1, 1),
  ReadFromStringDictionary: def((_c: C, _p: number, dict: unknown, key: unknown) => {
    if (dict === null || dict === undefined || key === null || key === undefined) return null;
    const v = own(dict, s(key));
    return v === undefined ? null : v;
  }, 2, 2),
  SubstringAfterLastMatch: def((_c: C, _p: number, hay: unknown, needle: unknown) => {
    if (hay === null || hay === undefined || needle === null || needle === undefined) return null;
    const h = s(hay);
    const n = s(needle);
    if (h === '' || n === '') return null;
    const at = h.lastIndexOf(n);
    return at < 0 ? null : h.slice(at + n.length);
  }, 2, 2, { returns: 'string' }),
  RemovePrefix: def((_c: C, _p: number, prefix: unknown, value: unknown) => {
    if (value === null || value === undefined) return null;
    const v = s(value);
    const p = prefix === null || prefix === undefined ? '' : s(prefix);
    return p !== '' && v.startsWith(p) ? v.slice(p.length) : v;
  }, 2, 2, { returns: 'string' }),
  RegExMatch: def((c: C, pos: number, input: unknown, pattern: unknown) => {
    if (input === null || input === undefined) return false;
    return regexTest(c, pos, s(input), safeRegex(argString('RegExMatch', 'pattern', pattern, pos), pos));
  }, 2, 2, { returns: 'bool' }),
  WildcardMatch: def((c: C, pos: number, input: unknown, pattern: unknown) => {
    if (input === null || input === undefined) return false;
    const p = argString('WildcardMatch', 'pattern', pattern, pos);
    const source = '^' + p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.') + '$';
    return regexTest(c, pos, s(input), safeRegex(source, pos, 's'));
  }, 2, 2, { returns: 'bool' }),
  Truncate: def((_c: C, pos: number, input: unknown, max: unknown) => {
    if (input === null || input === undefined) return null;
    const t = s(input);
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 0) return badParam('Truncate', 'maxLength', 'int', max, pos);
    return t.length <= max ? t : t.slice(0, max);
  }, 2, 2, { returns: 'string' }),
  Required: def(required, 1, 2),
  CountryCode: def((_c: C, _p: number, v: unknown) => countryCode(v), 1, 1, { returns: 'string' }),
};
