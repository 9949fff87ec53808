import fs from 'node:fs';
import git from 'isomorphic-git';
import { SealedSecretValues, type SnapshotManifest } from '../../../shared/catalog/catalog-format';
import type { ConfigStoreState } from '../../../shared/diff/config-diff';
import type { RepoState } from '../../../shared/domain/forge-state';
import { repoKey } from '../../../shared/domain/forge-state';
import { BulkheadError } from '../../../shared/ipc/errors';
import type { ActionsScope } from '../../../shared/restore/plan-model';
import { loadRestoreKey, openSealed, type RestoreKey } from '../catalog/catalog-keys';
import { materialiseRepo, readJsonObject } from '../catalog/catalog-reader';
import type { CatalogReadStore } from '../catalog/catalog-types';
import type { SecretValuesFile } from '../catalog/producer/secret-values';
import { readSnapshotConfigStores } from '../config/config-stores';
import { readSnapshotStates } from '../diff/diff-gather';

/**
 * What a restore reads from the snapshot, in the main process only.
 *
 * The plan names values by digest; the executor asks this for the value itself right
 * before it writes it, so values never cross to the page or into the journal.
 */
export interface SnapshotSource {
  /** A bare repository holding the snapshot's git data for `owner/name`. */
  gitDir(repo: string, signal?: AbortSignal): Promise<string>;
  /** Whether the snapshot's git data holds this object. */
  hasObject(repo: string, sha: string): Promise<boolean>;
  /** A variable's value as the snapshot recorded it; null when it has none. */
  variableValue(repo: string, scope: ActionsScope, name: string): string | null;
  /**
   * A secret's value: supplied now, or opened from the catalog's sealed value with the
   * restore key; null when neither has it.
   */
  secretValue(repo: string, scope: ActionsScope, name: string): Promise<string | null>;
  /** The snapshot's state of a repository (values included: main process only). */
  state(repo: string): RepoState | null;
  /**
   * A config store key's value as the snapshot recorded it (the manifest's
   * `configStores`); null when the snapshot has no such store or key, and the
   * `put-config-key` is then skipped.
   */
  configValue?(store: string, key: string): string | null;
}

/** What {@link catalogSnapshotSource} reads from. */
export interface CatalogSourceOptions {
  readonly store: CatalogReadStore;
  readonly manifest: SnapshotManifest;
  /** Materialised repositories are cached here, keyed by their bundles and refs. */
  readonly cacheDir: string;
  /** The restore private key file (`restore-key.json`), to open sealed secret values. */
  readonly restoreKeyFile?: string | null;
  /** Secret values supplied now (the snapshot producer's file format). */
  readonly suppliedSecrets?: SecretValuesFile | null;
  readonly signal?: AbortSignal;
}

/**
 * A snapshot of a catalog as a restore's source.
 *
 * Reads every repository's state once (the diff's reader: objects checked against their
 * content ids), and materialises git data on first need.
 */
export async function catalogSnapshotSource(options: CatalogSourceOptions): Promise<
  SnapshotSource & {
    readonly states: ReadonlyArray<RepoState>;
    /** The snapshot's config stores with values: what the planner's `configBaseline` takes. */
    readonly configStates: ReadonlyArray<ConfigStoreState>;
  }
> {
  const signal = options.signal ?? new AbortController().signal;
  const side = await readSnapshotStates(options.store, options.manifest, {
    signal,
    report: () => undefined,
  });
  const states = new Map(side.states.map((s) => [repoKey(s), s]));
  const configStates = (
    await readSnapshotConfigStores(options.store, options.manifest, signal)
  ).map((c) => c.state);
  const configValues = new Map(
    configStates.map((c) => [c.name, new Map(c.keys.map((k) => [k.key, k.value]))]),
  );
  const dirs = new Map<string, Promise<string>>();
  const sealed = new Map<string, Promise<SealedSecretValues | null>>();
  let restoreKey: Promise<RestoreKey> | null = null;

  const gitDir = (repo: string, s?: AbortSignal) => {
    let dir = dirs.get(repo);
    if (!dir) {
      const [owner = '', name = ''] = repo.split('/');
      dir = materialiseRepo(options.store, options.manifest, owner, name, options.cacheDir, {
        signal: s ?? signal,
        report: () => undefined,
      });
      dir.catch(() => dirs.delete(repo));
      dirs.set(repo, dir);
    }
    return dir;
  };

  const sealedOf = (repo: string) => {
    let found = sealed.get(repo);
    if (!found) {
      const entry = options.manifest.repos.find((r) => repoKey(r.summary) === repo);
      const id = entry?.secretValues ?? null;
      found =
        id === null ? Promise.resolve(null) : readJsonObject(options.store, id, SealedSecretValues);
      sealed.set(repo, found);
    }
    return found;
  };

  return {
    states: side.states,
    configStates,
    gitDir,
    async hasObject(repo, sha) {
      try {
        await git.readObject({ fs, gitdir: await gitDir(repo), oid: sha, format: 'deflated' });
        return true;
      } catch {
        return false;
      }
    },
    variableValue(repo, scope, name) {
      const state = states.get(repo);
      if (!state) return null;
      const list =
        scope.kind === 'repository'
          ? state.variables
          : (state.environments.find((e) => e.name.toLowerCase() === scope.name.toLowerCase())
              ?.variables ?? []);
      return list.find((v) => v.name === name)?.value ?? null;
    },
    // SECURITY: secret values. Opened here, handed to the caller about to set them, and
    // never logged, put in an error or returned anywhere else.
    async secretValue(repo, scope, name) {
      const supplied = options.suppliedSecrets?.[repo];
      const given =
        scope.kind === 'repository'
          ? supplied?.repository[name]
          : supplied?.environments[scope.name]?.[name];
      if (given !== undefined) return given;
      const values = await sealedOf(repo);
      const box =
        scope.kind === 'repository'
          ? values?.repository[name]
          : values?.environments[scope.name]?.[name];
      if (box === undefined) return null;
      if (!options.restoreKeyFile) {
        throw new BulkheadError(
          'bad_request',
          `secret ${name} of ${repo}: the catalog holds its sealed value, but no restore key file was given to open it`,
        );
      }
      restoreKey ??= loadRestoreKey(options.restoreKeyFile);
      const opened = await openSealed(await restoreKey, box);
      return new TextDecoder().decode(opened);
    },
    // SECURITY: end of secret values.
    configValue(store, key) {
      return configValues.get(store)?.get(key) ?? null;
    },
    state(repo) {
      return states.get(repo) ?? null;
    },
  };
}

/**
 * The secret resource keys whose values a restore could set: sealed in the snapshot, or
 * supplied now. What the planner's `secretValues` takes.
 */
export async function secretAvailability(
  store: CatalogReadStore,
  manifest: SnapshotManifest,
  supplied: SecretValuesFile | null,
): Promise<{ readonly sealed: Set<string>; readonly supplied: Set<string> }> {
  const sealed = new Set<string>();
  const given = new Set<string>();
  const keyOf = (repo: string, env: string | null, name: string) =>
    env === null ? `${repo}:secret:${name}` : `${repo}:environment:${env}:secret:${name}`;
  for (const entry of manifest.repos) {
    const repo = repoKey(entry.summary);
    if (entry.secretValues !== null) {
      const values = await readJsonObject(store, entry.secretValues, SealedSecretValues);
      for (const name of Object.keys(values.repository)) sealed.add(keyOf(repo, null, name));
      for (const [env, map] of Object.entries(values.environments)) {
        for (const name of Object.keys(map)) sealed.add(keyOf(repo, env, name));
      }
    }
  }
  for (const [repo, values] of Object.entries(supplied ?? {})) {
    for (const name of Object.keys(values.repository)) given.add(keyOf(repo, null, name));
    for (const [env, map] of Object.entries(values.environments)) {
      for (const name of Object.keys(map)) given.add(keyOf(repo, env, name));
    }
  }
  return { sealed, supplied: given };
}
