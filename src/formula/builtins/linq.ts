/** List members (Count, Any, Where, Select, ...) and list helper functions. */
import { FormulaDateTime } from '../datetime.js';
import { FormulaErrorCode } from '../errors.js';
import { bool, eq, fail, own, st, typeName, type RunContext } from '../runtime.js';
import { argInt, argLambda, def, formatError, type BuiltinDef, type MethodImpl, type MethodTable } from './registry.js';

type C = RunContext;
type Fn = (x: unknown, c: RunContext) => unknown;

/** Calls a predicate lambda on one item (one step); it must return a bool. */
function test(c: C, pos: number, fn: Fn, x: unknown): boolean {
  st(c);
  return bool(pos, fn(x, c));
}
/** Calls a selector lambda on one item (one step). */
function apply(c: C, fn: Fn, x: unknown): unknown {
  st(c);
  return fn(x, c);
}
function lam(name: string, f: unknown, pos: number): Fn {
  return argLambda(name, f, pos) as Fn;
}

function noElements(pos: number): never {
  return fail(FormulaErrorCode.INVALID_OPERATION, 'Sequence contains no elements.', pos);
}
function noMatch(pos: number): never {
  return fail(FormulaErrorCode.INVALID_OPERATION, 'Sequence contains no matching element.', pos);
}

function compareKeys(pos: number, a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (a instanceof FormulaDateTime && b instanceof FormulaDateTime) return a.ms - b.ms;
  return fail(FormulaErrorCode.TYPE, `Cannot compare values of type '${typeName(a)}' and '${typeName(b)}'.`, pos);
}

function numbers(c: C, pos: number, name: string, list: unknown[], f: unknown): number[] {
  const fn = f === undefined ? undefined : lam(name, f, pos);
  const out: number[] = [];
  for (const x of list) {
    const v = fn === undefined ? x : apply(c, fn, x);
    if (v === null || v === undefined) continue;
    if (typeof v !== 'number') return fail(FormulaErrorCode.TYPE, `${name}: value of type '${typeName(v)}' is not a number.`, pos);
    out.push(v);
  }
  return out;
}

const L = (impl: (c: C, pos: number, list: unknown[], a: unknown, b: unknown) => unknown): MethodImpl => impl as MethodImpl;

/** Min / Max: the first value (of the lambda, when given) no other beats; nulls are skipped, all null → null. */
function extreme(name: string, beats: (order: number) => boolean): MethodTable[string] {
  return {
    min: 0, max: 1,
    impls: {
      list: L((c, pos, list, f) => {
        const fn = f === undefined ? undefined : lam(name, f, pos);
        const vals = list.map((x) => (fn === undefined ? x : apply(c, fn, x))).filter((v) => v !== null && v !== undefined);
        if (vals.length === 0) return list.length === 0 ? noElements(pos) : null;
        return vals.reduce((a, b) => (beats(compareKeys(pos, b, a)) ? b : a));
      }),
    },
  };
}

/** OrderBy / OrderByDescending: a stable sort on the lambda's key. */
function orderBy(name: string, descending: boolean): MethodTable[string] {
  return {
    min: 1, max: 1, returns: 'list',
    impls: {
      list: L((c, pos, list, f) => {
        const fn = lam(name, f, pos);
        const keyed = list.map((x) => ({ x, k: apply(c, fn, x) }));
        return keyed.sort((a, b) => (descending ? compareKeys(pos, b.k, a.k) : compareKeys(pos, a.k, b.k))).map((e) => e.x);
      }),
    },
  };
}

export const LIST_METHODS: MethodTable = {
  Any: { min: 0, max: 1, returns: 'bool', impls: { list: L((c, pos, list, f) => {
        if (f === undefined) return list.length > 0;
        const fn = lam('Any', f, pos);
        for (const x of list) if (test(c, pos, fn, x)) return true;
        return false;
      }) } },
  All: { min: 1, max: 1, returns: 'bool', impls: { list: L((c, pos, list, f) => {
        const fn = lam('All', f, pos);
        for (const x of list) if (!test(c, pos, fn, x)) return false;
        return true;
      }) } },
  Where: { min: 1, max: 1, returns: 'list', impls: { list: L((c, pos, list, f) => {
        const fn = lam('Where', f, pos);
        const out: unknown[] = [];
        for (const x of list) if (test(c, pos, fn, x)) out.push(x);
        return out;
      }) } },
  Select: { min: 1, max: 1, returns: 'list', impls: { list: L((c, pos, list, f) => {
        const fn = lam('Select', f, pos);
        const out: unknown[] = new Array(list.length);
        for (let i = 0; i < list.length; i++) out[i] = apply(c, fn, list[i]);
        return out;
      }) } },
  SelectMany: {
    min: 1, max: 1, returns: 'list',
    impls: {
      list: L((c, pos, list, f) => {
        const fn = lam('SelectMany', f, pos);
        const out: unknown[] = [];
        for (const x of list) {
          const v = apply(c, fn, x);
          if (Array.isArray(v)) out.push(...(v as unknown[]));
          else if (v !== null && v !== undefined) fail(FormulaErrorCode.TYPE, 'SelectMany: selector must return a list.', pos);
        }
        return out;
      }),
    },
  },
  FirstOrDefault: {
    min: 0, max: 1,
    impls: {
      list: L((c, pos, list, f) => {
        if (f === undefined) return list[0] ?? null;
        const fn = lam('FirstOrDefault', f, pos);
        for (const x of list) if (test(c, pos, fn, x)) return x ?? null;
        return null;
      }),
    },
  },
  First: {
    min: 0, max: 1,
    impls: {
      list: L((c, pos, list, f) => {
        if (f === undefined) return list.length > 0 ? (list[0] ?? null) : noElements(pos);
        const fn = lam('First', f, pos);
        for (const x of list) if (test(c, pos, fn, x)) return x ?? null;
        return list.length === 0 ? noElements(pos) : noMatch(pos);
      }),
    },
  },
  LastOrDefault: {
    min: 0, max: 1,
    impls: {
      list: L((c, pos, list, f) => {
        if (f === undefined) return list.length > 0 ? (list[list.length - 1] ?? null) : null;
        const fn = lam('LastOrDefault', f, pos);
        for (let i = list.length - 1; i >= 0; i--) if (test(c, pos, fn, list[i])) return list[i] ?? null;
        return null;
      }),
    },
  },
  Last: {
    min: 0, max: 1,
    impls: {
      list: L((c, pos, list, f) => {
        if (f === undefined) return list.length > 0 ? (list[list.length - 1] ?? null) : noElements(pos);
        const fn = lam('Last', f, pos);
        for (let i = list.length - 1; i >= 0; i--) if (test(c, pos, fn, list[i])) return list[i] ?? null;
        return list.length === 0 ? noElements(pos) : noMatch(pos);
      }),
    },
  },
  Sum: { min: 0, max: 1, returns: 'any', impls: { list: L((c, pos, list, f) => numbers(c, pos, 'Sum', list, f).reduce((a, b) => a + b, 0)) } },
  Average: {
    min: 0, max: 1, returns: 'double',
    impls: {
      list: L((c, pos, list, f) => {
        const ns = numbers(c, pos, 'Average', list, f);
        return ns.length === 0 ? noElements(pos) : ns.reduce((a, b) => a + b, 0) / ns.length;
      }),
    },
  },
  Min: extreme('Min', (order) => order < 0),
  Max: extreme('Max', (order) => order > 0),
  ToList: { min: 0, max: 0, returns: 'list', impls: { list: L((_c, _p, list) => list.slice()) } },
  ToArray: { min: 0, max: 0, returns: 'list', impls: { list: L((_c, _p, list) => list.slice()) } },
  OrderBy: orderBy('OrderBy', false),
  OrderByDescending: orderBy('OrderByDescending', true),
  Distinct: {
    min: 0, max: 0, returns: 'list',
    impls: {
      list: L((_c, _p, list) => {
        const out: unknown[] = [];
        for (const x of list) if (!out.some((y) => eq(x, y))) out.push(x);
        return out;
      }),
    },
  },
  Skip: { min: 1, max: 1, returns: 'list', impls: { list: L((_c, pos, list, n) => list.slice(Math.max(0, argInt('Skip', 'count', n, pos)))) } },
  Take: { min: 1, max: 1, returns: 'list', impls: { list: L((_c, pos, list, n) => list.slice(0, Math.max(0, argInt('Take', 'count', n, pos)))) } },
  Reverse: { min: 0, max: 0, returns: 'list', impls: { list: L((_c, _p, list) => list.slice().reverse()) } },
  ElementAt: {
    min: 1, max: 1,
    impls: {
      list: L((_c, pos, list, n) => {
        const i = argInt('ElementAt', 'index', n, pos);
        if (i < 0 || i >= list.length) fail(FormulaErrorCode.ARGUMENT_OUT_OF_RANGE, `Index was out of range: ${i} (count ${list.length}).`, pos);
        return list[i] ?? null;
      }),
    },
  },
  ElementAtOrDefault: {
    min: 1, max: 1,
    impls: { list: L((_c, pos, list, n) => list[argInt('ElementAtOrDefault', 'index', n, pos)] ?? null) },
  },
  ContainsKey: {
    min: 1, max: 1, returns: 'bool',
    impls: { object: ((_c: C, _p: number, o: object, k: unknown) => own(o, String(k)) !== undefined) as MethodImpl },
  },
  GetValueOrDefault: {
    min: 1, max: 2,
    impls: {
      object: ((_c: C, _p: number, o: object, k: unknown, d: unknown) => {
        const v = own(o, String(k));
        return v === undefined ? (d === undefined ? null : d) : v;
      }) as MethodImpl,
    },
  },
};

/** List parts of members shared with strings (Count, Contains, IndexOf). */
export const LIST_SHARED = {
  Count: (c: C, pos: number, list: unknown[], f: unknown): number => {
    if (f === undefined) return list.length;
    const fn = lam('Count', f, pos);
    let n = 0;
    for (const x of list) if (test(c, pos, fn, x)) n++;
    return n;
  },
  Contains: (_c: C, _p: number, list: unknown[], v: unknown): boolean => list.some((x) => eq(x, v)),
  IndexOf: (_c: C, _p: number, list: unknown[], v: unknown): number => list.findIndex((x) => eq(x, v)),
};

function listFromString(text: unknown): string[] | null {
  if (text === null || text === undefined) return null;
  let t = String(text).trim();
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  if (t.trim() === '') return null;
  return t.split(',').map((x) => x.trim());
}

export const LIST_FUNCTIONS: Record<string, BuiltinDef> = {
  First: def((_c: C, _p: number, list: unknown) => (Array.isArray(list) ? (list[0] ?? null) : null), 1, 1),
  IntListFromString: def((_c: C, pos: number, text: unknown) => {
    const parts = listFromString(text);
    if (parts === null) return null;
    return parts.map((p) => (/^[-+]?\d+$/.test(p) ? Number(p) : formatError(pos)));
  }, 1, 1, { returns: 'list' }),
  StringListFromString: def((_c: C, _p: number, text: unknown) => listFromString(text), 1, 1, { returns: 'list' }),
};
