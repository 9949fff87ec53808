import type {
  CommentState,
  PullRequestState,
  RepoSummary,
  ReviewCommentState,
  ReviewState,
  SecretMeta,
  VariableState,
} from '../../../shared/domain/forge-state';
import { ReviewVerdict } from '../../../shared/domain/forge-state';

/**
 * GitHub's REST shapes, reduced to the fields Bulkhead keeps, and their mapping into the
 * domain model.
 *
 * Kept apart from the adapter so the mapping is tested on its own and so a field GitHub
 * renames is fixed in one place. Nullable fields become empty strings or explicit nulls,
 * never `undefined`, so snapshots and diffs compare exactly.
 */

interface ApiUser {
  readonly login: string;
}

export interface ApiRepo {
  readonly id: number;
  readonly name: string;
  readonly owner: ApiUser;
  readonly private: boolean;
  readonly archived?: boolean;
  readonly description: string | null;
  readonly default_branch?: string;
  readonly created_at: string | null;
  readonly updated_at: string | null;
  readonly pushed_at: string | null;
}

export interface ApiPull {
  readonly number: number;
  readonly title: string;
  readonly body: string | null;
  readonly state: string;
  readonly merged_at: string | null;
  readonly draft?: boolean;
  readonly user: ApiUser | null;
  readonly base: { readonly ref: string; readonly sha: string };
  readonly head: {
    readonly ref: string;
    readonly sha: string;
    readonly repo: { readonly full_name: string } | null;
  };
  readonly labels: ReadonlyArray<{ readonly name?: string }>;
  readonly requested_reviewers?: ReadonlyArray<ApiUser> | null;
  readonly created_at: string;
  readonly updated_at: string;
  readonly closed_at: string | null;
}

export interface ApiReview {
  readonly id: number;
  readonly user: ApiUser | null;
  readonly state: string;
  readonly body: string | null;
  readonly submitted_at?: string | null;
  readonly commit_id: string | null;
}

export interface ApiComment {
  readonly id: number;
  readonly user: ApiUser | null;
  readonly body?: string;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface ApiReviewComment extends ApiComment {
  readonly path: string;
  readonly line?: number | null;
  readonly commit_id: string;
  readonly in_reply_to_id?: number;
}

export interface ApiVariable {
  readonly name: string;
  readonly value: string;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface ApiSecret {
  readonly name: string;
  readonly created_at: string;
  readonly updated_at: string;
}

/** GitHub shows a deleted account as `ghost`. */
const ghost = 'ghost';

export function toRepoSummary(repo: ApiRepo): RepoSummary {
  return {
    owner: repo.owner.login,
    name: repo.name,
    id: repo.id,
    private: repo.private,
    archived: repo.archived ?? false,
    description: repo.description ?? '',
    defaultBranch: repo.default_branch ?? 'main',
    createdAt: repo.created_at ?? '',
    updatedAt: repo.updated_at ?? '',
    pushedAt: repo.pushed_at,
  };
}

export function toPull(
  pull: ApiPull,
  parts: Pick<PullRequestState, 'reviews' | 'comments' | 'reviewComments'>,
): PullRequestState {
  return {
    number: pull.number,
    title: pull.title,
    body: pull.body ?? '',
    state: pull.state === 'open' ? 'open' : 'closed',
    merged: pull.merged_at !== null,
    draft: pull.draft ?? false,
    author: pull.user?.login ?? ghost,
    base: { ref: pull.base.ref, sha: pull.base.sha },
    head: { ref: pull.head.ref, sha: pull.head.sha, repo: pull.head.repo?.full_name ?? null },
    labels: pull.labels.flatMap((l) => (l.name === undefined ? [] : [l.name])).sort(),
    requestedReviewers: (pull.requested_reviewers ?? []).map((u) => u.login).sort(),
    reviews: [...parts.reviews].sort((a, b) => a.id - b.id),
    comments: [...parts.comments].sort((a, b) => a.id - b.id),
    reviewComments: [...parts.reviewComments].sort((a, b) => a.id - b.id),
    createdAt: pull.created_at,
    updatedAt: pull.updated_at,
    closedAt: pull.closed_at,
  };
}

export function toReview(review: ApiReview): ReviewState {
  const verdict = ReviewVerdict.safeParse(review.state);
  return {
    id: review.id,
    author: review.user?.login ?? ghost,
    state: verdict.success ? verdict.data : 'COMMENTED',
    body: review.body ?? '',
    submittedAt: review.submitted_at ?? null,
    commitId: review.commit_id,
  };
}

export function toComment(comment: ApiComment): CommentState {
  return {
    id: comment.id,
    author: comment.user?.login ?? ghost,
    body: comment.body ?? '',
    createdAt: comment.created_at,
    updatedAt: comment.updated_at,
  };
}

export function toReviewComment(comment: ApiReviewComment): ReviewCommentState {
  return {
    ...toComment(comment),
    path: comment.path,
    line: comment.line ?? null,
    commitId: comment.commit_id,
    inReplyToId: comment.in_reply_to_id ?? null,
  };
}

export function toVariable(variable: ApiVariable): VariableState {
  return {
    name: variable.name,
    value: variable.value,
    createdAt: variable.created_at,
    updatedAt: variable.updated_at,
  };
}

export function toSecretMeta(secret: ApiSecret): SecretMeta {
  return { name: secret.name, createdAt: secret.created_at, updatedAt: secret.updated_at };
}
