export * from './models.js';
export { HubError } from './errors.js';
export { canonicalJson, contentHash, diffRecords, type FieldChange } from './content.js';
export {
  createHubRecord,
  updateHubRecord,
  deleteHubRecord,
  getHubRecord,
  listHubRecords,
  findHubRecordsByField,
  getHubRecordHistory,
  validateHubData,
  isHubModel,
  isUuid,
  toHubRecord,
  type HubRecord,
  type HistoryEntry,
  type ListOptions,
  type UpdateResult,
  type WriteContext,
} from './records.js';
export {
  linkExternalId,
  findLinkByExternalId,
  findLinkByHubId,
  listLinksForRecord,
  unlinkExternalId,
  modelForTable,
  type ExternalLink,
} from './links.js';
export { linkLookups } from './lookups.js';
