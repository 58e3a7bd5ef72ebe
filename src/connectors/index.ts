export * from './types.js';
export { connectorDefinition, allConnectorDefinitions, startSimulator, simulatorSystems } from './registry.js';
