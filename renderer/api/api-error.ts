import type { ErrorCode } from '../../shared/ipc/errors';

/**
 * The one error type the typed client throws.
 *
 * It carries the contract's `{ code, message }` so the UI can word its messages and
 * decide whether to retry from the code alone, whatever transport the call used.
 */
export class ApiError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }
}

/**
 * Whether an unknown thrown value is an `ApiError`, optionally with a given code.
 *
 * React Query hands errors back as `unknown`-ish values; this keeps the checks short.
 */
export function isApiError(error: unknown, code?: ErrorCode): error is ApiError {
  return error instanceof ApiError && (code === undefined || error.code === code);
}

/**
 * A sentence for the user from any thrown value.
 *
 * Non-API errors are programming mistakes in the renderer; their text is still shown
 * rather than swallowed, because a blank panel mid-incident is worse than a raw message.
 */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
