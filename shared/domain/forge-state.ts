import { z } from 'zod';

/**
 * The state of a Git hosting organisation as Bulkhead reads, snapshots, diffs and
 * restores it.
 *
 * One model for all three points in time (a snapshot, live state read through the GitHub
 * adapter, and state reconstructed at the timeline cursor), so the diff compares like with
 * like. Timestamps stay as the provider's ISO 8601 strings: exact, and comparable as text.
 * Secret values never appear here: providers never return them (see `SecretMeta`).
 */

/** A git object id: SHA-1 (40 hex) or SHA-256 (64 hex) repositories. */
export const ObjectId = z.string().regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/, 'a git object id');
export type ObjectId = z.infer<typeof ObjectId>;

export const RefState = z.object({
  /** Full name, e.g. `refs/heads/main`, `refs/tags/v1`. */
  name: z.string().startsWith('refs/'),
  sha: ObjectId,
});
export type RefState = z.infer<typeof RefState>;

export const CommentState = z.object({
  id: z.number().int(),
  author: z.string(),
  body: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type CommentState = z.infer<typeof CommentState>;

export const ReviewCommentState = CommentState.extend({
  path: z.string(),
  line: z.number().int().nullable(),
  commitId: z.string(),
  inReplyToId: z.number().int().nullable(),
});
export type ReviewCommentState = z.infer<typeof ReviewCommentState>;

export const ReviewVerdict = z.enum([
  'APPROVED',
  'CHANGES_REQUESTED',
  'COMMENTED',
  'DISMISSED',
  'PENDING',
]);
export type ReviewVerdict = z.infer<typeof ReviewVerdict>;

export const ReviewState = z.object({
  id: z.number().int(),
  author: z.string(),
  state: ReviewVerdict,
  body: z.string(),
  submittedAt: z.string().nullable(),
  commitId: z.string().nullable(),
});
export type ReviewState = z.infer<typeof ReviewState>;

export const PullRequestState = z.object({
  number: z.number().int().positive(),
  title: z.string(),
  body: z.string(),
  state: z.enum(['open', 'closed']),
  merged: z.boolean(),
  draft: z.boolean(),
  author: z.string(),
  base: z.object({ ref: z.string(), sha: z.string() }),
  head: z.object({
    ref: z.string(),
    sha: z.string(),
    /** `owner/name` of the head repository; null when the fork is gone. */
    repo: z.string().nullable(),
  }),
  labels: z.array(z.string()),
  requestedReviewers: z.array(z.string()),
  reviews: z.array(ReviewState),
  comments: z.array(CommentState),
  reviewComments: z.array(ReviewCommentState),
  createdAt: z.string(),
  updatedAt: z.string(),
  closedAt: z.string().nullable(),
});
export type PullRequestState = z.infer<typeof PullRequestState>;

export const VariableState = z.object({
  name: z.string(),
  value: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type VariableState = z.infer<typeof VariableState>;

/** What a provider tells of a secret: its name and when it last changed, never its value. */
export const SecretMeta = z.object({
  name: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type SecretMeta = z.infer<typeof SecretMeta>;

export const EnvironmentState = z.object({
  name: z.string(),
  variables: z.array(VariableState),
  secrets: z.array(SecretMeta),
});
export type EnvironmentState = z.infer<typeof EnvironmentState>;

export const RepoSummary = z.object({
  owner: z.string(),
  name: z.string(),
  id: z.number().int(),
  private: z.boolean(),
  archived: z.boolean(),
  description: z.string(),
  defaultBranch: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  pushedAt: z.string().nullable(),
});
export type RepoSummary = z.infer<typeof RepoSummary>;

export const RepoState = RepoSummary.extend({
  refs: z.array(RefState),
  pulls: z.array(PullRequestState),
  variables: z.array(VariableState),
  secrets: z.array(SecretMeta),
  environments: z.array(EnvironmentState),
});
export type RepoState = z.infer<typeof RepoState>;

/** `owner/name`, the key every repository is known by across trails, snapshots and diffs. */
export function repoKey(repo: { readonly owner: string; readonly name: string }): string {
  return `${repo.owner}/${repo.name}`;
}
