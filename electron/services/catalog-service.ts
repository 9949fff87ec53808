import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import {
  identityKey,
  manifestKey,
  objectKey,
  signatureKey,
  type ContentId,
  type RepoEntry,
  type SnapshotManifest,
} from '../../shared/catalog/catalog-format';
import {
  verifyReportLimits,
  type CatalogOpened,
  type CatalogLocationParsed,
  type CatalogOpenRequest,
  type ObjectProblem,
  type ObjectStatus,
  type PullListItem,
  type RepoView,
  type SnapshotContents,
  type SnapshotSummaryView,
  type VariableScope,
  type VariableValues,
  type VerifyReportView,
} from '../../shared/catalog/catalog-view';
import {
  EnvironmentState,
  PullRequestState,
  SecretMeta,
  VariableState,
  repoKey,
} from '../../shared/domain/forge-state';
import { BulkheadError, cancelledError, type ErrorCode } from '../../shared/ipc/errors';
import type { CallContext } from '../../shared/ipc/registry';
import { assertNever } from '../../shared/util/assert-never';
import {
  CatalogError,
  type CatalogLocation,
  type CatalogReadStore,
  type KeyPin,
  type OpenedCatalog,
  type OpenedSnapshot,
  type Progress,
  type SnapshotSummary,
  type VerifyLevel,
  type VerifyReport,
} from './catalog/catalog-types';

/** An opened import: another tool's backup presented as a one-snapshot, unsigned catalog. */
export interface ImportedBackup {
  readonly store: CatalogReadStore;
  readonly catalog: OpenedCatalog;
  readonly manifest: SnapshotManifest;
  /** Removes what the import made on the side (bundles in a private cache). */
  dispose?(): Promise<void>;
}

/**
 * The catalog core functions the service drives.
 *
 * Passed in rather than imported so the contract side can be built and tested while the
 * core evolves, and so a test can put a failing store in front of the real reader.
 */
export interface CatalogCore {
  openStore(location: CatalogLocation): Promise<CatalogReadStore> | CatalogReadStore;
  openCatalog(store: CatalogReadStore, pin: KeyPin, progress?: Progress): Promise<OpenedCatalog>;
  openSnapshot(
    store: CatalogReadStore,
    catalog: OpenedCatalog,
    seq: number,
  ): Promise<OpenedSnapshot>;
  readJsonObject<T>(store: CatalogReadStore, id: ContentId, schema: z.ZodType<T>): Promise<T>;
  verifyCatalog(
    store: CatalogReadStore,
    pin: KeyPin,
    level: VerifyLevel,
    progress: Progress,
  ): Promise<VerifyReport>;
  /** Whether a folder is another tool's backup Bulkhead can import; null when it is not. */
  detectBackup(folder: string): Promise<unknown>;
  openImportedBackup(folder: string, progress: Progress): Promise<ImportedBackup>;
}

export interface CatalogServiceDeps {
  readonly core: CatalogCore;
  readonly clock: () => number;
  /** How many catalogs stay open at once; the oldest is closed beyond it. */
  readonly maxOpen?: number;
}

interface OpenEntry {
  readonly handle: string;
  readonly store: CatalogReadStore;
  readonly pin: KeyPin;
  readonly catalog: OpenedCatalog;
  /** Set for an import: its one manifest, read at import time. */
  readonly imported: {
    readonly manifest: SnapshotManifest;
    readonly format: string;
    readonly dispose: () => Promise<void>;
  } | null;
  /**
   * SECURITY: the S3 secret key this catalog was opened with, held only so that every
   * string leaving the service can be scrubbed of it. It lives as long as the handle.
   */
  readonly secrets: ReadonlyArray<string>;
  readonly contents: Map<number, Promise<SnapshotContents>>;
}

/** How many refs of one repository the browser receives. */
export const refsLimit = 1000;
const readConcurrency = 8;

/**
 * The catalog channels: open a catalog (or an import), browse a snapshot, verify.
 *
 * Keeps each opened catalog's store and key pin behind a random handle, so the renderer
 * never holds a path to re-resolve or a credential to send again. Every failure becomes a
 * `BulkheadError` that names the object and the location; S3 secret keys stay in this
 * process, and are scrubbed from anything that leaves it.
 */
export function createCatalogService(deps: CatalogServiceDeps) {
  const { core, clock } = deps;
  const maxOpen = deps.maxOpen ?? 8;
  const open = new Map<string, OpenEntry>();

  function entryOf(handle: string): OpenEntry {
    const entry = open.get(handle);
    if (!entry) {
      throw new BulkheadError(
        'not_found',
        `No open catalog has the handle ${handle} (it was closed, or the host restarted): open it again.`,
      );
    }
    return entry;
  }

  async function forget(handle: string): Promise<boolean> {
    const entry = open.get(handle);
    if (!entry) return false;
    open.delete(handle);
    await entry.imported?.dispose().catch(() => undefined);
    return true;
  }

  function remember(entry: OpenEntry): void {
    open.set(entry.handle, entry);
    while (open.size > maxOpen) {
      const oldest = open.keys().next().value;
      if (oldest === undefined) break;
      void forget(oldest);
    }
  }

  async function openDirectory(
    folder: string,
    pin: KeyPin,
    ctx: CallContext,
  ): Promise<Omit<OpenEntry, 'handle' | 'contents'>> {
    const resolved = path.resolve(folder);
    await requireDirectory(resolved);
    if (await looksLikeCatalog(resolved)) {
      const store = await core.openStore({ kind: 'directory', path: resolved });
      const catalog = await core.openCatalog(store, pin, ctx);
      return { store, pin, catalog, imported: null, secrets: [] };
    }
    const detected = await core.detectBackup(resolved);
    if (detected === null || detected === undefined || detected === false) {
      throw new BulkheadError(
        'not_found',
        `${resolved} holds neither a Bulkhead catalog (no bulkhead-catalog.json, manifests/ or objects/) nor a backup Bulkhead can import (python-github-backup, git bundles or bare mirrors).`,
      );
    }
    const imported = await core.openImportedBackup(resolved, ctx);
    const format =
      imported.manifest.source.kind === 'import' ? imported.manifest.source.format : 'import';
    return {
      store: imported.store,
      pin: { kind: 'trust-on-first-use' },
      catalog: imported.catalog,
      imported: {
        manifest: imported.manifest,
        format,
        dispose: async () => imported.dispose?.(),
      },
      secrets: [],
    };
  }

  async function summaryOf(entry: OpenEntry, seq: number): Promise<OpenedSnapshot> {
    if (entry.imported) {
      const summary = entry.catalog.snapshots.find((s) => s.seq === seq);
      if (!summary || entry.imported.manifest.seq !== seq) {
        throw new BulkheadError('not_found', `${entry.catalog.location} has no snapshot ${seq}.`);
      }
      return { summary, manifest: entry.imported.manifest };
    }
    if (!entry.catalog.snapshots.some((s) => s.seq === seq)) {
      throw new BulkheadError('not_found', `${entry.catalog.location} has no snapshot ${seq}.`);
    }
    return core.openSnapshot(entry.store, entry.catalog, seq);
  }

  async function readObject<T>(
    entry: OpenEntry,
    id: ContentId,
    schema: z.ZodType<T>,
  ): Promise<{ ok: true; value: T } | { ok: false; problem: ObjectProblem }> {
    try {
      return { ok: true, value: await core.readJsonObject(entry.store, id, schema) };
    } catch (error: unknown) {
      const failure = toBulkheadError(error, entry.secrets, `object ${id}`);
      const object = objectKey(id);
      const problem = failure.message.startsWith(`${object}: `)
        ? failure.message.slice(object.length + 2)
        : failure.message;
      return { ok: false, problem: { object, problem } };
    }
  }

  async function repoView(entry: OpenEntry, repo: RepoEntry): Promise<RepoView> {
    const problems: ObjectProblem[] = [];
    const pulls = await mapLimited(repo.pulls, readConcurrency, async (pull) => {
      const read = await readObject(entry, pull.object, PullRequestState);
      if (!read.ok) {
        problems.push({
          ...read.problem,
          problem: `pull request #${pull.number}: ${read.problem.problem}`,
        });
        return unreadablePull(pull.number, pull.object);
      }
      return pullItem(read.value, pull.object);
    });
    const variables = repo.variables
      ? await readObject(entry, repo.variables, VariableState.array())
      : null;
    const secrets = repo.secrets ? await readObject(entry, repo.secrets, SecretMeta.array()) : null;
    const environments = repo.environments
      ? await readObject(entry, repo.environments, EnvironmentState.array())
      : null;
    for (const read of [variables, secrets, environments]) {
      if (read && !read.ok) problems.push(read.problem);
    }
    return {
      name: repoKey(repo.summary),
      summary: repo.summary,
      refsTotal: repo.refs.length,
      refs: repo.refs.slice(0, refsLimit),
      bundles: repo.git.bundles.length,
      pulls: pulls.sort((a, b) => b.number - a.number),
      variables: variables?.ok ? variables.value.map(withoutValue) : null,
      secrets: secrets?.ok ? secrets.value : null,
      environments: environments?.ok
        ? environments.value.map((env) => ({
            name: env.name,
            variables: env.variables.map(withoutValue),
            secrets: env.secrets,
          }))
        : null,
      sealedSecretValues: repo.secretValues !== null,
      problems,
    };
  }

  function repoEntryOf(manifest: SnapshotManifest, repo: string, location: string): RepoEntry {
    const found = manifest.repos.find((r) => repoKey(r.summary) === repo);
    if (!found) {
      throw new BulkheadError(
        'not_found',
        `Snapshot ${manifest.seq} of ${location} does not cover the repository ${repo}.`,
      );
    }
    return found;
  }

  /** Runs one call on an open catalog, turning every failure into a scrubbed BulkheadError. */
  async function guarded<T>(entry: OpenEntry, what: string, run: () => Promise<T>): Promise<T> {
    try {
      return scrub(await run(), entry.secrets);
    } catch (error: unknown) {
      throw toBulkheadError(error, entry.secrets, what);
    }
  }

  return {
    async open(req: CatalogOpenRequest, ctx: CallContext): Promise<CatalogOpened> {
      const { location } = req;
      const pin: KeyPin = req.key
        ? { kind: 'pinned', key: req.key }
        : { kind: 'trust-on-first-use' };
      // SECURITY: the secret key is kept only in `secrets`, for scrubbing, and in the store.
      const secrets = location.kind === 's3' ? [location.secretAccessKey] : [];
      const where = describeLocation(location);
      try {
        ctx.report(0, null, `Opening ${where}`);
        let opened: Omit<OpenEntry, 'handle' | 'contents'>;
        switch (location.kind) {
          case 'directory':
            opened = await openDirectory(location.path, pin, ctx);
            break;
          case 's3': {
            const store = await core.openStore({
              kind: 's3',
              endpoint: location.endpoint === '' ? null : location.endpoint,
              region: location.region,
              bucket: location.bucket,
              prefix: location.prefix,
              accessKeyId: location.accessKeyId,
              secretAccessKey: location.secretAccessKey,
            });
            const catalog = await core.openCatalog(store, pin, ctx);
            opened = { store, pin, catalog, imported: null, secrets };
            break;
          }
          default:
            return assertNever(location, 'catalog location');
        }
        if (ctx.signal.aborted) {
          await opened.imported?.dispose().catch(() => undefined);
          throw cancelledError('Opening the catalog');
        }
        const handle = `cat-${randomBytes(16).toString('hex')}`;
        remember({ ...opened, handle, contents: new Map() });
        const { catalog, imported } = opened;
        return scrub(
          {
            catalogId: handle,
            location: catalog.location,
            kind: imported ? 'import' : 'catalog',
            importFormat: imported ? imported.format : null,
            worm: catalog.worm,
            identity: catalog.identity
              ? {
                  catalogId: catalog.identity.catalogId,
                  keyFingerprint: catalog.identity.keyFingerprint,
                  createdAt: catalog.identity.createdAt,
                }
              : null,
            keyTrust: imported ? 'unsigned' : catalog.keyTrust,
            snapshots: catalog.snapshots.map(summaryView),
            problems: catalog.problems.map((p) => ({ object: p.object, problem: p.problem })),
            warnings: [...catalog.warnings],
          },
          secrets,
        );
      } catch (error: unknown) {
        throw toBulkheadError(error, secrets, where);
      }
    },

    async snapshot(req: { catalogId: string; seq: number }): Promise<SnapshotContents> {
      const entry = entryOf(req.catalogId);
      let cached = entry.contents.get(req.seq);
      if (!cached) {
        cached = guarded(entry, `snapshot ${req.seq} of ${entry.catalog.location}`, async () => {
          const snapshot = await summaryOf(entry, req.seq);
          const repos = [];
          for (const repo of snapshot.manifest.repos) repos.push(await repoView(entry, repo));
          return { summary: summaryView(snapshot.summary), repos };
        });
        entry.contents.set(req.seq, cached);
        // A failed read is not cached: the user may fix the store (a network) and retry.
        cached.catch(() => entry.contents.delete(req.seq));
      }
      return cached;
    },

    async pull(req: {
      catalogId: string;
      seq: number;
      repo: string;
      number: number;
    }): Promise<PullRequestState> {
      const entry = entryOf(req.catalogId);
      return guarded(entry, `pull request #${req.number} of ${req.repo}`, async () => {
        const { manifest } = await summaryOf(entry, req.seq);
        const repo = repoEntryOf(manifest, req.repo, entry.catalog.location);
        const pull = repo.pulls.find((p) => p.number === req.number);
        if (!pull) {
          throw new BulkheadError(
            'not_found',
            `Snapshot ${req.seq} holds no pull request #${req.number} of ${req.repo}.`,
          );
        }
        return core.readJsonObject(entry.store, pull.object, PullRequestState);
      });
    },

    async variableValues(req: {
      catalogId: string;
      seq: number;
      repo: string;
      scope: VariableScope;
    }): Promise<VariableValues> {
      const entry = entryOf(req.catalogId);
      return guarded(entry, `variables of ${req.repo}`, async () => {
        const { manifest } = await summaryOf(entry, req.seq);
        const repo = repoEntryOf(manifest, req.repo, entry.catalog.location);
        const { scope } = req;
        switch (scope.kind) {
          case 'repository': {
            if (!repo.variables) return { variables: [] };
            const variables = await core.readJsonObject(
              entry.store,
              repo.variables,
              VariableState.array(),
            );
            return { variables };
          }
          case 'environment': {
            const environments = repo.environments
              ? await core.readJsonObject(entry.store, repo.environments, EnvironmentState.array())
              : [];
            const env = environments.find((e) => e.name === scope.environment);
            if (!env) {
              throw new BulkheadError(
                'not_found',
                `Snapshot ${req.seq} holds no environment ${scope.environment} in ${req.repo}.`,
              );
            }
            return { variables: env.variables };
          }
          default:
            return assertNever(scope, 'variable scope');
        }
      });
    },

    async verify(
      req: { catalogId: string; level: VerifyLevel },
      ctx: CallContext,
    ): Promise<VerifyReportView> {
      const entry = entryOf(req.catalogId);
      return guarded(entry, `verifying ${entry.catalog.location}`, async () => {
        const report = await core.verifyCatalog(entry.store, entry.pin, req.level, ctx);
        if (ctx.signal.aborted) throw cancelledError('Verifying the catalog');
        return reportView(entry.imported ? importReport(report, entry.catalog) : report, clock());
      });
    },

    async close(req: { catalogId: string }): Promise<{ closed: boolean }> {
      return { closed: await forget(req.catalogId) };
    },

    /** Closes every catalog, e.g. when the host shuts down. */
    async closeAll(): Promise<void> {
      await Promise.all([...open.keys()].map(forget));
    },

    /**
     * An open catalog as the diff reads it: its store, manifests and snapshots.
     *
     * An import exists only here (its manifest was made at import time), so the diff
     * reads its baseline through this rather than by opening a location again.
     */
    diffSource(handle: string): {
      readonly store: CatalogReadStore;
      readonly catalog: OpenedCatalog;
      openSnapshot(seq: number): Promise<OpenedSnapshot>;
      readonly importFormat: string | null;
      readonly secrets: ReadonlyArray<string>;
    } {
      const entry = entryOf(handle);
      return {
        store: entry.store,
        catalog: entry.catalog,
        openSnapshot: (seq) => summaryOf(entry, seq),
        importFormat: entry.imported?.format ?? null,
        secrets: entry.secrets,
      };
    },

    /** How many catalogs are open; for tests. */
    openCount(): number {
      return open.size;
    },
  };
}
export type CatalogService = ReturnType<typeof createCatalogService>;

/** For messages: the directory, or `s3://bucket/prefix` at the endpoint. Never a key. */
export function describeLocation(location: CatalogLocationParsed): string {
  if (location.kind === 'directory') return path.resolve(location.path);
  const prefix = location.prefix.replace(/^\/+|\/+$/g, '');
  const where = `s3://${location.bucket}${prefix ? `/${prefix}` : ''}`;
  return location.endpoint ? `${where} at ${location.endpoint}` : where;
}

async function requireDirectory(folder: string): Promise<void> {
  let info;
  try {
    info = await stat(folder);
  } catch (error: unknown) {
    throw toBulkheadError(error, [], folder);
  }
  if (!info.isDirectory()) {
    throw new BulkheadError('bad_request', `${folder} is a file, not a directory.`);
  }
}

async function looksLikeCatalog(folder: string): Promise<boolean> {
  for (const name of ['bulkhead-catalog.json', 'manifests', 'objects']) {
    try {
      await stat(path.join(folder, name));
      return true;
    } catch {
      // not this one
    }
  }
  return false;
}

function summaryView(summary: SnapshotSummary): SnapshotSummaryView {
  return {
    seq: summary.seq,
    id: summary.id,
    createdAt: summary.createdAt,
    source: summary.source,
    scope: [...summary.scope],
    counts: { ...summary.counts },
    bytes: summary.bytes,
    trust: summary.trust,
    problems: [...summary.problems],
  };
}

function withoutValue(variable: VariableState) {
  return { name: variable.name, createdAt: variable.createdAt, updatedAt: variable.updatedAt };
}

function pullItem(pull: PullRequestState, object: ContentId): PullListItem {
  const state = pull.merged ? 'merged' : pull.state === 'open' && pull.draft ? 'draft' : pull.state;
  return {
    number: pull.number,
    title: pull.title,
    state,
    author: pull.author,
    updatedAt: pull.updatedAt,
    object,
  };
}

function unreadablePull(number: number, object: ContentId): PullListItem {
  return { number, title: null, state: 'unreadable', author: null, updatedAt: null, object };
}

/**
 * A verification of an import, minus what every import lacks by design.
 *
 * An import has no identity and no signature; the verifier rightly names both, and the
 * panel says it once, as "unsigned", instead. What the import itself found wrong (a
 * malformed file) joins the problems. The same rule as `bulkhead catalog verify`.
 */
export function importReport(report: VerifyReport, catalog: OpenedCatalog): VerifyReport {
  const bySignature = new Set([identityKey, signatureKey(1)]);
  const problems = [
    ...catalog.problems,
    ...report.problems.filter(
      (p) =>
        !bySignature.has(p.object) &&
        !(p.object === manifestKey(1) && /\bkey\b|sign/i.test(p.problem)),
    ),
  ];
  return {
    ...report,
    location: catalog.location,
    ok: problems.length === 0,
    problems,
    warnings: [
      ...catalog.warnings,
      ...report.warnings.filter((w) => !/identity|signature|signed|\bkey\b/i.test(w)),
    ],
  };
}

const statusOrder: ReadonlyArray<ObjectStatus> = [
  'hash-mismatch',
  'size-mismatch',
  'missing',
  'unreadable',
  'extra',
  'ok',
];

/** Caps a report for the contract: problems and non-ok objects first, with totals. */
export function reportView(report: VerifyReport, finishedAt: number): VerifyReportView {
  const statusCounts = Object.fromEntries(statusOrder.map((s) => [s, 0])) as Record<
    ObjectStatus,
    number
  >;
  for (const line of report.perObject) statusCounts[line.status] += 1;
  const ordered = [...report.perObject].sort(
    (a, b) => statusOrder.indexOf(a.status) - statusOrder.indexOf(b.status),
  );
  return {
    ok: report.ok,
    level: report.level,
    location: report.location,
    snapshots: report.snapshots,
    objects: report.objects,
    problems: report.problems.slice(0, verifyReportLimits.problems).map((p) => ({ ...p })),
    problemsTotal: report.problems.length,
    warnings: [...report.warnings],
    worm: { ...report.worm },
    perObject: ordered.slice(0, verifyReportLimits.perObject).map((line) => ({
      object: line.object,
      size: line.size,
      status: line.status,
      lock: line.lock ? { ...line.lock } : null,
    })),
    perObjectTotal: report.perObject.length,
    statusCounts,
    finishedAt,
  };
}

// SECURITY: scrubbing. An S3 secret key arrives on `catalog:open` and must never leave
// the host: not in an answer, an error message, a task message or the host log. Every
// string a catalog call returns or throws passes through `scrub` with the secrets of
// the catalog it concerns.

function redact(text: string, secrets: ReadonlyArray<string>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length > 0) out = out.split(secret).join('[redacted]');
  }
  return out;
}

/** A deep copy of a JSON-like value with every secret replaced in every string. */
export function scrub<T>(value: T, secrets: ReadonlyArray<string>): T {
  if (secrets.length === 0) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redact(v, secrets);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, walk(inner)]));
    }
    return v;
  };
  return walk(value) as T;
}

const catalogErrorCodes: Readonly<Record<CatalogError['kind'], ErrorCode>> = {
  missing: 'not_found',
  unreachable: 'unavailable',
  denied: 'forbidden',
  corrupt: 'bad_request',
  exists: 'bad_request',
  invalid: 'bad_request',
};

/**
 * Any failure as a BulkheadError the user can act on, naming what it concerns.
 *
 * Unknown failures keep a generic message (the dispatcher's `internal`), but are rebuilt
 * from scrubbed text so that not even the host log can carry a secret.
 */
export function toBulkheadError(
  error: unknown,
  secrets: ReadonlyArray<string>,
  what: string,
): BulkheadError | Error {
  if (error instanceof BulkheadError) {
    return new BulkheadError(error.code, redact(error.message, secrets));
  }
  if (error instanceof CatalogError) {
    const message = error.message.includes(error.object)
      ? error.message
      : `${error.object}: ${error.message}`;
    return new BulkheadError(catalogErrorCodes[error.kind], redact(message, secrets));
  }
  if (error instanceof Error && error.name === 'AbortError') return cancelledError(what);
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    switch (code) {
      case 'ENOENT':
        return new BulkheadError(
          'not_found',
          redact(`${what}: no such file or directory`, secrets),
        );
      case 'EACCES':
      case 'EPERM':
        return new BulkheadError('forbidden', redact(`${what}: permission denied`, secrets));
      case 'ENOTDIR':
        return new BulkheadError('bad_request', redact(`${what}: not a directory`, secrets));
      case 'ECONNREFUSED':
      case 'ENOTFOUND':
      case 'EHOSTUNREACH':
      case 'ETIMEDOUT':
      case 'ECONNRESET':
        return new BulkheadError('unavailable', redact(`${what}: unreachable (${code})`, secrets));
      default:
        break;
    }
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  const clean = new Error(redact(`${what}: ${text}`, secrets));
  clean.stack = clean.message;
  return clean;
}

async function mapLimited<T, R>(
  items: ReadonlyArray<T>,
  limit: number,
  run: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index] as T);
    }
  });
  await Promise.all(workers);
  return results;
}
