import { z } from 'zod';
import type { SettingDefinition } from '../types.js';

export const BC_DEFAULT_API_URL = 'https://api.businesscentral.dynamics.com';
export const BC_DEFAULT_SCOPE = 'https://api.businesscentral.dynamics.com/.default';

/** Subscription settings, exactly as the "How to Connect" article lists them (plus an optional token URL override). */
export const businessCentralSettings: SettingDefinition[] = [
  { key: 'name', label: 'Name', required: true, secret: false, description: 'A unique name for identifying your subscription.', example: 'Dynamics365_Integration' },
  { key: 'version', label: 'Version', required: true, secret: false, description: 'The integration version.', example: 'v1.0', default: 'v1.0' },
  { key: 'companyName', label: 'Company Name', required: true, secret: false, description: 'The name of your company in Dynamics 365 Business Central (case-sensitive).', example: 'YourCompany' },
  { key: 'tenantId', label: 'Tenant ID', required: true, secret: false, description: 'The directory (tenant) ID from the app registration.', example: 'YourTenantID' },
  {
    key: 'scope',
    label: 'Scope',
    required: true,
    secret: false,
    description: 'The scope for API permissions; must be https://api.businesscentral.dynamics.com/.default.',
    example: BC_DEFAULT_SCOPE,
    default: BC_DEFAULT_SCOPE,
  },
  { key: 'clientSecret', label: 'Client Secret', required: true, secret: true, description: 'The secret key generated for the application.', example: 'YourClientSecret' },
  { key: 'clientId', label: 'Client ID', required: true, secret: false, description: 'The application (client) ID from the app registration.', example: 'YourClientID' },
  {
    key: 'grantType',
    label: 'Grant Type',
    required: true,
    secret: false,
    description: 'The type of authentication grant used; must be client_credentials.',
    example: 'client_credentials',
    default: 'client_credentials',
  },
  { key: 'environment', label: 'Environment', required: true, secret: false, description: 'The Dynamics 365 environment (e.g. Sandbox, Production).', example: 'iPaaS_Sandbox' },
  { key: 'apiUrl', label: 'API URL', required: true, secret: false, description: 'The base API URL for Dynamics 365 Business Central.', example: BC_DEFAULT_API_URL, default: BC_DEFAULT_API_URL },
  {
    key: 'tokenUrl',
    label: 'Token URL',
    required: false,
    secret: false,
    description: 'Override of the OAuth token endpoint (default https://login.microsoftonline.com/{tenantId}/oauth2/v2.0/token).',
  },
];

const text = (label: string) => z.string({ required_error: `${label} is required` }).trim().min(1, `${label} is required`);

export const BusinessCentralSettingsSchema = z.object({
  name: text('Name'),
  version: text('Version'),
  companyName: text('Company Name'),
  tenantId: text('Tenant ID'),
  scope: text('Scope').default(BC_DEFAULT_SCOPE),
  clientSecret: text('Client Secret'),
  clientId: text('Client ID'),
  grantType: z.literal('client_credentials', { errorMap: () => ({ message: 'Grant Type must be client_credentials' }) }).default('client_credentials'),
  environment: text('Environment'),
  apiUrl: z.string().trim().url('API URL must be a URL, e.g. https://api.businesscentral.dynamics.com').default(BC_DEFAULT_API_URL),
  tokenUrl: z.string().trim().url('Token URL must be a URL').optional(),
});
export type BusinessCentralSettings = z.infer<typeof BusinessCentralSettingsSchema>;

export function defaultTokenUrl(tenantId: string): string {
  return `https://login.microsoftonline.com/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`;
}
