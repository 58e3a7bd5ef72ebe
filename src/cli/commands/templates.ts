/** `junction templates list | install | reset`: the seed mapping collections as templates. */
import type { Command } from 'commander';
import { installTemplates, listTemplates, resetTemplates, type TemplateReport } from '../../mapping/templates/index.js';
import { findTenantByName } from '../../security/index.js';
import { getSubscription } from '../../subscriptions/index.js';
import { openRuntime, type Runtime } from '../runtime.js';

interface TargetOptions {
  tenant?: string;
  key?: string[];
  json?: boolean;
}

/** The tenant of a subscription: by `--tenant` name, else the subscription's own tenant. */
async function tenantOf(runtime: Runtime, subscriptionId: string, tenantName: string | undefined): Promise<string | null> {
  if (tenantName !== undefined) {
    const tenant = await findTenantByName(runtime.db, tenantName);
    if (!tenant) {
      console.error(`No tenant named '${tenantName}'.`);
      return null;
    }
    return tenant.id;
  }
  const { rows } = await runtime.db.query<{ tenant_id: string }>('SELECT tenant_id FROM subscriptions WHERE id = $1', [subscriptionId]);
  const row = rows[0];
  if (!row) {
    console.error(`No subscription ${subscriptionId}. List subscriptions with the API: GET /api/v1/subscriptions`);
    return null;
  }
  return row.tenant_id;
}

function print(report: TemplateReport, json: boolean | undefined): void {
  if (json) {
    console.log(JSON.stringify(report));
    return;
  }
  console.log(`Subscription ${report.subscriptionId} (${report.system}):`);
  for (const r of report.results) console.log(`  ${r.action.padEnd(7)} ${r.key.padEnd(36)} v${r.version}  ${r.name}  (${r.collectionId})`);
  if (report.results.length === 0) console.log('  (no templates for this system)');
}

function run(reset: boolean) {
  return async (subscriptionId: string, options: TargetOptions) => {
    const runtime = await openRuntime();
    try {
      const tenantId = await tenantOf(runtime, subscriptionId, options.tenant);
      if (tenantId === null) {
        process.exitCode = 1;
        return;
      }
      const report = await runtime.db.transaction(async (tx) => {
        const subscription = await getSubscription(tx, runtime, tenantId, subscriptionId);
        const keys = options.key && options.key.length > 0 ? { keys: options.key } : {};
        return reset ? resetTemplates(tx, tenantId, subscription, keys) : installTemplates(tx, tenantId, subscription, keys);
      });
      print(report, options.json);
    } catch (error) {
      const coded = error as { code?: string; message?: string };
      console.error(coded.code ? `${coded.code}: ${coded.message}` : String(error));
      process.exitCode = 1;
    } finally {
      await runtime.close();
    }
  };
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerTemplateCommands(program: Command): void {
  const templates = program.command('templates').description('Mapping collection templates (the seed collections)');

  templates
    .command('list')
    .description('List the shipped templates')
    .option('--system <system>', 'only the templates of this system (business-central, salesforce, ninety-nine-minds)')
    .option('--json', 'print JSON')
    .action((options: { system?: string; json?: boolean }) => {
      const items = listTemplates(options.system);
      if (options.json) {
        console.log(JSON.stringify(items));
        return;
      }
      for (const t of items) console.log(`${t.system.padEnd(18)} ${t.key.padEnd(36)} seed ${t.seed.padEnd(8)} ${t.collection.direction.padEnd(8)} ${t.collection.name}`);
    });

  templates
    .command('install <subscriptionId>')
    .description("Install the subscription's templates that are missing; installed collections are left as they are")
    .option('--tenant <name>', "tenant name (default: the subscription's tenant)")
    .option('--key <key>', 'only this template key (repeatable)', collect)
    .option('--json', 'print JSON')
    .action(run(false));

  templates
    .command('reset <subscriptionId>')
    .description("Reset the subscription's template collections to the shipped definitions (new version of each) and install missing ones")
    .option('--tenant <name>', "tenant name (default: the subscription's tenant)")
    .option('--key <key>', 'only this template key (repeatable)', collect)
    .option('--json', 'print JSON')
    .action(run(true));
}
