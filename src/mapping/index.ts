/** Mapping area: collections as data, the engine that runs them, merge, clone, preview and storage. */
export {
  Direction,
  SyncType,
  CollisionMethod,
  Trigger,
  MappingType,
  Scalar,
  Mapping,
  ChildCollection,
  Collision,
  MappingCollectionCreate,
  MappingCollectionUpdate,
  MappingCollection,
  PARENT_ONLY,
  PREVENT_DUPLICATE,
  collisionMatchField,
  type MappingCollectionCreateInput,
  type CollectionDefinition,
} from './schema.js';
export { MappingError, MappingCompileError, MappingErrorCode, type CompileIssue, type MappingErrorDetails } from './errors.js';
export {
  compileCollection,
  type CompiledCollection,
  type CompiledBlock,
  type CompiledChild,
  type CompiledStep,
  type MappingContext,
  type MappingResult,
  type MappingStatus,
  type MappingIssue,
  type TraceEntry,
} from './engine.js';
export { mergeIntoExisting, deepEqual } from './merge.js';
export { cloneCollection, reverseCloneCollection, type CollectionDraft, type ReverseCloneResult, type ReviewNote } from './clone.js';
export { previewCollection, type PreviewResult } from './preview.js';
export { createTranslator, TranslationTableInput, type Translations } from './translations.js';
export { formatExternalId, parseExternalId, externalIdFields } from './paths.js';
export {
  createCollection,
  updateCollection,
  getCollection,
  listCollections,
  deleteCollection,
  listVersions,
  upsertTranslationTable,
  deleteTranslationTable,
  getTranslations,
  type CollectionFilter,
  type CollectionVersionInfo,
} from './repository.js';
