import type { Diagnostic } from './diagnostics.js';

/** Stable error codes raised by the formula language. Tests and callers assert on these. */
export const FormulaErrorCode = {
  SYNTAX: 'FORMULA_SYNTAX',
  NULL_REFERENCE: 'FORMULA_NULL_REFERENCE',
  FORMAT: 'FORMULA_FORMAT',
  INVALID_CAST: 'FORMULA_INVALID_CAST',
  TYPE: 'FORMULA_TYPE',
  ARGUMENT: 'FORMULA_ARGUMENT',
  ARGUMENT_OUT_OF_RANGE: 'FORMULA_ARGUMENT_OUT_OF_RANGE',
  INDEX_OUT_OF_RANGE: 'FORMULA_INDEX_OUT_OF_RANGE',
  DIVIDE_BY_ZERO: 'FORMULA_DIVIDE_BY_ZERO',
  INVALID_OPERATION: 'FORMULA_INVALID_OPERATION',
  OVERFLOW: 'FORMULA_OVERFLOW',
  REGEX: 'FORMULA_REGEX',
  LIMIT: 'FORMULA_LIMIT',
  NO_SERVICES: 'FORMULA_NO_SERVICES',
  LOOKUP: 'FORMULA_LOOKUP',
  MAPPING: 'FORMULA_MAPPING',
  INTERNAL: 'FORMULA_INTERNAL',
} as const;
export type FormulaErrorCode = (typeof FormulaErrorCode)[keyof typeof FormulaErrorCode];

export class FormulaError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FormulaError';
    this.code = code;
  }
}

/** The formula text does not compile. `line`/`column` (1-based) and `snippet` describe the first diagnostic. */
export class FormulaSyntaxError extends FormulaError {
  readonly diagnostics: Diagnostic[];
  readonly line: number;
  readonly column: number;
  readonly snippet: string;
  constructor(message: string, diagnostics: Diagnostic[], line: number, column: number, snippet: string) {
    super(FormulaErrorCode.SYNTAX, message);
    this.name = 'FormulaSyntaxError';
    this.diagnostics = diagnostics;
    this.line = line;
    this.column = column;
    this.snippet = snippet;
  }
}

/** The formula failed while running. `line`/`column` point at the node that failed when known. */
export class FormulaRuntimeError extends FormulaError {
  line?: number;
  column?: number;
  /** Offset in the source of the failing node (internal; line/column are derived from it). */
  pos?: number;
  constructor(code: string, message: string, options?: { cause?: unknown; pos?: number }) {
    super(code, message, options);
    this.name = 'FormulaRuntimeError';
    if (options?.pos !== undefined && options.pos >= 0) this.pos = options.pos;
  }
}

/**
 * Raised by Required-style functions (`Required(value, "message")`, `CountryCodeRequired`) and by
 * error filters: a mapping error carrying a message written for the user.
 */
export class FormulaMappingError extends FormulaRuntimeError {
  constructor(message: string, options?: { pos?: number }) {
    super(FormulaErrorCode.MAPPING, message, options);
    this.name = 'FormulaMappingError';
  }
}

export interface FormattedFormulaError {
  message: string;
  line?: number;
  column?: number;
  code: string;
}

/** Turns any error thrown by compileFormula / run into a plain object for the CLI and API. */
export function formatFormulaError(err: unknown): FormattedFormulaError {
  if (err instanceof FormulaSyntaxError) {
    return { message: err.message, line: err.line, column: err.column, code: err.code };
  }
  if (err instanceof FormulaRuntimeError) {
    const out: FormattedFormulaError = { message: err.message, code: err.code };
    if (err.line !== undefined) out.line = err.line;
    if (err.column !== undefined) out.column = err.column;
    return out;
  }
  if (err instanceof FormulaError) return { message: err.message, code: err.code };
  const message = err instanceof Error ? err.message : String(err);
  return { message, code: FormulaErrorCode.INTERNAL };
}
