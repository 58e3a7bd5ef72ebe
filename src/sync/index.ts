/** Sync engine: jobs, triggers (poll, webhook, manual, init), identity, throttling, retries, transfer log, replay. */
export { createSyncEngine, SyncEngine, type WorkerOptions, type SchedulerOptions, type TransferPage } from './engine.js';
export { QUEUES, DEFAULT_OPTIONS, type SyncEngineDeps, type SyncOptions, type SyncLog } from './context.js';
export { SyncError, SYNC_ERROR_CODES, type SyncErrorCode } from './errors.js';
export { TRANSFER_STATUS, RUN_STATE, type TransferRow, type TransferStatus, type TransferFilter, type RunState } from './sql.js';
export { type RunProgress } from './init.js';
export { type PollResult, pollDays } from './poll.js';
export { type ManualSyncRequest, type ReplayRequest, type WebhookAnswer, expectedClientState } from './triggers.js';
export { backoffMs, RETRY } from './retry.js';
export { SubscriptionGate, PausedError } from './throttle.js';
