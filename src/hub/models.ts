import { z } from 'zod';

/**
 * Canonical hub models. Field names follow the hub's own vocabulary (the seeds' "iPaaS.com" side),
 * because mapping collections written by users refer to them by these names.
 * Models are open (`passthrough`) only through `CustomFields`; unknown top-level fields are rejected
 * at the API boundary so typos surface instead of silently vanishing.
 */

const nullableString = z.string().nullable().optional();
const nullableBool = z.boolean().nullable().optional();

/** Custom fields: a name → value map; values are JSON scalars. */
export const CustomFields = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));
export type CustomFields = z.infer<typeof CustomFields>;

/** The postal fields every place-like model shares (addresses, locations). */
const postalFields = {
  Address1: nullableString,
  Address2: nullableString,
  City: nullableString,
  Region: nullableString,
  PostalCode: nullableString,
  Country: nullableString,
  Phone: nullableString,
};

export const Address = z
  .object({
    Id: nullableString,
    ...postalFields,
    Address3: nullableString,
    PhoneNumber: nullableString,
    FirstName: nullableString,
    LastName: nullableString,
    Company: nullableString,
    IsPrimaryBilling: nullableBool,
    IsPrimaryShipping: nullableBool,
    CustomFields: CustomFields.optional(),
  })
  .strict();
export type Address = z.infer<typeof Address>;

export const Relationship = z
  .object({
    Id: nullableString,
    Type: nullableString,
    StartDate: nullableString,
    EndDate: nullableString,
    RelatedToId: nullableString,
    IsPrimary: nullableBool,
  })
  .strict();
export type Relationship = z.infer<typeof Relationship>;

export const CategoryAssignment = z
  .object({ Id: nullableString, Name: nullableString, CategoryId: nullableString })
  .strict();

const categories = z.array(z.union([z.string(), CategoryAssignment])).optional();

export const Customer = z
  .object({
    CustomerNumber: nullableString,
    FirstName: nullableString,
    LastName: nullableString,
    EmailAddress: nullableString,
    Company: nullableString,
    Comment: nullableString,
    Phone: nullableString,
    Addresses: z.array(Address).optional(),
    Categories: categories,
    Relationships: z.array(Relationship).optional(),
    CustomFields: CustomFields.optional(),
  })
  .strict();
export type Customer = z.infer<typeof Customer>;

export const Company = z
  .object({
    Name: nullableString,
    CompanyNumber: nullableString,
    EmailAddress: nullableString,
    Phone: nullableString,
    Website: nullableString,
    Addresses: z.array(Address).optional(),
    Categories: categories,
    CustomFields: CustomFields.optional(),
  })
  .strict();
export type Company = z.infer<typeof Company>;

export const CustomerCategory = z
  .object({ Name: nullableString, Description: nullableString, CustomFields: CustomFields.optional() })
  .strict();

export const Location = z
  .object({
    Name: nullableString,
    Code: nullableString,
    ...postalFields,
    CustomFields: CustomFields.optional(),
  })
  .strict();

export const ShippingMethod = z
  .object({
    Name: nullableString,
    Code: nullableString,
    Description: nullableString,
    CustomFields: CustomFields.optional(),
  })
  .strict();

/** Every hub model by name; the key is what collections, links and the API call a model. */
export const hubModels = {
  Customer,
  Company,
  Address,
  Relationship,
  CustomerCategory,
  Location,
  ShippingMethod,
} as const;

export type HubModelName = keyof typeof hubModels;
export const hubModelNames = Object.keys(hubModels) as HubModelName[];
export const HubModelName = z.enum(hubModelNames as [HubModelName, ...HubModelName[]]);
