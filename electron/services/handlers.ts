import type { Handlers } from '../../shared/ipc/registry';
import { createAppService, type AppServiceDeps } from './app-service';
import { createCatalogService, type CatalogCore } from './catalog-service';
import { openCatalog, openSnapshot, readJsonObject } from './catalog/catalog-reader';
import { openStore } from './catalog/catalog-store';
import { verifyCatalog } from './catalog/catalog-verifier';
import { detectBackup, openImportedBackup } from './catalog/importers/import-backup';
import { createDiagnosticsService } from './diagnostics-service';

export type ServiceDeps = AppServiceDeps;

/** The catalog core as the catalog channels use it: stores, reader, verifier, importers. */
export const catalogCore: CatalogCore = {
  openStore,
  openCatalog,
  openSnapshot,
  readJsonObject,
  verifyCatalog,
  detectBackup,
  openImportedBackup: (folder, progress) => openImportedBackup(folder, progress),
};

/**
 * Builds every contract handler from the services.
 *
 * The one place where a channel meets its service; each host (Electron, browser host,
 * command line) calls this with its own dependencies and hands the result to
 * `createDispatcher`, so every host serves exactly the same behaviour.
 */
export function createHandlers(deps: ServiceDeps): {
  readonly handlers: Handlers;
  /** Releases what the services hold: open catalogs' imports and their temp files. */
  readonly shutdown: () => Promise<void>;
} {
  const app = createAppService(deps);
  const diagnostics = createDiagnosticsService(deps);
  const catalog = createCatalogService({ core: catalogCore, clock: deps.clock });
  const handlers: Handlers = {
    'app:info': async () => app.info(),
    'app:ping': async ({ nonce }) => app.ping(nonce),
    'diagnostics:run': async (_req, ctx) => diagnostics.run(ctx),
    'catalog:open': async (req, ctx) => catalog.open(req, ctx),
    'catalog:snapshot': async (req) => catalog.snapshot(req),
    'catalog:pull': async (req) => catalog.pull(req),
    'catalog:variable-values': async (req) => catalog.variableValues(req),
    'catalog:verify': async (req, ctx) => catalog.verify(req, ctx),
    'catalog:close': async (req) => catalog.close(req),
  };
  return { handlers, shutdown: () => catalog.closeAll() };
}
