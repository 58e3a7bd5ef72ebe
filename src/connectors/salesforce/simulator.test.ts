/**
 * Contract tests: unmodified jsforce 3 against the Salesforce simulator.
 */
import { sign } from 'node:crypto';
import jsforce from 'jsforce';
import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceSimulator, type RunningSalesforceSimulator } from './index.js';

const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

async function login(sim: RunningSalesforceSimulator): Promise<Connection> {
  const oauth2 = new jsforce.OAuth2({ loginUrl: sim.baseUrl, clientId: String(sim.connectionInfo.clientId), clientSecret: String(sim.connectionInfo.clientSecret) });
  const conn = new jsforce.Connection({ oauth2, version: '62.0' });
  await conn.authorize({ grant_type: 'client_credentials' });
  return conn;
}

function assertion(claims: Record<string, unknown>, privateKey: string): string {
  const encode = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = `${encode({ alg: 'RS256' })}.${encode(claims)}`;
  return `${body}.${sign('RSA-SHA256', Buffer.from(body), privateKey).toString('base64url')}`;
}

async function rawFetch(sim: RunningSalesforceSimulator, conn: Connection, path: string, init: RequestInit = {}) {
  const response = await fetch(`${sim.baseUrl}${path}`, { ...init, headers: { authorization: `Bearer ${conn.accessToken}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
  return { status: response.status, headers: response.headers, body: (await response.json()) as unknown };
}

describe('Salesforce simulator with jsforce', () => {
  let sim: RunningSalesforceSimulator;
  let conn: Connection;

  beforeAll(async () => {
    sim = await startSalesforceSimulator({ records: 10_000, accounts: 300, seed: 42 });
    conn = await login(sim);
  });
  afterAll(async () => {
    await sim.close();
  });

  describe('OAuth 2.0', () => {
    it('client credentials returns a Salesforce-shaped token response', async () => {
      const response = await fetch(`${sim.baseUrl}/services/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: String(sim.connectionInfo.clientId), client_secret: String(sim.connectionInfo.clientSecret) }),
      });
      const body = (await response.json()) as Record<string, string>;
      expect(response.status).toBe(200);
      expect(body.instance_url).toBe(sim.baseUrl);
      expect(body.token_type).toBe('Bearer');
      expect(body.id).toMatch(/\/id\/00D\w{15}\/005\w{15}$/);
      expect(body.issued_at).toMatch(/^\d{13}$/);
      expect(body.signature).toBeTruthy();
      expect(body).not.toHaveProperty('expires_in');
      expect(conn.userInfo?.organizationId).toMatch(/^00D/);
    });

    it('rejects a wrong secret and an unknown client id with OAuth errors', async () => {
      const bad = new jsforce.Connection({ oauth2: { loginUrl: sim.baseUrl, clientId: String(sim.connectionInfo.clientId), clientSecret: 'nope' }, version: '62.0' });
      await expect(bad.authorize({ grant_type: 'client_credentials' })).rejects.toMatchObject({ name: 'invalid_client', message: 'invalid client credentials' });
      const unknown = new jsforce.Connection({ oauth2: { loginUrl: sim.baseUrl, clientId: 'someone-else', clientSecret: 'x' }, version: '62.0' });
      await expect(unknown.authorize({ grant_type: 'client_credentials' })).rejects.toMatchObject({ name: 'invalid_client_id' });
    });

    it('JWT bearer verifies signature, issuer, subject, audience and expiry', async () => {
      const { clientId, username, privateKey } = sim.jwt;
      const exp = Math.floor(Date.now() / 1000) + 120;
      const good = { iss: clientId, sub: username, aud: 'https://login.salesforce.com', exp };
      const jwtConn = new jsforce.Connection({ oauth2: { loginUrl: sim.baseUrl }, version: '62.0' });
      const info = await jwtConn.authorize({ grant_type: JWT_GRANT, assertion: assertion(good, privateKey) });
      expect(info.id).toMatch(/^005/);
      const records = await jwtConn.query<{ Id: string }>('SELECT Id FROM Account LIMIT 3');
      expect(records.records).toHaveLength(3);

      const attempt = (claims: Record<string, unknown>, key = privateKey) =>
        new jsforce.Connection({ oauth2: { loginUrl: sim.baseUrl }, version: '62.0' }).authorize({ grant_type: JWT_GRANT, assertion: assertion(claims, key) });
      await expect(attempt({ ...good, sub: 'intruder@example.com' })).rejects.toMatchObject({ name: 'invalid_grant' });
      await expect(attempt({ ...good, iss: 'other-app' })).rejects.toMatchObject({ name: 'invalid_client_id' });
      await expect(attempt({ ...good, aud: 'https://evil.example.com' })).rejects.toMatchObject({ name: 'invalid_grant', message: 'audience is invalid' });
      await expect(attempt({ ...good, exp: Math.floor(Date.now() / 1000) - 10 })).rejects.toMatchObject({ name: 'invalid_grant' });
      const { generateKeyPairSync } = await import('node:crypto');
      const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      await expect(attempt(good, other)).rejects.toMatchObject({ name: 'invalid_grant', message: 'invalid assertion' });
    });

    it('username-password login works through jsforce login()', async () => {
      const pw = new jsforce.Connection({ oauth2: { loginUrl: sim.baseUrl, clientId: String(sim.connectionInfo.clientId), clientSecret: String(sim.connectionInfo.clientSecret) }, version: '62.0' });
      await pw.login(String(sim.connectionInfo.username), 'junction-password');
      expect((await pw.query('SELECT COUNT() FROM Contact')).totalSize).toBe(sim.data.count('Contact'));
    });
  });

  describe('versions, resources, describe and limits', () => {
    it('lists versions without auth and resources with auth', async () => {
      const versions = (await (await fetch(`${sim.baseUrl}/services/data`)).json()) as Array<{ version: string; url: string }>;
      expect(versions.map((v) => v.version)).toContain('62.0');
      const resources = await conn.request<Record<string, string>>('/services/data/v62.0/');
      expect(resources.query).toBe('/services/data/v62.0/query');
      await expect(conn.request('/services/data/v12.0/')).rejects.toMatchObject({ errorCode: 'NOT_FOUND' });
    });

    it('describes Contact with custom fields and reports limits', async () => {
      const describe = await conn.sobject('Contact').describe();
      expect(describe.keyPrefix).toBe('003');
      const names = describe.fields.map((f) => f.name);
      expect(names).toEqual(expect.arrayContaining(['Id', 'Email', 'AccountId', 'LastName', 'Level__c', 'Languages__c', 'ContactTestCustomField__c', 'MailingPostalCode']));
      const level = describe.fields.find((f) => f.name === 'Level__c');
      expect(level?.picklistValues?.map((p) => p.value)).toEqual(['Primary', 'Secondary', 'Tertiary']);
      const limits = await conn.limits();
      expect(limits.DailyApiRequests?.Max).toBeGreaterThan(0);
      expect(conn.limitInfo?.apiUsage?.used).toBeGreaterThan(0);
    });
  });

  describe('SOQL query and queryMore', () => {
    it('pages through 10,000 contacts with nextRecordsUrl, every id once', async () => {
      const ids: string[] = [];
      let result = await conn.query<{ Id: string }>('SELECT Id, LastModifiedDate FROM Contact ORDER BY LastModifiedDate, Id');
      expect(result.totalSize).toBe(10_000);
      expect(result.records).toHaveLength(2000);
      let pages = 1;
      ids.push(...result.records.map((r) => r.Id));
      while (!result.done) {
        expect(result.nextRecordsUrl).toMatch(/\/services\/data\/v62\.0\/query\/01g\w+-\d+$/);
        result = await conn.queryMore<{ Id: string }>(result.nextRecordsUrl as string);
        ids.push(...result.records.map((r) => r.Id));
        pages += 1;
      }
      expect(pages).toBe(5);
      expect(ids).toHaveLength(10_000);
      expect(new Set(ids).size).toBe(10_000);
      expect(ids.every((id) => /^003[a-zA-Z0-9]{15}$/.test(id))).toBe(true);
    });

    it('honours Sforce-Query-Options batchSize and jsforce autoFetch', async () => {
      const first = await conn.request<{ records: unknown[]; nextRecordsUrl: string }>({
        method: 'GET',
        url: `/query?q=${encodeURIComponent('SELECT Id FROM Contact')}`,
        headers: { 'Sforce-Query-Options': 'batchSize=500' },
      });
      expect(first.records).toHaveLength(500);
      expect(first.nextRecordsUrl).toMatch(/-500$/);
      const all = await conn.query('SELECT Id FROM Contact').run({ autoFetch: true, maxFetch: 10_000 });
      expect(all.records).toHaveLength(10_000);
    });

    it('supports WHERE with comparison, IN, LIKE, NULL, AND/OR, relationship fields and LIMIT', async () => {
      const contacts = sim.data.all('Contact');
      const withAccount = contacts.find((c) => c.AccountId !== null);
      expect(withAccount).toBeDefined();
      const account = sim.data.get('Account', String(withAccount?.AccountId));
      const byId = await conn.query<{ Id: string; Account: { Name: string } | null }>(`SELECT Id, Email, Account.Name FROM Contact WHERE Id = '${withAccount?.Id}'`);
      expect(byId.records[0]?.Account?.Name).toBe(account?.Name);

      const noAccount = await conn.query('SELECT COUNT() FROM Contact WHERE AccountId = null');
      expect(noAccount.totalSize).toBe(contacts.filter((c) => c.AccountId === null).length);
      expect(noAccount.totalSize).toBeGreaterThan(0);

      const primaries = await conn.query('SELECT COUNT() FROM Contact WHERE Level__c IN (\'Primary\') AND AccountId != null');
      expect(primaries.totalSize).toBe(contacts.filter((c) => c.Level__c === 'Primary' && c.AccountId !== null).length);

      const likeQuery = await conn.query<{ Email: string }>("SELECT Email FROM Contact WHERE Email LIKE 'jane.%' OR Email LIKE 'john.%' ORDER BY Email DESC LIMIT 5");
      expect(likeQuery.records.length).toBeLessThanOrEqual(5);
      for (const r of likeQuery.records) expect(r.Email).toMatch(/^(jane|john)\./);
      const emails = likeQuery.records.map((r) => r.Email);
      expect([...emails].sort().reverse()).toEqual(emails);

      const cutoff = new Date(Date.now() - 5 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const recent = await conn.query(`SELECT COUNT() FROM Contact WHERE LastModifiedDate >= ${cutoff}`);
      expect(recent.totalSize).toBe(contacts.filter((c) => Date.parse(String(c.LastModifiedDate).replace('+0000', 'Z')) >= Date.parse(cutoff)).length);
    });

    it('parses escaped quotes and rejects malformed queries with Salesforce error codes', async () => {
      const created = await conn.sobject('Contact').create({ LastName: "O'Brien \\ Sons", Email: 'obrien@example.com' });
      const found = await conn.query<{ Id: string }>("SELECT Id FROM Contact WHERE LastName = 'O\\'Brien \\\\ Sons'");
      expect(found.records.map((r) => r.Id)).toEqual([created.id]);
      await expect(conn.query('SELECT Id FORM Contact')).rejects.toMatchObject({ errorCode: 'MALFORMED_QUERY' });
      await expect(conn.query('SELECT Id, Nope__c FROM Contact')).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
      await expect(conn.query("SELECT Id FROM Contact WHERE LastModifiedDate > '2024-01-01T00:00:00Z'")).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
      await expect(conn.query('SELECT Id FROM Widget')).rejects.toMatchObject({ errorCode: 'INVALID_TYPE' });
      await expect(conn.queryMore('01gUx9999999999AAA-2000')).rejects.toMatchObject({ errorCode: 'INVALID_QUERY_LOCATOR' });
    });
  });

  describe('sObject resources', () => {
    it('create, retrieve, update and destroy a Contact', async () => {
      const account = sim.data.all('Account')[0];
      const created = await conn.sobject('Contact').create({
        FirstName: 'Ada',
        LastName: 'Lovelace',
        Email: 'ada@example.com',
        AccountId: account?.Id,
        Level__c: 'Primary',
        Languages__c: 'English;French',
        ContactTestCustomField__c: 'x-1',
      });
      expect(created.success).toBe(true);
      expect(created.id).toMatch(/^003\w{15}$/);
      const record = await conn.sobject('Contact').retrieve(created.id as string);
      expect(record).toMatchObject({ Name: 'Ada Lovelace', Level__c: 'Primary', Languages__c: 'English;French', AccountId: account?.Id });
      expect(String(record.CreatedDate)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);

      const before = String(record.LastModifiedDate);
      await new Promise((r) => setTimeout(r, 5));
      const updated = await conn.sobject('Contact').update({ Id: created.id as string, FirstName: 'Augusta' });
      expect(updated.success).toBe(true);
      const after = await conn.sobject('Contact').retrieve(created.id as string, { fields: ['Name', 'LastModifiedDate'] });
      expect(after.Name).toBe('Augusta Lovelace');
      expect(String(after.LastModifiedDate) > before).toBe(true);
      expect(Object.keys(after)).toEqual(['attributes', 'Name', 'LastModifiedDate']);

      // 15-character ids work too.
      const short = await conn.sobject('Contact').retrieve((created.id as string).slice(0, 15));
      expect(short.Id).toBe(created.id);

      await conn.sobject('Contact').destroy(created.id as string);
      await expect(conn.sobject('Contact').retrieve(created.id as string)).rejects.toMatchObject({ errorCode: 'ENTITY_IS_DELETED' });
      await expect(conn.sobject('Contact').retrieve('003Ux0000ZZZZZZ')).rejects.toMatchObject({ errorCode: 'NOT_FOUND' });
      await expect(conn.sobject('Contact').retrieve('abc123')).rejects.toMatchObject({ errorCode: 'MALFORMED_ID' });
    });

    it('validates like Salesforce: email, required fields, picklists, lookups, read-only and unknown fields', async () => {
      const sobject = conn.sobject('Contact');
      await expect(sobject.create({ LastName: 'X', Email: 'not an email' })).rejects.toMatchObject({
        errorCode: 'INVALID_EMAIL_ADDRESS',
        message: 'Email: invalid email address: not an email',
        data: { fields: ['Email'] },
      });
      await expect(sobject.create({ FirstName: 'NoLast' })).rejects.toMatchObject({ errorCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [LastName]' });
      await expect(conn.sobject('Account').create({ Phone: '1' })).rejects.toMatchObject({ errorCode: 'REQUIRED_FIELD_MISSING', data: { fields: ['Name'] } });
      await expect(sobject.create({ LastName: 'X', Level__c: 'Quaternary' })).rejects.toMatchObject({ errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST' });
      await expect(sobject.create({ LastName: 'X', AccountId: '001Ux0000ZZZZZZ' })).rejects.toMatchObject({ errorCode: 'INVALID_CROSS_REFERENCE_KEY' });
      await expect(sobject.create({ LastName: 'X', CreatedDate: '2020-01-01T00:00:00Z' })).rejects.toMatchObject({ errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE' });
      await expect(sobject.create({ LastName: 'X', Shoe_Size__c: 9 })).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
      await expect(sobject.create({ LastName: 'X'.repeat(81) })).rejects.toMatchObject({ errorCode: 'STRING_TOO_LONG' });
    });

    it('duplicate rule on email answers DUPLICATES_DETECTED; alert rules let allowSave through', async () => {
      const existing = sim.data.all('Contact').find((c) => typeof c.Email === 'string');
      sim.control.setDuplicateRule('block');
      try {
        const response = await rawFetch(sim, conn, '/services/data/v62.0/sobjects/Contact', { method: 'POST', body: JSON.stringify({ LastName: 'Twin', Email: String(existing?.Email).toUpperCase() }) });
        expect(response.status).toBe(400);
        expect(response.body).toMatchObject([{ errorCode: 'DUPLICATES_DETECTED', duplicateResut: { matchResults: [{ matchRecords: [{ record: { Id: existing?.Id } }] }] } }]);
        await expect(conn.sobject('Contact').create({ LastName: 'Twin', Email: existing?.Email })).rejects.toMatchObject({ errorCode: 'DUPLICATES_DETECTED' });

        sim.control.setDuplicateRule('alert');
        await expect(conn.sobject('Contact').create({ LastName: 'Twin', Email: existing?.Email })).rejects.toMatchObject({ errorCode: 'DUPLICATES_DETECTED' });
        const allowed = await conn.sobject('Contact').create({ LastName: 'Twin', Email: existing?.Email }, { headers: { 'Sforce-Duplicate-Rule-Header': 'allowSave=true' } });
        expect(allowed.success).toBe(true);
      } finally {
        sim.control.setDuplicateRule('off');
      }
    });
  });

  describe('sObject Collections', () => {
    it('creates up to 200 per call with per-row partial failure (allOrNone false)', async () => {
      const rows = Array.from({ length: 200 }, (_, i) => ({ LastName: `Bulk ${i}`, Email: i % 50 === 7 ? 'broken-email' : `bulk.${i}@example.com`, ...(i === 99 ? { LastName: null } : {}) }));
      const results = await conn.sobject('Contact').create(rows);
      expect(results).toHaveLength(200);
      const failed = results.map((r, i) => (r.success ? null : i)).filter((i): i is number => i !== null);
      expect(failed).toEqual([7, 57, 99, 107, 157]);
      const failure = results[7];
      expect(failure?.success).toBe(false);
      if (failure && !failure.success) expect(failure.errors[0]).toMatchObject({ statusCode: 'INVALID_EMAIL_ADDRESS', fields: ['Email'] });
      const missing = results[99];
      if (missing && !missing.success) expect(missing.errors[0]).toMatchObject({ statusCode: 'REQUIRED_FIELD_MISSING', fields: ['LastName'] });
      const ok = results[0];
      expect(ok?.success && sim.data.get('Contact', String(ok.id))?.LastName).toBe('Bulk 0');
    });

    it('rejects more than 200 records and rolls everything back with allOrNone', async () => {
      const tooMany = Array.from({ length: 201 }, (_, i) => ({ LastName: `Over ${i}` }));
      await expect(conn.sobject('Contact').create(tooMany)).rejects.toMatchObject({ errorCode: 'EXCEEDED_ID_LIMIT' });

      const before = sim.data.count('Contact');
      const results = await conn.sobject('Contact').create([{ LastName: 'Good' }, { LastName: 'Bad', Email: 'nope' }], { allOrNone: true });
      expect(sim.data.count('Contact')).toBe(before);
      // Real Salesforce (and the simulator) say `statusCode` inside collections; jsforce's type says errorCode.
      expect(results.map((r) => (r.success ? 'ok' : (r.errors[0] as unknown as { statusCode: string } | undefined)?.statusCode))).toEqual(['ALL_OR_NONE_OPERATION_ROLLED_BACK', 'INVALID_EMAIL_ADDRESS']);
    });

    it('updates through PATCH /composite/sobjects and retrieves many ids', async () => {
      const [a, b] = sim.data.all('Contact');
      const results = await conn.sobject('Contact').update([
        { Id: String(a?.Id), Languages__c: 'Danish' },
        { Id: String(b?.Id), Email: 'bad@' },
      ]);
      expect(results.map((r) => r.success)).toEqual([true, false]);
      expect(sim.data.get('Contact', String(a?.Id))?.Languages__c).toBe('Danish');
      const fetched = await conn.sobject('Contact').retrieve([String(a?.Id), String(b?.Id)], { fields: ['Id', 'Languages__c'] });
      expect(fetched.map((r) => r.Id)).toEqual([a?.Id, b?.Id]);
    });
  });

  describe('sessions, limits and faults', () => {
    it('answers 401 INVALID_SESSION_ID once tokens expire', async () => {
      const own = await login(sim);
      sim.control.expireTokens();
      const response = await rawFetch(sim, own, '/services/data/v62.0/limits');
      expect(response.status).toBe(401);
      expect(response.body).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
      conn = await login(sim);
    });

    it('throttles with 429 + Retry-After and caps daily requests with 403 REQUEST_LIMIT_EXCEEDED', async () => {
      await sim.control.faults({ throttle: { everyNth: 1, retryAfterSeconds: 3, count: 1 } });
      const throttled = await rawFetch(sim, conn, '/services/data/v62.0/limits');
      expect(throttled.status).toBe(429);
      expect(throttled.headers.get('retry-after')).toBe('3');
      expect(throttled.body).toMatchObject([{ errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);

      await sim.control.faults({ dailyLimit: 0 });
      const capped = await rawFetch(sim, conn, '/services/data/v62.0/limits');
      expect(capped.status).toBe(403);
      expect(capped.body).toEqual([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
      await sim.control.faults({ dailyLimit: null });

      await sim.control.faults({ fail5xxNext: 1 });
      const down = await rawFetch(sim, conn, '/services/data/v62.0/limits');
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject([{ errorCode: 'SERVER_UNAVAILABLE' }]);
    });
  });
});

describe('Salesforce simulator data generation', () => {
  it('is deterministic per seed, links contacts to accounts and can share emails', async () => {
    const a = await startSalesforceSimulator({ records: 40, seed: 7, sharedEmails: 2 });
    const b = await startSalesforceSimulator({ records: 40, seed: 7, sharedEmails: 2 });
    try {
      const strip = (records: Array<Record<string, unknown>>) => records.map(({ CreatedDate: _c, LastModifiedDate: _m, SystemModstamp: _s, ...rest }) => rest);
      expect(strip(a.data.all('Contact'))).toEqual(strip(b.data.all('Contact')));
      expect(a.data.count('Account')).toBe(4);
      const contacts = a.data.all('Contact');
      expect(contacts[0]?.Email).toBe(contacts[1]?.Email);
      expect(contacts[2]?.Email).toBe(contacts[3]?.Email);
      expect(contacts[4]?.Email).not.toBe(contacts[5]?.Email);
      const accountIds = new Set(a.data.all('Account').map((r) => r.Id));
      for (const c of contacts) if (c.AccountId !== null) expect(accountIds.has(String(c.AccountId))).toBe(true);
      expect(contacts.some((c) => c.Level__c === 'Primary')).toBe(true);
      expect(a.subscriptionSettings).toMatchObject({ loginUrl: a.baseUrl, grantType: 'client_credentials', apiVersion: '62.0', contactPollDays: 7 });
      expect(a.connectionInfo).toMatchObject({ baseUrl: a.baseUrl, tokenUrl: `${a.baseUrl}/services/oauth2/token`, loginUrl: a.baseUrl, apiVersion: '62.0' });
    } finally {
      await a.close();
      await b.close();
    }
  });
});
