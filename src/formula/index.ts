/** Public surface of the formula language. */
export { compileFormula, generatedCode } from './compiler.js';
/** Internal: the mapping engine's fused fast path. */
export { createFusedProgram, type FusedProgram, type FusedRun } from './compiler.js';
export type { CompiledFormula, FormulaEnv, FormulaServices } from './types.js';
export {
  FormulaError,
  FormulaErrorCode,
  FormulaMappingError,
  FormulaRuntimeError,
  FormulaSyntaxError,
  formatFormulaError,
  type FormattedFormulaError,
} from './errors.js';
export type { Diagnostic } from './diagnostics.js';
export { FormulaDateTime } from './datetime.js';
export { toJsonValue } from './output.js';
