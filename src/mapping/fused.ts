import { createFusedProgram, type FormulaEnv, type FusedRun } from '../formula/index.js';
import type { CompiledBlock, MappingResult } from './engine.js';
import { KIND_FIELD, KIND_FORMULA, KIND_STATIC } from './kinds.js';
import { isSafeSegment, readPath, writePath } from './paths.js';

/**
 * The fused fast path: a synchronous collection without children or lookups compiles to ONE generated
 * function (filter, error filter, every mapping, the output object and the result), instead of a
 * formula `run` per mapping. Field mappings read the record inline, statics are constants, formulas are
 * inlined by the formula compiler (`createFusedProgram`), and `FieldFromFirstMatch`/`FirstMatch` over the
 * same list and literal condition find the item once per record.
 *
 * It only handles the plain outcome: every value present (or defaulted, or allowed empty), filters
 * passing. Anything else — a formula error, a required destination left empty, an error filter firing,
 * a filter not passing, the step/time limit — returns FALLBACK and the record is mapped again by the
 * regular per-mapping path, so errors, messages and traces are exactly the regular ones.
 */

export const FALLBACK: unique symbol = Symbol('fallback');

export type FusedMapper = ((source: unknown, env: FormulaEnv) => MappingResult | typeof FALLBACK) & { readonly code: string };

/** undefined → null; objects with `toJSON` (dates) → their JSON value. The regular path's normalization. */
export function normalize(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const j = (v as { toJSON?: unknown }).toJSON;
    if (typeof j === 'function') return (j as () => unknown).call(v);
  }
  return v;
}

function fusable(b: CompiledBlock): boolean {
  if (b.isAsync || b.children.length > 0) return false;
  for (const s of b.steps) {
    if (s.kind !== KIND_STATIC && s.kind !== KIND_FIELD && s.kind !== KIND_FORMULA) return false;
    if (s.kind === KIND_FIELD && (s.fromParent || s.path === null || s.path.length === 0 || !s.path.every(isSafeSegment))) return false;
    if (s.kind === KIND_FORMULA && s.formula === null) return false;
    if (s.dest.length === 0 || !s.dest.every(isSafeSegment)) return false;
  }
  return true;
}

function literal(p: { constant(v: unknown): string }, v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' && Number.isFinite(v) && !Object.is(v, -0)) return `(${String(v)})`;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v === null) return 'null';
  return p.constant(v);
}

/** The fused mapper of a root collection block, or null when the collection is not eligible. */
export function fuseCollection(b: CompiledBlock): FusedMapper | null {
  if (!fusable(b)) return null;
  const p = createFusedProgram();
  const fb = p.constant(FALLBACK);
  const lines: string[] = [];
  try {
    if (b.filter !== null) {
      const f = p.formula(b.filter.source);
      if (f === null) return null;
      const t = p.temp();
      lines.push(`${t} = ${f};`, `if (${t} !== true && !(typeof ${t} === "string" && ${t}.trim().toLowerCase() === "true")) return ${fb};`);
    }
    if (b.errorFilter !== null) {
      const f = p.formula(b.errorFilter.source);
      if (f === null) return null;
      const t = p.temp();
      lines.push(`${t} = ${f};`, `if (${t} === true || (typeof ${t} === "string" && ${t}.trim() !== "")) return ${fb};`);
    }
    const norm = p.constant(normalize);
    const skip = p.constant({});
    const values: string[] = [];
    for (const s of b.steps) {
      const v = s.value;
      if (s.kind === KIND_STATIC && (typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && v !== ''))) {
        // A present static value: written as is.
        values.push(literal(p, v));
        continue;
      }
      const x = p.temp();
      let code: string;
      if (s.kind === KIND_STATIC) code = literal(p, s.value);
      else if (s.kind === KIND_FIELD) {
        const path = s.path as readonly string[];
        code =
          path.length === 1
            ? `(r !== null && typeof r === "object" && typeof (${x} = r[${JSON.stringify(path[0])}]) !== "function" ? ${x} : undefined)`
            : `${p.constant(readPath)}(r, ${p.constant(path)})`;
      } else {
        const f = p.formula((s.formula as { source: string }).source);
        if (f === null) return null;
        code = f;
      }
      let empty = '';
      if (s.hasDefault) empty = `${x} = ${literal(p, s.defaultValue)};`;
      else if (s.required) empty = `return ${fb};`;
      else if (s.emptyLeavesUnchanged) empty = `${x} = ${skip};`;
      lines.push(`${x} = ${code};`);
      lines.push(`if (${x} === null || ${x} === undefined || ${x} === "" || typeof ${x} === "object") {`, `${x} = ${norm}(${x});`);
      if (empty !== '') lines.push(`if (${x} === null || ${x} === "") ${empty}`);
      lines.push('}');
      values.push(x);
    }
    const literalOutput = b.steps.every((s) => s.dest.length === 1 && !s.emptyLeavesUnchanged);
    if (literalOutput) {
      const props = b.steps.map((s, i) => `${JSON.stringify(s.destination)}: ${values[i] as string}`);
      lines.push(`return { status: "mapped", output: { ${props.join(', ')} }, errors: [] };`);
    } else {
      const wp = p.constant(writePath);
      const o = p.temp();
      lines.push(`${o} = {};`);
      b.steps.forEach((s, i) => {
        const x = values[i] as string;
        const write = s.dest.length === 1 ? `${o}[${JSON.stringify(s.dest[0])}] = ${x};` : `${wp}(${o}, ${p.constant(s.dest)}, ${x});`;
        lines.push(s.emptyLeavesUnchanged ? `if (${x} !== ${skip}) ${write}` : write);
      });
      lines.push(`return { status: "mapped", output: ${o}, errors: [] };`);
    }
    const run: FusedRun = p.build(lines.join('\n'), FALLBACK);
    return run as unknown as FusedMapper;
  } catch {
    // Not fusable after all (the regular compile already reported real formula errors).
    return null;
  }
}
