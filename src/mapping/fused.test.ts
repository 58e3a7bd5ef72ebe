import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileCollection, MappingCollectionCreate, type CompiledCollection, type MappingContext, type MappingResult } from './index.js';
import { runCollectionFused, runCollectionRegular } from './executor.js';
import * as seeds from './fixtures/seeds.js';
import { bcContact, fakeServices, hubCustomer, ninetyNineMindsCustomer, salesforceContact, SYSTEM_ID } from './fixtures/samples.js';
import { listTemplates } from './templates/index.js';
import type { MappingCollectionCreateInput } from './schema.js';

/**
 * The fused fast path must give exactly the regular path's MappingResult (status, output incl. key
 * order, errors, messages) on every record: it either maps the record itself or falls back.
 */

type Def = Omit<MappingCollectionCreateInput, 'subscriptionId'>;
const compile = (d: Def): CompiledCollection => compileCollection(MappingCollectionCreate.parse({ subscriptionId: SYSTEM_ID, ...d }));
const ctx = (extra: Partial<MappingContext> = {}): MappingContext => ({ systemId: SYSTEM_ID, services: fakeServices(), ...extra });

const seedDefs: [string, Def][] = Object.entries(seeds).map(([k, v]) => [`seed ${k}`, v as Def]);
const templateDefs: [string, Def][] = listTemplates().map((t) => [`template ${t.key}`, t.collection]);

/** Extra collections covering what the seeds do not: defaults, empty-leaves-unchanged, nested paths, filters, statements. */
const synthetic: [string, Def][] = [
  [
    'synthetic: defaults, unchanged, nested, statics',
    {
      name: 'Synthetic A',
      hubModel: 'Customer',
      entity: 'customer',
      direction: 'FROM_HUB',
      syncType: 'ADD_UPDATE',
      externalIdFormat: '{{No}}',
      triggers: ['update'],
      mappings: [
        { type: 'field', source: 'CustomerNumber', destination: 'No', required: true },
        { type: 'field', source: 'FirstName', destination: 'Name', defaultValue: 'Unknown' },
        { type: 'field', source: 'LastName', destination: 'Surname', emptyLeavesUnchanged: true },
        { type: 'field', source: 'CustomFields.Tier', destination: 'CustomFields.Tier Level' },
        { type: 'formula', source: 'FirstMatch(Addresses, "IsPrimaryShipping == true")', destination: 'Ship' },
        { type: 'formula', source: 'FieldFromFirstMatch(Addresses, "IsPrimaryShipping == true", "City")', destination: 'Ship.City' },
        { type: 'formula', source: 'if (Categories != null && Categories.Count > 1) return Categories[1].Name; return "";', destination: 'Second', emptyLeavesUnchanged: true },
        { type: 'formula', source: 'Addresses.FirstOrDefault(a => a.IsPrimaryBilling == true)?.City', destination: 'BillCity' },
        { type: 'formula', source: 'Truncate(EmailAddress, 5)', destination: 'Short' },
        { type: 'static', source: '', destination: 'Blank' },
        { type: 'static', source: 7, destination: 'Seven' },
        { type: 'field', source: 'CustomerNumber', destination: 'No' },
      ],
    },
  ],
  [
    'synthetic: filter and error filter',
    {
      name: 'Synthetic B',
      hubModel: 'Customer',
      entity: 'customer',
      direction: 'TO_HUB',
      syncType: 'ADD_UPDATE',
      externalIdFormat: '{{CustomerNumber}}',
      triggers: ['update'],
      filter: 'FirstName != "Li"',
      errorFilter: 'LastName == "Berg" ? "Berg is not allowed" : null',
      mappings: [
        { type: 'formula', source: 'FirstName.ToUpper()', destination: 'Upper', required: true },
        { type: 'formula', source: 'FieldFromFirstMatch(Addresses, "IsPrimaryBilling == true", "PostalCode") ?? "none"', destination: 'Zip' },
        { type: 'formula', source: 'FieldFromFirstMatch(Addresses, "IsPrimaryBilling == true", "Region")', destination: 'Region', required: true },
        { type: 'formula', source: 'DateTime.Parse("2024-05-01").AddDays(1)', destination: 'When' },
        { type: 'formula', source: 'GetValueFromCustomField(CustomFields, "Tier")', destination: 'Tier' },
      ],
    },
  ],
];

const all: [string, Def][] = [...seedDefs, ...templateDefs, ...synthetic];

const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;

/** Deterministic hub-customer-like records with the usual variations. */
function generated(n: number): unknown[] {
  let s = 7;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const addresses = Array.from({ length: Math.floor(rnd() * 4) }, (_, a) => ({
      Address1: pick(rnd, ['1 Main St', '', null, 'x']),
      City: pick(rnd, ['Seattle', 'Tacoma', '', null]),
      Region: pick(rnd, ['WA', null]),
      PostalCode: pick(rnd, ['98101', '', 98101]),
      Country: 'US',
      PhoneNumber: '+1',
      IsPrimaryBilling: pick(rnd, [true, false, a === 0, 'true', null]),
      IsPrimaryShipping: a === 0,
    }));
    out.push({
      CustomerNumber: pick(rnd, [`C${i}`, '', null, i]),
      FirstName: pick(rnd, ['Jane', 'Li', 'Ada', '', null, 5]),
      LastName: pick(rnd, ['Doe', 'Berg', '', null]),
      EmailAddress: pick(rnd, ['a@b.c', '', null, 'x']),
      Addresses: pick(rnd, [addresses, addresses, addresses, null, 'not a list', [null, 3]]),
      Categories: pick(rnd, [[], [{ Name: 'VIP' }], [{ Name: 'A' }, { Name: 'B' }], null, [null], 12]),
      CustomFields: pick(rnd, [{ Tier: 'Gold' }, {}, null, [{ Name: 'Tier', Value: 'Silver' }]]),
      id: i,
      name: pick(rnd, ['Ada Lovelace', '', null]),
      email: pick(rnd, ['ada@example.com', null]),
      Type: pick(rnd, ['Person', 'Company']),
      RecordType: 'Contact',
    });
  }
  return out;
}

const edge: unknown[] = [
  hubCustomer,
  bcContact,
  ninetyNineMindsCustomer,
  salesforceContact,
  {},
  null,
  undefined,
  42,
  'text',
  [],
  [hubCustomer],
  { ...hubCustomer, Addresses: [] },
  { ...hubCustomer, Addresses: undefined },
  { ...hubCustomer, Addresses: [{ IsPrimaryBilling: false }] },
  { ...hubCustomer, Addresses: { IsPrimaryBilling: true } },
  { ...hubCustomer, Addresses: [{ IsPrimaryBilling: true, City: { nested: 1 }, Address1: ['a'] }] },
  { ...hubCustomer, Categories: 'VIP' },
  { ...hubCustomer, Categories: [{}] },
  { ...hubCustomer, FirstName: { toJSON: 'x' }, LastName: ['a'] },
  { ...hubCustomer, CustomerNumber: null, EmailAddress: '' },
  { ...hubCustomer, constructor: 'c', __proto__: { FirstName: 'inherited' } },
  Object.assign(Object.create(null), hubCustomer),
  { ...hubCustomer, Addresses: [Object.assign(Object.create({ City: 'inherited', Country: 'XX' }), { IsPrimaryBilling: true, Region: 'own' })] },
  { ...hubCustomer, Addresses: [Object.assign(Object.create(null), { IsPrimaryBilling: true, City: 'null-proto' })] },
  { ...hubCustomer, Addresses: [{ IsPrimaryBilling: true, City: undefined, Country: () => 'fn', Region: 'WA' }] },
  { ...hubCustomer, Addresses: [['IsPrimaryBilling'], { IsPrimaryBilling: true, City: 'second' }] },
];

async function settle(r: MappingResult | Promise<MappingResult>): Promise<MappingResult> {
  return r instanceof Promise ? r : r;
}

async function same(c: CompiledCollection, record: unknown, context: MappingContext): Promise<void> {
  let regular: MappingResult | undefined;
  let regularError: unknown;
  let fast: MappingResult | undefined;
  let fastError: unknown;
  try {
    regular = await settle(runCollectionRegular(c, record, context));
  } catch (e) {
    regularError = e;
  }
  try {
    fast = await settle(c.map(record, context));
  } catch (e) {
    fastError = e;
  }
  expect(fastError).toEqual(regularError);
  expect(fast).toStrictEqual(regular);
  expect(JSON.stringify(fast)).toBe(JSON.stringify(regular));
}

describe('fused fast path', () => {
  it('is used by synchronous collections without children or lookups (seed 000 among them)', () => {
    const c = compile(seeds.bcUpdateCustomerFromHub);
    expect(c.fused).not.toBeNull();
    const r = runCollectionFused(c, hubCustomer, ctx());
    expect(r?.status).toBe('mapped');
    expect(r?.output).toStrictEqual((runCollectionRegular(c, hubCustomer, ctx()) as MappingResult).output);
    for (const [, d] of synthetic) expect(compile(d).fused).not.toBeNull();
  });

  it('finds the primary billing address once per record', () => {
    const code = compile(seeds.bcUpdateCustomerFromHub).fused?.code ?? '';
    expect(code.match(/function F\d+\(c, list\)/g)).toHaveLength(1);
    expect(code).not.toMatch(/function m\d+\(c, list\)/);
    expect(code).not.toMatch(/constructor|__proto__|prototype|globalThis|process/);
  });

  it('falls back on errors, empty required values, error filters and filters', () => {
    const c = compile(synthetic[1]?.[1] as Def);
    const base = { ...hubCustomer, FirstName: 'Jane', LastName: 'Doe' };
    expect(runCollectionFused(c, base, ctx())).not.toBeNull();
    expect(runCollectionFused(c, { ...base, FirstName: 'Li' }, ctx())).toBeNull();
    expect(runCollectionFused(c, { ...base, LastName: 'Berg' }, ctx())).toBeNull();
    expect(runCollectionFused(c, { ...base, FirstName: null }, ctx())).toBeNull();
    expect(runCollectionFused(c, { ...base, Addresses: 'x' }, ctx())).toBeNull();
    expect(runCollectionFused(c, { ...base, Addresses: [] }, ctx())).toBeNull();
  });

  it('records that are not plain data and a polluted Object.prototype take the regular path', async () => {
    const c = compile(seeds.bcUpdateCustomerFromHub);
    class Customer {
      FirstName = 'Own';
    }
    Object.assign(Customer.prototype, { LastName: 'Inherited' });
    expect(runCollectionFused(c, new Customer(), ctx())).toBeNull();
    await same(c, new Customer(), ctx());
    const proto = Object.prototype as Record<string, unknown>;
    proto.LastName = 'Polluted';
    try {
      expect(runCollectionFused(c, hubCustomer, ctx())).toBeNull();
      await same(c, { ...hubCustomer, LastName: undefined }, ctx());
    } finally {
      delete proto.LastName;
    }
    proto.City = 'Polluted';
    try {
      expect(runCollectionFused(c, hubCustomer, ctx())).toBeNull();
      await same(c, { ...hubCustomer, Addresses: [{ IsPrimaryBilling: true }] }, ctx());
    } finally {
      delete proto.City;
    }
    expect(runCollectionFused(c, hubCustomer, ctx())).not.toBeNull();
  });

  it('trace mode always takes the regular path', async () => {
    const c = compile(seeds.bcUpdateCustomerFromHub);
    const r = await settle(c.map(hubCustomer, ctx({ trace: true })));
    expect(r.trace?.length).toBeGreaterThan(0);
    const regular = (await settle(runCollectionRegular(c, hubCustomer, ctx({ trace: true })))) as MappingResult;
    const noMicros = (x: MappingResult) => ({ ...x, trace: x.trace?.map((t) => ({ ...t, micros: 0 })) });
    expect(noMicros(r)).toStrictEqual(noMicros(regular));
  });

  it('respects step limits (over the limit: the regular path reports it)', async () => {
    const c = compile(seeds.bcUpdateCustomerFromHub);
    const many = { ...hubCustomer, Addresses: Array.from({ length: 50 }, () => ({ IsPrimaryBilling: false })) };
    await same(c, many, ctx({ limits: { maxSteps: 10 } }));
    await same(c, many, ctx({ limits: { maxSteps: 1000 } }));
  });

  const records = [...edge, ...generated(300)];
  for (const [name, d] of all) {
    it(`${name}: identical results on generated and edge-case records`, async () => {
      const c = compile(d);
      const context = ctx({ variables: { Region: 'WA' } });
      for (const r of records) await same(c, r, context);
      for (const r of records.slice(0, 40)) await same(c, r, ctx({ parent: hubCustomer }));
    });
  }

  it('property: random records give identical results on both paths', async () => {
    const keys = ['CustomerNumber', 'FirstName', 'LastName', 'EmailAddress', 'Addresses', 'Categories', 'CustomFields', 'id', 'name', 'email', 'Type'];
    const scalar = fc.oneof(fc.constant(null), fc.string({ maxLength: 6 }), fc.constantFrom('', 'true', 'Li', 'Berg'), fc.integer(), fc.double(), fc.boolean());
    const address = fc.dictionary(fc.constantFrom('IsPrimaryBilling', 'IsPrimaryShipping', 'Address1', 'City', 'Region', 'PostalCode', 'Country', 'PhoneNumber', 'Name', 'constructor'), scalar, { maxKeys: 6 });
    const value = fc.oneof(scalar, fc.array(fc.oneof(address, scalar), { maxLength: 4 }), address);
    const record = fc.oneof(fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: keys.length }), scalar);
    const compiled = all.map(([, d]) => compile(d)).filter((c) => c.fused !== null);
    expect(compiled.length).toBeGreaterThan(3);
    await fc.assert(
      fc.asyncProperty(record, async (r) => {
        for (const c of compiled) await same(c, r, ctx());
      }),
      { numRuns: 300 },
    );
  });
});
