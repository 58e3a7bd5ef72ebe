import { describe, expect, it } from 'vitest';
import { createFusedProgram, FormulaSyntaxError } from './index.js';

const FAILED = Symbol('failed');

/** A fused program returning the listed formulas' values as an array. */
function fuse(sources: string[]) {
  const p = createFusedProgram();
  const parts = sources.map((s) => p.formula(s));
  return { parts, run: p.build(`return [${parts.map((c) => c ?? 'null').join(', ')}];`, FAILED) };
}

describe('fused programs', () => {
  it('inline formulas and give the same values as compiled formulas', () => {
    const { run } = fuse(['FirstName + " " + LastName', 'if (Age > 17) return "adult"; return "minor";', 'Items.Where(x => x > 1).Count()']);
    expect(run({ FirstName: 'Ada', LastName: null, Age: 20, Items: [1, 2, 3] }, {})).toEqual(['Ada ', 'adult', 2]);
    expect(run({ Age: 3, Items: [] }, {})).toEqual([' ', 'minor', 0]);
  });

  it('find the first match once per record for the same list and condition', () => {
    const { run } = fuse([
      'FieldFromFirstMatch(Addresses, "IsPrimaryBilling == true", "City")',
      'FieldFromFirstMatch(Addresses, "IsPrimaryBilling == true", "Country")',
      'FirstMatch(Addresses, "IsPrimaryBilling == true")',
      'FieldFromFirstMatch(Addresses, "IsPrimaryShipping == true", "City")',
    ]);
    expect(run.code.match(/function F\d+\(c, list\)/g)).toHaveLength(2);
    const billing = { City: 'B', Country: 'US', IsPrimaryBilling: true };
    const rec = { Addresses: [{ City: 'S', IsPrimaryShipping: true }, billing] };
    expect(run(rec, {})).toEqual(['B', 'US', billing, 'S']);
    expect(run({ Addresses: null }, {})).toEqual([null, null, null, null]);
    // The memo is per run: the next record gets its own lookup.
    expect(run({ Addresses: [{ City: 'X', IsPrimaryBilling: true }] }, {})).toEqual(['X', null, { City: 'X', IsPrimaryBilling: true }, null]);
  });

  it('keep the sandbox: no prototypes, constructors or globals', () => {
    const { run } = fuse(['constructor', '__proto__', 'Name.constructor', 'process', 'globalThis', 'FieldFromFirstMatch(Addresses, "IsPrimaryBilling == true", "constructor")']);
    expect(run({ Name: 'x', Addresses: [{ IsPrimaryBilling: true }] }, {})).toEqual([null, null, null, null, null, null]);
    expect(run.code).not.toContain('"__proto__"]');
  });

  it('return the failure value on runtime errors and over the step limit', () => {
    const { run } = fuse(['Name.ToUpper()']);
    expect(run({ Name: null }, {})).toBe(FAILED);
    expect(run({ Name: 'a' }, {})).toEqual(['A']);
    const loop = fuse(['Items.Where(x => x > 0).Count()']).run;
    expect(loop({ Items: Array.from({ length: 100 }, () => 1) }, { limits: { maxSteps: 10 } })).toBe(FAILED);
    expect(loop({ Items: Array.from({ length: 100 }, () => 1) }, {})).toEqual([100]);
  });

  it('report syntax errors like compileFormula and leave async formulas out', () => {
    expect(() => createFusedProgram().formula('FirstName +')).toThrow(FormulaSyntaxError);
    expect(createFusedProgram().formula('await GetHubIdAsync(X, "Company", 1)')).toBeNull();
  });
});
