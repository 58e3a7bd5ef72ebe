/**
 * The slice of the Salesforce object model the simulator knows: Contact and Account with their
 * standard fields (names, types and lengths from the object reference) plus the custom fields the
 * seed articles use. Field names are case-insensitive in SOQL and in JSON bodies, as in Salesforce.
 */

export type FieldType =
  | 'id'
  | 'string'
  | 'textarea'
  | 'email'
  | 'phone'
  | 'url'
  | 'picklist'
  | 'multipicklist'
  | 'reference'
  | 'boolean'
  | 'datetime'
  | 'date'
  | 'double'
  | 'currency'
  | 'int'
  | 'address';

export interface FieldSchema {
  name: string;
  label: string;
  type: FieldType;
  length?: number;
  /** Required on create (Salesforce: `nillable: false` and createable, no default). */
  required?: boolean;
  /** Set by the system, never by a client (Id, CreatedDate, LastModifiedDate, compound fields…). */
  readOnly?: boolean;
  custom?: boolean;
  picklist?: string[];
  /** Restricted picklist: values outside the list are rejected. */
  restricted?: boolean;
  referenceTo?: string;
  relationshipName?: string;
}

export interface ObjectSchema {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  fields: FieldSchema[];
}

const system = (name: string, label: string, type: FieldType, extra: Partial<FieldSchema> = {}): FieldSchema => ({ name, label, type, readOnly: true, ...extra });
const text = (name: string, label: string, length: number, extra: Partial<FieldSchema> = {}): FieldSchema => ({ name, label, type: 'string', length, ...extra });

/** A compound address (`MailingAddress`, read-only) and its component fields (`MailingStreet` … `MailingCountry`). */
const addressFields = (prefix: string): FieldSchema[] => [
  { name: `${prefix}Street`, label: `${prefix} Street`, type: 'textarea', length: 255 },
  text(`${prefix}City`, `${prefix} City`, 40),
  text(`${prefix}State`, `${prefix} State/Province`, 80),
  text(`${prefix}PostalCode`, `${prefix} Zip/Postal Code`, 20),
  text(`${prefix}Country`, `${prefix} Country`, 80),
  system(`${prefix}Address`, `${prefix} Address`, 'address'),
];

const auditFields: FieldSchema[] = [
  system('IsDeleted', 'Deleted', 'boolean'),
  system('OwnerId', 'Owner ID', 'reference', { referenceTo: 'User', relationshipName: 'Owner' }),
  system('CreatedDate', 'Created Date', 'datetime'),
  system('CreatedById', 'Created By ID', 'reference', { referenceTo: 'User', relationshipName: 'CreatedBy' }),
  system('LastModifiedDate', 'Last Modified Date', 'datetime'),
  system('LastModifiedById', 'Last Modified By ID', 'reference', { referenceTo: 'User', relationshipName: 'LastModifiedBy' }),
  system('SystemModstamp', 'System Modstamp', 'datetime'),
];

export const ContactSchema: ObjectSchema = {
  name: 'Contact',
  label: 'Contact',
  labelPlural: 'Contacts',
  keyPrefix: '003',
  fields: [
    system('Id', 'Contact ID', 'id', { length: 18 }),
    { name: 'AccountId', label: 'Account ID', type: 'reference', referenceTo: 'Account', relationshipName: 'Account' },
    { name: 'Salutation', label: 'Salutation', type: 'picklist', picklist: ['Mr.', 'Ms.', 'Mrs.', 'Dr.', 'Prof.'] },
    text('FirstName', 'First Name', 40),
    text('LastName', 'Last Name', 80, { required: true }),
    system('Name', 'Full Name', 'string', { length: 121 }),
    ...addressFields('Mailing'),
    { name: 'Phone', label: 'Business Phone', type: 'phone', length: 40 },
    { name: 'MobilePhone', label: 'Mobile Phone', type: 'phone', length: 40 },
    { name: 'Email', label: 'Email', type: 'email', length: 80 },
    text('Title', 'Title', 128),
    text('Department', 'Department', 80),
    { name: 'Birthdate', label: 'Birthdate', type: 'date' },
    { name: 'Description', label: 'Contact Description', type: 'textarea', length: 32000 },
    { name: 'LeadSource', label: 'Lead Source', type: 'picklist', picklist: ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other'] },
    { name: 'HasOptedOutOfEmail', label: 'Email Opt Out', type: 'boolean' },
    ...auditFields,
    { name: 'Level__c', label: 'Level', type: 'picklist', custom: true, picklist: ['Primary', 'Secondary', 'Tertiary'], restricted: true },
    { name: 'Languages__c', label: 'Languages', type: 'string', length: 100, custom: true },
    { name: 'ContactTestCustomField__c', label: 'ContactTestCustomField', type: 'string', length: 255, custom: true },
  ],
};

export const AccountSchema: ObjectSchema = {
  name: 'Account',
  label: 'Account',
  labelPlural: 'Accounts',
  keyPrefix: '001',
  fields: [
    system('Id', 'Account ID', 'id', { length: 18 }),
    text('Name', 'Account Name', 255, { required: true }),
    { name: 'Type', label: 'Account Type', type: 'picklist', picklist: ['Prospect', 'Customer - Direct', 'Customer - Channel', 'Partner', 'Other'] },
    { name: 'ParentId', label: 'Parent Account ID', type: 'reference', referenceTo: 'Account', relationshipName: 'Parent' },
    text('AccountNumber', 'Account Number', 40),
    text('Site', 'Account Site', 80),
    ...addressFields('Billing'),
    ...addressFields('Shipping'),
    { name: 'Phone', label: 'Account Phone', type: 'phone', length: 40 },
    { name: 'Website', label: 'Website', type: 'url', length: 255 },
    { name: 'Industry', label: 'Industry', type: 'picklist', picklist: ['Agriculture', 'Banking', 'Retail', 'Technology', 'Other'] },
    { name: 'AnnualRevenue', label: 'Annual Revenue', type: 'currency' },
    { name: 'NumberOfEmployees', label: 'Employees', type: 'int' },
    { name: 'Description', label: 'Account Description', type: 'textarea', length: 32000 },
    ...auditFields,
  ],
};

export const SCHEMAS: Record<string, ObjectSchema> = { Contact: ContactSchema, Account: AccountSchema };

/** Finds an object by name, case-insensitively (`contact` → Contact). */
export function findObject(name: string): ObjectSchema | undefined {
  const lower = name.toLowerCase();
  return Object.values(SCHEMAS).find((s) => s.name.toLowerCase() === lower);
}

export function findField(schema: ObjectSchema, name: string): FieldSchema | undefined {
  const lower = name.toLowerCase();
  return schema.fields.find((f) => f.name.toLowerCase() === lower);
}

/** Compound address fields and their component prefix (MailingAddress → Mailing*). */
export const ADDRESS_PREFIX: Record<string, string> = { MailingAddress: 'Mailing', BillingAddress: 'Billing', ShippingAddress: 'Shipping' };

/** The describe JSON for one field, shaped like `/sobjects/{type}/describe` `fields[]`. */
export function describeField(field: FieldSchema): Record<string, unknown> {
  const updateable = !field.readOnly;
  return {
    name: field.name,
    label: field.label,
    type: field.type,
    length: field.length ?? 0,
    custom: field.custom ?? false,
    nillable: !field.required && field.type !== 'boolean' && field.type !== 'id',
    createable: updateable,
    updateable,
    filterable: field.type !== 'textarea' && field.type !== 'address',
    sortable: field.type !== 'textarea' && field.type !== 'address' && field.type !== 'multipicklist',
    defaultedOnCreate: field.type === 'boolean' || field.name === 'OwnerId',
    idLookup: field.name === 'Id' || field.type === 'email',
    referenceTo: field.referenceTo ? [field.referenceTo] : [],
    relationshipName: field.relationshipName ?? null,
    restrictedPicklist: field.restricted ?? false,
    picklistValues: (field.picklist ?? []).map((value, index) => ({ active: true, defaultValue: false, label: value, validFor: null, value, index })),
    soapType: field.type === 'datetime' ? 'xsd:dateTime' : field.type === 'boolean' ? 'xsd:boolean' : field.type === 'id' || field.type === 'reference' ? 'tns:ID' : 'xsd:string',
  };
}
