import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getTestSystem, testConnector } from '../../connectors/test-connector/index.js';
import { ConnectorError, type Connector, type ConnectorDefinition } from '../../connectors/types.js';

/**
 * The in-memory test system across processes: a small HTTP server in the test process answers
 * connector calls for its registered test systems, and `remoteTestConnector(url)` is a connector
 * definition for system `test` that forwards every call there (through the platform's gate). Used by
 * the multi-process tests and benchmarks (`junction worker` with JUNCTION_TEST_SYSTEM_URL).
 */
type Method = 'testConnection' | 'get' | 'list' | 'poll' | 'findBy' | 'create' | 'update' | 'delete';

export async function serveTestSystems(port = 0): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      void (async () => {
        try {
          const { systemKey, method, args } = JSON.parse(body) as { systemKey: string; method: Method; args: unknown[] };
          const system = getTestSystem(systemKey);
          if (!system) throw new ConnectorError('permanent', 'TEST_UNKNOWN_SYSTEM', `No test system ${systemKey}.`);
          const connector = system.connector() as unknown as Record<Method, (...a: unknown[]) => Promise<unknown>>;
          const result = await connector[method](...args);
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ result: result ?? null }));
        } catch (error) {
          const e = error as ConnectorError;
          res.writeHead(200, { 'content-type': 'application/json' }).end(
            JSON.stringify({ error: { kind: e.kind ?? 'permanent', code: e.code ?? 'TEST_ERROR', message: e.message, field: e.field, status: e.status, retryAfterMs: e.retryAfterMs, resetAt: e.resetAt } }),
          );
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${bound}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export function remoteTestConnector(url: string): ConnectorDefinition {
  return {
    ...testConnector,
    create(ctx) {
      const systemKey = String(ctx.settings.systemKey);
      const call = (method: Method, ...args: unknown[]) =>
        ctx.gate(async () => {
          const response = await fetch(`${url}/rpc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ systemKey, method, args }) }).catch((cause: unknown) => {
            throw new ConnectorError('transient', 'TEST_REMOTE_DOWN', `Test system server at ${url} is not reachable.`, { cause });
          });
          const answer = (await response.json()) as { result?: unknown; error?: { kind: ConnectorError['kind']; code: string; message: string; field?: string; status?: number; retryAfterMs?: number; resetAt?: string } };
          if (answer.error) {
            const { kind, code, message, ...extra } = answer.error;
            throw new ConnectorError(kind, code, message, Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined && v !== null)));
          }
          return answer.result;
        });
      const connector: Connector = {
        system: 'test',
        testConnection: () => call('testConnection') as ReturnType<Connector['testConnection']>,
        get: (...a) => call('get', ...a) as ReturnType<Connector['get']>,
        list: (...a) => call('list', ...a) as ReturnType<Connector['list']>,
        poll: (...a) => call('poll', ...a) as ReturnType<Connector['poll']>,
        findBy: (...a) => call('findBy', ...a) as ReturnType<Connector['findBy']>,
        create: (...a) => call('create', ...a) as ReturnType<Connector['create']>,
        update: (...a) => call('update', ...a) as ReturnType<Connector['update']>,
        delete: (...a) => call('delete', ...a) as ReturnType<Connector['delete']>,
      };
      return connector;
    },
  };
}
