import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { RequestError } from '@octokit/request-error';
import Bottleneck from 'bottleneck';
import sodium from 'libsodium-wrappers';
import pLimit from 'p-limit';
import { BulkheadError, type ErrorCode } from '../../../shared/ipc/errors';
import type {
  CommentState,
  EnvironmentState,
  PullRequestState,
  RefState,
  RepoState,
  RepoSummary,
  ReviewCommentState,
  ReviewState,
  ReviewVerdict,
  SecretMeta,
  VariableState,
} from '../../../shared/domain/forge-state';
import {
  toComment,
  toPull,
  toRepoSummary,
  toReview,
  toReviewComment,
  toSecretMeta,
  toVariable,
  type ApiComment,
  type ApiPull,
  type ApiRepo,
  type ApiReview,
  type ApiReviewComment,
  type ApiSecret,
  type ApiVariable,
} from './github-mapping';

/**
 * Bulkhead's one client of a GitHub-compatible API: it reads live state and restores.
 *
 * The same code talks to github.com and to the sandbox forge (only `baseUrl` differs), so
 * what the tests prove against the forge holds for the real provider. Built on Octokit with
 * its retry plugin (5xx and dropped connections, with backoff) and its throttling plugin
 * (primary and secondary rate limits, honouring `Retry-After` and `X-RateLimit-Reset`),
 * rather than our own backoff. Every failure becomes a `BulkheadError` that names the call.
 */

const BulkheadOctokit = Octokit.plugin(retry, throttling);
type Client = InstanceType<typeof BulkheadOctokit>;
/** The client reads go through: retries, and rate limits handled by `waitOutRateLimits`. */
const ReadOctokit = Octokit.plugin(retry);

/** A rate limit a refusal announces, and how long to wait it out. */
interface RateLimitWait {
  readonly kind: 'rate-limit' | 'secondary-rate-limit';
  readonly seconds: number;
}

/**
 * The wait a 403 or 429 asks for, as GitHub documents it, or null for another refusal.
 *
 * A secondary limit says so in its message or gives `Retry-After` (60 s when it gives
 * neither number); an exhausted primary limit has `X-RateLimit-Remaining: 0` and its
 * reset time, plus a second so the retry lands after it.
 */
export function rateLimitWait(error: unknown, now: number): RateLimitWait | null {
  if (!(error instanceof RequestError) || (error.status !== 403 && error.status !== 429)) {
    return null;
  }
  const headers = error.response?.headers ?? {};
  const retryAfter = Number(headers['retry-after']);
  if (/\bsecondary rate\b/i.test(error.message) || (error.status === 429 && retryAfter > 0)) {
    return { kind: 'secondary-rate-limit', seconds: retryAfter > 0 ? retryAfter : 60 };
  }
  if (headers['x-ratelimit-remaining'] === '0') {
    const reset = Number(headers['x-ratelimit-reset']) * 1000;
    return { kind: 'rate-limit', seconds: Math.max(Math.ceil((reset - now) / 1000) + 1, 0) };
  }
  return null;
}

export interface GitHubAdapterOptions {
  /** `https://api.github.com`, a GitHub Enterprise `/api/v3`, or the sandbox forge's. */
  readonly baseUrl: string;
  readonly token: string;
  readonly userAgent?: string;
  /**
   * The least gap between two writes, in ms. GitHub asks integrators for one second
   * between mutating calls on github.com; the sandbox forge needs none.
   */
  readonly writeSpacingMs?: number;
  /**
   * The least gap between two calls that notify people (comments, reviews, review
   * requests), in ms. GitHub's guidance is three seconds; the sandbox forge needs none.
   */
  readonly contentSpacingMs?: number;
  /** How often one call is retried after a 5xx, a dropped connection or a rate limit. */
  readonly maxRetries?: number;
  /** Reads in flight at once when a call fans out (a PR's reviews and comments, repos). */
  readonly concurrency?: number;
  /** Told of every failed attempt and rate-limit wait, so a restore can report them. */
  readonly onRetry?: (event: RetryEvent) => void;
  /**
   * Sees the Octokit before first use, e.g. to add request hooks. The integration tests
   * install GitHub's OpenAPI validation here, so they check the very client that ships.
   */
  readonly instrument?: (octokit: Octokit) => void;
}

/**
 * One failed attempt (a 5xx answer or a dropped connection; the retry plugin tries again
 * until `maxRetries`), or one wait for a rate limit.
 */
export interface RetryEvent {
  readonly kind: 'error' | 'rate-limit' | 'secondary-rate-limit';
  readonly method: string;
  readonly url: string;
  readonly status: number | null;
  /** Seconds until the next attempt, where the provider said. */
  readonly retryAfterSeconds: number | null;
  readonly attempt: number;
}

/** Who a token belongs to and what it may do, as the provider reports it. */
export interface TokenIdentity {
  readonly login: string;
  readonly isBot: boolean;
  /** Classic tokens' OAuth scopes (`X-OAuth-Scopes`); null for fine-grained tokens. */
  readonly scopes: ReadonlyArray<string> | null;
}

export interface NewPull {
  readonly title: string;
  readonly body: string;
  readonly head: string;
  readonly base: string;
  readonly draft?: boolean;
}

export interface PullUpdate {
  readonly title?: string;
  readonly body?: string;
  readonly state?: 'open' | 'closed';
  readonly base?: string;
}

export interface NewReviewComment {
  readonly body: string;
  readonly commitId: string;
  readonly path: string;
  readonly line: number;
}

export interface NewRepo {
  readonly name: string;
  readonly private: boolean;
  readonly description?: string;
  /** Create the default branch with an initial commit (GitHub's `auto_init`). */
  readonly autoInit?: boolean;
}

export interface AuditLogQuery {
  /** GitHub's search phrase, e.g. `action:repo.destroy actor:deploy-bot`. */
  readonly phrase?: string;
  readonly include?: 'web' | 'git' | 'all';
  readonly order?: 'asc' | 'desc';
  readonly perPage?: number;
}

/** Where a variable or a secret lives: the repository, or one of its environments. */
export interface Scope {
  readonly owner: string;
  readonly repo: string;
  readonly environment?: string;
}

export function createGitHubAdapter(options: GitHubAdapterOptions) {
  const maxRetries = options.maxRetries ?? 4;
  const fanOut = pLimit(options.concurrency ?? 8);
  const failures = new Map<string, number>();

  /** fetch, telling `onRetry` of each 5xx answer or dropped connection. */
  async function observedFetch(input: string | URL | Request, init?: RequestInit) {
    const method = init?.method ?? 'GET';
    const url = String(input instanceof Request ? input.url : input);
    const key = `${method} ${url}`;
    const failed = (status: number | null) => {
      const attempt = (failures.get(key) ?? 0) + 1;
      failures.set(key, attempt);
      options.onRetry?.({ kind: 'error', method, url, status, retryAfterSeconds: null, attempt });
    };
    try {
      const response = await fetch(input, init);
      if (response.status >= 500) failed(response.status);
      else failures.delete(key);
      return response;
    } catch (error: unknown) {
      failed(null);
      throw error;
    }
  }

  const octokit: Client = new BulkheadOctokit({
    auth: options.token,
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    userAgent: options.userAgent ?? 'bulkhead',
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    // Every attempt goes through this fetch, so each failed one is reported, including
    // those the retry plugin then repeats.
    request: { fetch: observedFetch },
    // 403 and 429 are the throttling plugin's: it knows rate limits from refusals.
    retry: { retries: maxRetries, doNotRetry: [400, 401, 403, 404, 409, 410, 422, 429, 451] },
    throttle: {
      id: `bulkhead-${options.baseUrl}`,
      // Writes are spaced per adapter, not per process: a restore and a snapshot may talk
      // to different providers at once.
      write: new Bottleneck.Group({ maxConcurrent: 1, minTime: options.writeSpacingMs ?? 1000 }),
      notifications: new Bottleneck.Group({
        maxConcurrent: 1,
        minTime: options.contentSpacingMs ?? 3000,
      }),
      onRateLimit: (retryAfter: number, request: RequestOptionsLike, _o: unknown, count: number) =>
        reportWait('rate-limit', retryAfter, request, count),
      onSecondaryRateLimit: (
        retryAfter: number,
        request: RequestOptionsLike,
        _o: unknown,
        count: number,
      ) => reportWait('secondary-rate-limit', retryAfter, request, count),
    },
  });

  // Reads skip the throttling plugin: it queues every request through Bottleneck, which
  // costs about 2.4 ms a job whatever the concurrency (2,000 instant jobs take 4.8 s), and
  // made a diff's 7,400 reads of an organisation take 20 s instead of 5. Their concurrency
  // is bounded by the adapter's fan-out; their rate limits are waited out here, reported
  // as the plugin reports them. Writes keep the plugin: spacing and secondary limits.
  const reader = new ReadOctokit({
    auth: options.token,
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    userAgent: options.userAgent ?? 'bulkhead',
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    request: { fetch: observedFetch },
    retry: { retries: maxRetries, doNotRetry: [400, 401, 403, 404, 409, 410, 422, 429, 451] },
  });
  reader.hook.wrap('request', async (request, requestOptions) => {
    for (let count = 0; ; count++) {
      try {
        return await request(requestOptions);
      } catch (error: unknown) {
        const wait = rateLimitWait(error, Date.now());
        if (wait === null || !reportWait(wait.kind, wait.seconds, requestOptions, count)) {
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, wait.seconds * 1000));
      }
    }
  });
  octokit.hook.wrap('request', (request, requestOptions) => {
    if (requestOptions.method !== 'GET' && requestOptions.method !== 'HEAD') {
      return request(requestOptions);
    }
    // The options carry this client's own hook (`request.hook`): passed on, the reader
    // would call back into it, and round again.
    const settings: Record<string, unknown> = { ...requestOptions.request };
    delete settings['hook'];
    return reader.request({ ...requestOptions, request: settings });
  });

  options.instrument?.(octokit);

  function reportWait(
    kind: RetryEvent['kind'],
    retryAfter: number,
    request: RequestOptionsLike,
    count: number,
  ): boolean {
    const again = count < maxRetries;
    if (again) {
      options.onRetry?.({
        kind,
        method: request.method,
        url: request.url,
        status: null,
        retryAfterSeconds: retryAfter,
        attempt: count + 1,
      });
    }
    return again;
  }

  /** Runs one call, turning a provider error into a BulkheadError that names it. */
  async function call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error: unknown) {
      throw toBulkheadError(what, options.baseUrl, error);
    }
  }

  /** Like `call`, but a 404 answers null: the thing is not there. */
  async function find<T>(what: string, run: () => Promise<T>): Promise<T | null> {
    try {
      return await run();
    } catch (error: unknown) {
      if (error instanceof RequestError && error.status === 404) return null;
      throw toBulkheadError(what, options.baseUrl, error);
    }
  }

  const variablesPath = (s: Scope) =>
    s.environment === undefined
      ? `/repos/${enc(s.owner)}/${enc(s.repo)}/actions/variables`
      : `/repos/${enc(s.owner)}/${enc(s.repo)}/environments/${enc(s.environment)}/variables`;
  const secretsPath = (s: Scope) =>
    s.environment === undefined
      ? `/repos/${enc(s.owner)}/${enc(s.repo)}/actions/secrets`
      : `/repos/${enc(s.owner)}/${enc(s.repo)}/environments/${enc(s.environment)}/secrets`;
  const where = (s: Scope) =>
    s.environment === undefined
      ? `${s.owner}/${s.repo}`
      : `${s.owner}/${s.repo} (${s.environment})`;

  const adapter = {
    baseUrl: options.baseUrl,

    async whoami(): Promise<TokenIdentity> {
      return call('GET /user', async () => {
        const response = await octokit.request('GET /user');
        const header = response.headers['x-oauth-scopes'];
        return {
          login: response.data.login,
          isBot: response.data.type === 'Bot',
          scopes:
            typeof header === 'string'
              ? header
                  .split(',')
                  .map((s) => s.trim())
                  .filter((s) => s !== '')
                  .sort()
              : null,
        };
      });
    },

    // ---- repositories -------------------------------------------------------------

    async listRepos(owner: string): Promise<RepoSummary[]> {
      const repos = await find(`list repositories of ${owner}`, () =>
        octokit.paginate('GET /orgs/{org}/repos', { org: owner, type: 'all', per_page: 100 }),
      );
      if (repos !== null) return repos.map((r) => toRepoSummary(r as ApiRepo));
      // Not an organisation: a user's own repositories, as that user sees them.
      const mine = await call(`list repositories of ${owner}`, () =>
        octokit.paginate('GET /user/repos', { affiliation: 'owner', per_page: 100 }),
      );
      return mine.filter((r) => r.owner.login === owner).map((r) => toRepoSummary(r as ApiRepo));
    },

    async getRepo(owner: string, name: string): Promise<RepoSummary | null> {
      const response = await find(`get repository ${owner}/${name}`, () =>
        octokit.request('GET /repos/{owner}/{repo}', { owner, repo: name }),
      );
      return response === null ? null : toRepoSummary(response.data as ApiRepo);
    },

    async createRepo(owner: string, repo: NewRepo): Promise<RepoSummary> {
      const me = await adapter.whoami();
      const body = {
        name: repo.name,
        private: repo.private,
        description: repo.description ?? '',
        auto_init: repo.autoInit ?? false,
      };
      const response = await call(`create repository ${owner}/${repo.name}`, () =>
        me.login === owner
          ? octokit.request('POST /user/repos', body)
          : octokit.request('POST /orgs/{org}/repos', { org: owner, ...body }),
      );
      return toRepoSummary(response.data as ApiRepo);
    },

    async deleteRepo(owner: string, name: string): Promise<void> {
      await call(`delete repository ${owner}/${name}`, () =>
        octokit.request('DELETE /repos/{owner}/{repo}', { owner, repo: name }),
      );
    },

    // ---- refs -------------------------------------------------------------------------

    /** Branches and tags. An empty repository has none (GitHub answers 409 for it). */
    async listRefs(owner: string, name: string): Promise<RefState[]> {
      const refs: RefState[] = [];
      for (const namespace of ['heads', 'tags']) {
        try {
          // Not paginated: GitHub answers every matching ref at once.
          const page = await octokit.request('GET /repos/{owner}/{repo}/git/matching-refs/{ref}', {
            owner,
            repo: name,
            ref: namespace,
          });
          for (const ref of page.data as ReadonlyArray<ApiRef>) {
            refs.push({ name: ref.ref, sha: ref.object.sha });
          }
        } catch (error: unknown) {
          if (error instanceof RequestError && error.status === 409) return [];
          throw toBulkheadError(`list refs of ${owner}/${name}`, options.baseUrl, error);
        }
      }
      return refs.sort((a, b) => compareText(a.name, b.name));
    },

    async getRef(owner: string, name: string, ref: string): Promise<RefState | null> {
      const response = await find(`get ${ref} of ${owner}/${name}`, () =>
        octokit.request('GET /repos/{owner}/{repo}/git/ref/{ref}', {
          owner,
          repo: name,
          ref: shortRef(ref),
        }),
      );
      if (response === null) return null;
      // `git/ref/heads/x` answers the refs under `heads/x/` as a list when `heads/x` itself
      // is missing; only an exact match counts.
      const data = response.data as unknown;
      if (Array.isArray(data)) return null;
      const found = response.data;
      return found.ref === fullRef(ref) ? { name: found.ref, sha: found.object.sha } : null;
    },

    async createRef(owner: string, name: string, ref: string, sha: string): Promise<void> {
      await call(`create ${fullRef(ref)} in ${owner}/${name}`, () =>
        octokit.request('POST /repos/{owner}/{repo}/git/refs', {
          owner,
          repo: name,
          ref: fullRef(ref),
          sha,
        }),
      );
    },

    async updateRef(
      owner: string,
      name: string,
      ref: string,
      sha: string,
      force: boolean,
    ): Promise<void> {
      await call(`move ${fullRef(ref)} of ${owner}/${name} to ${sha.slice(0, 12)}`, () =>
        octokit.request('PATCH /repos/{owner}/{repo}/git/refs/{ref}', {
          owner,
          repo: name,
          ref: shortRef(ref),
          sha,
          force,
        }),
      );
    },

    async deleteRef(owner: string, name: string, ref: string): Promise<void> {
      await call(`delete ${fullRef(ref)} of ${owner}/${name}`, () =>
        octokit.request('DELETE /repos/{owner}/{repo}/git/refs/{ref}', {
          owner,
          repo: name,
          ref: shortRef(ref),
        }),
      );
    },

    // ---- pull requests --------------------------------------------------------------

    /** Every pull request, open and closed, with its reviews and both kinds of comment. */
    async listPulls(owner: string, name: string): Promise<PullRequestState[]> {
      const pulls = await call(`list pull requests of ${owner}/${name}`, () =>
        octokit.paginate('GET /repos/{owner}/{repo}/pulls', {
          owner,
          repo: name,
          state: 'all',
          per_page: 100,
        }),
      );
      const full = await Promise.all(
        pulls.map((pull) => adapter.completePull(owner, name, pull as ApiPull)),
      );
      return full.sort((a, b) => a.number - b.number);
    },

    async getPull(owner: string, name: string, number: number): Promise<PullRequestState | null> {
      const response = await find(`get pull request #${number} of ${owner}/${name}`, () =>
        octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
          owner,
          repo: name,
          pull_number: number,
        }),
      );
      return response === null ? null : adapter.completePull(owner, name, response.data as ApiPull);
    },

    /** Adds a listed pull request's reviews and comments, which the list leaves out. */
    async completePull(owner: string, name: string, pull: ApiPull): Promise<PullRequestState> {
      const base = { owner, repo: name, per_page: 100 };
      const what = `pull request #${pull.number} of ${owner}/${name}`;
      const [reviews, comments, reviewComments] = await Promise.all([
        fanOut(() =>
          call(`reviews of ${what}`, () =>
            octokit.paginate('GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
              ...base,
              pull_number: pull.number,
            }),
          ),
        ),
        fanOut(() =>
          call(`comments of ${what}`, () =>
            octokit.paginate('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
              ...base,
              issue_number: pull.number,
            }),
          ),
        ),
        fanOut(() =>
          call(`review comments of ${what}`, () =>
            octokit.paginate('GET /repos/{owner}/{repo}/pulls/{pull_number}/comments', {
              ...base,
              pull_number: pull.number,
            }),
          ),
        ),
      ]);
      return toPull(pull, {
        reviews: (reviews as ApiReview[]).map(toReview),
        comments: (comments as ApiComment[]).map(toComment),
        reviewComments: (reviewComments as ApiReviewComment[]).map(toReviewComment),
      });
    },

    async createPull(owner: string, name: string, pull: NewPull): Promise<number> {
      const response = await call(`open a pull request in ${owner}/${name}`, () =>
        octokit.request('POST /repos/{owner}/{repo}/pulls', {
          owner,
          repo: name,
          title: pull.title,
          body: pull.body,
          head: pull.head,
          base: pull.base,
          draft: pull.draft ?? false,
        }),
      );
      return response.data.number;
    },

    async updatePull(owner: string, name: string, number: number, update: PullUpdate) {
      await call(`update pull request #${number} of ${owner}/${name}`, () =>
        octokit.request('PATCH /repos/{owner}/{repo}/pulls/{pull_number}', {
          owner,
          repo: name,
          pull_number: number,
          ...update,
        }),
      );
    },

    async setLabels(owner: string, name: string, number: number, labels: ReadonlyArray<string>) {
      await call(`set labels of #${number} in ${owner}/${name}`, () =>
        octokit.request('PUT /repos/{owner}/{repo}/issues/{issue_number}/labels', {
          owner,
          repo: name,
          issue_number: number,
          labels: [...labels],
        }),
      );
    },

    async requestReviewers(
      owner: string,
      name: string,
      number: number,
      reviewers: ReadonlyArray<string>,
    ) {
      if (reviewers.length === 0) return;
      await call(`request reviewers on #${number} in ${owner}/${name}`, () =>
        octokit.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers', {
          owner,
          repo: name,
          pull_number: number,
          reviewers: [...reviewers],
        }),
      );
    },

    async createIssueComment(
      owner: string,
      name: string,
      number: number,
      body: string,
    ): Promise<CommentState> {
      const response = await call(`comment on #${number} in ${owner}/${name}`, () =>
        octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
          owner,
          repo: name,
          issue_number: number,
          body,
        }),
      );
      return toComment(response.data as ApiComment);
    },

    async deleteIssueComment(owner: string, name: string, id: number): Promise<void> {
      await call(`delete comment ${id} in ${owner}/${name}`, () =>
        octokit.request('DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}', {
          owner,
          repo: name,
          comment_id: id,
        }),
      );
    },

    async createReview(
      owner: string,
      name: string,
      number: number,
      review: {
        readonly body: string;
        readonly event: Exclude<ReviewVerdict, 'DISMISSED' | 'PENDING'>;
      },
    ): Promise<ReviewState> {
      const event =
        review.event === 'APPROVED'
          ? 'APPROVE'
          : review.event === 'CHANGES_REQUESTED'
            ? 'REQUEST_CHANGES'
            : 'COMMENT';
      const response = await call(`review #${number} in ${owner}/${name}`, () =>
        octokit.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
          owner,
          repo: name,
          pull_number: number,
          body: review.body,
          event,
        }),
      );
      return toReview(response.data as ApiReview);
    },

    async createReviewComment(
      owner: string,
      name: string,
      number: number,
      comment: NewReviewComment,
    ): Promise<ReviewCommentState> {
      const response = await call(`review comment on #${number} in ${owner}/${name}`, () =>
        octokit.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/comments', {
          owner,
          repo: name,
          pull_number: number,
          body: comment.body,
          commit_id: comment.commitId,
          path: comment.path,
          line: comment.line,
        }),
      );
      return toReviewComment(response.data as ApiReviewComment);
    },

    // ---- environments, variables, secrets --------------------------------------------

    async listEnvironmentNames(owner: string, name: string): Promise<string[]> {
      const response = await call(`list environments of ${owner}/${name}`, () =>
        octokit.request('GET /repos/{owner}/{repo}/environments', {
          owner,
          repo: name,
          per_page: 100,
        }),
      );
      return (response.data.environments ?? []).map((e) => e.name).sort(compareText);
    },

    async createEnvironment(owner: string, name: string, environment: string): Promise<void> {
      await call(`create environment ${environment} in ${owner}/${name}`, () =>
        octokit.request('PUT /repos/{owner}/{repo}/environments/{environment_name}', {
          owner,
          repo: name,
          environment_name: environment,
        }),
      );
    },

    async listVariables(scope: Scope): Promise<VariableState[]> {
      const variables: VariableState[] = [];
      for (let page = 1; ; page++) {
        const response = await call(`list variables of ${where(scope)}`, () =>
          octokit.request(`GET ${variablesPath(scope)}`, { per_page: 30, page }),
        );
        const data = response.data as { total_count: number; variables: ApiVariable[] };
        variables.push(...data.variables.map(toVariable));
        if (data.variables.length === 0 || variables.length >= data.total_count) break;
      }
      return variables.sort((a, b) => compareText(a.name, b.name));
    },

    async getVariable(scope: Scope, variable: string): Promise<VariableState | null> {
      const response = await find(`get variable ${variable} of ${where(scope)}`, () =>
        octokit.request(`GET ${variablesPath(scope)}/${enc(variable)}`),
      );
      return response === null ? null : toVariable(response.data as ApiVariable);
    },

    /** Creates the variable, or updates it when it exists. */
    async setVariable(
      scope: Scope,
      variable: string,
      value: string,
    ): Promise<'created' | 'updated'> {
      const existing = await adapter.getVariable(scope, variable);
      if (existing === null) {
        await call(`create variable ${variable} in ${where(scope)}`, () =>
          octokit.request(`POST ${variablesPath(scope)}`, { name: variable, value }),
        );
        return 'created';
      }
      await call(`update variable ${variable} in ${where(scope)}`, () =>
        octokit.request(`PATCH ${variablesPath(scope)}/${enc(variable)}`, {
          name: variable,
          value,
        }),
      );
      return 'updated';
    },

    async deleteVariable(scope: Scope, variable: string): Promise<void> {
      await call(`delete variable ${variable} of ${where(scope)}`, () =>
        octokit.request(`DELETE ${variablesPath(scope)}/${enc(variable)}`),
      );
    },

    async listSecrets(scope: Scope): Promise<SecretMeta[]> {
      const secrets: SecretMeta[] = [];
      for (let page = 1; ; page++) {
        const response = await call(`list secrets of ${where(scope)}`, () =>
          octokit.request(`GET ${secretsPath(scope)}`, { per_page: 100, page }),
        );
        const data = response.data as { total_count: number; secrets: ApiSecret[] };
        secrets.push(...data.secrets.map(toSecretMeta));
        if (data.secrets.length === 0 || secrets.length >= data.total_count) break;
      }
      return secrets.sort((a, b) => compareText(a.name, b.name));
    },

    async getSecret(scope: Scope, secret: string): Promise<SecretMeta | null> {
      const response = await find(`get secret ${secret} of ${where(scope)}`, () =>
        octokit.request(`GET ${secretsPath(scope)}/${enc(secret)}`),
      );
      return response === null ? null : toSecretMeta(response.data as ApiSecret);
    },

    /**
     * Sets a secret: seals the value to the provider's public key (libsodium sealed box,
     * as GitHub requires) so it is readable only by the provider.
     */
    async setSecret(scope: Scope, secret: string, value: string): Promise<'created' | 'updated'> {
      // SECURITY: begin — the plaintext exists only in this function's memory; only the
      // sealed box leaves the process, and neither is logged or put in an error message.
      const key = await call(`get the secrets public key of ${where(scope)}`, () =>
        octokit.request(`GET ${secretsPath(scope)}/public-key`),
      );
      const { key_id: keyId, key: publicKey } = key.data as { key_id: string; key: string };
      await sodium.ready;
      const sealed = sodium.crypto_box_seal(
        sodium.from_string(value),
        sodium.from_base64(publicKey, sodium.base64_variants.ORIGINAL),
      );
      const encrypted = sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL);
      const response = await call(`set secret ${secret} in ${where(scope)}`, () =>
        octokit.request(`PUT ${secretsPath(scope)}/${enc(secret)}`, {
          encrypted_value: encrypted,
          key_id: keyId,
        }),
      );
      // SECURITY: end
      return response.status === 201 ? 'created' : 'updated';
    },

    async deleteSecret(scope: Scope, secret: string): Promise<void> {
      await call(`delete secret ${secret} of ${where(scope)}`, () =>
        octokit.request(`DELETE ${secretsPath(scope)}/${enc(secret)}`),
      );
    },

    async readEnvironments(owner: string, name: string): Promise<EnvironmentState[]> {
      const names = await adapter.listEnvironmentNames(owner, name);
      return Promise.all(
        names.map(async (environment) => {
          const scope = { owner, repo: name, environment };
          const [variables, secrets] = await Promise.all([
            fanOut(() => adapter.listVariables(scope)),
            fanOut(() => adapter.listSecrets(scope)),
          ]);
          return { name: environment, variables, secrets };
        }),
      );
    },

    // ---- whole state --------------------------------------------------------------------

    /** Everything Bulkhead snapshots and restores of one repository; null when it is gone. */
    async readRepoState(owner: string, name: string): Promise<RepoState | null> {
      const summary = await adapter.getRepo(owner, name);
      return summary === null ? null : adapter.readRepoDetails(summary);
    },

    async readRepoDetails(summary: RepoSummary): Promise<RepoState> {
      const { owner, name } = summary;
      const scope = { owner, repo: name };
      const [refs, pulls, variables, secrets, environments] = await Promise.all([
        fanOut(() => adapter.listRefs(owner, name)),
        adapter.listPulls(owner, name),
        fanOut(() => adapter.listVariables(scope)),
        fanOut(() => adapter.listSecrets(scope)),
        adapter.readEnvironments(owner, name),
      ]);
      return { ...summary, refs, pulls, variables, secrets, environments };
    },

    /** Every repository of an owner, read in parallel. */
    async readOwnerState(owner: string): Promise<RepoState[]> {
      const repos = await adapter.listRepos(owner);
      const states = await Promise.all(repos.map((repo) => adapter.readRepoDetails(repo)));
      return states.sort((a, b) => compareText(a.name, b.name));
    },

    // ---- audit log -----------------------------------------------------------------------

    /** The organisation audit log, page by page, as the provider's raw events. */
    async *auditLog(org: string, query: AuditLogQuery = {}): AsyncGenerator<unknown[]> {
      const iterator = octokit.paginate.iterator(
        'GET /orgs/{org}/audit-log' as 'GET /orgs/{org}/repos',
        {
          org,
          phrase: query.phrase,
          include: query.include ?? 'all',
          order: query.order ?? 'asc',
          per_page: query.perPage ?? 100,
        } as never,
      );
      try {
        for await (const page of iterator) yield page.data as unknown[];
      } catch (error: unknown) {
        throw toBulkheadError(`read the audit log of ${org}`, options.baseUrl, error);
      }
    },
  };
  return adapter;
}
export type GitHubAdapter = ReturnType<typeof createGitHubAdapter>;

interface ApiRef {
  readonly ref: string;
  readonly object: { readonly sha: string };
}

interface RequestOptionsLike {
  readonly method: string;
  readonly url: string;
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

/** `refs/heads/main` from `heads/main` or `refs/heads/main`. */
export function fullRef(ref: string): string {
  return ref.startsWith('refs/') ? ref : `refs/${ref}`;
}

/** `heads/main`, the form GitHub's `git/refs/{ref}` paths take. */
export function shortRef(ref: string): string {
  return ref.startsWith('refs/') ? ref.slice('refs/'.length) : ref;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Names the failed call, the provider and its answer; never the token or a body. */
export function toBulkheadError(what: string, baseUrl: string, error: unknown): BulkheadError {
  if (error instanceof BulkheadError) return error;
  if (error instanceof RequestError) {
    const message = providerMessage(error);
    const code: ErrorCode =
      error.status === 401
        ? 'unauthorized'
        : error.status === 403 || error.status === 429
          ? 'forbidden'
          : error.status === 404
            ? 'not_found'
            : error.status >= 500
              ? 'unavailable'
              : 'bad_request';
    const status = error.status >= 500 && message === '' ? 'no answer' : `${error.status}`;
    return new BulkheadError(
      code,
      `${what}: ${baseUrl} answered ${status}${message ? ` ${message}` : ''}`,
    );
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new BulkheadError('unavailable', `${what}: ${baseUrl} could not be reached (${reason})`);
}

function providerMessage(error: RequestError): string {
  const data = error.response?.data as { message?: unknown } | undefined;
  return typeof data?.message === 'string' ? data.message : '';
}
