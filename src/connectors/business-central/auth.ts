import * as oauth from 'oauth4webapi';
import { ConnectorError } from '../types.js';
import { BC_ERROR_CODES } from './errors.js';

/** Renew the token when less than this is left. */
export const TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;

export interface TokenProviderOptions {
  tokenUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  /** Wraps the token request (the subscription's gate). */
  gate?: <T>(request: () => Promise<T>) => Promise<T>;
  now?: () => number;
}

const HINTS: Record<string, { field?: string; hint: string }> = {
  invalid_client: { field: 'clientSecret', hint: 'the Client ID or Client Secret is wrong or the secret expired: create a new client secret in the Microsoft Entra admin center (Certificates & secrets) and update the subscription' },
  unauthorized_client: { field: 'clientId', hint: 'the application (Client ID) is not registered in this tenant: check Client ID and Tenant ID' },
  invalid_scope: { field: 'scope', hint: 'the Scope must be https://api.businesscentral.dynamics.com/.default' },
  invalid_resource: { field: 'scope', hint: 'Dynamics 365 Business Central is not available in this tenant: check Tenant ID and the API permissions of the app' },
  unsupported_grant_type: { field: 'grantType', hint: 'Grant Type must be client_credentials' },
  invalid_request: { hint: 'check Tenant ID, Client ID, Client Secret and Scope' },
};

/**
 * OAuth 2.0 client credentials against Entra ID (or the simulator), through oauth4webapi.
 * The token is cached and renewed when less than five minutes are left; concurrent callers share one request.
 */
export class BusinessCentralTokenProvider {
  private cached: { token: string; expiresAt: number } | undefined;
  private inflight: Promise<string> | undefined;
  private readonly as: oauth.AuthorizationServer;
  private readonly client: oauth.Client;
  private readonly now: () => number;
  /** Number of token requests made (tests, diagnostics). */
  requests = 0;

  constructor(private readonly options: TokenProviderOptions) {
    this.as = { issuer: `https://login.microsoftonline.com/${options.tenantId}/v2.0`, token_endpoint: options.tokenUrl };
    this.client = { client_id: options.clientId };
    this.now = options.now ?? Date.now;
  }

  /** A valid access token, from the cache when it has more than five minutes left. */
  async token(): Promise<string> {
    if (this.cached && this.cached.expiresAt - this.now() > TOKEN_REFRESH_MARGIN_MS) return this.cached.token;
    this.inflight ??= this.request().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** Forgets `token` (after a 401) so the next `token()` asks for a new one. */
  invalidate(token?: string): void {
    if (token === undefined || this.cached?.token === token) this.cached = undefined;
  }

  get expiresAt(): number | undefined {
    return this.cached?.expiresAt;
  }

  private async request(): Promise<string> {
    const gate = this.options.gate ?? (<T>(fn: () => Promise<T>) => fn());
    const insecure = this.options.tokenUrl.startsWith('http:');
    this.requests += 1;
    const startedAt = this.now();
    try {
      const result = await gate(async () => {
        const response = await oauth.clientCredentialsGrantRequest(
          this.as,
          this.client,
          oauth.ClientSecretPost(this.options.clientSecret),
          { scope: this.options.scope },
          { [oauth.allowInsecureRequests]: insecure },
        );
        return oauth.processClientCredentialsResponse(this.as, this.client, response);
      });
      const lifetimeMs = (result.expires_in ?? 3600) * 1000;
      this.cached = { token: result.access_token, expiresAt: startedAt + lifetimeMs };
      return result.access_token;
    } catch (error) {
      throw tokenError(error);
    }
  }
}

function tokenError(error: unknown): ConnectorError {
  if (error instanceof ConnectorError) return error;
  if (error instanceof oauth.ResponseBodyError) {
    const known = HINTS[error.error];
    const description = (error.error_description ?? '').split(/\r?\n/)[0] ?? '';
    const kind = error.status >= 500 || error.error === 'temporarily_unavailable' ? 'transient' : 'auth';
    return new ConnectorError(
      kind,
      BC_ERROR_CODES.tokenRequestFailed,
      `Could not get a Business Central access token (${error.error}${description ? `: ${description}` : ''})${known ? `: ${known.hint}` : ''}.`,
      { status: error.status, field: known?.field, cause: error },
    );
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    return new ConnectorError('auth', BC_ERROR_CODES.tokenRequestFailed, `The token endpoint refused the client (HTTP ${error.status}): ${HINTS.invalid_client?.hint ?? ''}.`, {
      status: error.status,
      field: 'clientSecret',
      cause: error,
    });
  }
  if (error instanceof oauth.OperationProcessingError) {
    const cause: unknown = error.cause;
    const status = cause instanceof Response ? cause.status : undefined;
    const kind = status !== undefined && status < 500 && status !== 429 ? 'auth' : 'transient';
    return new ConnectorError(kind, BC_ERROR_CODES.tokenRequestFailed, `The token endpoint gave an unexpected answer${status ? ` (HTTP ${status})` : ''}: ${error.message}`, {
      status,
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ConnectorError('transient', BC_ERROR_CODES.network, `Could not reach the token endpoint: ${message}`, { cause: error });
}
