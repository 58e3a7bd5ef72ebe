import { describe, expect, it } from 'vitest';
import { compileFormula, formatFormulaError, FormulaError, FormulaRuntimeError, FormulaSyntaxError } from './index.js';

function syntax(source: string): FormulaSyntaxError {
  try {
    compileFormula(source);
  } catch (e) {
    if (e instanceof FormulaSyntaxError) return e;
    throw e;
  }
  throw new Error(`expected a syntax error for ${source}`);
}
function runtime(source: string, record: unknown = {}): FormulaRuntimeError {
  try {
    compileFormula(source).run(record, {});
  } catch (e) {
    if (e instanceof FormulaRuntimeError) return e;
    throw e;
  }
  throw new Error(`expected a runtime error for ${source}`);
}

describe('syntax errors: positions, snippets, codes', () => {
  it('unterminated string points at the quote', () => {
    const e = syntax('FirstName + "abc');
    expect(e.code).toBe('FORMULA_SYNTAX');
    expect([e.line, e.column]).toEqual([1, 13]);
    expect(e.diagnostics[0]?.code).toBe(1002);
    expect(e.snippet).toBe('FirstName + "abc\n            ^^^^');
  });
  it('missing semicolon between statements on line 2', () => {
    const e = syntax('var x = 1;\nvar y = 2\nreturn y;');
    expect([e.line, e.column]).toEqual([3, 1]);
    expect(e.message).toContain("';' expected");
    expect(e.snippet).toBe('return y;\n^^^^^^');
  });
  it('missing closing parenthesis', () => {
    const e = syntax('(1 + 2');
    expect(e.diagnostics[0]?.message).toBe("')' expected.");
    expect([e.line, e.column]).toEqual([1, 7]);
  });
  it('dangling operator', () => {
    const e = syntax('A +');
    expect(e.diagnostics[0]?.code).toBe(1011);
    expect(e.column).toBe(4);
  });
  it('invalid character', () => {
    const e = syntax('A # B');
    expect(e.diagnostics[0]?.code).toBe(1004);
    expect(e.column).toBe(3);
  });
  it('unknown function is a compile error with its position', () => {
    const e = syntax('  Frobnicate(1)');
    expect(e.diagnostics[0]?.code).toBe(2001);
    expect(e.message).toContain("Unknown function 'Frobnicate'");
    expect(e.column).toBe(3);
  });
  it('unknown method', () => {
    const e = syntax('Name.Frob()');
    expect(e.diagnostics[0]?.code).toBe(2002);
    expect(e.column).toBe(6);
  });
  it('wrong argument count', () => {
    const e = syntax('Truncate("a")');
    expect(e.diagnostics[0]?.code).toBe(2003);
    expect(e.message).toContain("'Truncate' expects 2 argument(s) but got 1");
  });
  it('unknown static member', () => {
    expect(syntax('Math.Frob(1)').diagnostics[0]?.code).toBe(2009);
  });
  it('duplicate local', () => {
    expect(syntax('var a = 1; var a = 2; return a;').diagnostics[0]?.code).toBe(2004);
  });
  it('assignment to a record field is refused', () => {
    expect(syntax('FirstName = "x";').diagnostics[0]?.code).toBe(2005);
  });
  it('`this` and `new` are not supported', () => {
    expect(syntax('this.FirstName').diagnostics[0]?.code).toBe(2006);
    expect(syntax('new List<string>()').diagnostics[0]?.code).toBe(2006);
  });
  it('await inside a lambda is refused', () => {
    expect(syntax('Items.Select(i => GetHubIdAsync(i, "Company", 1))').diagnostics[0]?.code).toBe(2007);
  });
  it('invalid literal condition of FieldFromFirstMatch is reported at compile time', () => {
    const e = syntax('FieldFromFirstMatch(Addresses, "IsPrimaryBilling ==", "Address1")');
    expect(e.diagnostics[0]?.code).toBe(2008);
    expect(e.column).toBe(32);
  });
  it('a lambda outside an argument list', () => {
    expect(syntax('x => x').diagnostics[0]?.code).toBe(2011);
  });
  it('empty formula', () => {
    expect(syntax('   ').diagnostics[0]?.code).toBe(1011);
  });
  it('several errors are all collected', () => {
    const e = syntax('var = 1;\nreturn (2;');
    expect(e.diagnostics.length).toBeGreaterThanOrEqual(2);
    expect(e.message).toMatch(/\+\d+ more/);
  });
  it('uppercase If (typo from a support article) is an unknown function', () => {
    expect(syntax('If (A == 5) return 1;').diagnostics[0]?.code).toBeDefined();
  });
  it('CRLF line endings count lines correctly', () => {
    const e = syntax('var a = 1;\r\nvar b = ;\r\nreturn b;');
    expect([e.line, e.column]).toEqual([2, 9]);
  });
  it('options.name prefixes the message', () => {
    try {
      compileFormula('1 +', { name: 'Customer.Name' });
    } catch (e) {
      expect((e as Error).message.startsWith('Customer.Name: ')).toBe(true);
    }
  });
});

describe('runtime errors: codes and positions', () => {
  it('method call on null names the member', () => {
    const e = runtime('LastName.ToUpper()', { LastName: null });
    expect(e.code).toBe('FORMULA_NULL_REFERENCE');
    expect(e.message).toBe('Object reference not set to an instance of an object: cannot call ToUpper on null.');
    expect([e.line, e.column]).toEqual([1, 10]);
  });
  it('member read on null', () => {
    expect(runtime('parent.CustomFields').code).toBe('FORMULA_NULL_REFERENCE');
  });
  it('Substring past the end throws ArgumentOutOfRange', () => {
    expect(runtime('"abc".Substring(2, 5)').code).toBe('FORMULA_ARGUMENT_OUT_OF_RANGE');
    expect(runtime('"abc".Substring(4)').code).toBe('FORMULA_ARGUMENT_OUT_OF_RANGE');
  });
  it('integer division by zero throws, with the position on line 2', () => {
    const e = runtime('var z = 0;\nreturn 10 / z;');
    expect(e.code).toBe('FORMULA_DIVIDE_BY_ZERO');
    expect(e.line).toBe(2);
  });
  it('dynamic integer division by zero throws', () => {
    expect(runtime('A / B', { A: 1, B: 0 }).code).toBe('FORMULA_DIVIDE_BY_ZERO');
  });
  it('&& requires bools', () => {
    expect(runtime('A && true', { A: 'yes' }).code).toBe('FORMULA_TYPE');
  });
  it('if on null condition', () => {
    expect(runtime('if (Flag) return 1; return 2;', {}).code).toBe('FORMULA_NULL_REFERENCE');
  });
  it('index out of range', () => {
    expect(runtime('Items[5]', { Items: [1] }).code).toBe('FORMULA_INDEX_OUT_OF_RANGE');
  });
  it('First() on an empty list', () => {
    expect(runtime('Items.First()', { Items: [] }).code).toBe('FORMULA_INVALID_OPERATION');
  });
  it('invalid cast', () => {
    expect(runtime('(string)Id', { Id: 5 }).code).toBe('FORMULA_INVALID_CAST');
    expect(runtime('(int)Id', { Id: '5' }).code).toBe('FORMULA_INVALID_CAST');
  });
  it('relational operator on strings', () => {
    expect(runtime('A < B', { A: 'a', B: 'b' }).code).toBe('FORMULA_TYPE');
  });
  it('method not defined for the receiver type', () => {
    expect(runtime('Id.ToUpper()', { Id: 5 }).code).toBe('FORMULA_TYPE');
  });
  it('formatFormulaError shapes all errors', () => {
    expect(formatFormulaError(runtime('LastName.ToUpper()'))).toEqual({
      message: 'Object reference not set to an instance of an object: cannot call ToUpper on null.',
      code: 'FORMULA_NULL_REFERENCE',
      line: 1,
      column: 10,
    });
    expect(formatFormulaError(syntax('1 +'))).toMatchObject({ code: 'FORMULA_SYNTAX', line: 1, column: 4 });
    expect(formatFormulaError(new Error('x'))).toEqual({ message: 'x', code: 'FORMULA_INTERNAL' });
  });
  it('all formula errors extend FormulaError', () => {
    expect(runtime('LastName.ToUpper()')).toBeInstanceOf(FormulaError);
    expect(syntax('(')).toBeInstanceOf(FormulaError);
  });
});
