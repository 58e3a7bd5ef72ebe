/**
 * Sync engine errors: one table of stable codes. Messages are written for the person reading the
 * error log; `field` names the record field at fault when there is one.
 */
export const SYNC_ERROR_CODES = {
  JCT_SYNC_NOT_LINKED: 'The record is not linked and the collection only updates (sync type UPDATE); nothing was created.',
  JCT_SYNC_DUPLICATE: 'A matching record already exists and the collection has no collision handling method.',
  JCT_SYNC_MAPPING: 'A mapping failed for this record.',
  JCT_SYNC_INVALID_RECORD: 'The mapped record is not valid for its hub model.',
  JCT_SYNC_NO_COLLECTION: 'No enabled mapping collection handles this entity in this direction.',
  JCT_SYNC_SOURCE_NOT_FOUND: 'The record does not exist in the source system.',
  JCT_SYNC_HUB_NOT_FOUND: 'The hub record does not exist.',
  JCT_SYNC_RATE_LIMITED: 'The external system answered 429; the subscription is paused until Retry-After.',
  JCT_SYNC_QUOTA: 'The external system daily API quota is used up; the subscription is paused until it resets.',
  JCT_SYNC_TRANSIENT: 'A transient error persisted past the retry limit.',
  JCT_SYNC_DESTINATION: 'The destination system rejected the record.',
  JCT_SYNC_NOT_FOUND: 'No such transfer, run or subscription.',
  JCT_SYNC_INVALID_REQUEST: 'The request is not valid.',
  JCT_SYNC_WEBHOOK_UNAUTHORIZED: 'The webhook call is not authenticated for this subscription.',
  JCT_SYNC_DELETE_UNSUPPORTED: 'The collection does not delete records.',
} as const;

export type SyncErrorCode = keyof typeof SYNC_ERROR_CODES;

const STATUS: Partial<Record<SyncErrorCode, number>> = {
  JCT_SYNC_NOT_FOUND: 404,
  JCT_SYNC_INVALID_REQUEST: 400,
  JCT_SYNC_WEBHOOK_UNAUTHORIZED: 401,
  JCT_SYNC_NO_COLLECTION: 422,
};

export class SyncError extends Error {
  readonly status: number;
  constructor(
    readonly code: SyncErrorCode,
    message: string,
    readonly details: { field?: string; externalId?: string; hubId?: string; transient?: boolean } = {},
  ) {
    super(message);
    this.name = 'SyncError';
    this.status = STATUS[code] ?? 422;
  }
}
