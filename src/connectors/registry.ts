import type { ConnectorDefinition } from './types.js';
import { testConnector } from './test-connector/index.js';

/** Every system Junction can connect to, by system name. */
const definitions = new Map<string, ConnectorDefinition>([[testConnector.system, testConnector]]);

export function connectorDefinition(system: string): ConnectorDefinition | undefined {
  return definitions.get(system);
}

export function allConnectorDefinitions(): ConnectorDefinition[] {
  return [...definitions.values()];
}
