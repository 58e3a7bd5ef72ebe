import { describe, expect, it } from 'vitest';
import { compileFormula, generatedCode } from './index.js';

function run(source: string, record: unknown = {}): unknown {
  return compileFormula(source).run(record, { variables: { Limit: 1 } });
}

describe('compiler output', () => {
  it('non-async formulas compile to synchronous code without Promise or closures', () => {
    const code = generatedCode('FirstName + " " + LastName');
    expect(code).not.toMatch(/async|await|Promise|=>/);
    expect(code).toContain('"FirstName"');
  });
  it('lambdas that capture nothing are hoisted out of the formula function', () => {
    const code = generatedCode('Addresses.FirstOrDefault(a => a.IsPrimaryBilling == true)?.Address1');
    expect(code).not.toContain('=>');
    expect(code).toMatch(/function l\d+\(v0, c\)/);
  });
  it('lambdas reading the record or an outer local stay closures', () => {
    expect(generatedCode('Items.Where(x => x > Limit).Count()')).toContain('=>');
    expect(generatedCode('var min = 2; return Items.Where(x => x > min).Count();')).toContain('=>');
  });
  it('literal equality conditions become a generated loop', () => {
    const code = generatedCode('FieldFromFirstMatch(Addresses, "IsPrimaryBilling == true", "Address1")');
    expect(code).toMatch(/function m0\(c, list\)/);
    expect(code).toContain('=== true');
  });
  it('async formulas are async functions', () => {
    expect(generatedCode('await GetHubIdAsync(X, "Company", 1)')).toContain('async function formula');
  });
  it('compiled formulas are cached by source', () => {
    expect(compileFormula('1 + 1')).toBe(compileFormula('1 + 1'));
  });
  it('a compiled formula is frozen', () => {
    expect(Object.isFrozen(compileFormula('1 + 2'))).toBe(true);
  });
});

describe('lambdas and captures', () => {
  const cases: [string, unknown, unknown][] = [
    ['var min = 2; return Items.Where(x => x > min).Count();', { Items: [1, 2, 3] }, 1],
    ['Items.Where(x => x > Limit).Count()', { Items: [1, 2, 3] }, 2],
    ['Items.Select(x => x.Name.ToUpper())', { Items: [{ Name: 'a' }, { Name: 'b' }] }, ['A', 'B']],
    ['Items.Select(x => Items.Count(y => y == x))', { Items: [1, 1, 2] }, [2, 2, 1]],
    ['Items.Any(x => x == parent.Code)', { Items: ['a'] }, false],
    ['Items.Select(x => $"{x.A}-{x.B}")', { Items: [{ A: 1, B: 2 }] }, ['1-2']],
    ['Items.Select(x => x.A ?? "none")', { Items: [{ A: null }, { A: 'a' }] }, ['none', 'a']],
    ['Items.Where(x => x.Tags.Contains("vip")).Select(x => x.Id)', { Items: [{ Id: 1, Tags: ['vip'] }, { Id: 2, Tags: [] }] }, [1]],
  ];
  it.each(cases)('%s', (source, record, expected) => {
    expect(compileFormula(source).run(record, { variables: { Limit: 1 }, parent: { Code: 'b' } })).toEqual(expected);
  });
  it('a predicate that does not return a bool is a type error', () => {
    expect(() => run('Items.Where(x => x).Count()', { Items: [1] })).toThrow(expect.objectContaining({ code: 'FORMULA_TYPE' }));
  });
  it('interpolation with null parts', () => {
    expect(run('$"{FirstName} {LastName}"', { FirstName: 'Jane' })).toBe('Jane ');
  });
  it('re-entrant runs (a lookup that runs another formula) keep separate contexts', () => {
    const inner = compileFormula('Items.Count(x => x > 0)');
    const outer = compileFormula('LookupTranslation("t", Key) + "!"');
    const v = outer.run(
      { Key: 'k' },
      {
        services: {
          getHubId: () => Promise.resolve(null),
          getExternalId: () => Promise.resolve(null),
          translate: () => String(inner.run({ Items: [1, 2] }, { limits: { maxSteps: 10 } })),
        },
      },
    );
    expect(v).toBe('2!');
  });
  it('concurrent async runs do not share state', async () => {
    const f = compileFormula('await GetHubIdAsync(X, "Company", 1) + "-" + X');
    const env = {
      services: {
        getHubId: (x: string) => new Promise<string>((resolve) => setTimeout(() => resolve(`h${x}`), x === 'a' ? 10 : 1)),
        getExternalId: () => Promise.resolve(null),
        translate: () => null,
      },
    };
    const [a, b] = await Promise.all([f.run({ X: 'a' }, env), f.run({ X: 'b' }, env)]);
    expect([a, b]).toEqual(['ha-a', 'hb-b']);
  });
});
