import { z } from 'zod';
import {
  ConnectorError,
  type ConnectionCheck,
  type Connector,
  type ConnectorContext,
  type ConnectorDefinition,
  type ExternalRecord,
  type InboundWebhook,
  type Page,
  type WebhookReceipt,
} from '../types.js';
import { copyData, etagOf, type RecordView } from './store.js';
import { buildTestSystem, isTestEntity, lookupTestSystem, type TestSystem, type TestSystemInternal, type TestSystemOptions } from './system.js';

export const TEST_DEFAULT_PAGE_SIZE = 100;
export const TEST_MAX_PAGE_SIZE = 10_000;

export const TestSettings = z.object({ systemKey: z.string().min(1, 'systemKey is required') }).strict();
export type TestSettings = z.infer<typeof TestSettings>;

const PollCursor = z.tuple([z.string(), z.string()]);

/** Stored record → ExternalRecord in one copy: data gets the id first, then the stored fields. */
const toExternal: RecordView<ExternalRecord> = (rec) => {
  const data: Record<string, unknown> = { id: rec.id };
  for (const key in rec.data) data[key] = copyData(rec.data[key]);
  return { id: rec.id, data, modifiedAt: rec.modifiedAt, etag: etagOf(rec.version) };
};

function pageSizeOf(pageSize: number | undefined): number {
  if (pageSize === undefined) return TEST_DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    throw new ConnectorError('permanent', 'TEST_BAD_PAGE_SIZE', `pageSize must be a positive integer, got ${pageSize}.`);
  }
  return Math.min(pageSize, TEST_MAX_PAGE_SIZE);
}

function badCursor(cursor: string): never {
  throw new ConnectorError('permanent', 'TEST_BAD_CURSOR', `Cursor "${cursor}" was not issued by the test system.`);
}

function decodeListCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const seq = Number(cursor);
  return Number.isInteger(seq) && seq >= 0 ? seq : badCursor(cursor);
}

function decodePollCursor(cursor: string | undefined): { modifiedAt: string; id: string } | undefined {
  if (cursor === undefined) return undefined;
  try {
    const [modifiedAt, id] = PollCursor.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return { modifiedAt, id };
  } catch {
    return badCursor(cursor);
  }
}

function encodePollCursor(key: { modifiedAt: string; id: string }): string {
  return Buffer.from(JSON.stringify([key.modifiedAt, key.id]), 'utf8').toString('base64url');
}

function normalizeSince(since: string): string {
  const ms = Date.parse(since);
  if (Number.isNaN(ms)) throw new ConnectorError('permanent', 'TEST_BAD_SINCE', `poll "since" must be an ISO timestamp, got "${since}".`);
  return new Date(ms).toISOString();
}

function withoutId(data: Record<string, unknown>): Record<string, unknown> {
  if (!('id' in data)) return data;
  const { id: _id, ...rest } = data;
  return rest;
}

/** The Connector of the in-memory test system; every call goes through `ctx.gate`. */
export function createTestConnector(ctx: ConnectorContext): Connector {
  const parsed = TestSettings.safeParse(ctx.settings);
  const systemKey = parsed.success ? parsed.data.systemKey : undefined;

  const system = (): TestSystemInternal => {
    const found = systemKey === undefined ? undefined : lookupTestSystem(systemKey);
    if (!found) {
      throw new ConnectorError(
        'permanent',
        'TEST_UNKNOWN_SYSTEM',
        systemKey === undefined ? 'Setting "systemKey" is missing.' : `No test system is registered under systemKey "${systemKey}"; create it with createTestSystem({ systemKey }).`,
      );
    }
    return found;
  };

  const call = <T>(method: Parameters<TestSystemInternal['invoke']>[0], entity: string | undefined, op: (sys: TestSystemInternal) => T): Promise<T> =>
    ctx.gate(() => {
      try {
        const sys = system();
        return sys.invoke(method, entity, () => op(sys));
      } catch (error) {
        return Promise.reject(error);
      }
    });

  const entityOf = (entity: string) => {
    if (!isTestEntity(entity)) {
      throw new ConnectorError('permanent', 'TEST_UNKNOWN_ENTITY', `The test system has no entity "${entity}" (entities: contact, company).`);
    }
    return entity;
  };

  const createOne = (sys: TestSystemInternal, entity: string, row: Record<string, unknown>): ExternalRecord => {
    const name = entityOf(entity);
    const data = withoutId(row);
    sys.checkWrite(name, 'create', data);
    const store = sys.store(name);
    const created = store.insert(store.nextId(), data, sys.nowIso(), toExternal);
    sys.countWrite(name, created.id, 'creates');
    return created;
  };

  return {
    system: 'test',

    async testConnection(): Promise<ConnectionCheck[]> {
      try {
        const count = await call('testConnection', undefined, (sys) => sys.store('contact').size + sys.store('company').size);
        return [{ name: 'system', ok: true, message: `Connected to test system "${systemKey}" (${count} records).` }];
      } catch (error) {
        return [{ name: 'system', ok: false, message: error instanceof Error ? error.message : String(error) }];
      }
    },

    get: (entity, externalId) =>
      call('get', entity, (sys) => {
        return sys.store(entityOf(entity)).get(externalId, toExternal) ?? null;
      }),

    list: (entity, options) =>
      call('list', entity, (sys): Page => {
        const store = sys.store(entityOf(entity));
        const result = store.list(decodeListCursor(options.cursor), pageSizeOf(options.pageSize), toExternal);
        const page: Page = { records: result.records, total: store.size };
        if (result.next !== undefined) page.next = String(result.next);
        return page;
      }),

    poll: (entity, options) =>
      call('poll', entity, (sys): Page => {
        const store = sys.store(entityOf(entity));
        const result = store.poll(normalizeSince(options.since), decodePollCursor(options.cursor), pageSizeOf(options.pageSize), toExternal);
        const page: Page = { records: result.records };
        if (result.next) page.next = encodePollCursor(result.next);
        return page;
      }),

    findBy: (entity, field, value) => call('findBy', entity, (sys) => sys.store(entityOf(entity)).findBy(field, value, toExternal)),

    create: (entity, data) => call('create', entity, (sys) => createOne(sys, entity, data)),

    update: (entity, externalId, data, options) =>
      call('update', entity, (sys) => {
        const name = entityOf(entity);
        const store = sys.store(name);
        const current = store.peek(externalId);
        if (!current) throw new ConnectorError('not_found', 'TEST_NOT_FOUND', `${name} ${externalId} does not exist.`, { status: 404 });
        const etag = etagOf(current.version);
        if (options?.etag !== undefined && options.etag !== etag) {
          throw new ConnectorError('conflict', 'TEST_ETAG_MISMATCH', `${name} ${externalId} changed (etag ${etag}, expected ${options.etag}).`, {
            status: 412,
          });
        }
        const changes = withoutId(data);
        // permanentErrorWhen sees the record as it would be stored; the duplicate check only looks at a changed email.
        sys.checkWrite(name, 'update', sys.faults.permanentErrorWhen ? { ...current.data, ...changes } : changes, externalId);
        const updated = store.update(externalId, changes, sys.nowIso(), false, toExternal);
        if (!updated) throw new ConnectorError('not_found', 'TEST_NOT_FOUND', `${name} ${externalId} does not exist.`, { status: 404 });
        sys.countWrite(name, externalId, 'updates');
        return updated;
      }),

    delete: (entity, externalId) =>
      call('delete', entity, (sys) => {
        const name = entityOf(entity);
        if (!sys.store(name).delete(externalId)) {
          throw new ConnectorError('not_found', 'TEST_NOT_FOUND', `${name} ${externalId} does not exist.`, { status: 404 });
        }
        sys.countWrite(name, externalId, 'deletes');
      }),

    createMany: (entity, rows) =>
      call('createMany', entity, (sys) =>
        rows.map((row): ExternalRecord | ConnectorError => {
          try {
            return createOne(sys, entity, row);
          } catch (error) {
            if (error instanceof ConnectorError) {
              sys.stats.errors[error.kind] = (sys.stats.errors[error.kind] ?? 0) + 1;
              return error;
            }
            throw error;
          }
        }),
      ),
  };
}

const TestWebhookBody = z.object({
  clientState: z.string().optional(),
  notifications: z.array(z.object({ entity: z.enum(['contact', 'company']), externalId: z.string().min(1), change: z.enum(['created', 'updated', 'deleted']) })),
});

/** Parses `{ clientState?, notifications: [{ entity, externalId, change }] }` (e.g. built from `system.onChange`). */
export function receiveTestWebhook(call: InboundWebhook): WebhookReceipt {
  const parsed = TestWebhookBody.safeParse(call.body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { kind: 'rejected', reason: `not a test system webhook: ${issue?.path.join('.') || 'body'} ${issue?.message ?? ''}`.trim() };
  }
  const receipt: WebhookReceipt = { kind: 'notifications', notifications: parsed.data.notifications };
  if (parsed.data.clientState !== undefined) receipt.clientState = parsed.data.clientState;
  return receipt;
}

const capabilities = { read: true, poll: true, create: true, update: true, delete: true, webhook: false, initialize: true };

/** Definition of system `test`: the in-memory system the sync engine is developed and benchmarked against. */
export const testConnector: ConnectorDefinition = {
  system: 'test',
  displayName: 'Test system (in-memory)',
  settings: [
    {
      key: 'systemKey',
      label: 'System key',
      required: true,
      secret: false,
      description: 'Which in-memory test system instance this subscription talks to (the key given to createTestSystem).',
      example: 'test-1',
    },
  ],
  settingsSchema: TestSettings,
  entities: [
    { name: 'contact', hubModel: 'Customer', idFormats: ['{{id}}'], emailField: 'email', capabilities },
    { name: 'company', hubModel: 'Company', idFormats: ['{{id}}'], capabilities },
  ],
  throttle: { requests: 10_000, perSeconds: 1, concurrency: 16 },
  create: createTestConnector,
  receiveWebhook: receiveTestWebhook,
};

/**
 * Creates an in-memory test system and registers it under `systemKey`, so a subscription whose
 * settings are `system.subscriptionSettings` reaches it through `testConnector.create(ctx)`.
 */
export function createTestSystem(options: TestSystemOptions = {}): TestSystem {
  return buildTestSystem(options, testConnector, createTestConnector);
}

export { etagOf };
