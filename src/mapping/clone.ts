import { PARENT_ONLY, PREVENT_DUPLICATE } from './schema.js';
import type { ChildCollection, CollectionDefinition, Direction, Mapping } from './schema.js';

/** A definition without stored identity: what clone returns and `createCollection` takes (plus a subscription). */
export type CollectionDraft = Omit<CollectionDefinition, 'id' | 'version' | 'subscriptionId'> & { subscriptionId?: string };

export interface ReviewNote {
  /** `Collection > Child > Destination` (or `… > filter`). */
  path: string;
  reason: string;
}

export interface ReverseCloneResult {
  collection: CollectionDraft;
  /** Everything that could not be inverted mechanically and needs a person to look at it. */
  review: ReviewNote[];
}

function strip(c: CollectionDefinition): CollectionDraft {
  const { id: _id, version: _version, ...rest } = c as CollectionDefinition & { tenantId?: string; updatedAt?: string };
  const { tenantId: _t, updatedAt: _u, ...draft } = rest as typeof rest & { tenantId?: string; updatedAt?: string };
  return structuredClone(draft);
}

/**
 * Clone: same direction, same mappings, new name (the copy starts disabled so two collections do not
 * fire for the same trigger).
 *
 * @example
 * const copy = cloneCollection(stored, { name: 'Dynamics Contact Add/Update TO iPaaS (copy)' });
 */
export function cloneCollection(collection: CollectionDefinition, options: { name: string; subscriptionId?: string }): CollectionDraft {
  const draft = strip(collection);
  draft.name = options.name;
  draft.enabled = false;
  if (options.subscriptionId !== undefined) draft.subscriptionId = options.subscriptionId;
  return draft;
}

function swapName(name: string, from: Direction): string {
  const swapped = from === 'TO_HUB' ? name.replace(/\bTO\b/, 'FROM').replace(/\bTo\b/, 'From') : name.replace(/\bFROM\b/, 'TO').replace(/\bFrom\b/, 'To');
  return swapped === name ? `${name} (reversed)` : swapped;
}

function reverseMappings(mappings: readonly Mapping[], path: string, review: ReviewNote[]): Mapping[] {
  return mappings.map((m) => {
    const at = `${path} > ${m.destination}`;
    if (m.type === 'field') {
      const r: Mapping = { ...m, source: m.destination, destination: String(m.source) };
      delete r.needsReview;
      delete r.reviewReason;
      if (/^parent\./i.test(String(m.source))) {
        const reason = `the source ${String(m.source)} is a field of the parent record; the reversed mapping writes to it from a child`;
        review.push({ path: at, reason });
        return { ...r, needsReview: true, reviewReason: reason };
      }
      return r;
    }
    if (m.type === 'static' && m.destination === PREVENT_DUPLICATE) return { ...m };
    const reason =
      m.type === 'static'
        ? `a static value for ${m.destination} cannot be inverted; decide whether the other system needs it`
        : m.type === 'formula'
          ? `the formula for ${m.destination} reads fields of the original source and cannot be inverted; rewrite it for the new direction`
          : `the lookup for ${m.destination} translates the other way; it needs a reverse translation table`;
    review.push({ path: at, reason });
    return { ...m, needsReview: true, reviewReason: reason };
  });
}

function reverseChild(c: ChildCollection, parentPath: string, review: ReviewNote[]): ChildCollection {
  const path = `${parentPath} > ${c.name}`;
  const r: ChildCollection = {
    ...c,
    sourceList: c.destinationList,
    destinationList: c.sourceList === PARENT_ONLY ? c.destinationList : c.sourceList,
    mappings: reverseMappings(c.mappings, path, review),
  };
  if (c.sourceList === PARENT_ONLY) {
    review.push({
      path,
      reason: `the original child wraps the parent (ParentOnly); reversed, its fields land on items of ${c.destinationList} instead of on the parent — map them as parent-level fields instead`,
    });
  }
  if (c.filter !== null && c.filter !== undefined && c.filter.trim() !== '') {
    review.push({ path: `${path} > filter`, reason: 'the filter reads fields of the original source; check it against the new source' });
  }
  if (c.children !== undefined) r.children = c.children.map((k) => reverseChild(k, path, review));
  return r;
}

/**
 * Reverse clone: direction swapped, every `field` mapping with source and destination swapped.
 * Statics, formulas and lookups cannot be inverted: they are kept, flagged `needsReview` with a reason,
 * and listed in `review`. Filters are kept and listed too. The copy starts disabled.
 *
 * @example
 * const { collection, review } = reverseCloneCollection(stored);
 */
export function reverseCloneCollection(collection: CollectionDefinition, options: { name?: string; subscriptionId?: string } = {}): ReverseCloneResult {
  const review: ReviewNote[] = [];
  const draft = strip(collection);
  const path = collection.name;
  draft.direction = collection.direction === 'TO_HUB' ? 'FROM_HUB' : 'TO_HUB';
  draft.name = options.name ?? swapName(collection.name, collection.direction);
  draft.enabled = false;
  if (options.subscriptionId !== undefined) draft.subscriptionId = options.subscriptionId;
  draft.mappings = reverseMappings(collection.mappings, path, review);
  draft.children = collection.children.map((c) => reverseChild(c, path, review));
  if (collection.filter !== null && collection.filter !== undefined && collection.filter.trim() !== '') {
    review.push({ path: `${path} > filter`, reason: 'the filter reads fields of the original source; check it against the new source' });
  }
  if (collection.errorFilter !== null && collection.errorFilter !== undefined && collection.errorFilter.trim() !== '') {
    review.push({ path: `${path} > errorFilter`, reason: 'the error filter reads fields of the original source; check it against the new source' });
  }
  if (collection.collision.matchField !== undefined) {
    review.push({ path: `${path} > collision`, reason: `the collision match field ${collection.collision.matchField} names a field of the other side` });
  }
  return { collection: draft, review };
}
