import { parseArgs } from 'node:util';
import { startBusinessCentralSimulator } from './server.js';

/**
 * Standalone Business Central simulator:
 *   node bin/run-ts.js src/connectors/business-central/simulator/main.ts --port 4610 --records 1000 --seed 1
 * The first stdout line is the connection info as JSON.
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    records: { type: 'string', default: '50' },
    seed: { type: 'string', default: '1' },
    'page-size': { type: 'string', default: '100' },
    'token-lifetime': { type: 'string', default: '3600' },
    'webhook-delay': { type: 'string', default: '30000' },
    unpublish: { type: 'string', multiple: true, default: [] },
  },
});

const sim = await startBusinessCentralSimulator({
  port: Number(values.port),
  host: values.host,
  records: Number(values.records),
  seed: Number(values.seed),
  pageSize: Number(values['page-size']),
  tokenLifetimeSeconds: Number(values['token-lifetime']),
  webhookDelayMs: Number(values['webhook-delay']),
  unpublished: values.unpublish,
});
process.stdout.write(`${JSON.stringify(sim.connectionInfo)}\n`);
const stop = () => void sim.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
