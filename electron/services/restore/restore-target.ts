import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { BulkheadError } from '../../../shared/ipc/errors';
import type { ActionsScope, RestoreTarget } from '../../../shared/restore/plan-model';
import { cloneUrlOf } from '../catalog/producer/git-mirror';
import { createEtcdClient, type EtcdClient } from '../config/etcd-client';
import { pushWithPack } from './git-push';
import {
  createGitHubAdapter,
  type GitHubAdapter,
  type GitHubAdapterOptions,
} from '../github/github-adapter';

/**
 * The restore credentials: an API token and a git token for one target.
 *
 * The credential vault leases them for one approved plan (another module); until then the
 * command line reads them from the environment. Held in memory by the executor only.
 */
export interface RestoreCredentials {
  readonly github: { readonly apiUrl: string; readonly token: string };
  readonly git: { readonly username: string; readonly token: string };
  /** Per config store a plan's `put-config-key` names: its etcd endpoint and user. */
  readonly etcd?: Readonly<
    Record<
      string,
      { readonly endpoint: string; readonly user?: string; readonly password?: string }
    >
  >;
}

/** How the executor talks to a target: spacing of writes and calls in flight. */
export interface TargetOptions {
  /** Least gap between writes, ms: GitHub asks 1000; the sandbox forge needs 0. */
  readonly writeSpacingMs?: number;
  /** Least gap between calls that notify people (comments), ms: GitHub asks 3000. */
  readonly contentSpacingMs?: number;
  /** Operations run at once (default 16: writes still go one at a time, and reads keep the queue full); each repository's pushes still run one by one. */
  readonly concurrency?: number;
  /** Extra adapter options (tests install OpenAPI validation through `instrument`). */
  readonly adapterOptions?: Partial<Omit<GitHubAdapterOptions, 'baseUrl' | 'token'>>;
}

/** A connection to the target: the adapter, and git over smart HTTP. */
export interface TargetConnection {
  readonly adapter: GitHubAdapter;
  /**
   * The same API for the calls that create something new (a repository, a PR, a
   * comment), with no retry: a POST that reached the provider but whose answer was lost
   * would be created twice by a blind retry. The executor retries the whole step
   * instead, and a step first looks for what it creates (by its marker).
   */
  readonly creates: GitHubAdapter;
  /** An etcd client for a config store with the credential's user; null when none given. */
  config(store: string): EtcdClient | null;
  /** The refs the git server advertises for a repository; empty when it does not exist. */
  remoteRefs(repo: string, signal?: AbortSignal): Promise<ReadonlyMap<string, string>>;
  /**
   * Pushes `sha` from a local bare repository to `targetRef`, sending only the objects the
   * remote lacks (smart HTTP through isomorphic-git's client; the pack by native git).
   */
  push(
    repo: string,
    gitdir: string,
    sha: string,
    targetRef: string,
    force: boolean,
    signal?: AbortSignal,
  ): Promise<void>;
}

/**
 * Connects to a target with the restore credentials only.
 *
 * SECURITY: the tokens go to the adapter (an Authorization header) and to
 * isomorphic-git's `onAuth` (Basic auth, to this target's git URL only); they are never
 * put in a URL, an argv, a message or the journal.
 */
export function connectTarget(
  target: RestoreTarget,
  credentials: RestoreCredentials,
  options: TargetOptions,
): TargetConnection {
  if (credentials.github.apiUrl.replace(/\/+$/, '') !== target.apiUrl.replace(/\/+$/, '')) {
    throw new BulkheadError(
      'bad_request',
      `the restore credential is for ${credentials.github.apiUrl}, not the plan's target ${target.apiUrl}`,
    );
  }
  const adapterOptions = {
    ...options.adapterOptions,
    baseUrl: target.apiUrl,
    token: credentials.github.token,
    writeSpacingMs: options.writeSpacingMs ?? 1000,
    contentSpacingMs: options.contentSpacingMs ?? 3000,
    concurrency: options.concurrency ?? 8,
  };
  const adapter = createGitHubAdapter(adapterOptions);
  const creates = createGitHubAdapter({ ...adapterOptions, maxRetries: 0 });
  const urlOf = (repo: string) => {
    const [owner = '', name = ''] = repo.split('/');
    return cloneUrlOf(target.gitUrl, owner, name);
  };
  // SECURITY: the git credential, handed to isomorphic-git for this target's URLs only.
  const onAuth = () => ({ username: credentials.git.username, password: credentials.git.token });
  const authorization = `Basic ${Buffer.from(`${credentials.git.username}:${credentials.git.token}`, 'utf8').toString('base64')}`;
  // SECURITY: end
  const configClients = new Map<string, EtcdClient>();
  return {
    adapter,
    creates,
    config(store) {
      const given = credentials.etcd?.[store];
      if (!given) return null;
      let client = configClients.get(store);
      if (!client) {
        // SECURITY: the etcd password goes to the client's login call only.
        client = createEtcdClient({
          endpoint: given.endpoint,
          ...(given.user !== undefined ? { user: given.user } : {}),
          ...(given.password !== undefined ? { password: given.password } : {}),
        });
        configClients.set(store, client);
      }
      return client;
    },
    async remoteRefs(repo, signal) {
      try {
        const refs = await git.listServerRefs({
          http,
          url: urlOf(repo),
          onAuth,
          protocolVersion: 1,
          forPush: true,
          ...(signal ? { signal } : {}),
        } as Parameters<typeof git.listServerRefs>[0]);
        return new Map(
          refs.filter((r) => r.ref.startsWith('refs/')).map((r) => [r.ref, r.oid] as const),
        );
      } catch (error: unknown) {
        if (httpStatusOf(error) === 404) return new Map();
        throw new BulkheadError(
          'unavailable',
          `list the refs of ${repo} at ${target.gitUrl}: ${reasonOf(error)}`,
        );
      }
    },
    async push(repo, gitdir, sha, targetRef, force, signal) {
      try {
        await pushWithPack({
          url: urlOf(repo),
          gitdir,
          sha,
          targetRef,
          force,
          authorization,
          ...(signal ? { signal } : {}),
        });
      } catch (error: unknown) {
        if (error instanceof BulkheadError) throw error;
        throw new BulkheadError(
          'unavailable',
          `push ${targetRef} to ${repo} at ${target.gitUrl}: ${reasonOf(error)}`,
        );
      }
    },
  };
}

function httpStatusOf(error: unknown): number | null {
  const data = (error as { data?: { statusCode?: unknown } } | null)?.data;
  return typeof data?.statusCode === 'number' ? data.statusCode : null;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `owner/name` split for the adapter's calls. */
export function split(repo: string): { owner: string; name: string } {
  const [owner = '', name = ''] = repo.split('/');
  return { owner, name };
}

/** An operation's Actions scope as the adapter's variable and secret calls take it. */
export function scopeOf(repo: string, scope: ActionsScope) {
  const { owner, name } = split(repo);
  return scope.kind === 'repository'
    ? { owner, repo: name }
    : { owner, repo: name, environment: scope.name };
}
