import { compileFormula, FormulaSyntaxError, formatFormulaError } from '../formula/index.js';
import type { CompiledFormula, FormulaServices } from '../formula/index.js';
import { MappingCompileError, type CompileIssue } from './errors.js';
import { parsePath } from './paths.js';
import { PARENT_ONLY, PREVENT_DUPLICATE } from './schema.js';
import type { ChildCollection, CollectionDefinition, Mapping, MappingType } from './schema.js';
import { runCollection } from './executor.js';
import { fuseCollection, type FusedMapper } from './fused.js';
import { KIND_FIELD, KIND_FORMULA, KIND_LOOKUP, KIND_STATIC } from './kinds.js';

/** What a caller gives `map` besides the source record. Treat it as immutable once passed. */
export interface MappingContext {
  /** Subscription id; formulas see it as `SpaceportSystemId`. */
  systemId: string;
  /** How messages name the record, e.g. `contact 3f25…|contact`; default: the external id built from the format. */
  recordRef?: string;
  /** How messages name the system the source data lives in, e.g. `Business Central`. */
  systemName?: string;
  /** Id lookups and translations for formulas and lookup mappings. */
  services?: FormulaServices;
  /** The parent source record when mapping a record on its own as a child. */
  parent?: unknown;
  /** Extra formula variables (subscription settings). */
  variables?: Record<string, unknown>;
  limits?: { maxSteps?: number; maxMillis?: number };
  /** Record a per-field trace (preview). Off on the fast path. */
  trace?: boolean;
}

export type MappingStatus = 'mapped' | 'filtered' | 'error';

export interface MappingIssue {
  code: string;
  /** Destination path, e.g. `EmailAddress`, `Addresses[0].Address1`, `(filter)`. */
  field: string;
  /** Index of the mapping in its (child) collection; null for filters and child lists. */
  mappingIndex: number | null;
  /** `Parent > Child` name of the collection the mapping belongs to. */
  collection: string;
  message: string;
  /** False for errors a retry cannot fix by itself (error filters, missing translations, bad formulas). */
  retryable: boolean;
  /** The formula error code behind a formula failure (`FORMULA_NULL_REFERENCE`, …). */
  formulaCode?: string;
  line?: number;
  column?: number;
}

export interface TraceEntry {
  /** Full destination path in the output (`Addresses[1].City`), or `(filter)` / `(error filter)`. */
  destination: string;
  collection: string;
  mappingIndex: number | null;
  type: MappingType | 'filter' | 'errorFilter';
  /** The mapping's source: path, static value, formula or lookup key source. */
  source: unknown;
  /** The value read from the source record (field and lookup mappings). */
  sourceValue?: unknown;
  formula?: string;
  output: unknown;
  /** True when an empty output left the destination unchanged. */
  unchanged?: boolean;
  error?: string;
  micros: number;
}

export interface MappingResult {
  status: MappingStatus;
  /** The destination record: nested paths, `CustomFields`, child lists. Partial when status is `error`. */
  output: Record<string, unknown>;
  errors: MappingIssue[];
  /** Why the record was filtered. */
  reason?: string;
  trace?: TraceEntry[];
}


/** One compiled mapping. Internal shape, exposed read-only for merge and preview. */
export interface CompiledStep {
  readonly index: number;
  readonly kind: number;
  readonly spec: Mapping;
  readonly destination: string;
  readonly dest: readonly string[];
  readonly path: readonly string[] | null;
  readonly fromParent: boolean;
  readonly value: unknown;
  readonly formula: CompiledFormula | null;
  readonly isAsync: boolean;
  readonly required: boolean;
  readonly emptyLeavesUnchanged: boolean;
  readonly hasDefault: boolean;
  readonly defaultValue: unknown;
  readonly table: string | null;
  /** The source field a simple mapping reads (for messages), null for computed values. */
  readonly sourceField: string | null;
  /** Not a lookup: a non-empty scalar value is written as is (the executor's fast path). */
  readonly plain: boolean;
}

export interface CompiledBlock {
  /** `Parent > Child` name used in messages. */
  readonly label: string;
  readonly hubModel: string;
  readonly sourceTypeName: string;
  readonly steps: readonly CompiledStep[];
  readonly filter: CompiledFormula | null;
  readonly errorFilter: CompiledFormula | null;
  readonly children: readonly CompiledChild[];
  /** Destinations whose empty output leaves the current value unchanged. */
  readonly unchangedWhenEmpty: ReadonlySet<string>;
  readonly isAsync: boolean;
}

export interface CompiledChild extends CompiledBlock {
  readonly spec: ChildCollection;
  readonly parentOnly: boolean;
  readonly sourcePath: readonly string[];
  readonly destinationList: string;
  readonly destPath: readonly string[];
  readonly preventDuplicate: boolean;
  readonly matchOn: readonly string[];
}

export interface CompiledCollection extends CompiledBlock {
  readonly collection: CollectionDefinition;
  /** Internal: the fused fast path (one generated function for the whole collection), null when not eligible. */
  readonly fused: FusedMapper | null;
  /**
   * Maps one source record. Returns the result directly when no async formula is involved
   * (`isAsync` false), a Promise otherwise.
   */
  map(source: unknown, context: MappingContext): MappingResult | Promise<MappingResult>;
  /** Same as `map`, always as a Promise. */
  mapAsync(source: unknown, context: MappingContext): Promise<MappingResult>;
}

const IDENT_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

function lineColumn(source: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < source.length; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

class Compiler {
  readonly issues: CompileIssue[] = [];

  formula(text: string, path: string, destination: string, mappingIndex: number | null): CompiledFormula | null {
    try {
      return compileFormula(text, { name: path });
    } catch (err) {
      if (err instanceof FormulaSyntaxError && err.diagnostics.length > 0) {
        for (const d of err.diagnostics) {
          if (d.category !== 'error') continue;
          const lc = lineColumn(text, d.start);
          const snippet = text.slice(Math.max(0, d.start - 20), d.start + Math.max(d.length, 1) + 20);
          this.issues.push({ path, destination, mappingIndex, code: err.code, message: d.message, ...lc, snippet });
        }
        return null;
      }
      const f = formatFormulaError(err);
      const issue: CompileIssue = { path, destination, mappingIndex, code: f.code, message: f.message };
      if (f.line !== undefined) issue.line = f.line;
      if (f.column !== undefined) issue.column = f.column;
      if (err instanceof FormulaSyntaxError) issue.snippet = err.snippet;
      this.issues.push(issue);
      return null;
    }
  }

  step(m: Mapping, index: number, label: string): CompiledStep {
    const at = `${label} > ${m.destination}`;
    const text = typeof m.source === 'string' ? m.source : String(m.source);
    let formula: CompiledFormula | null = null;
    let path: string[] | null = null;
    let fromParent = false;
    let kind = KIND_STATIC;
    let sourceField: string | null = null;
    if (m.type === 'formula' || (m.type === 'lookup' && m.keyIsFormula === true)) {
      formula = this.formula(text, `${at} > formula`, m.destination, index);
      kind = m.type === 'formula' ? KIND_FORMULA : KIND_LOOKUP;
      if (IDENT_PATH.test(text.trim())) sourceField = text.trim();
    } else if (m.type === 'field' || m.type === 'lookup') {
      kind = m.type === 'field' ? KIND_FIELD : KIND_LOOKUP;
      const segs = parsePath(text.trim());
      if ((segs[0] === 'parent' || segs[0] === 'Parent') && segs.length > 1) {
        fromParent = true;
        segs.shift();
      }
      path = segs;
      sourceField = text.trim();
    }
    return {
      index,
      kind,
      spec: m,
      destination: m.destination,
      dest: parsePath(m.destination),
      path,
      fromParent,
      value: m.type === 'static' ? m.source : undefined,
      formula,
      isAsync: formula?.isAsync === true,
      required: m.required === true,
      emptyLeavesUnchanged: m.emptyLeavesUnchanged === true,
      hasDefault: m.defaultValue !== undefined && m.defaultValue !== null,
      defaultValue: m.defaultValue,
      table: m.translationTable ?? null,
      sourceField,
      plain: kind !== KIND_LOOKUP,
    };
  }

  block(
    label: string,
    hubModel: string,
    sourceTypeName: string,
    mappings: readonly Mapping[],
    filter: string | null | undefined,
    errorFilter: string | null | undefined,
    children: readonly ChildCollection[],
    isChild: boolean,
  ): CompiledBlock & { preventDuplicateStatic: boolean | null } {
    const steps: CompiledStep[] = [];
    let preventDuplicateStatic: boolean | null = null;
    mappings.forEach((m, i) => {
      if (isChild && m.type === 'static' && m.destination === PREVENT_DUPLICATE) {
        preventDuplicateStatic = m.source === true || (typeof m.source === 'string' && m.source.trim().toLowerCase() === 'true');
        return;
      }
      steps.push(this.step(m, i, label));
    });
    const f = filter !== null && filter !== undefined && filter.trim() !== '' ? this.formula(filter, `${label} > filter`, '(filter)', null) : null;
    const ef =
      errorFilter !== null && errorFilter !== undefined && errorFilter.trim() !== ''
        ? this.formula(errorFilter, `${label} > errorFilter`, '(error filter)', null)
        : null;
    const kids = children.map((c) => this.child(c, label));
    const unchangedWhenEmpty = new Set(steps.filter((s) => s.emptyLeavesUnchanged).map((s) => s.destination));
    const isAsync = steps.some((s) => s.isAsync) || f?.isAsync === true || ef?.isAsync === true || kids.some((k) => k.isAsync);
    return { label, hubModel, sourceTypeName, steps, filter: f, errorFilter: ef, children: kids, unchangedWhenEmpty, isAsync, preventDuplicateStatic };
  }

  child(c: ChildCollection, parentLabel: string): CompiledChild {
    const parentOnly = c.sourceList === PARENT_ONLY;
    const label = `${parentLabel} > ${c.name}`;
    const b = this.block(label, c.hubModel, parentOnly ? PARENT_ONLY : c.hubModel, c.mappings, c.filter, null, c.children ?? [], true);
    const { preventDuplicateStatic, ...block } = b;
    return {
      ...block,
      spec: c,
      parentOnly,
      sourcePath: parentOnly ? [] : parsePath(c.sourceList),
      destinationList: c.destinationList,
      destPath: parsePath(c.destinationList),
      preventDuplicate: preventDuplicateStatic ?? c.preventDuplicate === true,
      matchOn: c.matchOn ?? [],
    };
  }
}

/**
 * Compiles every formula of a collection (mappings, filters, children) once. All compile errors are
 * collected and thrown together as one `MappingCompileError` (code `MAPPING_COMPILE`).
 *
 * @example
 * const compiled = compileCollection(collection);
 * const result = compiled.map(record, { systemId: subscriptionId, services });
 * const settled = result instanceof Promise ? await result : result;
 */
export function compileCollection(collection: CollectionDefinition): CompiledCollection {
  const compiler = new Compiler();
  const label = collection.name;
  const sourceTypeName = collection.direction === 'TO_HUB' ? collection.entity : collection.hubModel;
  const { preventDuplicateStatic: _ignored, ...block } = compiler.block(
    label,
    collection.hubModel,
    sourceTypeName,
    collection.mappings,
    collection.filter,
    collection.errorFilter,
    collection.children,
    false,
  );
  if (compiler.issues.length > 0) throw new MappingCompileError(collection.name, compiler.issues);
  const compiled: CompiledCollection = {
    ...block,
    collection,
    fused: fuseCollection(block),
    map: (source, context) => runCollection(compiled, source, context),
    mapAsync: async (source, context) => runCollection(compiled, source, context),
  };
  return compiled;
}
