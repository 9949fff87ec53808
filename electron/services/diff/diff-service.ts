import path from 'node:path';
import type { SnapshotManifest } from '../../../shared/catalog/catalog-format';
import { defaultBaseline } from '../../../shared/diff/baseline';
import { diffConfigStores, type ConfigStoreState } from '../../../shared/diff/config-diff';
import {
  differenceKinds,
  type BlastRadius,
  type Difference,
  type GitFacts,
} from '../../../shared/diff/diff-model';
import {
  parseConfigResourceKey,
  parseResourceKey,
  valueDigest,
  type ParsedResourceKey,
} from '../../../shared/diff/resource-keys';
import { repoKey, type RepoState, type VariableState } from '../../../shared/domain/forge-state';
import { BulkheadError, cancelledError } from '../../../shared/ipc/errors';
import { scrub, toBulkheadError } from '../catalog-service';
import { openCatalog, openSnapshot } from '../catalog/catalog-reader';
import { openStore } from '../catalog/catalog-store';
import { reasonOf } from '../catalog/catalog-util';
import type {
  CatalogLocation,
  CatalogReadStore,
  KeyPin,
  OpenedCatalog,
  OpenedSnapshot,
  Progress,
  SnapshotSummary,
} from '../catalog/catalog-types';
import { gitWebRootOf } from '../catalog/producer/git-mirror';
import {
  readLiveConfigStores,
  readSnapshotConfigStores,
  type ConfigStoreSpec,
} from '../config/config-stores';
import { createGitHubAdapter, type GitHubAdapterOptions } from '../github/github-adapter';
import {
  coverGaps,
  prepareGitRepos,
  readLiveStates,
  readSnapshotRepo,
  readSnapshotStates,
  type RepoGitNeed,
} from './diff-gather';
import { pruneDiffCache } from './diff-cache';

/**
 * The baseline diff: a snapshot against live state, with git's answers, as differences.
 *
 * Gathers what the pure engine (`shared/diff`) compares: the baseline's `RepoState`s from
 * a catalog snapshot (per resource, another snapshot where the caller says so), live
 * `RepoState`s read through the GitHub adapter with a read-only token, and per repository
 * a bare repository holding both sides' git objects for `createGitFacts`. Then it runs
 * the engine and counts the blast radius. Progress and cancellation follow the contract's
 * long tasks; every error names the repository and the step. The token and any S3 secret
 * key are scrubbed from every message that leaves.
 *
 * Variable values stay here: the differences carry digests only, and `revealVariable`
 * answers one value of one difference of the last run, on explicit request.
 */

/** The engine and git facts, passed in so a test can stand in for either. */
export interface DiffCore {
  diffStates(
    baseline: RepoState[],
    current: RepoState[],
    git: GitFacts | null,
    options: {
      readonly signal: AbortSignal;
      readonly onProgress?: (done: number, total: number) => void;
    },
  ): Promise<Difference[]>;
  blastRadius(differences: ReadonlyArray<Difference>): BlastRadius;
  /** Git facts over the prepared repositories; `clear` lets their caches go after the run. */
  createGitFacts(
    repoDirOf: (repo: string) => string,
    options: { readonly signal: AbortSignal },
  ): GitFacts & { clear?(): void };
  fileTextDiff(dir: string, baseSha: string, currentSha: string, file: string): Promise<FileDiff>;
}

/** A text diff of one file between two commits, as `fileTextDiff` answers it. */
export interface FileDiff {
  readonly path: string;
  /** Unified diff text; empty when the file is the same or binary. */
  readonly patch: string;
  readonly binary: boolean;
  /** Why there is no patch (a file too large to diff), in words for the view. */
  readonly note?: string;
}

/**
 * The baseline's catalog: where it is and how its key is trusted, or one the catalog
 * service already holds open (an import of another tool's backup lives only there).
 */
export type DiffCatalogRef =
  { readonly location: CatalogLocation; readonly pin: KeyPin } | { readonly opened: OpenedSource };

/** A catalog held open elsewhere, as the diff reads it. */
export interface OpenedSource {
  readonly store: CatalogReadStore;
  readonly catalog: OpenedCatalog;
  openSnapshot(seq: number): Promise<OpenedSnapshot>;
  /** For an import: the tool whose backup it is (its snapshot is unsigned). */
  readonly importFormat: string | null;
  /** SECURITY: strings to scrub from anything that leaves (an S3 secret key). */
  readonly secrets: ReadonlyArray<string>;
}

/** The live side: a GitHub-compatible API, an owner, and a read-only token. */
export interface LiveSource {
  readonly apiUrl: string;
  readonly owner: string;
  /** SECURITY: read-only; never logged, never in argv, scrubbed from every message. */
  readonly token: string;
  /** Where git clone URLs hang off, when not derivable from `apiUrl`. */
  readonly gitWebRoot?: string;
}

/** One resource compared against its own snapshot (a repository, a PR, a variable...). */
export interface BaselineOverride {
  /** A resource key as differences name them: `acme/api`, `acme/api#12`, `acme/api:variable:X`. */
  readonly resource: string;
  /** The snapshot: its manifest id (`sha256:...`) or sequence number. */
  readonly snapshotId: string;
}

export interface DiffRequest {
  readonly catalog: DiffCatalogRef;
  /** The baseline: a manifest id (`sha256:...`) or sequence number; default: see below. */
  readonly snapshotId?: string | null;
  /** Epoch ms of the first finding: the default baseline is the latest verified before it. */
  readonly firstFindingAt?: number | null;
  readonly live: LiveSource;
  /** Only these repositories (names under the owner); all when absent or empty. */
  readonly repos?: ReadonlyArray<string>;
  readonly baselineOverrides?: ReadonlyArray<BaselineOverride>;
  /**
   * The live side of the snapshot's config stores: the same names, endpoints and
   * prefixes, with a read credential (SECURITY: passwords scrubbed like the token). A
   * store the snapshot holds but this omits is noted as not compared.
   */
  readonly configStores?: ReadonlyArray<ConfigStoreSpec>;
  /**
   * Remember this run under this key (the contract uses the catalog handle), so that
   * `revealVariable` and `fileDiff` can answer about its differences afterwards.
   */
  readonly session?: string;
}

/** The baseline alone, for the page's comparison with the state at the timeline cursor. */
export interface BaselineRequest {
  readonly catalog: DiffCatalogRef;
  readonly snapshotId?: string | null;
  readonly firstFindingAt?: number | null;
  /** Only this owner's repositories; every repository of the snapshot when absent. */
  readonly owner?: string | null;
  readonly baselineOverrides?: ReadonlyArray<BaselineOverride>;
  /** Remember the baseline under this key, so `revealVariable` can answer its values. */
  readonly session?: string;
}

export interface BaselineOutcome {
  /** The baseline's states; every variable value replaced by its digest (`valueDigest`). */
  readonly states: ReadonlyArray<RepoState>;
  readonly baseline: BaselineInfo;
  readonly overrides: ReadonlyArray<BaselineOverride & { readonly seq: number }>;
  readonly notes: ReadonlyArray<string>;
  readonly durationMs: number;
}

export interface BaselineInfo {
  /** The manifest's content id. */
  readonly snapshotId: string;
  readonly seq: number;
  /** When the snapshot was taken (ISO 8601). */
  readonly takenAt: string | null;
}

export interface DiffOutcome {
  readonly differences: ReadonlyArray<Difference>;
  readonly blastRadius: BlastRadius;
  readonly baseline: BaselineInfo;
  /** Per-resource baselines applied, with the snapshot each used. */
  readonly overrides: ReadonlyArray<BaselineOverride & { readonly seq: number }>;
  readonly live: { readonly apiUrl: string; readonly owner: string; readonly readAt: number };
  /** What the user should know: parts not captured or not readable, left out of the diff. */
  readonly notes: ReadonlyArray<string>;
  readonly durationMs: number;
}

export interface DiffServiceDeps {
  readonly core: DiffCore;
  /** Materialised snapshot repositories and the diff's repositories; a cache. */
  readonly cacheDir: string;
  readonly clock: () => number;
  /** Extra adapter options (the tests install OpenAPI validation through `instrument`). */
  readonly adapterOptions?: Partial<Omit<GitHubAdapterOptions, 'baseUrl' | 'token'>>;
  /** How many runs' state is kept for reveal and file diffs. */
  readonly keepRuns?: number;
}

/** What a run leaves behind for reveal and file diffs; main-process memory only. */
interface RunMemory {
  /** `live`: a full run; `baseline`: the baseline alone, the current side being the page's. */
  readonly kind: 'live' | 'baseline';
  readonly differences: ReadonlyArray<Difference>;
  readonly baseline: ReadonlyMap<string, RepoState>;
  readonly current: ReadonlyMap<string, RepoState>;
  readonly dirs: ReadonlyMap<string, string>;
  /** Config stores by name, both sides (values: main-process memory only). */
  readonly configBaseline?: ReadonlyMap<string, ConfigStoreState>;
  readonly configCurrent?: ReadonlyMap<string, ConfigStoreState>;
}

/** The steps a run reports, each a share of the bar. */
const steps = ['catalog', 'snapshot', 'live', 'git', 'diff'] as const;

/**
 * The diff service: `run`, then `revealVariable` and `fileDiff` about that run.
 *
 * One instance per host. It keeps each session's last run (differences, both sides'
 * states and the prepared repositories) in memory so that a value or a file diff can be
 * answered on request without carrying them across the contract with the differences.
 */
export function createDiffService(deps: DiffServiceDeps) {
  const { core, clock } = deps;
  const keepRuns = deps.keepRuns ?? 8;
  const runs = new Map<string, RunMemory>();
  let pruned: Promise<void> | null = null;

  /** Once per process, before the first run: entries unused for two weeks go. */
  function pruneOnce(): Promise<void> {
    pruned ??= pruneDiffCache(deps.cacheDir, { now: clock() }).then(
      () => undefined,
      (error: unknown) => {
        console.error(`Bulkhead: pruning ${deps.cacheDir} failed: ${reasonOf(error)}`);
      },
    );
    return pruned;
  }

  function remember(session: string, memory: RunMemory): void {
    runs.delete(session);
    runs.set(session, memory);
    while (runs.size > keepRuns) {
      const oldest = runs.keys().next().value;
      if (oldest === undefined) break;
      runs.delete(oldest);
    }
  }

  function memoryOf(session: string): RunMemory {
    const memory = runs.get(session);
    if (!memory) {
      throw new BulkheadError(
        'not_found',
        'No diff has been run for this catalog in this session (or it was forgotten): run the diff again.',
      );
    }
    return memory;
  }

  function differenceOf(memory: RunMemory, id: string): Difference {
    const found = memory.differences.find((d) => d.id === id);
    if (!found) throw new BulkheadError('not_found', `The last diff has no difference ${id}.`);
    return found;
  }

  async function run(request: DiffRequest, progress: Progress): Promise<DiffOutcome> {
    const started = clock();
    const { live } = request;
    // SECURITY: every string that leaves this call is scrubbed of these.
    const secrets = [
      live.token,
      ...secretsOf(request.catalog),
      ...(request.configStores ?? []).flatMap((c) => (c.password ? [c.password] : [])),
    ];
    const { signal } = progress;
    let stepIndex = 0;
    // Five steps of 20 each: `done` of 100 is the percentage the contract's unit says.
    const stepShare = 20;
    const report = (done: number, total: number, message: string) => {
      const within = total > 0 ? Math.min(1, done / total) : 0;
      progress.report(
        Math.floor(stepIndex * stepShare + within * stepShare),
        steps.length * stepShare,
        scrub(message, secrets),
      );
    };
    const enter = (step: (typeof steps)[number], message: string) => {
      if (signal.aborted) throw cancelledError('the diff');
      stepIndex = steps.indexOf(step);
      report(0, 1, message);
    };
    await pruneOnce();
    try {
      enter('catalog', 'opening the catalog');
      const source = await openCatalogRef(request.catalog, progress);
      const { store } = source;
      const summary = chooseBaseline(source, request.snapshotId ?? null, request.firstFindingAt);
      const opened = await source.openSnapshot(summary.seq);
      const only =
        request.repos && request.repos.length > 0
          ? new Set(request.repos.map((name) => `${live.owner}/${name}`))
          : undefined;

      enter('snapshot', `reading snapshot ${summary.seq}`);
      const sub = { signal, report };
      const snapshotSide = await readSnapshotStates(store, opened.manifest, sub, only);
      const ownerStates = snapshotSide.states.filter((s) => s.owner === live.owner);
      const otherOwners = snapshotSide.states.length - ownerStates.length;
      const notes = [...trustNotes(source), ...snapshotSide.notes];
      if (otherOwners > 0) {
        notes.push(
          `snapshot ${summary.seq} also covers ${otherOwners} repositories of other owners; only ${live.owner}'s are compared`,
        );
      }
      const manifests = new Map<string, SnapshotManifest>();
      for (const state of ownerStates) manifests.set(repoKey(state), opened.manifest);
      const overrides = await applyOverrides(
        source,
        ownerStates,
        manifests,
        request.baselineOverrides ?? [],
        live.owner,
        signal,
      );

      enter('live', `reading ${live.owner} at ${live.apiUrl}`);
      const adapter = createGitHubAdapter({
        concurrency: 16,
        ...deps.adapterOptions,
        baseUrl: live.apiUrl,
        token: live.token,
      });
      const liveSide = await readLiveStates(adapter, live.owner, sub, only);
      const readAt = clock();
      notes.push(...liveSide.notes);
      const covered = coverGaps(overrides.states, liveSide.states, [
        snapshotSide.gaps,
        liveSide.gaps,
      ]);

      enter('git', 'preparing git objects');
      const needs = gitNeeds(covered.baseline, covered.current, manifests);
      const dirs = await prepareGitRepos(needs, {
        store,
        cacheDir: deps.cacheDir,
        webRoot: live.gitWebRoot ?? gitWebRootOf(live.apiUrl),
        token: live.token,
        progress: sub,
      });

      enter('diff', 'comparing');
      const missingDir = path.join(deps.cacheDir, 'work', '(not prepared)');
      const facts = core.createGitFacts((repo) => dirs.get(repo) ?? missingDir, { signal });
      let differences: Difference[];
      try {
        differences = await core.diffStates(covered.baseline, covered.current, facts, {
          signal,
          onProgress: (done, total) => report(done, total, 'comparing'),
        });
      } finally {
        facts.clear?.();
      }
      if (signal.aborted) throw cancelledError('the diff');
      const config = await diffConfig(store, opened.manifest, request.configStores ?? [], signal);
      differences = [...differences, ...config.differences];
      notes.push(...config.notes);
      const blastRadius = core.blastRadius(differences);
      report(1, 1, 'compared');
      if (request.session !== undefined) {
        remember(request.session, {
          kind: 'live',
          differences,
          baseline: new Map(covered.baseline.map((s) => [repoKey(s), s])),
          current: new Map(covered.current.map((s) => [repoKey(s), s])),
          dirs,
          configBaseline: new Map(config.baseline.map((c) => [c.name, c])),
          configCurrent: new Map(config.current.map((c) => [c.name, c])),
        });
      }
      return scrub(
        {
          differences,
          blastRadius,
          baseline: { snapshotId: summary.id, seq: summary.seq, takenAt: summary.createdAt },
          overrides: overrides.applied,
          live: { apiUrl: live.apiUrl, owner: live.owner, readAt },
          notes,
          durationMs: clock() - started,
        },
        secrets,
      );
    } catch (error: unknown) {
      if (signal.aborted) throw cancelledError('the diff');
      throw toBulkheadError(error, secrets, 'the diff');
    }
  }

  /**
   * The baseline's states alone, for the page to compare with the state at the cursor.
   *
   * The page's worker replays the loaded trails on these (`replayTo`) and diffs; the
   * host holds no trail. SECURITY: variable values leave as digests only; the baseline
   * with its values stays in this service's memory for an explicit reveal.
   */
  async function baseline(request: BaselineRequest, progress: Progress): Promise<BaselineOutcome> {
    const started = clock();
    const secrets = secretsOf(request.catalog);
    const { signal } = progress;
    const report = (done: number, total: number, message: string) =>
      progress.report(done, total, scrub(message, secrets));
    try {
      report(0, 1, 'opening the catalog');
      const source = await openCatalogRef(request.catalog, progress);
      const { store } = source;
      const summary = chooseBaseline(source, request.snapshotId ?? null, request.firstFindingAt);
      const opened = await source.openSnapshot(summary.seq);
      const owner = request.owner ?? null;
      const snapshotSide = await readSnapshotStates(store, opened.manifest, { signal, report });
      const states =
        owner === null ? snapshotSide.states : snapshotSide.states.filter((s) => s.owner === owner);
      const manifests = new Map<string, SnapshotManifest>();
      for (const state of states) manifests.set(repoKey(state), opened.manifest);
      const overrides = await applyOverrides(
        source,
        states,
        manifests,
        request.baselineOverrides ?? [],
        owner,
        signal,
      );
      if (signal.aborted) throw cancelledError('reading the baseline');
      if (request.session !== undefined) {
        remember(request.session, {
          kind: 'baseline',
          differences: [],
          baseline: new Map(overrides.states.map((s) => [repoKey(s), s])),
          current: new Map(),
          dirs: new Map(),
        });
      }
      report(1, 1, 'baseline read');
      return scrub(
        {
          states: overrides.states.map(digestValues),
          baseline: { snapshotId: summary.id, seq: summary.seq, takenAt: summary.createdAt },
          overrides: overrides.applied,
          notes: [...trustNotes(source), ...snapshotSide.notes],
          durationMs: clock() - started,
        },
        secrets,
      );
    } catch (error: unknown) {
      if (signal.aborted) throw cancelledError('reading the baseline');
      throw toBulkheadError(error, secrets, 'reading the baseline');
    }
  }

  return {
    run,
    baseline,

    /**
     * One variable's value, before (the baseline) or after (live), of one difference.
     *
     * SECURITY: the only way a variable value leaves the service; the caller asks for one
     * value at a time, and only for a difference the last run of `session` reported.
     */
    revealVariable(request: {
      readonly session: string;
      readonly differenceId: string;
      readonly side: 'baseline' | 'current';
    }): {
      readonly name: string;
      readonly value: string | null;
      readonly updatedAt: string | null;
    } {
      const memory = memoryOf(request.session);
      const difference =
        memory.kind === 'baseline'
          ? differenceFromId(request.differenceId)
          : differenceOf(memory, request.differenceId);
      const configKey = parseConfigResourceKey(difference.resource.key);
      if (difference.resource.kind === 'config-key' && configKey !== null) {
        // SECURITY: a config key's value, revealed on request like a variable's.
        const sides = request.side === 'baseline' ? memory.configBaseline : memory.configCurrent;
        const found = sides?.get(configKey.store)?.keys.find((k) => k.key === configKey.key);
        return { name: configKey.key, value: found?.value ?? null, updatedAt: null };
      }
      if (memory.kind === 'baseline' && request.side === 'current') {
        throw new BulkheadError(
          'bad_request',
          'The state at the timeline cursor holds no variable values: audit events do not record them. Compare with the live organisation to see the current value.',
        );
      }
      const variable = variableOf(difference);
      if (variable === null) {
        throw new BulkheadError(
          'bad_request',
          `${difference.id} is not about a variable; only variable values can be revealed.`,
        );
      }
      const side = request.side === 'baseline' ? memory.baseline : memory.current;
      const repo = side.get(difference.repo);
      const list =
        variable.environment === null
          ? repo?.variables
          : repo?.environments.find((e) => e.name === variable.environment)?.variables;
      const found = list?.find((v) => v.name === variable.name) ?? null;
      return {
        name: variable.name,
        value: found?.value ?? null,
        updatedAt: found?.updatedAt ?? null,
      };
    },

    /** The text diff of one file of one difference of the last run of `session`. */
    async fileDiff(request: {
      readonly session: string;
      readonly differenceId: string;
      readonly path: string;
    }): Promise<FileDiff> {
      const memory = memoryOf(request.session);
      const difference = differenceOf(memory, request.differenceId);
      const file = difference.files?.find((f) => f.path === request.path);
      if (!file) {
        throw new BulkheadError('not_found', `${difference.id} changes no file ${request.path}.`);
      }
      const shas = commitsOf(difference, memory);
      const dir = memory.dirs.get(difference.repo);
      if (!shas || !dir) {
        throw new BulkheadError(
          'not_found',
          `${difference.id}: the commits of this change are not at hand; run the diff again.`,
        );
      }
      try {
        return await core.fileTextDiff(dir, shas.base, shas.current, request.path);
      } catch (error: unknown) {
        throw toBulkheadError(error, [], `${difference.repo}: diff of ${request.path}`);
      }
    },

    /** Forgets a session's run (its values and folders' names). */
    forget(session: string): boolean {
      return runs.delete(session);
    },
  };
}
export type DiffService = ReturnType<typeof createDiffService>;

/** Opens a catalog as the catalog service does: its store, then every manifest listed. */
async function openCatalogRef(ref: DiffCatalogRef, progress: Progress): Promise<OpenedSource> {
  let source: OpenedSource;
  if ('opened' in ref) {
    source = ref.opened;
  } else {
    const store = openStore(ref.location);
    const catalog = await openCatalog(store, ref.pin, {
      signal: progress.signal,
      report: () => undefined,
    });
    source = {
      store,
      catalog,
      openSnapshot: (seq) => openSnapshot(store, catalog, seq),
      importFormat: null,
      secrets: secretsOf(ref),
    };
  }
  if (source.catalog.snapshots.length === 0) {
    throw new BulkheadError(
      'not_found',
      `${source.catalog.location} holds no snapshot to compare with.`,
    );
  }
  return source;
}

// SECURITY: what must never leave in a message: the S3 secret key of the catalog.
function secretsOf(ref: DiffCatalogRef): ReadonlyArray<string> {
  if ('opened' in ref) return ref.opened.secrets;
  return ref.location.kind === 's3' ? [ref.location.secretAccessKey] : [];
}

/** What the user should know about the baseline's trust: an import is unsigned. */
function trustNotes(source: OpenedSource): string[] {
  return source.importFormat === null
    ? []
    : [
        `the baseline is an import of a ${source.importFormat} backup: unsigned, so nothing proves it was not altered since it was made`,
      ];
}

/** Whether a snapshot can be trusted as a baseline: signed with the pinned key, no problem. */
export function isVerified(summary: SnapshotSummary): boolean {
  return summary.trust === 'signed' && summary.problems.length === 0 && summary.createdAt !== null;
}

/** Finds a snapshot by manifest id or sequence number, naming what was asked when it fails. */
export function findSnapshot(catalog: OpenedCatalog, id: string): SnapshotSummary {
  const wanted = id.trim();
  const bySeq = /^\d+$/.test(wanted) ? Number(wanted) : null;
  const found = catalog.snapshots.find((s) => s.id === wanted || s.seq === bySeq);
  if (!found) {
    throw new BulkheadError(
      'not_found',
      `${catalog.location} has no snapshot ${wanted} (give a sequence number or a sha256: manifest id).`,
    );
  }
  return found;
}

function chooseBaseline(
  source: OpenedSource,
  snapshotId: string | null,
  firstFindingAt: number | null | undefined,
): SnapshotSummary {
  const { catalog } = source;
  // An import is one unsigned snapshot: the user chose it as the baseline by opening it.
  if (source.importFormat !== null && (snapshotId === null || snapshotId.trim() === '')) {
    const only = catalog.snapshots.at(-1);
    if (only) return only;
  }
  if (snapshotId !== null && snapshotId.trim() !== '') {
    const named = findSnapshot(catalog, snapshotId);
    if (named.trust === 'bad-signature' || named.problems.length > 0) {
      throw new BulkheadError(
        'bad_request',
        `snapshot ${named.seq} of ${catalog.location} does not verify (${[named.trust, ...named.problems].join('; ')}); it cannot be a baseline.`,
      );
    }
    return named;
  }
  return defaultBaselineOf(catalog, firstFindingAt ?? null);
}

/** The latest verified snapshot (before the first finding, when one is given): `defaultBaseline`. */
function defaultBaselineOf(catalog: OpenedCatalog, firstFindingAt: number | null): SnapshotSummary {
  const candidates = catalog.snapshots.map((summary) => ({
    id: summary.id,
    takenAt: summary.createdAt === null ? Number.NaN : Date.parse(summary.createdAt),
    verified: isVerified(summary),
    summary,
  }));
  const latest = defaultBaseline(candidates, firstFindingAt);
  if (!latest) {
    throw new BulkheadError(
      'not_found',
      firstFindingAt === null
        ? `${catalog.location} holds no verified snapshot to use as the baseline.`
        : `${catalog.location} holds no verified snapshot taken before the first finding (${new Date(firstFindingAt).toISOString()}).`,
    );
  }
  return latest.summary;
}

/**
 * Replaces resources of the baseline with their state in another snapshot.
 *
 * A repository override takes the whole repository (and its git objects) from that
 * snapshot; a pull request, variable, secret or environment override takes just that one
 * (absent there: absent from the baseline).
 */
async function applyOverrides(
  source: OpenedSource,
  states: RepoState[],
  manifests: Map<string, SnapshotManifest>,
  overrides: ReadonlyArray<BaselineOverride>,
  /** The only owner whose resources may be overridden; null: any. */
  owner: string | null,
  signal: AbortSignal,
): Promise<{
  states: RepoState[];
  applied: Array<BaselineOverride & { seq: number }>;
}> {
  const { store, catalog } = source;
  const byRepo = new Map(states.map((s) => [repoKey(s), s]));
  const applied: Array<BaselineOverride & { seq: number }> = [];
  const opened = new Map<number, SnapshotManifest>();
  for (const override of overrides) {
    const target = baselineTargetOf(override.resource);
    if (owner !== null && target.repo.split('/')[0] !== owner) {
      throw new BulkheadError(
        'bad_request',
        `baseline override ${override.resource}: not a resource of ${owner}.`,
      );
    }
    const summary = findSnapshot(catalog, override.snapshotId);
    if (!isVerified(summary) && source.importFormat === null) {
      throw new BulkheadError(
        'bad_request',
        `baseline override ${override.resource}: snapshot ${summary.seq} does not verify.`,
      );
    }
    let manifest = opened.get(summary.seq);
    if (!manifest) {
      manifest = (await source.openSnapshot(summary.seq)).manifest;
      opened.set(summary.seq, manifest);
    }
    const entry = manifest.repos.find((r) => repoKey(r.summary) === target.repo);
    const there = entry ? await readSnapshotRepo(store, manifest, entry, signal) : null;
    const here = byRepo.get(target.repo) ?? null;
    if (target.kind === 'repository') {
      if (there) {
        byRepo.set(target.repo, there);
        manifests.set(target.repo, manifest);
      } else {
        byRepo.delete(target.repo);
        manifests.delete(target.repo);
      }
    } else {
      if (!here) {
        throw new BulkheadError(
          'bad_request',
          `baseline override ${override.resource}: the baseline has no repository ${target.repo}; override the repository itself.`,
        );
      }
      byRepo.set(target.repo, replacePart(here, there, target));
    }
    applied.push({ ...override, seq: summary.seq });
  }
  return {
    states: [...byRepo.values()].sort((a, b) =>
      repoKey(a) < repoKey(b) ? -1 : repoKey(a) > repoKey(b) ? 1 : 0,
    ),
    applied,
  };
}

/** A resource a per-resource baseline can be chosen for: any resource key but a ref's. */
export type ResourceTarget = Exclude<ParsedResourceKey, { readonly kind: 'ref' }>;

/**
 * Reads a per-resource baseline's resource key (`acme/api`, `acme/api#12`,
 * `acme/api:variable:X`, `acme/api:environment:prod[:secret:Y]`), as differences name them.
 */
export function baselineTargetOf(key: string): ResourceTarget {
  const parsed = parseResourceKey(key.trim());
  if (parsed === null || parsed.kind === 'ref') {
    throw new BulkheadError(
      'bad_request',
      `${key} is not a resource key a baseline can be chosen for (a repository, #PR, :variable:, :secret: or :environment:).`,
    );
  }
  return parsed;
}

function replacePart(here: RepoState, there: RepoState | null, target: ResourceTarget): RepoState {
  switch (target.kind) {
    case 'repository':
      return there ?? here;
    case 'pull_request': {
      const other = there?.pulls.find((p) => p.number === target.number);
      const pulls = here.pulls.filter((p) => p.number !== target.number);
      if (other) pulls.push(other);
      return { ...here, pulls: pulls.sort((a, b) => a.number - b.number) };
    }
    case 'environment': {
      const other = there?.environments.find((e) => e.name === target.environment);
      const environments = here.environments.filter((e) => e.name !== target.environment);
      if (other) environments.push(other);
      return { ...here, environments };
    }
    case 'variable':
    case 'secret': {
      const field = target.kind === 'variable' ? 'variables' : 'secrets';
      const swap = <T extends { readonly name: string }>(
        mine: ReadonlyArray<T>,
        theirs: ReadonlyArray<T> | undefined,
      ): T[] => {
        const other = theirs?.find((item) => item.name === target.name);
        const kept = mine.filter((item) => item.name !== target.name);
        if (other) kept.push(other);
        return kept.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      };
      const scope = target.scope;
      if (scope.kind === 'repository') {
        return field === 'variables'
          ? { ...here, variables: swap(here.variables, there?.variables) }
          : { ...here, secrets: swap(here.secrets, there?.secrets) };
      }
      const theirEnv = there?.environments.find((e) => e.name === scope.name);
      return {
        ...here,
        environments: here.environments.map((env) => {
          if (env.name !== scope.name) return env;
          return field === 'variables'
            ? { ...env, variables: swap(env.variables, theirEnv?.variables) }
            : { ...env, secrets: swap(env.secrets, theirEnv?.secrets) };
        }),
      };
    }
    default:
      return here;
  }
}

/**
 * The repositories git must be asked about: those with a ref on both sides at different
 * commits (moved, force-pushed, files changed). Nothing else needs git objects, so an
 * organisation where little moved costs little git.
 */
export function gitNeeds(
  baseline: ReadonlyArray<RepoState>,
  current: ReadonlyArray<RepoState>,
  manifests: ReadonlyMap<string, SnapshotManifest>,
): RepoGitNeed[] {
  const live = new Map(current.map((s) => [repoKey(s), s]));
  const needs: RepoGitNeed[] = [];
  for (const base of baseline) {
    const key = repoKey(base);
    const now = live.get(key);
    if (!now) continue;
    const nowRefs = new Map(now.refs.map((r) => [r.name, r.sha]));
    const moved = base.refs.some((r) => {
      const sha = nowRefs.get(r.name);
      return sha !== undefined && sha !== r.sha;
    });
    if (!moved) continue;
    needs.push({
      owner: base.owner,
      name: base.name,
      manifest: manifests.get(key) ?? null,
      live: true,
      liveRefs: now.refs,
    });
  }
  return needs;
}

/**
 * The config store differences of a run: the snapshot's stores against the live ones.
 *
 * etcd has no audit trail Bulkhead reads, so these never get causes. A store the
 * snapshot holds but the request gives no live read for is left out with a note, never
 * reported as every key deleted.
 */
async function diffConfig(
  store: CatalogReadStore,
  manifest: SnapshotManifest,
  specs: ReadonlyArray<ConfigStoreSpec>,
  signal: AbortSignal,
): Promise<{
  differences: Difference[];
  notes: string[];
  baseline: ConfigStoreState[];
  current: ConfigStoreState[];
}> {
  const notes: string[] = [];
  const captured = await readSnapshotConfigStores(store, manifest, signal);
  const baseline = captured.map((c) => c.state);
  const byName = new Map(captured.map((c) => [c.entry.name, c.entry]));
  const live: ConfigStoreSpec[] = [];
  for (const spec of specs) {
    const entry = byName.get(spec.name);
    if (!entry) {
      notes.push(
        `config store ${spec.name}: snapshot ${manifest.seq} did not capture it, so it has no baseline to compare`,
      );
      continue;
    }
    if (entry.prefix !== spec.prefix) {
      notes.push(
        `config store ${spec.name}: the snapshot captured prefix ${JSON.stringify(entry.prefix)}, so that prefix is read and compared, not ${JSON.stringify(spec.prefix)}`,
      );
    }
    // The snapshot's prefix, whatever was asked: a narrower read would show keys as deleted.
    live.push({ ...spec, prefix: entry.prefix });
  }
  for (const entry of captured.map((c) => c.entry)) {
    if (!specs.some((spec) => spec.name === entry.name)) {
      notes.push(
        `config store ${entry.name} (etcd ${entry.endpoint}, prefix ${JSON.stringify(entry.prefix)}) is in the snapshot but was not read now (give --etcd for it); not compared`,
      );
    }
  }
  signal.throwIfAborted();
  const current = await readLiveConfigStores(live);
  return { differences: diffConfigStores(baseline, current), notes, baseline, current };
}

/**
 * A difference known only by its id (`<kind>:<resource key>`), as the page's cursor diff
 * names it; enough for `variableOf`.
 */
function differenceFromId(id: string): Difference {
  const kind = differenceKinds.find((k) => id.startsWith(`${k}:`));
  const key = kind === undefined ? '' : id.slice(kind.length + 1);
  const parsed = parseResourceKey(key);
  if (kind === undefined || parsed === null) {
    throw new BulkheadError('not_found', `${id} is not a difference id.`);
  }
  return {
    id,
    kind,
    repo: parsed.repo,
    resource: { kind: parsed.kind, key },
    summary: '',
    before: null,
    after: null,
    causes: [],
  };
}

// SECURITY: variable values. The page's copy of a baseline carries digests instead.
function digestValues(state: RepoState): RepoState {
  const digested = (v: VariableState): VariableState => ({ ...v, value: valueDigest(v.value) });
  return {
    ...state,
    variables: state.variables.map(digested),
    environments: state.environments.map((e) => ({ ...e, variables: e.variables.map(digested) })),
  };
}
// SECURITY: end of variable values.

function variableOf(
  difference: Difference,
): { readonly name: string; readonly environment: string | null } | null {
  if (difference.resource.kind !== 'variable') return null;
  const target = parseResourceKey(difference.resource.key);
  if (target?.kind !== 'variable') return null;
  return {
    name: target.name,
    environment: target.scope.kind === 'environment' ? target.scope.name : null,
  };
}

/** The two commits a files-changed or ref difference compares. */
function commitsOf(
  difference: Difference,
  memory: RunMemory,
): { readonly base: string; readonly current: string } | null {
  const shaOf = (side: unknown) => {
    const sha = (side as { sha?: unknown } | null)?.sha;
    return typeof sha === 'string' ? sha : undefined;
  };
  const ref = refNameOf(difference);
  const base =
    shaOf(difference.before) ??
    memory.baseline.get(difference.repo)?.refs.find((r) => r.name === ref)?.sha;
  const current =
    shaOf(difference.after) ??
    memory.current.get(difference.repo)?.refs.find((r) => r.name === ref)?.sha;
  return base && current ? { base, current } : null;
}

function refNameOf(difference: Difference): string | null {
  if (difference.resource.kind === 'ref') {
    const at = difference.resource.key.indexOf('@');
    return at === -1 ? null : difference.resource.key.slice(at + 1);
  }
  for (const side of [difference.before, difference.after]) {
    const ref = (side as { ref?: unknown } | null)?.ref;
    if (typeof ref === 'string') return ref;
  }
  return null;
}
