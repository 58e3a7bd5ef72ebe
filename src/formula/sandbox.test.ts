import { afterEach, describe, expect, it } from 'vitest';
import { compileFormula, generatedCode, FormulaRuntimeError, FormulaSyntaxError } from './index.js';

function attempt(source: string, record: unknown = {}): unknown {
  try {
    return compileFormula(source).run(record, {});
  } catch (e) {
    if (e instanceof FormulaRuntimeError || e instanceof FormulaSyntaxError) return e.code;
    throw e;
  }
}

describe('sandbox', () => {
  afterEach(() => {
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
  });
  const escapes: [string, unknown?][] = [
    ['constructor'],
    ['__proto__'],
    ['prototype'],
    ['Name.constructor', { Name: 'x' }],
    ['Obj.constructor', { Obj: {} }],
    ['Obj.__proto__', { Obj: {} }],
    ['Obj["constructor"]', { Obj: {} }],
    ['Obj["__proto__"]', { Obj: {} }],
    ['Obj.toString', { Obj: {} }],
    ['Obj.hasOwnProperty', { Obj: {} }],
    ['process'],
    ['globalThis'],
    ['require'],
    ['Function'],
    ['eval'],
    ['GetValue(Obj, "constructor")', { Obj: {} }],
    ['GetValue(Obj, "__proto__.polluted")', { Obj: {} }],
    ['Items.constructor', { Items: [] }],
  ];
  it.each(escapes)('%s reaches nothing', (source, record) => {
    const v = attempt(source, record ?? {});
    expect(typeof v === 'function').toBe(false);
    expect(v === null || typeof v === 'string').toBe(true);
  });
  it('`this` is a compile error', () => {
    expect(attempt('this')).toBe('FORMULA_SYNTAX');
  });
  it('own __proto__ property from JSON.parse is not reachable', () => {
    const rec = JSON.parse('{"__proto__": {"x": 1}, "A": 1}') as unknown;
    expect(attempt('__proto__', rec)).toBeNull();
    expect(attempt('A', rec)).toBe(1);
  });
  it('methods of class instances are not reachable, and function-valued fields read as null', () => {
    class Secret {
      token = 'abc';
      reveal(): string {
        return 'x';
      }
    }
    expect(attempt('S.reveal', { S: new Secret() })).toBeNull();
    expect(attempt('S.token', { S: new Secret() })).toBe('abc');
    expect(attempt('F', { F: () => 1 })).toBeNull();
    expect(attempt('O.F', { O: { F: () => 1 } })).toBeNull();
    expect(attempt('Items.Select(F)', { Items: [1], F: (x: number) => x })).toBe('FORMULA_ARGUMENT');
  });
  it('DateTime values expose no fields, only their C# members', () => {
    expect(attempt('DateTime.Parse("2024-01-01").ms')).toBe('FORMULA_TYPE');
    expect(attempt('DateTime.Parse("2024-01-01").Year')).toBe(2024);
  });
  it('inherited properties are not visible', () => {
    const rec = Object.create({ Inherited: 'x' }) as object;
    expect(attempt('Inherited', rec)).toBeNull();
  });
  it('string escapes cannot break out of the generated code', () => {
    const src = '"\\"); process.exit(1); (\\"" + "`${process}`" + \'\\\'\'';
    const v = attempt(src);
    expect(v).toBe('"); process.exit(1); ("`${process}`\'');
  });
  it('generated code contains user strings only as JSON literals', () => {
    const code = generatedCode('A + "*/ }); globalThis.x = 1; //"');
    expect(code).toContain(JSON.stringify('*/ }); globalThis.x = 1; //'));
  });
  it('identifiers that look like JS do not reach JS', () => {
    expect(attempt('Object', {})).toBeNull();
    expect(attempt('Array', {})).toBeNull();
    expect(attempt('globalThis.process', {})).toBe('FORMULA_NULL_REFERENCE');
  });
  it('records are not modified by formulas', () => {
    const rec = Object.freeze({ Items: Object.freeze([3, 1, 2]), Name: 'n' });
    expect(attempt('Items.OrderBy(x => x).ToList()', rec)).toEqual([1, 2, 3]);
    expect(attempt('var Name = "other"; return Name;', rec)).toBe('other');
  });
});

describe('limits', () => {
  it('maxSteps bounds lambda invocations', () => {
    const f = compileFormula('Items.Where(x => x > 0).Count()');
    const items = Array.from({ length: 500 }, (_, i) => i);
    expect(() => f.run({ Items: items }, { limits: { maxSteps: 100 } })).toThrow(expect.objectContaining({ code: 'FORMULA_LIMIT' }));
    expect(f.run({ Items: items }, { limits: { maxSteps: 10_000 } })).toBe(499);
  });
  it('default step limit stops huge nested LINQ', () => {
    const f = compileFormula('Items.Sum(a => Items.Sum(b => Items.Count(c => c > b)))');
    const items = Array.from({ length: 100 }, (_, i) => i);
    expect(() => f.run({ Items: items }, {})).toThrow(expect.objectContaining({ code: 'FORMULA_LIMIT' }));
  });
  it('maxMillis bounds time', () => {
    const f = compileFormula('Items.Sum(a => Items.Count(b => RegExMatch(S, "^(x|y)*z$")))');
    const items = Array.from({ length: 3000 }, (_, i) => i);
    expect(() => f.run({ Items: items, S: 'xyxyxyxyxyxyxyxyxy' }, { limits: { maxMillis: 20, maxSteps: 1e9 } })).toThrow(
      expect.objectContaining({ code: 'FORMULA_LIMIT' }),
    );
  });
  it('FieldFromFirstMatch counts a step per item', () => {
    const f = compileFormula('FieldFromFirstMatch(Items, "A == 1", "A")');
    const items = Array.from({ length: 1000 }, () => ({ A: 0 }));
    expect(() => f.run({ Items: items }, { limits: { maxSteps: 50 } })).toThrow(expect.objectContaining({ code: 'FORMULA_LIMIT' }));
  });
  it('deeply nested formulas are refused at compile time, not by a stack overflow', () => {
    const src = '('.repeat(5000) + '1' + ')'.repeat(5000);
    expect(() => compileFormula(src)).toThrow(FormulaSyntaxError);
  });
  it('very long operator chains are a syntax error, not a stack overflow', () => {
    const src = Array.from({ length: 6000 }, () => 'A').join(' + ');
    expect(() => compileFormula(src)).toThrow(FormulaSyntaxError);
    expect(() => compileFormula(Array.from({ length: 500 }, () => 'A').join(' + '))).not.toThrow();
  });
  it('formulas longer than 100,000 characters are refused', () => {
    expect(() => compileFormula('"' + 'x'.repeat(100_001) + '"')).toThrow(expect.objectContaining({ code: 'FORMULA_SYNTAX' }));
  });
  it('limits reset between runs', () => {
    const f = compileFormula('Items.Count(x => x > 0)');
    for (let i = 0; i < 5; i++) expect(f.run({ Items: [1, 2, 3] }, { limits: { maxSteps: 10 } })).toBe(3);
  });
});
