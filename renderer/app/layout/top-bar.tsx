import type { ThemeMode } from '../../db/workspace-db';
import { useHostSession } from '../../api/api-context';
import { useAppInfo } from '../../features/app-info/queries';
import { useCatalogStore } from '../../features/catalog/store';
import { useRestoreStore } from '../../features/restore/store';
import { useSourcesStore } from '../../features/sources/store';
import { useThemeStore } from '../theme';
import { CommandIcon } from '../ui/icons';
import { Keys } from '../ui/keys';
import { openOverlay } from '../ui-store';

const themeLabels: ReadonlyArray<readonly [ThemeMode, string]> = [
  ['system', 'System'],
  ['light', 'Light'],
  ['dark', 'Dark'],
];

function AppInfoChip() {
  const info = useAppInfo();
  const { kind } = useHostSession();
  if (info.data) {
    return (
      <span className="chip" data-testid="app-info" title={`Profile: ${info.data.profileDir}`}>
        {info.data.name} {info.data.version} · {info.data.host} host
      </span>
    );
  }
  return (
    <span className={`chip${info.isError ? ' chip--warn' : ''}`} data-testid="app-info">
      {info.isError ? `${kind} host · not answering` : `${kind} host · …`}
    </span>
  );
}

/**
 * The top bar: product, the open incident, the palette button, theme and app info.
 *
 * The incident name is the first thing read under stress, so it gets the most weight;
 * with none open it says so instead of leaving a blank.
 */
export function TopBar() {
  const mode = useThemeStore((s) => s.mode);
  const setMode = useThemeStore((s) => s.setMode);
  const incident = useRestoreStore((s) => s.incident);
  const loaded = useSourcesStore((s) => s.storeSize > 0);
  const catalogOpen = useCatalogStore((s) => s.opened !== null);
  const open = loaded || catalogOpen;
  // The incident's short name is the restore's (it names `restore/<incident>/...` refs).
  const incidentName = !open
    ? 'No incident open'
    : incident === 'demo'
      ? 'Demo: an agent with a leaked token'
      : incident === 'incident'
        ? 'Untitled incident'
        : incident;
  return (
    <header className="top-bar" data-testid="top-bar">
      <span className="brand" aria-label="Bulkhead">
        <span className="brand__mark" aria-hidden="true" />
        Bulkhead
      </span>
      <div className="incident" aria-label="Incident">
        <span className="incident__label">Incident</span>
        <span className="incident__name" data-testid="incident-name">
          {incidentName}
        </span>
      </div>
      <div className="top-bar__spacer" />
      <button
        type="button"
        className="button button--ghost palette-button"
        onClick={() => openOverlay('palette')}
        aria-label="Open command palette"
      >
        <CommandIcon />
        <span>Commands</span>
        <Keys keys="mod+k" />
      </button>
      <label className="theme-select">
        <span className="visually-hidden">Theme</span>
        <select
          value={mode}
          onChange={(event) => setMode(event.target.value as ThemeMode)}
          aria-label="Theme"
        >
          {themeLabels.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <AppInfoChip />
    </header>
  );
}
