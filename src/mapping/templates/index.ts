import type { Queryable } from '../../store/index.js';
import { MappingError, MappingErrorCode } from '../errors.js';
import { createCollection, listCollections, updateCollection } from '../repository.js';
import { MappingCollectionCreate, type MappingCollection, type MappingCollectionUpdate } from '../schema.js';
import { businessCentralTemplates } from './business-central.js';
import { ninetyNineMindsTemplates } from './ninety-nine-minds.js';
import { salesforceTemplates } from './salesforce.js';
import type { MappingTemplate } from './types.js';

export type { MappingTemplate, TemplateCollection } from './types.js';

/**
 * The seed mapping collections as templates: installed on every new subscription of their system,
 * re-installable (missing ones only) and resettable (back to the shipped definition, as a new
 * version of the same collection, so links and transfer history keep pointing at it).
 */

const ALL: readonly MappingTemplate[] = [...businessCentralTemplates, ...salesforceTemplates, ...ninetyNineMindsTemplates];

/** Shipped templates, all or those of one system. */
export function listTemplates(system?: string): MappingTemplate[] {
  return ALL.filter((t) => system === undefined || t.system === system);
}

export type TemplateAction = 'created' | 'exists' | 'reset';

export interface TemplateResult {
  key: string;
  seed: string;
  name: string;
  action: TemplateAction;
  collectionId: string;
  version: number;
}

export interface TemplateReport {
  subscriptionId: string;
  system: string;
  results: TemplateResult[];
}

export interface TemplateOptions {
  /** Only these template keys (default: every template of the subscription's system). */
  keys?: string[];
}

/** The subscription a template run is for. */
export interface TemplateTarget {
  id: string;
  system: string;
}

function selected(system: string, options: TemplateOptions): MappingTemplate[] {
  const templates = listTemplates(system);
  if (options.keys === undefined) return templates;
  const unknown = options.keys.filter((k) => !templates.some((t) => t.key === k));
  if (unknown.length > 0) {
    throw new MappingError(
      MappingErrorCode.NOT_FOUND,
      `No ${system} template with key ${unknown.map((k) => `"${k}"`).join(', ')}. Templates of ${system}: ${templates.map((t) => t.key).join(', ') || '(none)'}.`,
      { keys: unknown },
    );
  }
  return templates.filter((t) => options.keys?.includes(t.key) === true);
}

/** Finds the installed collection of a template: same name and direction in the subscription. */
function findInstalled(existing: MappingCollection[], template: MappingTemplate): MappingCollection | undefined {
  return existing.find((c) => c.name === template.collection.name && c.direction === template.collection.direction);
}

/** The template's full definition with every default spelled out, as a PATCH that replaces everything. */
function fullPatch(template: MappingTemplate, subscriptionId: string): MappingCollectionUpdate {
  const { subscriptionId: _s, ...def } = MappingCollectionCreate.parse({ ...template.collection, subscriptionId });
  return { ...def, filter: def.filter ?? null, errorFilter: def.errorFilter ?? null };
}

async function run(q: Queryable, tenantId: string, target: TemplateTarget, options: TemplateOptions, reset: boolean): Promise<TemplateReport> {
  const templates = selected(target.system, options);
  return q.transaction(async (tx) => {
    const existing = await listCollections(tx, tenantId, { subscriptionId: target.id });
    const results: TemplateResult[] = [];
    for (const template of templates) {
      const found = findInstalled(existing, template);
      const base = { key: template.key, seed: template.seed, name: template.collection.name };
      if (found === undefined) {
        const created = await createCollection(tx, tenantId, { ...template.collection, subscriptionId: target.id });
        results.push({ ...base, action: 'created', collectionId: created.id, version: created.version });
      } else if (reset) {
        const updated = await updateCollection(tx, tenantId, found.id, fullPatch(template, target.id));
        results.push({ ...base, action: 'reset', collectionId: updated.id, version: updated.version });
      } else {
        results.push({ ...base, action: 'exists', collectionId: found.id, version: found.version });
      }
    }
    return { subscriptionId: target.id, system: target.system, results };
  });
}

/** Installs the templates of the subscription's system that are not installed yet (same name and direction); installed ones are left as they are. */
export function installTemplates(q: Queryable, tenantId: string, target: TemplateTarget, options: TemplateOptions = {}): Promise<TemplateReport> {
  return run(q, tenantId, target, options, false);
}

/** Puts the templates back to their shipped definition (a new version of each installed collection) and installs missing ones. */
export function resetTemplates(q: Queryable, tenantId: string, target: TemplateTarget, options: TemplateOptions = {}): Promise<TemplateReport> {
  return run(q, tenantId, target, options, true);
}
