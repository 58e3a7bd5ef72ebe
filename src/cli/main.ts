import { Command } from 'commander';
import { registerAdminCommands } from './commands/admin.js';
import { registerFormulaCommands } from './commands/formula.js';
import { registerServeCommand } from './commands/serve.js';
import { registerSimulateCommand } from './commands/simulate.js';
import { registerTemplateCommands } from './commands/templates.js';
import { registerSyncCommands } from './commands/sync.js';
import { registerWorkerCommand } from './commands/worker.js';

const program = new Command()
  .name('junction')
  .description('Junction: open-source, self-hosted integration platform')
  .version('0.1.0')
  .showHelpAfterError();

registerServeCommand(program);
registerAdminCommands(program);
registerTemplateCommands(program);
registerFormulaCommands(program);
registerSimulateCommand(program);
registerWorkerCommand(program);
registerSyncCommands(program);

await program.parseAsync(process.argv);
