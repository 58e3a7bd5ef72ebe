import { describe, expect, it } from 'vitest';
import { compileCollection } from '../engine.js';
import { MappingCollectionCreate } from '../schema.js';
import { listTemplates } from './index.js';

const SUB = '00000000-0000-4000-8000-000000000001';

describe('mapping templates', () => {
  it('every template is a valid collection whose formulas compile', () => {
    for (const t of listTemplates()) {
      const parsed = MappingCollectionCreate.safeParse({ ...t.collection, subscriptionId: SUB });
      expect(parsed.success, `${t.key}: ${parsed.success ? '' : parsed.error.message}`).toBe(true);
      if (parsed.success) expect(() => compileCollection(parsed.data), t.key).not.toThrow();
    }
  });

  it('keys are unique and names are unique per system and direction', () => {
    const all = listTemplates();
    expect(new Set(all.map((t) => t.key)).size).toBe(all.length);
    expect(new Set(all.map((t) => `${t.system}|${t.collection.direction}|${t.collection.name}`)).size).toBe(all.length);
  });

  it('ships every seed collection', () => {
    expect(listTemplates('business-central').map((t) => t.seed)).toEqual(expect.arrayContaining(['000', '001', '002']));
    expect(listTemplates('salesforce').map((t) => t.seed)).toContain('004');
    expect(listTemplates('ninety-nine-minds').map((t) => t.seed)).toContain('003');
  });
});
