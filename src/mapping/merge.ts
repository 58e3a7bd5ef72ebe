import type { CompiledBlock, CompiledChild } from './engine.js';
import { isEmptyValue, parsePath, readPath } from './paths.js';

/**
 * How a mapped TO_HUB output updates an existing hub record. Pure: neither argument is modified.
 *
 * - Top-level (and nested-path) fields in the output overwrite the existing ones; fields the output does
 *   not contain are kept. An empty value (null / "") for a destination marked `emptyLeavesUnchanged` is
 *   ignored (the engine already omits those; this also covers outputs built elsewhere).
 * - `CustomFields` merge by key.
 * - Child lists (the `destinationList` of a child collection) merge item by item: an item whose `matchOn`
 *   fields equal an existing child's updates that child (recursively, by the same rules); otherwise it is
 *   appended, unless the child collection has `preventDuplicate` and an existing child already holds the
 *   same values (every non-empty field of the new item equal).
 *
 * @example
 * const next = mergeIntoExisting(current.data, result.output, compiled);
 */
export function mergeIntoExisting(
  existing: Readonly<Record<string, unknown>> | null | undefined,
  output: Readonly<Record<string, unknown>>,
  compiled: CompiledBlock,
): Record<string, unknown> {
  return mergeBlock(existing ?? {}, output, compiled);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Structural equality of JSON-like values. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

interface ListRule {
  matchOn: string[][];
  preventDuplicate: boolean;
  child: CompiledChild;
}

function listRules(block: CompiledBlock): Map<string, ListRule> {
  const rules = new Map<string, ListRule>();
  for (const c of block.children) {
    const key = c.destinationList;
    const cur = rules.get(key);
    if (cur === undefined) {
      rules.set(key, { matchOn: c.matchOn.map(parsePath), preventDuplicate: c.preventDuplicate, child: c });
    } else {
      if (cur.matchOn.length === 0) cur.matchOn = c.matchOn.map(parsePath);
      cur.preventDuplicate ||= c.preventDuplicate;
    }
  }
  return rules;
}

function mergeBlock(existing: Readonly<Record<string, unknown>>, output: Readonly<Record<string, unknown>>, block: CompiledBlock): Record<string, unknown> {
  return mergeObject(existing, output, block.unchangedWhenEmpty, '', listRules(block));
}

function mergeObject(
  existing: Readonly<Record<string, unknown>>,
  output: Readonly<Record<string, unknown>>,
  unchanged: ReadonlySet<string>,
  prefix: string,
  lists: Map<string, ListRule>,
): Record<string, unknown> {
  const result: Record<string, unknown> = { ...existing };
  for (const key of Object.keys(output)) {
    const value = output[key];
    const path = prefix + key;
    const rule = lists.get(path);
    if (rule !== undefined && Array.isArray(value)) {
      result[key] = mergeList(existing[key], value, rule);
    } else if (isEmptyValue(value) && unchanged.has(path)) {
      continue;
    } else if (isPlainObject(value)) {
      const cur = existing[key];
      const curObj = isPlainObject(cur) ? cur : {};
      if (key === 'CustomFields') {
        const merged: Record<string, unknown> = { ...curObj };
        for (const [k, v] of Object.entries(value)) {
          if (isEmptyValue(v) && unchanged.has(`${path}.${k}`)) continue;
          merged[k] = v;
        }
        result[key] = merged;
      } else {
        result[key] = mergeObject(curObj, value, unchanged, `${path}.`, lists);
      }
    } else {
      result[key] = value;
    }
  }
  return result;
}

function matches(a: unknown, b: unknown, fields: string[][]): boolean {
  if (fields.length === 0) return false;
  for (const f of fields) {
    const va = readPath(a, f);
    if (isEmptyValue(va) || !deepEqual(va, readPath(b, f))) return false;
  }
  return true;
}

function isDuplicate(existing: unknown, item: unknown): boolean {
  if (!isPlainObject(existing) || !isPlainObject(item)) return deepEqual(existing, item);
  for (const [k, v] of Object.entries(item)) {
    if (isEmptyValue(v)) continue;
    if (!deepEqual(existing[k], v)) return false;
  }
  return true;
}

function mergeList(existing: unknown, items: readonly unknown[], rule: ListRule): unknown[] {
  const result: unknown[] = Array.isArray(existing) ? [...(existing as unknown[])] : [];
  for (const item of items) {
    const at = result.findIndex((e) => matches(item, e, rule.matchOn));
    if (at >= 0) {
      const cur = result[at];
      result[at] = isPlainObject(cur) && isPlainObject(item) ? mergeBlock(cur, item, rule.child) : item;
      continue;
    }
    if (rule.preventDuplicate && result.some((e) => isDuplicate(e, item))) continue;
    result.push(item);
  }
  return result;
}
