import type { EntityDefinition, ExternalRecord } from '../types.js';
import type { BcRow } from './client.js';

/** A published web service the connector reads (seed 002, "Enable APIs in Business Central"). */
export interface WebServiceDefinition {
  name: string;
  objectType: 'Page' | 'Query';
  objectId: number;
  serviceName: string;
}

export const BC_WEB_SERVICES: readonly WebServiceDefinition[] = [
  { name: 'Customer Card', objectType: 'Page', objectId: 21, serviceName: 'CustomerCard' },
  { name: 'Location Card', objectType: 'Page', objectId: 5703, serviceName: 'Locations' },
  { name: 'Item Card', objectType: 'Page', objectId: 30, serviceName: 'ItemCard' },
  { name: 'Shipping Agents', objectType: 'Page', objectId: 428, serviceName: 'ShippingAgents' },
  { name: 'Sales Order', objectType: 'Page', objectId: 42, serviceName: 'SalesOrders' },
  { name: 'Sales Order Lines', objectType: 'Page', objectId: 46, serviceName: 'SalesOrderLines' },
  { name: 'Items By Location', objectType: 'Query', objectId: 2554, serviceName: 'Itemsbylocation' },
  { name: 'Customer Price Groups', objectType: 'Page', objectId: 7, serviceName: 'CustomerPriceGroups' },
];

/** Entities read through a published OData page or query: the service and its key fields (in URL order). */
export interface PageEntity {
  service: string;
  keys: string[];
  /** Fixed key parts, e.g. `Document_Type='Order'` for sales orders. */
  fixedKeys?: Record<string, string>;
  /** Queries have no key segment: single records are read with `$filter`. */
  query?: boolean;
}

export const PAGE_ENTITIES: Record<string, PageEntity> = {
  customerPriceGroup: { service: 'CustomerPriceGroups', keys: ['Code'] },
  location: { service: 'Locations', keys: ['Code'] },
  shippingAgent: { service: 'ShippingAgents', keys: ['Code'] },
  item: { service: 'ItemCard', keys: ['No'] },
  salesOrder: { service: 'SalesOrders', keys: ['No'], fixedKeys: { Document_Type: 'Order' } },
  salesOrderLine: { service: 'SalesOrderLines', keys: ['Document_No', 'Line_No'], fixedKeys: { Document_Type: 'Order' } },
  itemByLocation: { service: 'Itemsbylocation', keys: ['Item_No', 'Location_Code'], query: true },
};

const readOnly = { read: true, poll: false, create: false, update: false, delete: false, webhook: false, initialize: true };

export const businessCentralEntities: EntityDefinition[] = [
  {
    name: 'customer',
    hubModel: 'Customer',
    idFormats: ['{{customer_no}}', '{{Id}}'],
    emailField: 'EMail',
    capabilities: { read: true, poll: true, create: true, update: true, delete: false, webhook: true, initialize: true },
  },
  {
    name: 'contact',
    hubModel: 'Customer',
    idFormats: ['{{Id}}|contact', '{{customer_no}}|contact', '{{Id}}', '{{customer_no}}'],
    emailField: 'EMail',
    capabilities: { read: true, poll: true, create: true, update: true, delete: false, webhook: false, initialize: true },
  },
  {
    name: 'company',
    hubModel: 'Company',
    idFormats: ['{{customer_no}}', '{{Id}}'],
    emailField: 'EMail',
    capabilities: { read: true, poll: true, create: false, update: false, delete: false, webhook: true, initialize: true },
  },
  { name: 'customerPriceGroup', hubModel: 'CustomerCategory', idFormats: ['{{Code}}'], capabilities: readOnly },
  { name: 'location', hubModel: 'Location', idFormats: ['{{Code}}'], capabilities: readOnly },
  { name: 'shippingAgent', hubModel: 'ShippingMethod', idFormats: ['{{Code}}'], capabilities: readOnly },
  { name: 'item', hubModel: 'Product', idFormats: ['{{No}}'], capabilities: readOnly },
  { name: 'salesOrder', hubModel: 'Transaction', idFormats: ['{{No}}'], capabilities: readOnly },
  { name: 'salesOrderLine', hubModel: 'TransactionLine', idFormats: ['{{Document_No}}|{{Line_No}}'], capabilities: readOnly },
  { name: 'itemByLocation', hubModel: 'ProductInventory', idFormats: ['{{Item_No}}|{{Location_Code}}'], capabilities: readOnly },
];

/**
 * Child sources of the contact record. A BC contact holds its address flat on the record (there is no address
 * list), so a child collection over "Contact Address" runs once over the contact itself: the source is a
 * ParentOnly wrapper whose fields are the parent's address fields (`Parent.City` or plain `City`).
 */
export const businessCentralChildSources: Record<string, Array<{ name: string; parentOnly: boolean; fields: string[] }>> = {
  contact: [{ name: 'Address', parentOnly: true, fields: ['Address', 'Address2', 'City', 'County', 'CountryRegionCode', 'PostCode', 'PhoneNo'] }],
  customer: [{ name: 'Address', parentOnly: true, fields: ['Address', 'Address2', 'City', 'County', 'CountryRegionCode', 'PostCode', 'PhoneNo'] }],
};

export const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Strips OData annotations; returns the row's fields and its etag. */
export function splitRow(row: BcRow): { fields: Record<string, unknown>; etag: string | undefined } {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) if (!key.startsWith('@odata.')) fields[key] = value;
  const etag = typeof row['@odata.etag'] === 'string' ? row['@odata.etag'] : undefined;
  return { fields, etag };
}

const str = (value: unknown): string => (value === null || value === undefined ? '' : String(value));

/** Mapping field names of a customer → OData page 21 (CustomerCard) property names (apis.md §1.4). */
export const CUSTOMER_CARD_FIELDS: Record<string, string> = {
  No: 'No',
  Name: 'Name',
  Name2: 'Name_2',
  SearchName: 'Search_Name',
  Address: 'Address',
  Address2: 'Address_2',
  City: 'City',
  County: 'County',
  PostCode: 'Post_Code',
  CountryRegionCode: 'Country_Region_Code',
  PhoneNo: 'Phone_No',
  MobilePhoneNo: 'MobilePhoneNo',
  EMail: 'E_Mail',
  EmailAddress: 'E_Mail',
  HomePage: 'Home_Page',
  LanguageCode: 'Language_Code',
  CustomerPriceGroup: 'Customer_Price_Group',
  CustomerDiscGroup: 'Customer_Disc_Group',
  PaymentTermsCode: 'Payment_Terms_Code',
  PaymentMethodCode: 'Payment_Method_Code',
  ShipmentMethodCode: 'Shipment_Method_Code',
  LocationCode: 'Location_Code',
  CurrencyCode: 'Currency_Code',
  TaxAreaCode: 'Tax_Area_Code',
  TaxLiable: 'Tax_Liable',
  GenBusPostingGroup: 'Gen_Bus_Posting_Group',
  CustomerPostingGroup: 'Customer_Posting_Group',
  VATRegistrationNo: 'VAT_Registration_No',
  SalespersonCode: 'Salesperson_Code',
  CreditLimitLCY: 'Credit_Limit_LCY',
  Blocked: 'Blocked',
  PrimaryContactNo: 'Primary_Contact_No',
};

/** Output-only fields of the customer record (never written back). */
const CUSTOMER_READ_ONLY = new Set(['Id', 'id', 'LastModifiedDateTime', 'lastModifiedDateTime', 'Type', 'BalanceLCY', 'Balance_LCY', 'Last_Date_Modified', 'EmailAddress_']);

/** A customer write (mapping names or page 21 names) as a CustomerCard body. Unknown keys pass through (custom fields). */
export function toCustomerCard(data: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined || key.startsWith('@odata.') || CUSTOMER_READ_ONLY.has(key)) continue;
    const target = CUSTOMER_CARD_FIELDS[key] ?? key;
    // `EMail` wins over `EmailAddress` when both are given.
    if (key === 'EmailAddress' && data.EMail !== undefined) continue;
    body[target] = value;
  }
  return body;
}

/** The customer record the sync engine sees, from a page 21 row. */
export function customerFromCard(row: BcRow): ExternalRecord {
  const { fields, etag } = splitRow(row);
  const data: Record<string, unknown> = { ...fields };
  for (const [name, odata] of Object.entries(CUSTOMER_CARD_FIELDS)) if (odata in fields) data[name] = fields[odata];
  if (typeof fields.SystemId === 'string') data.Id = fields.SystemId;
  const no = str(fields.No);
  return { id: no, data, etag };
}

/** Mapping field names of the address customers and contacts share → API v2.0 properties. */
const ADDRESS_API_FIELDS: Record<string, string> = {
  Address: 'addressLine1',
  Address2: 'addressLine2',
  City: 'city',
  County: 'state',
  CountryRegionCode: 'country',
  PostCode: 'postalCode',
  PhoneNo: 'phoneNumber',
};

/** The address fields of an API v2.0 customer or contact row, under their mapping names. */
function addressFromApi(fields: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, api] of Object.entries(ADDRESS_API_FIELDS)) out[name] = str(fields[api]);
  return out;
}

/** The customer record the sync engine sees, from an API v2.0 `customers` row. */
export function customerFromApi(row: BcRow): ExternalRecord {
  const { fields, etag } = splitRow(row);
  const email = str(fields.email);
  const data: Record<string, unknown> = {
    ...fields,
    Id: str(fields.id),
    No: str(fields.number),
    Name: str(fields.displayName),
    Type: str(fields.type),
    ...addressFromApi(fields),
    EMail: email,
    EmailAddress: email,
    HomePage: str(fields.website),
    CurrencyCode: str(fields.currencyCode),
    SalespersonCode: str(fields.salespersonCode),
    Blocked: str(fields.blocked),
    LastModifiedDateTime: str(fields.lastModifiedDateTime),
  };
  return { id: str(fields.number), data, etag, modifiedAt: str(fields.lastModifiedDateTime) || undefined };
}

/** Merges page 21 fields (price group, payment terms, posting groups…) into an API customer record. */
export function mergeCard(record: ExternalRecord, card: BcRow): ExternalRecord {
  const fromCard = customerFromCard(card);
  return { ...record, data: { ...fromCard.data, ...record.data, ...pickCardOnly(fromCard.data) }, etag: fromCard.etag ?? record.etag };
}

function pickCardOnly(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ['CustomerPriceGroup', 'CustomerDiscGroup', 'PaymentTermsCode', 'PaymentMethodCode', 'ShipmentMethodCode', 'LocationCode', 'TaxAreaCode', 'GenBusPostingGroup', 'CustomerPostingGroup', 'VATRegistrationNo']) {
    if (key in data) out[key] = data[key];
  }
  return out;
}

/** Mapping field names of a contact → API v2.0 `contacts` properties (custom extension fields included). */
export const CONTACT_API_FIELDS: Record<string, string> = {
  No: 'number',
  Type: 'type',
  Name: 'displayName',
  EMail: 'email',
  EmailAddress: 'email',
  CompanyName_Contact: 'companyName',
  CompanyID_Contact: 'companyNumber',
  JobTitle: 'jobTitle',
  ...ADDRESS_API_FIELDS,
  MobilePhoneNo: 'mobilePhoneNumber',
  HomePage: 'website',
  RecordType: 'recordType',
  WebUserRole_Contact: 'webUserRole',
  'Customer Type': 'customerType',
};

const CONTACT_READ_ONLY = new Set(['Id', 'id', 'LastModifiedDateTime', 'lastModifiedDateTime', 'FirstName_Contact', 'LastName_Contact', 'AdditionalProperties']);

/** Splits a BC contact display name into first name and surname (API v2.0 has only `displayName`). */
export function splitName(displayName: string): { first: string; last: string } {
  const trimmed = displayName.trim();
  const space = trimmed.indexOf(' ');
  return space < 0 ? { first: trimmed, last: '' } : { first: trimmed.slice(0, space), last: trimmed.slice(space + 1).trim() };
}

/** A contact write (mapping names or API names) as an API v2.0 body. */
export function toContactApi(data: Record<string, unknown>, current?: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined || key.startsWith('@odata.') || CONTACT_READ_ONLY.has(key)) continue;
    if (key === 'EmailAddress' && data.EMail !== undefined) continue;
    body[CONTACT_API_FIELDS[key] ?? key] = value;
  }
  if (data.FirstName_Contact !== undefined || data.LastName_Contact !== undefined) {
    const first = data.FirstName_Contact ?? current?.FirstName_Contact ?? '';
    const last = data.LastName_Contact ?? current?.LastName_Contact ?? '';
    body.displayName = `${str(first)} ${str(last)}`.trim();
  }
  const extra = data.AdditionalProperties;
  if (extra && typeof extra === 'object' && !Array.isArray(extra)) {
    for (const [key, value] of Object.entries(extra as Record<string, unknown>)) body[key === 'Active_Web_User' ? 'activeWebUser' : key] = value;
  }
  return body;
}

/** The contact record the sync engine sees (fields the seed 001 mapping reads), from an API v2.0 `contacts` row. */
export function contactFromApi(row: BcRow): ExternalRecord {
  const { fields, etag } = splitRow(row);
  const name = splitName(str(fields.displayName));
  const email = str(fields.email);
  const additional: Record<string, unknown> = {};
  if ('activeWebUser' in fields) additional.Active_Web_User = fields.activeWebUser;
  const data: Record<string, unknown> = {
    ...fields,
    Id: str(fields.id),
    No: str(fields.number),
    Type: str(fields.type),
    RecordType: str(fields.recordType) || 'Contact',
    Name: str(fields.displayName),
    FirstName_Contact: typeof fields.firstName === 'string' ? fields.firstName : name.first,
    LastName_Contact: typeof fields.surname === 'string' ? fields.surname : name.last,
    EMail: email,
    EmailAddress: email,
    CompanyName_Contact: str(fields.companyName),
    CompanyID_Contact: fields.companyNumber && fields.companyNumber !== fields.number ? str(fields.companyNumber) : null,
    WebUserRole_Contact: str(fields.webUserRole),
    'Customer Type': str(fields.customerType),
    AdditionalProperties: additional,
    JobTitle: str(fields.jobTitle),
    ...addressFromApi(fields),
    MobilePhoneNo: str(fields.mobilePhoneNumber),
    HomePage: str(fields.website),
    LastModifiedDateTime: str(fields.lastModifiedDateTime),
  };
  return { id: `${str(fields.id)}|contact`, data, etag, modifiedAt: str(fields.lastModifiedDateTime) || undefined };
}

/** A row of a published page or query, with its id built from the key fields. */
export function pageRecord(entity: PageEntity, row: BcRow): ExternalRecord {
  const { fields, etag } = splitRow(row);
  return { id: entity.keys.map((k) => str(fields[k])).join('|'), data: fields, etag };
}
