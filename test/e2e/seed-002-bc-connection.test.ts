import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBusinessCentralSimulator, type RunningBusinessCentralSimulator } from '../../src/connectors/business-central/index.js';
import { PRICE_GROUPS } from '../../src/connectors/business-central/simulator/index.js';
import { startE2E, type E2E } from '../helpers/e2e.js';

/**
 * Seed 002 — How to connect Business Central: subscription settings, the client-credentials token,
 * "Test connection" naming unpublished web services, and initialization of customer categories,
 * locations and shipping methods.
 */
describe('seed 002 — Business Central connection flow', () => {
  let e: E2E;
  let bc: RunningBusinessCentralSimulator;
  let missing: RunningBusinessCentralSimulator;

  beforeAll(async () => {
    e = await startE2E();
    bc = await startBusinessCentralSimulator({ records: 3, webhookDelayMs: 0 });
    missing = await startBusinessCentralSimulator({ records: 1, webhookDelayMs: 0, unpublished: ['CustomerPriceGroups'] });
  });

  afterAll(async () => {
    await e?.close();
    await bc?.close();
    await missing?.close();
  });

  it('connection flow: settings, token, Test connection naming a missing web service, initialization of categories, locations and shipping methods', async () => {
    // Settings as the article lists them.
    const systems = await e.call('GET', '/api/v1/systems');
    expect(systems.status).toBe(200);
    const bcSystem = (systems.json.items as Array<{ system: string; settings: Array<{ label: string; secret: boolean; required: boolean }> }>).find((s) => s.system === 'business-central');
    const labels = bcSystem?.settings.map((s) => s.label) ?? [];
    for (const label of ['Name', 'Company Name', 'Tenant ID', 'Scope', 'Client Secret', 'Client ID', 'Grant Type', 'Environment', 'API URL']) expect(labels).toContain(label);
    expect(bcSystem?.settings.find((s) => s.label === 'Client Secret')?.secret).toBe(true);

    // A required setting left out is refused, naming it.
    const { clientId: _omit, ...withoutClientId } = bc.subscriptionSettings;
    const refused = await e.call('POST', '/api/v1/subscriptions', { system: 'business-central', name: 'incomplete', settings: withoutClientId });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.json)).toContain('clientId');

    // Saved: the secret is write-only; the templates are installed.
    const created = await e.subscribe('business-central', bc.subscriptionSettings, 'Dynamics365_Integration');
    const read = await e.call('GET', `/api/v1/subscriptions/${created.id}`);
    expect(read.json.secretsSet).toContain('clientSecret');
    expect(JSON.stringify(read.json)).not.toContain(String(bc.subscriptionSettings.clientSecret));
    expect(created.templates.map((t) => t.key)).toEqual(expect.arrayContaining(['bc-002-customer-category-to-hub', 'bc-002-location-to-hub', 'bc-002-shipping-method-to-hub']));

    // Token (client credentials) and Test connection: all green against a fully published company.
    const checks = await e.engine.testConnection(created.id);
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(bc.tokensIssued()).toBeGreaterThan(0);

    // A company where the Customer Price Groups web service is not published: the check names it.
    const other = await e.subscribe('business-central', missing.subscriptionSettings, 'Dynamics365_Missing_Service');
    const failing = (await e.engine.testConnection(other.id)).filter((c) => !c.ok);
    expect(failing).toHaveLength(1);
    expect(`${failing[0]?.name} ${failing[0]?.message}`).toContain('CustomerPriceGroups');

    // Initialization: customer categories (price groups), locations and shipping methods.
    for (const entity of ['customerPriceGroup', 'location', 'shippingAgent']) {
      await e.engine.startInitialization({ tenantId: e.tenantId, subscriptionId: created.id, entity });
    }
    await e.drain();
    for (const code of PRICE_GROUPS) {
      const hubId = await e.hubIdOf(created.id, 'CustomerCategory', code);
      expect(hubId, `category ${code}`).toBeTruthy();
      expect((await e.hub(hubId as string)).data).toMatchObject({ Name: code });
    }
    for (const code of ['MAIN', 'EAST', 'WEST']) {
      const hubId = await e.hubIdOf(created.id, 'Location', code);
      expect(hubId, `location ${code}`).toBeTruthy();
      expect((await e.hub(hubId as string)).data).toMatchObject({ Code: code });
    }
    expect((await e.hub((await e.hubIdOf(created.id, 'Location', 'MAIN')) as string)).data).toMatchObject({ Name: 'Main Warehouse', City: 'Seattle', Country: 'US', PostalCode: '98101' });
    for (const code of ['DHL', 'FEDEX', 'UPS', 'USPS']) {
      const hubId = await e.hubIdOf(created.id, 'ShippingMethod', code);
      expect(hubId, `shipping method ${code}`).toBeTruthy();
    }
    expect((await e.hub((await e.hubIdOf(created.id, 'ShippingMethod', 'FEDEX')) as string)).data).toMatchObject({ Code: 'FEDEX', Name: 'Federal Express Corporation' });
    expect((await e.transfers({ subscriptionId: created.id, status: 'error' }))).toEqual([]);
  });
});
