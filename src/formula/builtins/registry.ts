/** Shapes of built-ins and argument conversion helpers shared by the built-in areas. */
import { FormulaDateTime } from '../datetime.js';
import { FormulaErrorCode } from '../errors.js';
import { fail, nullRef, typeName, type RunContext } from '../runtime.js';

/** Static type of a value, as far as the compiler can know it. `arg0`: same as the first argument. */
export type StaticKind = 'int' | 'double' | 'string' | 'bool' | 'char' | 'date' | 'list' | 'any' | 'arg0';

/**
 * A built-in: `fn(c, pos, ...args)`. `c` is the run context (limits, env), `pos` the source offset of
 * the call (for error positions). Parameters are declared `never` here so any arity fits.
 */
export type BuiltinFn = (c: RunContext, pos: number, ...args: never[]) => unknown;

export interface BuiltinDef {
  readonly fn: BuiltinFn;
  readonly min: number;
  readonly max: number;
  readonly returns?: StaticKind;
  /** Returns a Promise (the formula becomes async). */
  readonly async?: boolean;
  /** Argument index holding a condition string (FieldFromFirstMatch): precompiled when literal. */
  readonly conditionArg?: number;
  /** Use this built-in instead when the first argument is statically a decimal/double. */
  readonly doubleVariant?: string;
  /** Arguments that may be lambdas (indexes). */
  readonly lambdaArgs?: readonly number[];
}

export function def(fn: BuiltinFn, min: number, max = min, extra: Omit<BuiltinDef, 'fn' | 'min' | 'max'> = {}): BuiltinDef {
  return Object.freeze({ fn, min, max, ...extra });
}

/** Receiver kinds for methods (`x.Method(...)`). */
export type ReceiverKind = 'string' | 'list' | 'date' | 'number' | 'bool' | 'object' | 'any';
export type MethodImpl = (c: RunContext, pos: number, recv: never, a: never, b: never, d: never) => unknown;
export type MethodTable = Record<string, { min: number; max: number; returns?: StaticKind; impls: Partial<Record<ReceiverKind, MethodImpl>> }>;

export function receiverKind(v: unknown): ReceiverKind {
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'bool';
    default:
      if (Array.isArray(v)) return 'list';
      if (v instanceof FormulaDateTime) return 'date';
      return 'object';
  }
}

type Dispatch = (c: RunContext, pos: number, recv: unknown, a: unknown, b: unknown, d: unknown) => unknown;

export function makeDispatcher(name: string, impls: Partial<Record<ReceiverKind, MethodImpl>>): BuiltinFn {
  const table = impls as Partial<Record<ReceiverKind, Dispatch>>;
  const f: Dispatch = (c, pos, recv, a, b, d) => {
    if (recv === null || recv === undefined) return nullRef(name, pos, true);
    const impl = table[receiverKind(recv)] ?? table.any;
    if (impl === undefined) return fail(FormulaErrorCode.TYPE, `'${typeName(recv)}' has no method '${name}'.`, pos);
    return impl(c, pos, recv, a, b, d);
  };
  return f as BuiltinFn;
}

// --- argument helpers -------------------------------------------------------------------------

export function badParam(fnName: string, param: string, expected: string, v: unknown, pos: number): never {
  return fail(
    FormulaErrorCode.ARGUMENT,
    `Invalid parameter passed to the method ${fnName}. The parameter ${param} is expected to be of the type ${expected} but is the type ${typeName(v)}.`,
    pos,
  );
}

export function argString(fnName: string, param: string, v: unknown, pos: number): string {
  if (typeof v === 'string') return v;
  return badParam(fnName, param, 'string', v, pos);
}

export function argStringOrNull(fnName: string, param: string, v: unknown, pos: number): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  return badParam(fnName, param, 'string', v, pos);
}

export function argInt(fnName: string, param: string, v: unknown, pos: number): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  return badParam(fnName, param, 'int', v, pos);
}

export function argNumber(fnName: string, param: string, v: unknown, pos: number): number {
  if (typeof v === 'number') return v;
  return badParam(fnName, param, 'number', v, pos);
}

export function argList(fnName: string, param: string, v: unknown, pos: number): unknown[] {
  if (Array.isArray(v)) return v;
  return badParam(fnName, param, 'IEnumerable', v, pos);
}

export function argLambda(fnName: string, v: unknown, pos: number): (x: unknown, i?: unknown) => unknown {
  if (typeof v === 'function') return v as (x: unknown) => unknown;
  return badParam(fnName, 'selector', 'lambda', v, pos);
}

export function formatError(pos: number): never {
  return fail(FormulaErrorCode.FORMAT, 'Input string was not in a correct format.', pos);
}
