import { z } from 'zod';

/** The error codes a contract call can fail with; the UI words its messages from them. */
export const ErrorCode = z.enum([
  'bad_request',
  'bad_response',
  'not_found',
  'cancelled',
  'unauthorized',
  'forbidden',
  'unavailable',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** What crosses the boundary when a call fails: never a stack, never a secret. */
export const ErrorPayload = z.object({
  code: ErrorCode,
  message: z.string(),
});
export type ErrorPayload = z.infer<typeof ErrorPayload>;

/**
 * An error a service means to show the user.
 *
 * Anything else thrown by a handler is reported as `internal` with a generic message,
 * so that file paths, tokens or stack traces never leak across the contract by accident.
 */
export class BulkheadError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BulkheadError';
  }

  toPayload(): ErrorPayload {
    return { code: this.code, message: this.message };
  }
}

/** A call that was cancelled by the user or by a closed connection. */
export function cancelledError(what: string): BulkheadError {
  return new BulkheadError('cancelled', `${what} was cancelled`);
}
