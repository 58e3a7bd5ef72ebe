/** Public types of the formula module. */
export interface FormulaServices {
  /** GetSpaceportIdAsync / GetHubIdAsync: hub id linked to an external id in a system, null when unlinked. */
  getHubId(externalId: string, table: string, systemId: string): Promise<string | null>;
  /** GetExternalIdAsync: external id linked to a hub id in a system, null when unlinked. */
  getExternalId(hubId: string, table: string, systemId: string): Promise<string | null>;
  /** LookupTranslation: translation tables are preloaded, so this is synchronous. */
  translate(table: string, key: string): string | null;
}

export interface FormulaEnv {
  /** `parent` in child collections. */
  parent?: unknown;
  /** SpaceportSystemId, SourceTypeName, and any extra (subscription settings). */
  variables?: Record<string, unknown>;
  /** Lookups; absent → lookups throw FormulaRuntimeError code FORMULA_NO_SERVICES. */
  services?: FormulaServices;
  limits?: { maxSteps?: number; maxMillis?: number };
}

export interface CompiledFormula {
  readonly source: string;
  /** True when the formula calls an async lookup (GetSpaceportIdAsync, ...); `await` alone does not make it async. */
  readonly isAsync: boolean;
  /** Runs the formula. Returns the value, or a Promise of it when isAsync. Throws FormulaRuntimeError. */
  run(record: unknown, env: FormulaEnv): unknown;
}
