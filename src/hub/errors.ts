/** Hub errors: a stable code, the HTTP status the API answers with, and the field when there is one. */
export class HubError extends Error {
  constructor(
    readonly code: 'HUB_NOT_FOUND' | 'HUB_INVALID_CURSOR' | 'HUB_VERSION_CONFLICT' | 'HUB_INVALID_RECORD' | 'HUB_UNKNOWN_MODEL' | 'LINK_CONFLICT' | 'LINK_NOT_FOUND',
    message: string,
    readonly details: { field?: string; issues?: Array<{ field: string; message: string }> } = {},
  ) {
    super(message);
    this.name = 'HubError';
  }
}
