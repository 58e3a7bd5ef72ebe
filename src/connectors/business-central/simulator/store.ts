import { randomUUID } from 'node:crypto';
import { createRng, fakeCompanyName, fakePerson, type Rng } from '../../simulator-kit/index.js';
import { ODataError, type Row } from './odata.js';

/** In-memory Business Central data: customers, contacts and the code tables they relate to. */

export interface SimCompany {
  id: string;
  name: string;
  displayName: string;
}

interface Versioned {
  version: number;
  lastModified: string;
}

export interface SimCustomer extends Versioned {
  id: string;
  no: string;
  name: string;
  type: 'Company' | 'Person';
  address: string;
  address2: string;
  city: string;
  county: string;
  countryCode: string;
  postCode: string;
  phone: string;
  email: string;
  website: string;
  priceGroup: string;
  paymentTerms: string;
  customerPostingGroup: string;
  genBusPostingGroup: string;
  taxAreaCode: string;
  currencyCode: string;
  salespersonCode: string;
  blocked: string;
  creditLimit: number;
  balance: number;
}

export interface SimContact extends Versioned {
  id: string;
  no: string;
  type: 'Company' | 'Person';
  displayName: string;
  jobTitle: string;
  companyNo: string;
  companyName: string;
  address: string;
  address2: string;
  city: string;
  county: string;
  countryCode: string;
  postCode: string;
  phone: string;
  mobile: string;
  email: string;
  website: string;
  /** Extension fields (a customer's own AL extension exposes them on the contacts API). */
  recordType: string;
  customerType: string;
  webUserRole: string;
  activeWebUser: boolean;
}

export const COUNTRIES = ['US', 'CA', 'GB', 'DK', 'DE', 'FR', 'NL', 'SE', 'NO', 'ES', 'IT', 'AU', 'MX', 'BE', 'AT', 'CH'] as const;
export const PAYMENT_TERMS = ['10 DAYS', '14 DAYS', '30 DAYS', '1M(8D)', 'CM', 'COD', 'N30'] as const;
export const PRICE_GROUPS = ['RETAIL', 'WHOLESALE', 'EXPORT', 'VIP'] as const;
const CUSTOMER_POSTING = ['DOMESTIC', 'FOREIGN'] as const;
const GEN_BUS = ['DOMESTIC', 'EU', 'EXPORT'] as const;

export function correlationId(): string {
  return randomUUID();
}

export function guid(rng: Rng): string {
  const hex = (n: number) => Array.from({ length: n }, () => rng.int(0, 15).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${rng.pick(['8', '9', 'a', 'b'])}${hex(3)}-${hex(12)}`;
}

/** Thrown by writes; the server renders it as BC's error envelope. */
export function bcError(status: number, code: string, message: string): ODataError {
  return new ODataError(status, code, message);
}

const EMAIL = /^[^@\s"<>]+@[^@\s"<>]+\.[^@\s"<>]+$/;

type Collection = 'customers' | 'contacts';

/** The address fields customers and contacts share (same names, same API v2.0 properties). */
type PostalAddress = Pick<SimCustomer & SimContact, 'address' | 'address2' | 'city' | 'county' | 'countryCode' | 'postCode' | 'phone'>;

interface StoredRecord extends Versioned {
  id: string;
  no: string;
}

export interface ChangeListener {
  (collection: Collection, id: string, change: 'created' | 'updated' | 'deleted', at: string): void;
}

export class BcStore {
  readonly companies: SimCompany[];
  readonly customers = new Map<string, SimCustomer>();
  readonly contacts = new Map<string, SimContact>();
  readonly countries = new Set<string>(COUNTRIES);
  readonly paymentTerms = new Set<string>(PAYMENT_TERMS);
  readonly priceGroups: Row[];
  readonly locations: Row[];
  readonly shippingAgents: Row[];
  readonly items: Row[];
  readonly salesOrders: Row[];
  readonly salesOrderLines: Row[];
  private versionCounter = 1000;
  private lastStamp = 0;
  private customerSeq = 0;
  private contactSeq = 0;
  private readonly rng: Rng;
  readonly listeners: ChangeListener[] = [];

  constructor(
    companyName: string,
    records: number,
    seed: number,
  ) {
    const rng = createRng(seed);
    this.rng = rng;
    this.companies = [
      { id: guid(rng), name: companyName, displayName: companyName },
      { id: guid(rng), name: 'My Company', displayName: 'My Company' },
    ];
    const now = Date.now();
    this.priceGroups = PRICE_GROUPS.map((code) => ({ Code: code, Description: `${code[0]}${code.slice(1).toLowerCase()} prices`, Allow_Invoice_Disc: true, Price_Includes_VAT: false, Allow_Line_Disc: true }));
    this.locations = [
      { Code: 'MAIN', Name: 'Main Warehouse', Address: '1 Harbour Rd', City: 'Seattle', County: 'WA', Post_Code: '98101', Country_Region_Code: 'US', Use_As_In_Transit: false },
      { Code: 'EAST', Name: 'East Warehouse', Address: '20 Lake View', City: 'Chicago', County: 'IL', Post_Code: '60601', Country_Region_Code: 'US', Use_As_In_Transit: false },
      { Code: 'WEST', Name: 'West Store', Address: '300 Pine Rd', City: 'Toronto', County: 'ON', Post_Code: 'M5H 2N2', Country_Region_Code: 'CA', Use_As_In_Transit: false },
      { Code: 'OWN LOG.', Name: 'In transit', Address: '', City: '', County: '', Post_Code: '', Country_Region_Code: 'US', Use_As_In_Transit: true },
    ];
    this.shippingAgents = [
      { Code: 'DHL', Name: 'DHL Systems, Inc.', Internet_Address: 'www.dhl.com/?AWB=%1', Account_No: '' },
      { Code: 'FEDEX', Name: 'Federal Express Corporation', Internet_Address: 'www.fedex.com/?trk=%1', Account_No: '' },
      { Code: 'UPS', Name: 'UPS Europe', Internet_Address: 'www.ups.com/?tracknum=%1', Account_No: '' },
      { Code: 'USPS', Name: 'United States Postal Service', Internet_Address: '', Account_No: '' },
      { Code: 'OWN LOG.', Name: 'Own logistics', Internet_Address: '', Account_No: '' },
    ];
    const itemCount = Math.max(5, Math.min(records, 500));
    this.items = Array.from({ length: itemCount }, (_, i) => ({
      No: String(1000 + i * 10),
      Description: `${rng.pick(['Bicycle', 'Lamp', 'Chair', 'Desk', 'Bezel', 'Flange', 'Cable', 'Frame'])} ${i + 1}`,
      Base_Unit_of_Measure: rng.pick(['PCS', 'EA', 'BOX']),
      UPC_Code: String(760479100000 + i),
      Product_Group_Code: rng.pick(['BULK', 'RETAIL', 'PARTS']),
      Unit_Price: rng.int(100, 99999) / 100,
      Unit_Cost: rng.int(50, 5000) / 100,
      Inventory: rng.int(0, 500),
      Blocked: false,
      Replenishment_System: rng.pick(['Purchase', 'Assembly']),
      Last_Date_Modified: new Date(now - rng.int(0, 90) * 86_400_000).toISOString().slice(0, 10),
    }));
    for (let i = 0; i < records; i += 1) this.insertCustomer(this.generateCustomer(i, records, now), { silent: true, lastModified: new Date(now - (records - i) * 60_000 - 3_600_000).toISOString() });
    let company: SimContact | undefined;
    for (let i = 0; i < records; i += 1) {
      const c = this.generateContact(i, company);
      const inserted = this.insertContact(c, { silent: true, lastModified: new Date(now - (records - i) * 60_000 - 3_600_000).toISOString() });
      if (inserted.type === 'Company') company = inserted;
    }
    const customers = [...this.customers.values()];
    const orderCount = Math.min(records, 200);
    this.salesOrders = [];
    this.salesOrderLines = [];
    for (let i = 0; i < orderCount && customers.length; i += 1) {
      const customer = customers[i % customers.length] as SimCustomer;
      const no = `S-ORD${String(101001 + i)}`;
      let amount = 0;
      const lines = rng.int(1, 3);
      for (let l = 1; l <= lines; l += 1) {
        const item = rng.pick(this.items);
        const qty = rng.int(1, 10);
        const price = Number(item.Unit_Price);
        amount += qty * price;
        this.salesOrderLines.push({ Document_Type: 'Order', Document_No: no, Line_No: l * 10000, Type: 'Item', No: item.No, Description: item.Description, Location_Code: rng.pick(['MAIN', 'EAST', 'WEST']), Quantity: qty, Unit_Price: price, Line_Amount: Math.round(qty * price * 100) / 100 });
      }
      this.salesOrders.push({
        Document_Type: 'Order',
        No: no,
        Sell_to_Customer_No: customer.no,
        Sell_to_Customer_Name: customer.name,
        Sell_to_E_Mail: customer.email,
        Order_Date: new Date(now - rng.int(0, 60) * 86_400_000).toISOString().slice(0, 10),
        Status: rng.pick(['Open', 'Released']),
        Shipping_Agent_Code: rng.pick(['DHL', 'FEDEX', 'UPS']),
        Location_Code: 'MAIN',
        Amount: Math.round(amount * 100) / 100,
      });
    }
  }

  // ---- generation ----

  private generateCustomer(i: number, _records: number, _now: number): Partial<SimCustomer> {
    const rng = this.rng;
    const company = rng.chance(0.6);
    const p = fakePerson(rng, i);
    const name = company ? fakeCompanyName(rng, i) : `${p.firstName} ${p.lastName}`;
    return {
      id: guid(rng),
      no: String(10000 + i * 10),
      name,
      type: company ? 'Company' : 'Person',
      address: p.street,
      city: p.city,
      county: p.region,
      countryCode: p.country,
      postCode: p.postalCode,
      phone: p.phone,
      email: p.email,
      priceGroup: rng.pick(PRICE_GROUPS),
      paymentTerms: rng.pick(PAYMENT_TERMS),
      customerPostingGroup: rng.pick(CUSTOMER_POSTING),
      genBusPostingGroup: rng.pick(GEN_BUS),
      creditLimit: rng.int(0, 100) * 1000,
      balance: rng.int(0, 500000) / 100,
    };
  }

  private generateContact(i: number, company: SimContact | undefined): Partial<SimContact> {
    const rng = this.rng;
    const p = fakePerson(rng, i);
    const isCompany = i % 4 === 0 || !company;
    const companyName = isCompany ? fakeCompanyName(rng, i) : (company?.displayName ?? '');
    return {
      id: guid(rng),
      type: isCompany ? 'Company' : 'Person',
      displayName: isCompany ? companyName : `${p.firstName} ${p.lastName}`,
      jobTitle: isCompany ? '' : rng.pick(['Buyer', 'Owner', 'Purchasing Manager', 'Accountant']),
      companyNo: isCompany ? '' : (company?.no ?? ''),
      companyName,
      address: p.street,
      city: p.city,
      county: p.region,
      countryCode: p.country,
      postCode: p.postalCode,
      phone: p.phone,
      email: isCompany ? `info.${i}@${companyName.split(' ')[0]?.toLowerCase() ?? 'company'}.example.com` : p.email,
      recordType: i % 10 === 9 ? 'Customer' : 'Contact',
      customerType: rng.pick(['B2B', 'B2C', 'Wholesale']),
      webUserRole: rng.pick(['Admin', 'Buyer', 'Viewer']),
      activeWebUser: rng.chance(0.7),
    };
  }

  // ---- versions and change events ----

  private stamp(at?: string): string {
    if (at) return at;
    // Millisecond resolution like BC: ties are possible (paging breaks them by key), the clock never goes back.
    const now = Math.max(Date.now(), this.lastStamp);
    this.lastStamp = now;
    return new Date(now).toISOString();
  }

  etag(version: number): string {
    return `W/"${Buffer.from(`'20;${version}${String(version * 7919).slice(-6)};00;'`).toString('base64')}"`;
  }

  /** Increments on every write; rendered lists are cached per revision. */
  revision = 0;
  private readonly renderCache = new Map<string, { revision: number; rows: Row[] }>();

  /** A rendered collection, rebuilt only after a write. */
  cached(name: 'customersApi' | 'customerCards' | 'contactsApi'): Row[] {
    const hit = this.renderCache.get(name);
    if (hit && hit.revision === this.revision) return hit.rows;
    const rows =
      name === 'customersApi'
        ? [...this.customers.values()].map((c) => this.customerApi(c))
        : name === 'customerCards'
          ? [...this.customers.values()].map((c) => this.customerCard(c))
          : [...this.contacts.values()].map((c) => this.contactApi(c));
    this.renderCache.set(name, { revision: this.revision, rows });
    return rows;
  }

  private touch(record: Versioned, at?: string): void {
    this.revision += 1;
    this.versionCounter += 1;
    record.version = this.versionCounter;
    record.lastModified = this.stamp(at);
  }

  private emit(collection: Collection, id: string, change: 'created' | 'updated' | 'deleted', at: string): void {
    for (const listener of this.listeners) listener(collection, id, change, at);
  }

  // ---- writes shared by customers and contacts ----

  private add<T extends StoredRecord>(collection: Collection, map: Map<string, T>, record: T, options: { silent?: boolean; lastModified?: string }): T {
    this.touch(record, options.lastModified);
    map.set(record.id, record);
    if (!options.silent) this.emit(collection, record.id, 'created', record.lastModified);
    return record;
  }

  /** The record a modify or delete addresses, after BC's not-found and If-Match checks. */
  private forWrite<T extends StoredRecord>(current: T | undefined, table: string, idOrNo: string, options: { ifMatch?: string; mismatchStatus?: number }): T {
    if (!current) throw notFound(table, `No.='${idOrNo}'`);
    this.checkEtag(current, options.ifMatch, options.mismatchStatus);
    return current;
  }

  private replace<T extends StoredRecord>(collection: Collection, current: T, next: T): T {
    Object.assign(current, next);
    this.touch(current);
    this.emit(collection, current.id, 'updated', current.lastModified);
    return current;
  }

  private remove<T extends StoredRecord>(collection: Collection, map: Map<string, T>, current: T): void {
    map.delete(current.id);
    this.revision += 1;
    this.emit(collection, current.id, 'deleted', this.stamp());
  }

  // ---- customers ----

  findCustomer(idOrNo: string): SimCustomer | undefined {
    return findByIdOrNo(this.customers, idOrNo);
  }

  validateCustomer(c: SimCustomer, explicitlyBlank: Set<string>): void {
    if (!c.no) throw bcError(400, 'BadRequest_RequiredParamNotProvided', "Field 'No.' must not be blank or empty.");
    if (c.name.length > 100) throw tooLong(c.name, 100);
    if (c.email && !c.email.split(/[;,]/).every((e) => EMAIL.test(e.trim()))) throw bcError(400, 'Application_DialogException', `The email address "${c.email}" is not valid.`);
    if (c.countryCode.length > 10) throw tooLong(c.countryCode, 10);
    if (c.countryCode && !this.countries.has(c.countryCode)) throw relation('Country/Region Code', 'Customer', c.countryCode, 'Country/Region');
    if (explicitlyBlank.has('paymentTerms')) throw bcError(400, 'Application_FieldValidationException', `Payment Terms Code must have a value in Customer: No.=${c.no}. It cannot be zero or empty.`);
    if (c.paymentTerms && !this.paymentTerms.has(c.paymentTerms)) throw relation('Payment Terms Code', 'Customer', c.paymentTerms, 'Payment Terms');
    if (c.priceGroup && !this.priceGroups.some((g) => g.Code === c.priceGroup)) throw relation('Customer Price Group', 'Customer', c.priceGroup, 'Customer Price Group');
  }

  insertCustomer(input: Partial<SimCustomer>, options: { silent?: boolean; lastModified?: string; blank?: Set<string> } = {}): SimCustomer {
    this.customerSeq += 1;
    const c: SimCustomer = {
      id: input.id ?? randomUUID(),
      no: input.no ?? String(900000 + this.customerSeq),
      name: '',
      type: 'Company',
      address: '',
      address2: '',
      city: '',
      county: '',
      countryCode: '',
      postCode: '',
      phone: '',
      email: '',
      website: '',
      priceGroup: '',
      paymentTerms: '',
      customerPostingGroup: 'DOMESTIC',
      genBusPostingGroup: 'DOMESTIC',
      taxAreaCode: '',
      currencyCode: '',
      salespersonCode: '',
      blocked: ' ',
      creditLimit: 0,
      balance: 0,
      version: 0,
      lastModified: '',
      ...input,
    };
    c.id = c.id.toLowerCase();
    if (this.findCustomer(c.no)) throw alreadyExists('Customer', c.no);
    this.validateCustomer(c, options.blank ?? new Set());
    return this.add('customers', this.customers, c, options);
  }

  modifyCustomer(idOrNo: string, patch: Partial<SimCustomer>, options: { ifMatch?: string; blank?: Set<string>; mismatchStatus?: number } = {}): SimCustomer {
    const current = this.forWrite(this.findCustomer(idOrNo), 'Customer', idOrNo, options);
    const next: SimCustomer = { ...current, ...patch, id: current.id };
    if (next.no !== current.no && this.findCustomer(next.no)) throw alreadyExists('Customer', next.no);
    this.validateCustomer(next, options.blank ?? new Set());
    return this.replace('customers', current, next);
  }

  deleteCustomer(idOrNo: string, options: { ifMatch?: string; mismatchStatus?: number } = {}): void {
    this.remove('customers', this.customers, this.forWrite(this.findCustomer(idOrNo), 'Customer', idOrNo, options));
  }

  // ---- contacts ----

  findContact(idOrNo: string): SimContact | undefined {
    return findByIdOrNo(this.contacts, idOrNo);
  }

  validateContact(c: SimContact): void {
    if (c.displayName.length > 100) throw tooLong(c.displayName, 100);
    if (c.email && !EMAIL.test(c.email)) throw bcError(400, 'Application_DialogException', `The email address "${c.email}" is not valid.`);
    if (c.countryCode && !this.countries.has(c.countryCode)) throw relation('Country/Region Code', 'Contact', c.countryCode, 'Country/Region');
    if (c.type !== 'Company' && c.type !== 'Person') throw bcError(400, 'BadRequest', `'${String(c.type)}' is not an option. The existing options are: Company,Person`);
    if (c.companyNo) {
      const company = this.findContact(c.companyNo);
      if (!company || company.type !== 'Company') throw relation('Company No.', 'Contact', c.companyNo, 'Contact');
      c.companyName = company.displayName;
    }
  }

  insertContact(input: Partial<SimContact>, options: { silent?: boolean; lastModified?: string } = {}): SimContact {
    this.contactSeq += 1;
    const c: SimContact = {
      id: input.id ?? randomUUID(),
      no: input.no ?? `CT${String(this.contactSeq).padStart(6, '0')}`,
      type: 'Person',
      displayName: '',
      jobTitle: '',
      companyNo: '',
      companyName: '',
      address: '',
      address2: '',
      city: '',
      county: '',
      countryCode: '',
      postCode: '',
      phone: '',
      mobile: '',
      email: '',
      website: '',
      recordType: 'Contact',
      customerType: '',
      webUserRole: '',
      activeWebUser: false,
      version: 0,
      lastModified: '',
      ...input,
    };
    c.id = c.id.toLowerCase();
    if (this.findContact(c.no)) throw alreadyExists('Contact', c.no);
    if (c.type === 'Company' && !c.companyName) c.companyName = c.displayName;
    this.validateContact(c);
    return this.add('contacts', this.contacts, c, options);
  }

  modifyContact(idOrNo: string, patch: Partial<SimContact>, options: { ifMatch?: string; mismatchStatus?: number } = {}): SimContact {
    const current = this.forWrite(this.findContact(idOrNo), 'Contact', idOrNo, options);
    const next: SimContact = { ...current, ...patch, id: current.id };
    this.validateContact(next);
    return this.replace('contacts', current, next);
  }

  deleteContact(idOrNo: string, options: { ifMatch?: string; mismatchStatus?: number } = {}): void {
    this.remove('contacts', this.contacts, this.forWrite(this.findContact(idOrNo), 'Contact', idOrNo, options));
  }

  checkEtag(record: { version: number }, ifMatch: string | undefined, mismatchStatus = 412): void {
    if (ifMatch === undefined) return;
    if (ifMatch === '') {
      throw bcError(400, 'BadRequest_InvalidToken', 'Could not validate the client concurrency token required by the service. Please provide a valid token in the client request.');
    }
    if (ifMatch !== '*' && ifMatch !== this.etag(record.version)) throw bcError(mismatchStatus, 'Request_EntityChanged', 'Another user has already changed the record.');
  }

  // ---- renderings ----

  customerApi(c: SimCustomer): Row {
    return {
      '@odata.etag': this.etag(c.version),
      id: c.id,
      number: c.no,
      displayName: c.name,
      type: c.type,
      ...addressApi(c),
      email: c.email,
      website: c.website,
      salespersonCode: c.salespersonCode,
      balanceDue: c.balance,
      creditLimit: c.creditLimit,
      taxLiable: false,
      taxAreaId: '00000000-0000-0000-0000-000000000000',
      taxAreaDisplayName: '',
      taxRegistrationNumber: '',
      currencyId: '00000000-0000-0000-0000-000000000000',
      currencyCode: c.currencyCode || 'USD',
      paymentTermsId: '00000000-0000-0000-0000-000000000000',
      shipmentMethodId: '00000000-0000-0000-0000-000000000000',
      paymentMethodId: '00000000-0000-0000-0000-000000000000',
      blocked: c.blocked,
      lastModifiedDateTime: c.lastModified,
    };
  }

  customerCard(c: SimCustomer): Row {
    return {
      '@odata.etag': this.etag(c.version),
      No: c.no,
      Name: c.name,
      Name_2: '',
      Search_Name: c.name.toUpperCase().slice(0, 100),
      Balance_LCY: c.balance,
      Credit_Limit_LCY: c.creditLimit,
      Blocked: c.blocked,
      Salesperson_Code: c.salespersonCode,
      Last_Date_Modified: c.lastModified.slice(0, 10),
      Address: c.address,
      Address_2: c.address2,
      City: c.city,
      County: c.county,
      Post_Code: c.postCode,
      Country_Region_Code: c.countryCode,
      Phone_No: c.phone,
      MobilePhoneNo: '',
      E_Mail: c.email,
      Home_Page: c.website,
      Customer_Price_Group: c.priceGroup,
      Payment_Terms_Code: c.paymentTerms,
      Customer_Posting_Group: c.customerPostingGroup,
      Gen_Bus_Posting_Group: c.genBusPostingGroup,
      Tax_Area_Code: c.taxAreaCode,
      Currency_Code: c.currencyCode,
    };
  }

  contactApi(c: SimContact): Row {
    return {
      '@odata.etag': this.etag(c.version),
      id: c.id,
      number: c.no,
      type: c.type,
      displayName: c.displayName,
      jobTitle: c.jobTitle,
      companyNumber: c.type === 'Company' ? c.no : c.companyNo,
      companyName: c.companyName,
      contactBusinessRelation: c.recordType === 'Customer' ? 'Customer' : 'None',
      ...addressApi(c),
      mobilePhoneNumber: c.mobile,
      email: c.email,
      website: c.website,
      searchName: c.displayName.toUpperCase(),
      privacyBlocked: false,
      taxRegistrationNumber: '',
      lastInteractionDate: '0001-01-01',
      lastModifiedDateTime: c.lastModified,
      recordType: c.recordType,
      customerType: c.customerType,
      webUserRole: c.webUserRole,
      activeWebUser: c.activeWebUser,
    };
  }

  itemsByLocation(): Row[] {
    const rows: Row[] = [];
    const locs = ['MAIN', 'EAST', 'WEST'];
    this.items.forEach((item, i) => {
      const total = Number(item.Inventory);
      locs.forEach((loc, j) => rows.push({ Item_No: item.No, Description: item.Description, Location_Code: loc, Inventory: Math.floor((total * (j + 1 + (i % 2))) / 7) }));
    });
    return rows;
  }
}

/** The API v2.0 rendering of the address properties customers and contacts share. */
function addressApi(c: PostalAddress): Row {
  return {
    addressLine1: c.address,
    addressLine2: c.address2,
    city: c.city,
    state: c.county,
    country: c.countryCode,
    postalCode: c.postCode,
    phoneNumber: c.phone,
  };
}

function findByIdOrNo<T extends StoredRecord>(map: Map<string, T>, idOrNo: string): T | undefined {
  const byId = map.get(idOrNo.toLowerCase());
  if (byId) return byId;
  for (const r of map.values()) if (r.no === idOrNo) return r;
  return undefined;
}

function tooLong(value: string, max: number): ODataError {
  return bcError(400, 'Application_StringExceededLength', `The length of the string is ${value.length}, but it must be less than or equal to ${max} characters. Value: ${value}`);
}

function alreadyExists(table: string, no: string): ODataError {
  return bcError(400, 'Internal_EntityWithSameKeyExists', `The ${table} already exists. Identification fields and values: No.='${no}'`);
}

function relation(caption: string, table: string, value: string, related: string): ODataError {
  return bcError(400, 'Internal_InvalidTableRelation', `The field ${caption} of table ${table} contains a value (${value}) that cannot be found in the related table (${related}).`);
}

export function notFound(table: string, key: string): ODataError {
  return bcError(404, 'Internal_RecordNotFound', `The ${table} does not exist. Identification fields and values: ${key}`);
}

// ---- wire ↔ model translation ----

type Translation<T> = Record<string, { to: keyof T; readOnly?: boolean }>;

/** The API v2.0 address properties customers and contacts share. */
const ADDRESS_API: Translation<PostalAddress> = {
  addressLine1: { to: 'address' },
  addressLine2: { to: 'address2' },
  city: { to: 'city' },
  state: { to: 'county' },
  country: { to: 'countryCode' },
  postalCode: { to: 'postCode' },
  phoneNumber: { to: 'phone' },
};

export const CUSTOMER_API: Translation<SimCustomer> = {
  id: { to: 'id', readOnly: true },
  number: { to: 'no' },
  displayName: { to: 'name' },
  type: { to: 'type' },
  ...ADDRESS_API,
  email: { to: 'email' },
  website: { to: 'website' },
  salespersonCode: { to: 'salespersonCode' },
  currencyCode: { to: 'currencyCode' },
  blocked: { to: 'blocked' },
  creditLimit: { to: 'creditLimit' },
  balanceDue: { to: 'balance', readOnly: true },
  lastModifiedDateTime: { to: 'lastModified', readOnly: true },
};

export const CUSTOMER_CARD: Translation<SimCustomer> = {
  No: { to: 'no' },
  Name: { to: 'name' },
  Address: { to: 'address' },
  Address_2: { to: 'address2' },
  City: { to: 'city' },
  County: { to: 'county' },
  Post_Code: { to: 'postCode' },
  Country_Region_Code: { to: 'countryCode' },
  Phone_No: { to: 'phone' },
  E_Mail: { to: 'email' },
  Home_Page: { to: 'website' },
  Customer_Price_Group: { to: 'priceGroup' },
  Payment_Terms_Code: { to: 'paymentTerms' },
  Customer_Posting_Group: { to: 'customerPostingGroup' },
  Gen_Bus_Posting_Group: { to: 'genBusPostingGroup' },
  Tax_Area_Code: { to: 'taxAreaCode' },
  Currency_Code: { to: 'currencyCode' },
  Salesperson_Code: { to: 'salespersonCode' },
  Blocked: { to: 'blocked' },
  Credit_Limit_LCY: { to: 'creditLimit' },
  Balance_LCY: { to: 'balance', readOnly: true },
  Last_Date_Modified: { to: 'lastModified', readOnly: true },
  Name_2: { to: 'name', readOnly: true },
  Search_Name: { to: 'name', readOnly: true },
  MobilePhoneNo: { to: 'phone', readOnly: true },
};

export const CONTACT_API: Translation<SimContact> = {
  id: { to: 'id', readOnly: true },
  number: { to: 'no' },
  type: { to: 'type' },
  displayName: { to: 'displayName' },
  jobTitle: { to: 'jobTitle' },
  companyNumber: { to: 'companyNo' },
  companyName: { to: 'companyName', readOnly: true },
  ...ADDRESS_API,
  mobilePhoneNumber: { to: 'mobile' },
  email: { to: 'email' },
  website: { to: 'website' },
  recordType: { to: 'recordType' },
  customerType: { to: 'customerType' },
  webUserRole: { to: 'webUserRole' },
  activeWebUser: { to: 'activeWebUser' },
  lastModifiedDateTime: { to: 'lastModified', readOnly: true },
};

/** Reads a JSON write body into a model patch; unknown properties and read-only ones answer BC's errors. */
export function translateBody<T>(body: unknown, table: Translation<T>, entityType: string): { patch: Partial<T>; blank: Set<string> } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw bcError(400, 'BadRequest', 'Invalid Request Body');
  const patch: Partial<T> = {};
  const blank = new Set<string>();
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (key.startsWith('@odata.')) continue;
    const entry = table[key];
    if (!entry) throw bcError(400, 'BadRequest', `The property '${key}' does not exist on type '${entityType}'. Make sure to only use property names that are defined by the type.`);
    if (entry.readOnly) throw bcError(400, 'BadRequest_InvalidOperation', `Control '${key.replace(/_/g, ' ')}' is read-only.`);
    const v = value === null ? '' : value;
    if (v === '') blank.add(String(entry.to));
    (patch as Record<string, unknown>)[String(entry.to)] = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : String(v);
  }
  return { patch, blank };
}
