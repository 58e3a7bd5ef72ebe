import { describe, expect, it } from 'vitest';
import { cloneCollection, reverseCloneCollection } from './clone.js';
import { MappingCollectionCreate, type CollectionDefinition } from './schema.js';
import { bcContactToHub } from './fixtures/seeds.js';
import { shippedCollection } from './fixtures/shipped.js';

const SUB = '11111111-1111-4111-8111-111111111111';
const salesforceContactToHub = shippedCollection('sf-004-contact-to-hub');
const stored = (): CollectionDefinition => ({ ...MappingCollectionCreate.parse({ subscriptionId: SUB, ...bcContactToHub }), id: '22222222-2222-4222-8222-222222222222', version: 3 });

describe('clone', () => {
  it('copies everything but identity, with a new name, disabled', () => {
    const src = stored();
    const copy = cloneCollection(src, { name: 'Copy of contacts' });
    expect(copy).not.toHaveProperty('id');
    expect(copy).not.toHaveProperty('version');
    expect(copy.name).toBe('Copy of contacts');
    expect(copy.enabled).toBe(false);
    expect(copy.direction).toBe('TO_HUB');
    expect(copy.mappings).toEqual(src.mappings);
    copy.mappings[0]!.destination = 'changed';
    expect(src.mappings[0]!.destination).toBe('CustomFields.Customer Type');
    expect(MappingCollectionCreate.safeParse(copy).success).toBe(true);
  });
});

describe('reverse clone', () => {
  it('swaps direction and field mappings; flags statics, formulas and lookups for review', () => {
    const { collection, review } = reverseCloneCollection(stored());
    expect(collection.direction).toBe('FROM_HUB');
    expect(collection.name).toBe('Dynamics Contact Add/Update FROM iPaaS');
    expect(collection.enabled).toBe(false);
    expect(collection.mappings[0]).toEqual({ type: 'field', source: 'CustomFields.Customer Type', destination: 'Customer Type' });
    expect(collection.mappings[5]).toEqual({ type: 'field', source: 'CustomerNumber', destination: 'No', required: true });
    const formula = collection.mappings[3]!;
    expect(formula).toMatchObject({ type: 'formula', destination: 'CustomFields.Active', needsReview: true });
    expect(formula.reviewReason).toContain('cannot be inverted');
    const child = collection.children[0]!;
    expect(child.mappings[0]).toEqual({ type: 'field', source: 'Address1', destination: 'Address' });
    expect(child.mappings[7]).toEqual({ type: 'static', source: true, destination: 'PreventDuplicate' });
    expect(review.map((r) => r.path)).toEqual(
      expect.arrayContaining([
        'Dynamics Contact Add/Update TO iPaaS > CustomFields.Active',
        'Dynamics Contact Add/Update TO iPaaS > EmailAddress',
        'Dynamics Contact Add/Update TO iPaaS > filter',
        'Dynamics Contact Add/Update TO iPaaS > Contact Address Add/Update To iPaaS.com > filter',
      ]),
    );
    expect(MappingCollectionCreate.safeParse(collection).success).toBe(true);
  });

  it('flags ParentOnly children and statics in children', () => {
    const src = MappingCollectionCreate.parse({ subscriptionId: SUB, ...salesforceContactToHub });
    const { collection, review } = reverseCloneCollection(src, { name: 'Reverse SF' });
    expect(collection.name).toBe('Reverse SF');
    expect(collection.children[0]!.sourceList).toBe('Addresses');
    expect(review.some((r) => r.reason.includes('ParentOnly'))).toBe(true);
    expect(collection.children[0]!.mappings[5]).toMatchObject({ type: 'static', needsReview: true });
  });
});
