import type { CompiledFormula, FormulaEnv } from '../formula/index.js';
import { formatFormulaError } from '../formula/index.js';
import type { CompiledBlock, CompiledChild, CompiledCollection, CompiledStep, MappingContext, MappingIssue, MappingResult, TraceEntry } from './engine.js';
import { KIND_FIELD, KIND_FORMULA, KIND_STATIC } from './kinds.js';
import { MappingErrorCode } from './errors.js';
import { formatExternalId, isEmptyValue, readPath, writePath } from './paths.js';
import { FALLBACK, normalize } from './fused.js';

/**
 * Runs compiled collections. Two copies of the same walk: a synchronous one (no Promise, no trace
 * allocation unless asked) used when no formula of the collection is async, and an async one.
 */

interface RunState {
  readonly root: CompiledCollection;
  readonly ctx: MappingContext;
  readonly source: unknown;
  errors: MappingIssue[] | null;
  readonly trace: TraceEntry[] | null;
  ref: string | null;
}

const FAILED: unique symbol = Symbol('failed');
/** Per compiled collection: the last context and the env built for it (records of one batch share a context). */
const envCache = new WeakMap<CompiledCollection, { ctx: MappingContext; env: FormulaEnv }>();

function makeEnv(ctx: MappingContext, parent: unknown, sourceTypeName: string): FormulaEnv {
  const env: FormulaEnv = {
    variables: { ...ctx.variables, SpaceportSystemId: ctx.systemId, SourceTypeName: sourceTypeName },
  };
  if (parent !== undefined) env.parent = parent;
  if (ctx.services !== undefined) env.services = ctx.services;
  if (ctx.limits !== undefined) env.limits = ctx.limits;
  return env;
}

/** The top-level env is built once per context and reused while the same context object is passed. */
let lastCollection: CompiledCollection | null = null;
let lastContext: MappingContext | null = null;
let lastEnv: FormulaEnv | null = null;

function rootEnv(cc: CompiledCollection, ctx: MappingContext): FormulaEnv {
  // One-entry cache in front of the per-collection one: a batch maps many records of one collection.
  if (cc === lastCollection && ctx === lastContext) return lastEnv as FormulaEnv;
  const env = rootEnvCached(cc, ctx);
  lastCollection = cc;
  lastContext = ctx;
  lastEnv = env;
  return env;
}

function rootEnvCached(cc: CompiledCollection, ctx: MappingContext): FormulaEnv {
  const last = envCache.get(cc);
  if (last !== undefined && last.ctx === ctx) return last.env;
  const env = makeEnv(ctx, ctx.parent, cc.sourceTypeName);
  envCache.set(cc, { ctx, env });
  return env;
}

function childEnv(ctx: MappingContext, parentEnv: FormulaEnv, parent: unknown, c: CompiledChild): FormulaEnv {
  const env: FormulaEnv = { parent, variables: { ...parentEnv.variables, SourceTypeName: c.sourceTypeName } };
  if (ctx.services !== undefined) env.services = ctx.services;
  if (ctx.limits !== undefined) env.limits = ctx.limits;
  return env;
}

// ---------------------------------------------------------------- messages

function recordLabel(st: RunState): string {
  if (st.ref === null) {
    const c = st.root.collection;
    let ref = st.ctx.recordRef ?? null;
    if (ref === null && c.direction === 'TO_HUB') ref = formatExternalId(c.externalIdFormat, st.source);
    if (ref === null) {
      const id = readPath(st.source, ['Id']) ?? readPath(st.source, ['id']);
      ref = typeof id === 'string' || typeof id === 'number' ? String(id) : '(record without id)';
    }
    st.ref = ref;
  }
  return `${st.root.hubModel} ${st.ref}`;
}

function systemName(st: RunState): string {
  if (st.ctx.systemName !== undefined) return st.ctx.systemName;
  const c = st.root.collection;
  return c.direction === 'TO_HUB' ? `the source ${c.entity}` : `the hub ${c.hubModel}`;
}

function push(st: RunState, issue: MappingIssue): void {
  if (st.errors === null) st.errors = [];
  st.errors.push(issue);
}

function formulaFailure(st: RunState, b: CompiledBlock, s: CompiledStep, err: unknown, field: string): string {
  const f = formatFormulaError(err);
  const at = f.line !== undefined ? ` at line ${f.line}, column ${f.column ?? 1}` : '';
  let message: string;
  if (f.code === 'FORMULA_MAPPING') {
    message = `${recordLabel(st)}: ${f.message} (mapping #${s.index + 1} → ${field} in collection "${b.label}").`;
  } else {
    message =
      `${recordLabel(st)}: the ${s.spec.type} mapping #${s.index + 1} → ${field} in collection "${b.label}" failed${at}: ${f.message} ` +
      `Check the data in ${systemName(st)} or correct the formula \`${String(s.spec.source)}\`.`;
  }
  const issue: MappingIssue = {
    code: MappingErrorCode.FORMULA,
    field,
    mappingIndex: s.index,
    collection: b.label,
    message,
    retryable: f.code === 'FORMULA_LOOKUP',
    formulaCode: f.code,
  };
  if (f.line !== undefined) issue.line = f.line;
  if (f.column !== undefined) issue.column = f.column;
  push(st, issue);
  return f.message;
}

function requiredMissing(st: RunState, b: CompiledBlock, s: CompiledStep, field: string, v: unknown): void {
  const src = s.sourceField;
  let why: string;
  let todo: string;
  if (s.kind === KIND_STATIC) {
    why = 'the static value is empty';
    todo = `Set a value on the mapping in collection "${b.label}".`;
  } else if (src !== null) {
    why = `source field ${src} is empty`;
    todo = `Fill ${src} in ${systemName(st)} or change the mapping in collection "${b.label}".`;
  } else {
    why = `the formula \`${String(s.spec.source)}\` returned ${v === '' ? 'an empty string' : 'null'}`;
    todo = `Check the fields the formula reads in ${systemName(st)} or change the mapping in collection "${b.label}".`;
  }
  push(st, {
    code: MappingErrorCode.REQUIRED,
    field,
    mappingIndex: s.index,
    collection: b.label,
    message: `${recordLabel(st)}: ${field} is required but the mapping produced no value (${why}). ${todo}`,
    retryable: false,
  });
}

function translate(st: RunState, b: CompiledBlock, s: CompiledStep, key: unknown, field: string): unknown {
  if (isEmptyValue(key)) return null;
  const k = typeof key === 'string' ? key : String(key);
  const table = s.table as string;
  const v = st.ctx.services !== undefined ? st.ctx.services.translate(table, k) : null;
  if (v !== null && v !== undefined) return v;
  if (s.hasDefault) return s.defaultValue;
  push(st, {
    code: MappingErrorCode.TRANSLATION_MISSING,
    field,
    mappingIndex: s.index,
    collection: b.label,
    message:
      `${recordLabel(st)}: translation table "${table}" has no entry for "${k}" (mapping #${s.index + 1} → ${field} in collection "${b.label}"). ` +
      `Add "${k}" to the table or give the mapping a default value.`,
    retryable: false,
  });
  return FAILED;
}

// ---------------------------------------------------------------- placing values


function traceStep(st: RunState, b: CompiledBlock, s: CompiledStep, field: string, t0: number, extra: Partial<TraceEntry>): void {
  const e: TraceEntry = {
    destination: field,
    collection: b.label,
    mappingIndex: s.index,
    type: s.spec.type,
    source: s.spec.source,
    output: null,
    micros: Math.round((performance.now() - t0) * 1000),
    ...extra,
  };
  if (s.formula !== null) e.formula = s.formula.source;
  (st.trace as TraceEntry[]).push(e);
}

/** Applies default / required / emptyLeavesUnchanged and writes the value. */
function place(st: RunState, b: CompiledBlock, s: CompiledStep, raw: unknown, input: unknown, out: Record<string, unknown>, prefix: string, t0: number): void {
  let v = raw;
  if (s.kind !== KIND_FORMULA && s.kind !== KIND_FIELD && s.kind !== KIND_STATIC) {
    v = translate(st, b, s, v, prefix + s.destination);
    if (v === FAILED) {
      if (st.trace !== null) traceStep(st, b, s, prefix + s.destination, t0, { sourceValue: input, error: 'no translation' });
      return;
    }
  }
  v = normalize(v);
  if (v === null || v === '') {
    if (s.hasDefault) v = s.defaultValue;
    else if (s.required) {
      requiredMissing(st, b, s, prefix + s.destination, v);
      if (st.trace !== null) traceStep(st, b, s, prefix + s.destination, t0, { sourceValue: input, output: v, error: 'required' });
      return;
    } else if (s.emptyLeavesUnchanged) {
      if (st.trace !== null) traceStep(st, b, s, prefix + s.destination, t0, { sourceValue: input, output: v, unchanged: true });
      return;
    }
  }
  if (s.dest.length === 1) out[s.destination] = v;
  else writePath(out, s.dest, v);
  if (st.trace !== null) traceStep(st, b, s, prefix + s.destination, t0, { sourceValue: input, output: v });
}

function keyOf(s: CompiledStep, rec: unknown, parent: unknown): unknown {
  return readPath(s.fromParent ? parent : rec, s.path as readonly string[]);
}

// ---------------------------------------------------------------- filters

/** A filter passes only when it returns true (or the string "true"). */
function passes(v: unknown): boolean {
  return v === true || (typeof v === 'string' && v.trim().toLowerCase() === 'true');
}

function filterFailure(st: RunState, b: CompiledBlock, err: unknown, field: string, kind: string): void {
  const f = formatFormulaError(err);
  const at = f.line !== undefined ? ` at line ${f.line}, column ${f.column ?? 1}` : '';
  const issue: MappingIssue = {
    code: MappingErrorCode.FILTER,
    field,
    mappingIndex: null,
    collection: b.label,
    message: `${recordLabel(st)}: the ${kind} of collection "${b.label}" failed${at}: ${f.message} Check the data in ${systemName(st)} or correct the ${kind}.`,
    retryable: f.code === 'FORMULA_LOOKUP',
    formulaCode: f.code,
  };
  if (f.line !== undefined) issue.line = f.line;
  if (f.column !== undefined) issue.column = f.column;
  push(st, issue);
}

/**
 * Error filter contract: the record is an error when the error filter returns `true` or a non-empty string
 * (the string is the message), or throws a Required-style mapping error (its message). null, false and ""
 * let the record through. Errors raised this way are not auto-retryable.
 */
function errorFilterResult(st: RunState, b: CompiledBlock, v: unknown, err: unknown): void {
  let text: string | null = null;
  if (err !== undefined) {
    const f = formatFormulaError(err);
    if (f.code !== 'FORMULA_MAPPING') {
      filterFailure(st, b, err, '(error filter)', 'error filter');
      return;
    }
    text = f.message;
  } else if (v === true) text = `the error filter \`${(b.errorFilter as CompiledFormula).source}\` flagged the record`;
  else if (typeof v === 'string' && v.trim() !== '') text = v;
  if (text === null) return;
  push(st, {
    code: MappingErrorCode.ERROR_FILTER,
    field: '(error filter)',
    mappingIndex: null,
    collection: b.label,
    message: `${recordLabel(st)}: ${text} (error filter of collection "${b.label}"). Fix the record in ${systemName(st)} and replay the transfer.`,
    retryable: false,
  });
}

function traceFilter(st: RunState, b: CompiledBlock, f: CompiledFormula, kind: 'filter' | 'errorFilter', field: string, t0: number, output: unknown, error?: string): void {
  const e: TraceEntry = { destination: field, collection: b.label, mappingIndex: null, type: kind, source: f.source, formula: f.source, output, micros: Math.round((performance.now() - t0) * 1000) };
  if (error !== undefined) e.error = error;
  (st.trace as TraceEntry[]).push(e);
}

function filteredReason(st: RunState, b: CompiledBlock, v: unknown): string {
  return `${recordLabel(st)} was skipped: the filter \`${(b.filter as CompiledFormula).source}\` of collection "${b.label}" returned ${JSON.stringify(v ?? null)}.`;
}

// ---------------------------------------------------------------- children

function childItems(st: RunState, c: CompiledChild, rec: unknown, prefix: string): readonly unknown[] | null {
  if (c.parentOnly) {
    const wrapped = rec !== null && typeof rec === 'object' && !Array.isArray(rec) ? { ...(rec as Record<string, unknown>), Parent: rec } : { Parent: rec };
    return [wrapped];
  }
  const list = readPath(rec, c.sourcePath);
  if (list === null || list === undefined) return null;
  if (!Array.isArray(list)) {
    push(st, {
      code: MappingErrorCode.CHILD_SOURCE,
      field: prefix + c.destinationList,
      mappingIndex: null,
      collection: c.label,
      message: `${recordLabel(st)}: child collection "${c.label}" expects ${c.spec.sourceList} to be a list but it is ${typeof list}. Check the source data or the child collection's source list.`,
      retryable: false,
    });
    return null;
  }
  return list;
}

function outList(out: Record<string, unknown>, c: CompiledChild): unknown[] {
  const cur = readPath(out, c.destPath);
  if (Array.isArray(cur)) return cur;
  const list: unknown[] = [];
  writePath(out, c.destPath, list);
  return list;
}

function runChildrenSync(st: RunState, b: CompiledBlock, rec: unknown, env: FormulaEnv, out: Record<string, unknown>, prefix: string): void {
  for (const c of b.children) {
    const items = childItems(st, c, rec, prefix);
    if (items === null || items.length === 0) continue;
    const cenv = childEnv(st.ctx, env, rec, c);
    let list: unknown[] | null = null;
    for (const item of items) {
      const listName = prefix + c.destinationList;
      if (c.filter !== null) {
        const t0 = st.trace === null ? 0 : performance.now();
        let v: unknown;
        try {
          v = c.filter.run(item, cenv);
        } catch (err) {
          filterFailure(st, c, err, listName, 'filter');
          continue;
        }
        if (st.trace !== null) traceFilter(st, c, c.filter, 'filter', listName, t0, v);
        if (!passes(v)) continue;
      }
      if (list === null) list = outList(out, c);
      const childOut: Record<string, unknown> = {};
      runBlockSync(st, c, item, rec, cenv, childOut, `${listName}[${list.length}].`);
      list.push(childOut);
    }
  }
}

async function runChildrenAsync(st: RunState, b: CompiledBlock, rec: unknown, env: FormulaEnv, out: Record<string, unknown>, prefix: string): Promise<void> {
  for (const c of b.children) {
    const items = childItems(st, c, rec, prefix);
    if (items === null || items.length === 0) continue;
    const cenv = childEnv(st.ctx, env, rec, c);
    let list: unknown[] | null = null;
    for (const item of items) {
      const listName = prefix + c.destinationList;
      if (c.filter !== null) {
        const t0 = st.trace === null ? 0 : performance.now();
        let v: unknown;
        try {
          v = c.filter.isAsync ? await c.filter.run(item, cenv) : c.filter.run(item, cenv);
        } catch (err) {
          filterFailure(st, c, err, listName, 'filter');
          continue;
        }
        if (st.trace !== null) traceFilter(st, c, c.filter, 'filter', listName, t0, v);
        if (!passes(v)) continue;
      }
      if (list === null) list = outList(out, c);
      const childOut: Record<string, unknown> = {};
      await runBlockAsync(st, c, item, rec, cenv, childOut, `${listName}[${list.length}].`);
      list.push(childOut);
    }
  }
}

// ---------------------------------------------------------------- blocks

function runBlockSync(st: RunState, b: CompiledBlock, rec: unknown, parent: unknown, env: FormulaEnv, out: Record<string, unknown>, prefix: string): void {
  const steps = b.steps;
  const tracing = st.trace !== null;
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i] as CompiledStep;
    const t0 = tracing ? performance.now() : 0;
    let v: unknown;
    let input: unknown;
    if (s.kind === KIND_STATIC) v = s.value;
    else if (s.formula === null) v = input = s.fromParent ? readPath(parent, s.path as readonly string[]) : readPath(rec, s.path as readonly string[]);
    else {
      try {
        v = input = s.formula.run(rec, env);
      } catch (err) {
        const msg = formulaFailure(st, b, s, err, prefix + s.destination);
        if (tracing) traceStep(st, b, s, prefix + s.destination, t0, { error: msg });
        continue;
      }
      if (s.kind === KIND_FORMULA) input = undefined;
    }
    // Fast path: a scalar value that needs no translation, default or trace.
    if (!tracing && s.plain && v !== null && v !== undefined && v !== '' && typeof v !== 'object') {
      if (s.dest.length === 1) out[s.destination] = v;
      else writePath(out, s.dest, v);
      continue;
    }
    place(st, b, s, v, input, out, prefix, t0);
  }
  if (b.children.length > 0) runChildrenSync(st, b, rec, env, out, prefix);
}

async function runBlockAsync(st: RunState, b: CompiledBlock, rec: unknown, parent: unknown, env: FormulaEnv, out: Record<string, unknown>, prefix: string): Promise<void> {
  for (const s of b.steps) {
    const t0 = st.trace === null ? 0 : performance.now();
    let v: unknown;
    let input: unknown;
    if (s.kind === KIND_STATIC) v = s.value;
    else if (s.formula === null) v = input = keyOf(s, rec, parent);
    else {
      try {
        v = input = s.isAsync ? await s.formula.run(rec, env) : s.formula.run(rec, env);
      } catch (err) {
        const msg = formulaFailure(st, b, s, err, prefix + s.destination);
        if (st.trace !== null) traceStep(st, b, s, prefix + s.destination, t0, { error: msg });
        continue;
      }
      if (s.kind === KIND_FORMULA) input = undefined;
    }
    place(st, b, s, v, input, out, prefix, t0);
  }
  if (b.children.length > 0) await runChildrenAsync(st, b, rec, env, out, prefix);
}

// ---------------------------------------------------------------- collection

function finish(st: RunState, out: Record<string, unknown>): MappingResult {
  const r: MappingResult = { status: st.errors === null ? 'mapped' : 'error', output: out, errors: st.errors ?? [] };
  if (st.trace !== null) r.trace = st.trace;
  return r;
}

function filtered(st: RunState, reason: string): MappingResult {
  const r: MappingResult = { status: 'filtered', output: {}, errors: [], reason };
  if (st.trace !== null) r.trace = st.trace;
  return r;
}

function newState(cc: CompiledCollection, source: unknown, ctx: MappingContext): RunState {
  return { root: cc, ctx, source, errors: null, trace: ctx.trace === true ? [] : null, ref: null };
}

// runSync and runAsync are deliberate twins: the synchronous path must not allocate a Promise per
// record (it is the hot path of initializations); keep the two in step when changing either.
function runSync(cc: CompiledCollection, source: unknown, ctx: MappingContext): MappingResult {
  const env = rootEnv(cc, ctx);
  const st = newState(cc, source, ctx);
  const out: Record<string, unknown> = {};
  if (cc.filter !== null) {
    const t0 = st.trace === null ? 0 : performance.now();
    let v: unknown;
    try {
      v = cc.filter.run(source, env);
    } catch (err) {
      filterFailure(st, cc, err, '(filter)', 'filter');
      return finish(st, out);
    }
    if (st.trace !== null) traceFilter(st, cc, cc.filter, 'filter', '(filter)', t0, v);
    if (!passes(v)) return filtered(st, filteredReason(st, cc, v));
  }
  if (cc.errorFilter !== null) {
    const t0 = st.trace === null ? 0 : performance.now();
    let v: unknown;
    let error: unknown;
    try {
      v = cc.errorFilter.run(source, env);
    } catch (err) {
      error = err;
    }
    if (st.trace !== null) traceFilter(st, cc, cc.errorFilter, 'errorFilter', '(error filter)', t0, v);
    errorFilterResult(st, cc, v, error);
    if (st.errors !== null) return finish(st, out);
  }
  runBlockSync(st, cc, source, ctx.parent, env, out, '');
  return finish(st, out);
}

async function runAsync(cc: CompiledCollection, source: unknown, ctx: MappingContext): Promise<MappingResult> {
  const env = rootEnv(cc, ctx);
  const st = newState(cc, source, ctx);
  const out: Record<string, unknown> = {};
  if (cc.filter !== null) {
    const t0 = st.trace === null ? 0 : performance.now();
    let v: unknown;
    try {
      v = await cc.filter.run(source, env);
    } catch (err) {
      filterFailure(st, cc, err, '(filter)', 'filter');
      return finish(st, out);
    }
    if (st.trace !== null) traceFilter(st, cc, cc.filter, 'filter', '(filter)', t0, v);
    if (!passes(v)) return filtered(st, filteredReason(st, cc, v));
  }
  if (cc.errorFilter !== null) {
    const t0 = st.trace === null ? 0 : performance.now();
    let v: unknown;
    let error: unknown;
    try {
      v = await cc.errorFilter.run(source, env);
    } catch (err) {
      error = err;
    }
    if (st.trace !== null) traceFilter(st, cc, cc.errorFilter, 'errorFilter', '(error filter)', t0, v);
    errorFilterResult(st, cc, v, error);
    if (st.errors !== null) return finish(st, out);
  }
  await runBlockAsync(st, cc, source, ctx.parent, env, out, '');
  return finish(st, out);
}

export function runCollection(cc: CompiledCollection, source: unknown, ctx: MappingContext): MappingResult | Promise<MappingResult> {
  const fused = cc.fused;
  if (fused !== null && ctx.trace !== true) {
    const r = fused(source, rootEnv(cc, ctx));
    if (r !== FALLBACK) return r;
  }
  return cc.isAsync ? runAsync(cc, source, ctx) : runSync(cc, source, ctx);
}

/** The regular per-mapping path only, never the fused one (tests compare both). */
export function runCollectionRegular(cc: CompiledCollection, source: unknown, ctx: MappingContext): MappingResult | Promise<MappingResult> {
  return cc.isAsync ? runAsync(cc, source, ctx) : runSync(cc, source, ctx);
}

/** The fused path only: its result, or null when it falls back or the collection has none (tests). */
export function runCollectionFused(cc: CompiledCollection, source: unknown, ctx: MappingContext): MappingResult | null {
  if (cc.fused === null) return null;
  const r = cc.fused(source, rootEnv(cc, ctx));
  return r === FALLBACK ? null : r;
}

