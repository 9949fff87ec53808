import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Octokit } from '@octokit/rest';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import sodium from 'libsodium-wrappers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGitHubOpenApi } from '../openapi/load-github-openapi';
import { createOpenApiValidator } from '../openapi/openapi-validator';
import type { OpenApiValidationRecord } from '../openapi/install-openapi-validation';
import { startForge, type Forge } from './forge';
import { commitInBareRepo, validatedOctokit, type SeenTraffic } from './test-support';

const validator = createOpenApiValidator(loadGitHubOpenApi());
const sha256 = (token: string) => createHash('sha256').update(token).digest('base64');

async function sealFor(key: string, value: string): Promise<string> {
  await sodium.ready;
  const box = sodium.crypto_box_seal(
    sodium.from_string(value),
    sodium.from_base64(key, sodium.base64_variants.ORIGINAL),
  );
  return sodium.to_base64(box, sodium.base64_variants.ORIGINAL);
}

async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    if (typeof status !== 'number') throw error;
    return status;
  }
}

describe('sandbox forge over Octokit, validated against GitHub OpenAPI', () => {
  let dataDir: string;
  let forge: Forge;
  const seen: SeenTraffic = { bodies: [], headers: [] };
  const records: OpenApiValidationRecord[] = [];
  let adminToken: string;
  let alice: Octokit;
  let bob: Octokit;
  let bobToken: string;
  let readOnlyToken: string;
  let readOnly: Octokit;
  let orgReader: Octokit;
  let noDelete: Octokit;
  const repoDir = () => path.join(dataDir, 'repos', 'acme', 'app.git');
  const client = (token: string | undefined) => {
    const made = validatedOctokit(forge.apiUrl, token, validator, seen);
    records.push(made.record);
    return made.octokit;
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'bulkhead-forge-'));
    forge = await startForge({ dataDir, log: () => undefined });
    await forge.admin.createOrg('acme');
    adminToken = await forge.admin.createToken({
      login: 'alice',
      type: 'classic',
      scopes: ['repo', 'delete_repo', 'read:audit_log'],
    });
    bobToken = await forge.admin.createToken({
      login: 'bob',
      type: 'fine-grained',
      repositories: { 'acme/*': { pull_requests: 'write', contents: 'write' } },
    });
    readOnlyToken = await forge.admin.createToken({
      login: 'carol',
      type: 'fine-grained',
      repositories: {
        'acme/app': {
          contents: 'read',
          pull_requests: 'read',
          actions_variables: 'read',
          secrets: 'read',
          environments: 'read',
        },
      },
    });
    alice = client(adminToken);
    bob = client(bobToken);
    readOnly = client(readOnlyToken);
    orgReader = client(
      await forge.admin.createToken({ login: 'dave', type: 'classic', scopes: ['read:org'] }),
    );
    noDelete = client(
      await forge.admin.createToken({ login: 'erin', type: 'classic', scopes: ['repo'] }),
    );
  });

  afterAll(async () => {
    await forge?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers the token user, rate limit status and GitHub headers', async () => {
    const user = await alice.request('GET /user');
    expect(user.data.login).toBe('alice');
    expect(user.headers['x-oauth-scopes']).toBe('repo, delete_repo, read:audit_log');
    expect(user.headers['x-ratelimit-resource']).toBe('core');
    expect(Number(user.headers['x-ratelimit-limit'])).toBeGreaterThan(1000);
    const rate = await alice.request('GET /rate_limit');
    expect(rate.data.rate.used).toBeGreaterThanOrEqual(1);
  });

  it('creates, lists and reads repositories; refuses duplicates and unknown orgs', async () => {
    const created = await alice.request('POST /orgs/{org}/repos', {
      org: 'acme',
      name: 'app',
      description: 'the app',
      private: true,
      auto_init: true,
    });
    expect(created.status).toBe(201);
    expect(created.data.html_url).toBe(`${forge.url}/acme/app`);
    expect(created.data.clone_url).toBe(forge.gitUrl('acme', 'app'));
    await alice.request('POST /orgs/{org}/repos', { org: 'acme', name: 'empty' });
    const mine = await alice.request('POST /user/repos', { name: 'notes' });
    expect(mine.data.full_name).toBe('alice/notes');
    expect(
      await statusOf(alice.request('POST /orgs/{org}/repos', { org: 'acme', name: 'app' })),
    ).toBe(422);
    expect(
      await statusOf(alice.request('POST /orgs/{org}/repos', { org: 'nobody', name: 'x' })),
    ).toBe(404);
    const orgRepos = await alice.request('GET /orgs/{org}/repos', { org: 'acme' });
    expect(orgRepos.data.map((r) => r.name)).toEqual(['app', 'empty']);
    const userRepos = await alice.request('GET /user/repos', { affiliation: 'owner' });
    expect(userRepos.data.map((r) => r.full_name)).toEqual(['alice/notes']);
    const got = await alice.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'app' });
    expect(got.data.default_branch).toBe('main');
    expect(got.data.private).toBe(true);
    expect(
      await statusOf(alice.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'nope' })),
    ).toBe(404);
  });

  it('reads, creates, fast-forwards, force-updates and deletes git refs', async () => {
    const main = await alice.request('GET /repos/{owner}/{repo}/git/ref/{ref}', {
      owner: 'acme',
      repo: 'app',
      ref: 'heads/main',
    });
    const base = main.data.object.sha;
    const child = await commitInBareRepo(repoDir(), base, 'child');
    const sibling = await commitInBareRepo(repoDir(), base, 'sibling');
    const created = await alice.request('POST /repos/{owner}/{repo}/git/refs', {
      owner: 'acme',
      repo: 'app',
      ref: 'refs/heads/feature',
      sha: base,
    });
    expect(created.status).toBe(201);
    const ffw = await alice.request('PATCH /repos/{owner}/{repo}/git/refs/{ref}', {
      owner: 'acme',
      repo: 'app',
      ref: 'heads/feature',
      sha: child,
    });
    expect(ffw.data.object.sha).toBe(child);
    const refused = alice.request('PATCH /repos/{owner}/{repo}/git/refs/{ref}', {
      owner: 'acme',
      repo: 'app',
      ref: 'heads/feature',
      sha: sibling,
    });
    await expect(refused).rejects.toMatchObject({
      status: 422,
      response: { data: { message: 'Update is not a fast forward' } },
    });
    await alice.request('PATCH /repos/{owner}/{repo}/git/refs/{ref}', {
      owner: 'acme',
      repo: 'app',
      ref: 'heads/feature',
      sha: sibling,
      force: true,
    });
    expect(
      await statusOf(
        alice.request('POST /repos/{owner}/{repo}/git/refs', {
          owner: 'acme',
          repo: 'app',
          ref: 'refs/heads/ghost',
          sha: 'f'.repeat(40),
        }),
      ),
    ).toBe(422);
    expect(
      await statusOf(
        alice.request('POST /repos/{owner}/{repo}/git/refs', {
          owner: 'acme',
          repo: 'app',
          ref: 'refs/heads/feature',
          sha: base,
        }),
      ),
    ).toBe(422);
    await alice.request('POST /repos/{owner}/{repo}/git/refs', {
      owner: 'acme',
      repo: 'app',
      ref: 'refs/heads/topic',
      sha: child,
    });
    await alice.request('POST /repos/{owner}/{repo}/git/refs', {
      owner: 'acme',
      repo: 'app',
      ref: 'refs/tags/v1',
      sha: base,
    });
    const heads = await alice.request('GET /repos/{owner}/{repo}/git/matching-refs/{ref}', {
      owner: 'acme',
      repo: 'app',
      ref: 'heads',
    });
    expect(heads.data.map((r) => r.ref)).toEqual([
      'refs/heads/feature',
      'refs/heads/main',
      'refs/heads/topic',
    ]);
    const branches = await alice.request('GET /repos/{owner}/{repo}/branches', {
      owner: 'acme',
      repo: 'app',
    });
    expect(branches.data.map((b) => b.name)).toEqual(['feature', 'main', 'topic']);
    await alice.request('DELETE /repos/{owner}/{repo}/git/refs/{ref}', {
      owner: 'acme',
      repo: 'app',
      ref: 'tags/v1',
    });
    expect(
      await statusOf(
        alice.request('DELETE /repos/{owner}/{repo}/git/refs/{ref}', {
          owner: 'acme',
          repo: 'app',
          ref: 'tags/v1',
        }),
      ),
    ).toBe(422);
    expect(
      await statusOf(
        alice.request('GET /repos/{owner}/{repo}/git/ref/{ref}', {
          owner: 'acme',
          repo: 'app',
          ref: 'tags/v1',
        }),
      ),
    ).toBe(404);
    expect(
      await statusOf(
        alice.request('GET /repos/{owner}/{repo}/git/matching-refs/{ref}', {
          owner: 'acme',
          repo: 'empty',
          ref: 'heads',
        }),
      ),
    ).toBe(409);
    const forced = forge.admin
      .auditEvents()
      .filter((e) => e.action === 'git.push' && e.data?.ref === 'refs/heads/feature');
    expect(forced.map((e) => [e.data?.before, e.data?.after, e.data?.forced])).toEqual([
      ['0'.repeat(40), base, false],
      [base, child, false],
      [child, sibling, true],
    ]);
  });

  it('runs a pull request through create, list, edit, reviewers, labels, reviews and comments', async () => {
    const own = { owner: 'acme', repo: 'app' };
    const pr = await alice.request('POST /repos/{owner}/{repo}/pulls', {
      ...own,
      title: 'Topic work',
      head: 'topic',
      base: 'main',
      body: 'first',
    });
    expect(pr.status).toBe(201);
    expect(pr.data.number).toBe(1);
    expect(pr.data.head.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(pr.data.merged).toBe(false);
    const second = await alice.request('POST /repos/{owner}/{repo}/pulls', {
      ...own,
      title: 'Feature',
      head: 'acme:feature',
      base: 'main',
      draft: true,
    });
    expect(second.data.number).toBe(2);
    expect(
      await statusOf(
        alice.request('POST /repos/{owner}/{repo}/pulls', {
          ...own,
          title: 'x',
          head: 'missing',
          base: 'main',
        }),
      ),
    ).toBe(422);
    expect(
      await statusOf(
        alice.request('POST /repos/{owner}/{repo}/pulls', {
          ...own,
          title: 'x',
          head: 'main',
          base: 'main',
        }),
      ),
    ).toBe(422);
    const page = await alice.request('GET /repos/{owner}/{repo}/pulls', {
      ...own,
      state: 'all',
      per_page: 1,
      direction: 'asc',
    });
    expect(page.data.map((p) => p.number)).toEqual([1]);
    expect(page.headers.link).toContain('rel="next"');
    const all = await alice.paginate('GET /repos/{owner}/{repo}/pulls', { ...own, per_page: 1 });
    expect(all.map((p) => p.number).sort()).toEqual([1, 2]);
    const edited = await alice.request('PATCH /repos/{owner}/{repo}/pulls/{pull_number}', {
      ...own,
      pull_number: 1,
      title: 'Topic work, edited',
      body: 'second',
    });
    expect(edited.data.title).toBe('Topic work, edited');

    const requested = await alice.request(
      'POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers',
      { ...own, pull_number: 1, reviewers: ['bob', 'carol'] },
    );
    expect(requested.data.requested_reviewers?.map((u) => u.login)).toEqual(['bob', 'carol']);
    expect(
      await statusOf(
        alice.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers', {
          ...own,
          pull_number: 1,
          reviewers: ['nobody-here'],
        }),
      ),
    ).toBe(422);
    await alice.request('DELETE /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers', {
      ...own,
      pull_number: 1,
      reviewers: ['carol'],
    });
    const reviewers = await alice.request(
      'GET /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers',
      { ...own, pull_number: 1 },
    );
    expect(reviewers.data.users.map((u) => u.login)).toEqual(['bob']);

    const labels = await alice.request('POST /repos/{owner}/{repo}/issues/{issue_number}/labels', {
      ...own,
      issue_number: 1,
      labels: ['bug', 'urgent'],
    });
    expect(labels.data.map((l) => l.name)).toEqual(['bug', 'urgent']);
    await alice.request('PUT /repos/{owner}/{repo}/issues/{issue_number}/labels', {
      ...own,
      issue_number: 1,
      labels: ['bug', 'restore'],
    });
    const remaining = await alice.request(
      'DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}',
      { ...own, issue_number: 1, name: 'bug' },
    );
    expect(remaining.data.map((l) => l.name)).toEqual(['restore']);
    const listed = await alice.request('GET /repos/{owner}/{repo}/issues/{issue_number}/labels', {
      ...own,
      issue_number: 1,
    });
    expect(listed.data.map((l) => l.name)).toEqual(['restore']);
    await alice.request('DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels', {
      ...own,
      issue_number: 2,
    });

    await expect(
      alice.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
        ...own,
        pull_number: 1,
        event: 'APPROVE',
      }),
    ).rejects.toMatchObject({ status: 422 });
    const approval = await bob.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
      ...own,
      pull_number: 1,
      event: 'APPROVE',
      body: 'ship it',
    });
    expect(approval.data.state).toBe('APPROVED');
    await bob.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
      ...own,
      pull_number: 1,
      event: 'REQUEST_CHANGES',
      body: 'wait',
      comments: [{ path: 'README.md', body: 'typo', line: 1 }],
    });
    const reviews = await alice.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
      ...own,
      pull_number: 1,
    });
    expect(reviews.data.map((r) => r.state)).toEqual(['APPROVED', 'CHANGES_REQUESTED']);

    const comment = await alice.request(
      'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
      { ...own, issue_number: 1, body: 'hello' },
    );
    expect(comment.status).toBe(201);
    await alice.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
      ...own,
      comment_id: comment.data.id,
      body: 'hello, edited',
    });
    const one = await alice.request('GET /repos/{owner}/{repo}/issues/comments/{comment_id}', {
      ...own,
      comment_id: comment.data.id,
    });
    expect(one.data.body).toBe('hello, edited');
    const extra = await alice.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      ...own,
      issue_number: 1,
      body: 'to be deleted',
    });
    await alice.request('DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}', {
      ...own,
      comment_id: extra.data.id,
    });
    const comments = await alice.request(
      'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
      { ...own, issue_number: 1 },
    );
    expect(comments.data.map((c) => c.body)).toEqual(['hello, edited']);

    const reviewComment = await alice.request(
      'POST /repos/{owner}/{repo}/pulls/{pull_number}/comments',
      {
        ...own,
        pull_number: 1,
        body: 'look here',
        commit_id: pr.data.head.sha,
        path: 'README.md',
        line: 1,
        side: 'RIGHT',
      },
    );
    expect(reviewComment.status).toBe(201);
    const reviewComments = await alice.request(
      'GET /repos/{owner}/{repo}/pulls/{pull_number}/comments',
      { ...own, pull_number: 1 },
    );
    expect(reviewComments.data.map((c) => c.body)).toEqual(['typo', 'look here']);
    await alice.request('DELETE /repos/{owner}/{repo}/pulls/comments/{comment_id}', {
      ...own,
      comment_id: reviewComment.data.id,
    });

    const closed = await alice.request('PATCH /repos/{owner}/{repo}/pulls/{pull_number}', {
      ...own,
      pull_number: 1,
      state: 'closed',
    });
    expect(closed.data.state).toBe('closed');
    expect(closed.data.closed_at).not.toBeNull();
    const reopened = await alice.request('PATCH /repos/{owner}/{repo}/pulls/{pull_number}', {
      ...own,
      pull_number: 1,
      state: 'open',
      base: 'feature',
    });
    expect(reopened.data.base.ref).toBe('feature');
    const got = await alice.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
      ...own,
      pull_number: 1,
    });
    expect(got.data.labels.map((l) => l.name)).toEqual(['restore']);
    expect(got.data.comments).toBe(1);
    expect(
      await statusOf(
        alice.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { ...own, pull_number: 99 }),
      ),
    ).toBe(404);
    const actions = forge.admin
      .auditEvents()
      .map((e) => e.action)
      .filter((a) => a.startsWith('pull_request') || a.startsWith('issue_comment'));
    expect(new Set(actions)).toEqual(
      new Set([
        'pull_request.create',
        'pull_request.edit',
        'pull_request.create_review_request',
        'pull_request.remove_review_request',
        'pull_request.labeled',
        'pull_request.unlabeled',
        'pull_request_review.submit',
        'issue_comment.create',
        'issue_comment.update',
        'issue_comment.destroy',
        'pull_request_review_comment.create',
        'pull_request_review_comment.delete',
        'pull_request.close',
        'pull_request.reopen',
      ]),
    );
  });

  it('manages environments and Actions variables in both scopes', async () => {
    const own = { owner: 'acme', repo: 'app' };
    const env = await alice.request('PUT /repos/{owner}/{repo}/environments/{environment_name}', {
      ...own,
      environment_name: 'production',
      wait_timer: 5,
    });
    expect(env.data.name).toBe('production');
    await alice.request('PUT /repos/{owner}/{repo}/environments/{environment_name}', {
      ...own,
      environment_name: 'staging',
    });
    const envs = await alice.request('GET /repos/{owner}/{repo}/environments', own);
    expect(envs.data.environments?.map((e) => e.name)).toEqual(['production', 'staging']);
    await alice.request('GET /repos/{owner}/{repo}/environments/{environment_name}', {
      ...own,
      environment_name: 'staging',
    });

    const created = await alice.request('POST /repos/{owner}/{repo}/actions/variables', {
      ...own,
      name: 'region',
      value: 'eu-west-1',
    });
    expect(created.status).toBe(201);
    await expect(
      alice.request('POST /repos/{owner}/{repo}/actions/variables', {
        ...own,
        name: 'REGION',
        value: 'x',
      }),
    ).rejects.toMatchObject({ status: 409 });
    await alice.request('PATCH /repos/{owner}/{repo}/actions/variables/{name}', {
      ...own,
      name: 'REGION',
      value: 'us-east-1',
    });
    const variable = await alice.request('GET /repos/{owner}/{repo}/actions/variables/{name}', {
      ...own,
      name: 'REGION',
    });
    expect(variable.data).toMatchObject({ name: 'REGION', value: 'us-east-1' });
    await alice.request('POST /repos/{owner}/{repo}/actions/variables', {
      ...own,
      name: 'DOOMED',
      value: '1',
    });
    await alice.request('DELETE /repos/{owner}/{repo}/actions/variables/{name}', {
      ...own,
      name: 'DOOMED',
    });
    const list = await alice.request('GET /repos/{owner}/{repo}/actions/variables', own);
    expect(list.data.variables.map((v) => v.name)).toEqual(['REGION']);

    const scoped = { ...own, environment_name: 'production' };
    await alice.request('POST /repos/{owner}/{repo}/environments/{environment_name}/variables', {
      ...scoped,
      name: 'DB_HOST',
      value: 'db.internal',
    });
    await alice.request(
      'PATCH /repos/{owner}/{repo}/environments/{environment_name}/variables/{name}',
      { ...scoped, name: 'DB_HOST', value: 'db2.internal' },
    );
    const envVar = await alice.request(
      'GET /repos/{owner}/{repo}/environments/{environment_name}/variables/{name}',
      { ...scoped, name: 'DB_HOST' },
    );
    expect(envVar.data.value).toBe('db2.internal');
    await alice.request('POST /repos/{owner}/{repo}/environments/{environment_name}/variables', {
      ...scoped,
      name: 'TEMP',
      value: 't',
    });
    await alice.request(
      'DELETE /repos/{owner}/{repo}/environments/{environment_name}/variables/{name}',
      { ...scoped, name: 'TEMP' },
    );
    const envList = await alice.request(
      'GET /repos/{owner}/{repo}/environments/{environment_name}/variables',
      scoped,
    );
    expect(envList.data.variables.map((v) => v.name)).toEqual(['DB_HOST']);
    expect(
      await statusOf(
        alice.request('GET /repos/{owner}/{repo}/environments/{environment_name}/variables', {
          ...own,
          environment_name: 'nowhere',
        }),
      ),
    ).toBe(404);
    await alice.request('DELETE /repos/{owner}/{repo}/environments/{environment_name}', {
      ...own,
      environment_name: 'staging',
    });
    expect(
      forge.admin
        .auditEvents()
        .filter((e) => e.action.includes('actions_variable'))
        .map((e) => `${e.action} ${String(e.data?.key)}`),
    ).toEqual([
      'repo.create_actions_variable REGION',
      'repo.update_actions_variable REGION',
      'repo.create_actions_variable DOOMED',
      'repo.remove_actions_variable DOOMED',
      'environment.create_actions_variable DB_HOST',
      'environment.update_actions_variable DB_HOST',
      'environment.create_actions_variable TEMP',
      'environment.remove_actions_variable TEMP',
    ]);
  });

  it('opens libsodium sealed-box secrets and never returns or logs their values', async () => {
    const own = { owner: 'acme', repo: 'app' };
    const plaintext = `s3cr3t-${Date.now()}-value`;
    const key = await alice.request('GET /repos/{owner}/{repo}/actions/secrets/public-key', own);
    const put = await alice.request('PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}', {
      ...own,
      secret_name: 'DEPLOY_KEY',
      encrypted_value: await sealFor(key.data.key, plaintext),
      key_id: key.data.key_id,
    });
    expect(put.status).toBe(201);
    expect(forge.admin.readSecret('acme', 'app', 'DEPLOY_KEY')).toBe(plaintext);
    const again = await alice.request('PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}', {
      ...own,
      secret_name: 'DEPLOY_KEY',
      encrypted_value: await sealFor(key.data.key, `${plaintext}-2`),
      key_id: key.data.key_id,
    });
    expect(again.status).toBe(204);
    expect(forge.admin.readSecret('acme', 'app', 'DEPLOY_KEY')).toBe(`${plaintext}-2`);
    await expect(
      alice.request('PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}', {
        ...own,
        secret_name: 'BROKEN',
        encrypted_value: Buffer.from('not a sealed box at all, not at all').toString('base64'),
        key_id: key.data.key_id,
      }),
    ).rejects.toMatchObject({ status: 422 });
    const list = await alice.request('GET /repos/{owner}/{repo}/actions/secrets', own);
    expect(list.data.secrets).toEqual([
      { name: 'DEPLOY_KEY', created_at: expect.any(String), updated_at: expect.any(String) },
    ]);
    await alice.request('GET /repos/{owner}/{repo}/actions/secrets/{secret_name}', {
      ...own,
      secret_name: 'DEPLOY_KEY',
    });

    const scoped = { ...own, environment_name: 'production' };
    const envKey = await alice.request(
      'GET /repos/{owner}/{repo}/environments/{environment_name}/secrets/public-key',
      scoped,
    );
    expect(envKey.data.key).not.toBe(key.data.key);
    await alice.request(
      'PUT /repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}',
      {
        ...scoped,
        secret_name: 'DB_PASSWORD',
        encrypted_value: await sealFor(envKey.data.key, `${plaintext}-env`),
        key_id: envKey.data.key_id,
      },
    );
    expect(forge.admin.readSecret('acme', 'app', 'DB_PASSWORD', 'production')).toBe(
      `${plaintext}-env`,
    );
    const envList = await alice.request(
      'GET /repos/{owner}/{repo}/environments/{environment_name}/secrets',
      scoped,
    );
    expect(envList.data.secrets.map((s) => s.name)).toEqual(['DB_PASSWORD']);
    await alice.request(
      'GET /repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}',
      { ...scoped, secret_name: 'DB_PASSWORD' },
    );
    await alice.request(
      'DELETE /repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}',
      { ...scoped, secret_name: 'DB_PASSWORD' },
    );
    await alice.request('PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}', {
      ...own,
      secret_name: 'SHORT_LIVED',
      encrypted_value: await sealFor(key.data.key, `${plaintext}-short`),
      key_id: key.data.key_id,
    });
    await alice.request('DELETE /repos/{owner}/{repo}/actions/secrets/{secret_name}', {
      ...own,
      secret_name: 'SHORT_LIVED',
    });
    expect(
      await statusOf(
        alice.request('GET /repos/{owner}/{repo}/actions/secrets/{secret_name}', {
          ...own,
          secret_name: 'SHORT_LIVED',
        }),
      ),
    ).toBe(404);

    const audit = await readFile(path.join(dataDir, 'audit.ndjson'), 'utf8');
    const state = await readFile(path.join(dataDir, 'state.json'), 'utf8');
    expect(state).not.toContain(plaintext);
    expect(state).not.toContain(adminToken);
    for (const text of [audit, ...seen.bodies, ...seen.headers]) {
      expect(text).not.toContain(plaintext);
    }
    expect(
      forge.admin
        .auditEvents()
        .filter((e) => e.action.includes('actions_secret'))
        .map((e) => e.action),
    ).toEqual([
      'repo.create_actions_secret',
      'repo.update_actions_secret',
      'environment.create_actions_secret',
      'environment.remove_actions_secret',
      'repo.create_actions_secret',
      'repo.remove_actions_secret',
    ]);
  });

  it('refuses bad, missing and expired tokens with 401', async () => {
    await expect(client('ghp_notatokenthatexists').request('GET /user')).rejects.toMatchObject({
      status: 401,
      response: { data: { message: 'Bad credentials' } },
    });
    await expect(client(undefined).request('GET /user')).rejects.toMatchObject({ status: 401 });
    const expired = await forge.admin.createToken({
      login: 'alice',
      type: 'classic',
      scopes: ['repo'],
      expiresAt: Date.now() - 1000,
    });
    await expect(client(expired).request('GET /user')).rejects.toMatchObject({ status: 401 });
  });

  it('answers 403 outside a classic token scopes and a fine-grained token permissions', async () => {
    const own = { owner: 'acme', repo: 'app' };
    const denied = orgReader.request('GET /repos/{owner}/{repo}', own);
    await expect(denied).rejects.toMatchObject({ status: 403 });
    const error = (await denied.then(
      () => undefined,
      (e: unknown) => e,
    )) as { response: { headers: Record<string, string> } };
    expect(error.response.headers['x-accepted-oauth-scopes']).toBe('repo');
    expect(error.response.headers['x-oauth-scopes']).toBe('read:org');
    await expect(noDelete.request('DELETE /repos/{owner}/{repo}', own)).rejects.toMatchObject({
      status: 403,
    });
    await expect(
      noDelete.request('GET /orgs/{org}/audit-log', { org: 'acme' }),
    ).rejects.toMatchObject({ status: 403 });

    await readOnly.request('GET /repos/{owner}/{repo}/actions/variables', own);
    await readOnly.request('GET /repos/{owner}/{repo}/pulls', own);
    await expect(
      readOnly.request('POST /repos/{owner}/{repo}/actions/variables', {
        ...own,
        name: 'NOPE',
        value: '1',
      }),
    ).rejects.toMatchObject({
      status: 403,
      response: { data: { message: 'Resource not accessible by personal access token' } },
    });
    await expect(
      readOnly.request('PATCH /repos/{owner}/{repo}/git/refs/{ref}', {
        ...own,
        ref: 'heads/main',
        sha: '0'.repeat(40),
      }),
    ).rejects.toMatchObject({ status: 403 });
    await expect(
      readOnly.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'empty' }),
    ).rejects.toMatchObject({ status: 403 });
    await expect(
      bob.request('GET /repos/{owner}/{repo}/actions/secrets', own),
    ).rejects.toMatchObject({ status: 403 });
    const visible = await readOnly.request('GET /orgs/{org}/repos', { org: 'acme' });
    expect(visible.data.map((r) => r.name)).toEqual(['app']);
  });

  it('writes every mutation to audit.ndjson in GitHub format and serves it per organisation', async () => {
    const lines = (await readFile(path.join(dataDir, 'audit.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.length).toBe(forge.admin.auditEvents().length);
    const byAlice = lines.filter((e) => e.actor === 'alice');
    expect(byAlice.length).toBeGreaterThan(20);
    for (const event of byAlice) {
      expect(event).toMatchObject({
        action: expect.any(String),
        actor: 'alice',
        actor_id: expect.any(Number),
        actor_is_bot: false,
        created_at: expect.any(Number),
        '@timestamp': expect.any(Number),
        _document_id: expect.any(String),
        user_agent: expect.stringContaining('octokit'),
        actor_ip: '127.0.0.1',
        hashed_token: sha256(adminToken),
        token_id: expect.any(Number),
        token_scopes: 'repo,delete_repo,read:audit_log',
        programmatic_access_type: 'Personal access token (classic)',
        request_id: expect.any(String),
        operation_type: expect.stringMatching(/^(create|modify|remove|access)$/),
      });
    }
    const byBob = lines.find((e) => e.actor === 'bob');
    expect(byBob).toMatchObject({
      hashed_token: sha256(bobToken),
      programmatic_access_type: 'Fine-grained personal access token',
    });
    expect(byBob).not.toHaveProperty('token_scopes');

    const created = await alice.request('GET /orgs/{org}/audit-log', {
      org: 'acme',
      phrase: 'action:repo.create actor:alice repo:acme/app',
    });
    type Event = { action: string; created_at: number };
    expect((created.data as Event[]).map((e) => e.action)).toEqual(['repo.create']);
    const web = await alice.request('GET /orgs/{org}/audit-log', { org: 'acme', per_page: 100 });
    const webEvents = web.data as Event[];
    expect(webEvents.every((e) => !e.action.startsWith('git.'))).toBe(true);
    expect(webEvents[0]?.created_at).toBeGreaterThanOrEqual(webEvents.at(-1)?.created_at ?? 0);
    const gitLog = await alice.request('GET /orgs/{org}/audit-log', {
      org: 'acme',
      include: 'git',
      order: 'asc',
    });
    const gitEvents = gitLog.data as Event[];
    expect(gitEvents.length).toBeGreaterThan(0);
    expect(gitEvents.every((e) => e.action === 'git.push')).toBe(true);
    const pages = await alice.paginate(
      'GET /orgs/{org}/audit-log' as 'GET /orgs/{org}/repos',
      {
        org: 'acme',
        include: 'all',
        order: 'asc',
        per_page: 7,
      } as never,
    );
    const orgEvents = lines.filter((e) => e.org === 'acme');
    expect(
      (pages as unknown as Array<{ _document_id: string }>).map((e) => e._document_id),
    ).toEqual(orgEvents.map((e) => e._document_id));
  });

  it('deletes a repository with everything in it', async () => {
    await alice.request('DELETE /repos/{owner}/{repo}', { owner: 'acme', repo: 'empty' });
    expect(
      await statusOf(alice.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'empty' })),
    ).toBe(404);
    expect(forge.admin.auditEvents().at(-1)).toMatchObject({
      action: 'repo.destroy',
      repo: 'acme/empty',
      operation_type: 'remove',
    });
  });

  it('serialises concurrent mutations without losing or duplicating any', async () => {
    const own = { owner: 'acme', repo: 'app' };
    const names = Array.from({ length: 25 }, (_, i) => `CONCURRENT_${i}`);
    await Promise.all(
      names.map((name) =>
        alice.request('POST /repos/{owner}/{repo}/actions/variables', {
          ...own,
          name,
          value: name,
        }),
      ),
    );
    const comments = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        alice.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
          ...own,
          issue_number: 2,
          body: `c${i}`,
        }),
      ),
    );
    expect(new Set(comments.map((c) => c.data.id)).size).toBe(10);
    const listed = await alice.paginate('GET /repos/{owner}/{repo}/actions/variables', {
      ...own,
      per_page: 30,
    });
    expect(listed.filter((v) => v.name.startsWith('CONCURRENT_')).length).toBe(25);
    const state = JSON.parse(await readFile(path.join(dataDir, 'state.json'), 'utf8')) as {
      repos: Record<string, { variables: Record<string, unknown> }>;
    };
    expect(Object.keys(state.repos['acme/app']?.variables ?? {})).toEqual(
      expect.arrayContaining(names),
    );
  });

  it('restores everything after a restart on the same data directory', async () => {
    const before = forge.admin.auditEvents().length;
    await forge.close();
    forge = await startForge({ dataDir, log: () => undefined });
    alice = client(adminToken);
    const repo = await alice.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'app' });
    expect(repo.data.description).toBe('the app');
    const pulls = await alice.request('GET /repos/{owner}/{repo}/pulls', {
      owner: 'acme',
      repo: 'app',
      state: 'all',
    });
    expect(pulls.data.map((p) => p.number).sort()).toEqual([1, 2]);
    expect(forge.admin.readSecret('acme', 'app', 'DEPLOY_KEY')).toMatch(/^s3cr3t-/);
    expect(forge.admin.auditEvents().length).toBe(before);
    const next = await alice.request('POST /repos/{owner}/{repo}/pulls', {
      owner: 'acme',
      repo: 'app',
      title: 'after restart',
      head: 'topic',
      base: 'main',
    });
    expect(next.data.number).toBe(3);
    expect(forge.admin.auditEvents().length).toBe(before + 1);
  });

  it('met no OpenAPI mismatch on any exchange', () => {
    const mismatches = records.flatMap((r) => r.mismatches);
    expect(mismatches).toEqual([]);
    const exercised = new Set(records.flatMap((r) => r.exchanges));
    expect(exercised.size).toBeGreaterThan(60);
  });
});

describe('sandbox forge rate limits', () => {
  it('answers GitHub headers, 403 when the window is spent and 429 with Retry-After past the secondary limit', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'bulkhead-forge-rate-'));
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const forge = await startForge({
      dataDir,
      clock: () => now,
      rateLimit: { limit: 3, windowMs: 60_000 },
      log: () => undefined,
    });
    try {
      const token = await forge.admin.createToken({ login: 'rita', type: 'classic', scopes: [] });
      const seen: SeenTraffic = { bodies: [], headers: [] };
      const { octokit, record } = validatedOctokit(forge.apiUrl, token, validator, seen);
      const first = await octokit.request('GET /user');
      expect(first.headers).toMatchObject({
        'x-ratelimit-limit': '3',
        'x-ratelimit-remaining': '2',
        'x-ratelimit-used': '1',
        'x-ratelimit-reset': String(Math.ceil((now + 60_000) / 1000)),
        'x-ratelimit-resource': 'core',
      });
      await octokit.request('GET /user');
      await octokit.request('GET /user');
      await expect(octokit.request('GET /user')).rejects.toMatchObject({
        status: 403,
        response: { headers: { 'x-ratelimit-remaining': '0' } },
      });
      const status = await octokit.request('GET /rate_limit');
      expect(status.data.rate).toMatchObject({ limit: 3, remaining: 0, used: 3 });
      expect(record.mismatches).toEqual([]);
    } finally {
      await forge.close();
    }

    const burstDir = await mkdtemp(path.join(tmpdir(), 'bulkhead-forge-burst-'));
    const burst = await startForge({
      dataDir: burstDir,
      clock: () => now,
      rateLimit: { limit: 100, windowMs: 60_000, perSecond: 2 },
      log: () => undefined,
    });
    try {
      const token = await burst.admin.createToken({ login: 'rita', type: 'classic', scopes: [] });
      const seen: SeenTraffic = { bodies: [], headers: [] };
      const { octokit, record } = validatedOctokit(burst.apiUrl, token, validator, seen);
      const results = await Promise.allSettled(
        Array.from({ length: 4 }, () => octokit.request('GET /user')),
      );
      const refused = results.filter((r) => r.status === 'rejected');
      expect(refused).toHaveLength(2);
      expect(refused[0]).toMatchObject({
        reason: { status: 429, response: { headers: { 'retry-after': '1' } } },
      });
      expect(record.mismatches).toEqual([]);
    } finally {
      await burst.close();
      await rm(dataDir, { recursive: true, force: true });
      await rm(burstDir, { recursive: true, force: true });
    }
  });
});

describe('sandbox forge git smart HTTP', () => {
  it('audits clones and pushes (forced ones too) and refuses a push without contents:write', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'bulkhead-forge-git-'));
    const work = await mkdtemp(path.join(tmpdir(), 'bulkhead-forge-work-'));
    const forge = await startForge({ dataDir, log: () => undefined });
    try {
      await forge.admin.createOrg('acme');
      const token = await forge.admin.createToken({
        login: 'pusher',
        type: 'fine-grained',
        isBot: true,
        repositories: { 'acme/app': { contents: 'write', administration: 'write' } },
      });
      const reader = await forge.admin.createToken({
        login: 'reader',
        type: 'fine-grained',
        repositories: { 'acme/app': { contents: 'read' } },
      });
      await forge.admin.createToken({
        login: 'owner',
        type: 'classic',
        scopes: ['repo'],
      });
      const seen: SeenTraffic = { bodies: [], headers: [] };
      const { octokit, record } = validatedOctokit(forge.apiUrl, token, validator, seen);
      await expect(
        octokit.request('POST /orgs/{org}/repos', { org: 'acme', name: 'app', auto_init: true }),
      ).rejects.toMatchObject({ status: 403 });
      const ownerToken = await forge.admin.createToken({
        login: 'owner',
        type: 'fine-grained',
        repositories: { 'acme/*': { administration: 'write' } },
      });
      const owner = validatedOctokit(forge.apiUrl, ownerToken, validator, seen);
      await owner.octokit.request('POST /orgs/{org}/repos', {
        org: 'acme',
        name: 'app',
        auto_init: true,
      });

      const dir = path.join(work, 'clone');
      const url = forge.gitUrl('acme', 'app');
      const auth = (value: string) => () => ({ username: value });
      await git.clone({ fs, http, dir, url, onAuth: auth(token), singleBranch: true });
      const base = await git.resolveRef({ fs, dir, ref: 'HEAD' });
      const author = { name: 'Pusher', email: 'pusher@example.invalid', timestamp: 1_767_268_800 };
      await fs.promises.writeFile(path.join(dir, 'a.txt'), 'one\n');
      await git.add({ fs, dir, filepath: 'a.txt' });
      const first = await git.commit({ fs, dir, message: 'one', author });
      await git.push({
        fs,
        http,
        dir,
        url,
        onAuth: auth(token),
        ref: 'main',
        headers: { 'User-Agent': 'agent-under-test/1.0' },
      });

      await expect(
        git.push({ fs, http, dir, url, onAuth: auth(reader), ref: 'main', force: true }),
      ).rejects.toMatchObject({ data: { statusCode: 403 } });

      await git.writeRef({ fs, dir, ref: 'refs/heads/main', value: base, force: true });
      await fs.promises.writeFile(path.join(dir, 'b.txt'), 'rewritten\n');
      await git.add({ fs, dir, filepath: 'b.txt' });
      const rewritten = await git.commit({ fs, dir, message: 'rewrite', author });
      await git.push({ fs, http, dir, url, onAuth: auth(token), ref: 'main', force: true });

      const pushes = forge.admin.auditEvents().filter((e) => e.action === 'git.push');
      expect(pushes.map((e) => e.data)).toEqual([
        { ref: 'refs/heads/main', before: base, after: first, forced: false, via: 'git' },
        { ref: 'refs/heads/main', before: first, after: rewritten, forced: true, via: 'git' },
      ]);
      expect(pushes[0]).toMatchObject({
        actor: 'pusher',
        actor_is_bot: true,
        org: 'acme',
        repo: 'acme/app',
        hashed_token: sha256(token),
        programmatic_access_type: 'Fine-grained personal access token',
        transport_protocol_name: 'http',
        user_agent: 'agent-under-test/1.0',
        actor_ip: '127.0.0.1',
      });
      expect(forge.admin.auditEvents().filter((e) => e.action === 'git.fetch').length).toBe(1);
      const main = await octokit.request('GET /repos/{owner}/{repo}/git/ref/{ref}', {
        owner: 'acme',
        repo: 'app',
        ref: 'heads/main',
      });
      expect(main.data.object.sha).toBe(rewritten);
      expect(record.mismatches).toEqual([]);
      expect(owner.record.mismatches).toEqual([]);
    } finally {
      await forge.close();
      await rm(dataDir, { recursive: true, force: true });
      await rm(work, { recursive: true, force: true });
    }
  });
});
