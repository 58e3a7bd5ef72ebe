import type { Command } from 'commander';
import { buildServer } from '../../api/server.js';
import { startQueue } from '../../store/index.js';
import { createSyncEngine } from '../../sync/index.js';
import { tuneHeapForServer } from '../heap.js';
import { openRuntime } from '../runtime.js';
import { prepareDemo } from '../demo.js';
import { syncOptionsFromEnv } from './worker.js';

interface ServeOptions {
  port: string;
  host: string;
  demo?: boolean;
  workers: boolean;
}

/** `junction serve`: API + scheduler + workers in one process (`--no-workers` leaves jobs to `junction worker`). */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Start the API and the scheduler (polling, sweeper) and, unless --no-workers, the workers')
    .option('-p, --port <port>', 'port to listen on', process.env.PORT ?? '3000')
    .option('--host <host>', 'interface to listen on', process.env.HOST ?? '127.0.0.1')
    .option('--demo', 'start the simulators and a ready demo tenant')
    .option('--no-workers', 'do not process jobs in this process (run `junction worker` for that)')
    .action(async (options: ServeOptions) => {
      tuneHeapForServer();
      const runtime = await openRuntime();
      const queue = await startQueue(runtime.db);
      const sync = createSyncEngine({ db: runtime.db, queue, vault: runtime.vault, connectors: runtime.connectors, options: syncOptionsFromEnv() });
      const demo = options.demo ? await prepareDemo(runtime) : undefined;
      if (options.workers) await sync.startWorkers();
      await sync.startScheduler();
      const app = await buildServer({ db: runtime.db, vault: runtime.vault, connectors: runtime.connectors, sync }, { logger: false });
      const address = await app.listen({ port: Number(options.port), host: options.host });
      console.log(`Junction listening on ${address} (storage: ${runtime.db.kind} at ${runtime.db.location}; workers: ${options.workers ? 'in this process' : 'separate'})`);
      console.log(`  health:   ${address}/healthz`);
      console.log(`  console:  ${address}/console/`);
      console.log(`  API docs: ${address}/docs`);
      if (demo) for (const line of demo.describe()) console.log(`  ${line}`);

      let stopping = false;
      const stop = async () => {
        if (stopping) return;
        stopping = true;
        await app.close();
        await sync.stop();
        await queue.stop({ graceful: true, wait: true, close: false }).catch(() => undefined);
        await demo?.close();
        await runtime.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
