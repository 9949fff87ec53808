import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RepoState } from '../../../shared/domain/forge-state';
import { startForge, type Forge } from '../../sandbox/forge/forge';
import { commitInBareRepo } from '../../sandbox/forge/test-support';
import { installOpenApiValidation } from '../../sandbox/openapi/install-openapi-validation';
import { loadGitHubOpenApi } from '../../sandbox/openapi/load-github-openapi';
import { createOpenApiValidator } from '../../sandbox/openapi/openapi-validator';
import { RequestError } from '@octokit/request-error';
import {
  createGitHubAdapter,
  rateLimitWait,
  type GitHubAdapter,
  type RetryEvent,
} from './github-adapter';

// The adapter is the code that ships; these tests run it against the sandbox forge with
// GitHub's OpenAPI description checking every request and answer, so a call github.com
// would not accept fails here.
const validator = createOpenApiValidator(loadGitHubOpenApi());

describe('GitHub adapter against the sandbox forge', () => {
  let dataDir: string;
  let forge: Forge;
  let adapter: GitHubAdapter;
  const recordViews: Array<{ readonly exchanges: ReadonlyArray<string> }> = [];

  function adapterFor(
    token: string,
    extra: Partial<Parameters<typeof createGitHubAdapter>[0]> = {},
  ) {
    return createGitHubAdapter({
      baseUrl: forge.apiUrl,
      token,
      writeSpacingMs: 0,
      contentSpacingMs: 0,
      instrument: (octokit) => {
        recordViews.push(installOpenApiValidation(octokit, validator, { baseUrl: forge.apiUrl }));
      },
      ...extra,
    });
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'bulkhead-adapter-'));
    forge = await startForge({ dataDir, log: () => undefined });
    await forge.admin.createOrg('acme');
    await forge.admin.createUser('reviewer');
    const token = await forge.admin.createToken({
      login: 'restorer',
      type: 'classic',
      scopes: ['repo', 'delete_repo', 'read:audit_log'],
    });
    adapter = adapterFor(token);
  });

  afterAll(async () => {
    await forge.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('names the token owner and its scopes', async () => {
    expect(await adapter.whoami()).toEqual({
      login: 'restorer',
      isBot: false,
      scopes: ['delete_repo', 'read:audit_log', 'repo'],
    });
  });

  it('creates, lists, reads and deletes repositories', async () => {
    const created = await adapter.createRepo('acme', {
      name: 'api',
      private: true,
      description: 'The API',
      autoInit: true,
    });
    expect(created).toMatchObject({
      owner: 'acme',
      name: 'api',
      private: true,
      defaultBranch: 'main',
    });
    await adapter.createRepo('acme', { name: 'scratch', private: false });
    expect((await adapter.listRepos('acme')).map((r) => r.name)).toEqual(['api', 'scratch']);
    expect(await adapter.getRepo('acme', 'nope')).toBeNull();
    await adapter.deleteRepo('acme', 'scratch');
    expect(await adapter.getRepo('acme', 'scratch')).toBeNull();
    expect(await adapter.listRefs('acme', 'api')).toEqual([
      { name: 'refs/heads/main', sha: expect.stringMatching(/^[0-9a-f]{40}$/) },
    ]);
  });

  it('moves refs, refusing a rewrite unless forced', async () => {
    const repoDir = path.join(dataDir, 'repos', 'acme', 'api.git');
    const main = await adapter.getRef('acme', 'api', 'heads/main');
    if (!main) throw new Error('main is missing');
    const next = await commitInBareRepo(repoDir, main.sha, 'second');
    const sideways = await commitInBareRepo(repoDir, main.sha, 'sideways');

    await adapter.createRef('acme', 'api', 'refs/heads/feature', next);
    await adapter.updateRef('acme', 'api', 'heads/main', next, false);
    await expect(
      adapter.updateRef('acme', 'api', 'heads/main', sideways, false),
    ).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringContaining('Update is not a fast forward'),
    });
    await adapter.updateRef('acme', 'api', 'heads/main', sideways, true);
    expect(await adapter.getRef('acme', 'api', 'refs/heads/main')).toEqual({
      name: 'refs/heads/main',
      sha: sideways,
    });
    // A prefix of an existing ref is not that ref.
    expect(await adapter.getRef('acme', 'api', 'heads/feat')).toBeNull();
    await adapter.deleteRef('acme', 'api', 'heads/feature');
    expect(await adapter.getRef('acme', 'api', 'heads/feature')).toBeNull();
    await adapter.createRef('acme', 'api', 'refs/heads/feature', next);
  });

  it('writes and reads back a whole pull request: labels, reviewers, reviews, comments', async () => {
    const number = await adapter.createPull('acme', 'api', {
      title: 'Add retries',
      body: 'Retries with backoff',
      head: 'feature',
      base: 'main',
    });
    await adapter.setLabels('acme', 'api', number, ['reliability', 'backend']);
    await adapter.requestReviewers('acme', 'api', number, ['reviewer']);
    await adapter.createIssueComment('acme', 'api', number, 'Looks good so far');
    const gone = await adapter.createIssueComment('acme', 'api', number, 'to be deleted');
    await adapter.deleteIssueComment('acme', 'api', gone.id);
    const pull = await adapter.getPull('acme', 'api', number);
    if (!pull) throw new Error('pull request missing');
    await adapter.createReviewComment('acme', 'api', number, {
      body: 'Cap the delay',
      commitId: pull.head.sha,
      path: 'README.md',
      line: 1,
    });
    await adapter.createReview('acme', 'api', number, { body: 'Some notes', event: 'COMMENTED' });
    await adapter.updatePull('acme', 'api', number, { state: 'closed', title: 'Add retries (v2)' });

    const [read] = await adapter.listPulls('acme', 'api');
    expect(read).toMatchObject({
      number,
      title: 'Add retries (v2)',
      body: 'Retries with backoff',
      state: 'closed',
      author: 'restorer',
      base: { ref: 'main' },
      head: { ref: 'feature', repo: 'acme/api' },
      labels: ['backend', 'reliability'],
      requestedReviewers: ['reviewer'],
      comments: [{ author: 'restorer', body: 'Looks good so far' }],
      reviews: [{ author: 'restorer', state: 'COMMENTED', body: 'Some notes' }],
      reviewComments: [{ path: 'README.md', line: 1, body: 'Cap the delay' }],
    });
    expect(await adapter.getPull('acme', 'api', 999)).toBeNull();
  });

  it('sets, updates, lists and deletes variables in the repository and an environment', async () => {
    const repo = { owner: 'acme', repo: 'api' };
    const prod = { ...repo, environment: 'production' };
    await adapter.createEnvironment('acme', 'api', 'production');
    expect(await adapter.setVariable(repo, 'REGION', 'eu-west-1')).toBe('created');
    expect(await adapter.setVariable(repo, 'REGION', 'eu-central-1')).toBe('updated');
    expect(await adapter.setVariable(prod, 'REPLICAS', '3')).toBe('created');
    await adapter.setVariable(repo, 'TEMP', 'x');
    await adapter.deleteVariable(repo, 'TEMP');
    expect((await adapter.listVariables(repo)).map((v) => [v.name, v.value])).toEqual([
      ['REGION', 'eu-central-1'],
    ]);
    expect(await adapter.getVariable(prod, 'REPLICAS')).toMatchObject({ value: '3' });
    expect(await adapter.getVariable(repo, 'TEMP')).toBeNull();
  });

  it('seals secrets to the forge key: the forge reads them, no answer carries them', async () => {
    const repo = { owner: 'acme', repo: 'api' };
    const prod = { ...repo, environment: 'production' };
    expect(await adapter.setSecret(repo, 'DEPLOY_KEY', 's3cr3t-value-1')).toBe('created');
    expect(await adapter.setSecret(repo, 'DEPLOY_KEY', 's3cr3t-value-2')).toBe('updated');
    await adapter.setSecret(prod, 'DB_PASSWORD', 'pr0d-pa55');
    expect(await forge.admin.readSecret('acme', 'api', 'DEPLOY_KEY')).toBe('s3cr3t-value-2');
    expect(await forge.admin.readSecret('acme', 'api', 'DB_PASSWORD', 'production')).toBe(
      'pr0d-pa55',
    );
    const listed = await adapter.listSecrets(repo);
    expect(listed.map((s) => s.name)).toEqual(['DEPLOY_KEY']);
    expect(JSON.stringify(listed)).not.toContain('s3cr3t');
    expect(await readFile(path.join(dataDir, 'audit.ndjson'), 'utf8')).not.toContain('s3cr3t');
  });

  it('reads the whole repository state in the domain model', async () => {
    const state = await adapter.readRepoState('acme', 'api');
    expect(RepoState.parse(state)).toEqual(state);
    expect(state).toMatchObject({
      name: 'api',
      refs: [{ name: 'refs/heads/feature' }, { name: 'refs/heads/main' }],
      variables: [{ name: 'REGION' }],
      secrets: [{ name: 'DEPLOY_KEY' }],
      environments: [
        {
          name: 'production',
          variables: [{ name: 'REPLICAS' }],
          secrets: [{ name: 'DB_PASSWORD' }],
        },
      ],
    });
    expect(await adapter.readRepoState('acme', 'gone')).toBeNull();
    expect((await adapter.readOwnerState('acme')).map((r) => r.name)).toEqual(['api']);
  });

  it('pages through the audit log and finds what it did', async () => {
    const events: unknown[] = [];
    for await (const page of adapter.auditLog('acme', {
      phrase: 'action:repo.destroy',
      perPage: 1,
    })) {
      events.push(...page);
    }
    expect(events).toEqual([
      expect.objectContaining({ action: 'repo.destroy', repo: 'acme/scratch', actor: 'restorer' }),
    ]);
  });

  it('turns refusals into errors that name the call, never the token', async () => {
    const bad = adapterFor('ghp_not-a-real-token');
    const refused = bad.whoami();
    await expect(refused).rejects.toMatchObject({
      code: 'unauthorized',
      message: `GET /user: ${forge.apiUrl} answered 401 Bad credentials`,
    });
    const narrow = adapterFor(
      await forge.admin.createToken({
        login: 'narrow',
        type: 'fine-grained',
        repositories: { 'acme/api': { pull_requests: 'read' } },
      }),
    );
    await expect(
      narrow.setVariable({ owner: 'acme', repo: 'api' }, 'X', '1'),
    ).rejects.toMatchObject({
      code: 'forbidden',
      message: expect.stringMatching(/^get variable X of acme\/api: .* answered 403/),
    });
  });

  it('waits out a secondary rate limit (429, Retry-After) and reports the wait', async () => {
    const limitedDir = await mkdtemp(path.join(tmpdir(), 'bulkhead-adapter-limit-'));
    const limited = await startForge({
      dataDir: limitedDir,
      log: () => undefined,
      rateLimit: { limit: 5000, windowMs: 3_600_000, perSecond: 2 },
    });
    try {
      const token = await limited.admin.createToken({
        login: 'x',
        type: 'classic',
        scopes: ['repo'],
      });
      const waits: RetryEvent[] = [];
      const client = createGitHubAdapter({
        baseUrl: limited.apiUrl,
        token,
        writeSpacingMs: 0,
        contentSpacingMs: 0,
        onRetry: (event) => waits.push(event),
      });
      const answers = await Promise.all([1, 2, 3, 4].map(() => client.whoami()));
      expect(answers.every((a) => a.login === 'x')).toBe(true);
      expect(waits.length).toBeGreaterThan(0);
      expect(waits[0]).toMatchObject({ kind: 'secondary-rate-limit', retryAfterSeconds: 1 });
    } finally {
      await limited.close();
      await rm(limitedDir, { recursive: true, force: true });
    }
  });

  it('retries a provider that is down, then names it', async () => {
    const retries: RetryEvent[] = [];
    const nowhere = createGitHubAdapter({
      baseUrl: 'http://127.0.0.1:9/api/v3',
      token: 'ghp_x',
      maxRetries: 1,
      onRetry: (event) => retries.push(event),
    });
    await expect(nowhere.whoami()).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringContaining('GET /user: http://127.0.0.1:9/api/v3'),
    });
    // The first attempt and its one retry both failed, each reported.
    expect(retries).toEqual([
      expect.objectContaining({ kind: 'error', status: null, attempt: 1 }),
      expect.objectContaining({ kind: 'error', status: null, attempt: 2 }),
    ]);
  });

  it('used only operations GitHub documents, and every answer matched its schema', () => {
    const seen = new Set(recordViews.flatMap((r) => r.exchanges));
    // Installed in throw mode: a mismatch would already have failed the call. This checks
    // the validation really ran over the calls above.
    expect(seen.size).toBeGreaterThan(25);
    expect([...seen].some((e) => e.startsWith('PUT /repos/{owner}/{repo}/actions/secrets/'))).toBe(
      true,
    );
  });
});

describe('rateLimitWait', () => {
  const refusal = (status: number, message: string, headers: Record<string, string>) =>
    new RequestError(message, status, {
      request: { method: 'GET', url: 'https://api.example/x', headers: {} },
      response: { status, url: 'https://api.example/x', headers, data: {} },
    });

  it('reads a secondary limit from its message or Retry-After, and a primary one from its reset', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(
      rateLimitWait(refusal(403, 'You have exceeded a secondary rate limit', {}), now),
    ).toEqual({ kind: 'secondary-rate-limit', seconds: 60 });
    expect(rateLimitWait(refusal(429, 'Too many', { 'retry-after': '7' }), now)).toEqual({
      kind: 'secondary-rate-limit',
      seconds: 7,
    });
    expect(
      rateLimitWait(
        refusal(403, 'API rate limit exceeded', {
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(now / 1000 + 30),
        }),
        now,
      ),
    ).toEqual({ kind: 'rate-limit', seconds: 31 });
    // A plain refusal is not a limit: it must fail at once, not wait.
    expect(rateLimitWait(refusal(403, 'Resource not accessible', {}), now)).toBeNull();
    expect(rateLimitWait(new Error('boom'), now)).toBeNull();
  });
});
