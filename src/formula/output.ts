/**
 * How formula values come out as JSON: strings, numbers, booleans and null as is; DateTime as an
 * ISO 8601 string (`yyyy-MM-ddTHH:mm:ss.fff`, `Z` suffix when UTC); lists and objects recursively;
 * NaN/Infinity (double division by zero) as null; lambdas as null.
 */
import { FormulaDateTime } from './datetime.js';

export function toJsonValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) ? v : null;
    case 'function':
      return null;
    default:
      if (v instanceof FormulaDateTime) return v.toJSON();
      if (Array.isArray(v)) return v.map(toJsonValue);
      if (typeof v === 'object') {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
          if (k === '__proto__') continue;
          out[k] = toJsonValue(x);
        }
        return out;
      }
      return null;
  }
}
