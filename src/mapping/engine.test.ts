import { describe, expect, it } from 'vitest';
import { compileCollection, type MappingContext, type MappingResult } from './engine.js';
import { MappingCompileError } from './errors.js';
import { MappingCollectionCreate, type CollectionDefinition } from './schema.js';
import {
  bcContactToHub,
  bcUpdateCustomerFromHub,
  ninetyNineMindsCustomerAdd,
  ninetyNineMindsCustomerUpdate,
  type SeedCollection,
} from './fixtures/seeds.js';
import { shippedCollection } from './fixtures/shipped.js';
import { bcContact, fakeServices, hubCustomer, ninetyNineMindsCustomer, salesforceContact, SYSTEM_ID } from './fixtures/samples.js';

const SUB = '11111111-1111-4111-8111-111111111111';
const salesforceContactToHub = shippedCollection('sf-004-contact-to-hub');

function def(seed: SeedCollection): CollectionDefinition {
  return MappingCollectionCreate.parse({ subscriptionId: SUB, ...seed });
}

const ctx = (extra: Partial<MappingContext> = {}): MappingContext => ({ systemId: SYSTEM_ID, services: fakeServices(), ...extra });

async function run(seed: SeedCollection, source: unknown, extra: Partial<MappingContext> = {}): Promise<MappingResult> {
  return compileCollection(def(seed)).map(source, ctx(extra));
}

describe('seed 000: Update Customer FROM iPaaS', () => {
  it('maps a hub customer to the BC customer exactly, synchronously', () => {
    const compiled = compileCollection(def(bcUpdateCustomerFromHub));
    expect(compiled.isAsync).toBe(false);
    const result = compiled.map(hubCustomer, ctx());
    expect(result).not.toBeInstanceOf(Promise);
    expect(result).toEqual({
      status: 'mapped',
      errors: [],
      output: {
        No: 'C00042',
        Name: 'Jane Doe',
        Address: '1 Main St',
        CountryRegionCode: 'US',
        City: 'Seattle',
        County: 'WA',
        PostCode: '98101',
        PhoneNo: '+1 206 555 0100',
        EMail: 'jane.doe@example.com',
        CustomerPriceGroup: 'WHOLESALE',
        PaymentTermsCode: '10 DAYS',
      },
    });
  });

  it('without a primary billing address and categories, the address fields and price group are null', async () => {
    const r = await run(bcUpdateCustomerFromHub, { ...hubCustomer, Addresses: [], Categories: [] });
    expect(r.status).toBe('mapped');
    expect(r.output).toMatchObject({ Address: null, City: null, CustomerPriceGroup: null, PaymentTermsCode: '10 DAYS' });
  });

  it('scenario 2: missing email fails with an error naming record, field and source', async () => {
    const r = await run(bcUpdateCustomerFromHub, { ...hubCustomer, EmailAddress: null }, { recordRef: '153237', systemName: 'the hub' });
    expect(r.status).toBe('error');
    expect(r.errors).toHaveLength(1);
    const e = r.errors[0]!;
    expect(e).toMatchObject({ code: 'MAPPING_REQUIRED', field: 'EMail', mappingIndex: 8, retryable: false });
    expect(e.message).toContain('Customer 153237');
    expect(e.message).toContain('EMail is required');
    expect(e.message).toContain('source field EmailAddress is empty');
    expect(e.message).toContain(bcUpdateCustomerFromHub.name);
  });
});

describe('seed 001: Dynamics Contact Add/Update TO iPaaS', () => {
  const expected = {
    CustomFields: { 'Customer Type': 'Retail', 'Record Type': 'Contact', Role: 'Buyer', Active: 'true', 'iPaaS.com Company ID': 'hub-company-1' },
    CustomerNumber: 'CT000123',
    FirstName: 'Jane',
    LastName: 'Doe',
    EmailAddress: 'jane.doe@example.com',
    Company: 'Contoso Ltd',
    Addresses: [{ Address1: '1 Main St', Address2: 'Suite 5', City: 'Seattle', Region: 'WA', Country: 'US', PostalCode: '98101', PhoneNumber: '+1 206 555 0100' }],
  };

  it('maps a contact with custom fields, the company lookup and the address child', async () => {
    const compiled = compileCollection(def(bcContactToHub));
    expect(compiled.isAsync).toBe(true);
    expect(compiled.children[0]!.preventDuplicate).toBe(true);
    const r = await compiled.map(bcContact, ctx());
    expect(r).toEqual({ status: 'mapped', errors: [], output: expected });
  });

  it('no CompanyID_Contact → the company id custom field is empty ("otherwise returns empty")', async () => {
    const r = await run(bcContactToHub, { ...bcContact, CompanyID_Contact: null });
    expect((r.output.CustomFields as Record<string, unknown>)['iPaaS.com Company ID']).toBe('');
  });

  it('the filter skips companies and says why', async () => {
    const r = await run(bcContactToHub, { ...bcContact, Type: 'Company' });
    expect(r.status).toBe('filtered');
    expect(r.reason).toContain('Type == "Person" && RecordType == "Contact"');
    expect(r.reason).toContain('Customer 3f2504e0-4f89-11d3-9a0c-0305e82c3301|contact');
  });

  it('scenario 3: missing email → MAPPING_REQUIRED naming the record (external id format), field and source field', async () => {
    const r = await run(bcContactToHub, { ...bcContact, EMail: '' }, { systemName: 'Business Central' });
    expect(r.status).toBe('error');
    expect(r.errors[0]!.code).toBe('MAPPING_REQUIRED');
    expect(r.errors[0]!.message).toBe(
      'Customer 3f2504e0-4f89-11d3-9a0c-0305e82c3301|contact: EmailAddress is required but the mapping produced no value (source field EMail is empty). ' +
        'Fill EMail in Business Central or change the mapping in collection "Dynamics Contact Add/Update TO iPaaS".',
    );
  });

  it('ParentOnly: the same child over the parent wrapper is skipped by SourceTypeName != "ParentOnly"', async () => {
    const seed: SeedCollection = { ...bcContactToHub, children: [{ ...bcContactToHub.children![0]!, sourceList: 'ParentOnly' }] };
    const r = await run(seed, bcContact);
    expect(r.status).toBe('mapped');
    expect(r.output.Addresses).toBeUndefined();
  });

  it('the static PreventDuplicate sets the flag and writes no field', async () => {
    const r = await run(bcContactToHub, bcContact);
    expect((r.output.Addresses as Record<string, unknown>[])[0]).not.toHaveProperty('PreventDuplicate');
  });
});

describe('seed 003: 99minds customers TO iPaaS', () => {
  const common = {
    CustomFields: {
      '99minds Loyalty Points Synced': true,
      '99minds Loyalty Points Balance': 120,
      '99minds Loyalty Card ID': 'LC-77',
      '99minds Transaction Journal': 'EARN 50 on 2024-05-01; REDEEM 20 on 2024-05-09',
    },
    CustomerNumber: '99minds4711',
    FirstName: 'Ada',
    LastName: 'Lovelace',
    EmailAddress: 'ada@example.com',
  };

  it('add collection', async () => {
    const r = await run(ninetyNineMindsCustomerAdd, ninetyNineMindsCustomer);
    expect(r).toEqual({ status: 'mapped', errors: [], output: common });
  });

  it('update collection adds Company and Comment', async () => {
    const r = await run(ninetyNineMindsCustomerUpdate, ninetyNineMindsCustomer);
    expect(r).toEqual({ status: 'mapped', errors: [], output: { ...common, Company: 'Analytical Engines', Comment: 'VIP' } });
  });

  it('amount defaults to 0 and a missing email is an error', async () => {
    const r = await run(ninetyNineMindsCustomerAdd, { ...ninetyNineMindsCustomer, point_balance: null, email: null, points_transactions: null });
    expect(r.status).toBe('error');
    expect((r.output.CustomFields as Record<string, unknown>)['99minds Loyalty Points Balance']).toBe(0);
    expect(r.errors.map((e) => [e.code, e.field])).toEqual([['MAPPING_REQUIRED', 'EmailAddress']]);
    expect(r.errors[0]!.message).toContain('Customer 4711');
  });
});

describe('seed 004: Salesforce Contact TO iPaaS with Address and Relationships children', () => {
  it('maps the contact, the ParentOnly mailing address and the company relationship', async () => {
    const compiled = compileCollection(def(salesforceContactToHub));
    const pending = compiled.map(salesforceContact, ctx());
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toEqual({
      status: 'mapped',
      errors: [],
      output: {
        CustomerNumber: '003Ux00000ABcdEFGH',
        EmailAddress: 'maria.garcia@example.com',
        Company: '001Ux000ACC',
        FirstName: 'Maria',
        LastName: 'Garcia',
        CustomFields: { Languages: 'English;Spanish', ContactTestCustomField: 'demo' },
        Addresses: [{ Address1: '500 Market St', City: 'San Francisco', Region: 'CA', Country: 'US', PostalCode: '94105', IsPrimaryShipping: true }],
        Relationships: [{ Type: 'Company', StartDate: '2024-03-01T10:00:00.000Z', RelatedToId: 'hub-company-9', IsPrimary: true }],
      },
    });
  });

  it('contacts without an account are filtered', async () => {
    const r = await run(salesforceContactToHub, { ...salesforceContact, AccountId: null });
    expect(r.status).toBe('filtered');
    expect(r.reason).toContain('returned false');
  });

  it('empty mailing fields leave the address values unchanged (omitted), level other than Primary → not primary', async () => {
    const r = await run(salesforceContactToHub, { ...salesforceContact, MailingCity: '', MailingState: null, Level__c: 'Secondary' });
    expect(r.status).toBe('mapped');
    const address = (r.output.Addresses as Record<string, unknown>[])[0]!;
    expect(address).not.toHaveProperty('City');
    expect(address).not.toHaveProperty('Region');
    expect(address.Address1).toBe('500 Market St');
    expect((r.output.Relationships as Record<string, unknown>[])[0]!.IsPrimary).toBe(false);
  });

  it('an account not yet synced as a Company fails the record on the child field', async () => {
    const r = await run(salesforceContactToHub, { ...salesforceContact, AccountId: '001Ux000NEW' });
    expect(r.status).toBe('error');
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ code: 'MAPPING_REQUIRED', field: 'Relationships[0].RelatedToId', mappingIndex: 2 });
    expect(r.errors[0]!.collection).toBe('Add/Update Salesforce Contact TO iPaaS.com > Add/Update Salesforce Contact Relationships TO iPaaS.com');
    expect(r.errors[0]!.message).toContain('Customer 003Ux00000ABcdEFGH');
  });
});

const base: SeedCollection = {
  name: 'Test collection',
  hubModel: 'Customer',
  entity: 'contact',
  direction: 'TO_HUB',
  syncType: 'ADD_UPDATE',
  mappings: [],
};

describe('engine behaviour', () => {
  it('ParentOnly children see the parent fields directly, as Parent.X and as parent.X, with SourceTypeName "ParentOnly"', async () => {
    const seed: SeedCollection = {
      ...base,
      children: [
        {
          name: 'Billing',
          hubModel: 'Address',
          sourceList: 'ParentOnly',
          destinationList: 'Addresses',
          mappings: [
            { type: 'formula', source: 'FirstName', destination: 'FirstName' },
            { type: 'formula', source: 'Parent.LastName', destination: 'LastName' },
            { type: 'formula', source: 'parent.Company', destination: 'Company' },
            { type: 'formula', source: 'SourceTypeName', destination: 'Address3' },
            { type: 'field', source: 'Parent.City', destination: 'City' },
          ],
        },
      ],
    };
    const r = await run(seed, { FirstName: 'A', LastName: 'B', Company: 'C', City: 'D' });
    expect(r.output.Addresses).toEqual([{ FirstName: 'A', LastName: 'B', Company: 'C', Address3: 'ParentOnly', City: 'D' }]);
  });

  it('real children run per item with parent = the parent record, child filters skip items', async () => {
    const seed: SeedCollection = {
      ...base,
      children: [
        {
          name: 'Shipping',
          hubModel: 'Address',
          sourceList: 'Lines',
          destinationList: 'Addresses',
          filter: 'Kind == "ship"',
          mappings: [
            { type: 'field', source: 'Street', destination: 'Address1' },
            { type: 'formula', source: 'parent.Name + "/" + SourceTypeName', destination: 'Company' },
          ],
        },
      ],
    };
    const r = await run(seed, { Name: 'P', Lines: [{ Kind: 'ship', Street: 'x' }, { Kind: 'bill', Street: 'y' }, { Kind: 'ship', Street: 'z' }] });
    expect(r.output.Addresses).toEqual([
      { Address1: 'x', Company: 'P/Address' },
      { Address1: 'z', Company: 'P/Address' },
    ]);
  });

  it('a formula runtime error names the mapping, field and record and fails the record', async () => {
    const seed: SeedCollection = {
      ...base,
      mappings: [
        { type: 'field', source: 'Email', destination: 'EmailAddress' },
        { type: 'formula', source: 'LastName.ToUpper()', destination: 'LastName' },
      ],
    };
    const r = await run(seed, { Id: 'c-1', Email: 'a@b.c', LastName: null });
    expect(r.status).toBe('error');
    expect(r.errors).toHaveLength(1);
    const e = r.errors[0]!;
    expect(e).toMatchObject({ code: 'MAPPING_FORMULA', field: 'LastName', mappingIndex: 1, collection: 'Test collection' });
    expect(e.formulaCode).toMatch(/^FORMULA_/);
    expect(e.message).toContain('Customer c-1');
    expect(e.message).toContain('mapping #2 → LastName');
    expect(e.message).toContain('Test collection');
    expect(r.output.EmailAddress).toBe('a@b.c');
  });

  it('collects every compile error with its destination and position', () => {
    const seed: SeedCollection = {
      ...base,
      filter: 'Type == ',
      mappings: [
        { type: 'formula', source: 'FirstName +', destination: 'FirstName' },
        { type: 'field', source: 'Ok', destination: 'LastName' },
        { type: 'formula', source: 'if (x) { return 1', destination: 'CustomFields.Broken One' },
      ],
      children: [{ name: 'Kids', hubModel: 'Address', sourceList: 'L', destinationList: 'Addresses', mappings: [{ type: 'formula', source: '"unterminated', destination: 'City' }] }],
    };
    let caught: unknown;
    try {
      compileCollection(def(seed));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(MappingCompileError);
    const err = caught as MappingCompileError;
    expect(err.code).toBe('MAPPING_COMPILE');
    const destinations = new Set(err.issues.map((i) => i.destination));
    expect(destinations).toEqual(new Set(['FirstName', 'CustomFields.Broken One', '(filter)', 'City']));
    for (const i of err.issues) {
      expect(i.line).toBeGreaterThanOrEqual(1);
      expect(i.column).toBeGreaterThanOrEqual(1);
    }
    expect(err.issues.find((i) => i.destination === 'City')!.path).toBe('Test collection > Kids > City > formula');
    expect(err.message).toContain('Test collection > FirstName > formula');
  });

  it('error filter: a string is the message, true flags, null passes; not retryable', async () => {
    const seed: SeedCollection = { ...base, errorFilter: 'if (Email == null) return "Contact has no email address"; return null;', mappings: [{ type: 'field', source: 'Email', destination: 'EmailAddress' }] };
    const bad = await run(seed, { Id: 'x1', Email: null });
    expect(bad.status).toBe('error');
    expect(bad.errors[0]).toMatchObject({ code: 'MAPPING_ERROR_FILTER', retryable: false });
    expect(bad.errors[0]!.message).toContain('Contact has no email address');
    expect((await run(seed, { Id: 'x1', Email: 'a@b.c' })).status).toBe('mapped');
    const flagged = await run({ ...seed, errorFilter: 'Email == "blocked@example.com"' }, { Email: 'blocked@example.com' });
    expect(flagged.errors[0]!.code).toBe('MAPPING_ERROR_FILTER');
  });

  it('lookups translate through the subscription tables; missing translation is an actionable error; defaults apply', async () => {
    const seed: SeedCollection = {
      ...base,
      mappings: [
        { type: 'lookup', source: 'Country', translationTable: 'Country', destination: 'CustomFields.Country Code' },
        { type: 'lookup', source: 'Country', translationTable: 'Country', destination: 'CustomFields.Country Or Default', defaultValue: 'ZZ' },
      ],
    };
    expect((await run(seed, { Country: 'Canada' })).output).toEqual({ CustomFields: { 'Country Code': 'CA', 'Country Or Default': 'CA' } });
    const r = await run(seed, { Country: 'Atlantis' });
    expect(r.status).toBe('error');
    expect(r.errors.map((e) => e.code)).toEqual(['MAPPING_TRANSLATION_MISSING']);
    expect(r.output).toEqual({ CustomFields: { 'Country Or Default': 'ZZ' } });
  });

  it('nested destination paths and defaults', async () => {
    const seed: SeedCollection = {
      ...base,
      mappings: [
        { type: 'field', source: 'a.b', destination: 'X.Y' },
        { type: 'field', source: 'missing', destination: 'Z', defaultValue: 0 },
      ],
    };
    expect((await run(seed, { a: { b: 1 } })).output).toEqual({ X: { Y: 1 }, Z: 0 });
  });

  it('trace only when asked', async () => {
    const compiled = compileCollection(def(bcUpdateCustomerFromHub));
    const plain = compiled.map(hubCustomer, ctx()) as MappingResult;
    expect(plain.trace).toBeUndefined();
    const traced = compiled.map(hubCustomer, ctx({ trace: true })) as MappingResult;
    expect(traced.trace).toHaveLength(11);
    expect(traced.trace![1]).toMatchObject({ destination: 'Name', type: 'formula', formula: 'FirstName + " " + LastName', output: 'Jane Doe' });
    expect(traced.trace![8]).toMatchObject({ destination: 'EMail', type: 'field', sourceValue: 'jane.doe@example.com' });
    expect(typeof traced.trace![0]!.micros).toBe('number');
  });
});
