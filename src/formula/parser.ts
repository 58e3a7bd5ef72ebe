/**
 * Parser: tokens → syntax tree. Recovers from errors (missing nodes, skipping to the next statement)
 * so one pass reports every syntax error; diagnostics are collected, never thrown.
 */
import type {
  Assign,
  Binary,
  BinaryOp,
  Block,
  Expr,
  InterpolatedHoleNode,
  Lambda,
  Program,
  Stmt,
} from './ast.js';
import { createDiagnostic, Diagnostics, type Diagnostic, type DiagnosticMessage } from './diagnostics.js';
import { createScanner, type Token } from './scanner.js';

export const MAX_SOURCE_LENGTH = 100_000;
const MAX_DEPTH = 120;

/** C# keyword type names that always start a cast when written as `(type)`. */
const KEYWORD_TYPES = new Set([
  'int', 'long', 'short', 'byte', 'uint', 'ulong', 'decimal', 'double', 'float', 'string', 'bool', 'object', 'char',
]);
const CAST_TYPES = new Set([...KEYWORD_TYPES, 'DateTime', 'Int32', 'Int64', 'Decimal', 'Double', 'String', 'Boolean']);

export interface ParseOptions {
  /** Condition strings of FieldFromFirstMatch/FirstMatch: a single `=` means `==`. */
  condition?: boolean;
  /** Parse only `[start, end)` of the text (offsets stay absolute). */
  start?: number;
  end?: number;
}

export interface ParseResult {
  program: Program;
  diagnostics: Diagnostic[];
}

class ParseAbort extends Error {}

export function parseFormula(text: string, options: ParseOptions = {}): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const start = options.start ?? 0;
  const end = options.end ?? text.length;
  if (end - start > MAX_SOURCE_LENGTH) {
    diagnostics.push(createDiagnostic(Diagnostics.Formula_too_long, start, 1, MAX_SOURCE_LENGTH));
    return { program: { kind: 'Program', body: [], expression: undefined, pos: start, end }, diagnostics };
  }
  const parser = new Parser(text, start, end, options.condition === true, diagnostics);
  let program: Program;
  try {
    program = parser.parseProgram();
  } catch (e) {
    if (!(e instanceof ParseAbort)) throw e;
    program = { kind: 'Program', body: [], expression: undefined, pos: start, end };
  }
  diagnostics.sort((a, b) => a.start - b.start);
  return { program, diagnostics };
}

class Parser {
  private readonly tokens: Token[] = [];
  private i = 0;
  private depth = 0;
  private lastErrorPos = -1;

  constructor(
    private readonly text: string,
    start: number,
    end: number,
    private readonly condition: boolean,
    private readonly diagnostics: Diagnostic[],
  ) {
    const scanner = createScanner(text, (msg, pos, length, arg) => {
      this.diagnostics.push(createDiagnostic(msg, pos, length, ...(arg === undefined ? [] : [arg])));
    }, start, end);
    for (;;) {
      const kind = scanner.scan();
      this.tokens.push(scanner.getToken());
      if (kind === 'eof') break;
    }
  }

  // --- token helpers -------------------------------------------------------------------------
  private get tok(): Token {
    return this.tokens[this.i] as Token;
  }
  private peek(n = 1): Token {
    return this.tokens[Math.min(this.i + n, this.tokens.length - 1)] as Token;
  }
  private next(): Token {
    const t = this.tok;
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }
  private is(text: string, t: Token = this.tok): boolean {
    return (t.kind === 'punct' || t.kind === 'keyword') && t.text === text;
  }
  private eat(text: string): boolean {
    if (this.is(text)) {
      this.next();
      return true;
    }
    return false;
  }
  private error(msg: DiagnosticMessage, pos: number, length: number, ...args: string[]): void {
    // One diagnostic per position keeps cascades quiet.
    if (pos === this.lastErrorPos) return;
    this.lastErrorPos = pos;
    this.diagnostics.push(createDiagnostic(msg, pos, Math.max(length, 1), ...args));
    if (this.diagnostics.length > 50) throw new ParseAbort();
  }
  private expect(text: string): boolean {
    if (this.eat(text)) return true;
    const t = this.tok;
    this.error(Diagnostics._0_expected, t.pos, t.end - t.pos, `'${text}'`);
    return false;
  }
  private tokenDescription(t: Token): string {
    if (t.kind === 'eof') return 'end of formula';
    return this.text.slice(t.pos, t.end).slice(0, 20);
  }
  private enter(): void {
    if (++this.depth > MAX_DEPTH) {
      this.error(Diagnostics.Too_deeply_nested, this.tok.pos, 1);
      throw new ParseAbort();
    }
  }

  // --- program and statements -------------------------------------------------------------------
  parseProgram(): Program {
    const body: Stmt[] = [];
    const pos = this.tok.pos;
    while (this.tok.kind !== 'eof') {
      const before = this.i;
      body.push(this.parseStatement(true));
      if (this.i === before) {
        // No progress: report and skip the token.
        const t = this.next();
        this.error(Diagnostics.Unexpected_token_0, t.pos, t.end - t.pos, this.tokenDescription(t));
      }
    }
    let expression: Expr | undefined;
    const only = body[0];
    if (body.length === 1 && only?.kind === 'ExprStmt') expression = only.expr;
    if (body.length === 0) {
      this.error(Diagnostics.Expression_expected, this.tok.pos, 1);
    }
    return { kind: 'Program', body, expression, pos, end: this.tok.end };
  }

  private syncToStatement(): void {
    while (this.tok.kind !== 'eof' && !this.is(';') && !this.is('}')) {
      if (this.is('if') || this.is('return') || this.is('var')) return;
      this.next();
    }
    this.eat(';');
  }

  private parseStatement(topLevel: boolean): Stmt {
    this.enter();
    try {
      const t = this.tok;
      if (this.is('{')) return this.parseBlock();
      if (this.is(';')) {
        this.next();
        return { kind: 'Empty', pos: t.pos, end: t.end };
      }
      if (this.is('if')) {
        this.next();
        this.expect('(');
        const condition = this.parseExpression();
        this.expect(')');
        const then = this.parseStatement(false);
        let elseStmt: Stmt | undefined;
        if (this.eat('else')) elseStmt = this.parseStatement(false);
        return { kind: 'If', condition, then, else: elseStmt, pos: t.pos, end: this.prevEnd() };
      }
      if (this.is('return')) {
        this.next();
        let value: Expr | undefined;
        if (!this.is(';') && !this.is('}') && this.tok.kind !== 'eof') value = this.parseExpression();
        this.endStatement(topLevel);
        return { kind: 'Return', value, pos: t.pos, end: this.prevEnd() };
      }
      const declared =
        this.is('var') ||
        (t.kind === 'identifier' && CAST_TYPES.has(t.text) && this.peek().kind === 'identifier' &&
          (this.is('=', this.peek(2)) || this.is(';', this.peek(2)))) ||
        (t.kind === 'identifier' && CAST_TYPES.has(t.text) && this.is('?', this.peek()) && this.peek(2).kind === 'identifier');
      if (declared) {
        const typeTok = this.next();
        if (this.is('?')) this.next();
        const nameTok = this.tok;
        if (nameTok.kind !== 'identifier') {
          this.error(Diagnostics._0_expected, nameTok.pos, nameTok.end - nameTok.pos, 'Variable name');
          this.syncToStatement();
          return { kind: 'Empty', pos: t.pos, end: this.prevEnd() };
        }
        this.next();
        let init: Expr | undefined;
        if (this.eat('=')) init = this.parseExpression();
        else if (typeTok.text === 'var') this.expect('=');
        this.endStatement(topLevel);
        const stmt: Stmt = { kind: 'Var', name: nameTok.text, namePos: nameTok.pos, init, pos: t.pos, end: this.prevEnd() };
        if (typeTok.text !== 'var') stmt.declaredType = typeTok.text;
        return stmt;
      }
      if (this.is('else')) {
        this.error(Diagnostics.Unexpected_token_0, t.pos, t.end - t.pos, 'else');
        this.next();
        return this.parseStatement(topLevel);
      }
      const expr = this.parseExpression();
      let hasSemicolon = true;
      if (!this.eat(';')) {
        hasSemicolon = false;
        const atEnd = this.tok.kind === 'eof' || (!topLevel && this.is('}'));
        if (!atEnd) {
          this.error(Diagnostics._0_expected, this.tok.pos, this.tok.end - this.tok.pos, "';'");
          this.syncToStatement();
        }
      }
      return { kind: 'ExprStmt', expr, hasSemicolon, pos: t.pos, end: this.prevEnd() };
    } finally {
      this.depth--;
    }
  }

  private endStatement(_topLevel: boolean): void {
    if (this.eat(';')) return;
    if (this.tok.kind === 'eof' || this.is('}')) return; // tolerate a missing final semicolon
    this.error(Diagnostics._0_expected, this.tok.pos, this.tok.end - this.tok.pos, "';'");
    this.syncToStatement();
  }

  private prevEnd(): number {
    const prev = this.tokens[Math.max(0, this.i - 1)];
    return prev ? prev.end : 0;
  }

  private parseBlock(): Block {
    const pos = this.tok.pos;
    this.expect('{');
    const body: Stmt[] = [];
    while (!this.is('}') && this.tok.kind !== 'eof') {
      const before = this.i;
      body.push(this.parseStatement(false));
      if (this.i === before) {
        const t = this.next();
        this.error(Diagnostics.Unexpected_token_0, t.pos, t.end - t.pos, this.tokenDescription(t));
      }
    }
    this.expect('}');
    return { kind: 'Block', body, pos, end: this.prevEnd() };
  }

  // --- expressions ------------------------------------------------------------------------------
  parseExpression(): Expr {
    this.enter();
    try {
      const lambda = this.tryParseLambda();
      if (lambda) return lambda;
      const left = this.parseConditional();
      const t = this.tok;
      if (t.kind === 'punct' && ['=', '+=', '-=', '*=', '/=', '??='].includes(t.text) && !(this.condition && t.text === '=')) {
        this.next();
        const value = this.parseExpression();
        const node: Assign = { kind: 'Assign', op: t.text as Assign['op'], target: left, value, pos: left.pos, end: value.end };
        return node;
      }
      return left;
    } finally {
      this.depth--;
    }
  }

  private tryParseLambda(): Lambda | undefined {
    const t = this.tok;
    if (t.kind === 'identifier' && this.is('=>', this.peek())) {
      this.next();
      this.next();
      return this.finishLambda(t.pos, [{ name: t.text, pos: t.pos }]);
    }
    if (!this.is('(')) return undefined;
    // ( ) =>   |   ( a , b ) =>
    let j = 1;
    const params: { name: string; pos: number }[] = [];
    if (!this.is(')', this.peek(j))) {
      for (;;) {
        const p = this.peek(j);
        if (p.kind !== 'identifier') return undefined;
        params.push({ name: p.text, pos: p.pos });
        j++;
        if (this.is(',', this.peek(j))) {
          j++;
          continue;
        }
        break;
      }
    }
    if (!this.is(')', this.peek(j)) || !this.is('=>', this.peek(j + 1))) return undefined;
    for (let k = 0; k < j + 2; k++) this.next();
    return this.finishLambda(t.pos, params);
  }

  private finishLambda(pos: number, params: { name: string; pos: number }[]): Lambda {
    const body = this.is('{') ? this.parseBlock() : this.parseExpression();
    return { kind: 'Lambda', params, body, pos, end: body.end };
  }

  private parseConditional(): Expr {
    const condition = this.parseCoalesce();
    if (!this.is('?')) return condition;
    this.next();
    const whenTrue = this.parseExpression();
    this.expect(':');
    const whenFalse = this.parseExpression();
    return { kind: 'Conditional', condition, whenTrue, whenFalse, pos: condition.pos, end: whenFalse.end };
  }

  private parseCoalesce(): Expr {
    const left = this.parseBinary(0);
    if (!this.is('??')) return left;
    this.next();
    this.enter();
    try {
      const right = this.parseCoalesce();
      return { kind: 'Binary', op: '??', left, right, pos: left.pos, end: right.end };
    } finally {
      this.depth--;
    }
  }

  private static readonly LEVELS: readonly (readonly string[])[] = [
    ['||'],
    ['&&'],
    ['==', '!='],
    ['<', '>', '<=', '>=', 'is'],
    ['+', '-'],
    ['*', '/', '%'],
  ];

  private parseBinary(level: number): Expr {
    if (level >= Parser.LEVELS.length) return this.parseUnary();
    const ops = Parser.LEVELS[level] as readonly string[];
    let left = this.parseBinary(level + 1);
    for (;;) {
      const t = this.tok;
      let op: string | undefined;
      if ((t.kind === 'punct' || t.kind === 'keyword') && ops.includes(t.text)) op = t.text;
      else if (level === 2 && this.condition && this.is('=')) op = '==';
      if (op === undefined) return left;
      this.next();
      if (op === 'is') {
        let negated = false;
        if (this.tok.kind === 'identifier' && this.tok.text === 'not') {
          this.next();
          negated = true;
        }
        if (!this.is('null')) {
          this.error(Diagnostics._0_expected, this.tok.pos, this.tok.end - this.tok.pos, "'null'");
        } else this.next();
        left = { kind: 'IsNull', operand: left, negated, pos: left.pos, end: this.prevEnd() };
        continue;
      }
      this.enter();
      try {
        const right = this.parseBinary(level + 1);
        const node: Binary = { kind: 'Binary', op: op as BinaryOp, left, right, pos: left.pos, end: right.end };
        left = node;
      } finally {
        this.depth--;
      }
    }
  }

  private parseUnary(): Expr {
    this.enter();
    try {
      const t = this.tok;
      if (t.kind === 'punct' && (t.text === '!' || t.text === '-' || t.text === '+')) {
        this.next();
        const operand = this.parseUnary();
        return { kind: 'Unary', op: t.text, operand, pos: t.pos, end: operand.end };
      }
      if (this.is('await')) {
        this.next();
        const operand = this.parseUnary();
        return { kind: 'Await', operand, pos: t.pos, end: operand.end };
      }
      if (this.is('(')) {
        const typeTok = this.peek();
        if (typeTok.kind === 'identifier' && CAST_TYPES.has(typeTok.text)) {
          const nullable = this.is('?', this.peek(2));
          const close = this.peek(nullable ? 3 : 2);
          const after = this.peek(nullable ? 4 : 3);
          const startsOperand =
            after.kind === 'identifier' || after.kind === 'string' || after.kind === 'number' || after.kind === 'char' ||
            after.kind === 'interpolated' || this.is('(', after) || this.is('true', after) || this.is('false', after) ||
            this.is('null', after) || this.is('await', after) ||
            (KEYWORD_TYPES.has(typeTok.text) && (this.is('!', after) || this.is('-', after) || this.is('+', after)));
          if (this.is(')', close) && startsOperand) {
            this.next();
            this.next();
            if (nullable) this.next();
            this.next();
            const operand = this.parseUnary();
            return { kind: 'Cast', type: typeTok.text, nullable, operand, pos: t.pos, end: operand.end };
          }
        }
      }
      return this.parsePostfix(this.parsePrimary());
    } finally {
      this.depth--;
    }
  }

  private parsePostfix(expr: Expr): Expr {
    for (;;) {
      const t = this.tok;
      if (this.is('.') || this.is('?.')) {
        this.next();
        const name = this.tok;
        if (name.kind !== 'identifier' && name.kind !== 'keyword') {
          this.error(Diagnostics._0_expected, name.pos, name.end - name.pos, 'Member name');
          return expr;
        }
        this.next();
        expr = { kind: 'Member', object: expr, name: name.text, namePos: name.pos, optional: t.text === '?.', pos: expr.pos, end: name.end };
      } else if (this.is('[') || this.is('?[')) {
        this.next();
        const index = this.parseExpression();
        this.expect(']');
        expr = { kind: 'Index', object: expr, index, optional: t.text === '?[', pos: expr.pos, end: this.prevEnd() };
      } else if (this.is('(')) {
        this.next();
        const args: Expr[] = [];
        if (!this.is(')')) {
          for (;;) {
            args.push(this.parseExpression());
            if (!this.eat(',')) break;
          }
        }
        this.expect(')');
        expr = { kind: 'Call', callee: expr, args, pos: expr.pos, end: this.prevEnd() };
      } else if (this.is('!') && this.isNullForgiving()) {
        this.next(); // null-forgiving operator x! has no runtime effect
      } else {
        return expr;
      }
    }
  }

  private isNullForgiving(): boolean {
    const n = this.peek();
    return n.kind === 'eof' || this.is('.', n) || this.is(')', n) || this.is(';', n) || this.is(',', n) || this.is(']', n);
  }

  private parsePrimary(): Expr {
    const t = this.tok;
    switch (t.kind) {
      case 'number':
        this.next();
        return { kind: 'Literal', type: t.isDouble ? 'double' : 'int', value: t.number ?? 0, pos: t.pos, end: t.end };
      case 'string':
        this.next();
        return { kind: 'Literal', type: 'string', value: t.text, pos: t.pos, end: t.end };
      case 'char':
        this.next();
        return { kind: 'Literal', type: 'char', value: t.text, pos: t.pos, end: t.end };
      case 'interpolated': {
        this.next();
        const parts: (string | InterpolatedHoleNode)[] = [];
        for (const p of t.parts ?? []) {
          if (typeof p === 'string') {
            parts.push(p);
            continue;
          }
          const inner = parseFormula(this.text, { start: p.pos, end: p.end, condition: this.condition });
          for (const dg of inner.diagnostics) this.diagnostics.push(dg);
          const expr: Expr = inner.program.expression ?? { kind: 'Missing', pos: p.pos, end: p.end };
          if (!inner.program.expression && inner.diagnostics.length === 0) {
            this.error(Diagnostics.Expression_expected, p.pos, p.end - p.pos);
          }
          const hole: InterpolatedHoleNode = { expr };
          if (p.alignment !== undefined) hole.alignment = p.alignment;
          if (p.format !== undefined) hole.format = p.format;
          parts.push(hole);
        }
        return { kind: 'Interpolated', parts, pos: t.pos, end: t.end };
      }
      case 'identifier':
        this.next();
        return { kind: 'Identifier', name: t.text, pos: t.pos, end: t.end };
      case 'keyword':
        if (t.text === 'true' || t.text === 'false') {
          this.next();
          return { kind: 'Literal', type: 'bool', value: t.text === 'true', pos: t.pos, end: t.end };
        }
        if (t.text === 'null') {
          this.next();
          return { kind: 'Literal', type: 'null', value: null, pos: t.pos, end: t.end };
        }
        if (t.text === 'this' || t.text === 'new' || t.text === 'typeof' || t.text === 'default') {
          this.next();
          this.error(Diagnostics.Keyword_0_not_supported, t.pos, t.end - t.pos, t.text);
          return { kind: 'Missing', pos: t.pos, end: t.end };
        }
        break;
      case 'punct':
        if (t.text === '(') {
          this.next();
          const inner = this.parseExpression();
          this.expect(')');
          return inner;
        }
        break;
      default:
        break;
    }
    this.error(Diagnostics.Expression_expected, t.pos, t.end - t.pos);
    return { kind: 'Missing', pos: t.pos, end: t.pos };
  }
}
