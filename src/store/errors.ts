/** Storage errors a user has to act on (start-up, not per-request): a stable code and the message. */
export class StoreError extends Error {
  constructor(
    readonly code: 'STORE_CREATE_FAILED' | 'STORE_VERSION_MISMATCH',
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}
