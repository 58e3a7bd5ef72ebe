import { Command, InvalidArgumentError, Option } from 'commander';
import { startSimulator } from '../../connectors/index.js';

const int = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
};

/**
 * `junction simulate <system>`: a local stand-in for the real service. The first stdout line is
 * one JSON object with what a subscription needs; then it serves until stopped.
 */
export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('Run a local simulator of a real system (for tests, demos and development)')
    .addArgument(new Command().createArgument('<system>', 'which system').choices(['business-central', 'salesforce', '99minds', 'ninety-nine-minds']))
    .addOption(new Option('-p, --port <port>', 'port to listen on (0 = any free port)').argParser(int).default(0))
    .addOption(new Option('--records <n>', 'generated records per main entity').argParser(int).default(100))
    .addOption(new Option('--seed <s>', 'seed of the deterministic data generator').argParser(int).default(1))
    .action(async (system: string, options: { port: number; records: number; seed: number }) => {
      const running = await startSimulator(system, { port: options.port, records: options.records, seed: options.seed });
      process.stdout.write(`${JSON.stringify({ system: running.system, ...running.connectionInfo, subscriptionSettings: running.subscriptionSettings })}\n`);
      const stop = async () => {
        await running.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
