import type { Command } from 'commander';
import { migrate } from '../../store/index.js';
import { createApiKey, createTenant, findTenantByName } from '../../security/index.js';
import { openRuntime } from '../runtime.js';

/** `migrate`, `tenant create`, `apikey create`. */
export function registerAdminCommands(program: Command): void {
  program
    .command('migrate')
    .description('Apply pending database migrations (also done on every start)')
    .action(async () => {
      const runtime = await openRuntime({ migrate: false });
      try {
        const applied = await migrate(runtime.db);
        console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
      } finally {
        await runtime.close();
      }
    });

  const tenant = program.command('tenant').description('Manage tenants');
  tenant
    .command('create <name>')
    .description('Create a tenant')
    .action(async (name: string) => {
      const runtime = await openRuntime();
      try {
        const created = await createTenant(runtime.db, name);
        console.log(JSON.stringify(created));
      } finally {
        await runtime.close();
      }
    });

  const apikey = program.command('apikey').description('Manage API keys');
  apikey
    .command('create')
    .description('Create an API key for a tenant; the key is printed once')
    .requiredOption('--tenant <name>', 'tenant name')
    .option('--name <label>', 'a label for the key', 'cli')
    .action(async (options: { tenant: string; name: string }) => {
      const runtime = await openRuntime();
      try {
        const found = await findTenantByName(runtime.db, options.tenant);
        if (!found) {
          console.error(`No tenant named '${options.tenant}'. Create it with: junction tenant create ${options.tenant}`);
          process.exitCode = 1;
          return;
        }
        const key = await createApiKey(runtime.db, found.id, options.name);
        console.log(JSON.stringify({ tenant: found.name, id: key.id, key: key.key }));
      } finally {
        await runtime.close();
      }
    });
}
