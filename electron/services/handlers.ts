import type { Handlers } from '../../shared/ipc/registry';
import { createAppService, type AppServiceDeps } from './app-service';
import { createDiagnosticsService } from './diagnostics-service';

export type ServiceDeps = AppServiceDeps;

/**
 * Builds every contract handler from the services.
 *
 * The one place where a channel meets its service; each host (Electron, browser host,
 * command line) calls this with its own dependencies and hands the result to
 * `createDispatcher`, so every host serves exactly the same behaviour.
 */
export function createHandlers(deps: ServiceDeps): Handlers {
  const app = createAppService(deps);
  const diagnostics = createDiagnosticsService(deps);
  return {
    'app:info': async () => app.info(),
    'app:ping': async ({ nonce }) => app.ping(nonce),
    'diagnostics:run': async (_req, ctx) => diagnostics.run(ctx),
  };
}
