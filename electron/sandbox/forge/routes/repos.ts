import { z } from 'zod';
import { deleteRepoDir, initBareRepo } from '../../git-http/bare-repo';
import { isValidRepoName } from '../../git-http/repo-path';
import { notFound, validationFailed } from '../api-error';
import { nextId, type ApiContext } from '../api-context';
import { tokenAllowsRepo } from '../auth';
import { newKeyPair } from '../sealed-box';
import { createInitialCommit } from '../git-plumbing';
import type { Route } from '../router';
import { repoJson } from '../shapes';
import { repoKey, type AccountRecord, type RepoRecord } from '../state';
import { paginate, parseBody, repoOr404 } from './helpers';

const createRepoBody = z.object({
  name: z.string().min(1).max(100),
  description: z.string().nullable().optional(),
  homepage: z.string().nullable().optional(),
  private: z.boolean().optional(),
  visibility: z.enum(['public', 'private', 'internal']).optional(),
  auto_init: z.boolean().optional(),
});

/** Whether the caller's token can see a repository at all (metadata read). */
export function canSee(ctx: ApiContext, repo: RepoRecord): boolean {
  return (
    !repo.private ||
    tokenAllowsRepo(ctx.caller.token, repo.owner, repo.name, 'metadata', 'read', ['repo'])
  );
}

function visibleRepos(ctx: ApiContext, owners: ReadonlySet<string> | 'all'): RepoRecord[] {
  const fineGrained = ctx.caller.token.type === 'fine-grained';
  return Object.values(ctx.state.repos)
    .filter((repo) => owners === 'all' || owners.has(repo.owner.toLowerCase()))
    .filter((repo) =>
      fineGrained
        ? tokenAllowsRepo(ctx.caller.token, repo.owner, repo.name, 'metadata', 'read', [])
        : canSee(ctx, repo),
    )
    .sort((a, b) => a.id - b.id);
}

async function createRepo(ctx: ApiContext, owner: AccountRecord) {
  const input = parseBody(createRepoBody, ctx.body, 'Repository');
  if (!isValidRepoName(input.name)) {
    throw validationFailed({
      resource: 'Repository',
      code: 'custom',
      field: 'name',
      message: 'name is invalid',
    });
  }
  if (ctx.state.repos[repoKey(owner.login, input.name)]) {
    throw validationFailed({
      resource: 'Repository',
      code: 'custom',
      field: 'name',
      message: 'name already exists on this account',
    });
  }
  const now = ctx.forge.iso();
  const isPrivate = input.visibility ? input.visibility !== 'public' : (input.private ?? false);
  const repo: RepoRecord = {
    id: nextId(ctx.state),
    owner: owner.login,
    name: input.name,
    private: isPrivate,
    description: input.description ?? null,
    defaultBranch: 'main',
    createdAt: now,
    updatedAt: now,
    pushedAt: null,
    nextNumber: 1,
    labels: {},
    pulls: [],
    issueComments: [],
    reviews: [],
    reviewComments: [],
    variables: {},
    secrets: {},
    keyPair: await newKeyPair(nextId(ctx.state)),
    environments: {},
  };
  const repoDir = await initBareRepo(ctx.forge.reposRoot, repo.owner, repo.name, {
    defaultBranch: repo.defaultBranch,
  });
  let stored = repo;
  if (input.auto_init) {
    await createInitialCommit(repoDir, {
      branch: repo.defaultBranch,
      files: {
        'README.md': `# ${repo.name}\n${repo.description ? `\n${repo.description}\n` : ''}`,
      },
      message: 'Initial commit',
      author: {
        name: ctx.caller.account.login,
        email: `${ctx.caller.account.login}@users.noreply.bulkhead.invalid`,
      },
      at: ctx.forge.now(),
    });
    stored = { ...repo, pushedAt: now };
  }
  ctx.state.repos[repoKey(repo.owner, repo.name)] = stored;
  ctx.audit({
    action: 'repo.create',
    operationType: 'create',
    repo: stored,
    data: {
      visibility: stored.private ? 'private' : 'public',
      auto_init: input.auto_init ?? false,
    },
  });
  return { status: 201, body: repoJson(ctx.forge.urls, ctx.state, stored) };
}

const repoRead = {
  kind: 'repo',
  permission: 'metadata',
  level: 'read',
  classic: ['repo'],
} as const;

/** Repositories: list, get, create, delete. */
export const repoRoutes: ReadonlyArray<Route> = [
  {
    method: 'GET',
    template: '/orgs/{org}/repos',
    access: { kind: 'user' },
    handle(ctx) {
      const org = ctx.state.accounts[(ctx.params.org ?? '').toLowerCase()];
      if (!org || org.type !== 'Organization') throw notFound();
      const page = paginate(ctx, visibleRepos(ctx, new Set([org.login.toLowerCase()])));
      return {
        status: 200,
        body: page.items.map((repo) => repoJson(ctx.forge.urls, ctx.state, repo)),
        headers: page.headers,
      };
    },
  },
  {
    method: 'GET',
    template: '/user/repos',
    access: { kind: 'user' },
    handle(ctx) {
      const affiliation = (ctx.query.get('affiliation') ?? 'owner,collaborator,organization_member')
        .split(',')
        .map((a) => a.trim());
      const owners = new Set<string>();
      if (affiliation.includes('owner')) owners.add(ctx.caller.account.login.toLowerCase());
      if (affiliation.includes('organization_member')) {
        for (const account of Object.values(ctx.state.accounts)) {
          if (account.type === 'Organization') owners.add(account.login.toLowerCase());
        }
      }
      const page = paginate(ctx, visibleRepos(ctx, owners));
      return {
        status: 200,
        body: page.items.map((repo) => repoJson(ctx.forge.urls, ctx.state, repo)),
        headers: page.headers,
      };
    },
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}',
    access: repoRead,
    handle(ctx) {
      return { status: 200, body: repoJson(ctx.forge.urls, ctx.state, repoOr404(ctx)) };
    },
  },
  {
    method: 'POST',
    template: '/orgs/{org}/repos',
    access: { kind: 'create-repo', classic: ['repo'] },
    async handle(ctx) {
      const org = ctx.state.accounts[(ctx.params.org ?? '').toLowerCase()];
      if (!org || org.type !== 'Organization') throw notFound();
      return createRepo(ctx, org);
    },
  },
  {
    method: 'POST',
    template: '/user/repos',
    access: { kind: 'create-repo', classic: ['repo'] },
    async handle(ctx) {
      return createRepo(ctx, ctx.caller.account);
    },
  },
  {
    method: 'DELETE',
    template: '/repos/{owner}/{repo}',
    access: {
      kind: 'repo',
      permission: 'administration',
      level: 'write',
      classic: ['delete_repo'],
    },
    async handle(ctx) {
      const repo = repoOr404(ctx);
      await ctx.forge.locks.withLock(repoKey(repo.owner, repo.name), async () => {
        await deleteRepoDir(ctx.forge.reposRoot, repo.owner, repo.name);
      });
      delete ctx.state.repos[repoKey(repo.owner, repo.name)];
      ctx.audit({
        action: 'repo.destroy',
        operationType: 'remove',
        repo,
        data: { visibility: repo.private ? 'private' : 'public' },
      });
      return { status: 204 };
    },
  },
];
