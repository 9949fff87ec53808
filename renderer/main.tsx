// The renderer's entry. Order matters: zod is configured before any schema is built,
// the launch token is taken from the URL before the hash router starts, and the
// workspace database is opened (running migrations) before the first render.
import './api/zod-setup';
import './styles/app.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { resolveHost } from './api/host-session';
import { NoTokenPage } from './app/no-token-page';
import { AppProviders, createQueryClient } from './app/providers';
import { AppRoutes } from './app/routes';
import { initThemeMode } from './app/theme';
import { openWorkspace, readThemeMode } from './db/workspace';

async function start(): Promise<void> {
  const container = document.getElementById('root');
  if (!container) throw new Error('index.html has no #root');
  const root = createRoot(container);
  const host = resolveHost(window);
  // Wait briefly for the saved theme so the first paint is right, but never let a slow
  // IndexedDB keep the console from appearing; a late open still applies the theme.
  const workspaceReady = openWorkspace().then(async () => initThemeMode(await readThemeMode()));
  await Promise.race([workspaceReady, new Promise((resolve) => setTimeout(resolve, 1500))]);
  if (!host.ok) {
    root.render(
      <StrictMode>
        <NoTokenPage />
      </StrictMode>,
    );
    return;
  }
  const queryClient = createQueryClient();
  root.render(
    <StrictMode>
      <AppProviders session={host.session} queryClient={queryClient}>
        <AppRoutes />
      </AppProviders>
    </StrictMode>,
  );
}

void start();
