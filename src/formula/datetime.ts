/**
 * DateTime values inside formulas: a small frozen class, never a JS Date leaking out.
 * Stores wall-clock time as milliseconds since 0001-01-01 in a proleptic calendar computed through
 * UTC (no time-zone conversion happens inside formulas). `kind` follows .NET's DateTimeKind.
 * JSON form (toJSON): ISO 8601 `yyyy-MM-ddTHH:mm:ss.fff` plus `Z` when kind is Utc.
 */
export type DateTimeKind = 'Unspecified' | 'Utc' | 'Local';

const MIN_DATE = new Date(0);
MIN_DATE.setUTCFullYear(1, 0, 1);
MIN_DATE.setUTCHours(0, 0, 0, 0);
const MAX_DATE = new Date(0);
MAX_DATE.setUTCFullYear(9999, 11, 31);
MAX_DATE.setUTCHours(23, 59, 59, 999);

export class FormulaDateTime {
  // Private fields: a DateTime has no own properties, so formula field reads never see them.
  readonly #ms: number;
  readonly #kind: DateTimeKind;
  constructor(ms: number, kind: DateTimeKind = 'Unspecified') {
    this.#ms = ms;
    this.#kind = kind;
    Object.freeze(this);
  }
  get ms(): number {
    return this.#ms;
  }
  get kind(): DateTimeKind {
    return this.#kind;
  }
  static readonly MinValue = new FormulaDateTime(MIN_DATE.getTime());
  static readonly MaxValue = new FormulaDateTime(MAX_DATE.getTime());

  static isValidMs(ms: number): boolean {
    return Number.isFinite(ms) && ms >= MIN_DATE.getTime() && ms <= MAX_DATE.getTime();
  }
  static fromParts(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, msec = 0, kind: DateTimeKind = 'Unspecified'): FormulaDateTime | null {
    const dt = new Date(0);
    dt.setUTCFullYear(y, mo - 1, d);
    dt.setUTCHours(h, mi, s, msec);
    if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) return null;
    if (h > 23 || mi > 59 || s > 59) return null;
    const ms = dt.getTime();
    return FormulaDateTime.isValidMs(ms) ? new FormulaDateTime(ms, kind) : null;
  }
  private get d(): Date {
    return new Date(this.ms);
  }
  get Year(): number { return this.d.getUTCFullYear(); }
  get Month(): number { return this.d.getUTCMonth() + 1; }
  get Day(): number { return this.d.getUTCDate(); }
  get Hour(): number { return this.d.getUTCHours(); }
  get Minute(): number { return this.d.getUTCMinutes(); }
  get Second(): number { return this.d.getUTCSeconds(); }
  get Millisecond(): number { return this.d.getUTCMilliseconds(); }
  get DayOfWeek(): string {
    return ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'][this.d.getUTCDay()] as string;
  }
  get DayOfYear(): number {
    const start = new Date(0);
    start.setUTCFullYear(this.Year, 0, 1);
    return Math.floor((this.ms - start.getTime()) / 86_400_000) + 1;
  }
  get Date(): FormulaDateTime {
    return new FormulaDateTime(this.ms - (((this.ms % 86_400_000) + 86_400_000) % 86_400_000), this.kind);
  }
  addMs(delta: number): FormulaDateTime | null {
    const ms = this.ms + Math.round(delta);
    return FormulaDateTime.isValidMs(ms) ? new FormulaDateTime(ms, this.kind) : null;
  }
  addMonths(n: number): FormulaDateTime | null {
    const dt = this.d;
    const y = dt.getUTCFullYear();
    const m = dt.getUTCMonth() + Math.trunc(n);
    const target = new Date(0);
    target.setUTCFullYear(y, m, 1);
    const daysInMonth = new Date(Date.UTC(2000, target.getUTCMonth() + 1, 0)).getUTCDate();
    const leapFix = target.getUTCMonth() === 1 ? (isLeap(target.getUTCFullYear()) ? 29 : 28) : daysInMonth;
    target.setUTCDate(Math.min(dt.getUTCDate(), leapFix));
    target.setUTCHours(dt.getUTCHours(), dt.getUTCMinutes(), dt.getUTCSeconds(), dt.getUTCMilliseconds());
    const ms = target.getTime();
    return FormulaDateTime.isValidMs(ms) ? new FormulaDateTime(ms, this.kind) : null;
  }
  toJSON(): string {
    return formatDateTime(this, 'yyyy-MM-ddTHH:mm:ss.fff') + (this.kind === 'Utc' ? 'Z' : '');
  }
  /** .NET default (invariant culture) form: MM/dd/yyyy HH:mm:ss */
  toString(): string {
    return formatDateTime(this, 'MM/dd/yyyy HH:mm:ss');
  }
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** .NET custom and a few standard DateTime format strings (invariant culture). */
export function formatDateTime(dt: FormulaDateTime, format: string): string {
  if (format === '' ) format = 'G';
  if (format.length === 1) {
    switch (format) {
      case 'o':
      case 'O':
        return formatDateTime(dt, 'yyyy-MM-ddTHH:mm:ss.fffffff') + (dt.kind === 'Utc' ? 'Z' : '');
      case 's':
        return formatDateTime(dt, 'yyyy-MM-ddTHH:mm:ss');
      case 'u':
        return formatDateTime(dt, 'yyyy-MM-dd HH:mm:ssZ');
      case 'd':
        return formatDateTime(dt, 'MM/dd/yyyy');
      case 'D':
        return formatDateTime(dt, 'dddd, dd MMMM yyyy');
      case 't':
        return formatDateTime(dt, 'HH:mm');
      case 'T':
        return formatDateTime(dt, 'HH:mm:ss');
      case 'g':
        return formatDateTime(dt, 'MM/dd/yyyy HH:mm');
      case 'G':
        return formatDateTime(dt, 'MM/dd/yyyy HH:mm:ss');
      default:
        break;
    }
  }
  const d = new Date(dt.ms);
  const parts = {
    y: d.getUTCFullYear(),
    M: d.getUTCMonth() + 1,
    d: d.getUTCDate(),
    H: d.getUTCHours(),
    m: d.getUTCMinutes(),
    s: d.getUTCSeconds(),
    f: d.getUTCMilliseconds(),
    w: d.getUTCDay(),
  };
  let out = '';
  let i = 0;
  while (i < format.length) {
    const ch = format[i] as string;
    if (ch === "'" || ch === '"') {
      const close = format.indexOf(ch, i + 1);
      const stop = close < 0 ? format.length : close;
      out += format.slice(i + 1, stop);
      i = stop + 1;
      continue;
    }
    if (ch === '\\') {
      out += format[i + 1] ?? '';
      i += 2;
      continue;
    }
    let run = 1;
    while (format[i + run] === ch) run++;
    switch (ch) {
      case 'y':
        out += run === 2 ? pad(parts.y % 100, 2) : run === 1 ? String(parts.y % 100) : pad(parts.y, run);
        break;
      case 'M':
        out += run >= 4 ? MONTHS[parts.M - 1] : run === 3 ? (MONTHS[parts.M - 1] as string).slice(0, 3) : pad(parts.M, run);
        break;
      case 'd': {
        const day = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'][parts.w] as string;
        out += run >= 4 ? day : run === 3 ? day.slice(0, 3) : pad(parts.d, run);
        break;
      }
      case 'H':
        out += pad(parts.H, Math.min(run, 2));
        break;
      case 'h':
        out += pad(parts.H % 12 === 0 ? 12 : parts.H % 12, Math.min(run, 2));
        break;
      case 'm':
        out += pad(parts.m, Math.min(run, 2));
        break;
      case 's':
        out += pad(parts.s, Math.min(run, 2));
        break;
      case 'f':
      case 'F': {
        const digits = (pad(parts.f, 3) + '0000').slice(0, Math.min(run, 7));
        out += ch === 'F' ? digits.replace(/0+$/, '') : digits;
        break;
      }
      case 't':
        out += run >= 2 ? (parts.H < 12 ? 'AM' : 'PM') : parts.H < 12 ? 'A' : 'P';
        break;
      case 'K':
        out += dt.kind === 'Utc' ? 'Z' : '';
        break;
      case 'z':
        out += run >= 3 ? '+00:00' : run === 2 ? '+00' : '+0';
        break;
      default:
        out += ch.repeat(run);
    }
    i += run;
  }
  return out;
}

/**
 * Parses the date forms met in integrations: ISO 8601 (with optional offset, converted to UTC),
 * `yyyy-MM-dd`, `MM/dd/yyyy [HH:mm[:ss]] [AM|PM]`, `yyyy/MM/dd`. Returns null when not a date.
 */
export function parseDateTime(text: string): FormulaDateTime | null {
  const s = text.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(s);
  if (m) {
    const frac = m[7] ? Number((m[7] + '000').slice(0, 3)) : 0;
    const dt = FormulaDateTime.fromParts(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), frac);
    if (!dt) return null;
    const zone = m[8];
    if (!zone) return dt;
    if (zone.toUpperCase() === 'Z') return new FormulaDateTime(dt.ms, 'Utc');
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4));
    const shifted = dt.addMs(-sign * offsetMin * 60_000);
    return shifted ? new FormulaDateTime(shifted.ms, 'Utc') : null;
  }
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(AM|PM)?)?$/i.exec(s);
  if (m) {
    let h = Number(m[4] ?? 0);
    const ampm = m[7]?.toUpperCase();
    if (ampm === 'PM' && h < 12) h += 12;
    if (ampm === 'AM' && h === 12) h = 0;
    return FormulaDateTime.fromParts(Number(m[3]), Number(m[1]), Number(m[2]), h, Number(m[5] ?? 0), Number(m[6] ?? 0));
  }
  m = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(s);
  if (m) return FormulaDateTime.fromParts(Number(m[1]), Number(m[2]), Number(m[3]));
  return null;
}

export function nowUtc(): FormulaDateTime {
  return new FormulaDateTime(Date.now(), 'Utc');
}
