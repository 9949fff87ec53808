import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Forge } from '../../../sandbox/forge/forge';
import { createGitHubAdapter, type GitHubAdapter } from '../../github/github-adapter';
import { git, gitAuthEnv } from './git-runner';

/**
 * Test-only: an organisation on the sandbox forge with real git history, pull requests
 * with reviews and comments, variables, secrets and an environment, pushed with native
 * git the way a team would.
 */

export interface SeededOrg {
  readonly owner: string;
  /** Writes and reads for the set-up and the checks (classic, `repo`). */
  readonly admin: GitHubAdapter;
  readonly adminToken: string;
  /** What the snapshot reads with: fine-grained, read-only. */
  readonly backupToken: string;
  /** A local clone per repository, to commit and push from. */
  readonly work: Readonly<Record<string, string>>;
  /** Commits a file change in a repository's work clone; resolves to the new commit. */
  commit(repo: string, file: string, content: string, message: string): Promise<string>;
  /** Runs git in a repository's work clone, pushing with the admin token. */
  git(repo: string, args: ReadonlyArray<string>): Promise<string>;
  /** The secret values a user would supply in a file. */
  readonly secretValues: Readonly<Record<string, unknown>>;
  /** Every plaintext secret value, to prove none is stored. */
  readonly plaintexts: ReadonlyArray<string>;
}

const author = {
  GIT_AUTHOR_NAME: 'Dev',
  GIT_AUTHOR_EMAIL: 'dev@example.invalid',
  GIT_COMMITTER_NAME: 'Dev',
  GIT_COMMITTER_EMAIL: 'dev@example.invalid',
  GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
};

/** Seeds `acme` with `api` (branches, tags, a reviewed PR, variables, secrets, an environment), `web` and an empty repository. */
export async function seedOrg(forge: Forge, root: string): Promise<SeededOrg> {
  const owner = 'acme';
  await forge.admin.createOrg(owner);
  const adminToken = await forge.admin.createToken({
    login: 'ops',
    type: 'classic',
    scopes: ['repo', 'delete_repo'],
  });
  const reviewerToken = await forge.admin.createToken({
    login: 'reviewer',
    type: 'classic',
    scopes: ['repo'],
  });
  const backupToken = await forge.admin.createToken({
    login: 'backup-bot',
    type: 'fine-grained',
    isBot: true,
    repositories: {
      [`${owner}/*`]: {
        contents: 'read',
        metadata: 'read',
        pull_requests: 'read',
        actions_variables: 'read',
        secrets: 'read',
        environments: 'read',
      },
    },
  });
  const quick = { baseUrl: forge.apiUrl, writeSpacingMs: 0, contentSpacingMs: 0 };
  const admin = createGitHubAdapter({ ...quick, token: adminToken });
  const reviewer = createGitHubAdapter({ ...quick, token: reviewerToken });
  const pushEnv = { ...author, ...gitAuthEnv(forge.url, adminToken) };

  const work: Record<string, string> = {};
  const inRepo = (repo: string, args: ReadonlyArray<string>) =>
    git(`git ${args[0] ?? ''} in ${repo}`, args, { gitDir: work[repo] ?? '', env: pushEnv });
  const commit = async (repo: string, file: string, content: string, message: string) => {
    const dir = work[repo] ?? '';
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), content);
    await inRepo(repo, ['add', file]);
    await inRepo(repo, ['commit', '--quiet', '-m', message]);
    return (await inRepo(repo, ['rev-parse', 'HEAD'])).trim();
  };

  for (const name of ['api', 'web', 'empty']) {
    await admin.createRepo(owner, { name, private: true, description: `The ${name}` });
    const dir = path.join(root, 'work', name);
    await git('init', ['init', '--quiet', '-b', 'main', dir]);
    await git('remote', ['remote', 'add', 'origin', forge.gitUrl(owner, name)], { gitDir: dir });
    work[name] = dir;
  }

  // api: three commits on main, a feature branch, an annotated and a lightweight tag.
  await commit('api', 'README.md', '# api\n', 'Initial commit');
  await commit('api', 'src/server.ts', 'export const port = 8080;\n', 'Add the server');
  await inRepo('api', ['tag', 'v0']);
  await commit('api', 'src/retry.ts', 'export const retries = 3;\n', 'Add retries');
  await inRepo('api', ['tag', '-a', 'v1', '-m', 'Release 1']);
  await inRepo('api', ['checkout', '--quiet', '-b', 'feature']);
  await commit('api', 'src/backoff.ts', 'export const backoffMs = 100;\n', 'Add backoff');
  await inRepo('api', ['checkout', '--quiet', 'main']);
  await inRepo('api', ['push', '--quiet', 'origin', 'main', 'feature', '--tags']);

  // web: main and a topic branch.
  await commit('web', 'index.html', '<h1>web</h1>\n', 'Initial commit');
  await inRepo('web', ['checkout', '--quiet', '-b', 'topic']);
  await commit('web', 'style.css', 'h1 { color: red; }\n', 'Style');
  await inRepo('web', ['checkout', '--quiet', 'main']);
  await inRepo('web', ['push', '--quiet', 'origin', 'main', 'topic']);

  // Pull requests: api's reviewed and commented; web's closed.
  const pr = await admin.createPull(owner, 'api', {
    title: 'Add backoff',
    body: 'Exponential backoff for retries',
    head: 'feature',
    base: 'main',
  });
  await admin.setLabels(owner, 'api', pr, ['backend', 'reliability']);
  await admin.requestReviewers(owner, 'api', pr, ['reviewer']);
  await admin.createIssueComment(owner, 'api', pr, 'Ready for review');
  const live = await admin.getPull(owner, 'api', pr);
  await reviewer.createReviewComment(owner, 'api', pr, {
    body: 'Cap the delay',
    commitId: live?.head.sha ?? '',
    path: 'src/backoff.ts',
    line: 1,
  });
  await reviewer.createReview(owner, 'api', pr, { body: 'Looks right', event: 'APPROVED' });
  const webPr = await admin.createPull(owner, 'web', {
    title: 'Red headings',
    body: '',
    head: 'topic',
    base: 'main',
  });
  await admin.updatePull(owner, 'web', webPr, { state: 'closed' });

  // Variables and secrets, at repository and environment scope.
  const api = { owner, repo: 'api' };
  const production = { ...api, environment: 'production' };
  await admin.createEnvironment(owner, 'api', 'production');
  await admin.setVariable(api, 'REGION', 'eu-west-1');
  await admin.setVariable(api, 'LOG_LEVEL', 'info');
  await admin.setVariable(production, 'REPLICAS', '3');
  await admin.setVariable({ owner, repo: 'web' }, 'CDN', 'cdn.example.invalid');
  const plaintexts = ['deploy-key-plaintext-7Qx9', 'db-password-plaintext-K2v8'];
  await admin.setSecret(api, 'DEPLOY_KEY', plaintexts[0] ?? '');
  await admin.setSecret(production, 'DB_PASSWORD', plaintexts[1] ?? '');

  return {
    owner,
    admin,
    adminToken,
    backupToken,
    work,
    commit,
    git: inRepo,
    secretValues: {
      'acme/api': {
        repository: { DEPLOY_KEY: plaintexts[0] },
        environments: { production: { DB_PASSWORD: plaintexts[1] } },
      },
    },
    plaintexts,
  };
}
