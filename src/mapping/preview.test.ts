import { describe, expect, it } from 'vitest';
import { previewCollection } from './preview.js';
import { bcContactToHub } from './fixtures/seeds.js';
import { bcContact, fakeServices, SYSTEM_ID } from './fixtures/samples.js';

describe('previewCollection', () => {
  const context = { systemId: SYSTEM_ID, services: fakeServices() };

  it('returns output and a per-field trace, including the child collection and filters', async () => {
    const r = await previewCollection(bcContactToHub, bcContact, context);
    expect(r.status).toBe('mapped');
    expect(r.errors).toEqual([]);
    expect(r.output.EmailAddress).toBe('jane.doe@example.com');
    expect(r.trace[0]).toMatchObject({ type: 'filter', destination: '(filter)', output: true });
    const company = r.trace.find((t) => t.destination === 'CustomFields.iPaaS.com Company ID')!;
    expect(company).toMatchObject({ type: 'formula', output: 'hub-company-1' });
    expect(r.trace.find((t) => t.destination === 'Addresses[0].Address1')).toMatchObject({ type: 'field', source: 'Address', sourceValue: '1 Main St', output: '1 Main St' });
  });

  it('returns compile errors as errors instead of throwing', async () => {
    const broken = { ...bcContactToHub, mappings: [...bcContactToHub.mappings, { type: 'formula', source: 'FirstName +', destination: 'Comment' }] };
    const r = await previewCollection(broken, bcContact, context);
    expect(r.status).toBe('error');
    expect(r.errors[0]).toMatchObject({ code: 'MAPPING_COMPILE', field: 'Comment', mappingIndex: 10 });
    expect(r.errors[0]!.line).toBe(1);
  });

  it('returns schema problems as MAPPING_INVALID', async () => {
    const r = await previewCollection({ ...bcContactToHub, direction: 'SIDEWAYS', bogus: 1 }, bcContact, context);
    expect(r.status).toBe('error');
    expect(r.errors.every((e) => e.code === 'MAPPING_INVALID')).toBe(true);
    expect(r.errors.length).toBeGreaterThanOrEqual(2);
  });
});
