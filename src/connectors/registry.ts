import type { ConnectorDefinition, RunningSimulator, SimulatorStartOptions } from './types.js';
import { businessCentral, startBusinessCentralSimulator } from './business-central/index.js';
import { salesforce, startSalesforceSimulator } from './salesforce/index.js';
import { ninetyNineMinds, startNinetyNineMindsSimulator } from './ninety-nine-minds/index.js';
import { testConnector } from './test-connector/index.js';

/** Every system Junction can connect to, by system name. */
const definitions = new Map<string, ConnectorDefinition>(
  [businessCentral, salesforce, ninetyNineMinds, testConnector].map((definition) => [definition.system, definition]),
);

export function connectorDefinition(system: string): ConnectorDefinition | undefined {
  return definitions.get(system);
}

/** The real systems (the in-memory test system is left out of listings). */
export function allConnectorDefinitions(): ConnectorDefinition[] {
  return [...definitions.values()].filter((d) => d.system !== 'test');
}

type SimulatorStarter = (options: SimulatorStartOptions) => Promise<RunningSimulator>;

/** Simulators by system name; `99minds` is accepted as a short name for `ninety-nine-minds`. */
const simulators: Record<string, SimulatorStarter> = {
  'business-central': startBusinessCentralSimulator,
  salesforce: startSalesforceSimulator,
  'ninety-nine-minds': startNinetyNineMindsSimulator,
};
const SIMULATOR_ALIASES: Record<string, string> = { '99minds': 'ninety-nine-minds' };

export function simulatorSystems(): string[] {
  return Object.keys(simulators);
}

export function startSimulator(system: string, options: SimulatorStartOptions = {}): Promise<RunningSimulator> {
  const name = SIMULATOR_ALIASES[system] ?? system;
  const start = simulators[name];
  if (!start) throw new Error(`No simulator for '${system}'. Choose one of: business-central, salesforce, 99minds.`);
  return start(options);
}
