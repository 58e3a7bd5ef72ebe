import { z } from 'zod';
import { HubModelName } from '../hub/index.js';

/**
 * Mapping collections as data. These schemas are the API's request bodies: `MappingCollectionCreate`
 * (POST), `MappingCollectionUpdate` (PATCH) and `MappingCollection` (what is stored and returned).
 * All objects are strict: an unknown field is a typo and is rejected.
 */

export const Direction = z.enum(['TO_HUB', 'FROM_HUB']);
export type Direction = z.infer<typeof Direction>;

export const SyncType = z.enum(['ADD', 'UPDATE', 'ADD_UPDATE', 'DELETE']);
export type SyncType = z.infer<typeof SyncType>;

export const CollisionMethod = z.enum(['ERROR', 'REMAP_AND_LINK', 'UPDATE_AND_LINK', 'UPDATE_AND_NO_LINK']);
export type CollisionMethod = z.infer<typeof CollisionMethod>;

export const Trigger = z.enum(['create', 'update', 'delete', 'poll', 'webhook', 'manual', 'init']);
export type Trigger = z.infer<typeof Trigger>;

export const MappingType = z.enum(['field', 'static', 'formula', 'lookup']);
export type MappingType = z.infer<typeof MappingType>;

/** A JSON scalar: static values and defaults. */
export const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type Scalar = z.infer<typeof Scalar>;

/** The pseudo source list of a child collection that wraps the parent record itself as its one child. */
export const PARENT_ONLY = 'ParentOnly';
/** Static-mapping destination that sets a child collection's `preventDuplicate` instead of writing a field (seed 001). */
export const PREVENT_DUPLICATE = 'PreventDuplicate';

const name = z.string().trim().min(1).max(200);
const UNSAFE_SEGMENTS = ['__proto__', 'constructor', 'prototype'];
const listPath = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .refine((p) => !p.split('.').some((seg) => UNSAFE_SEGMENTS.includes(seg)), 'paths may not use __proto__, constructor or prototype');
const formulaText = z.string().max(20_000);

export const Mapping = z
  .object({
    type: MappingType,
    /**
     * `field`: source path (`EMail`, `Parent.AccountId`, `CustomFields.Customer Type`);
     * `static`: the value; `formula`: formula text; `lookup`: path of the key (or formula text when
     * `keyIsFormula`).
     */
    source: Scalar,
    /** Destination path; `CustomFields.<Name>` for custom fields (names may contain spaces and dots). */
    destination: z.string().trim().min(1).max(300),
    required: z.boolean().optional(),
    /** Lookup: the subscription translation table to translate the key through. */
    translationTable: z.string().trim().min(1).max(200).optional(),
    /** Lookup: `source` is a formula whose result is the key. */
    keyIsFormula: z.boolean().optional(),
    /** Used when the mapping produces null or "" (before the required check). */
    defaultValue: Scalar.optional(),
    /** A null/"" output leaves the destination's current value unchanged instead of clearing it. */
    emptyLeavesUnchanged: z.boolean().optional(),
    description: z.string().max(2000).optional(),
    /** Set by reverse clone on mappings that could not be inverted. */
    needsReview: z.boolean().optional(),
    reviewReason: z.string().max(2000).optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.type !== 'static' && (typeof m.source !== 'string' || m.source.trim() === '')) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['source'], message: `a ${m.type} mapping needs a non-empty source` });
    }
    const unsafe = (path: unknown): boolean => typeof path === 'string' && path.split('.').some((seg) => UNSAFE_SEGMENTS.includes(seg));
    if (unsafe(m.destination)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['destination'], message: 'paths may not use __proto__, constructor or prototype' });
    if ((m.type === 'field' || (m.type === 'lookup' && m.keyIsFormula !== true)) && unsafe(m.source)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['source'], message: 'paths may not use __proto__, constructor or prototype' });
    }
    if (m.type === 'lookup' && m.translationTable === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['translationTable'], message: 'a lookup mapping needs a translationTable' });
    }
    if (m.type !== 'lookup' && (m.translationTable !== undefined || m.keyIsFormula !== undefined)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['translationTable'], message: 'translationTable/keyIsFormula only apply to lookup mappings' });
    }
  });
export type Mapping = z.infer<typeof Mapping>;

export interface ChildCollection {
  name: string;
  description?: string | undefined;
  hubModel: HubModelName;
  /** List field on the source record, or `ParentOnly` (the parent itself wrapped as the one child). */
  sourceList: string;
  /** List field on the destination record (`Addresses`, `Relationships`). */
  destinationList: string;
  filter?: string | null | undefined;
  mappings: Mapping[];
  /** Skip a mapped child equal to one the destination already has (also set by a static `PreventDuplicate` = true). */
  preventDuplicate?: boolean | undefined;
  /** Fields that identify the same child on update (merge updates the match instead of appending). */
  matchOn?: string[] | undefined;
  children?: ChildCollection[] | undefined;
}

export const ChildCollection: z.ZodType<ChildCollection> = z.lazy(() =>
  z
    .object({
      name,
      description: z.string().max(2000).optional(),
      hubModel: HubModelName,
      sourceList: listPath,
      destinationList: listPath,
      filter: formulaText.nullable().optional(),
      mappings: z.array(Mapping).max(500),
      preventDuplicate: z.boolean().optional(),
      matchOn: z.array(z.string().min(1)).max(20).optional(),
      children: z.array(ChildCollection).max(20).optional(),
    })
    .strict(),
);

export const Collision = z
  .object({
    method: CollisionMethod.default('ERROR'),
    /** Field used to find an existing record on create; default: email (see `collisionMatchField`). */
    matchField: z.string().trim().min(1).max(200).optional(),
  })
  .strict();
export type Collision = z.infer<typeof Collision>;

const collectionFields = {
  name,
  description: z.string().max(4000).default(''),
  /** Hub model name (`Customer`, `Company`, …). */
  hubModel: HubModelName,
  /** External entity name (`contact`, `Contact`, `customer`). */
  entity: z.string().trim().min(1).max(200),
  direction: Direction,
  syncType: SyncType,
  filter: formulaText.nullable().optional(),
  errorFilter: formulaText.nullable().optional(),
  collision: Collision.default({}),
  /** External-id template, e.g. `{{Id}}|contact`, `{{customer_no}}`. */
  externalIdFormat: z.string().trim().min(1).max(300).default('{{Id}}'),
  triggers: z.array(Trigger).max(10).default([]),
  enabled: z.boolean().default(true),
  sortOrder: z.number().int().default(0),
  mappings: z.array(Mapping).max(1000),
  children: z.array(ChildCollection).max(50).default([]),
};

export const MappingCollectionCreate = z
  .object({ subscriptionId: z.string().uuid(), ...collectionFields })
  .strict();
export type MappingCollectionCreate = z.infer<typeof MappingCollectionCreate>;
export type MappingCollectionCreateInput = z.input<typeof MappingCollectionCreate>;

/** PATCH body: any subset of the create fields except the subscription. */
export const MappingCollectionUpdate = z
  .object({
    name: collectionFields.name,
    description: z.string().max(4000),
    hubModel: HubModelName,
    entity: collectionFields.entity,
    direction: Direction,
    syncType: SyncType,
    filter: formulaText.nullable(),
    errorFilter: formulaText.nullable(),
    collision: Collision,
    externalIdFormat: z.string().trim().min(1).max(300),
    triggers: z.array(Trigger).max(10),
    enabled: z.boolean(),
    sortOrder: z.number().int(),
    mappings: z.array(Mapping).max(1000),
    children: z.array(ChildCollection).max(50),
  })
  .partial()
  .strict();
export type MappingCollectionUpdate = z.infer<typeof MappingCollectionUpdate>;

export const MappingCollection = z
  .object({
    id: z.string().uuid(),
    tenantId: z.string().uuid(),
    subscriptionId: z.string().uuid(),
    version: z.number().int().positive(),
    updatedAt: z.string().optional(),
    ...collectionFields,
  })
  .strict();
export type MappingCollection = z.infer<typeof MappingCollection>;

/**
 * What the engine, preview and clone work on: a collection with or without its stored identity.
 * (A stored `MappingCollection` and a parsed `MappingCollectionCreate` both fit.)
 */
export type CollectionDefinition = Omit<MappingCollectionCreate, 'subscriptionId'> & {
  id?: string;
  subscriptionId?: string;
  version?: number;
};

/**
 * The field used to find an existing record when a create collides: the explicit `collision.matchField`,
 * else email — hub `EmailAddress` for TO_HUB, and for FROM_HUB the entity field that `EmailAddress` is mapped to
 * (falling back to `Email`).
 */
export function collisionMatchField(collection: Pick<CollectionDefinition, 'collision' | 'direction' | 'mappings'>): string {
  if (collection.collision.matchField !== undefined) return collection.collision.matchField;
  if (collection.direction === 'TO_HUB') return 'EmailAddress';
  const m = collection.mappings.find((x) => x.type === 'field' && x.source === 'EmailAddress');
  return m !== undefined ? m.destination : 'Email';
}
