import { ConnectorError, type Connector, type ConnectorContext, type ExternalRecord, type Page } from './types.js';

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

/** Every page of a `list` (or, with `since`, a `poll`) from the first to the one without `next`, in order. */
export async function allPages(connector: Pick<Connector, 'list' | 'poll'>, entity: string, options: { pageSize?: number; since?: string } = {}): Promise<Page[]> {
  const { pageSize, since } = options;
  const pages: Page[] = [];
  let cursor: string | undefined;
  do {
    const page = since === undefined ? await connector.list(entity, { cursor, pageSize }) : await connector.poll(entity, { since, cursor, pageSize });
    pages.push(page);
    cursor = page.next;
  } while (cursor);
  return pages;
}

/** Every record of an entity, listed page by page. */
export async function listAll(connector: Pick<Connector, 'list' | 'poll'>, entity: string, pageSize?: number): Promise<ExternalRecord[]> {
  return (await allPages(connector, entity, { pageSize })).flatMap((page) => page.records);
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
