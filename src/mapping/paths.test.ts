import { describe, expect, it } from 'vitest';
import { formatExternalId, parseExternalId, parsePath } from './paths.js';

describe('paths and external ids', () => {
  it('custom field names keep spaces and dots', () => {
    expect(parsePath('CustomFields.iPaaS.com Company ID')).toEqual(['CustomFields', 'iPaaS.com Company ID']);
    expect(parsePath('parent.CustomFields.Gift Message')).toEqual(['parent', 'CustomFields', 'Gift Message']);
    expect(parsePath('Name.FirstName')).toEqual(['Name', 'FirstName']);
  });

  it('formats and parses the seed external-id formats', () => {
    const rec = { Id: '3f2504e0-4f89-11d3-9a0c-0305e82c3301', customer_no: '44552' };
    expect(formatExternalId('{{Id}}|contact', rec)).toBe('3f2504e0-4f89-11d3-9a0c-0305e82c3301|contact');
    expect(formatExternalId('{{customer_no}}', rec)).toBe('44552');
    expect(formatExternalId('{{customer_no}}|contact', rec)).toBe('44552|contact');
    expect(formatExternalId('{{Missing}}', rec)).toBeNull();
    expect(parseExternalId('{{Id}}|contact', '3f2504e0-4f89-11d3-9a0c-0305e82c3301|contact')).toEqual({ Id: '3f2504e0-4f89-11d3-9a0c-0305e82c3301' });
    expect(parseExternalId('{{customer_no}}|contact', '44552')).toBeNull();
    expect(parseExternalId('{{customer_no}}', '44552')).toEqual({ customer_no: '44552' });
  });
});
