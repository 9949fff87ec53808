import { Outlet, useNavigate } from 'react-router';
import {
  useRunDiagnostics,
  useDiagnosticsPending,
  useRunningDiagnostics,
} from '../../features/diagnostics/queries';
import { useTaskFeed } from '../../features/tasks/queries';
import { CommandPalette } from '../command-palette';
import { useCommandHandler, useShortcutDispatcher } from '../commands';
import { ShortcutsDialog } from '../shortcuts-dialog';
import { toggleTheme, useSystemThemeSync } from '../theme';
import { openOverlay, useUiStore } from '../ui-store';
import { Sidebar } from './sidebar';
import { StatusBar } from './status-bar';
import { TopBar } from './top-bar';

/** Binds the commands that work on every view. */
function useGlobalCommands(): void {
  const navigate = useNavigate();
  const diagnostics = useRunDiagnostics();
  const pending = useDiagnosticsPending();
  const running = useRunningDiagnostics();
  useCommandHandler('palette.open', () => {
    const open = useUiStore.getState().overlay === 'palette';
    openOverlay(open ? 'none' : 'palette');
  });
  useCommandHandler('help.shortcuts', () => openOverlay('shortcuts'));
  useCommandHandler('go.overview', () => void navigate('/'));
  useCommandHandler('go.timeline', () => void navigate('/timeline'));
  useCommandHandler('go.diff', () => void navigate('/diff'));
  useCommandHandler('go.restore', () => void navigate('/restore'));
  useCommandHandler('go.report', () => void navigate('/report'));
  useCommandHandler('go.components', () => void navigate('/components'));
  useCommandHandler('theme.toggle', toggleTheme);
  useCommandHandler('components.check', () => {
    void navigate('/components');
    if (!pending && running === undefined) diagnostics.mutate();
  });
}

/**
 * The frame around every view: top bar, sidebar, main area, status bar and overlays.
 *
 * It also mounts the app-wide wiring once: the task feed, the shortcut dispatcher, the
 * global commands and the OS theme listener.
 */
export function AppFrame() {
  useTaskFeed();
  useShortcutDispatcher();
  useGlobalCommands();
  useSystemThemeSync();
  return (
    <div className="app-frame" data-testid="app-frame">
      <a
        className="skip-link"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to main content
      </a>
      <TopBar />
      <Sidebar />
      <main id="main" className="main" tabIndex={-1}>
        <Outlet />
      </main>
      <StatusBar />
      <CommandPalette />
      <ShortcutsDialog />
    </div>
  );
}
