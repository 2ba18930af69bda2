/** Errors the user can act on; `code` is stable for tests and the host's UI. */
export type IndexErrorCode =
  | 'EMPTY'
  | 'BINARY'
  | 'NOT_FOUND'
  | 'UNREADABLE'
  | 'BAD_OPTION'
  | 'CANCELLED'
  | 'SQL'
  | 'MISSING_ROLE';

export class LogInvestigatorError extends Error {
  constructor(
    readonly code: IndexErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'LogInvestigatorError';
  }
}

export class CancelledError extends LogInvestigatorError {
  constructor() {
    super('CANCELLED', 'Indexing was cancelled.');
  }
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
