import path from 'node:path';
import { z } from 'zod';
import {
  VerificationResultView,
  type RestoreIsolationResult,
  type RestoreStatusResult,
} from '../../shared/ipc/contract';
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
import { createDemoService } from './demo-service';
import { createDiagnosticsService } from './diagnostics-service';
import { diffCore } from './diff/diff-core';
import { createDiffService, type DiffCatalogRef } from './diff/diff-service';
import { readLiveConfigStoreSpecs, readLiveToken } from './diff/diff-token';
import { createGitHubAdapter } from './github/github-adapter';
import { loadSecretValuesFile } from './catalog/producer/secret-values';
import { journalProgress, readJournal, type JournalRecord } from './restore/journal';
import {
  createRestoreService,
  type PlanOutcome,
  type RestoreCatalogRef,
  type RestoreProgress,
} from './restore/restore-service';
import type { RestoreCredentials, TargetOptions } from './restore/restore-target';
import {
  credentialMetas,
  pickCredentials,
  scopeReport,
  withRestoreLease,
} from './restore/credential-lease';
import {
  createPassphraseBox,
  createSafeStorageBox,
  type SafeStorageLike,
} from './vault/secret-box';
import { createVaultService, type VaultService } from './vault/vault-service';
import {
  checkIsolation,
  checkOverride,
  isolationOverridePhrase,
  type IsolationVerdict,
} from '../../shared/restore/isolation';
import type { CallContext } from '../../shared/ipc/registry';
import type { SecretValuesFile } from './catalog/producer/secret-values';

export interface ServiceDeps extends AppServiceDeps {
  /** Where `diff:run` reads a token variable from; the process environment by default. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Electron's `safeStorage`, given by `main.ts`: the vault is then sealed by the OS
   * keychain. Without it (the browser host, the command line) a passphrase seals it.
   */
  readonly safeStorage?: SafeStorageLike;
  /** Serve the embedded demo incident (`npm start` with no arguments): see demo-service. */
  readonly demo?: boolean;
  /** Where the demo's preparation reports a failure; never a token. */
  readonly logError?: (message: string) => void;
}

/** The variable a host may hold the vault passphrase in (browser host, command line). */
export const vaultPassphraseEnv = 'BULKHEAD_VAULT_PASSPHRASE';

/** How long a restore's credentials stay unlocked: one apply, one dry run, one verify. */
const leaseMs = { apply: 30 * 60_000, read: 5 * 60_000 } as const;

/** A plan the host made, kept by hash so later calls name it instead of sending it back. */
interface KeptPlan {
  readonly outcome: PlanOutcome;
  readonly catalog: RestoreCatalogRef;
  readonly restoreKeyFile: string | null;
  readonly suppliedSecrets: SecretValuesFile | null;
  /** The last isolation proof for this plan, with the credentials it was made for. */
  isolation: { readonly credentialKey: string; readonly verdict: IsolationVerdict } | null;
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
  const demo = createDemoService({
    profileDir: deps.profileDir,
    enabled: deps.demo === true,
    ...(deps.logError ? { log: deps.logError } : {}),
  });
  void demo.start();
  const restore = createRestoreService({
    profileDir: deps.profileDir,
    cacheDir: path.join(deps.profileDir, 'restore-cache'),
    clock: deps.clock,
  });
  const env = deps.env ?? process.env;
  const vaultDir = path.join(deps.profileDir, 'vault');
  const boxKind = deps.safeStorage ? ('safe-storage' as const) : ('passphrase' as const);
  // SECURITY: begin — the vault per call. The passphrase given with a call (or the host's
  // variable) is captured by that call's box only and dropped with it; nothing keeps it.
  const vaultFor = (passphrase: string | undefined): VaultService =>
    createVaultService({
      dir: vaultDir,
      clock: deps.clock,
      box: deps.safeStorage
        ? createSafeStorageBox(deps.safeStorage)
        : createPassphraseBox(() => {
            const text = passphrase ?? env[vaultPassphraseEnv] ?? '';
            if (text === '') {
              throw new BulkheadError(
                'unauthorized',
                `The vault passphrase is needed: type it, or start the host with ${vaultPassphraseEnv} set.`,
              );
            }
            return text;
          }),
    });
  // SECURITY: end
  const plans = new Map<string, KeptPlan>();
  const applying = new Set<string>();
  const planOf = (hash: string): KeptPlan => {
    const kept = plans.get(hash);
    if (!kept) {
      throw new BulkheadError(
        'not_found',
        `No plan ${hash.slice(0, 12)} is held by this host (it restarted, or the plan was replaced): plan again.`,
      );
    }
    return kept;
  };

  /** Leases the plan's credentials and runs `use` with them; the lease is released after. */
  async function withLease<T>(
    hash: string,
    ids: ReadonlyArray<string>,
    passphrase: string | undefined,
    ttlMs: number,
    use: (credentials: RestoreCredentials) => Promise<T>,
  ): Promise<T> {
    const kept = planOf(hash);
    const vault = vaultFor(passphrase);
    const metas = await credentialMetas(vault, ids);
    const picked = pickCredentials(metas, kept.outcome.plan.target);
    return withRestoreLease(vault, { plan: kept.outcome.plan, planHash: hash, picked, ttlMs }, use);
  }

  /** The plan's data sources (catalog, restore key, supplied values) for the service. */
  const sourceOf = (kept: KeptPlan) => ({
    catalog: kept.catalog,
    restoreKeyFile: kept.restoreKeyFile,
    suppliedSecrets: kept.suppliedSecrets,
    ...targetOptionsFor(kept.outcome.plan.target.apiUrl),
  });

  const restoreReport = (ctx: CallContext) => (p: RestoreProgress) =>
    ctx.report(p.done, p.total, p.message);

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
          ...(req.etcd
            ? { configStores: await readLiveConfigStoreSpecs(req.etcd, deps.env ?? process.env) }
            : {}),
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
    'demo:status': async () => demo.status(),
    'demo:files': async () => demo.files(),
    'diff:file': async (req) =>
      diff.fileDiff({ session: req.catalogId, differenceId: req.differenceId, path: req.path }),

    'vault:list': async () => {
      const inspection = await vaultFor(undefined).inspect();
      return {
        credentials: inspection.credentials,
        box: boxKind,
        passphraseFromEnv: boxKind === 'passphrase' && (env[vaultPassphraseEnv] ?? '') !== '',
        problems: inspection.problems,
      };
    },
    'vault:add': async (req) => {
      // SECURITY: the token is read here, from the file or variable the page named.
      const token = await readNamedToken(req, env);
      const vault = vaultFor(req.passphrase);
      return req.kind === 'github-token'
        ? vault.add({ kind: req.kind, label: req.label, target: req.target, secret: { token } })
        : vault.add({
            kind: req.kind,
            label: req.label,
            target: req.target,
            secret: { username: req.username, token },
          });
    },
    'vault:remove': async (req) => {
      await vaultFor(undefined).remove(req.id);
      return { removed: true };
    },

    'restore:plan': async (req, ctx) => {
      const ref = refOf(req.catalogId);
      if (!('location' in ref)) {
        throw new BulkheadError(
          'bad_request',
          `Catalog ${req.catalogId} is an import of another tool's backup (unsigned): a restore reads only a signed Bulkhead catalog.`,
        );
      }
      // SECURITY: the read-only token is read here and used for the plan's reads only.
      const token = await readLiveToken(req.live, env);
      const suppliedSecrets = req.suppliedSecretsFile
        ? await loadSecretValuesFile(absolute(req.suppliedSecretsFile, 'suppliedSecretsFile'))
        : null;
      const restoreKeyFile = req.restoreKeyFile
        ? absolute(req.restoreKeyFile, 'restoreKeyFile')
        : null;
      const outcome = await restore.plan(
        {
          catalog: ref,
          snapshotId: req.snapshotId ?? null,
          live: { apiUrl: req.live.apiUrl, owner: req.live.owner, token },
          incident: req.incident,
          choose: req.differences.map((d) => d.id),
          overrides: req.overrides ?? {},
          suppliedSecrets,
          differences: req.differences,
        },
        { signal: ctx.signal, onProgress: restoreReport(ctx) },
      );
      plans.delete(outcome.planHash);
      plans.set(outcome.planHash, {
        outcome,
        catalog: ref,
        restoreKeyFile,
        suppliedSecrets,
        isolation: null,
      });
      while (plans.size > 16) {
        const oldest = plans.keys().next().value;
        if (oldest === undefined || applying.has(oldest)) break;
        plans.delete(oldest);
      }
      return outcome;
    },

    'restore:isolation': async (req) => {
      const kept = planOf(req.planHash);
      const vault = vaultFor(req.passphrase);
      const metas = await credentialMetas(vault, req.credentialIds);
      const verdict = checkIsolation(metas, req.uses, req.sources);
      kept.isolation = { credentialKey: keyOf(req.credentialIds), verdict };
      const scopes = kept.outcome.scopes;
      let report: LeastPrivilegeShape | null = null;
      let problem: string | null = null;
      const api = metas.find((m) => m.kind === 'github-token');
      if (!api) {
        problem = 'No GitHub token among the chosen credentials: nothing to read scopes from.';
      } else {
        try {
          // SECURITY: a short lease, for one whoami() with the restore token.
          const lease = await vault.unlock({
            ids: [api.id],
            planHash: req.planHash,
            ttlMs: 60_000,
          });
          try {
            const secret = lease.get(api.id);
            if (secret.kind !== 'github-token')
              throw new BulkheadError('bad_request', 'not a token');
            const target = api.target as { apiBaseUrl: string };
            const identity = await createGitHubAdapter({
              baseUrl: target.apiBaseUrl,
              token: secret.token,
            }).whoami();
            report = {
              credentialId: api.id,
              label: api.label,
              login: identity.login,
              ...scopeReport(identity.scopes, scopes),
              held: identity.scopes === null ? null : [...identity.scopes],
            };
          } finally {
            lease.release();
          }
        } catch (error: unknown) {
          problem =
            error instanceof BulkheadError
              ? error.message
              : 'the provider did not answer who the restore token belongs to';
        }
      }
      return {
        verdict,
        overridePhrase: isolationOverridePhrase(verdict),
        leastPrivilege: report,
        leastPrivilegeProblem: problem,
        scopes,
      };
    },

    'restore:dry-run': async (req, ctx) => {
      const kept = planOf(req.planHash);
      return withLease(
        req.planHash,
        req.credentialIds,
        req.passphrase,
        leaseMs.read,
        (credentials) =>
          restore.dryRun(
            { ...sourceOf(kept), plan: kept.outcome.plan, credentials },
            { signal: ctx.signal, onProgress: restoreReport(ctx) },
          ),
      );
    },

    'restore:apply': async (req, ctx) => {
      const kept = planOf(req.planHash);
      // SECURITY: begin — the isolation proof must have been made for exactly these
      // credentials, and a refusal needs its typed override; the journal records both.
      const isolation = kept.isolation;
      if (!isolation || isolation.credentialKey !== keyOf(req.credentialIds)) {
        throw new BulkheadError(
          'forbidden',
          'not approved: prove the isolation of these restore credentials first (restore:isolation)',
        );
      }
      const override = checkOverride(isolation.verdict, req.approval.overrideAcknowledgement ?? '');
      if (!override.accepted) {
        throw new BulkheadError(
          'forbidden',
          `not approved: the isolation proof refused these credentials; type "${override.expected}" to override`,
        );
      }
      // SECURITY: end
      if (applying.has(req.planHash)) {
        throw new BulkheadError(
          'bad_request',
          `plan ${req.planHash.slice(0, 12)} is already running`,
        );
      }
      applying.add(req.planHash);
      try {
        return await withLease(
          req.planHash,
          req.credentialIds,
          req.passphrase,
          leaseMs.apply,
          (credentials) =>
            restore.apply(
              {
                ...sourceOf(kept),
                plan: kept.outcome.plan,
                credentials,
                approval: {
                  phrase: req.approval.phrase,
                  approver: req.approval.approver ?? null,
                  isolation: isolation.verdict,
                  overrideAcknowledgement: override.acknowledgement
                    ? override.acknowledgement.phrase
                    : null,
                },
              },
              { signal: ctx.signal, onProgress: restoreReport(ctx) },
            ),
        );
      } finally {
        applying.delete(req.planHash);
      }
    },

    'restore:status': async (req) => {
      const file = restore.journalFileOf(req.planHash);
      const running = applying.has(req.planHash);
      let records: ReadonlyArray<JournalRecord>;
      try {
        records = (await readJournal(file)).records;
      } catch (error: unknown) {
        if (error instanceof BulkheadError && error.code === 'not_found') {
          const kept = plans.get(req.planHash);
          return statusOf(
            req.planHash,
            [],
            kept?.outcome.plan.operations.map((o) => o.id) ?? [],
            running,
          );
        }
        throw error;
      }
      return statusOf(req.planHash, records, null, running);
    },

    'restore:verify': async (req, ctx) => {
      const kept = planOf(req.planHash);
      return withLease(
        req.planHash,
        req.credentialIds,
        req.passphrase,
        leaseMs.read,
        (credentials) =>
          restore.verify(
            {
              ...sourceOf(kept),
              journalFile: restore.journalFileOf(req.planHash),
              credentials,
            },
            { signal: ctx.signal, onProgress: restoreReport(ctx) },
          ),
      );
    },
  };
  return {
    handlers,
    shutdown: async () => {
      await Promise.all([catalog.closeAll(), demo.stop()]);
    },
  };
}

/** The least-privilege report as `restore:isolation` answers it. */
type LeastPrivilegeShape = NonNullable<z.input<typeof RestoreIsolationResult>['leastPrivilege']>;

/** The order-free key of a set of credential ids. */
function keyOf(ids: ReadonlyArray<string>): string {
  return [...new Set(ids)].sort().join(',');
}

/**
 * Write spacing for a target: GitHub asks a second between writes and three between
 * notifying ones; a forge on this machine's loopback (the sandbox) is not GitHub.
 */
function targetOptionsFor(apiUrl: string): TargetOptions {
  const host = new URL(apiUrl).hostname;
  const loopback = host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
  return loopback ? { writeSpacingMs: 0, contentSpacingMs: 0 } : {};
}

function absolute(file: string, field: string): string {
  if (!path.isAbsolute(file)) {
    throw new BulkheadError('bad_request', `${field} must be an absolute path: ${file}`);
  }
  return file;
}

/** A token named by file or variable; one of the two is required here (no default). */
async function readNamedToken(
  source: { readonly tokenFile?: string | undefined; readonly tokenEnv?: string | undefined },
  env: NodeJS.ProcessEnv,
): Promise<string> {
  if (source.tokenFile === undefined && source.tokenEnv === undefined) {
    throw new BulkheadError('bad_request', 'Name the token file or the token variable to read.');
  }
  return readLiveToken(source, env);
}

/** Each operation's state from a journal's records (the plan's own ids when none yet). */
function statusOf(
  planHash: string,
  records: ReadonlyArray<JournalRecord>,
  planned: ReadonlyArray<string> | null,
  running: boolean,
): z.input<typeof RestoreStatusResult> {
  const first = records[0];
  const ids = planned ?? (first?.type === 'plan' ? first.plan.operations.map((o) => o.id) : []);
  const progress = journalProgress(records);
  const approvalRecord = records.find((r) => r.type === 'approval');
  const approval = approvalRecord ? ApprovalShape.safeParse(approvalRecord.approval) : null;
  const verificationRecord = records.findLast((r) => r.type === 'verification');
  const verification = verificationRecord
    ? VerificationResultView.safeParse(verificationRecord.result)
    : null;
  return {
    planHash,
    journal: records.length > 0,
    running,
    operations: ids.map((opId) => {
      const done = progress.done.get(opId);
      const failed = progress.failed.get(opId);
      const state = done
        ? done.outcome
        : progress.inFlight.has(opId)
          ? 'running'
          : failed
            ? 'failed'
            : 'pending';
      const reason =
        done?.outcome === 'skipped' && typeof done.result === 'object' && done.result !== null
          ? String((done.result as { reason?: unknown }).reason ?? '')
          : null;
      return {
        opId,
        state,
        attempts: progress.attempts.get(opId) ?? 0,
        message: failed && !done ? failed.error : reason,
      };
    }),
    approval:
      approval?.success === true
        ? {
            phrase: approval.data.phrase,
            approvedAt: approval.data.approvedAt,
            approverFingerprint: approval.data.approver?.fingerprint ?? null,
            overrideAcknowledgement: approval.data.overrideAcknowledgement,
            isolation: approval.data.isolation?.reason ?? null,
          }
        : null,
    finished: progress.finished,
    cancelled: records.some((r) => r.type === 'cancelled'),
    retries: records.filter((r) => r.type === 'retry').length,
    records: records.length,
    verification: verification?.success === true ? verification.data : null,
  };
}

/** The parts of a journalled approval the status shows. */
const ApprovalShape = z.object({
  phrase: z.string(),
  approvedAt: z.string(),
  approver: z.object({ fingerprint: z.string() }).nullable(),
  overrideAcknowledgement: z.string().nullable(),
  isolation: z
    .object({ reason: z.enum(['isolated', 'shared', 'no-trail']) })
    .nullable()
    .catch(null),
});

/** A parsed contract location as the stores take it (an empty endpoint is AWS itself). */
function locationOf(location: CatalogLocationParsed): CatalogLocation {
  if (location.kind === 'directory') return { kind: 'directory', path: location.path };
  return { ...location, endpoint: location.endpoint === '' ? null : location.endpoint };
}
