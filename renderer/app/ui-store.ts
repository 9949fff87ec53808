import { create } from 'zustand';

/** Which overlay is open; only one at a time. */
export type Overlay = 'none' | 'palette' | 'shortcuts';

/**
 * The frame's own UI state: which overlay is open.
 *
 * Kept in a store rather than component state so commands, wherever they run from,
 * can open and close overlays.
 */
export const useUiStore = create<{ readonly overlay: Overlay }>(() => ({ overlay: 'none' }));

/** Opens an overlay, replacing any other. */
export function openOverlay(overlay: Overlay): void {
  useUiStore.setState({ overlay });
}

/** Closes whichever overlay is open. */
export function closeOverlay(): void {
  useUiStore.setState({ overlay: 'none' });
}
