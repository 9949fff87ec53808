import { useState, type ReactNode } from 'react';

/** How many rows a long restore list shows before "Show all". */
export const rowLimit = 30;

/**
 * A long list cut to its first rows, with a button for the rest.
 *
 * A restore of a thousand variables must not bury the isolation proof and the approval
 * under a thousand rows; the counts above each list still say how many there are.
 */
export function useShowAll(
  total: number,
  what: string,
  testId: string,
): { readonly shown: number; readonly toggle: ReactNode } {
  const [all, setAll] = useState(false);
  const shown = all ? total : Math.min(total, rowLimit);
  const toggle =
    total > rowLimit ? (
      <button
        type="button"
        className="button button--small button--ghost restore-show-all"
        onClick={() => setAll(!all)}
        data-testid={testId}
      >
        {all ? `Show the first ${rowLimit}` : `Show all ${total} ${what}`}
      </button>
    ) : null;
  return { shown, toggle };
}
