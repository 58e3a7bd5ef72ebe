import { compileCollection } from './engine.js';
import type { MappingContext, MappingIssue, MappingStatus, TraceEntry } from './engine.js';
import { MappingCompileError, MappingErrorCode } from './errors.js';
import { MappingCollectionCreate } from './schema.js';
import type { CollectionDefinition } from './schema.js';

export interface PreviewResult {
  status: MappingStatus;
  output: Record<string, unknown>;
  trace: TraceEntry[];
  errors: MappingIssue[];
  /** Why the record was filtered. */
  reason?: string;
}

const PLACEHOLDER_SUBSCRIPTION = '00000000-0000-4000-8000-000000000000';

function invalid(collection: string, field: string, message: string, code: string = MappingErrorCode.INVALID, extra: Partial<MappingIssue> = {}): MappingIssue {
  return { code, field, mappingIndex: null, collection, message, retryable: false, ...extra };
}

/**
 * Maps one sample record with a (possibly unsaved) collection and returns the output, a per-field trace and
 * the errors. Writes nothing. An invalid definition or formulas that do not compile come back as errors
 * (`MAPPING_INVALID`, `MAPPING_COMPILE`) instead of being thrown.
 *
 * @example
 * const { status, output, trace } = await previewCollection(draft, sampleContact, { systemId, services });
 */
export async function previewCollection(collection: unknown, sample: unknown, context: MappingContext): Promise<PreviewResult> {
  const raw = (typeof collection === 'object' && collection !== null ? collection : {}) as Record<string, unknown>;
  const name = typeof raw.name === 'string' ? raw.name : '(unnamed collection)';
  const { id: _id, tenantId: _t, version: _v, updatedAt: _u, ...body } = raw;
  const parsed = MappingCollectionCreate.safeParse({ subscriptionId: PLACEHOLDER_SUBSCRIPTION, ...body });
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => invalid(name, i.path.join('.'), `${i.path.join('.') || '(collection)'}: ${i.message}`));
    return { status: 'error', output: {}, trace: [], errors };
  }
  const definition: CollectionDefinition = parsed.data;
  let compiled;
  try {
    compiled = compileCollection(definition);
  } catch (err) {
    if (err instanceof MappingCompileError) {
      const errors = err.issues.map((i) => {
        const where = i.line !== undefined ? ` (line ${i.line}, column ${i.column ?? 1})` : '';
        const extra: Partial<MappingIssue> = { mappingIndex: i.mappingIndex, formulaCode: i.code };
        if (i.line !== undefined) extra.line = i.line;
        if (i.column !== undefined) extra.column = i.column;
        return invalid(name, i.destination, `${i.path}${where}: ${i.message}`, MappingErrorCode.COMPILE, extra);
      });
      return { status: 'error', output: {}, trace: [], errors };
    }
    throw err;
  }
  const result = await compiled.mapAsync(sample, { ...context, trace: true });
  const out: PreviewResult = { status: result.status, output: result.output, trace: result.trace ?? [], errors: result.errors };
  if (result.reason !== undefined) out.reason = result.reason;
  return out;
}
