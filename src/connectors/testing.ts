import { ConnectorError, type ConnectorContext } from './types.js';

/**
 * Test helpers shared by the connector tests (not part of the connectors' public surface: only
 * `*.test.ts` files import this module).
 */

export interface TestContextOptions {
  subscriptionId?: string;
  secrets?: Record<string, string>;
  /** Counts the requests that went through the gate (`n` goes up once a request). */
  gateCalls?: { n: number };
  /** Collects the messages of `log.warn`. */
  warnings?: string[];
}

/** A ConnectorContext whose gate runs every request at once and whose log is silent (unless warnings are collected). */
export function testContext(settings: Record<string, unknown>, options: TestContextOptions = {}): ConnectorContext {
  const { subscriptionId = 'sub-1', secrets = {}, gateCalls, warnings } = options;
  return {
    subscriptionId,
    settings,
    secrets,
    gate: (request) => {
      if (gateCalls) gateCalls.n += 1;
      return request();
    },
    log: {
      info: () => undefined,
      warn: (message) => {
        warnings?.push(message);
      },
    },
  };
}

/** The ConnectorError a promise rejects with; any other rejection is rethrown, a fulfilment is an error. */
export async function connectorErrorOf(promise: Promise<unknown>): Promise<ConnectorError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConnectorError) return error;
    throw error;
  }
  throw new Error('expected a ConnectorError');
}
