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

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Errors with a code are ours and say what to do: the message is enough; anything else keeps its stack.
  const code = (error as { code?: unknown }).code;
  if (error instanceof Error && typeof code === 'string' && !code.startsWith('ERR_')) {
    console.error(`junction: ${error.message} (${code})`);
  } else {
    console.error(error);
  }
  process.exit(1);
}
