export * from './types.js';
export { connectorDefinition, allConnectorDefinitions } from './registry.js';
