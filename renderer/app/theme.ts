import { useEffect } from 'react';
import { create } from 'zustand';
import { saveThemeMode } from '../db/workspace';
import type { ThemeMode } from '../db/workspace-db';

/** The colours actually on screen. */
export type ResolvedTheme = 'light' | 'dark';

interface ThemeState {
  /** What the user chose; `system` follows the OS. */
  readonly mode: ThemeMode;
  /** Whether the OS prefers dark, kept live. */
  readonly systemDark: boolean;
  setMode(mode: ThemeMode): void;
}

const darkQuery = '(prefers-color-scheme: dark)';

/**
 * The theme choice, shared by the top bar, the palette and the stylesheet.
 *
 * The stylesheet does the work: `<html data-theme>` sets `color-scheme`, and every
 * colour is a `light-dark()` pair, so `system` needs no script at all. The store only
 * remembers the choice (in the workspace database) and knows what `system` resolves to,
 * which the toggle command needs.
 */
export const useThemeStore = create<ThemeState>((set) => ({
  mode: 'system',
  systemDark: window.matchMedia(darkQuery).matches,
  setMode(mode) {
    set({ mode });
    applyThemeMode(mode);
    void saveThemeMode(mode);
  },
}));

/** What a mode shows, given the OS preference. */
export function resolveTheme(mode: ThemeMode, systemDark: boolean): ResolvedTheme {
  if (mode === 'system') return systemDark ? 'dark' : 'light';
  return mode;
}

/** Sets the saved mode before the first render, so the page never flashes the wrong theme. */
export function initThemeMode(mode: ThemeMode): void {
  useThemeStore.setState({ mode });
  applyThemeMode(mode);
}

function applyThemeMode(mode: ThemeMode): void {
  document.documentElement.dataset.theme = mode;
}

/** Flips between light and dark, starting from what is on screen now. */
export function toggleTheme(): void {
  const { mode, systemDark, setMode } = useThemeStore.getState();
  setMode(resolveTheme(mode, systemDark) === 'dark' ? 'light' : 'dark');
}

/** Keeps `systemDark` in step with the OS while the app runs. */
export function useSystemThemeSync(): void {
  useEffect(() => {
    const query = window.matchMedia(darkQuery);
    const onChange = () => useThemeStore.setState({ systemDark: query.matches });
    query.addEventListener('change', onChange);
    return () => query.removeEventListener('change', onChange);
  }, []);
}
