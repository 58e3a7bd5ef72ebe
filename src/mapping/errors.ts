/** Stable error codes of the mapping area. Tests and callers assert on these, never on message text. */
export const MappingErrorCode = {
  /** One or more formulas of a collection do not compile (`MappingCompileError.issues` lists them). */
  COMPILE: 'MAPPING_COMPILE',
  /** A collection definition failed validation (schema or formulas) before it was saved. */
  INVALID: 'MAPPING_INVALID',
  /** No collection (or version) with that id for the tenant. */
  NOT_FOUND: 'MAPPING_NOT_FOUND',
  /** `expectedVersion` did not match the current version. */
  VERSION_CONFLICT: 'MAPPING_VERSION_CONFLICT',
  /** Another active collection of the subscription already uses that name and direction. */
  NAME_TAKEN: 'MAPPING_NAME_TAKEN',
  /** A required mapping produced no value. */
  REQUIRED: 'MAPPING_REQUIRED',
  /** A formula mapping failed while running. */
  FORMULA: 'MAPPING_FORMULA',
  /** The mapping filter (or a child filter) failed while running. */
  FILTER: 'MAPPING_FILTER',
  /** The error filter raised an error for the record (not auto-retryable). */
  ERROR_FILTER: 'MAPPING_ERROR_FILTER',
  /** A lookup mapping found no translation for a non-empty key and has no default. */
  TRANSLATION_MISSING: 'MAPPING_TRANSLATION_MISSING',
  /** A child collection's source list is not a list. */
  CHILD_SOURCE: 'MAPPING_CHILD_SOURCE',
} as const;
export type MappingErrorCode = (typeof MappingErrorCode)[keyof typeof MappingErrorCode];

export interface MappingErrorDetails {
  [key: string]: unknown;
}

export class MappingError extends Error {
  readonly code: string;
  readonly details: MappingErrorDetails;
  constructor(code: string, message: string, details: MappingErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MappingError';
    this.code = code;
    this.details = details;
  }
}

/** One formula that does not compile, located by path (`Customer TO_HUB > Contact Address > Address1 > formula`). */
export interface CompileIssue {
  /** Human path to the formula: collection > child collections > destination > formula|filter|errorFilter. */
  path: string;
  /** Destination field of the mapping, or `(filter)` / `(error filter)`. */
  destination: string;
  /** Index of the mapping inside its (child) collection; null for filters. */
  mappingIndex: number | null;
  /** Formula error code (e.g. `FORMULA_SYNTAX`). */
  code: string;
  message: string;
  line?: number;
  column?: number;
  snippet?: string;
}

export class MappingCompileError extends MappingError {
  readonly issues: CompileIssue[];
  constructor(collectionName: string, issues: CompileIssue[]) {
    const lines = issues.map((i) => {
      const at = i.line !== undefined ? ` (line ${i.line}, column ${i.column ?? 1})` : '';
      return `- ${i.path}${at}: ${i.message}`;
    });
    super(
      MappingErrorCode.COMPILE,
      `Mapping collection "${collectionName}" has ${issues.length} formula error${issues.length === 1 ? '' : 's'}:\n${lines.join('\n')}`,
      { collection: collectionName, issues },
    );
    this.name = 'MappingCompileError';
    this.issues = issues;
  }
}
