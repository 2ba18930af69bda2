/** Errors the user can act on; `code` is stable for tests and the host's UI. */
export type IndexErrorCode =
  | 'EMPTY'
  | 'BINARY'
  | 'NOT_FOUND'
  | 'UNREADABLE'
  | 'BAD_OPTION'
  | 'CANCELLED'
  | 'SQL'
  | 'MISSING_ROLE'
  /** The data is too little for the method (one row for a model that compares rows): the analysis is skipped, with this reason. */
  | 'TOO_LITTLE_DATA';

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
  constructor(message = 'Indexing was cancelled.') {
    super('CANCELLED', message);
  }
}

/** Too little data for a method: analyses that meet it are skipped with the reason, not failed. */
export function tooLittleData(message: string): LogInvestigatorError {
  return new LogInvestigatorError('TOO_LITTLE_DATA', message);
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
