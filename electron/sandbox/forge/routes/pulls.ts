import { z } from 'zod';
import { isAncestor } from '../../git-http/bare-repo';
import { ApiError, notFound, validationFailed } from '../api-error';
import { nextId, type ApiContext } from '../api-context';
import type { Route } from '../router';
import {
  accountOf,
  issueCommentJson,
  labelJson,
  pullJson,
  pullSimpleJson,
  reviewCommentJson,
  reviewJson,
  userJson,
  type LiveRefs,
} from '../shapes';
import {
  repoKey,
  type PullRecord,
  type RepoRecord,
  type ReviewCommentRecord,
  type ReviewState,
} from '../state';
import { assertNever } from '../../../../shared/util/assert-never';
import {
  intParam,
  liveRefs,
  paginate,
  parseBody,
  pullOr404,
  repoDirOf,
  repoOr404,
  replacePull,
} from './helpers';

const read = {
  kind: 'repo',
  permission: 'pull_requests',
  level: 'read',
  classic: ['repo'],
} as const;
const write = {
  kind: 'repo',
  permission: 'pull_requests',
  level: 'write',
  classic: ['repo'],
} as const;

function branchOf(repo: RepoRecord, value: string, field: 'head' | 'base'): string {
  const colon = value.indexOf(':');
  if (colon < 0) return value;
  if (value.slice(0, colon).toLowerCase() !== repo.owner.toLowerCase()) {
    throw validationFailed({ resource: 'PullRequest', code: 'invalid', field });
  }
  return value.slice(colon + 1);
}

function shaOf(live: LiveRefs, branch: string, field: 'head' | 'base'): string {
  const sha = live.get(`refs/heads/${branch}`);
  if (!sha) throw validationFailed({ resource: 'PullRequest', code: 'invalid', field });
  return sha;
}

function pullAudit(pull: PullRecord) {
  return {
    pull_request_number: pull.number,
    pull_request_id: pull.id,
    pull_request_title: pull.title,
    head_ref: pull.head.ref,
    head_sha: pull.head.sha,
    base_ref: pull.base.ref,
    base_sha: pull.base.sha,
  };
}

function touchPull(ctx: ApiContext, repo: RepoRecord, next: PullRecord): PullRecord {
  const stamped = { ...next, updatedAt: ctx.forge.iso() };
  replacePull(repo, stamped);
  return stamped;
}

/** The labels of a request body in any of the shapes GitHub accepts. */
const labelsBody = z.union([
  z.array(z.string()),
  z.array(z.object({ name: z.string() })).transform((list) => list.map((l) => l.name)),
  z.string().transform((name) => [name]),
  z
    .object({ labels: z.array(z.union([z.string(), z.object({ name: z.string() })])) })
    .transform((b) => b.labels.map((l) => (typeof l === 'string' ? l : l.name))),
]);

function ensureLabels(ctx: ApiContext, repo: RepoRecord, names: ReadonlyArray<string>): string[] {
  const out: string[] = [];
  for (const name of names) {
    const key = name.toLowerCase();
    const existing = repo.labels[key];
    if (!existing) {
      repo.labels[key] = { id: nextId(ctx.state), name, color: 'ededed', description: null };
    }
    out.push((repo.labels[key] ?? { name }).name);
  }
  return out;
}

function labelsReply(ctx: ApiContext, repo: RepoRecord, pull: PullRecord) {
  return pull.labels.flatMap((name) => {
    const label = repo.labels[name.toLowerCase()];
    return label ? [labelJson(ctx.forge.urls, repo, label)] : [];
  });
}

function reviewStateOf(event: 'APPROVE' | 'REQUEST_CHANGES' | 'COMMENT' | undefined): ReviewState {
  switch (event) {
    case 'APPROVE':
      return 'APPROVED';
    case 'REQUEST_CHANGES':
      return 'CHANGES_REQUESTED';
    case 'COMMENT':
      return 'COMMENTED';
    case undefined:
      return 'PENDING';
    default:
      return assertNever(event, 'review event');
  }
}

const reviewCommentInput = z.object({
  body: z.string(),
  path: z.string(),
  line: z.number().int().positive().optional(),
  position: z.number().int().positive().optional(),
  side: z.enum(['LEFT', 'RIGHT']).optional(),
  subject_type: z.enum(['line', 'file']).optional(),
});

function commentOr404<T extends { readonly id: number }>(list: ReadonlyArray<T>, id: number): T {
  const found = list.find((c) => c.id === id);
  if (!found) throw notFound();
  return found;
}

/** Pull requests, their reviewers, labels, reviews, and both kinds of comments. */
export const pullRoutes: ReadonlyArray<Route> = [
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/pulls',
    access: read,
    async handle(ctx) {
      const repo = repoOr404(ctx);
      const state = ctx.query.get('state') ?? 'open';
      const head = ctx.query.get('head');
      const base = ctx.query.get('base');
      const sort = ctx.query.get('sort') ?? 'created';
      const direction = ctx.query.get('direction') ?? 'desc';
      const pulls = repo.pulls
        .filter((p) => state === 'all' || p.state === state)
        .filter(
          (p) =>
            !head ||
            `${repo.owner}:${p.head.ref}`.toLowerCase() === head.toLowerCase() ||
            p.head.ref === head,
        )
        .filter((p) => !base || p.base.ref === base)
        .sort((a, b) => {
          const key = sort === 'updated' ? 'updatedAt' : 'createdAt';
          const order = a[key] === b[key] ? a.number - b.number : a[key] < b[key] ? -1 : 1;
          return direction === 'asc' ? order : -order;
        });
      const page = paginate(ctx, pulls);
      const live = await liveRefs(ctx.forge, repo);
      return {
        status: 200,
        body: page.items.map((p) => pullSimpleJson(ctx.forge.urls, ctx.state, repo, p, live)),
        headers: page.headers,
      };
    },
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/pulls/{pull_number}',
    access: read,
    async handle(ctx) {
      const repo = repoOr404(ctx);
      const pull = pullOr404(repo, intParam(ctx, 'pull_number'));
      const live = await liveRefs(ctx.forge, repo);
      return { status: 200, body: pullJson(ctx.forge.urls, ctx.state, repo, pull, live) };
    },
  },
  {
    method: 'POST',
    template: '/repos/{owner}/{repo}/pulls',
    access: write,
    async handle(ctx) {
      const repo = repoOr404(ctx);
      const input = parseBody(
        z.object({
          title: z.string().min(1),
          head: z.string().min(1),
          base: z.string().min(1),
          body: z.string().nullable().optional(),
          draft: z.boolean().optional(),
          maintainer_can_modify: z.boolean().optional(),
        }),
        ctx.body,
        'PullRequest',
      );
      const headRef = branchOf(repo, input.head, 'head');
      const baseRef = input.base;
      const live = await liveRefs(ctx.forge, repo);
      const headSha = shaOf(live, headRef, 'head');
      const baseSha = shaOf(live, baseRef, 'base');
      const dir = repoDirOf(ctx.forge, repo);
      if (headSha === baseSha || (await isAncestor(dir, headSha, baseSha).catch(() => false))) {
        throw validationFailed({
          resource: 'PullRequest',
          code: 'custom',
          message: `No commits between ${baseRef} and ${headRef}`,
        });
      }
      if (
        repo.pulls.some(
          (p) => p.state === 'open' && p.head.ref === headRef && p.base.ref === baseRef,
        )
      ) {
        throw validationFailed({
          resource: 'PullRequest',
          code: 'custom',
          message: `A pull request already exists for ${repo.owner}:${headRef}.`,
        });
      }
      const now = ctx.forge.iso();
      const pull: PullRecord = {
        id: nextId(ctx.state),
        number: repo.nextNumber,
        title: input.title,
        body: input.body ?? null,
        state: 'open',
        draft: input.draft ?? false,
        head: { ref: headRef, sha: headSha },
        base: { ref: baseRef, sha: baseSha },
        user: ctx.caller.account.login,
        labels: [],
        requestedReviewers: [],
        createdAt: now,
        updatedAt: now,
        closedAt: null,
      };
      const next: RepoRecord = {
        ...repo,
        nextNumber: repo.nextNumber + 1,
        pulls: [...repo.pulls, pull],
      };
      ctx.state.repos[repoKey(repo.owner, repo.name)] = next;
      ctx.audit({
        action: 'pull_request.create',
        operationType: 'create',
        repo,
        data: pullAudit(pull),
      });
      return { status: 201, body: pullJson(ctx.forge.urls, ctx.state, next, pull, live) };
    },
  },
  {
    method: 'PATCH',
    template: '/repos/{owner}/{repo}/pulls/{pull_number}',
    access: write,
    async handle(ctx) {
      const repo = repoOr404(ctx);
      const pull = pullOr404(repo, intParam(ctx, 'pull_number'));
      const input = parseBody(
        z.object({
          title: z.string().min(1).optional(),
          body: z.string().nullable().optional(),
          state: z.enum(['open', 'closed']).optional(),
          base: z.string().min(1).optional(),
          maintainer_can_modify: z.boolean().optional(),
        }),
        ctx.body,
        'PullRequest',
      );
      const live = await liveRefs(ctx.forge, repo);
      let next: PullRecord = pull;
      const changes: Record<string, { from: unknown }> = {};
      if (input.title !== undefined && input.title !== pull.title) {
        changes.title = { from: pull.title };
        next = { ...next, title: input.title };
      }
      if (input.body !== undefined && input.body !== pull.body) {
        changes.body = { from: pull.body };
        next = { ...next, body: input.body };
      }
      if (input.base !== undefined && input.base !== pull.base.ref) {
        if (pull.state === 'closed' && input.state !== 'open') {
          throw validationFailed({
            resource: 'PullRequest',
            code: 'custom',
            field: 'base',
            message: 'Cannot change the base branch of a closed pull request.',
          });
        }
        changes.base = { from: pull.base.ref };
        next = { ...next, base: { ref: input.base, sha: shaOf(live, input.base, 'base') } };
      }
      const events: Array<{ action: string; operationType: 'modify' }> = [];
      if (Object.keys(changes).length > 0) {
        events.push({ action: 'pull_request.edit', operationType: 'modify' });
      }
      if (input.state === 'closed' && pull.state === 'open') {
        const head = live.get(`refs/heads/${next.head.ref}`) ?? next.head.sha;
        const base = live.get(`refs/heads/${next.base.ref}`) ?? next.base.sha;
        next = {
          ...next,
          state: 'closed',
          closedAt: ctx.forge.iso(),
          head: { ...next.head, sha: head },
          base: { ...next.base, sha: base },
        };
        events.push({ action: 'pull_request.close', operationType: 'modify' });
      } else if (input.state === 'open' && pull.state === 'closed') {
        const head = live.get(`refs/heads/${next.head.ref}`);
        if (!head) {
          throw validationFailed({
            resource: 'PullRequest',
            code: 'custom',
            field: 'state',
            message: 'state cannot be changed. The head branch no longer exists.',
          });
        }
        next = { ...next, state: 'open', closedAt: null, head: { ...next.head, sha: head } };
        events.push({ action: 'pull_request.reopen', operationType: 'modify' });
      }
      if (next !== pull) next = touchPull(ctx, repo, next);
      for (const event of events) {
        ctx.audit({
          ...event,
          repo,
          data: {
            ...pullAudit(next),
            ...(event.action === 'pull_request.edit' ? { changes } : {}),
          },
        });
      }
      return { status: 200, body: pullJson(ctx.forge.urls, ctx.state, repo, next, live) };
    },
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers',
    access: read,
    handle(ctx) {
      const repo = repoOr404(ctx);
      const pull = pullOr404(repo, intParam(ctx, 'pull_number'));
      return {
        status: 200,
        body: {
          users: pull.requestedReviewers.map((login) =>
            userJson(ctx.forge.urls, accountOf(ctx.state, login)),
          ),
          teams: [],
        },
      };
    },
  },
  {
    method: 'POST',
    template: '/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers',
    access: write,
    async handle(ctx) {
      const repo = repoOr404(ctx);
      const pull = pullOr404(repo, intParam(ctx, 'pull_number'));
      const input = parseBody(
        z.object({
          reviewers: z.array(z.string()).optional(),
          team_reviewers: z.array(z.string()).optional(),
        }),
        ctx.body,
        'PullRequest',
      );
      const wanted = input.reviewers ?? [];
      const unknown = wanted.filter((login) => {
        const account = ctx.state.accounts[login.toLowerCase()];
        return !account || account.type === 'Organization';
      });
      if (unknown.length > 0 || (input.team_reviewers ?? []).length > 0) {
        throw new ApiError(
          422,
          `Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ${repo.owner}/${repo.name} repository.`,
        );
      }
      if (wanted.some((login) => login.toLowerCase() === pull.user.toLowerCase())) {
        throw new ApiError(422, 'Review cannot be requested from pull request author.');
      }
      const logins = wanted.map((login) => accountOf(ctx.state, login).login);
      const added = logins.filter(
        (login) => !pull.requestedReviewers.some((r) => r.toLowerCase() === login.toLowerCase()),
      );
      let next = pull;
      if (added.length > 0) {
        next = touchPull(ctx, repo, {
          ...pull,
          requestedReviewers: [...pull.requestedReviewers, ...added],
        });
        ctx.audit({
          action: 'pull_request.create_review_request',
          operationType: 'modify',
          repo,
          data: { ...pullAudit(next), reviewers: added },
        });
      }
      const live = await liveRefs(ctx.forge, repo);
      return { status: 201, body: pullSimpleJson(ctx.forge.urls, ctx.state, repo, next, live) };
    },
  },
  {
    method: 'DELETE',
    template: '/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers',
    access: write,
    async handle(ctx) {
      const repo = repoOr404(ctx);
      const pull = pullOr404(repo, intParam(ctx, 'pull_number'));
      const input = parseBody(
        z.object({
          reviewers: z.array(z.string()),
          team_reviewers: z.array(z.string()).optional(),
        }),
        ctx.body,
        'PullRequest',
      );
      const drop = new Set(input.reviewers.map((l) => l.toLowerCase()));
      const removed = pull.requestedReviewers.filter((l) => drop.has(l.toLowerCase()));
      let next = pull;
      if (removed.length > 0) {
        next = touchPull(ctx, repo, {
          ...pull,
          requestedReviewers: pull.requestedReviewers.filter((l) => !drop.has(l.toLowerCase())),
        });
        ctx.audit({
          action: 'pull_request.remove_review_request',
          operationType: 'modify',
          repo,
          data: { ...pullAudit(next), reviewers: removed },
        });
      }
      const live = await liveRefs(ctx.forge, repo);
      return { status: 200, body: pullSimpleJson(ctx.forge.urls, ctx.state, repo, next, live) };
    },
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/issues/{issue_number}/labels',
    access: read,
    handle(ctx) {
      const repo = repoOr404(ctx);
      const pull = pullOr404(repo, intParam(ctx, 'issue_number'));
      const page = paginate(ctx, labelsReply(ctx, repo, pull));
      return { status: 200, body: page.items, headers: page.headers };
    },
  },
  ...(['POST', 'PUT'] as const).map((method): Route => ({
    method,
    template: '/repos/{owner}/{repo}/issues/{issue_number}/labels',
    access: write,
    handle(ctx) {
      const repo = repoOr404(ctx);
      const pull = pullOr404(repo, intParam(ctx, 'issue_number'));
      const names = ensureLabels(ctx, repo, parseBody(labelsBody, ctx.body, 'Label'));
      const keep = method === 'PUT' ? [] : pull.labels;
      const merged = [...keep];
      for (const name of names) {
        if (!merged.some((l) => l.toLowerCase() === name.toLowerCase())) merged.push(name);
      }
      const added = merged.filter(
        (n) => !pull.labels.some((l) => l.toLowerCase() === n.toLowerCase()),
      );
      const removed = pull.labels.filter(
        (l) => !merged.some((n) => n.toLowerCase() === l.toLowerCase()),
      );
      const next = touchPull(ctx, repo, { ...pull, labels: merged });
      if (added.length > 0) {
        ctx.audit({
          action: 'pull_request.labeled',
          operationType: 'modify',
          repo,
          data: { ...pullAudit(next), labels: added },
        });
      }
      if (removed.length > 0) {
        ctx.audit({
          action: 'pull_request.unlabeled',
          operationType: 'modify',
          repo,
          data: { ...pullAudit(next), labels: removed },
        });
      }
      return { status: 200, body: labelsReply(ctx, repo, next) };
    },
  })),
  {
    method: 'DELETE',
    template: '/repos/{owner}/{repo}/issues/{issue_number}/labels',
    access: write,
    handle(ctx) {
      const repo = repoOr404(ctx);
      const pull = pullOr404(repo, intParam(ctx, 'issue_number'));
      if (pull.labels.length > 0) {
        const next = touchPull(ctx, repo, { ...pull, labels: [] });
        ctx.audit({
          action: 'pull_request.unlabeled',
          operationType: 'modify',
          repo,
          data: { ...pullAudit(next), labels: pull.labels },
        });
      }
      return { status: 204 };
    },
  },
  {
    method: 'DELETE',
    template: '/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}',
    access: write,
    handle(ctx) {
      const repo = repoOr404(ctx);
      const pull = pullOr404(repo, intParam(ctx, 'issue_number'));
      const name = (ctx.params.name ?? '').toLowerCase();
      const present = pull.labels.find((l) => l.toLowerCase() === name);
      if (!present) throw new ApiError(404, 'Label does not exist');
      const next = touchPull(ctx, repo, {
        ...pull,
        labels: pull.labels.filter((l) => l.toLowerCase() !== name),
      });
      ctx.audit({
        action: 'pull_request.unlabeled',
        operationType: 'modify',
        repo,
        data: { ...pullAudit(next), labels: [present] },
      });
      return { status: 200, body: labelsReply(ctx, repo, next) };
    },
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/pulls/{pull_number}/reviews',
    access: read,
    handle(ctx) {
      const repo = repoOr404(ctx);
      const pull = pullOr404(repo, intParam(ctx, 'pull_number'));
      const reviews = repo.reviews.filter((r) => r.pullNumber === pull.number);
      const page = paginate(ctx, reviews);
      return {
        status: 200,
        body: page.items.map((r) => reviewJson(ctx.forge.urls, ctx.state, repo, r)),
        headers: page.headers,
      };
    },
  },
  {
    method: 'POST',
    template: '/repos/{owner}/{repo}/pulls/{pull_number}/reviews',
    access: write,
    async handle(ctx) {
      const repo = repoOr404(ctx);
      const pull = pullOr404(repo, intParam(ctx, 'pull_number'));
      const input = parseBody(
        z.object({
          commit_id: z.string().optional(),
          body: z.string().optional(),
          event: z.enum(['APPROVE', 'REQUEST_CHANGES', 'COMMENT']).optional(),
          comments: z.array(reviewCommentInput).optional(),
        }),
        ctx.body,
        'PullRequestReview',
      );
      const state = reviewStateOf(input.event);
      const own = pull.user.toLowerCase() === ctx.caller.account.login.toLowerCase();
      if (own && state === 'APPROVED')
        throw new ApiError(422, 'Unprocessable Entity: Can not approve your own pull request');
      if (own && state === 'CHANGES_REQUESTED') {
        throw new ApiError(
          422,
          'Unprocessable Entity: Can not request changes on your own pull request',
        );
      }
      if (
        (state === 'CHANGES_REQUESTED' || state === 'COMMENTED') &&
        !input.body &&
        !input.comments?.length
      ) {
        throw validationFailed({
          resource: 'PullRequestReview',
          code: 'custom',
          field: 'body',
          message: `Body is required for ${input.event ?? 'this'} review`,
        });
      }
      if (
        state === 'PENDING' &&
        repo.reviews.some(
          (r) =>
            r.pullNumber === pull.number &&
            r.state === 'PENDING' &&
            r.user === ctx.caller.account.login,
        )
      ) {
        throw validationFailed({
          resource: 'PullRequestReview',
          code: 'custom',
          message: 'User can only have one pending review per pull request',
        });
      }
      const live = await liveRefs(ctx.forge, repo);
      const commitId = input.commit_id ?? live.get(`refs/heads/${pull.head.ref}`) ?? pull.head.sha;
      const now = ctx.forge.iso();
      const review = {
        id: nextId(ctx.state),
        pullNumber: pull.number,
        body: input.body ?? '',
        state,
        commitId,
        user: ctx.caller.account.login,
        submittedAt: now,
      };
      repo.reviews.push(review);
      for (const comment of input.comments ?? []) {
        repo.reviewComments.push({
          id: nextId(ctx.state),
          pullNumber: pull.number,
          reviewId: review.id,
          body: comment.body,
          path: comment.path,
          line: comment.line ?? comment.position ?? null,
          side: comment.side ?? 'RIGHT',
          subjectType: comment.subject_type ?? 'line',
          commitId,
          inReplyTo: null,
          user: ctx.caller.account.login,
          createdAt: now,
          updatedAt: now,
        });
      }
      if (state !== 'PENDING') {
        ctx.audit({
          action: 'pull_request_review.submit',
          operationType: 'create',
          repo,
          data: { ...pullAudit(pull), review_id: review.id, review_state: state },
        });
      }
      return { status: 200, body: reviewJson(ctx.forge.urls, ctx.state, repo, review) };
    },
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    access: read,
    handle(ctx) {
      const repo = repoOr404(ctx);
      const pull = pullOr404(repo, intParam(ctx, 'issue_number'));
      const page = paginate(
        ctx,
        repo.issueComments.filter((c) => c.issueNumber === pull.number),
      );
      return {
        status: 200,
        body: page.items.map((c) => issueCommentJson(ctx.forge.urls, ctx.state, repo, c)),
        headers: page.headers,
      };
    },
  },
  {
    method: 'POST',
    template: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    access: write,
    handle(ctx) {
      const repo = repoOr404(ctx);
      const pull = pullOr404(repo, intParam(ctx, 'issue_number'));
      const input = parseBody(z.object({ body: z.string().min(1) }), ctx.body, 'IssueComment');
      const now = ctx.forge.iso();
      const comment = {
        id: nextId(ctx.state),
        issueNumber: pull.number,
        body: input.body,
        user: ctx.caller.account.login,
        createdAt: now,
        updatedAt: now,
      };
      repo.issueComments.push(comment);
      ctx.audit({
        action: 'issue_comment.create',
        operationType: 'create',
        repo,
        data: { ...pullAudit(pull), comment_id: comment.id },
      });
      return { status: 201, body: issueCommentJson(ctx.forge.urls, ctx.state, repo, comment) };
    },
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/issues/comments/{comment_id}',
    access: read,
    handle(ctx) {
      const repo = repoOr404(ctx);
      const comment = commentOr404(repo.issueComments, intParam(ctx, 'comment_id'));
      return { status: 200, body: issueCommentJson(ctx.forge.urls, ctx.state, repo, comment) };
    },
  },
  {
    method: 'PATCH',
    template: '/repos/{owner}/{repo}/issues/comments/{comment_id}',
    access: write,
    handle(ctx) {
      const repo = repoOr404(ctx);
      const comment = commentOr404(repo.issueComments, intParam(ctx, 'comment_id'));
      const input = parseBody(z.object({ body: z.string().min(1) }), ctx.body, 'IssueComment');
      const next = { ...comment, body: input.body, updatedAt: ctx.forge.iso() };
      repo.issueComments[repo.issueComments.indexOf(comment)] = next;
      ctx.audit({
        action: 'issue_comment.update',
        operationType: 'modify',
        repo,
        data: { comment_id: comment.id, issue_number: comment.issueNumber },
      });
      return { status: 200, body: issueCommentJson(ctx.forge.urls, ctx.state, repo, next) };
    },
  },
  {
    method: 'DELETE',
    template: '/repos/{owner}/{repo}/issues/comments/{comment_id}',
    access: write,
    handle(ctx) {
      const repo = repoOr404(ctx);
      const comment = commentOr404(repo.issueComments, intParam(ctx, 'comment_id'));
      repo.issueComments.splice(repo.issueComments.indexOf(comment), 1);
      ctx.audit({
        action: 'issue_comment.destroy',
        operationType: 'remove',
        repo,
        data: { comment_id: comment.id, issue_number: comment.issueNumber },
      });
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/pulls/{pull_number}/comments',
    access: read,
    handle(ctx) {
      const repo = repoOr404(ctx);
      const pull = pullOr404(repo, intParam(ctx, 'pull_number'));
      const page = paginate(
        ctx,
        repo.reviewComments.filter((c) => c.pullNumber === pull.number),
      );
      return {
        status: 200,
        body: page.items.map((c) => reviewCommentJson(ctx.forge.urls, ctx.state, repo, c)),
        headers: page.headers,
      };
    },
  },
  {
    method: 'POST',
    template: '/repos/{owner}/{repo}/pulls/{pull_number}/comments',
    access: write,
    handle(ctx) {
      const repo = repoOr404(ctx);
      const pull = pullOr404(repo, intParam(ctx, 'pull_number'));
      const input = parseBody(
        z.union([
          reviewCommentInput.extend({ commit_id: z.string() }),
          z.object({ body: z.string(), in_reply_to: z.number().int() }),
        ]),
        ctx.body,
        'PullRequestReviewComment',
      );
      const now = ctx.forge.iso();
      let record: ReviewCommentRecord;
      if ('in_reply_to' in input) {
        const parent = repo.reviewComments.find(
          (c) => c.id === input.in_reply_to && c.pullNumber === pull.number,
        );
        if (!parent) throw notFound();
        record = {
          ...parent,
          id: nextId(ctx.state),
          body: input.body,
          inReplyTo: parent.id,
          user: ctx.caller.account.login,
          createdAt: now,
          updatedAt: now,
        };
      } else {
        record = {
          id: nextId(ctx.state),
          pullNumber: pull.number,
          reviewId: null,
          body: input.body,
          path: input.path,
          line: input.line ?? input.position ?? null,
          side: input.side ?? 'RIGHT',
          subjectType: input.subject_type ?? (input.line || input.position ? 'line' : 'file'),
          commitId: input.commit_id,
          inReplyTo: null,
          user: ctx.caller.account.login,
          createdAt: now,
          updatedAt: now,
        };
      }
      repo.reviewComments.push(record);
      ctx.audit({
        action: 'pull_request_review_comment.create',
        operationType: 'create',
        repo,
        data: { ...pullAudit(pull), comment_id: record.id, path: record.path },
      });
      return { status: 201, body: reviewCommentJson(ctx.forge.urls, ctx.state, repo, record) };
    },
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/pulls/comments/{comment_id}',
    access: read,
    handle(ctx) {
      const repo = repoOr404(ctx);
      const comment = commentOr404(repo.reviewComments, intParam(ctx, 'comment_id'));
      return { status: 200, body: reviewCommentJson(ctx.forge.urls, ctx.state, repo, comment) };
    },
  },
  {
    method: 'DELETE',
    template: '/repos/{owner}/{repo}/pulls/comments/{comment_id}',
    access: write,
    handle(ctx) {
      const repo = repoOr404(ctx);
      const comment = commentOr404(repo.reviewComments, intParam(ctx, 'comment_id'));
      repo.reviewComments.splice(repo.reviewComments.indexOf(comment), 1);
      ctx.audit({
        action: 'pull_request_review_comment.delete',
        operationType: 'remove',
        repo,
        data: { comment_id: comment.id, pull_request_number: comment.pullNumber },
      });
      return { status: 204 };
    },
  },
];
