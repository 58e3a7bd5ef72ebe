/**
 * Scanner: text → tokens. Pulled one token at a time (`scan()`), never throws; problems are reported
 * through the `onError` callback with an offset and a length, and scanning goes on.
 */
import { Diagnostics, type DiagnosticMessage } from './diagnostics.js';

export type TokenKind =
  | 'eof'
  | 'identifier'
  | 'keyword'
  | 'string'
  | 'char'
  | 'number'
  | 'interpolated'
  | 'punct'
  | 'unknown';

/** A hole of an interpolated string: offsets of its expression text plus optional alignment/format. */
export interface InterpolationHole {
  readonly pos: number;
  readonly end: number;
  readonly alignment?: number;
  readonly format?: string;
}
export type InterpolationPart = string | InterpolationHole;

export interface Token {
  readonly kind: TokenKind;
  /** Identifier / keyword / punctuation text, or the decoded value of a string/char literal. */
  readonly text: string;
  readonly pos: number;
  readonly end: number;
  readonly number?: number;
  /** Number literal written as floating point (decimal point, exponent or m/d/f suffix). */
  readonly isDouble?: boolean;
  readonly parts?: readonly InterpolationPart[];
}

export type ScannerErrorCallback = (message: DiagnosticMessage, pos: number, length: number, arg?: string) => void;

export interface Scanner {
  scan(): TokenKind;
  getToken(): Token;
  getTokenPos(): number;
  getTokenEnd(): number;
  setOnError(cb: ScannerErrorCallback): void;
}

const KEYWORDS = new Set(['true', 'false', 'null', 'var', 'if', 'else', 'return', 'await', 'this', 'is', 'new', 'typeof', 'default']);

// Longest first.
const PUNCTUATION = [
  '??=', '=>', '==', '!=', '<=', '>=', '&&', '||', '??', '?.', '?[', '+=', '-=', '*=', '/=', '++', '--',
  '(', ')', '[', ']', '{', '}', '.', ',', ';', ':', '?', '=', '!', '<', '>', '+', '-', '*', '/', '%', '&', '|', '^', '~',
];

function isIdentStart(ch: string): boolean {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch === '_' || (ch > '\x7f' && /\p{L}/u.test(ch));
}
function isIdentPart(ch: string): boolean {
  return isIdentStart(ch) || (ch >= '0' && ch <= '9') || (ch > '\x7f' && /\p{Nd}/u.test(ch));
}
function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '0' && ch <= '9';
}

/** Scans `text` between `start` and `end` (defaults: whole text). Offsets are absolute in `text`. */
export function createScanner(text: string, onError?: ScannerErrorCallback, start = 0, end = text.length): Scanner {
  let pos = start;
  let token: Token = { kind: 'eof', text: '', pos: start, end: start };
  let report: ScannerErrorCallback = onError ?? (() => undefined);

  function error(msg: DiagnosticMessage, at: number, length: number, arg?: string): void {
    report(msg, at, length, arg);
  }

  function skipTrivia(): void {
    while (pos < end) {
      const ch = text[pos];
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f' || ch === '\v' || ch === '\u00a0' || ch === '\ufeff') {
        pos++;
      } else if (ch === '/' && text[pos + 1] === '/') {
        while (pos < end && text[pos] !== '\n' && text[pos] !== '\r') pos++;
      } else if (ch === '/' && text[pos + 1] === '*') {
        const close = text.indexOf('*/', pos + 2);
        if (close < 0 || close + 2 > end) {
          pos = end;
        } else pos = close + 2;
      } else break;
    }
  }

  /** Reads one escape sequence after a backslash at `pos` (pos points at the backslash). */
  function scanEscape(): string {
    const at = pos;
    pos++; // backslash
    const ch = text[pos];
    pos++;
    switch (ch) {
      case "'": return "'";
      case '"': return '"';
      case '\\': return '\\';
      case '0': return '\0';
      case 'a': return '\x07';
      case 'b': return '\b';
      case 'f': return '\f';
      case 'n': return '\n';
      case 'r': return '\r';
      case 't': return '\t';
      case 'v': return '\v';
      case 'u':
      case 'x':
      case 'U': {
        const max = ch === 'U' ? 8 : 4;
        let hex = '';
        while (hex.length < max && pos < end && /[0-9a-fA-F]/.test(text[pos] ?? '')) hex += text[pos++];
        if (hex.length === 0 || (ch === 'u' && hex.length !== 4) || (ch === 'U' && hex.length !== 8)) {
          error(Diagnostics.Invalid_escape_sequence, at, pos - at, ch + hex);
          return '';
        }
        const cp = parseInt(hex, 16);
        if (cp > 0x10ffff) {
          error(Diagnostics.Invalid_escape_sequence, at, pos - at, ch + hex);
          return '';
        }
        return String.fromCodePoint(cp);
      }
      default:
        error(Diagnostics.Invalid_escape_sequence, at, Math.max(1, pos - at), ch ?? '');
        if (ch === undefined) pos = Math.min(pos, end);
        return ch ?? '';
    }
  }

  function scanString(verbatim: boolean): string {
    const at = pos;
    pos += verbatim ? 2 : 1;
    let out = '';
    while (true) {
      if (pos >= end) {
        error(Diagnostics.Unterminated_string_literal, at, pos - at);
        return out;
      }
      const ch = text[pos] as string;
      if (ch === '"') {
        if (verbatim && text[pos + 1] === '"' && pos + 1 < end) {
          out += '"';
          pos += 2;
          continue;
        }
        pos++;
        return out;
      }
      if (!verbatim && (ch === '\n' || ch === '\r')) {
        error(Diagnostics.Unterminated_string_literal, at, pos - at);
        return out;
      }
      if (!verbatim && ch === '\\') {
        out += scanEscape();
        continue;
      }
      out += ch;
      pos++;
    }
  }

  function scanChar(): string {
    const at = pos;
    pos++;
    let value = '';
    if (pos < end && text[pos] === '\\') value = scanEscape();
    else if (pos < end && text[pos] !== "'" && text[pos] !== '\n') {
      const cp = text.codePointAt(pos) ?? 0;
      value = String.fromCodePoint(cp);
      pos += value.length;
    }
    if (pos < end && text[pos] === "'") {
      pos++;
      if (value.length === 0) error(Diagnostics.Character_literal_must_hold_one_character, at, pos - at);
      return value;
    }
    // Not closed right after one character: maybe a string written with single quotes.
    while (pos < end && text[pos] !== "'" && text[pos] !== '\n' && text[pos] !== '\r') pos++;
    if (pos < end && text[pos] === "'") {
      pos++;
      error(Diagnostics.Character_literal_must_hold_one_character, at, pos - at);
    } else {
      error(Diagnostics.Unterminated_character_literal, at, pos - at);
    }
    return value;
  }

  /** Skips a nested string/char literal inside an interpolation hole. */
  function skipNestedLiteral(): void {
    const ch = text[pos];
    if (ch === '@' && text[pos + 1] === '"') {
      scanString(true);
    } else if (ch === '"') {
      scanString(false);
    } else if (ch === "'") {
      scanChar();
    }
  }

  function scanInterpolated(prefixLength: number, verbatim: boolean): Token {
    const at = pos;
    pos += prefixLength; // $" or $@" or @$"
    const parts: InterpolationPart[] = [];
    let buf = '';
    while (true) {
      if (pos >= end) {
        error(Diagnostics.Unterminated_string_literal, at, pos - at);
        break;
      }
      const ch = text[pos] as string;
      if (ch === '"') {
        if (verbatim && text[pos + 1] === '"' && pos + 1 < end) {
          buf += '"';
          pos += 2;
          continue;
        }
        pos++;
        break;
      }
      if (!verbatim && (ch === '\n' || ch === '\r')) {
        error(Diagnostics.Unterminated_string_literal, at, pos - at);
        break;
      }
      if (!verbatim && ch === '\\') {
        buf += scanEscape();
        continue;
      }
      if (ch === '{') {
        if (text[pos + 1] === '{' && pos + 1 < end) {
          buf += '{';
          pos += 2;
          continue;
        }
        if (buf) parts.push(buf);
        buf = '';
        const holeStart = pos;
        pos++;
        const exprStart = pos;
        let depth = 0;
        let exprEnd = -1;
        let alignStart = -1;
        let formatStart = -1;
        let closed = false;
        while (pos < end) {
          const c = text[pos] as string;
          if (c === '"' || c === "'" || (c === '@' && text[pos + 1] === '"')) {
            skipNestedLiteral();
            continue;
          }
          if (c === '\n' && !verbatim) break;
          if (formatStart < 0) {
            if (c === '(' || c === '[' || c === '{') depth++;
            else if ((c === ')' || c === ']') && depth > 0) depth--;
            else if (c === '}' && depth > 0) depth--;
            else if (c === '}' && depth === 0) {
              closed = true;
              break;
            } else if (depth === 0 && c === ',' && alignStart < 0) {
              exprEnd = pos;
              alignStart = pos + 1;
            } else if (depth === 0 && c === ':' && text[pos + 1] !== ':') {
              if (exprEnd < 0) exprEnd = pos;
              formatStart = pos + 1;
            }
          } else if (c === '}') {
            closed = true;
            break;
          }
          pos++;
        }
        if (!closed) {
          error(Diagnostics.Unterminated_interpolation, holeStart, pos - holeStart);
          parts.push({ pos: exprStart, end: exprEnd < 0 ? pos : exprEnd });
          break;
        }
        const closeAt = pos;
        pos++; // }
        const hole: { pos: number; end: number; alignment?: number; format?: string } = {
          pos: exprStart,
          end: exprEnd < 0 ? closeAt : exprEnd,
        };
        if (alignStart >= 0) {
          const alignText = text.slice(alignStart, formatStart >= 0 ? formatStart - 1 : closeAt).trim();
          const n = Number(alignText);
          if (!/^[-+]?\d+$/.test(alignText)) error(Diagnostics.Invalid_number, alignStart, alignText.length || 1, alignText);
          else hole.alignment = n;
        }
        if (formatStart >= 0) hole.format = text.slice(formatStart, closeAt);
        parts.push(hole);
        continue;
      }
      if (ch === '}' && text[pos + 1] === '}' && pos + 1 < end) {
        buf += '}';
        pos += 2;
        continue;
      }
      buf += ch;
      pos++;
    }
    if (buf) parts.push(buf);
    return { kind: 'interpolated', text: '', pos: at, end: pos, parts };
  }

  function scanNumber(): Token {
    const at = pos;
    let isDouble = false;
    let value: number;
    if (text[pos] === '0' && (text[pos + 1] === 'x' || text[pos + 1] === 'X')) {
      pos += 2;
      const s = pos;
      while (pos < end && /[0-9a-fA-F_]/.test(text[pos] ?? '')) pos++;
      const digits = text.slice(s, pos).replace(/_/g, '');
      value = digits ? parseInt(digits, 16) : NaN;
    } else {
      while (pos < end && (isDigit(text[pos]) || text[pos] === '_')) pos++;
      if (text[pos] === '.' && isDigit(text[pos + 1]) && pos + 1 < end) {
        isDouble = true;
        pos++;
        while (pos < end && (isDigit(text[pos]) || text[pos] === '_')) pos++;
      }
      if ((text[pos] === 'e' || text[pos] === 'E') && pos < end) {
        const save = pos;
        pos++;
        if (text[pos] === '+' || text[pos] === '-') pos++;
        if (isDigit(text[pos]) && pos < end) {
          isDouble = true;
          while (pos < end && isDigit(text[pos])) pos++;
        } else pos = save;
      }
      value = Number(text.slice(at, pos).replace(/_/g, ''));
    }
    // Suffixes: m/M (decimal), d/D (double), f/F (float) make a floating value; l/L/u/U integral.
    const suffix = text[pos];
    if (pos < end && suffix !== undefined && /[mMdDfF]/.test(suffix)) {
      isDouble = true;
      pos++;
    } else if (pos < end && suffix !== undefined && /[lLuU]/.test(suffix)) {
      pos++;
      if (pos < end && /[lLuU]/.test(text[pos] ?? '')) pos++;
    }
    if (pos < end && isIdentPart(text[pos] ?? '')) {
      while (pos < end && isIdentPart(text[pos] ?? '')) pos++;
      error(Diagnostics.Invalid_number, at, pos - at, text.slice(at, pos));
      value = 0;
    } else if (!Number.isFinite(value)) {
      error(Diagnostics.Invalid_number, at, pos - at, text.slice(at, pos));
      value = 0;
    }
    return { kind: 'number', text: text.slice(at, pos), pos: at, end: pos, number: value, isDouble };
  }

  function scan(): TokenKind {
    skipTrivia();
    const at = pos;
    if (pos >= end) {
      token = { kind: 'eof', text: '', pos: end, end };
      return token.kind;
    }
    const ch = text[pos] as string;
    const next = pos + 1 < end ? text[pos + 1] : undefined;
    const next2 = pos + 2 < end ? text[pos + 2] : undefined;
    if (ch === '$' && next === '"') token = scanInterpolated(2, false);
    else if (ch === '$' && next === '@' && next2 === '"') token = scanInterpolated(3, true);
    else if (ch === '@' && next === '$' && next2 === '"') token = scanInterpolated(3, true);
    else if (ch === '@' && next === '"') {
      const value = scanString(true);
      token = { kind: 'string', text: value, pos: at, end: pos };
    } else if (ch === '"') {
      const value = scanString(false);
      token = { kind: 'string', text: value, pos: at, end: pos };
    } else if (ch === "'") {
      const value = scanChar();
      token = { kind: 'char', text: value, pos: at, end: pos };
    } else if (isDigit(ch) || (ch === '.' && isDigit(next))) {
      token = scanNumber();
    } else if (isIdentStart(ch) || (ch === '@' && next !== undefined && isIdentStart(next))) {
      const verbatim = ch === '@';
      if (verbatim) pos++;
      const s = pos;
      while (pos < end && isIdentPart(text[pos] as string)) pos++;
      const name = text.slice(s, pos);
      const kind: TokenKind = !verbatim && KEYWORDS.has(name) ? 'keyword' : 'identifier';
      token = { kind, text: name, pos: at, end: pos };
    } else {
      let matched: string | undefined;
      for (const p of PUNCTUATION) {
        if (text.startsWith(p, pos) && pos + p.length <= end) {
          matched = p;
          break;
        }
      }
      if (matched !== undefined) {
        pos += matched.length;
        token = { kind: 'punct', text: matched, pos: at, end: pos };
      } else {
        const cp = text.codePointAt(pos) ?? 0;
        const s = String.fromCodePoint(cp);
        pos += s.length;
        error(Diagnostics.Invalid_character, at, s.length, s);
        token = { kind: 'unknown', text: s, pos: at, end: pos };
      }
    }
    return token.kind;
  }

  return {
    scan,
    getToken: () => token,
    getTokenPos: () => token.pos,
    getTokenEnd: () => token.end,
    setOnError(cb) {
      report = cb;
    },
  };
}
