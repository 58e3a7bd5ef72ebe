import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createScanner } from './scanner.js';
import { compileFormula, FormulaError, type FormulaEnv } from './index.js';

const TOKENS = [
  'FirstName', 'LastName', 'Addresses', 'Items', 'parent', 'Parent', 'x', 'a', 'constructor', '__proto__', 'process', 'globalThis',
  '"s"', "'c'", '$"{A}"', '@"v"', '1', '2.5', '0', 'null', 'true', 'false', '(', ')', '[', ']', '{', '}', '.', '?.', ',', ';', ':', '?',
  '??', '=>', '==', '!=', '=', '!', '<', '>', '<=', '>=', '&&', '||', '+', '-', '*', '/', '%', '+=', 'var', 'if', 'else', 'return',
  'await', 'is', 'new', 'this', 'Math', 'Round', 'Convert', 'ToInt32', 'string', 'Join', 'int', '(int)', 'Where', 'Select', 'Count',
  'FieldFromFirstMatch', 'Coalesce', 'Truncate', 'IsEmpty', 'ToUpper', 'Substring', 'Length', 'GetValue', 'DateTime', 'Now',
];

function safely(source: string, record: unknown, env: FormulaEnv = {}): void {
  let f;
  try {
    f = compileFormula(source);
  } catch (e) {
    expect(e).toBeInstanceOf(FormulaError);
    return;
  }
  try {
    const v = f.run(record, { ...env, limits: { maxSteps: 2000, maxMillis: 200 } });
    if (v instanceof Promise) v.catch(() => undefined);
    expect(typeof v).not.toBe('function');
  } catch (e) {
    expect(e).toBeInstanceOf(FormulaError);
  }
}

const protoKeys = () => Object.getOwnPropertyNames(Object.prototype).sort().join(',');
const globalKeys = () => Object.getOwnPropertyNames(globalThis).sort().join(',');

describe('property: robustness', () => {
  it('the scanner terminates and never throws on random text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        const sc = createScanner(text, () => undefined);
        let n = 0;
        while (sc.scan() !== 'eof') {
          n++;
          expect(n).toBeLessThanOrEqual(text.length + 1);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('random strings only ever throw FormulaError subclasses', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii', maxLength: 120 }), (text) => safely(text, { FirstName: 'a', Items: [1, 2] })),
      { numRuns: 1500 },
    );
  });

  it('random token soups only ever throw FormulaError subclasses', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 30 }), (tokens) =>
        safely(tokens.join(' '), { FirstName: 'a', LastName: null, Items: [1, 'x', null], Addresses: [{ IsPrimaryBilling: true }] }, { parent: {} })),
      { numRuns: 3000 },
    );
  });

  it('random token soups without spaces too', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 20 }), (tokens) => safely(tokens.join(''), { x: 1 })),
      { numRuns: 1500 },
    );
  });
});

describe('property: sandbox under random records', () => {
  const formulas = [
    'constructor', '__proto__', 'A.constructor', 'A.__proto__', 'A["__proto__"]', 'A["constructor"]', 'GetValue(A, "constructor")',
    'GetValue(A, "__proto__")', 'A.toString', 'A?.prototype', 'Items.Select(x => x.constructor)', 'Items.Select(x => x.__proto__)',
    'FieldFromFirstMatch(Items, "constructor == null", "__proto__")', 'GetCustomFieldValue(A, "__proto__")',
    'JSONToDictionary("{\\"__proto__\\": {\\"polluted\\": 1}}")', 'A + B', 'A == B', 'Coalesce(A, B)', '$"{A}{B}"', 'string.Join(",", Items)',
  ];
  it('no formula reaches a prototype, a function or a global', () => {
    const before = protoKeys();
    const globalsBefore = globalKeys();
    fc.assert(
      fc.property(
        fc.constantFrom(...formulas),
        fc.record({ A: fc.jsonValue(), B: fc.jsonValue(), Items: fc.array(fc.jsonValue(), { maxLength: 5 }) }),
        (formula, rec) => {
          let v: unknown;
          try {
            v = compileFormula(formula).run(rec, {});
          } catch (e) {
            expect(e).toBeInstanceOf(FormulaError);
            return;
          }
          const seen = new Set<unknown>();
          const check = (x: unknown): void => {
            if (x === null || typeof x !== 'object' || seen.has(x)) return;
            seen.add(x);
            expect(x === Object.prototype || x === Array.prototype || x === Function.prototype).toBe(false);
            for (const k of Object.keys(x)) check((x as Record<string, unknown>)[k]);
          };
          expect(typeof v).not.toBe('function');
          check(v);
          expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
        },
      ),
      { numRuns: 1500 },
    );
    expect(protoKeys()).toBe(before);
    expect(globalKeys()).toBe(globalsBefore);
  });
});

describe('property: C# numeric semantics', () => {
  const lit = (n: number) => (n < 0 ? `(${n})` : String(n));
  it('int / int truncates toward zero; int % int keeps the dividend sign', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e6, max: 1e6 }), fc.integer({ min: -1000, max: 1000 }).filter((b) => b !== 0), (a, b) => {
        expect(compileFormula(`${lit(a)} / ${lit(b)}`).run({}, {})).toBe(Math.trunc(a / b) + 0);
        expect(compileFormula('A / B').run({ A: a, B: b }, {})).toBe(Math.trunc(a / b) + 0);
        expect(compileFormula(`${lit(a)} % ${lit(b)}`).run({}, {})).toBe((a % b) + 0);
      }),
    );
  });
  it('string + value concatenates like C#', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 10 }), fc.integer(), (str, n) => {
        expect(compileFormula('S + N').run({ S: str, N: n }, {})).toBe(str + String(n));
      }),
    );
  });
  it('Math.Round is half to even on .5 values', () => {
    fc.assert(
      fc.property(fc.integer({ min: -10000, max: 10000 }), (n) => {
        const v = n + 0.5;
        const even = Math.floor(v) % 2 === 0 ? Math.floor(v) : Math.floor(v) + 1;
        expect(compileFormula('Math.Round(X)').run({ X: v }, {})).toBe(even + 0);
      }),
    );
  });
});
