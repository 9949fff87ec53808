import { create } from 'zustand';
import { createWorkspaceDb, ThemeMode, ThemeSetting, type WorkspaceDb } from './workspace-db';

/**
 * This window's workspace database.
 *
 * Declared here once; Dexie opens it on first use. `openWorkspace()` opens it at startup
 * so migrations run before any feature reads a row, and so a blocked or broken IndexedDB
 * is reported up front instead of as a failed save later.
 */
export const workspace: WorkspaceDb = createWorkspaceDb();

/** Whether the workspace store could be opened; shown in the status bar. */
export type WorkspaceState =
  | { readonly kind: 'opening' }
  | { readonly kind: 'ready'; readonly version: number }
  | { readonly kind: 'unavailable'; readonly reason: string };

/** The workspace's open state, for the UI. */
export const useWorkspaceStore = create<{ readonly state: WorkspaceState }>(() => ({
  state: { kind: 'opening' },
}));

/**
 * Opens the workspace, running any pending migration.
 *
 * Never throws: without IndexedDB (a locked-down profile, a full disk) the app still
 * runs, it just cannot remember settings, and says so.
 */
export async function openWorkspace(): Promise<WorkspaceState> {
  let state: WorkspaceState;
  try {
    await workspace.open();
    state = { kind: 'ready', version: workspace.verno };
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    console.error('Bulkhead: the workspace database could not be opened', error);
    state = { kind: 'unavailable', reason };
  }
  useWorkspaceStore.setState({ state });
  return state;
}

/** The saved theme mode, or `system` when none is saved or it cannot be read. */
export async function readThemeMode(): Promise<ThemeMode> {
  if (useWorkspaceStore.getState().state.kind !== 'ready') return 'system';
  try {
    const row = await workspace.settings.get('theme');
    const parsed = ThemeSetting.safeParse(row?.value);
    return parsed.success ? parsed.data.mode : 'system';
  } catch {
    return 'system';
  }
}

/** Saves the theme mode; failures are logged, since the choice still applies this session. */
export async function saveThemeMode(mode: ThemeMode): Promise<void> {
  if (useWorkspaceStore.getState().state.kind !== 'ready') return;
  const value: ThemeSetting = { mode: ThemeMode.parse(mode) };
  try {
    await workspace.settings.put({ key: 'theme', value });
  } catch (error: unknown) {
    console.error('Bulkhead: could not save the theme', error);
  }
}
