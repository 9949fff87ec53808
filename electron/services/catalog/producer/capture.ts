import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  canonicalBytes,
  type ContentId,
  type ObjectEntry,
  type ObjectKind,
  type RepoEntry,
  type SnapshotManifest,
  type SnapshotSource,
} from '../../../../shared/catalog/catalog-format';
import { repoKey, type RefState, type RepoSummary } from '../../../../shared/domain/forge-state';
import { BulkheadError, cancelledError } from '../../../../shared/ipc/errors';
import type { GitHubAdapter } from '../../github/github-adapter';
import type { Progress } from '../catalog-types';
import { gitAuthEnv } from './git-runner';
import {
  cloneUrlOf,
  createBundle,
  ensureMirror,
  fetchMirror,
  gitWebRootOf,
  missingObjects,
  mirrorDirOf,
  readMirrorRefs,
  unbundleInto,
} from './git-mirror';
import { sealSecretValues, type SecretValuesFile } from './secret-values';

/**
 * Reads one owner's repositories from a GitHub-compatible API and its git remotes into
 * catalog objects.
 *
 * Streaming: each object is put as soon as it exists (`sink`), and only the repository
 * entries and the object list come back, for the caller to put as the manifest last.
 * A crash therefore leaves at worst unreferenced objects, never a manifest that points
 * at a missing one. Incremental against the previous snapshot: git data goes into one new
 * bundle holding only what that snapshot's refs did not reach, and JSON objects are
 * content-addressed, so an unchanged pull request or variable set is 'existed', not new.
 */

/** What putting one object did: its entry, and whether the store already had it. */
export interface PutOutcome {
  readonly entry: ObjectEntry;
  readonly outcome: 'written' | 'existed';
}

/** Where captured objects go: the catalog's write store, through the core's `putObject`. */
export interface ObjectSink {
  put(
    content: { readonly bytes: Uint8Array } | { readonly path: string },
    kind: ObjectKind,
    signal?: AbortSignal,
  ): Promise<PutOutcome>;
}

export interface CaptureOptions {
  readonly adapter: GitHubAdapter;
  readonly gitAuth: { readonly token: string };
  /** Where clone URLs hang off; derived from the adapter's API URL when absent. */
  readonly gitWebRoot?: string;
  readonly owner: string;
  /** Repository names; every repository of the owner when absent or empty. */
  readonly repos?: ReadonlyArray<string>;
  /** A cache folder: one bare mirror per repository, and scratch space. */
  readonly workDir: string;
  /** The catalog's newest snapshot: what the new bundles exclude, and earlier object ids. */
  readonly previous: SnapshotManifest | null;
  /**
   * Copies an earlier object (a bundle) from the catalog into a file. Used to warm a cold
   * mirror, so a lost cache still yields a small incremental bundle.
   */
  readonly readEarlierObject?: (id: ContentId, file: string, signal: AbortSignal) => Promise<void>;
  readonly sink: ObjectSink;
  /** Secret values to seal, as parsed by `loadSecretValuesFile`. */
  readonly secretValues?: SecretValuesFile | null;
  /** The restore public key (base64 raw X25519); required with `secretValues`. */
  readonly restorePublicKey?: string | null;
  readonly progress: Progress;
}

export interface CaptureResult {
  readonly source: SnapshotSource;
  /** The repository entries for the manifest, sorted by name. */
  readonly repos: ReadonlyArray<RepoEntry>;
  /** Every object the snapshot needs, earlier ones included, sorted by id. */
  readonly objects: ReadonlyArray<ObjectEntry>;
  /** Objects this capture wrote (the rest were already in the catalog). */
  readonly written: ReadonlyArray<ObjectEntry>;
  /** Things the user should know: scopes the token could not read, refs that moved. */
  readonly notes: ReadonlyArray<string>;
}

/** Per repository: git, pull requests, variables and secrets, environments, secret values. */
const stepsPerRepo = 5;
/** How often the API and a fetch are retried when the remote moves between them. */
const refAttempts = 3;

/** Captures the owner's repositories; objects are put as they are made. */
export async function captureSnapshot(options: CaptureOptions): Promise<CaptureResult> {
  const { adapter, owner, progress } = options;
  const signal = progress.signal;
  if (options.secretValues && !options.restorePublicKey) {
    throw new BulkheadError('bad_request', 'secret values need a restore public key to seal to');
  }
  const identity = await adapter.whoami();
  const summaries = await selectRepos(adapter, owner, options.repos ?? []);
  const webRoot = options.gitWebRoot ?? gitWebRootOf(adapter.baseUrl);
  const scratchDir = path.join(options.workDir, 'tmp');
  await mkdir(scratchDir, { recursive: true });

  const objects = new Map<ContentId, ObjectEntry>();
  const written: ObjectEntry[] = [];
  const notes: string[] = [];
  const total = summaries.length * stepsPerRepo;
  let done = 0;
  const step = (message: string) => {
    if (signal.aborted) throw cancelledError('the snapshot');
    progress.report(done, total, message);
  };
  const put = async (
    content: { readonly bytes: Uint8Array } | { readonly path: string },
    kind: ObjectKind,
  ): Promise<ObjectEntry> => {
    const result = await options.sink.put(content, kind, signal);
    objects.set(result.entry.id, result.entry);
    if (result.outcome === 'written') written.push(result.entry);
    return result.entry;
  };
  const putJson = (value: unknown, kind: ObjectKind) => put({ bytes: canonicalBytes(value) }, kind);
  /** The previous manifest's entry for an object this snapshot keeps without putting it. */
  const reuse = (id: ContentId): void => {
    const entry = options.previous?.objects.find((candidate) => candidate.id === id);
    if (!entry) {
      throw new BulkheadError(
        'bad_request',
        `the previous snapshot names ${id} in a repository but not in its object list`,
      );
    }
    objects.set(id, entry);
  };

  const repos: RepoEntry[] = [];
  for (const summary of summaries) {
    const key = repoKey(summary);
    const previous =
      options.previous?.repos.find((entry) => repoKey(entry.summary) === key) ?? null;

    step(`${key}: git`);
    const gitData = await captureGit({
      options,
      summary,
      webRoot,
      scratchDir,
      previous,
      put,
      reuse,
      notes,
    });
    done++;

    step(`${key}: pull requests`);
    const pulls = await adapter.listPulls(owner, summary.name);
    const pullEntries: Array<{ number: number; object: ContentId }> = [];
    for (const pull of pulls) {
      pullEntries.push({ number: pull.number, object: (await putJson(pull, 'pull')).id });
    }
    done++;

    step(`${key}: variables and secrets`);
    const scope = { owner, repo: summary.name };
    const variables = await readable(notes, `variables of ${key}`, () =>
      adapter.listVariables(scope),
    );
    const secrets = await readable(notes, `secrets of ${key}`, () => adapter.listSecrets(scope));
    const variablesId = variables === null ? null : (await putJson(variables, 'variables')).id;
    const secretsId = secrets === null ? null : (await putJson(secrets, 'secrets')).id;
    done++;

    step(`${key}: environments`);
    const environments = await readable(notes, `environments of ${key}`, () =>
      adapter.readEnvironments(owner, summary.name),
    );
    const environmentsId =
      environments === null ? null : (await putJson(environments, 'environments')).id;
    done++;

    step(`${key}: secret values`);
    let secretValuesId: ContentId | null = null;
    const supplied = options.secretValues?.[key];
    if (supplied && options.restorePublicKey) {
      const sealed = await sealSecretValues(supplied, options.restorePublicKey);
      secretValuesId = (await putJson(sealed, 'secret-values')).id;
      const unknown = unlistedSecretNames(supplied, secrets, environments);
      if (unknown.length > 0) {
        notes.push(
          `${key}: the secret values file names secrets the provider does not list: ${unknown.join(', ')}`,
        );
      }
    }
    done++;

    repos.push({
      summary,
      refs: gitData.refs,
      git: { bundles: gitData.bundles },
      pulls: pullEntries,
      variables: variablesId,
      secrets: secretsId,
      environments: environmentsId,
      secretValues: secretValuesId,
    });
  }
  progress.report(done, total, 'captured');

  const captured = new Set(repos.map((entry) => repoKey(entry.summary)));
  for (const named of Object.keys(options.secretValues ?? {})) {
    if (!captured.has(named)) {
      notes.push(`the secret values file names ${named}, which this snapshot does not cover`);
    }
  }
  return {
    source: { kind: 'github', apiUrl: adapter.baseUrl, readBy: identity.login },
    repos,
    objects: [...objects.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    written,
    notes,
  };
}

/** The repositories to capture: the named ones (each must exist), or all of the owner's. */
async function selectRepos(
  adapter: GitHubAdapter,
  owner: string,
  names: ReadonlyArray<string>,
): Promise<RepoSummary[]> {
  if (names.length === 0) {
    const all = await adapter.listRepos(owner);
    return all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  const found: RepoSummary[] = [];
  for (const name of [...new Set(names)].sort()) {
    const summary = await adapter.getRepo(owner, name);
    if (summary === null) {
      throw new BulkheadError(
        'not_found',
        `${owner}/${name} does not exist, or the token cannot see it`,
      );
    }
    found.push(summary);
  }
  return found;
}

/**
 * Reads a part of a repository the token may not be allowed to read.
 *
 * Actions variables and secrets need more than read access on GitHub; a token without it
 * still yields a snapshot of the rest, with the gap recorded as null and said in a note
 * rather than silently left out.
 */
async function readable<T>(
  notes: string[],
  what: string,
  read: () => Promise<T>,
): Promise<T | null> {
  try {
    return await read();
  } catch (error: unknown) {
    if (
      error instanceof BulkheadError &&
      (error.code === 'forbidden' || error.code === 'not_found')
    ) {
      notes.push(`${what} were not captured: ${error.message}`);
      return null;
    }
    throw error;
  }
}

interface GitCapture {
  readonly options: CaptureOptions;
  readonly summary: RepoSummary;
  readonly webRoot: string;
  readonly scratchDir: string;
  readonly previous: RepoEntry | null;
  readonly put: (content: { readonly path: string }, kind: ObjectKind) => Promise<ObjectEntry>;
  readonly reuse: (id: ContentId) => void;
  readonly notes: string[];
}

/**
 * A repository's refs, as the API reports them, and the bundles that hold them.
 *
 * The refs come from the API and the objects from a fetch that follows it; when the
 * remote moves in between (the mirror lacks a reported commit), both are read again, and
 * after three tries the capture fails naming the ref rather than record a ref whose
 * objects it does not hold.
 */
async function captureGit(capture: GitCapture): Promise<{
  readonly refs: RefState[];
  readonly bundles: ContentId[];
}> {
  const { options, summary, previous, notes } = capture;
  const signal = options.progress.signal;
  const key = repoKey(summary);
  const mirror = mirrorDirOf(options.workDir, summary.owner, summary.name);
  await ensureMirror(mirror, signal);
  const url = cloneUrlOf(capture.webRoot, summary.owner, summary.name);
  const authEnv = gitAuthEnv(capture.webRoot, options.gitAuth.token);

  let refs: RefState[] = [];
  for (let attempt = 1; ; attempt++) {
    refs = await options.adapter.listRefs(summary.owner, summary.name);
    if (refs.length === 0) return { refs, bundles: [] };
    await fetchMirror(mirror, url, authEnv, signal);
    const missing = await missingObjects(
      mirror,
      refs.map((ref) => ref.sha),
      signal,
    );
    if (missing.size === 0) break;
    if (attempt >= refAttempts) {
      const names = refs.filter((ref) => missing.has(ref.sha)).map((ref) => ref.name);
      throw new BulkheadError(
        'unavailable',
        `${key}: ${names.join(', ')} kept moving while being read (the API and git disagreed ${refAttempts} times); try again`,
      );
    }
  }
  const fetched = await readMirrorRefs(mirror, signal);
  if (!sameRefs(fetched, refs)) {
    notes.push(
      `${key}: refs moved while the snapshot was taken; recorded as the API reported them`,
    );
  }

  const earlierBundles = previous?.git.bundles ?? [];
  let exclude: string[] = [];
  if (previous !== null && earlierBundles.length > 0) {
    const wanted = previous.refs.map((ref) => ref.sha);
    let missing = await missingObjects(mirror, wanted, signal);
    if (missing.size > 0 && options.readEarlierObject) {
      await warmMirror(mirror, earlierBundles, capture.scratchDir, options, signal);
      missing = await missingObjects(mirror, wanted, signal);
    }
    exclude = [...new Set(wanted.filter((sha) => !missing.has(sha)))];
  }

  const bundleFile = path.join(
    capture.scratchDir,
    `${summary.owner}-${summary.name}-${process.pid}-${Date.now()}.bundle`,
  );
  try {
    const made = await createBundle({
      mirrorDir: mirror,
      refs,
      exclude,
      outFile: bundleFile,
      scratchDir: capture.scratchDir,
      signal,
    });
    if (made.outcome === 'nothing-new') {
      for (const id of earlierBundles) capture.reuse(id);
      return { refs, bundles: [...earlierBundles] };
    }
    const entry = await capture.put({ path: bundleFile }, 'git-bundle');
    if (exclude.length === 0) return { refs, bundles: [entry.id] };
    for (const id of earlierBundles) capture.reuse(id);
    return {
      refs,
      bundles: earlierBundles.includes(entry.id)
        ? [...earlierBundles]
        : [...earlierBundles, entry.id],
    };
  } finally {
    await rm(bundleFile, { force: true });
  }
}

/** Adds the catalog's earlier bundles to a mirror that lost (or never had) their objects. */
async function warmMirror(
  mirror: string,
  bundles: ReadonlyArray<ContentId>,
  scratchDir: string,
  options: CaptureOptions,
  signal: AbortSignal,
): Promise<void> {
  const read = options.readEarlierObject;
  if (!read) return;
  for (const id of bundles) {
    const file = path.join(scratchDir, `earlier-${id.slice('sha256:'.length, 24)}.bundle`);
    try {
      await read(id, file, signal);
      await unbundleInto(mirror, file, signal);
    } finally {
      await rm(file, { force: true });
    }
  }
}

function sameRefs(a: ReadonlyArray<RefState>, b: ReadonlyArray<RefState>): boolean {
  if (a.length !== b.length) return false;
  const byName = new Map(b.map((ref) => [ref.name, ref.sha]));
  return a.every((ref) => byName.get(ref.name) === ref.sha);
}

/** Secret names the values file supplies that the provider does not list; names only. */
function unlistedSecretNames(
  supplied: SecretValuesFile[string],
  secrets: ReadonlyArray<{ readonly name: string }> | null,
  environments: ReadonlyArray<{
    readonly name: string;
    readonly secrets: ReadonlyArray<{ readonly name: string }>;
  }> | null,
): string[] {
  const unknown: string[] = [];
  if (secrets !== null) {
    const listed = new Set(secrets.map((secret) => secret.name));
    for (const name of Object.keys(supplied.repository)) {
      if (!listed.has(name)) unknown.push(name);
    }
  }
  if (environments !== null) {
    for (const [env, values] of Object.entries(supplied.environments)) {
      const listed = new Set(
        environments.find((e) => e.name === env)?.secrets.map((secret) => secret.name) ?? [],
      );
      for (const name of Object.keys(values)) {
        if (!listed.has(name)) unknown.push(`${name} (${env})`);
      }
    }
  }
  return unknown.sort();
}
