import { z } from 'zod';
import { deleteRef, isAncestor, updateRef } from '../../git-http/bare-repo';
import { notFound, unprocessable } from '../api-error';
import type { ApiContext } from '../api-context';
import { isValidRefName, listTypedRefs, objectType, type TypedRef } from '../git-plumbing';
import type { Route } from '../router';
import { nodeId } from '../shapes';
import { repoKey, type RepoRecord } from '../state';
import { emptyRepository, paginate, parseBody, repoDirOf, repoOr404 } from './helpers';

const zeroSha = '0'.repeat(40);
const read = { kind: 'repo', permission: 'contents', level: 'read', classic: ['repo'] } as const;
const write = { kind: 'repo', permission: 'contents', level: 'write', classic: ['repo'] } as const;

const objectPath: Readonly<Record<TypedRef['type'], string>> = {
  commit: 'commits',
  tag: 'tags',
  tree: 'trees',
  blob: 'blobs',
};

function refJson(ctx: ApiContext, repo: RepoRecord, ref: TypedRef) {
  const api = `${ctx.forge.urls.api}/repos/${repo.owner}/${repo.name}`;
  return {
    ref: ref.ref,
    node_id: Buffer.from(`Ref:${nodeId('Repository', repo.id)}:${ref.ref}`).toString('base64'),
    url: `${api}/git/${ref.ref}`,
    object: { type: ref.type, sha: ref.sha, url: `${api}/git/${objectPath[ref.type]}/${ref.sha}` },
  };
}

async function refsOf(ctx: ApiContext, repo: RepoRecord): Promise<TypedRef[]> {
  const refs = await listTypedRefs(repoDirOf(ctx.forge, repo));
  if (refs.length === 0) throw emptyRepository();
  return refs;
}

/** The full ref name for a `{ref}` path parameter (`heads/main` -> `refs/heads/main`). */
function fullRef(ctx: ApiContext): string {
  const ref = ctx.params.ref ?? '';
  return ref.startsWith('refs/') ? ref : `refs/${ref}`;
}

function touch(ctx: ApiContext, repo: RepoRecord): void {
  const now = ctx.forge.iso();
  ctx.state.repos[repoKey(repo.owner, repo.name)] = { ...repo, pushedAt: now, updatedAt: now };
}

function auditRef(
  ctx: ApiContext,
  repo: RepoRecord,
  data: { ref: string; before: string; after: string; forced: boolean },
) {
  ctx.audit({
    action: 'git.push',
    operationType:
      data.before === zeroSha ? 'create' : data.after === zeroSha ? 'remove' : 'modify',
    repo,
    data: { ...data, via: 'rest' },
  });
}

const listAll: Route['handle'] = async (ctx) => {
  const repo = repoOr404(ctx);
  const refs = await refsOf(ctx, repo);
  return { status: 200, body: refs.map((ref) => refJson(ctx, repo, ref)) };
};

/** Git references: get, list (all, matching), create, update (fast-forward or force), delete. */
export const refRoutes: ReadonlyArray<Route> = [
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/git/ref/{ref+}',
    access: read,
    async handle(ctx) {
      const repo = repoOr404(ctx);
      const wanted = fullRef(ctx);
      const ref = (await refsOf(ctx, repo)).find((r) => r.ref === wanted);
      if (!ref) throw notFound();
      return { status: 200, body: refJson(ctx, repo, ref) };
    },
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/git/matching-refs/{ref+}',
    access: read,
    async handle(ctx) {
      const repo = repoOr404(ctx);
      const prefix = fullRef(ctx);
      const refs = (await refsOf(ctx, repo)).filter((r) => r.ref.startsWith(prefix));
      const page = paginate(ctx, refs);
      return {
        status: 200,
        body: page.items.map((ref) => refJson(ctx, repo, ref)),
        headers: page.headers,
      };
    },
  },
  // Not in GitHub's current description, but GitHub still answers them (every ref).
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/git/matching-refs',
    access: read,
    handle: listAll,
  },
  { method: 'GET', template: '/repos/{owner}/{repo}/git/refs', access: read, handle: listAll },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/branches',
    access: read,
    async handle(ctx) {
      const repo = repoOr404(ctx);
      const refs = await listTypedRefs(repoDirOf(ctx.forge, repo));
      const api = `${ctx.forge.urls.api}/repos/${repo.owner}/${repo.name}`;
      const branches = refs
        .filter((r) => r.ref.startsWith('refs/heads/'))
        .map((r) => ({
          name: r.ref.slice('refs/heads/'.length),
          commit: { sha: r.sha, url: `${api}/commits/${r.sha}` },
          protected: false,
        }));
      const page = paginate(ctx, branches);
      return { status: 200, body: page.items, headers: page.headers };
    },
  },
  {
    method: 'POST',
    template: '/repos/{owner}/{repo}/git/refs',
    access: write,
    async handle(ctx) {
      const repo = repoOr404(ctx);
      const input = parseBody(
        z.object({ ref: z.string(), sha: z.string() }),
        ctx.body,
        'Reference',
      );
      if (!(await isValidRefName(input.ref))) throw unprocessable('Reference name is not valid');
      const dir = repoDirOf(ctx.forge, repo);
      const type = await objectType(dir, input.sha);
      if (!type) throw unprocessable('Object does not exist');
      await ctx.forge.locks.withLock(repoKey(repo.owner, repo.name), async () => {
        const existing = (await listTypedRefs(dir)).find((r) => r.ref === input.ref);
        if (existing) throw unprocessable('Reference already exists');
        await updateRef(dir, input.ref, input.sha, null);
      });
      touch(ctx, repo);
      auditRef(ctx, repo, { ref: input.ref, before: zeroSha, after: input.sha, forced: false });
      return { status: 201, body: refJson(ctx, repo, { ref: input.ref, sha: input.sha, type }) };
    },
  },
  {
    method: 'PATCH',
    template: '/repos/{owner}/{repo}/git/refs/{ref+}',
    access: write,
    async handle(ctx) {
      const repo = repoOr404(ctx);
      const input = parseBody(
        z.object({ sha: z.string(), force: z.boolean().optional() }),
        ctx.body,
        'Reference',
      );
      const name = fullRef(ctx);
      const dir = repoDirOf(ctx.forge, repo);
      const type = await objectType(dir, input.sha);
      if (!type) throw unprocessable('Object does not exist');
      const result = await ctx.forge.locks.withLock(repoKey(repo.owner, repo.name), async () => {
        const current = (await listTypedRefs(dir)).find((r) => r.ref === name);
        if (!current) throw unprocessable('Reference does not exist');
        const fastForward =
          current.sha === input.sha ||
          (await isAncestor(dir, current.sha, input.sha).catch(() => false));
        if (!fastForward && !input.force) throw unprocessable('Update is not a fast forward');
        if (current.sha !== input.sha) await updateRef(dir, name, input.sha, current.sha);
        return { before: current.sha, forced: !fastForward };
      });
      if (result.before !== input.sha) {
        touch(ctx, repo);
        auditRef(ctx, repo, {
          ref: name,
          before: result.before,
          after: input.sha,
          forced: result.forced,
        });
      }
      return { status: 200, body: refJson(ctx, repo, { ref: name, sha: input.sha, type }) };
    },
  },
  {
    method: 'DELETE',
    template: '/repos/{owner}/{repo}/git/refs/{ref+}',
    access: write,
    async handle(ctx) {
      const repo = repoOr404(ctx);
      const name = fullRef(ctx);
      const dir = repoDirOf(ctx.forge, repo);
      const before = await ctx.forge.locks.withLock(repoKey(repo.owner, repo.name), async () => {
        const current = (await listTypedRefs(dir)).find((r) => r.ref === name);
        if (!current) throw unprocessable('Reference does not exist');
        await deleteRef(dir, name, current.sha);
        return current.sha;
      });
      touch(ctx, repo);
      auditRef(ctx, repo, { ref: name, before, after: zeroSha, forced: false });
      return { status: 204 };
    },
  },
];
