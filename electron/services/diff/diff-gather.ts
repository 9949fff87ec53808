import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RepoEntry, SnapshotManifest } from '../../../shared/catalog/catalog-format';
import {
  EnvironmentState,
  PullRequestState,
  SecretMeta,
  VariableState,
  repoKey,
  type RefState,
  type RepoState,
  type RepoSummary,
} from '../../../shared/domain/forge-state';
import { BulkheadError, cancelledError } from '../../../shared/ipc/errors';
import { materialiseRepo, readJsonObject } from '../catalog/catalog-reader';
import type { CatalogReadStore } from '../catalog/catalog-types';
import { mapLimit, reasonOf } from '../catalog/catalog-util';
import {
  cloneUrlOf,
  ensureMirror,
  fetchMirror,
  missingObjects,
} from '../catalog/producer/git-mirror';
import { gitAuthEnv } from '../catalog/producer/git-runner';
import type { GitHubAdapter } from '../github/github-adapter';
import { touchCacheEntry } from './diff-cache';

/**
 * The diff's inputs, gathered: a snapshot's state, live state, and git objects of both.
 *
 * The pure diff (`shared/diff`) compares `RepoState` values and asks git questions by
 * object id; this module is everything before that. The snapshot side reads the
 * catalog's JSON objects (each checked against its content address by the reader). The
 * live side reads through the GitHub adapter, the client the snapshot producer and the
 * restore use, so live and snapshot describe the same fields the same way. Git objects
 * of both sides meet in one bare repository per repository: the snapshot's objects come
 * from the materialised (cached) snapshot repository through `objects/info/alternates`,
 * and the live objects from a native `git fetch` into it, which transfers only what the
 * snapshot does not already hold.
 */

/** The parts of a repository that may be missing from one side: not captured, not readable. */
export type Part = 'variables' | 'secrets' | 'environments';

/** Where a side could not see a part: `owner/name` to the parts it lacks. */
export type Gaps = Map<string, Set<Part>>;

/** One side of the comparison. */
export interface SideStates {
  readonly states: RepoState[];
  readonly gaps: Gaps;
  /** Things the user should know (a part not captured, not readable). */
  readonly notes: string[];
}

export interface StepProgress {
  readonly signal: AbortSignal;
  /** `done` of `total` repositories, with what is being read. */
  readonly report: (done: number, total: number, message: string) => void;
}

const jsonReadConcurrency = 16;

/**
 * The repositories of a snapshot as `RepoState`s: every pull request, variable, secret and
 * environment the snapshot recorded, read and checked object by object.
 *
 * A part the snapshot did not capture (null in the manifest: the token could not read it)
 * is an empty list and a gap, so the caller can leave it out of the comparison rather
 * than report everything live as created.
 */
export async function readSnapshotStates(
  store: CatalogReadStore,
  manifest: SnapshotManifest,
  progress: StepProgress,
  only?: ReadonlySet<string>,
): Promise<SideStates> {
  const { signal } = progress;
  const entries = manifest.repos.filter((r) => !only || only.has(repoKey(r.summary)));
  const gaps: Gaps = new Map();
  const notes: string[] = [];
  let done = 0;
  const states = await mapLimit(entries, 4, async (entry) => {
    if (signal.aborted) throw cancelledError('the diff');
    const key = repoKey(entry.summary);
    const state = await readSnapshotRepo(store, manifest, entry, signal);
    for (const part of ['variables', 'secrets', 'environments'] as const) {
      if (entry[part] === null) {
        addGap(gaps, key, part);
        notes.push(`${key}: snapshot ${manifest.seq} did not capture its ${part}`);
      }
    }
    progress.report(++done, entries.length, `${key}: snapshot read`);
    return state;
  });
  return { states: sortStates(states), gaps, notes };
}

/** One repository of a snapshot as a `RepoState`; errors name the repository and the object. */
export async function readSnapshotRepo(
  store: CatalogReadStore,
  manifest: SnapshotManifest,
  entry: RepoEntry,
  signal?: AbortSignal,
): Promise<RepoState> {
  const key = repoKey(entry.summary);
  const step = async <T>(what: string, read: () => Promise<T>): Promise<T> => {
    try {
      return await read();
    } catch (error: unknown) {
      if (signal?.aborted) throw cancelledError('the diff');
      throw new BulkheadError(
        'bad_request',
        `${key}: reading its ${what} from snapshot ${manifest.seq}: ${reasonOf(error)}`,
      );
    }
  };
  const pulls = await mapLimit(entry.pulls, jsonReadConcurrency, (pull) =>
    step(`pull request #${pull.number}`, () =>
      readJsonObject(store, pull.object, PullRequestState, signal),
    ),
  );
  const variablesId = entry.variables;
  const secretsId = entry.secrets;
  const environmentsId = entry.environments;
  const [variables, secrets, environments] = await Promise.all([
    variablesId === null
      ? []
      : step('variables', () => readJsonObject(store, variablesId, VariableState.array(), signal)),
    secretsId === null
      ? []
      : step('secrets', () => readJsonObject(store, secretsId, SecretMeta.array(), signal)),
    environmentsId === null
      ? []
      : step('environments', () =>
          readJsonObject(store, environmentsId, EnvironmentState.array(), signal),
        ),
  ]);
  return {
    ...entry.summary,
    refs: [...entry.refs],
    pulls: pulls.sort((a, b) => a.number - b.number),
    variables,
    secrets,
    environments,
  };
}

/** How many repositories the live read works on at once. */
const liveRepoConcurrency = 8;

/**
 * The owner's repositories as they are now, read through the GitHub adapter.
 *
 * Refs and pull requests must be readable (a diff without them would be a lie); Actions
 * variables, secrets and environments need more than read access on GitHub, so a token
 * refused them yields a gap and a note, as `bulkhead snapshot` does, not a failure.
 */
export async function readLiveStates(
  adapter: GitHubAdapter,
  owner: string,
  progress: StepProgress,
  only?: ReadonlySet<string>,
): Promise<SideStates> {
  const { signal } = progress;
  const listed = await adapter.listRepos(owner);
  const summaries = listed.filter((r) => !only || only.has(repoKey(r)));
  const gaps: Gaps = new Map();
  const notes: string[] = [];
  let done = 0;
  const states = await mapLimit(summaries, liveRepoConcurrency, async (summary) => {
    if (signal.aborted) throw cancelledError('the diff');
    const state = await readLiveRepo(adapter, summary, gaps, notes);
    progress.report(++done, summaries.length, `${repoKey(summary)}: live state read`);
    return state;
  });
  return { states: sortStates(states), gaps, notes };
}

async function readLiveRepo(
  adapter: GitHubAdapter,
  summary: RepoSummary,
  gaps: Gaps,
  notes: string[],
): Promise<RepoState> {
  const { owner, name } = summary;
  const key = repoKey(summary);
  const scope = { owner, repo: name };
  const optional = async <T>(part: Part, read: () => Promise<T[]>): Promise<T[]> => {
    try {
      return await read();
    } catch (error: unknown) {
      if (
        error instanceof BulkheadError &&
        (error.code === 'forbidden' || error.code === 'not_found')
      ) {
        addGap(gaps, key, part);
        notes.push(`${key}: its live ${part} could not be read: ${error.message}`);
        return [];
      }
      throw error;
    }
  };
  const [refs, pulls, variables, secrets, environments] = await Promise.all([
    adapter.listRefs(owner, name),
    adapter.listPulls(owner, name),
    optional('variables', () => adapter.listVariables(scope)),
    optional('secrets', () => adapter.listSecrets(scope)),
    optional('environments', () => adapter.readEnvironments(owner, name)),
  ]);
  return { ...summary, refs, pulls, variables, secrets, environments };
}

/**
 * Makes both sides blind where either is: a part one side lacks is copied from the other.
 *
 * A snapshot taken with a token that could not read variables says nothing about them;
 * comparing its empty list with the live one would report every variable as created.
 */
export function coverGaps(
  baseline: RepoState[],
  current: RepoState[],
  gaps: ReadonlyArray<Gaps>,
): { baseline: RepoState[]; current: RepoState[] } {
  const blind = new Map<string, Set<Part>>();
  for (const side of gaps) {
    for (const [key, parts] of side) {
      for (const part of parts) addGap(blind, key, part);
    }
  }
  if (blind.size === 0) return { baseline, current };
  const byKey = (states: RepoState[]) => new Map(states.map((s) => [repoKey(s), s]));
  const base = byKey(baseline);
  const live = byKey(current);
  const patch = (states: RepoState[], other: Map<string, RepoState>) =>
    states.map((state) => {
      const parts = blind.get(repoKey(state));
      const peer = other.get(repoKey(state));
      if (!parts || !peer) return state;
      let next = state;
      for (const part of parts) next = { ...next, [part]: peer[part] };
      return next;
    });
  // The live side takes the snapshot's lists where the snapshot could see (and vice versa).
  return { baseline: patch(baseline, live), current: patch(current, base) };
}

// ---- git ------------------------------------------------------------------------------

/** What the diff needs of one repository's git data. */
export interface RepoGitNeed {
  readonly owner: string;
  readonly name: string;
  /** The snapshot whose objects are the baseline (per-resource baselines may differ). */
  readonly manifest: SnapshotManifest | null;
  /** Whether the repository exists live (a deleted one has nothing to fetch). */
  readonly live: boolean;
  /** The live refs the fetch must bring; checked after it. */
  readonly liveRefs: ReadonlyArray<RefState>;
}

export interface PrepareGitOptions {
  readonly store: CatalogReadStore;
  /** Where materialised snapshot repositories and the diff's repositories are kept. */
  readonly cacheDir: string;
  /** Where clone URLs hang off (`gitWebRootOf(apiUrl)`). */
  readonly webRoot: string;
  /** The read-only token; travels to git in its environment only. */
  readonly token: string;
  readonly progress: StepProgress;
}

/** How many repositories are prepared at once (each is one or two git children). */
const gitConcurrency = 4;

/** Repositories being prepared, so two diffs of one repository wait for each other. */
const preparing = new Map<string, Promise<unknown>>();

/**
 * Per repository, a bare repository holding both the snapshot's and the live git objects.
 *
 * Answers `owner/name` to the folder. The folder is kept under `cacheDir` and reused: it
 * borrows the materialised snapshot repository's objects (alternates) and each diff
 * fetches the live branches and tags into it again (pruning what the remote deleted), so
 * only objects new since the snapshot travel. Errors name the repository and the step.
 */
export async function prepareGitRepos(
  needs: ReadonlyArray<RepoGitNeed>,
  options: PrepareGitOptions,
): Promise<Map<string, string>> {
  const { progress } = options;
  const dirs = new Map<string, string>();
  let done = 0;
  await mapLimit(needs, gitConcurrency, async (need) => {
    const key = `${need.owner}/${need.name}`;
    const dir = await prepareOne(need, options);
    dirs.set(key, dir);
    progress.report(++done, needs.length, `${key}: git objects ready`);
  });
  return dirs;
}

async function prepareOne(need: RepoGitNeed, options: PrepareGitOptions): Promise<string> {
  const { signal } = options.progress;
  const key = `${need.owner}/${need.name}`;
  const stepOf =
    (what: string) =>
    async <T>(run: () => Promise<T>): Promise<T> => {
      if (signal.aborted) throw cancelledError('the diff');
      try {
        return await run();
      } catch (error: unknown) {
        if (signal.aborted) throw cancelledError('the diff');
        if (error instanceof BulkheadError) {
          throw new BulkheadError(error.code, `${key}: ${what}: ${error.message}`);
        }
        throw new BulkheadError('unavailable', `${key}: ${what}: ${reasonOf(error)}`);
      }
    };

  let baseDir: string | null = null;
  const manifest = need.manifest;
  if (manifest !== null) {
    const entry = manifest.repos.find((r) => repoKey(r.summary) === key);
    if (entry && entry.refs.length > 0) {
      baseDir = await stepOf(`unpacking its git data from snapshot ${manifest.seq}`)(() =>
        materialiseRepo(
          options.store,
          manifest,
          need.owner,
          need.name,
          path.join(options.cacheDir, 'snapshots'),
          { signal, report: () => undefined },
        ),
      );
    }
  }
  const dir = workDirOf(options.cacheDir, need.owner, need.name, baseDir);
  const now = Date.now();
  if (baseDir !== null) await touchCacheEntry(baseDir, now);
  const previous = preparing.get(dir) ?? Promise.resolve();
  const run = previous
    .catch(() => undefined)
    .then(async () => {
      await stepOf('preparing the diff repository')(async () => {
        await ensureMirror(dir, signal);
        const alternates = baseDir === null ? '' : `${path.resolve(baseDir, 'objects')}\n`;
        await writeFile(path.join(dir, 'objects', 'info', 'alternates'), alternates);
      });
      await touchCacheEntry(dir, now);
      if (!need.live || need.liveRefs.length === 0) return dir;
      const url = cloneUrlOf(options.webRoot, need.owner, need.name);
      // SECURITY: the token reaches git through its environment only (see gitAuthEnv).
      const env = gitAuthEnv(options.webRoot, options.token);
      await stepOf('fetching its live refs')(() => fetchMirror(dir, url, env, signal));
      const missing = await stepOf('checking the fetched objects')(() =>
        missingObjects(
          dir,
          need.liveRefs.map((r) => r.sha),
          signal,
        ),
      );
      if (missing.size > 0) {
        const names = need.liveRefs.filter((r) => missing.has(r.sha)).map((r) => r.name);
        throw new BulkheadError(
          'unavailable',
          `${key}: fetching its live refs: ${names.join(', ')} moved while being read; run the diff again`,
        );
      }
      return dir;
    });
  preparing.set(dir, run);
  try {
    return await run;
  } finally {
    if (preparing.get(dir) === run) preparing.delete(dir);
  }
}

/** The diff repository's folder: one per repository and baseline. */
function workDirOf(cacheDir: string, owner: string, name: string, baseDir: string | null): string {
  const safe = `${owner}/${name}`.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
  const tag = createHash('sha256')
    .update(baseDir ?? '(no baseline objects)')
    .digest('hex')
    .slice(0, 16);
  return path.join(cacheDir, 'work', `${safe}-${tag}.git`);
}

function addGap(gaps: Gaps, key: string, part: Part): void {
  let parts = gaps.get(key);
  if (!parts) {
    parts = new Set();
    gaps.set(key, parts);
  }
  parts.add(part);
}

function sortStates(states: RepoState[]): RepoState[] {
  return states.sort((a, b) => {
    const ka = repoKey(a);
    const kb = repoKey(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}
