/** Syntax tree of a formula. Every node carries `pos`/`end` offsets into the source. */
export interface NodeBase {
  pos: number;
  end: number;
}

export type LiteralType = 'int' | 'double' | 'string' | 'char' | 'bool' | 'null';

export interface Literal extends NodeBase {
  kind: 'Literal';
  type: LiteralType;
  value: string | number | boolean | null;
}
export interface InterpolatedHoleNode {
  expr: Expr;
  alignment?: number;
  format?: string;
}
export interface Interpolated extends NodeBase {
  kind: 'Interpolated';
  parts: (string | InterpolatedHoleNode)[];
}
export interface Identifier extends NodeBase {
  kind: 'Identifier';
  name: string;
}
export interface Member extends NodeBase {
  kind: 'Member';
  object: Expr;
  name: string;
  namePos: number;
  optional: boolean;
}
export interface Index extends NodeBase {
  kind: 'Index';
  object: Expr;
  index: Expr;
  optional: boolean;
}
export interface Call extends NodeBase {
  kind: 'Call';
  callee: Expr;
  args: Expr[];
}
export interface Unary extends NodeBase {
  kind: 'Unary';
  op: '!' | '-' | '+';
  operand: Expr;
}
export interface Cast extends NodeBase {
  kind: 'Cast';
  type: string;
  nullable: boolean;
  operand: Expr;
}
export interface Await extends NodeBase {
  kind: 'Await';
  operand: Expr;
}
export type BinaryOp = '*' | '/' | '%' | '+' | '-' | '<' | '>' | '<=' | '>=' | '==' | '!=' | '&&' | '||' | '??';
export interface Binary extends NodeBase {
  kind: 'Binary';
  op: BinaryOp;
  left: Expr;
  right: Expr;
}
export interface IsNull extends NodeBase {
  kind: 'IsNull';
  operand: Expr;
  negated: boolean;
}
export interface Conditional extends NodeBase {
  kind: 'Conditional';
  condition: Expr;
  whenTrue: Expr;
  whenFalse: Expr;
}
export interface Lambda extends NodeBase {
  kind: 'Lambda';
  params: { name: string; pos: number }[];
  body: Expr | Block;
}
export interface Assign extends NodeBase {
  kind: 'Assign';
  op: '=' | '+=' | '-=' | '*=' | '/=' | '??=';
  target: Expr;
  value: Expr;
}
/** Placeholder inserted by the parser where an expression was missing (already reported). */
export interface Missing extends NodeBase {
  kind: 'Missing';
}

export type Expr =
  | Literal
  | Interpolated
  | Identifier
  | Member
  | Index
  | Call
  | Unary
  | Cast
  | Await
  | Binary
  | IsNull
  | Conditional
  | Lambda
  | Assign
  | Missing;

export interface VarStmt extends NodeBase {
  kind: 'Var';
  name: string;
  namePos: number;
  declaredType?: string;
  init: Expr | undefined;
}
export interface IfStmt extends NodeBase {
  kind: 'If';
  condition: Expr;
  then: Stmt;
  else: Stmt | undefined;
}
export interface ReturnStmt extends NodeBase {
  kind: 'Return';
  value: Expr | undefined;
}
export interface ExprStmt extends NodeBase {
  kind: 'ExprStmt';
  expr: Expr;
  hasSemicolon: boolean;
}
export interface Block extends NodeBase {
  kind: 'Block';
  body: Stmt[];
}
export interface EmptyStmt extends NodeBase {
  kind: 'Empty';
}
export type Stmt = VarStmt | IfStmt | ReturnStmt | ExprStmt | Block | EmptyStmt;

export interface Program extends NodeBase {
  kind: 'Program';
  body: Stmt[];
  /** A single expression formula (its value is the result). */
  expression: Expr | undefined;
}
