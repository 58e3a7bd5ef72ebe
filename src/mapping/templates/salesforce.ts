import type { MappingTemplate, TemplateCollection } from './types.js';

/**
 * Salesforce templates. Field names are the sObject API names the salesforce connector returns
 * (standard fields plus every custom field, datetimes as ISO strings).
 */

/** Seed 004: AccountId filter, Id → CustomerNumber, link by email, Address and Relationships children. */
const contactToHub: TemplateCollection = {
  name: 'Add/Update Salesforce Contact TO iPaaS.com',
  description:
    'Salesforce Contacts with an Account become hub customers (Id → CustomerNumber); an existing customer with the same email is linked and updated instead of duplicated. The mailing address becomes the primary shipping address and the Account the Company relationship. Poll based: the first poll looks back Contact Poll Days (default 7).',
  hubModel: 'Customer',
  entity: 'Contact',
  direction: 'TO_HUB',
  syncType: 'ADD_UPDATE',
  filter: 'if(AccountId != null) return true; return false;',
  collision: { method: 'UPDATE_AND_LINK', matchField: 'EmailAddress' },
  externalIdFormat: '{{Id}}',
  triggers: ['create', 'update', 'poll', 'manual'],
  sortOrder: 10,
  mappings: [
    { type: 'field', source: 'Id', destination: 'CustomerNumber', required: true },
    { type: 'field', source: 'Email', destination: 'EmailAddress', required: true },
    { type: 'field', source: 'AccountId', destination: 'Company' },
    { type: 'field', source: 'FirstName', destination: 'FirstName' },
    { type: 'field', source: 'LastName', destination: 'LastName' },
    { type: 'formula', source: 'Languages__c', destination: 'CustomFields.Languages', description: 'Placeholder custom-field example.' },
    { type: 'formula', source: 'ContactTestCustomField__c', destination: 'CustomFields.ContactTestCustomField', description: 'Placeholder custom-field example.' },
  ],
  children: [
    {
      name: 'Add/Update Salesforce Contact Address TO iPaaS.com',
      hubModel: 'Address',
      sourceList: 'ParentOnly',
      destinationList: 'Addresses',
      matchOn: ['IsPrimaryShipping'],
      mappings: [
        { type: 'field', source: 'MailingStreet', destination: 'Address1', emptyLeavesUnchanged: true },
        { type: 'field', source: 'MailingCity', destination: 'City', emptyLeavesUnchanged: true },
        { type: 'field', source: 'MailingState', destination: 'Region', emptyLeavesUnchanged: true },
        { type: 'field', source: 'MailingCountry', destination: 'Country', emptyLeavesUnchanged: true },
        { type: 'field', source: 'MailingPostalCode', destination: 'PostalCode', emptyLeavesUnchanged: true },
        { type: 'static', source: true, destination: 'IsPrimaryShipping' },
      ],
    },
    {
      name: 'Add/Update Salesforce Contact Relationships TO iPaaS.com',
      hubModel: 'Relationship',
      sourceList: 'ParentOnly',
      destinationList: 'Relationships',
      matchOn: ['RelatedToId'],
      mappings: [
        { type: 'static', source: 'Company', destination: 'Type' },
        { type: 'formula', source: 'Parent.CreatedDate', destination: 'StartDate' },
        { type: 'formula', source: 'await GetSpaceportIdAsync(Parent.AccountId, "Company", SpaceportSystemId)', destination: 'RelatedToId', required: true },
        { type: 'formula', source: 'Parent.Level__c == "Primary"', destination: 'IsPrimary' },
      ],
    },
  ],
};

/** What seed 004 needs first: Accounts as hub companies, linked by Account Id. */
const accountToHub: TemplateCollection = {
  name: 'Add/Update Salesforce Account TO iPaaS.com',
  description: 'Salesforce Accounts become hub companies linked by Account Id, so Contacts can be related to them. Sync Accounts before Contacts.',
  hubModel: 'Company',
  entity: 'Account',
  direction: 'TO_HUB',
  syncType: 'ADD_UPDATE',
  collision: { method: 'UPDATE_AND_LINK', matchField: 'Name' },
  externalIdFormat: '{{Id}}',
  triggers: ['create', 'update', 'poll', 'manual', 'init'],
  sortOrder: 5,
  mappings: [
    { type: 'field', source: 'Name', destination: 'Name', required: true },
    { type: 'formula', source: 'Coalesce(AccountNumber, Id)', destination: 'CompanyNumber', required: true, description: 'Account Number, else the Account Id.' },
    { type: 'field', source: 'Phone', destination: 'Phone', emptyLeavesUnchanged: true },
    { type: 'field', source: 'Website', destination: 'Website', emptyLeavesUnchanged: true },
  ],
  children: [
    {
      name: 'Add/Update Salesforce Account Address TO iPaaS.com',
      description: 'The Billing address fields of the Account become its primary billing address.',
      hubModel: 'Address',
      sourceList: 'ParentOnly',
      destinationList: 'Addresses',
      matchOn: ['IsPrimaryBilling'],
      mappings: [
        { type: 'field', source: 'BillingStreet', destination: 'Address1', emptyLeavesUnchanged: true },
        { type: 'field', source: 'BillingCity', destination: 'City', emptyLeavesUnchanged: true },
        { type: 'field', source: 'BillingState', destination: 'Region', emptyLeavesUnchanged: true },
        { type: 'field', source: 'BillingCountry', destination: 'Country', emptyLeavesUnchanged: true },
        { type: 'field', source: 'BillingPostalCode', destination: 'PostalCode', emptyLeavesUnchanged: true },
        { type: 'static', source: true, destination: 'IsPrimaryBilling' },
      ],
    },
  ],
};

export const salesforceTemplates: MappingTemplate[] = [
  { key: 'sf-004-contact-to-hub', system: 'salesforce', seed: '004', summary: 'Add/Update Contact TO iPaaS with Address and Relationships', collection: contactToHub },
  { key: 'sf-account-to-hub', system: 'salesforce', seed: 'support', summary: 'Account → Company TO iPaaS (companies for seed 004)', collection: accountToHub },
];
