/** Lookups: external-id links (async, through FormulaServices) and translation tables (sync). */
import { FormulaError, FormulaErrorCode } from '../errors.js';
import { fail, s, type RunContext } from '../runtime.js';
import type { FormulaServices } from '../types.js';
import { def, type BuiltinDef } from './registry.js';

type C = RunContext;

function services(c: C, name: string, pos: number): FormulaServices {
  const sv = c.env.services;
  if (sv === undefined || sv === null) {
    return fail(FormulaErrorCode.NO_SERVICES, `${name} needs lookup services, but none were provided to this formula run.`, pos);
  }
  return sv;
}

function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return s(v);
}

async function guard(name: string, pos: number, p: Promise<string | null>): Promise<string | null> {
  try {
    const r = await p;
    if (r === null || r === undefined || r === '' || r.startsWith('DELETED:')) return null;
    return String(r);
  } catch (e) {
    if (e instanceof FormulaError) throw e;
    return fail(FormulaErrorCode.LOOKUP, `${name} failed: ${e instanceof Error ? e.message : String(e)}`, pos);
  }
}

/** A link lookup (id, table, system id): null for a missing or empty id, a missing table or system id. */
function linkLookup(name: string, lookup: (sv: FormulaServices, id: string, table: string, systemId: string) => Promise<string | null>): BuiltinDef {
  return def((c: C, pos: number, idArg: unknown, table: unknown, systemId: unknown) => {
    const sv = services(c, name, pos);
    const id = text(idArg);
    const tbl = text(table);
    const sys = text(systemId);
    if (id === null || id === '' || tbl === null || sys === null) return Promise.resolve(null);
    return guard(name, pos, lookup(sv, id, tbl, sys));
  }, 3, 3, { async: true, returns: 'string' });
}

const hubId = (name: string): BuiltinDef => linkLookup(name, (sv, id, table, systemId) => sv.getHubId(id, table, systemId));
const externalId = (name: string): BuiltinDef => linkLookup(name, (sv, id, table, systemId) => sv.getExternalId(id, table, systemId));

export const LOOKUP_FUNCTIONS: Record<string, BuiltinDef> = {
  GetSpaceportIdAsync: hubId('GetSpaceportIdAsync'),
  GetSpaceportId: hubId('GetSpaceportId'),
  GetHubIdAsync: hubId('GetHubIdAsync'),
  GetHubId: hubId('GetHubId'),
  GetExternalIdAsync: externalId('GetExternalIdAsync'),
  GetExternalId: externalId('GetExternalId'),
  LookupTranslation: def((c: C, pos: number, table: unknown, key: unknown, fallback: unknown) => {
    const sv = services(c, 'LookupTranslation', pos);
    const k = text(key);
    let r: string | null = null;
    if (k !== null && table !== null && table !== undefined) {
      try {
        r = sv.translate(s(table), k);
      } catch (e) {
        if (e instanceof FormulaError) throw e;
        fail(FormulaErrorCode.LOOKUP, `LookupTranslation failed: ${e instanceof Error ? e.message : String(e)}`, pos);
      }
    }
    if (r === null || r === undefined) return fallback === undefined ? null : fallback;
    return r;
  }, 2, 3),
};
