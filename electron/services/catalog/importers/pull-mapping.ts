import {
  PullRequestState,
  ReviewVerdict,
  type CommentState,
  type ReviewCommentState,
  type ReviewState,
} from '../../../../shared/domain/forge-state';

/** What a backup's pull request file turned into: the state, the parts it lacked, or a problem. */
export type PullMapping =
  | {
      readonly ok: true;
      readonly pull: PullRequestState;
      /** Parts the file does not hold at all (not "empty": absent), e.g. `reviews`. */
      readonly absent: ReadonlyArray<'reviews' | 'comments' | 'reviewComments'>;
    }
  | { readonly ok: false; readonly problem: string };

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : fallback;
}

function textOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function integer(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : null;
}

function login(value: unknown): string {
  return isObject(value) ? text(value.login) : '';
}

function list(value: unknown): ReadonlyArray<unknown> | null {
  return Array.isArray(value) ? value : null;
}

function mapComment(raw: unknown): CommentState | null {
  if (!isObject(raw)) return null;
  const id = integer(raw.id);
  if (id === null) return null;
  const createdAt = text(raw.created_at);
  return {
    id,
    author: login(raw.user),
    body: text(raw.body),
    createdAt,
    updatedAt: text(raw.updated_at, createdAt),
  };
}

function mapReviewComment(raw: unknown): ReviewCommentState | null {
  const base = mapComment(raw);
  if (base === null || !isObject(raw)) return null;
  return {
    ...base,
    path: text(raw.path),
    line: integer(raw.line) ?? integer(raw.original_line),
    commitId: text(raw.commit_id, text(raw.original_commit_id)),
    inReplyToId: integer(raw.in_reply_to_id),
  };
}

function mapReview(raw: unknown): ReviewState | null {
  if (!isObject(raw)) return null;
  const id = integer(raw.id);
  const state = ReviewVerdict.safeParse(raw.state);
  if (id === null || !state.success) return null;
  return {
    id,
    author: login(raw.user),
    state: state.data,
    body: text(raw.body),
    submittedAt: textOrNull(raw.submitted_at),
    commitId: textOrNull(raw.commit_id),
  };
}

/**
 * Maps one pull request as GitHub's REST API returned it (and python-github-backup saved it) to `PullRequestState`.
 *
 * python-github-backup writes the `GET /repos/{o}/{r}/pulls` item, plus, when asked, the
 * review comments as `comment_data` (`--pull-comments`), the conversation comments as
 * `comment_regular_data` (since 0.42) and the reviews as `review_data`
 * (`--pull-reviews`). A part the file does not hold is reported as absent, so the import
 * can say "reviews not in this backup" instead of showing none. Anything that is not a
 * pull request (no number, no head/base) is a problem naming the field; list items that
 * are not comments are dropped rather than failing the pull request.
 */
export function mapGithubPull(raw: unknown): PullMapping {
  if (!isObject(raw)) return { ok: false, problem: 'not a JSON object' };
  const number = integer(raw.number);
  if (number === null || number < 1) return { ok: false, problem: 'field number: missing' };
  if (!isObject(raw.base)) return { ok: false, problem: 'field base: missing' };
  if (!isObject(raw.head)) return { ok: false, problem: 'field head: missing' };
  const state = raw.state === 'open' || raw.state === 'closed' ? raw.state : null;
  if (state === null) {
    return { ok: false, problem: `field state: ${JSON.stringify(raw.state) ?? 'missing'}` };
  }
  const absent: Array<'reviews' | 'comments' | 'reviewComments'> = [];
  const reviews = list(raw.review_data);
  if (reviews === null) absent.push('reviews');
  const comments = list(raw.comment_regular_data);
  if (comments === null) absent.push('comments');
  const reviewComments = list(raw.comment_data);
  if (reviewComments === null) absent.push('reviewComments');
  const headRepo = raw.head.repo;
  const createdAt = text(raw.created_at);
  const candidate = {
    number,
    title: text(raw.title),
    body: text(raw.body),
    state,
    merged: typeof raw.merged === 'boolean' ? raw.merged : typeof raw.merged_at === 'string',
    draft: raw.draft === true,
    author: login(raw.user),
    base: { ref: text(raw.base.ref), sha: text(raw.base.sha) },
    head: {
      ref: text(raw.head.ref),
      sha: text(raw.head.sha),
      repo: isObject(headRepo) ? textOrNull(headRepo.full_name) : null,
    },
    labels: (list(raw.labels) ?? [])
      .map((label) => (isObject(label) ? text(label.name) : typeof label === 'string' ? label : ''))
      .filter((name) => name !== ''),
    requestedReviewers: (list(raw.requested_reviewers) ?? [])
      .map(login)
      .filter((name) => name !== ''),
    reviews: (reviews ?? []).map(mapReview).filter((review) => review !== null),
    comments: (comments ?? []).map(mapComment).filter((comment) => comment !== null),
    reviewComments: (reviewComments ?? [])
      .map(mapReviewComment)
      .filter((comment) => comment !== null),
    createdAt,
    updatedAt: text(raw.updated_at, createdAt),
    closedAt: textOrNull(raw.closed_at),
  };
  const parsed = PullRequestState.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      problem: `field ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`,
    };
  }
  return { ok: true, pull: parsed.data, absent };
}
