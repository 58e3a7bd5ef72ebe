import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceSimulator, type RunningSalesforceSimulator } from '../../src/connectors/salesforce/index.js';
import { listTemplates } from '../../src/mapping/templates/index.js';
import { startE2E, type E2E } from '../helpers/e2e.js';

describe('templates — installed on subscription create, re-installable and resettable through the API', () => {
  let e: E2E;
  let sf: RunningSalesforceSimulator;

  beforeAll(async () => {
    e = await startE2E();
    sf = await startSalesforceSimulator({ records: 0, accounts: 0 });
  });
  afterAll(async () => {
    await e?.close();
    await sf?.close();
  });

  it('lists, installs, resets and honours installTemplates: false', async () => {
    const list = await e.call('GET', '/api/v1/templates?system=salesforce');
    expect((list.json.items as Array<{ key: string }>).map((t) => t.key)).toEqual(listTemplates('salesforce').map((t) => t.key));

    const bare = await e.call('POST', '/api/v1/subscriptions', { system: 'salesforce', name: 'no-templates', settings: sf.subscriptionSettings, installTemplates: false });
    expect(bare.status).toBe(201);
    expect(bare.json.templates).toEqual([]);
    const id = bare.json.id as string;

    const installed = await e.call('POST', `/api/v1/subscriptions/${id}/templates/install`, {});
    expect(installed.status).toBe(200);
    expect((installed.json.results as Array<{ action: string }>).every((r) => r.action === 'created')).toBe(true);
    const again = await e.call('POST', `/api/v1/subscriptions/${id}/templates/install`, {});
    expect((again.json.results as Array<{ action: string }>).every((r) => r.action === 'exists')).toBe(true);

    // A user edit is put back by reset (new version of the same collection).
    const contact = await e.collection(id, 'Add/Update Salesforce Contact TO iPaaS.com');
    const { updateCollection } = await import('../../src/mapping/index.js');
    await updateCollection(e.t.db, e.tenantId, contact.id, { filter: 'true', mappings: contact.mappings.slice(0, 2) });
    const reset = await e.call('POST', `/api/v1/subscriptions/${id}/templates/reset`, { keys: ['sf-004-contact-to-hub'] });
    expect(reset.status).toBe(200);
    expect(reset.json.results).toEqual([expect.objectContaining({ key: 'sf-004-contact-to-hub', action: 'reset', collectionId: contact.id, version: 3 })]);
    const back = await e.collection(id, 'Add/Update Salesforce Contact TO iPaaS.com');
    expect(back.filter).toBe('if(AccountId != null) return true; return false;');
    expect(back.mappings).toHaveLength(contact.mappings.length);

    const unknown = await e.call('POST', `/api/v1/subscriptions/${id}/templates/reset`, { keys: ['nope'] });
    expect(unknown.status).toBe(404);
    expect(unknown.json.code).toBe('MAPPING_NOT_FOUND');
  });
});
