/** All built-ins, resolved by the compiler at compile time. */
import { randomUUID } from 'node:crypto';
import { eq, formatValue, s, type RunContext } from '../runtime.js';
import { DATE_FUNCTIONS, DATE_METHODS, DATE_STATICS, DATE_STATIC_PROPS } from './dates.js';
import { IPAAS_FUNCTIONS } from './ipaas.js';
import { LIST_FUNCTIONS, LIST_METHODS, LIST_SHARED } from './linq.js';
import { LOOKUP_FUNCTIONS } from './lookups.js';
import { CONVERT_STATICS, MATH_STATICS, NUMERIC_FUNCTIONS, NUMERIC_STATIC_PROPS } from './math.js';
import { def, makeDispatcher, type BuiltinDef, type MethodImpl, type MethodTable, type StaticKind } from './registry.js';
import { STRING_METHODS, STRING_SHARED, STRING_STATICS, STRING_STATIC_PROPS } from './strings.js';

export type { BuiltinDef, StaticKind } from './registry.js';
export { setConditionCompiler, type ConditionPredicate } from './ipaas.js';

function toMap<T>(...tables: Record<string, T>[]): ReadonlyMap<string, T> {
  const m = new Map<string, T>();
  for (const t of tables) for (const [k, v] of Object.entries(t)) m.set(k, v);
  return m;
}

/** Global functions: `FieldFromFirstMatch(...)`. */
export const FUNCTIONS: ReadonlyMap<string, BuiltinDef> = toMap(NUMERIC_FUNCTIONS, LIST_FUNCTIONS, DATE_FUNCTIONS, IPAAS_FUNCTIONS, LOOKUP_FUNCTIONS);

/** Static methods: `Math.Round(...)`, keyed by canonical class name and member. */
export const STATICS: ReadonlyMap<string, BuiltinDef> = toMap(MATH_STATICS, CONVERT_STATICS, STRING_STATICS, DATE_STATICS, {
  'Guid.NewGuid': def(() => randomUUID(), 0, 0, { returns: 'string' }),
});

export interface StaticProp {
  readonly value?: unknown;
  readonly get?: () => unknown;
  readonly returns: StaticKind;
}
/** Static properties and enum members: `DateTime.Now`, `string.Empty`, `MidpointRounding.AwayFromZero`. */
export const STATIC_PROPS: ReadonlyMap<string, StaticProp> = toMap<StaticProp>(NUMERIC_STATIC_PROPS, STRING_STATIC_PROPS, DATE_STATIC_PROPS);

/** Class names usable before a dot, mapped to their canonical spelling. */
export const CLASS_NAMES: ReadonlyMap<string, string> = new Map([
  ['Math', 'Math'], ['Convert', 'Convert'], ['DateTime', 'DateTime'], ['Guid', 'Guid'],
  ['string', 'string'], ['String', 'string'], ['int', 'int'], ['Int32', 'int'], ['long', 'long'], ['Int64', 'long'],
  ['decimal', 'decimal'], ['Decimal', 'decimal'], ['double', 'double'], ['Double', 'double'], ['bool', 'bool'], ['Boolean', 'bool'],
  ['MidpointRounding', 'MidpointRounding'], ['StringComparison', 'StringComparison'], ['StringSplitOptions', 'StringSplitOptions'],
]);

type C = RunContext;

const SHARED: MethodTable = {
  Contains: { min: 1, max: 2, returns: 'bool', impls: { string: STRING_SHARED.Contains as MethodImpl, list: LIST_SHARED.Contains as MethodImpl } },
  IndexOf: { min: 1, max: 2, returns: 'int', impls: { string: STRING_SHARED.IndexOf as MethodImpl, list: LIST_SHARED.IndexOf as MethodImpl } },
  Count: { min: 0, max: 1, returns: 'int', impls: { list: LIST_SHARED.Count as MethodImpl } },
  Equals: {
    min: 1, max: 2, returns: 'bool',
    impls: { string: STRING_SHARED.Equals as MethodImpl, any: ((_c: C, _p: number, v: unknown, o: unknown) => eq(v, o)) as MethodImpl },
  },
  ToString: {
    min: 0, max: 1, returns: 'string',
    impls: { any: ((_c: C, pos: number, v: unknown, fmt: unknown) => (fmt === undefined || fmt === null ? s(v) : formatValue(pos, v, s(fmt)))) as MethodImpl },
  },
};

export interface MethodDef extends BuiltinDef {
  readonly name: string;
}

function buildMethods(...tables: MethodTable[]): ReadonlyMap<string, MethodDef> {
  const merged = new Map<string, { min: number; max: number; returns?: StaticKind; impls: MethodTable[string]['impls'] }>();
  for (const t of tables) {
    for (const [name, m] of Object.entries(t)) {
      const prev = merged.get(name);
      if (prev) {
        merged.set(name, { min: Math.min(prev.min, m.min), max: Math.max(prev.max, m.max), returns: prev.returns === m.returns ? prev.returns : 'any', impls: { ...prev.impls, ...m.impls } });
      } else merged.set(name, { ...m });
    }
  }
  const out = new Map<string, MethodDef>();
  for (const [name, m] of merged) {
    const d: MethodDef = Object.freeze({ name, fn: makeDispatcher(name, m.impls), min: m.min, max: m.max, ...(m.returns ? { returns: m.returns } : {}) });
    out.set(name, d);
  }
  return out;
}

/** Instance methods (`x.Trim()`), dispatched on the receiver's runtime type. */
export const METHODS: ReadonlyMap<string, MethodDef> = buildMethods(STRING_METHODS, LIST_METHODS, DATE_METHODS, SHARED);
