import { bcContactToHub, bcUpdateCustomerFromHub } from '../fixtures/seeds.js';
import type { Mapping } from '../schema.js';
import type { MappingTemplate, TemplateCollection } from './types.js';

/**
 * Business Central templates. Field names are those of the records the business-central connector
 * hands to the sync engine (`customerFromApi` + CustomerCard, `contactFromApi`, published pages).
 * The seed collections start from the shapes in `../fixtures/seeds.ts`.
 */

const primaryBilling = (field: string) => `FieldFromFirstMatch(Addresses, "IsPrimaryBilling == true", "${field}")`;

/**
 * Seed 000 — update only, no children. `No` is the BC customer number the hub customer is linked to
 * (the link's external id), so the update never renumbers the BC customer.
 */
const updateCustomerFromHub: TemplateCollection = {
  ...bcUpdateCustomerFromHub,
  description:
    'Updates Business Central customers that already exist and are linked to the hub customer (update only, no children): name, primary billing address, email, price group (first category) and payment terms.',
  externalIdFormat: '{{No}}',
  collision: { method: 'ERROR' },
  mappings: [
    {
      type: 'formula',
      source: 'Coalesce(await GetExternalIdAsync(Id, "Customer", SpaceportSystemId), CustomerNumber)',
      destination: 'No',
      required: true,
      description: 'Preserves the existing Customer Number of the linked Business Central customer instead of replacing it.',
    },
    { type: 'formula', source: 'FirstName + " " + LastName', destination: 'Name', required: true, description: 'First and last name.' },
    { type: 'formula', source: primaryBilling('Address1'), destination: 'Address', description: 'Address1 of the primary billing address.' },
    {
      type: 'formula',
      source: primaryBilling('Country'),
      destination: 'CountryRegionCode',
      description: 'Country of the primary billing address; must be 10 characters or fewer and an existing Countries/Regions code in Business Central.',
    },
    { type: 'formula', source: primaryBilling('City'), destination: 'City', description: 'City of the primary billing address.' },
    { type: 'formula', source: primaryBilling('Region'), destination: 'County', description: 'Region of the primary billing address.' },
    { type: 'formula', source: primaryBilling('PostalCode'), destination: 'PostCode', description: 'Postal code of the primary billing address.' },
    { type: 'formula', source: primaryBilling('PhoneNumber'), destination: 'PhoneNo', description: 'Phone number of the primary billing address.' },
    { type: 'field', source: 'EmailAddress', destination: 'EMail', required: true, description: 'Email address (Business Central E_Mail).' },
    {
      type: 'formula',
      source: 'Categories == null || Categories.Count == 0 ? null : Coalesce(GetValue(Categories[0], "Name"), Categories[0])',
      destination: 'CustomerPriceGroup',
      description: 'First category only: Business Central accepts one Customer Price Group code.',
    },
    { type: 'static', source: '10 DAYS', destination: 'PaymentTermsCode', required: true, description: 'Payment terms code; adjust to a code that exists in your Business Central.' },
  ],
};

/**
 * Seed 001. Changes to the fixture shape: a CompanyID_Contact that is set but not linked to a hub
 * company is the article's "Company Not Found" error instead of an empty value.
 */
const contactToHub: TemplateCollection = {
  ...bcContactToHub,
  triggers: ['create', 'update', 'poll', 'webhook', 'manual'],
  mappings: (bcContactToHub.mappings as Mapping[]).map((m) =>
    m.destination === 'CustomFields.iPaaS.com Company ID'
      ? {
          ...m,
          source:
            'if (CompanyID_Contact == null || CompanyID_Contact == "") return "";\n' +
            'return Required(await GetSpaceportIdAsync(CompanyID_Contact, "Company", SpaceportSystemId), "Company " + CompanyID_Contact + " (CompanyID_Contact) was not found in Junction: sync the company first, then replay this transfer");',
          description: 'If CompanyID_Contact is set, the hub id of that company (which must already exist); otherwise empty.',
        }
      : m,
  ),
};

const nameFirst = 'Name == null ? null : (Name.Trim().IndexOf(" ") < 0 ? Name.Trim() : Name.Trim().Substring(0, Name.Trim().IndexOf(" ")))';
const nameLast = 'Name == null || Name.Trim().IndexOf(" ") < 0 ? null : Name.Trim().Substring(Name.Trim().IndexOf(" ") + 1)';

/** What seed 000 needs: BC customers in the hub, linked by customer number (`{{No}}`), matched on email. */
const customerToHub: TemplateCollection = {
  name: 'Dynamics Customer Add/Update TO iPaaS',
  description:
    'Business Central customers become hub customers linked by customer number; an existing hub customer with the same email is linked instead of duplicated. Provides the links that "Update Customer FROM iPaaS" updates through.',
  hubModel: 'Customer',
  entity: 'customer',
  direction: 'TO_HUB',
  syncType: 'ADD_UPDATE',
  collision: { method: 'UPDATE_AND_LINK', matchField: 'EmailAddress' },
  externalIdFormat: '{{No}}',
  triggers: ['create', 'update', 'poll', 'webhook', 'manual', 'init'],
  sortOrder: 10,
  mappings: [
    { type: 'field', source: 'No', destination: 'CustomerNumber', required: true, description: 'Customer No.' },
    { type: 'formula', source: nameFirst, destination: 'FirstName', description: 'Name up to the first space.' },
    { type: 'formula', source: nameLast, destination: 'LastName', description: 'Name after the first space.' },
    { type: 'field', source: 'EMail', destination: 'EmailAddress', required: true, description: 'E-Mail.' },
    { type: 'field', source: 'PhoneNo', destination: 'Phone', emptyLeavesUnchanged: true },
  ],
  children: [
    {
      name: 'Dynamics Customer Address Add/Update TO iPaaS',
      description: 'The address stored on the customer becomes the primary billing address.',
      hubModel: 'Address',
      sourceList: 'ParentOnly',
      destinationList: 'Addresses',
      matchOn: ['IsPrimaryBilling'],
      mappings: [
        { type: 'field', source: 'Address', destination: 'Address1', emptyLeavesUnchanged: true },
        { type: 'field', source: 'Address2', destination: 'Address2', emptyLeavesUnchanged: true },
        { type: 'field', source: 'City', destination: 'City', emptyLeavesUnchanged: true },
        { type: 'field', source: 'County', destination: 'Region', emptyLeavesUnchanged: true },
        { type: 'field', source: 'CountryRegionCode', destination: 'Country', emptyLeavesUnchanged: true },
        { type: 'field', source: 'PostCode', destination: 'PostalCode', emptyLeavesUnchanged: true },
        { type: 'field', source: 'PhoneNo', destination: 'PhoneNumber', emptyLeavesUnchanged: true },
        { type: 'static', source: true, destination: 'IsPrimaryBilling' },
      ],
    },
    {
      name: 'Dynamics Customer Price Group TO iPaaS',
      description: "The customer's price group becomes its category.",
      hubModel: 'CustomerCategory',
      sourceList: 'ParentOnly',
      destinationList: 'Categories',
      filter: 'CustomerPriceGroup != null && CustomerPriceGroup != ""',
      matchOn: ['Name'],
      mappings: [{ type: 'field', source: 'CustomerPriceGroup', destination: 'Name' }],
    },
  ],
};

/** Company contacts (Type Company): the hub companies that seed 001's CompanyID_Contact resolves to, linked by contact No. */
const companyToHub: TemplateCollection = {
  name: 'Dynamics Company Add/Update TO iPaaS',
  description:
    'Business Central contacts of Type Company become hub companies, linked by their contact No. (the value a person contact holds in CompanyID_Contact). Sync companies before contacts.',
  hubModel: 'Company',
  entity: 'contact',
  direction: 'TO_HUB',
  syncType: 'ADD_UPDATE',
  filter: 'Type == "Company"',
  collision: { method: 'UPDATE_AND_LINK', matchField: 'Name' },
  externalIdFormat: '{{No}}',
  triggers: ['create', 'update', 'poll', 'manual', 'init'],
  sortOrder: 5,
  mappings: [
    { type: 'field', source: 'Name', destination: 'Name', required: true },
    { type: 'field', source: 'No', destination: 'CompanyNumber', required: true },
    { type: 'field', source: 'EMail', destination: 'EmailAddress', emptyLeavesUnchanged: true },
    { type: 'field', source: 'PhoneNo', destination: 'Phone', emptyLeavesUnchanged: true },
    { type: 'field', source: 'HomePage', destination: 'Website', emptyLeavesUnchanged: true },
  ],
};

/** Seed 002 initialization: Customer Price Groups (page 7) → customer categories. */
const customerCategoryToHub: TemplateCollection = {
  name: 'Dynamics Customer Category TO iPaaS',
  description: 'Initialization: every Customer Price Group becomes a hub customer category, linked by its Code.',
  hubModel: 'CustomerCategory',
  entity: 'customerPriceGroup',
  direction: 'TO_HUB',
  syncType: 'ADD_UPDATE',
  externalIdFormat: '{{Code}}',
  triggers: ['init', 'manual'],
  sortOrder: 20,
  mappings: [
    { type: 'field', source: 'Code', destination: 'Name', required: true, description: 'The price group code (what customers reference).' },
    { type: 'field', source: 'Description', destination: 'Description' },
  ],
};

/** Seed 002 initialization: Locations (page 5703) → locations. */
const locationToHub: TemplateCollection = {
  name: 'Dynamics Location TO iPaaS',
  description: 'Initialization: every Location becomes a hub location, linked by its Location Code.',
  hubModel: 'Location',
  entity: 'location',
  direction: 'TO_HUB',
  syncType: 'ADD_UPDATE',
  externalIdFormat: '{{Code}}',
  triggers: ['init', 'manual'],
  sortOrder: 21,
  mappings: [
    { type: 'field', source: 'Code', destination: 'Code', required: true },
    { type: 'field', source: 'Name', destination: 'Name' },
    { type: 'field', source: 'Address', destination: 'Address1' },
    { type: 'field', source: 'Address_2', destination: 'Address2' },
    { type: 'field', source: 'City', destination: 'City' },
    { type: 'field', source: 'County', destination: 'Region' },
    { type: 'field', source: 'Post_Code', destination: 'PostalCode' },
    { type: 'field', source: 'Country_Region_Code', destination: 'Country' },
    { type: 'field', source: 'Phone_No', destination: 'Phone' },
  ],
};

/** Seed 002 initialization: Shipping Agents (page 428) → shipping methods. */
const shippingMethodToHub: TemplateCollection = {
  name: 'Dynamics Shipping Method TO iPaaS',
  description: 'Initialization: every Shipping Agent becomes a hub shipping method, linked by its Shipping Agent Code.',
  hubModel: 'ShippingMethod',
  entity: 'shippingAgent',
  direction: 'TO_HUB',
  syncType: 'ADD_UPDATE',
  externalIdFormat: '{{Code}}',
  triggers: ['init', 'manual'],
  sortOrder: 22,
  mappings: [
    { type: 'field', source: 'Code', destination: 'Code', required: true },
    { type: 'field', source: 'Name', destination: 'Name' },
    { type: 'field', source: 'Name', destination: 'Description' },
  ],
};

export const businessCentralTemplates: MappingTemplate[] = [
  { key: 'bc-000-update-customer-from-hub', system: 'business-central', seed: '000', summary: 'Update Customer FROM iPaaS (update only)', collection: updateCustomerFromHub },
  { key: 'bc-001-contact-to-hub', system: 'business-central', seed: '001', summary: 'Add/Update Contact TO iPaaS with Contact Address', collection: contactToHub },
  { key: 'bc-customer-to-hub', system: 'business-central', seed: 'support', summary: 'Customer Add/Update TO iPaaS (links for seed 000)', collection: customerToHub },
  { key: 'bc-company-to-hub', system: 'business-central', seed: 'support', summary: 'Company contacts TO iPaaS (companies for seed 001)', collection: companyToHub },
  { key: 'bc-002-customer-category-to-hub', system: 'business-central', seed: '002', summary: 'Initialization: Customer Price Groups → customer categories', collection: customerCategoryToHub },
  { key: 'bc-002-location-to-hub', system: 'business-central', seed: '002', summary: 'Initialization: Locations → locations', collection: locationToHub },
  { key: 'bc-002-shipping-method-to-hub', system: 'business-central', seed: '002', summary: 'Initialization: Shipping Agents → shipping methods', collection: shippingMethodToHub },
];
