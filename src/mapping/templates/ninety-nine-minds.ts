import { ninetyNineMindsCustomerUpdate } from '../fixtures/seeds.js';
import type { Mapping } from '../schema.js';
import type { MappingTemplate, TemplateCollection } from './types.js';

/**
 * 99minds templates (seed 003). Field names are those of the customer records the 99minds connector
 * hands to the sync engine: `id` (`customer_…`), `first_name`, `last_name`, `email`, `phone`,
 * `customer_number`, `client_customer_id`, `company_name`, `notes` and the loyalty fields
 * `loyalty_card_id`, `point_balance`, `points_transactions[]`.
 */

/** Connector-specific sources replacing the fixture's formulas (the connector already splits `name`). */
const SOURCES: Record<string, Partial<Mapping>> = {
  CustomerNumber: { source: 'Coalesce(customer_number, client_customer_id, id)', description: 'Customer number, else the client customer id, else the 99minds id (required).' },
  FirstName: { source: 'first_name', description: 'First name (required).' },
  LastName: { source: 'last_name', description: 'Last name (required).' },
};

const mappings = (list: readonly Mapping[]): Mapping[] => list.map((m) => ({ ...m, ...(SOURCES[m.destination] ?? {}) }) as Mapping);

/** 99minds' own validation rules, checked before anything is written (error filter: a text is the error). */
const validation = [
  'if (!IsEmpty(phone) && !RegExMatch(phone, "^\\\\+?[0-9]{7,15}$")) return "Phone \\"" + phone + "\\" must be numeric or international format, e.g. +1XXXXXXXXXX";',
  'if (!IsEmpty(email) && !RegExMatch(email, "^[^\\\\s@]+@[^\\\\s@]+\\\\.[^\\\\s@]+$")) return "Email \\"" + email + "\\" is not a valid email address (user@example.com)";',
  'return false;',
].join('\n');

/**
 * The sync engine runs one TO_HUB collection per entity and decides create vs update by the link
 * (sync type ADD_UPDATE), so the article's Add and Update tables ship as one collection: the Update
 * table, which is the Add table plus Company and Comment.
 */
const addUpdate: TemplateCollection = {
  ...ninetyNineMindsCustomerUpdate,
  name: 'Customer Add/Update From 99minds to iPaaS.com',
  description:
    '99minds customers become hub customers with their loyalty data (points synced, balance, card, transaction journal); a linked customer is updated, never duplicated. Email, first and last name are required; phone and email must have 99minds\' formats.',
  syncType: 'ADD_UPDATE',
  errorFilter: validation,
  collision: { method: 'UPDATE_AND_LINK', matchField: 'EmailAddress' },
  triggers: ['create', 'update', 'webhook', 'poll', 'manual', 'init'],
  sortOrder: 10,
  mappings: mappings(ninetyNineMindsCustomerUpdate.mappings as Mapping[]),
};

export const ninetyNineMindsTemplates: MappingTemplate[] = [
  { key: '99minds-003-customer-to-hub', system: 'ninety-nine-minds', seed: '003', summary: 'Customer Add/Update From 99minds to iPaaS.com', collection: addUpdate },
];
