import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBusinessCentralSimulator, type RunningBusinessCentralSimulator } from './simulator/index.js';

describe('business-central simulator (raw HTTP)', () => {
  let sim: RunningBusinessCentralSimulator;
  let token: string;
  let api: string;
  let odata: string;

  const form = (fields: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
  const creds = () => ({ grant_type: 'client_credentials', client_id: String(sim.connectionInfo.clientId), client_secret: String(sim.connectionInfo.clientSecret), scope: 'https://api.businesscentral.dynamics.com/.default' });
  const get = async (url: string, headers: Record<string, string> = {}) => {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, ...headers } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    sim = await startBusinessCentralSimulator({ records: 30, seed: 11, pageSize: 10 });
    const res = await fetch(sim.tokenUrl, form(creds()));
    const body = (await res.json()) as { access_token: string; token_type: string; expires_in: number };
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    token = body.access_token;
    const base = `${sim.baseUrl}/v2.0/${String(sim.connectionInfo.tenantId)}/production`;
    api = `${base}/api/v2.0/companies(${sim.data.company().id})`;
    odata = `${base}/ODataV4/Company('${encodeURIComponent('CRONUS USA, Inc.')}')`;
  });
  afterAll(async () => {
    await sim.close();
  });

  it('answers Entra-style token errors', async () => {
    const scope = await fetch(sim.tokenUrl, form({ ...creds(), scope: 'https://graph.microsoft.com/.default' }));
    expect(scope.status).toBe(400);
    expect(await scope.json()).toMatchObject({ error: 'invalid_scope', error_codes: [70011] });
    const secret = await fetch(sim.tokenUrl, form({ ...creds(), client_secret: 'nope' }));
    expect(secret.status).toBe(401);
    expect(await secret.json()).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
    const grant = await fetch(sim.tokenUrl, form({ ...creds(), grant_type: 'password' }));
    expect(await grant.json()).toMatchObject({ error: 'unsupported_grant_type' });
    const tenant = await fetch(sim.tokenUrl.replace(String(sim.connectionInfo.tenantId), 'other'), form(creds()));
    expect(await tenant.json()).toMatchObject({ error: 'invalid_request', error_codes: [90002] });
    const noAuth = await fetch(`${api}/customers`);
    expect(noAuth.status).toBe(401);
    expect(await noAuth.json()).toMatchObject({ error: { code: 'Authentication_InvalidCredentials' } });
  });

  it('pages server-side and honours $filter, $orderby, $top, $skip and Prefer', async () => {
    const first = await get(`${api}/customers`);
    expect((first.body.value as unknown[]).length).toBe(10);
    expect(first.body['@odata.nextLink']).toMatch(/\$skiptoken=/);
    const small = await get(`${api}/customers`, { prefer: 'odata.maxpagesize=4' });
    expect((small.body.value as unknown[]).length).toBe(4);
    const top = await get(`${api}/customers?$top=3&$skip=2&$orderby=${encodeURIComponent('displayName desc')}`);
    const names = (top.body.value as Array<{ displayName: string }>).map((c) => c.displayName);
    expect(names).toHaveLength(3);
    expect([...names].sort().reverse()).toEqual(names);
    expect(top.body['@odata.nextLink']).toBeUndefined();
    const c = sim.data.customers()[4] as { email: string; no: string };
    const byEmail = await get(`${api}/customers?$filter=${encodeURIComponent(`email eq '${c.email}'`)}`);
    expect((byEmail.body.value as Array<{ number: string }>).map((r) => r.number)).toEqual([c.no]);
    const or = await get(`${api}/customers?$filter=${encodeURIComponent(`email eq 'a' or number eq 'b'`)}`);
    expect(or.status).toBe(400);
    const unknown = await get(`${api}/customers?$filter=${encodeURIComponent(`nope eq 'a'`)}`);
    expect(unknown.status).toBe(400);
  });

  it('requires If-Match on writes and rejects unknown or read-only properties', async () => {
    const c = sim.data.customers()[0] as { no: string; version: number };
    const noMatch = await fetch(`${odata}/CustomerCard('${c.no}')`, { method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"Name":"x"}' });
    expect(noMatch.status).toBe(400);
    expect(await noMatch.json()).toMatchObject({ error: { code: 'BadRequest_InvalidToken' } });
    const readOnly = await fetch(`${odata}/CustomerCard('${c.no}')`, { method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'if-match': '*' }, body: '{"Balance_LCY":1}' });
    expect(await readOnly.json()).toMatchObject({ error: { code: 'BadRequest_InvalidOperation' } });
    const unknownProp = await fetch(`${odata}/CustomerCard('${c.no}')`, { method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'if-match': '*' }, body: '{"Colour":"red"}' });
    expect(((await unknownProp.json()) as { error: { message: string } }).error.message).toMatch(/The property 'Colour' does not exist/);
    const stale = await fetch(`${odata}/CustomerCard('${c.no}')`, { method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'if-match': 'W/"JzE7MTswMDsn"' }, body: '{"Name":"x"}' });
    expect(stale.status).toBe(412);
    expect(await stale.json()).toMatchObject({ error: { code: 'Request_EntityChanged' } });
  });

  it('serves published pages, hides unpublished ones and limits $batch to 100 operations', async () => {
    const groups = await get(`${odata}/CustomerPriceGroups`);
    expect((groups.body.value as Array<{ Code: string }>).map((g) => g.Code)).toContain('RETAIL');
    sim.unpublish('Locations');
    expect((await get(`${odata}/Locations`)).status).toBe(404);
    sim.publish('Locations');
    expect((await get(`${odata}/Locations`)).status).toBe(200);
    const requests = Array.from({ length: 101 }, (_, i) => ({ id: String(i), method: 'GET', url: 'companies' }));
    const res = await fetch(`${sim.baseUrl}/v2.0/${String(sim.connectionInfo.tenantId)}/production/api/v2.0/$batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ requests }),
    });
    expect(res.status).toBe(400);
  });

  it('generates the same data for the same seed', async () => {
    const again = await startBusinessCentralSimulator({ records: 30, seed: 11 });
    try {
      const strip = (c: { lastModified: string }) => ({ ...c, lastModified: '' });
      expect(again.data.customers().map(strip).slice(0, 5)).toEqual(sim.data.customers().map(strip).slice(0, 5));
      expect(again.data.contacts().map((c) => c.displayName)).toEqual(sim.data.contacts().map((c) => c.displayName));
    } finally {
      await again.close();
    }
  });
});
