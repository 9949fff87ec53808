import { create } from 'zustand';
import type { DiagnosticsReport } from '../../../shared/ipc/contract';

/** How the last component check ended. */
export type DiagnosticsOutcome =
  | { readonly kind: 'none' }
  | { readonly kind: 'report'; readonly report: DiagnosticsReport }
  | { readonly kind: 'cancelled'; readonly at: number }
  | { readonly kind: 'failed'; readonly message: string; readonly at: number };

/**
 * The last component check's outcome.
 *
 * Held outside the panel so the result survives navigating away while the check runs,
 * which users do: the check is started and the status bar shows it.
 */
export const useDiagnosticsStore = create<{ readonly outcome: DiagnosticsOutcome }>(() => ({
  outcome: { kind: 'none' },
}));
