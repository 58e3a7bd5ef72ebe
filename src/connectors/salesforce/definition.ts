import type { ConnectorDefinition, EntityDefinition, SettingDefinition } from '../types.js';
import { SalesforceConnector } from './connector.js';
import { DEFAULT_API_VERSION, DEFAULT_CONTACT_POLL_DAYS, SalesforceSettingsSchema } from './settings.js';

const settings: SettingDefinition[] = [
  {
    key: 'loginUrl',
    label: 'Login URL',
    required: true,
    secret: false,
    description: "The org's My Domain URL (client credentials must use it), or https://login.salesforce.com / https://test.salesforce.com for JWT bearer. Data calls go to the instance URL returned at login.",
    example: 'https://acme.my.salesforce.com',
  },
  { key: 'clientId', label: 'Client ID', required: true, secret: false, description: "The connected app's consumer key.", example: '3MVG9…' },
  { key: 'clientSecret', label: 'Client Secret', required: false, secret: true, description: "The connected app's consumer secret (client credentials flow)." },
  {
    key: 'grantType',
    label: 'Grant Type',
    required: false,
    secret: false,
    description: 'client_credentials (the connected app names a "run as" user) or jwt_bearer (certificate-based, needs Username and Private Key).',
    default: 'client_credentials',
    example: 'client_credentials',
  },
  { key: 'username', label: 'Username', required: false, secret: false, description: 'The Salesforce user the JWT bearer flow signs in as (JWT `sub`).', example: 'integration@acme.com' },
  { key: 'privateKey', label: 'Private Key', required: false, secret: true, description: "PEM private key whose certificate is uploaded to the connected app (JWT bearer flow)." },
  { key: 'apiVersion', label: 'API Version', required: false, secret: false, description: 'Salesforce REST API version.', default: DEFAULT_API_VERSION, example: DEFAULT_API_VERSION },
  {
    key: 'contactPollDays',
    label: 'Contact Poll Days',
    required: false,
    secret: false,
    description: 'How many days back the initial poll looks for new and changed Contacts (and Accounts) when there is no saved cursor.',
    default: DEFAULT_CONTACT_POLL_DAYS,
    example: '7',
  },
];

const capabilities = { read: true, poll: true, create: true, update: true, delete: false, webhook: false, initialize: true };

const entities: EntityDefinition[] = [
  { name: 'Contact', hubModel: 'Customer', idFormats: ['{{Id}}'], emailField: 'Email', capabilities },
  { name: 'Account', hubModel: 'Company', idFormats: ['{{Id}}'], capabilities },
];

/** The `salesforce` system: Salesforce REST API through jsforce 3. */
export const salesforce: ConnectorDefinition = {
  system: 'salesforce',
  displayName: 'Salesforce',
  settings,
  settingsSchema: SalesforceSettingsSchema,
  entities,
  throttle: { requests: 100, perSeconds: 20, concurrency: 5 },
  create: (ctx) => new SalesforceConnector(ctx),
};
