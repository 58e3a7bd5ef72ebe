/**
 * Diagnostics are data: a numeric code, a category and a message template. Positions are offsets;
 * line and column are computed only when shown, from the line starts of the source.
 * 1xxx: scanner and parser (syntax). 2xxx: binding and compile-time checks.
 */
export type DiagnosticCategory = 'error' | 'warning';

export interface DiagnosticMessage {
  readonly code: number;
  readonly category: DiagnosticCategory;
  readonly message: string;
}

export interface Diagnostic {
  readonly code: number;
  readonly category: DiagnosticCategory;
  readonly start: number;
  readonly length: number;
  readonly message: string;
}

function d(code: number, message: string): DiagnosticMessage {
  return Object.freeze({ code, category: 'error', message });
}

export const Diagnostics = {
  Unterminated_string_literal: d(1002, 'Unterminated string literal.'),
  Unterminated_character_literal: d(1003, 'Unterminated character literal.'),
  Invalid_character: d(1004, "Invalid character '{0}'."),
  Invalid_escape_sequence: d(1005, "Invalid escape sequence '\\{0}'."),
  Invalid_number: d(1006, "Invalid number '{0}'."),
  Unterminated_interpolation: d(1007, 'Unterminated interpolation hole: missing }.'),
  Character_literal_must_hold_one_character: d(1008, 'A character literal must hold exactly one character.'),
  _0_expected: d(1010, '{0} expected.'),
  Expression_expected: d(1011, 'Expression expected.'),
  Unexpected_token_0: d(1012, "Unexpected '{0}'."),
  Too_deeply_nested: d(1013, 'Formula is nested too deeply.'),
  Formula_too_long: d(1014, 'Formula is longer than {0} characters.'),
  Unknown_function_0: d(2001, "Unknown function '{0}'."),
  Unknown_method_0: d(2002, "Unknown method '{0}'."),
  Function_0_expects_1_arguments_but_got_2: d(2003, "'{0}' expects {1} argument(s) but got {2}."),
  Variable_0_already_declared: d(2004, "A local variable named '{0}' is already declared in this scope."),
  Invalid_assignment_target: d(2005, 'Only local variables can be assigned.'),
  Keyword_0_not_supported: d(2006, "'{0}' is not supported in formulas."),
  Await_inside_lambda: d(2007, "'await' and async functions cannot be used inside a lambda."),
  Invalid_condition_0: d(2008, 'Invalid condition: {0}'),
  Unknown_member_0_of_1: d(2009, "'{1}' has no member '{0}'."),
  Unknown_type_0: d(2010, "Unknown type '{0}'."),
  Lambda_not_allowed_here: d(2011, 'A lambda can only be passed as an argument.'),
} as const;

export function formatMessage(template: string, args: readonly (string | number)[]): string {
  return template.replace(/\{(\d+)\}/g, (m, i: string) => {
    const v = args[Number(i)];
    return v === undefined ? m : String(v);
  });
}

export function createDiagnostic(
  msg: DiagnosticMessage,
  start: number,
  length: number,
  ...args: (string | number)[]
): Diagnostic {
  return { code: msg.code, category: msg.category, start, length, message: formatMessage(msg.message, args) };
}

/** Offsets at which each line starts (line 0 starts at 0). Handles \n, \r\n and \r. */
export function getLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    } else if (ch === 10) {
      starts.push(i + 1);
    }
  }
  return starts;
}

/** 1-based line and column of an offset, by bisection over the line starts. */
export function computeLineAndColumn(lineStarts: readonly number[], pos: number): { line: number; column: number } {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((lineStarts[mid] ?? 0) <= pos) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: pos - (lineStarts[lo] ?? 0) + 1 };
}

/** The source line holding `pos`, followed by a caret line under the column. */
export function formatSnippet(text: string, lineStarts: readonly number[], pos: number, length = 1): string {
  const { line, column } = computeLineAndColumn(lineStarts, pos);
  const start = lineStarts[line - 1] ?? 0;
  let end = line < lineStarts.length ? (lineStarts[line] ?? text.length) : text.length;
  while (end > start && (text[end - 1] === '\n' || text[end - 1] === '\r')) end--;
  const lineText = text.slice(start, end).replace(/\t/g, ' ');
  const width = Math.max(1, Math.min(length, lineText.length - column + 1));
  return `${lineText}\n${' '.repeat(column - 1)}${'^'.repeat(width)}`;
}

export function describeDiagnostic(text: string, diag: Diagnostic): string {
  const { line, column } = computeLineAndColumn(getLineStarts(text), diag.start);
  return `(${line},${column}): error F${diag.code}: ${diag.message}`;
}
