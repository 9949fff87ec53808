/**
 * Small helpers the catalog modules share: system error codes and messages.
 *
 * Kept apart so each store and the reader word their errors the same way.
 */

/** Whether an error is a Node system error with this code (`ENOENT`, `EEXIST`...). */
export function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

/** An error's message, for joining into ours. */
export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
