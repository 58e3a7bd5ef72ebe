import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { startQueue, type Queryable } from '../../store/index.js';
import { createSyncEngine, type SyncEngine, type TransferStatus } from '../../sync/index.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { syncOptionsFromEnv } from './worker.js';

/** A subscription by id or by (unique) name. */
async function resolveSubscription(q: Queryable, ref: string): Promise<{ id: string; tenantId: string; name: string }> {
  const { rows } = await q.query<{ id: string; tenant_id: string; name: string }>('SELECT id, tenant_id, name FROM subscriptions WHERE id::text = $1 OR name = $1 ORDER BY created_at', [ref]);
  if (rows.length === 0) throw new Error(`No subscription with id or name '${ref}'.`);
  if (rows.length > 1) throw new Error(`Several subscriptions are named '${ref}'; use the id: ${rows.map((r) => r.id).join(', ')}`);
  const r = rows[0] as { id: string; tenant_id: string; name: string };
  return { id: r.id, tenantId: r.tenant_id, name: r.name };
}

/**
 * Opens storage and an engine. Embedded storage belongs to this one process, so the command processes
 * its own jobs; on PostgreSQL it only enqueues unless --wait (workers elsewhere do the work).
 */
async function withEngine<T>(work: (ctx: { runtime: Runtime; engine: SyncEngine; processHere: boolean }) => Promise<T>, wait = false): Promise<T> {
  const runtime = await openRuntime();
  const queue = await startQueue(runtime.db, { supervise: false });
  const engine = createSyncEngine({ db: runtime.db, queue, vault: runtime.vault, connectors: runtime.connectors, options: syncOptionsFromEnv() });
  const processHere = runtime.db.kind === 'pglite' || wait;
  try {
    if (processHere && runtime.db.kind === 'pglite') await engine.startWorkers({ concurrency: 1 });
    return await work({ runtime, engine, processHere });
  } finally {
    await engine.stop();
    await queue.stop({ graceful: true, wait: true, close: false }).catch(() => undefined);
    await runtime.close();
  }
}

const fail = (error: unknown) => {
  console.error(error instanceof Error ? `${(error as { code?: string }).code ? `${(error as { code?: string }).code}: ` : ''}${error.message}` : String(error));
  process.exitCode = 1;
};

/** `sync`, `init`, `replay`, `subscription test`. */
export function registerSyncCommands(program: Command): void {
  program
    .command('sync <subscription> <entity> <id>')
    .description('Sync one record now, by external id (to-hub) or hub id (from-hub)')
    .option('-d, --direction <direction>', 'to-hub | from-hub', 'to-hub')
    .option('--wait', 'on PostgreSQL, wait until workers have processed it')
    .action(async (subRef: string, entity: string, id: string, options: { direction: string; wait?: boolean }) => {
      await withEngine(async ({ runtime, engine, processHere }) => {
        const sub = await resolveSubscription(runtime.db, subRef);
        const direction = options.direction === 'from-hub' ? 'FROM_HUB' : 'TO_HUB';
        const isHubId = direction === 'FROM_HUB' && /^[0-9a-f-]{36}$/i.test(id);
        const queued = await engine.enqueueManual({ tenantId: sub.tenantId, subscriptionId: sub.id, direction, entity, ...(isHubId ? { hubIds: [id] } : { externalIds: [id] }) });
        console.log(`Queued ${queued.enqueued} ${direction} job(s) on ${sub.name}.`);
        if (!processHere) return;
        await engine.drain(5 * 60_000);
        const page = await engine.listTransfers(sub.tenantId, { subscriptionId: sub.id, ...(isHubId ? { hubId: id } : { externalId: id }) }, { limit: 1 });
        const t = page.items[0];
        if (t) {
          console.log(JSON.stringify({ transfer: t.id, status: t.status, action: t.action, hubId: t.hubId, externalId: t.externalId, error: t.errorMessage }, null, 2));
          if (t.status === 'error') process.exitCode = 2;
        }
      }, options.wait).catch(fail);
    });

  program
    .command('init <subscription> <entity>')
    .description('Initialize: bring every record of an entity into the hub, with a progress bar')
    .option('--no-wait', 'start it and return (PostgreSQL: workers run it)')
    .action(async (subRef: string, entity: string, options: { wait: boolean }) => {
      await withEngine(async ({ runtime, engine }) => {
        const sub = await resolveSubscription(runtime.db, subRef);
        let run = await engine.startInitialization({ tenantId: sub.tenantId, subscriptionId: sub.id, entity });
        console.log(`Initialization ${run.id} started on ${sub.name} (${entity}).`);
        if (!options.wait) return;
        const bar = new cliProgress.SingleBar({ format: ' {bar} {percentage}% | {value}/{total} records | {rate}/s | ETA {eta_s}s | errors {errors}', hideCursor: true }, cliProgress.Presets.shades_classic);
        bar.start(run.total ?? 1, 0, { rate: 0, eta_s: '?', errors: 0 });
        while (run.state === 'running') {
          await new Promise((r) => setTimeout(r, 500));
          run = await engine.getInitialization(sub.tenantId, run.id);
          bar.setTotal(run.total ?? Math.max(run.done, 1));
          bar.update(run.done, { rate: run.ratePerSecond, eta_s: run.etaSeconds ?? '?', errors: run.errors });
        }
        bar.stop();
        console.log(`Initialization ${run.state}: ${run.done} records, ${run.errors} errors, ${run.ratePerSecond} records/s.`);
        if (run.state !== 'completed') process.exitCode = 2;
      }, true).catch(fail);
    });

  program
    .command('replay [transferIds...]')
    .description('Replay transfers with the current mapping version: by id, or every transfer matching --status/--subscription')
    .option('--status <status>', 'e.g. error')
    .option('--subscription <subscription>', 'subscription id or name')
    .option('--tenant <id>', 'tenant id (needed with a filter when no subscription is given)')
    .action(async (ids: string[], options: { status?: TransferStatus; subscription?: string; tenant?: string }) => {
      await withEngine(async ({ runtime, engine, processHere }) => {
        const sub = options.subscription ? await resolveSubscription(runtime.db, options.subscription) : null;
        let tenantId = sub?.tenantId ?? options.tenant;
        if (!tenantId && ids.length > 0) {
          const { rows } = await runtime.db.query<{ tenant_id: string }>('SELECT tenant_id FROM sync_transfers WHERE id::text = $1', [ids[0]]);
          tenantId = rows[0]?.tenant_id;
        }
        if (!tenantId) throw new Error('Give transfer ids, --subscription or --tenant.');
        const result =
          ids.length > 0
            ? await engine.replay({ tenantId, ids })
            : await engine.replay({ tenantId, filter: { ...(options.status ? { status: options.status } : {}), ...(sub ? { subscriptionId: sub.id } : {}) } });
        console.log(`Replaying ${result.enqueued} transfer(s).`);
        if (processHere) await engine.drain(10 * 60_000);
      }).catch(fail);
    });

  const subscription = program.commands.find((c) => c.name() === 'subscription') ?? program.command('subscription').description('Subscriptions');
  subscription
    .command('test <subscription>')
    .description('Test the connection of a subscription to its system')
    .action(async (subRef: string) => {
      await withEngine(async ({ runtime, engine }) => {
        const sub = await resolveSubscription(runtime.db, subRef);
        const checks = await engine.testConnection(sub.id);
        for (const c of checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.message}`);
        if (!checks.every((c) => c.ok)) process.exitCode = 2;
      }).catch(fail);
    });
}
