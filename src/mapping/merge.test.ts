import { describe, expect, it } from 'vitest';
import { compileCollection } from './engine.js';
import { mergeIntoExisting } from './merge.js';
import { MappingCollectionCreate } from './schema.js';
import { bcContactToHub, type SeedCollection } from './fixtures/seeds.js';
import { shippedCollection } from './fixtures/shipped.js';

const SUB = '11111111-1111-4111-8111-111111111111';
const salesforceContactToHub = shippedCollection('sf-004-contact-to-hub');
const compile = (seed: SeedCollection) => compileCollection(MappingCollectionCreate.parse({ subscriptionId: SUB, ...seed }));

describe('mergeIntoExisting', () => {
  const existing = {
    CustomerNumber: '003A',
    FirstName: 'Old',
    LastName: 'Name',
    Comment: 'kept: not mapped',
    CustomFields: { Languages: 'German', Legacy: 'keep me' },
    Addresses: [
      { Address1: 'Old St 1', City: 'Oldtown', Region: 'CA', Country: 'US', PostalCode: '90000', IsPrimaryShipping: true },
      { Address1: 'Billing 2', City: 'Elsewhere', IsPrimaryBilling: true },
    ],
    Relationships: [{ Type: 'Company', RelatedToId: 'hub-company-9', IsPrimary: false, StartDate: '2020-01-01' }],
  };

  it('overwrites mapped top-level fields, keeps unmapped ones, merges CustomFields by key, updates children by matchOn', () => {
    const compiled = compile(salesforceContactToHub);
    const output = {
      CustomerNumber: '003A',
      FirstName: 'Maria',
      LastName: null,
      CustomFields: { Languages: 'English' },
      Addresses: [{ Address1: '500 Market St', PostalCode: '94105', IsPrimaryShipping: true }],
      Relationships: [{ Type: 'Company', RelatedToId: 'hub-company-9', IsPrimary: true, StartDate: '2024-03-01' }],
    };
    const before = structuredClone(existing);
    const merged = mergeIntoExisting(existing, output, compiled);
    expect(existing).toEqual(before);
    expect(merged).toEqual({
      CustomerNumber: '003A',
      FirstName: 'Maria',
      LastName: null,
      Comment: 'kept: not mapped',
      CustomFields: { Languages: 'English', Legacy: 'keep me' },
      Addresses: [
        { Address1: '500 Market St', City: 'Oldtown', Region: 'CA', Country: 'US', PostalCode: '94105', IsPrimaryShipping: true },
        { Address1: 'Billing 2', City: 'Elsewhere', IsPrimaryBilling: true },
      ],
      Relationships: [{ Type: 'Company', RelatedToId: 'hub-company-9', IsPrimary: true, StartDate: '2024-03-01' }],
    });
  });

  it('emptyLeavesUnchanged destinations ignore empty values even if present in the output', () => {
    const compiled = compile(salesforceContactToHub);
    const merged = mergeIntoExisting(existing, { Addresses: [{ Address1: '', City: null, IsPrimaryShipping: true }] }, compiled);
    expect((merged.Addresses as unknown[])[0]).toEqual(existing.Addresses[0]);
  });

  it('appends children that match nothing; with no existing record the output is the record', () => {
    const compiled = compile(salesforceContactToHub);
    const merged = mergeIntoExisting(existing, { Relationships: [{ Type: 'Company', RelatedToId: 'hub-company-2' }] }, compiled);
    expect(merged.Relationships).toHaveLength(2);
    expect(mergeIntoExisting(null, { A: 1 }, compiled)).toEqual({ A: 1 });
  });

  it('preventDuplicate skips a child equal to an existing one and appends a different one', () => {
    const compiled = compile(bcContactToHub);
    const current = { Addresses: [{ Address1: '1 Main St', City: 'Seattle', Country: 'US', Id: 'a1' }] };
    const same = mergeIntoExisting(current, { Addresses: [{ Address1: '1 Main St', City: 'Seattle', Country: 'US', Region: null }] }, compiled);
    expect(same.Addresses).toEqual(current.Addresses);
    const other = mergeIntoExisting(current, { Addresses: [{ Address1: '2 Side St', City: 'Seattle' }] }, compiled);
    expect(other.Addresses).toHaveLength(2);
  });

  it('without preventDuplicate an equal child is appended', () => {
    const seed: SeedCollection = { ...bcContactToHub, children: [{ ...bcContactToHub.children![0]!, mappings: bcContactToHub.children![0]!.mappings.slice(0, 7) }] };
    const compiled = compile(seed);
    const current = { Addresses: [{ Address1: '1 Main St' }] };
    expect(mergeIntoExisting(current, { Addresses: [{ Address1: '1 Main St' }] }, compiled).Addresses).toHaveLength(2);
  });
});
