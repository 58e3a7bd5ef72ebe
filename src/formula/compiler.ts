/**
 * Compiler: syntax tree → JavaScript source → function (via `new Function`).
 * The generated code never contains user text raw: strings are JSON.stringify'd, identifiers become
 * generated names (`v0`, `b1`, `t2`) or property reads through `g(record, variables, "Name")`, and
 * built-ins are resolved here, at compile time, and handed to the code as closed-over constants.
 * Non-async formulas compile to straight-line synchronous code.
 */
import type { Binary, Block, Call, Expr, Lambda, Program, Stmt } from './ast.js';
import {
  CLASS_NAMES,
  FUNCTIONS,
  METHODS,
  STATICS,
  STATIC_PROPS,
  setConditionCompiler,
  type BuiltinDef,
  type ConditionPredicate,
  type StaticKind,
} from './builtins/index.js';
import { computeLineAndColumn, createDiagnostic, Diagnostics, formatSnippet, getLineStarts, type Diagnostic, type DiagnosticMessage } from './diagnostics.js';
import { FormulaError, FormulaErrorCode, FormulaMappingError, FormulaRuntimeError, FormulaSyntaxError } from './errors.js';
import { readPath } from './builtins/ipaas.js';
import { parseFormula } from './parser.js';
import * as rt from './runtime.js';
import type { CompiledFormula, FormulaEnv } from './types.js';

type Kind = Exclude<StaticKind, 'arg0'> | 'null' | 'lambda';
interface SType {
  readonly k: Kind;
  /** statically known not to be null */
  readonly nn: boolean;
}
interface Emitted {
  code: string;
  t: SType;
  /** The expression already awaits (async built-in call). */
  awaited?: boolean;
}

const ANY: SType = { k: 'any', nn: false };
const BOOL: SType = { k: 'bool', nn: true };
const STRING_NN: SType = { k: 'string', nn: true };
const NUMERIC = new Set<Kind>(['int', 'double']);
const PRIMITIVE = new Set<Kind>(['int', 'double', 'string', 'bool', 'char']);

/** Runtime helpers visible to generated code (by these fixed names). */
const RT_NAMES = [
  'g', 's', 'st', 'add', 'sub', 'mul', 'div', 'mod', 'idiv', 'imod', 'neg', 'plus', 'eq', 'lt', 'gt', 'le', 'ge', 'bool', 'not',
  'prop', 'propOpt', 'index', 'indexOpt', 'cast', 'formatValue', 'parentOf', 'nullRef', 'plain', 'hop', 'gv',
  'checkLimits', 'notList',
] as const;

function kindOf(k: StaticKind | undefined, args: Emitted[]): SType {
  if (k === undefined || k === 'any') return ANY;
  if (k === 'arg0') return args[0]?.t.k === 'int' || args[0]?.t.k === 'double' ? { k: args[0].t.k, nn: true } : ANY;
  if (k === 'list' || k === 'date' || k === 'string') return { k, nn: false };
  return { k, nn: true };
}

interface Local {
  js: string;
  t: SType;
}

interface CompileOutput {
  code: string;
  constants: unknown[];
  isAsync: boolean;
  usesSteps: boolean;
}

/**
 * Generated names and host constants. One per compiled formula; shared by all the formulas of one fused
 * program (see `createFusedProgram`), so their names never collide.
 */
interface NameSpace {
  readonly constants: unknown[];
  readonly constIndex: Map<unknown, number>;
  /** Helper functions (FieldFromFirstMatch fast paths, hoisted lambdas, fused statement formulas). */
  readonly helpers: string[];
  nextVar: number;
  nextTemp: number;
  /** Fused programs only: first-match lookups found once per record, by list field and condition → slot name. */
  readonly memo: Map<string, string> | null;
  /**
   * Fused programs only: keys read without `hasOwnProperty`. The fused function checks once per run that
   * the record's prototype is Object.prototype or null and that Object.prototype has no non-function
   * value under these keys; then a non-undefined, non-function value read is an own property.
   */
  readonly fastKeys: Set<string>;
}

function newNameSpace(memo: boolean): NameSpace {
  return { constants: [], constIndex: new Map(), helpers: [], nextVar: 0, nextTemp: 0, memo: memo ? new Map() : null, fastKeys: new Set() };
}

/** Generated `run` wrappers: set up the run context (shared unless busy) from the env. */
const ENTER = [
  'const e = env == null ? EMPTY : env;',
  'c.busy = true; c.n = 0; c.t0 = 0; c.env = e; c.vars = e.variables;',
  'const L = e.limits;',
  'if (L === undefined) { c.max = MAX_STEPS; c.maxMs = MAX_MS; }',
  'else { c.max = L.maxSteps ?? MAX_STEPS; c.maxMs = L.maxMillis ?? MAX_MS; }',
];

function temps(from: number, to: number): string {
  return to > from ? `let ${Array.from({ length: to - from }, (_, i) => `t${from + i}`).join(', ')};\n` : '';
}

class Compiler {
  readonly diagnostics: Diagnostic[] = [];
  private readonly scopes: Map<string, Local>[] = [new Map()];
  /** Fused expression fragment: first-match lookups over a record field may use the per-record memo. */
  private memoOk = false;
  private lambdaDepth = 0;
  /** Lambdas being compiled: index of their scope and whether they capture run state. */
  private readonly lambdas: { scope: number; captures: boolean }[] = [];
  private isAsync = false;
  private usesSteps = false;
  private usesParent = false;
  private usesE = false;
  private usesRecord = false;

  constructor(
    private readonly text: string,
    /** Runtime error position override (conditions compiled at run time report the caller's position). */
    private readonly fixedPos: number | undefined,
    private readonly conditionMode: boolean,
    private readonly ns: NameSpace = newNameSpace(false),
  ) {}

  private error(msg: DiagnosticMessage, pos: number, length: number, ...args: (string | number)[]): void {
    this.diagnostics.push(createDiagnostic(msg, pos, Math.max(1, length), ...args));
  }

  private p(pos: number): string {
    return String(this.fixedPos ?? pos);
  }

  private constant(v: unknown): string {
    let i = this.ns.constIndex.get(v);
    if (i === undefined) {
      i = this.ns.constants.length;
      this.ns.constants.push(v);
      this.ns.constIndex.set(v, i);
    }
    return `b${i}`;
  }

  private temp(): string {
    return `t${this.ns.nextTemp++}`;
  }

  private lookup(name: string): Local | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const l = this.scopes[i]?.get(name);
      if (l) {
        // A lambda that reads a local declared outside itself captures it (cannot be hoisted).
        for (const frame of this.lambdas) if (frame.scope > i) frame.captures = true;
        return l;
      }
    }
    return undefined;
  }

  /** The current lambdas read the record, the environment or variables: they cannot be hoisted. */
  private captureRun(): void {
    for (const frame of this.lambdas) frame.captures = true;
  }

  private declare(name: string, pos: number, t: SType): string {
    const scope = this.scopes[this.scopes.length - 1] as Map<string, Local>;
    if (scope.has(name)) this.error(Diagnostics.Variable_0_already_declared, pos, name.length, name);
    const js = `v${this.ns.nextVar++}`;
    scope.set(name, { js, t });
    return js;
  }

  // --- program -----------------------------------------------------------------------------------
  compileProgram(program: Program): CompileOutput {
    let body: string;
    if (program.expression) {
      body = `return ${this.valueOf(this.expr(program.expression))};`;
    } else {
      body = this.statements(program.body, true) + '\nreturn null;';
    }
    const prologue: string[] = [];
    if (this.usesE || this.usesParent) prologue.push('const e = c.env;');
    prologue.push('const vs = c.vars;');
    if (this.usesRecord) prologue.push('const rp = plain(r);');
    if (this.ns.nextTemp > 0) prologue.push(`let ${Array.from({ length: this.ns.nextTemp }, (_, i) => `t${i}`).join(', ')};`);
    const consts = this.ns.constants.map((_, i) => `b${i} = B[${i}]`);
    // Each formula gets its own `run` wrapper in its own generated code, so the call from `run` to
    // `formula` stays monomorphic and can be inlined by the JIT.
    // The sync wrapper reuses one shared context object (no allocation per run) unless it is busy.
    const enter = ENTER;
    const run = this.isAsync
      ? [
          'function run(record, env) {',
          'const c = H.fresh();',
          ...enter,
          'let p;',
          'try { p = formula(record, c); } catch (err) { return Promise.reject(H.wrap(err)); }',
          'return p.then(H.done, H.rethrow);',
          '}',
        ]
      : [
          'function run(record, env) {',
          'const c = SHARED.busy ? H.fresh() : SHARED;',
          ...enter,
          'try { const v = formula(record, c); return v === undefined ? null : v; }',
          'catch (err) { throw H.wrap(err); }',
          'finally { c.busy = false; c.env = EMPTY; c.vars = undefined; }',
          '}',
        ];
    const code = [
      '"use strict";',
      `const { ${RT_NAMES.join(', ')} } = rt;`,
      consts.length ? `const ${consts.join(', ')};` : '',
      'const { SHARED, EMPTY, MAX_STEPS, MAX_MS } = H;',
      ...this.ns.helpers,
      `${this.isAsync ? 'async ' : ''}function formula(r, c) {`,
      prologue.join('\n'),
      body,
      '}',
      ...run,
      'return { formula, run };',
    ].join('\n');
    return { code, constants: this.ns.constants, isAsync: this.isAsync, usesSteps: this.usesSteps };
  }

  /**
   * One formula of a fused program: an expression formula becomes an expression over `r`, `c`, `e`, `vs`
   * and `rp` of the fused function; a statement formula becomes a helper function called with `(r, c)`.
   */
  compileFragment(program: Program): { code: string; isAsync: boolean } {
    if (program.expression) {
      this.memoOk = true;
      const code = this.expr(program.expression).code;
      this.memoOk = false;
      return { code, isAsync: this.isAsync };
    }
    const firstTemp = this.ns.nextTemp;
    const body = this.statements(program.body, true);
    const name = `s${this.ns.helpers.length}`;
    this.ns.helpers.push(
      `function ${name}(r, c) {\nconst e = c.env;\nconst vs = c.vars;\nconst rp = plain(r);\n${temps(firstTemp, this.ns.nextTemp)}${body}\nreturn null;\n}`,
    );
    return { code: `${name}(r, c)`, isAsync: this.isAsync };
  }

  private valueOf(e: Emitted): string {
    return e.code;
  }

  private statements(stmts: Stmt[], topLevel: boolean): string {
    const out: string[] = [];
    stmts.forEach((stmt, i) => {
      const last = i === stmts.length - 1;
      if (topLevel && last && stmt.kind === 'ExprStmt' && !stmt.hasSemicolon) {
        out.push(`return ${this.expr(stmt.expr).code};`);
      } else out.push(this.statement(stmt));
    });
    return out.join('\n');
  }

  private statement(stmt: Stmt): string {
    switch (stmt.kind) {
      case 'Empty':
        return ';';
      case 'Block': {
        this.scopes.push(new Map());
        const code = `{\n${this.statements(stmt.body, false)}\n}`;
        this.scopes.pop();
        return code;
      }
      case 'Var': {
        const init = stmt.init ? this.expr(stmt.init) : undefined;
        let t: SType = init ? { k: init.t.k === 'null' ? 'any' : init.t.k, nn: false } : ANY;
        if (stmt.declaredType !== undefined) t = castType(stmt.declaredType, false);
        if (t.k === 'int' || t.k === 'double' || t.k === 'bool') t = { k: t.k, nn: init !== undefined && (init.t.nn || stmt.declaredType !== undefined) && init.t.k !== 'null' };
        if (init && init.t.k !== t.k && !(NUMERIC.has(t.k) && NUMERIC.has(init.t.k))) t = { k: t.k === 'any' ? 'any' : t.k, nn: false };
        const js = this.declare(stmt.name, stmt.namePos, t);
        return `let ${js} = ${init ? init.code : 'null'};`;
      }
      case 'If': {
        const cond = this.condition(this.expr(stmt.condition), stmt.condition.pos);
        this.scopes.push(new Map());
        const thenCode = this.statement(stmt.then);
        this.scopes.pop();
        let code = `if (${cond}) {\n${thenCode}\n}`;
        if (stmt.else) {
          this.scopes.push(new Map());
          code += ` else {\n${this.statement(stmt.else)}\n}`;
          this.scopes.pop();
        }
        return code;
      }
      case 'Return':
        return `return ${stmt.value ? this.expr(stmt.value).code : 'null'};`;
      case 'ExprStmt':
        return `${this.expr(stmt.expr).code};`;
    }
  }

  private condition(e: Emitted, pos: number): string {
    if (e.t.k === 'bool' && e.t.nn) return e.code;
    return `bool(${this.p(pos)}, ${e.code})`;
  }

  // --- expressions -------------------------------------------------------------------------------
  expr(node: Expr, allowLambda = false): Emitted {
    switch (node.kind) {
      case 'Missing':
        return { code: 'null', t: { k: 'null', nn: false } };
      case 'Literal':
        switch (node.type) {
          case 'int':
          case 'double':
            return { code: numberCode(node.value as number), t: { k: node.type, nn: true } };
          case 'string':
          case 'char':
            return { code: JSON.stringify(node.value), t: { k: node.type, nn: true } };
          case 'bool':
            return { code: node.value ? 'true' : 'false', t: BOOL };
          default:
            return { code: 'null', t: { k: 'null', nn: false } };
        }
      case 'Interpolated': {
        const pieces: string[] = ['""'];
        for (const part of node.parts) {
          if (typeof part === 'string') {
            pieces.push(JSON.stringify(part));
            continue;
          }
          const v = this.expr(part.expr);
          let piece =
            part.format !== undefined
              ? `formatValue(${this.p(part.expr.pos)}, ${v.code}, ${JSON.stringify(part.format)})`
              : this.str(v);
          if (part.alignment !== undefined) {
            const w = part.alignment;
            piece = `${piece}.${w < 0 ? 'padEnd' : 'padStart'}(${Math.min(Math.abs(w), 10_000)})`;
          }
          pieces.push(piece);
        }
        return { code: `(${pieces.join(' + ')})`, t: STRING_NN };
      }
      case 'Identifier':
        return this.identifier(node.name, node.pos);
      case 'Member':
        return this.member(node);
      case 'Index': {
        const obj = this.expr(node.object);
        const idx = this.expr(node.index);
        const lenient = node.optional || chainHasOptional(node.object);
        return { code: `${lenient ? 'indexOpt' : 'index'}(${this.p(node.pos)}, ${obj.code}, ${idx.code})`, t: ANY };
      }
      case 'Call':
        return this.call(node);
      case 'Unary': {
        const v = this.expr(node.operand);
        if (node.op === '!') {
          if (v.t.k === 'bool' && v.t.nn) return { code: `(!${v.code})`, t: BOOL };
          return { code: `not(${this.p(node.pos)}, ${v.code})`, t: BOOL };
        }
        if (NUMERIC.has(v.t.k) && v.t.nn) return { code: node.op === '-' ? `(-${v.code} + 0)` : v.code, t: v.t };
        return { code: `${node.op === '-' ? 'neg' : 'plus'}(${this.p(node.pos)}, ${v.code})`, t: ANY };
      }
      case 'Cast': {
        const v = this.expr(node.operand);
        const t = castType(node.type, node.nullable);
        if (t.k === 'double' && NUMERIC.has(v.t.k) && v.t.nn) return { code: v.code, t };
        if (t.k === 'int' && v.t.k === 'int' && v.t.nn) return { code: v.code, t };
        if (t.k === 'int' && v.t.k === 'char' && v.t.nn) return { code: `${v.code}.charCodeAt(0)`, t };
        if (t.k === 'string' && v.t.k === 'string') return { code: v.code, t: v.t };
        return { code: `cast(${this.p(node.pos)}, ${JSON.stringify(node.type)}, ${node.nullable}, ${v.code})`, t };
      }
      case 'Await': {
        if (this.lambdaDepth > 0 || this.conditionMode) this.error(Diagnostics.Await_inside_lambda, node.pos, 5);
        // Async built-ins are awaited where they are called; `await` before any other value is a no-op,
        // so only formulas that really call an async function become async.
        return this.expr(node.operand);
      }
      case 'Binary':
        return this.binary(node);
      case 'IsNull': {
        const v = this.expr(node.operand);
        return { code: `(${v.code} ${node.negated ? '!=' : '=='} null)`, t: BOOL };
      }
      case 'Conditional': {
        const c = this.condition(this.expr(node.condition), node.condition.pos);
        const a = this.expr(node.whenTrue);
        const b = this.expr(node.whenFalse);
        return { code: `(${c} ? ${a.code} : ${b.code})`, t: merge(a.t, b.t) };
      }
      case 'Lambda':
        if (!allowLambda) this.error(Diagnostics.Lambda_not_allowed_here, node.pos, node.end - node.pos);
        return this.lambda(node);
      case 'Assign':
        return this.assign(node);
    }
  }

  private identifier(name: string, pos: number): Emitted {
    const local = this.lookup(name);
    if (local) return { code: local.js, t: local.t };
    if (name === 'parent') {
      this.captureRun();
      this.usesE = true;
      return { code: '(e.parent === undefined ? null : e.parent)', t: ANY };
    }
    if (name === 'Parent') {
      this.captureRun();
      this.usesParent = true;
      return { code: 'parentOf(r, e)', t: ANY };
    }
    if (rt.BLOCKED_NAMES.has(name)) return { code: 'null', t: { k: 'null', nn: false } };
    void pos;
    this.captureRun();
    this.usesRecord = true;
    // Inline form of g(rp, vs, key): own property of the plain record, else the variable, else null.
    const key = JSON.stringify(name);
    const tmp = this.temp();
    if (this.memoOk) {
      // Fused expression: `rp` is checked to be plain data once per run (see NameSpace.fastKeys).
      this.ns.fastKeys.add(name);
      return { code: `(rp !== null && (${tmp} = rp[${key}]) !== undefined && typeof ${tmp} !== "function" ? ${tmp} : gv(vs, ${key}))`, t: ANY };
    }
    return {
      code: `(rp !== null && hop.call(rp, ${key}) && (${tmp} = rp[${key}]) !== undefined && typeof ${tmp} !== "function" ? ${tmp} : gv(vs, ${key}))`,
      t: ANY,
    };
  }

  private className(node: Expr): string | undefined {
    if (node.kind !== 'Identifier' || this.lookup(node.name)) return undefined;
    return CLASS_NAMES.get(node.name);
  }

  private member(node: Extract<Expr, { kind: 'Member' }>): Emitted {
    const cls = this.className(node.object);
    if (cls !== undefined) {
      const sp = STATIC_PROPS.get(`${cls}.${node.name}`);
      if (!sp) {
        this.error(Diagnostics.Unknown_member_0_of_1, node.namePos, node.name.length, node.name, cls);
        return { code: 'null', t: ANY };
      }
      const t = kindOf(sp.returns, []);
      if (sp.get) return { code: `${this.constant(sp.get)}()`, t };
      return { code: typeof sp.value === 'string' ? JSON.stringify(sp.value) : this.constant(sp.value), t };
    }
    const obj = this.expr(node.object);
    const lenient = node.optional || chainHasOptional(node.object);
    if (node.name === 'HasValue') return { code: `(${obj.code} != null)`, t: BOOL };
    if (node.name === 'Value' && (obj.t.k === 'int' || obj.t.k === 'double' || obj.t.k === 'bool' || obj.t.k === 'date')) {
      return { code: obj.code, t: obj.t };
    }
    if (rt.BLOCKED_NAMES.has(node.name)) {
      return { code: `(${obj.code}, null)`, t: { k: 'null', nn: false } };
    }
    if (node.name === 'Length' && obj.t.k === 'string' && obj.t.nn) return { code: `${obj.code}.length`, t: { k: 'int', nn: true } };
    const t: SType = node.name === 'Length' || node.name === 'Count' ? { k: 'int', nn: !lenient } : ANY;
    return { code: `${lenient ? 'propOpt' : 'prop'}(${this.p(node.pos)}, ${obj.code}, ${JSON.stringify(node.name)})`, t };
  }

  private args(node: Call, allowLambda: boolean): Emitted[] {
    return node.args.map((a) => this.expr(a, allowLambda));
  }

  private checkArity(name: string, d: BuiltinDef, node: Call): void {
    const n = node.args.length;
    if (n < d.min || n > d.max) {
      const expected = d.min === d.max ? String(d.min) : d.max === Infinity ? `at least ${d.min}` : `${d.min}-${d.max}`;
      this.error(Diagnostics.Function_0_expects_1_arguments_but_got_2, node.pos, node.end - node.pos, name, expected, n);
    }
  }

  private emitBuiltin(d: BuiltinDef, name: string, node: Call, args: Emitted[]): Emitted {
    this.usesSteps = true;
    const code = `${this.constant(d.fn)}(st(c), ${this.p(node.pos)}${args.map((a) => ', ' + a.code).join('')})`;
    const t = kindOf(d.returns, args);
    if (d.async) {
      if (this.lambdaDepth > 0 || this.conditionMode) {
        this.error(Diagnostics.Await_inside_lambda, node.pos, name.length);
        return { code: 'null', t: ANY };
      }
      this.isAsync = true;
      return { code: `(await ${code})`, t: { k: t.k, nn: false }, awaited: true };
    }
    return { code, t };
  }

  private call(node: Call): Emitted {
    const callee = node.callee;
    if (callee.kind === 'Identifier' && !this.lookup(callee.name)) {
      return this.globalCall(callee.name, callee.pos, node);
    }
    if (callee.kind === 'Member') {
      const cls = this.className(callee.object);
      if (cls !== undefined) {
        const key = `${cls}.${callee.name}`;
        const d = STATICS.get(key);
        const args = this.args(node, false);
        if (!d) {
          this.error(Diagnostics.Unknown_member_0_of_1, callee.namePos, callee.name.length, callee.name, cls);
          return { code: 'null', t: ANY };
        }
        this.checkArity(key, d, node);
        return this.emitBuiltin(d, key, node, args);
      }
      const m = METHODS.get(callee.name);
      const recv = this.expr(callee.object);
      const args = this.args(node, true);
      if (!m) {
        this.error(Diagnostics.Unknown_method_0, callee.namePos, callee.name.length, callee.name);
        return { code: 'null', t: ANY };
      }
      this.checkArity(callee.name, m, node);
      this.usesSteps = true;
      const fn = this.constant(m.fn);
      const t = kindOf(m.returns, []);
      const rest = args.map((a) => ', ' + a.code).join('');
      if (callee.optional || chainHasOptional(callee.object)) {
        const tmp = this.temp();
        return { code: `((${tmp} = ${recv.code}) == null ? null : ${fn}(st(c), ${this.p(callee.namePos)}, ${tmp}${rest}))`, t: { k: t.k, nn: false } };
      }
      return { code: `${fn}(st(c), ${this.p(callee.namePos)}, ${recv.code}${rest})`, t };
    }
    this.error(Diagnostics.Unknown_function_0, node.pos, node.end - node.pos, this.text.slice(callee.pos, Math.min(callee.end, callee.pos + 30)));
    return { code: 'null', t: ANY };
  }

  private globalCall(name: string, namePos: number, node: Call): Emitted {
    let d = FUNCTIONS.get(name);
    let requiredBase: string | undefined;
    if (!d) {
      const m = /^(.+?)Required(Async)?$/.exec(name);
      if (m) {
        const base = (m[1] as string) + (m[2] ?? '');
        const baseDef = FUNCTIONS.get(base) ?? FUNCTIONS.get(m[1] as string);
        if (baseDef) {
          requiredBase = m[1] as string;
          d = requiredWrapper(requiredBase, baseDef);
        }
      }
    }
    if (!d) {
      this.error(Diagnostics.Unknown_function_0, namePos, name.length, name);
      node.args.forEach((a) => this.expr(a, true));
      return { code: 'null', t: ANY };
    }
    this.checkArity(name, d, node);
    const args: Emitted[] = [];
    const conditionArg = d.conditionArg;
    const fast = this.equalityFastPath(name, node);
    if (fast) return fast;
    node.args.forEach((a, i) => {
      if (i === conditionArg && a.kind === 'Literal' && a.type === 'string') {
        const pred = this.precompileCondition(a.value as string, a.pos, node.pos);
        args.push({ code: pred ? this.constant(pred) : 'null', t: ANY });
      } else args.push(this.expr(a, false));
    });
    if (d.doubleVariant && args[0]?.t.k === 'double') {
      const v = FUNCTIONS.get(d.doubleVariant);
      if (v) d = v;
    }
    return this.emitBuiltin(d, name, node, args);
  }

  /**
   * `FieldFromFirstMatch(list, "Field == literal", "Name")` with literal condition and field name:
   * compiled to a loop comparing one own field, without a predicate call per item.
   */
  private equalityFastPath(name: string, node: Call): Emitted | undefined {
    if (name !== 'FieldFromFirstMatch' && name !== 'FirstMatch') return undefined;
    const cond = node.args[1];
    const field = node.args[2];
    if (cond?.kind !== 'Literal' || cond.type !== 'string') return undefined;
    if (name === 'FieldFromFirstMatch' && (field?.kind !== 'Literal' || field.type !== 'string')) return undefined;
    const { program, diagnostics } = parseFormula(cond.value as string, { condition: true });
    const e = program.expression;
    if (diagnostics.length > 0 || !e || e.kind !== 'Binary' || e.op !== '==') return undefined;
    let id: Expr = e.left;
    let lit: Expr = e.right;
    if (id.kind !== 'Identifier') [id, lit] = [lit, id];
    if (id.kind !== 'Identifier' || lit.kind !== 'Literal' || lit.type === 'null') return undefined;
    if (rt.BLOCKED_NAMES.has(id.name) || id.name === 'parent' || id.name === 'Parent') return undefined;
    const listArg = node.args[0] as Expr;
    const value = this.expr(lit).code;
    const key = JSON.stringify(id.name);
    const pos = this.p(node.pos);
    const fieldName = name === 'FieldFromFirstMatch' && field?.kind === 'Literal' ? String(field.value) : null;
    const resultOf = (it: string, x: string): string => {
      if (fieldName === null) return `(${it} === undefined ? null : ${it})`;
      const f = JSON.stringify(fieldName);
      return fieldName.includes('.') || rt.BLOCKED_NAMES.has(fieldName)
        ? `${this.constant(readPath)}(${it}, ${f})`
        : `(${it} !== null && typeof ${it} === "object" && hop.call(${it}, ${f}) && (${x} = ${it}[${f}]) !== undefined && typeof ${x} !== "function" ? ${x} : null)`;
    };
    const matches = `it !== null && typeof it === "object" && hop.call(it, ${key}) ? it[${key}] === ${value} : gv(vs, ${key}) === ${value}`;
    const loop = (found: string, none: string): string[] => [
      'if (list === null || list === undefined) return ' + none + ';',
      `if (!Array.isArray(list)) return notList(${pos}, ${JSON.stringify(name)}, list);`,
      'const vs = c.vars;',
      'let x;',
      'for (let i = 0; i < list.length; i++) {',
      'if (++c.n > c.max || (c.n & 1023) === 0) checkLimits(c);',
      'const it = list[i];',
      `if (${matches}) return ${found};`,
      '}',
      `return ${none};`,
    ];
    this.usesSteps = true;
    const memo = this.ns.memo;
    if (
      memo !== null &&
      this.memoOk &&
      this.lambdaDepth === 0 &&
      listArg.kind === 'Identifier' &&
      listArg.name !== 'parent' &&
      listArg.name !== 'Parent' &&
      !rt.BLOCKED_NAMES.has(listArg.name) &&
      this.lookup(listArg.name) === undefined
    ) {
      // Fused program: the first matching item of this record field is found once per record and
      // shared by every FieldFromFirstMatch/FirstMatch over the same field and condition.
      const memoKey = `${listArg.name}\u0000${id.name}\u0000${value}`;
      let slot = memo.get(memoKey);
      if (slot === undefined) {
        slot = `M${memo.size}`;
        memo.set(memoKey, slot);
        this.ns.helpers.push([`function F${slot.slice(1)}(c, list) {`, ...loop('it', 'undefined'), '}'].join('\n'));
      }
      const finder = `F${slot.slice(1)}`;
      const list = this.expr(listArg);
      const it = this.temp();
      const x = this.temp();
      // Q<n>: the found item is plain data (Object.prototype or null prototype), checked once per run;
      // its fields are then read without hasOwnProperty (the field name joins the pollution guard).
      const plainFlag = `Q${slot.slice(1)}`;
      const find = `(${slot} !== NOTSET ? ${slot} : (${plainFlag} = PD(${slot} = ${finder}(st(c), ${list.code})), ${slot}))`;
      let result = resultOf(it, x);
      if (fieldName !== null && !fieldName.includes('.') && !rt.BLOCKED_NAMES.has(fieldName)) {
        this.ns.fastKeys.add(fieldName);
        const f = JSON.stringify(fieldName);
        result = `(${plainFlag} ? ((${x} = ${it}[${f}]) !== undefined && typeof ${x} !== "function" ? ${x} : null) : ${result})`;
      }
      return { code: `((${it} = ${find}), ${result})`, t: ANY };
    }
    const list = this.expr(listArg);
    const helper = `m${this.ns.helpers.length}`;
    this.ns.helpers.push([`function ${helper}(c, list) {`, ...loop(resultOf('it', 'x'), 'null'), '}'].join('\n'));
    return { code: `${helper}(st(c), ${list.code})`, t: ANY };
  }

  private precompileCondition(text: string, litPos: number, callPos: number): ConditionPredicate | undefined {
    try {
      return compileCondition(text, callPos);
    } catch (e) {
      if (e instanceof FormulaSyntaxError) {
        const first = e.diagnostics[0];
        this.error(Diagnostics.Invalid_condition_0, litPos, text.length + 2, `${first?.message ?? e.message} (in "${text.slice(0, 60)}")`);
        return undefined;
      }
      throw e;
    }
  }

  /**
   * Lambdas get the run context as an extra last parameter (`c`), which LINQ passes. A lambda that
   * reads nothing from the run (no record field, variable, parent or outer local) is hoisted out of
   * the formula function: it is created once at compile time, not on every run.
   */
  private lambda(node: Lambda): Emitted {
    this.scopes.push(new Map());
    const frame = { scope: this.scopes.length - 1, captures: false };
    this.lambdas.push(frame);
    this.lambdaDepth++;
    this.usesSteps = true;
    const firstTemp = this.ns.nextTemp;
    const params = [...node.params.map((p) => this.declare(p.name, p.pos, ANY)), 'c'];
    let body: string;
    if (node.body.kind === 'Block') {
      body = `${this.statements((node.body as Block).body, false)}\nreturn null;`;
    } else {
      body = `return ${this.expr(node.body as Expr).code};`;
    }
    this.lambdaDepth--;
    this.lambdas.pop();
    this.scopes.pop();
    if (!frame.captures) {
      const temps = Array.from({ length: this.ns.nextTemp - firstTemp }, (_, i) => `t${firstTemp + i}`);
      const name = `l${this.ns.helpers.length}`;
      this.ns.helpers.push(`function ${name}(${params.join(', ')}) {\n${temps.length ? `let ${temps.join(', ')};\n` : ''}${body}\n}`);
      return { code: name, t: { k: 'lambda', nn: true } };
    }
    return { code: `((${params.join(', ')}) => {\n${body}\n})`, t: { k: 'lambda', nn: true } };
  }

  private assign(node: Extract<Expr, { kind: 'Assign' }>): Emitted {
    const target = node.target;
    const local = target.kind === 'Identifier' ? this.lookup(target.name) : undefined;
    if (!local) {
      this.error(Diagnostics.Invalid_assignment_target, target.pos, target.end - target.pos);
      this.expr(node.value);
      return { code: 'null', t: ANY };
    }
    if (node.op === '=') {
      const v = this.expr(node.value);
      return { code: `(${local.js} = ${v.code})`, t: v.t };
    }
    if (node.op === '??=') {
      const v = this.expr(node.value);
      return { code: `(${local.js} != null ? ${local.js} : (${local.js} = ${v.code}))`, t: merge(local.t, v.t) };
    }
    const op = node.op.slice(0, 1) as Binary['op'];
    const bin: Binary = { kind: 'Binary', op, left: target, right: node.value, pos: node.pos, end: node.end };
    const v = this.binary(bin);
    return { code: `(${local.js} = ${v.code})`, t: v.t };
  }

  private str(e: Emitted): string {
    if ((e.t.k === 'string' || e.t.k === 'char') && e.t.nn) return e.code;
    if (e.t.k === 'string' || e.t.k === 'any') {
      const tmp = this.temp();
      return `(typeof (${tmp} = ${e.code}) === "string" ? ${tmp} : s(${tmp}))`;
    }
    return `s(${e.code})`;
  }

  private binary(node: Binary): Emitted {
    const pos = this.p(node.pos);
    const a = this.expr(node.left);
    const b = this.expr(node.right);
    const bothNum = NUMERIC.has(a.t.k) && a.t.nn && NUMERIC.has(b.t.k) && b.t.nn;
    const numType: SType = { k: a.t.k === 'double' || b.t.k === 'double' ? 'double' : 'int', nn: true };
    const floating = a.t.k === 'double' || b.t.k === 'double';
    switch (node.op) {
      case '&&':
      case '||':
        return { code: `(${this.condition(a, node.left.pos)} ${node.op} ${this.condition(b, node.right.pos)})`, t: BOOL };
      case '??': {
        if (a.t.nn) return a;
        const tmp = this.temp();
        return { code: `((${tmp} = ${a.code}) != null ? ${tmp} : ${b.code})`, t: merge(a.t, b.t) };
      }
      case '==':
      case '!=': {
        const neg = node.op === '!=';
        if (a.t.k === 'null' || b.t.k === 'null') {
          const other = a.t.k === 'null' ? b : a;
          return { code: `(${other.code} ${neg ? '!=' : '=='} null)`, t: BOOL };
        }
        const literalSide = isPrimitiveLiteral(node.left) || isPrimitiveLiteral(node.right);
        const sameStatic = a.t.k === b.t.k && PRIMITIVE.has(a.t.k) && a.t.nn && b.t.nn;
        if (literalSide || sameStatic || bothNum) return { code: `(${a.code} ${neg ? '!==' : '==='} ${b.code})`, t: BOOL };
        return { code: `${neg ? '!' : ''}eq(${a.code}, ${b.code})`, t: BOOL };
      }
      case '<':
      case '>':
      case '<=':
      case '>=': {
        if (bothNum) return { code: `(${a.code} ${node.op} ${b.code})`, t: BOOL };
        const fn = { '<': 'lt', '>': 'gt', '<=': 'le', '>=': 'ge' }[node.op];
        return { code: `${fn}(${pos}, ${a.code}, ${b.code})`, t: BOOL };
      }
      case '+': {
        const isStr = (t: SType) => t.k === 'string' || t.k === 'char';
        if (isStr(a.t) || isStr(b.t)) return { code: `(${this.str(a)} + ${this.str(b)})`, t: STRING_NN };
        if (bothNum) return { code: `(${a.code} + ${b.code})`, t: numType };
        return { code: `add(${pos}, ${a.code}, ${b.code})`, t: ANY };
      }
      case '-':
      case '*': {
        if (bothNum) return { code: `(${a.code} ${node.op} ${b.code})`, t: numType };
        return { code: `${node.op === '-' ? 'sub' : 'mul'}(${pos}, ${a.code}, ${b.code})`, t: a.t.k === 'date' ? ANY : NUMERIC.has(a.t.k) && NUMERIC.has(b.t.k) ? { k: numType.k, nn: false } : ANY };
      }
      case '/':
      case '%': {
        const isDiv = node.op === '/';
        if (bothNum && !floating) return { code: `${isDiv ? 'idiv' : 'imod'}(${pos}, ${a.code}, ${b.code})`, t: numType };
        if (bothNum) return { code: `(${a.code} ${node.op} ${b.code})`, t: numType };
        return {
          code: `${isDiv ? 'div' : 'mod'}(${pos}, ${a.code}, ${b.code}, ${floating})`,
          t: floating ? { k: 'double', nn: false } : ANY,
        };
      }
    }
  }
}

function isPrimitiveLiteral(e: Expr): boolean {
  return e.kind === 'Literal' && e.type !== 'null';
}

function chainHasOptional(e: Expr): boolean {
  let cur: Expr = e;
  for (;;) {
    if (cur.kind === 'Member' || cur.kind === 'Index') {
      if (cur.optional) return true;
      cur = cur.object;
    } else if (cur.kind === 'Call') {
      cur = cur.callee;
    } else return false;
  }
}

function merge(a: SType, b: SType): SType {
  if (a.k === b.k) return { k: a.k, nn: a.nn && b.nn };
  if (a.k === 'null') return { k: b.k, nn: false };
  if (b.k === 'null') return { k: a.k, nn: false };
  if (NUMERIC.has(a.k) && NUMERIC.has(b.k)) return { k: 'double', nn: a.nn && b.nn };
  return ANY;
}

function castType(type: string, nullable: boolean): SType {
  switch (type) {
    case 'int': case 'long': case 'short': case 'byte': case 'uint': case 'ulong': case 'Int32': case 'Int64':
      return { k: 'int', nn: !nullable };
    case 'decimal': case 'double': case 'float': case 'Decimal': case 'Double':
      return { k: 'double', nn: !nullable };
    case 'bool': case 'Boolean':
      return { k: 'bool', nn: !nullable };
    case 'string': case 'String':
      return { k: 'string', nn: false };
    case 'char':
      return { k: 'char', nn: !nullable };
    case 'DateTime':
      return { k: 'date', nn: !nullable };
    default:
      return ANY;
  }
}

function numberCode(n: number): string {
  if (!Number.isFinite(n)) return '0';
  return String(n);
}

// --- entry points -------------------------------------------------------------------------------

type GeneratedFn = (record: unknown, c: rt.RunContext) => unknown;
type RunFn = (record: unknown, env: FormulaEnv) => unknown;

/** Host hooks used by the generated `run` wrapper. */
interface RunHooks {
  readonly SHARED: rt.RunContext;
  readonly EMPTY: FormulaEnv;
  readonly MAX_STEPS: number;
  readonly MAX_MS: number;
  fresh(): rt.RunContext;
  wrap(err: unknown): FormulaError;
  rethrow(err: unknown): never;
  done(v: unknown): unknown;
}

function build(out: CompileOutput, hooks: RunHooks): { formula: GeneratedFn; run: RunFn } {
  // Generated code only: user text appears in it as JSON string literals, never raw.
  const factory = new Function('rt', 'B', 'H', out.code) as (runtime: typeof rt, constants: unknown[], h: RunHooks) => { formula: GeneratedFn; run: RunFn };
  return factory(rt, out.constants, hooks);
}

function syntaxError(source: string, diagnostics: Diagnostic[], name: string | undefined): FormulaSyntaxError {
  const lineStarts = getLineStarts(source);
  const first = diagnostics[0] as Diagnostic;
  const { line, column } = computeLineAndColumn(lineStarts, first.start);
  const snippet = formatSnippet(source, lineStarts, first.start, first.length);
  const more = diagnostics.length > 1 ? ` (+${diagnostics.length - 1} more)` : '';
  const prefix = name ? `${name}: ` : '';
  return new FormulaSyntaxError(`${prefix}${first.message} (line ${line}, column ${column})${more}`, diagnostics, line, column, snippet);
}

const conditionCache = new Map<string, ConditionPredicate>();
const CONDITION_CACHE_SIZE = 500;

/** Compiles a FieldFromFirstMatch/FirstMatch condition string (cached by text). Throws FormulaSyntaxError. */
export function compileCondition(text: string, callPos = -1): ConditionPredicate {
  return guardStack(text, undefined, () => compileConditionUnguarded(text, callPos));
}

function compileConditionUnguarded(text: string, callPos: number): ConditionPredicate {
  const key = `${callPos}\u0000${text}`;
  const hit = conditionCache.get(key);
  if (hit) return hit;
  const { program, diagnostics } = parseFormula(text, { condition: true });
  const compiler = new Compiler(text, callPos, true);
  let out: CompileOutput | undefined;
  if (diagnostics.length === 0) {
    if (!program.expression) diagnostics.push(createDiagnostic(Diagnostics.Expression_expected, 0, Math.max(1, text.length)));
    else out = compiler.compileProgram(program);
  }
  const all = [...diagnostics, ...compiler.diagnostics];
  if (all.length > 0 || !out) throw syntaxError(text, all, undefined);
  const pred: ConditionPredicate = build(out, conditionHooks).formula;
  if (conditionCache.size >= CONDITION_CACHE_SIZE) {
    const oldest = conditionCache.keys().next().value;
    if (oldest !== undefined) conditionCache.delete(oldest);
  }
  conditionCache.set(key, pred);
  return pred;
}

setConditionCompiler((text, pos) => {
  try {
    return compileCondition(text, pos);
  } catch (e) {
    if (e instanceof FormulaSyntaxError) {
      throw new FormulaRuntimeError(FormulaErrorCode.ARGUMENT, `Invalid condition "${text.slice(0, 80)}": ${e.diagnostics[0]?.message ?? e.message}`, { pos });
    }
    throw e;
  }
});

/** Wraps a built-in for the `<Name>Required` convention: no value → FormulaMappingError. */
function requiredWrapper(base: string, d: BuiltinDef): BuiltinDef {
  const f = d.fn as unknown as (c: rt.RunContext, pos: number, ...args: unknown[]) => unknown;
  const check = (v: unknown, args: unknown[], pos: number): unknown => {
    if (v === null || v === undefined || v === '') {
      const shown = args.length > 0 ? ` for '${rt.s(args[0]).slice(0, 60)}'` : '';
      throw new FormulaMappingError(`${base}Required: no value found${shown}.`, { pos });
    }
    return v;
  };
  const fn = d.async
    ? (c: rt.RunContext, pos: number, ...args: unknown[]) => (f(c, pos, ...args) as Promise<unknown>).then((v) => check(v, args, pos))
    : (c: rt.RunContext, pos: number, ...args: unknown[]) => check(f(c, pos, ...args), args, pos);
  return { ...d, fn: fn as BuiltinDef['fn'], doubleVariant: undefined };
}

const EMPTY_ENV: FormulaEnv = Object.freeze({});
const sharedContext = rt.newContext();

function done(v: unknown): unknown {
  return v === undefined ? null : v;
}

function makeHooks(source: string): RunHooks {
  const lineStarts: { v?: number[] } = {};
  const wrap = (err: unknown) => toRuntimeError(err, source, lineStarts);
  return {
    SHARED: sharedContext,
    EMPTY: EMPTY_ENV,
    MAX_STEPS: rt.DEFAULT_MAX_STEPS,
    MAX_MS: rt.DEFAULT_MAX_MILLIS,
    fresh: rt.newContext,
    wrap,
    rethrow: (err: unknown) => {
      throw wrap(err);
    },
    done,
  };
}

const conditionHooks = makeHooks('');

function toRuntimeError(e: unknown, source: string, lineStartsRef: { v?: number[] }): FormulaError {
  let err: FormulaError;
  if (e instanceof FormulaError) err = e;
  else if (e instanceof RangeError && /call stack/i.test(e.message)) {
    err = new FormulaRuntimeError(FormulaErrorCode.LIMIT, 'Formula is nested too deeply (stack limit).');
  } else {
    err = new FormulaRuntimeError(FormulaErrorCode.INTERNAL, `Internal formula error: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (err instanceof FormulaRuntimeError && err.pos !== undefined && err.line === undefined && err.pos <= source.length) {
    lineStartsRef.v ??= getLineStarts(source);
    const { line, column } = computeLineAndColumn(lineStartsRef.v, err.pos);
    err.line = line;
    err.column = column;
  }
  return err;
}

const cache = new Map<string, CompiledFormula>();
const CACHE_SIZE = 2000;

/** Very long operator chains can exhaust the stack while compiling: report them as a syntax error. */
function guardStack<T>(source: string, name: string | undefined, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RangeError) {
      throw syntaxError(source, [createDiagnostic(Diagnostics.Too_deeply_nested, 0, 1)], name);
    }
    throw e;
  }
}

/** Compiles a formula (cached by source, bounded LRU). Throws FormulaSyntaxError. */
export function compileFormula(source: string, options?: { name?: string }): CompiledFormula {
  if (typeof source !== 'string') {
    throw new FormulaSyntaxError('Formula must be a string.', [], 1, 1, '');
  }
  const name = options?.name;
  const key = name ? `${name}\u0000${source}` : source;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const formula = guardStack(source, name, () => compileUncached(source, name));
  if (cache.size >= CACHE_SIZE) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(key, formula);
  return formula;
}

function compileUncached(source: string, name: string | undefined): CompiledFormula {
  const { program, diagnostics } = parseFormula(source);
  if (diagnostics.length > 0) throw syntaxError(source, diagnostics, name);
  const compiler = new Compiler(source, undefined, false);
  const out = compiler.compileProgram(program);
  if (compiler.diagnostics.length > 0) {
    throw syntaxError(source, compiler.diagnostics.sort((a, b) => a.start - b.start), name);
  }
  const { run } = build(out, makeHooks(source));
  return Object.freeze({ source, isAsync: out.isAsync, run });
}

/** The JavaScript generated for a formula (for debugging and tests). */
export function generatedCode(source: string): string {
  return guardStack(source, undefined, () => generatedCodeUnguarded(source));
}

function generatedCodeUnguarded(source: string): string {
  const { program, diagnostics } = parseFormula(source);
  if (diagnostics.length > 0) throw syntaxError(source, diagnostics, undefined);
  const compiler = new Compiler(source, undefined, false);
  const out = compiler.compileProgram(program);
  if (compiler.diagnostics.length > 0) throw syntaxError(source, compiler.diagnostics, undefined);
  return out.code;
}

// --- fused programs (internal API of the mapping engine) ------------------------------------------

/**
 * Several formulas compiled into one generated function (the mapping engine's fused fast path).
 * The same guarantees as `compileFormula`: user text reaches the generated code only as JSON literals,
 * identifiers are own-property reads of plain records, `constructor`/`__proto__`/`prototype` are
 * unreachable, and step/time limits apply (counted over the whole fused run).
 */
export interface FusedProgram {
  /**
   * Adds a formula; returns the JS expression computing its value inside the fused function, or null
   * when the formula is async (not fusable). Throws FormulaSyntaxError like `compileFormula`.
   * `FieldFromFirstMatch`/`FirstMatch` over the same record field with the same literal equality
   * condition find the item once per run and share it.
   */
  formula(source: string): string | null;
  /** The name under which the generated code sees a host value (static value, path, helper function). */
  constant(value: unknown): string;
  /** A fresh temporary variable, declared by the program. */
  temp(): string;
  /**
   * Builds the function. `body`: JS statements over the record `r` that end in `return`; built by the
   * caller only from names given by `formula`/`constant`/`temp`, JSON literals and fixed operators.
   * A throw while running returns `failed` (the caller then takes its regular path).
   */
  build(body: string, failed: unknown): FusedRun;
}

export interface FusedRun {
  (record: unknown, env: FormulaEnv | undefined): unknown;
  /** The generated JavaScript (debugging, tests). */
  readonly code: string;
}

/**
 * Fused function prologue for reads without `hasOwnProperty`: a record that is not plain data
 * (other prototype) or an Object.prototype carrying a value under a key read makes the run fail,
 * and the caller takes its regular path.
 */
function fastReadGuard(keys: ReadonlySet<string>): string[] {
  if (keys.size === 0) return [];
  const polluted = [...keys].map((k) => `((op = OP[${JSON.stringify(k)}]) !== undefined && typeof op !== "function")`);
  return ['if (rp !== null) { const pr = GP(rp); if (pr !== OP && pr !== null) return FAILED; }', 'let op;', `if (${polluted.join(' || ')}) return FAILED;`];
}

function isPlainData(o: unknown): boolean {
  if (o === null || typeof o !== 'object') return false;
  const p = Object.getPrototypeOf(o) as unknown;
  return p === Object.prototype || p === null;
}

/** Creates an empty fused program. */
export function createFusedProgram(): FusedProgram {
  const ns = newNameSpace(true);
  return {
    formula(source: string): string | null {
      return guardStack(source, undefined, () => {
        const { program, diagnostics } = parseFormula(source);
        if (diagnostics.length > 0) throw syntaxError(source, diagnostics, undefined);
        const compiler = new Compiler(source, undefined, false, ns);
        const frag = compiler.compileFragment(program);
        if (compiler.diagnostics.length > 0) throw syntaxError(source, compiler.diagnostics.sort((a, b) => a.start - b.start), undefined);
        return frag.isAsync ? null : `(${frag.code})`;
      });
    },
    constant(value: unknown): string {
      let i = ns.constIndex.get(value);
      if (i === undefined) {
        i = ns.constants.length;
        ns.constants.push(value);
        ns.constIndex.set(value, i);
      }
      return `b${i}`;
    },
    temp(): string {
      return `t${ns.nextTemp++}`;
    },
    build(body: string, failed: unknown): FusedRun {
      const slots = [...(ns.memo as Map<string, string>).values()];
      const code = [
        '"use strict";',
        `const { ${RT_NAMES.join(', ')} } = rt;`,
        ns.constants.length ? `const ${ns.constants.map((_, i) => `b${i} = B[${i}]`).join(', ')};` : '',
        'const { SHARED, EMPTY, MAX_STEPS, MAX_MS, NOTSET, FAILED, OP, GP, PD } = H;',
        ...ns.helpers,
        'function fused(r, c) {',
        'const e = c.env;',
        'const vs = c.vars;',
        'const rp = plain(r);',
        ...fastReadGuard(ns.fastKeys),
        temps(0, ns.nextTemp) + (slots.length ? `let ${slots.map((m) => `${m} = NOTSET, Q${m.slice(1)} = false`).join(', ')};` : ''),
        body,
        '}',
        'function run(record, env) {',
        'const c = SHARED.busy ? H.fresh() : SHARED;',
        ...ENTER,
        'try { return fused(record, c); }',
        'catch { return FAILED; }',
        'finally { c.busy = false; c.env = EMPTY; c.vars = undefined; }',
        '}',
        'return run;',
      ].join('\n');
      const hooks = { SHARED: sharedContext, EMPTY: EMPTY_ENV, MAX_STEPS: rt.DEFAULT_MAX_STEPS, MAX_MS: rt.DEFAULT_MAX_MILLIS, fresh: rt.newContext, NOTSET: {}, FAILED: failed, OP: Object.prototype, GP: Object.getPrototypeOf, PD: isPlainData };
      // Generated code only: user text appears in it as JSON string literals, never raw.
      const factory = new Function('rt', 'B', 'H', code) as (runtime: typeof rt, constants: unknown[], h: typeof hooks) => (record: unknown, env: FormulaEnv | undefined) => unknown;
      const run = factory(rt, ns.constants, hooks);
      return Object.assign(run, { code });
    },
  };
}
