import type { Command } from 'commander';
import { startQueue } from '../../store/index.js';
import { createSyncEngine, type SyncOptions } from '../../sync/index.js';
import { tuneHeapForServer } from '../heap.js';
import { openRuntime } from '../runtime.js';

/** Engine tuning from the environment (JUNCTION_SYNC_CLAIM_STALE_MS, JUNCTION_SYNC_STUCK_AFTER_SECONDS, JUNCTION_SYNC_PAGE_SIZE). */
export function syncOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<SyncOptions> {
  const n = (key: string) => (env[key] && Number.isFinite(Number(env[key])) ? Number(env[key]) : undefined);
  const out: Partial<SyncOptions> = {};
  const claim = n('JUNCTION_SYNC_CLAIM_STALE_MS');
  const stuck = n('JUNCTION_SYNC_STUCK_AFTER_SECONDS');
  const page = n('JUNCTION_SYNC_PAGE_SIZE');
  const expire = n('JUNCTION_SYNC_JOB_EXPIRE_SECONDS');
  if (claim !== undefined) out.claimStaleMs = claim;
  if (stuck !== undefined) out.stuckAfterSeconds = stuck;
  if (page !== undefined) out.pageSize = page;
  if (expire !== undefined) out.jobExpireSeconds = expire;
  return out;
}

/** `junction worker`: processes sync jobs (inbound, outbound, initialization pages) and sweeps stuck ones. */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('Process sync jobs; run any number of these next to `junction serve --no-workers` (PostgreSQL)')
    .option('-c, --concurrency <n>', 'parallel fetch loops per queue', '2')
    .option('--batch-size <n>', 'jobs fetched at once per loop', '50')
    .option('--scheduler', 'also run polling timers (the sweeper always runs)')
    .action(async (options: { concurrency: string; batchSize: string; scheduler?: boolean }) => {
      tuneHeapForServer();
      const runtime = await openRuntime();
      const queue = await startQueue(runtime.db);
      const engine = createSyncEngine({ db: runtime.db, queue, vault: runtime.vault, connectors: runtime.connectors, options: syncOptionsFromEnv() });
      await engine.startWorkers({ concurrency: Number(options.concurrency), batchSize: Number(options.batchSize) });
      await engine.startScheduler({ polling: options.scheduler === true, sweepEveryMs: 5_000 });
      console.log(`junction worker ${process.pid} started (storage: ${runtime.db.kind} at ${runtime.db.location})`);
      let stopping = false;
      const stop = async () => {
        if (stopping) return;
        stopping = true;
        await engine.stop();
        await queue.stop({ graceful: true, wait: true, close: false }).catch(() => undefined);
        await runtime.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
