/**
 * Marks the end of an exhaustive `switch` over a union.
 *
 * A new union member then fails to compile wherever it is not handled, instead of
 * falling through silently at run time.
 */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}
