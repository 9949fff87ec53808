import path from 'node:path';
import type { CatalogLocationParsed } from '../../shared/catalog/catalog-view';
import { BulkheadError } from '../../shared/ipc/errors';
import type { Handlers } from '../../shared/ipc/registry';
import { createAppService, type AppServiceDeps } from './app-service';
import { createCatalogService, type CatalogCore } from './catalog-service';
import { openCatalog, openSnapshot, readJsonObject } from './catalog/catalog-reader';
import { openStore } from './catalog/catalog-store';
import { verifyCatalog } from './catalog/catalog-verifier';
import { detectBackup, openImportedBackup } from './catalog/importers/import-backup';
import type { CatalogLocation, KeyPin } from './catalog/catalog-types';
import { createDiagnosticsService } from './diagnostics-service';
import { diffCore } from './diff/diff-core';
import { createDiffService, type DiffCatalogRef } from './diff/diff-service';
import { readLiveToken } from './diff/diff-token';

export interface ServiceDeps extends AppServiceDeps {
  /** Where `diff:run` reads a token variable from; the process environment by default. */
  readonly env?: NodeJS.ProcessEnv;
}

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
  const diff = createDiffService({
    core: diffCore,
    cacheDir: path.join(deps.profileDir, 'diff-cache'),
    clock: deps.clock,
  });
  // What each catalog handle was opened from, so `diff:run` opens the same catalog with
  // the same pin (and sees snapshots taken since). Kept as long as the handle (the S3
  // secret key with it, as the catalog service keeps it); null for an import, which
  // exists only in the catalog service and is read from there.
  const opened = new Map<string, DiffCatalogRef | null>();
  const refOf = (catalogId: string): DiffCatalogRef => {
    const ref = opened.get(catalogId);
    if (ref === undefined) {
      throw new BulkheadError(
        'not_found',
        `No open catalog has the handle ${catalogId} (it was closed, or the host restarted): open it again.`,
      );
    }
    return ref ?? { opened: catalog.diffSource(catalogId) };
  };
  const handlers: Handlers = {
    'app:info': async () => app.info(),
    'app:ping': async ({ nonce }) => app.ping(nonce),
    'diagnostics:run': async (_req, ctx) => diagnostics.run(ctx),
    'catalog:open': async (req, ctx) => {
      const answer = await catalog.open(req, ctx);
      const pin: KeyPin = req.key
        ? { kind: 'pinned', key: req.key }
        : { kind: 'trust-on-first-use' };
      opened.set(
        answer.catalogId,
        answer.kind === 'import' ? null : { location: locationOf(req.location), pin },
      );
      // As many as the catalog service keeps open; it forgets the oldest beyond that.
      while (opened.size > 8) {
        const oldest = opened.keys().next().value;
        if (oldest === undefined) break;
        opened.delete(oldest);
        diff.forget(oldest);
      }
      return answer;
    },
    'catalog:snapshot': async (req) => catalog.snapshot(req),
    'catalog:pull': async (req) => catalog.pull(req),
    'catalog:variable-values': async (req) => catalog.variableValues(req),
    'catalog:verify': async (req, ctx) => catalog.verify(req, ctx),
    'catalog:close': async (req) => {
      opened.delete(req.catalogId);
      diff.forget(req.catalogId);
      return catalog.close(req);
    },
    'diff:run': async (req, ctx) => {
      const ref = refOf(req.catalogId);
      // SECURITY: the token is read here, in the main process, and goes to the service only.
      const token = await readLiveToken(req.live, deps.env ?? process.env);
      return diff.run(
        {
          catalog: ref,
          snapshotId: req.snapshotId ?? null,
          firstFindingAt: req.firstFindingAt ?? null,
          live: { apiUrl: req.live.apiUrl, owner: req.live.owner, token },
          repos: req.repos ?? [],
          baselineOverrides: req.baselineOverrides ?? [],
          session: req.catalogId,
        },
        ctx,
      );
    },
    'diff:baseline': async (req, ctx) =>
      diff.baseline(
        {
          catalog: refOf(req.catalogId),
          snapshotId: req.snapshotId ?? null,
          firstFindingAt: req.firstFindingAt ?? null,
          owner: req.owner ?? null,
          baselineOverrides: req.baselineOverrides ?? [],
          session: req.catalogId,
        },
        ctx,
      ),
    'diff:reveal': async (req) =>
      diff.revealVariable({
        session: req.catalogId,
        differenceId: req.differenceId,
        side: req.side,
      }),
    'diff:file': async (req) =>
      diff.fileDiff({ session: req.catalogId, differenceId: req.differenceId, path: req.path }),
  };
  return { handlers, shutdown: () => catalog.closeAll() };
}

/** A parsed contract location as the stores take it (an empty endpoint is AWS itself). */
function locationOf(location: CatalogLocationParsed): CatalogLocation {
  if (location.kind === 'directory') return { kind: 'directory', path: location.path };
  return { ...location, endpoint: location.endpoint === '' ? null : location.endpoint };
}
