import { describe, expect, it } from 'vitest';
import { computeLineAndColumn, getLineStarts } from './diagnostics.js';
import { parseFormula } from './parser.js';
import { createScanner } from './scanner.js';

function tokens(text: string): string[] {
  const sc = createScanner(text);
  const out: string[] = [];
  while (sc.scan() !== 'eof') out.push(`${sc.getToken().kind}:${sc.getToken().text}`);
  return out;
}

describe('scanner', () => {
  it('scans operators longest first', () => {
    expect(tokens('a ?? b?.c => !=')).toEqual(['identifier:a', 'punct:??', 'identifier:b', 'punct:?.', 'identifier:c', 'punct:=>', 'punct:!=']);
  });
  it('decodes escapes and verbatim strings', () => {
    expect(tokens('"a\\"b" @"c""d"')).toEqual(['string:a"b', 'string:c"d']);
  });
  it('marks doubles and suffixes', () => {
    const sc = createScanner('2.0 2 2m 1.ToString');
    const kinds: [number | undefined, boolean | undefined][] = [];
    while (sc.scan() !== 'eof') if (sc.getToken().kind === 'number') kinds.push([sc.getToken().number, sc.getToken().isDouble]);
    expect(kinds).toEqual([[2, true], [2, false], [2, true], [1, false]]);
  });
  it('reports errors through the callback and keeps going', () => {
    const errors: number[] = [];
    const sc = createScanner('"abc\n 1 # 2', (msg) => errors.push(msg.code));
    while (sc.scan() !== 'eof');
    expect(errors).toEqual([1002, 1004]);
  });
  it('finds interpolation holes with nested strings and formats', () => {
    const sc = createScanner('$"{Name.Replace("}", ")")} {X:0.00} {{x}}"');
    sc.scan();
    const parts = sc.getToken().parts ?? [];
    expect(parts.filter((p) => typeof p !== 'string')).toHaveLength(2);
    expect(parts).toContain(' {x}');
  });
  it('keywords vs verbatim identifiers', () => {
    expect(tokens('if @if')).toEqual(['keyword:if', 'identifier:if']);
  });
});

describe('parser', () => {
  it('single expression vs block', () => {
    expect(parseFormula('A + 1').program.expression?.kind).toBe('Binary');
    expect(parseFormula('return A;').program.expression).toBeUndefined();
  });
  it('nodes carry offsets', () => {
    const e = parseFormula('  Foo.Bar').program.expression;
    expect(e && [e.pos, e.end]).toEqual([2, 9]);
  });
  it('cast vs parenthesised expression', () => {
    expect(parseFormula('(int)X').program.expression?.kind).toBe('Cast');
    expect(parseFormula('(X)').program.expression?.kind).toBe('Identifier');
    expect(parseFormula('(int) - X').program.expression?.kind).toBe('Cast');
  });
  it('lambdas with zero, one and many parameters', () => {
    const call = parseFormula('F(() => 1, x => x, (a, b) => a)').program.expression;
    expect(call?.kind === 'Call' && call.args.map((a) => a.kind)).toEqual(['Lambda', 'Lambda', 'Lambda']);
  });
  it('condition mode reads single = as ==', () => {
    const e = parseFormula('A = "x"', { condition: true }).program.expression;
    expect(e?.kind === 'Binary' && e.op).toBe('==');
  });
  it('recovers and reports several errors', () => {
    const { diagnostics } = parseFormula('var = ;\nreturn (1;\nreturn 2 +;');
    expect(diagnostics.length).toBeGreaterThanOrEqual(3);
  });
  it('line and column from line starts', () => {
    const starts = getLineStarts('ab\ncd\r\nef');
    expect(computeLineAndColumn(starts, 0)).toEqual({ line: 1, column: 1 });
    expect(computeLineAndColumn(starts, 4)).toEqual({ line: 2, column: 2 });
    expect(computeLineAndColumn(starts, 7)).toEqual({ line: 3, column: 1 });
  });
});
